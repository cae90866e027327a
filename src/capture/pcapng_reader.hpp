// SPDX-License-Identifier: BSD-3-Clause
// PcapngReader: a bounds-checked reader of pcapng files, used by CaptureFileReader instead of
// libpcap. libpcap 1.10 refuses a pcapng file whose interfaces have different link types or
// snapshot lengths ("an interface has a type 113 different from the type of the first
// interface"); flowmeterd must read those, so the pcapng block structure is parsed here:
// Section Header Blocks in either byte order (several sections per file), Interface Description
// Blocks with if_tsresol and if_tsoffset, Enhanced, Simple and obsolete Packet Blocks; every
// other block is skipped. Each packet carries the link type of its own interface, and its
// captured length is cut to that interface's snapshot length when it is non-zero (what libpcap
// does for classic pcap records). Time stamps are truncated to microseconds, like libpcap.
// Damage stops the reader after the last good packet with an error naming the byte offset.
// Blocks are parsed where they lie in the FileInput (the mapped file or the read(2) buffer):
// a packet's view points into its block, nothing is copied.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "capture/file_input.hpp"
#include "capture/raw_batch.hpp"

namespace fm::capture {

class PcapngReader {
public:
    /// Reads from `input` (which must outlive the reader), starting at offset 0, the first
    /// Section Header Block. On failure error() is set and nothing can be read.
    PcapngReader(FileInput& input, std::string name);

    PcapngReader(const PcapngReader&) = delete;
    PcapngReader& operator=(const PcapngReader&) = delete;

    /// Appends packets to `batch` (views into the input) until the batch is full (by count, or
    /// about kBatchBytes of blocks), the file ends or damage is found. The caller empties the
    /// batch between calls.
    void fill(RawBatch& batch) noexcept;

    /// Block bytes one batch takes before it ends (a single larger block gets its own batch).
    static constexpr std::size_t kBatchBytes = 2U * 1024U * 1024U;

    bool at_end() const noexcept { return at_end_; }
    const std::string& error() const noexcept { return error_; }
    std::uint64_t offset() const noexcept { return offset_; }
    std::uint64_t packets() const noexcept { return packets_; }
    /// Link type of the first interface (0 before any IDB).
    std::uint16_t first_link_type() const noexcept { return first_link_type_; }
    /// Number of interfaces described in the current section.
    std::size_t interface_count() const noexcept { return ifaces_.size(); }

    /// Largest block accepted (libpcap uses the same 16 MiB limit).
    static constexpr std::uint32_t kMaxBlockLen = 16U * 1024U * 1024U;

private:
    struct Interface {
        std::uint16_t link_type = 0;
        std::uint32_t snaplen = 0;       ///< 0 = no limit
        bool binary_resolution = false;  ///< if_tsresol MSB: 2^-exp units instead of 10^-exp
        std::uint8_t exponent = 6;       ///< default resolution: microseconds
        std::int64_t offset_s = 0;       ///< if_tsoffset
    };

    enum class Step { Continue, Packet, Stop };

    Step read_block(RawBatch& batch, bool may_move) noexcept;
    bool parse_shb(const std::uint8_t* b, std::uint32_t len) noexcept;
    bool parse_idb(const std::uint8_t* b, std::uint32_t len) noexcept;
    void emit(RawBatch& batch, const Interface& ifc, std::uint64_t ts, const std::uint8_t* data,
              std::uint32_t cap_len, std::uint32_t wire_len) noexcept;
    void damage(std::uint64_t at, const std::string& reason);

    std::uint16_t u16(const std::uint8_t* p) const noexcept;
    std::uint32_t u32(const std::uint8_t* p) const noexcept;

    FileInput& in_;
    std::string name_;
    std::string error_;
    std::vector<Interface> ifaces_;
    std::uint64_t offset_ = 0;  ///< file offset of the next block
    std::uint64_t packets_ = 0;
    std::size_t batch_bytes_ = 0;  ///< block bytes in the batch being filled
    bool big_endian_ = false;      ///< byte order of the current section
    bool at_end_ = false;
    std::uint16_t first_link_type_ = 0;
};

}  // namespace fm::capture
