// SPDX-License-Identifier: BSD-3-Clause
// Classic pcap writer for flowgen (the libpcap "savefile" format, LINKTYPE_ETHERNET), with
// microsecond or nanosecond time stamps. Records are appended to one reused buffer that is
// flushed in large writes, so writing a packet costs a memcpy and no allocation. Fields are
// written little-endian whatever the host, so a capture's bytes depend on its arguments only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace fm::flowgen {

enum class TsPrecision {
    Micro,  ///< magic 0xA1B2C3D4, µs fraction (what most tools write)
    Nano,   ///< magic 0xA1B23C4D, ns fraction
};

class PcapWriter {
public:
    static constexpr std::uint32_t kSnapLen = 262144;
    static constexpr std::uint32_t kLinkTypeEthernet = 1;

    /// Writes to `path` ("-" for standard output). Throws std::runtime_error when it cannot
    /// be opened.
    PcapWriter(const std::string& path, TsPrecision precision);
    /// Keeps the whole capture in memory; see bytes().
    explicit PcapWriter(TsPrecision precision);
    ~PcapWriter();

    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    /// Appends one record. `ts_ns` is nanoseconds since the epoch (truncated to µs for Micro);
    /// `wire_len` is the original length (>= frame.size()).
    void write(std::int64_t ts_ns, std::span<const std::uint8_t> frame, std::uint32_t wire_len);

    /// Flushes and closes the file. Throws std::runtime_error on a write error (full disk).
    void close();

    /// The capture written so far (memory mode only).
    const std::vector<std::uint8_t>& bytes() const noexcept { return buf_; }

private:
    void write_file_header();
    void flush();

    std::vector<std::uint8_t> buf_;
    std::size_t used_ = 0;
    std::FILE* file_ = nullptr;
    bool owns_file_ = false;
    bool memory_ = false;
    TsPrecision precision_;
    std::string path_;
};

}  // namespace fm::flowgen
