// SPDX-License-Identifier: BSD-3-Clause
// CaptureFileReader: the offline PacketSource. It opens a capture file (or a byte buffer, for
// the fuzzers) and tells the format by its magic number, never by its extension. The bytes come
// from a FileInput (files, pipes and FIFOs read with read(2) in 1 MiB blocks, or the caller's
// buffer), and frames are views straight into those bytes (no copy).
//  * classic pcap: libpcap 1.10 reads the file header (so its checks and error texts, link type
//    mapping and snapshot length rules apply unchanged); the records of the common format
//    (version 2.4, µs or ns stamps, either byte order) are then parsed here with libpcap's
//    rules (sf-pcap.c pcap_next_packet): nanoseconds truncated to microseconds, captured
//    lengths above the snapshot length cut to it, lengths above the link type's maximum are
//    damage, same error texts. The variants whose records libpcap rewrites (older versions with
//    swapped length fields, Kuznetzov's patched headers, byte-swapped pseudo-headers such as
//    Linux SLL/USB/NFLOG/pflog) are still read through libpcap, records copied into an arena;
//  * pcapng is read by PcapngReader (own bounds-checked block parser), because libpcap refuses
//    files whose interfaces differ in link type or snapshot length. Each frame carries its own
//    interface's link type; captured lengths are cut to that interface's snapshot length.
// Damage (truncated record, impossible length, bad block) ends the input after every frame
// before it was delivered; error() then names the file and the byte offset of the damage. A file
// that cannot be opened at all has is_open() == false and error() naming the file and reason.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "capture/bpf_file_filter.hpp"
#include "capture/file_input.hpp"
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

    /// See PacketSource::next_batch. Views point into the input's buffer or (for the
    /// libpcap-read variants) this reader's arena; a batch holds at most 2 MiB of frame data
    /// (more only for a single larger frame).
    std::size_t next_batch(RawBatch& batch) noexcept override;

    /// False when the file could not be opened or its header is unusable (error() says why).
    bool is_open() const noexcept { return format_ != CaptureFormat::Unknown; }
    CaptureFormat format() const noexcept { return format_; }

    /// Link type of the file (classic pcap, as libpcap reports it) or of its first interface
    /// (pcapng; frames of other interfaces carry their own in RawPacketView::link_type).
    std::uint32_t link_type() const noexcept;

    /// Snapshot length of a classic pcap file as libpcap applies it (0 for pcapng).
    std::uint32_t snaplen() const noexcept { return snaplen_; }

    /// capture.bpf_filter: from now on only frames the expression accepts are delivered
    /// (capture/bpf_file_filter.hpp). Returns libpcap's error text when the expression does
    /// not compile for the file's link type and snapshot length (the filter is then not set);
    /// empty on success. An open reader only; before the first next_batch().
    std::string set_filter(const std::string& expression);

    /// Frames the filter rejected so far (0 without a filter).
    std::uint64_t filtered_out() const noexcept;

private:
    void open_input();
    void fill(RawBatch& batch) noexcept;
    void fill_records(RawBatch& batch) noexcept;
    void fill_pcap(RawBatch& batch) noexcept;
    void damaged(const char* what, std::size_t in_batch);

    std::unique_ptr<FileInput> input_;  ///< the bytes; PcapngReader and the cookie refer to it
    pcap* pcap_ = nullptr;              ///< libpcap-read variants only
    std::unique_ptr<PcapngReader> pcapng_;
    std::unique_ptr<BpfFileFilter> filter_;  ///< capture.bpf_filter; null = none
    RecordArena arena_;                      ///< libpcap-read variants only
    const void* pending_hdr_ = nullptr;      ///< libpcap record read but not delivered (arena full)
    const std::uint8_t* pending_data_ = nullptr;
    CaptureFormat format_ = CaptureFormat::Unknown;
    std::uint32_t snaplen_ = 0;
    std::uint32_t link_type_ = 0;
    std::uint32_t max_caplen_ = 0;  ///< libpcap's max_snaplen_for_dlt
    std::uint64_t offset_ = 0;      ///< file offset of the next classic pcap record
    std::uint64_t cookie_pos_ = 0;  ///< read position of libpcap's stream over input_
    std::uint32_t record_header_len_ = 16;
    bool direct_ = false;   ///< records parsed here (not through libpcap)
    bool swapped_ = false;  ///< file byte order differs from the host's
    bool nsec_ = false;     ///< nanosecond time stamps
};

}  // namespace fm::capture
