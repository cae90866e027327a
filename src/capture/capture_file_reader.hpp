// SPDX-License-Identifier: BSD-3-Clause
// CaptureFileReader: the offline PacketSource. It opens a capture file (or a byte buffer, for
// the fuzzers) and tells the format by its magic number, never by its extension:
//  * classic pcap (µs or ns time stamps, either byte order, and the variants libpcap knows) is
//    read through libpcap 1.10 at microsecond precision, so nanoseconds are truncated and
//    records longer than the snapshot length are cut exactly as the reference tools saw them;
//  * pcapng is read by PcapngReader (own bounds-checked block parser), because libpcap refuses
//    files whose interfaces differ in link type or snapshot length. Each frame carries its own
//    interface's link type; captured lengths are cut to that interface's snapshot length.
// Damage (truncated record, impossible length, bad block) ends the input after every frame
// before it was delivered; error() then names the file and the byte offset of the damage. A file
// that cannot be opened at all has is_open() == false and error() naming the file and reason.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include "capture/packet_source.hpp"
#include "capture/pcapng_reader.hpp"
#include "capture/raw_batch.hpp"
#include "capture/record_arena.hpp"

struct pcap;  // libpcap's pcap_t, kept out of this header

namespace fm::capture {

enum class CaptureFormat : std::uint8_t { Unknown, Pcap, Pcapng };

class CaptureFileReader final : public PacketSource {
public:
    /// Opens `path`. Never throws for I/O problems: check is_open() / error().
    explicit CaptureFileReader(const std::string& path);

    /// Reads a capture held in memory (fuzzing, tests). `bytes` must outlive the reader.
    CaptureFileReader(std::span<const std::uint8_t> bytes, std::string name);

    ~CaptureFileReader() override;

    /// See PacketSource::next_batch. Views point into this reader's arena.
    std::size_t next_batch(RawBatch& batch) noexcept override;

    /// False when the file could not be opened or its header is unusable (error() says why).
    bool is_open() const noexcept { return format_ != CaptureFormat::Unknown; }
    CaptureFormat format() const noexcept { return format_; }

    /// Link type of the file (classic pcap, as libpcap reports it) or of its first interface
    /// (pcapng; frames of other interfaces carry their own in RawPacketView::link_type).
    std::uint32_t link_type() const noexcept;

    /// Snapshot length of a classic pcap file as libpcap applies it (0 for pcapng).
    std::uint32_t snaplen() const noexcept { return snaplen_; }

private:
    void open_stream(std::FILE* fp);
    void fill_pcap(RawBatch& batch) noexcept;

    pcap* pcap_ = nullptr;
    std::FILE* pcap_fp_ = nullptr;  ///< owned by pcap_ once it is open
    std::unique_ptr<PcapngReader> pcapng_;
    RecordArena arena_;
    CaptureFormat format_ = CaptureFormat::Unknown;
    std::uint32_t snaplen_ = 0;
    std::uint32_t link_type_ = 0;
    std::uint64_t offset_ = 0;  ///< file offset of the next classic pcap record
    std::uint32_t record_header_len_ = 16;
};

}  // namespace fm::capture
