// SPDX-License-Identifier: BSD-3-Clause
// CaptureFileReader: format detection, the libpcap path for classic pcap, and the hand-off to
// PcapngReader. libpcap reuses its record buffer on every pcap_next_ex() call, so each record is
// copied into the arena to keep the whole batch valid until the next call.
#include "capture/capture_file_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include <pcap/pcap.h>
#include <sys/stat.h>

#include <fmt/format.h>

namespace fm::capture {

namespace {

constexpr std::size_t kArenaBytes = 2U * 1024U * 1024U;
constexpr std::size_t kMinArenaBytes = 4096;

/// A file never needs more arena than its own size (records and blocks are copied from it).
std::size_t arena_bytes(std::uint64_t input_size) noexcept {
    if (input_size == 0) {
        return kArenaBytes;  // unknown
    }
    return static_cast<std::size_t>(
        std::clamp<std::uint64_t>(input_size, kMinArenaBytes, kArenaBytes));
}

/// Magic of the "modified" (Kuznetzov) pcap format, whose record headers are 24 bytes long.
bool is_modified_pcap_magic(const std::uint8_t m[4]) noexcept {
    return (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0xcd && m[3] == 0x34) ||
           (m[0] == 0x34 && m[1] == 0xcd && m[2] == 0xb2 && m[3] == 0xa1);
}

}  // namespace

CaptureFileReader::CaptureFileReader(const std::string& path) : PacketSource(path) {
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr) {
        fail(fmt::format("{}: {}", path, std::strerror(errno)));
        return;
    }
    struct stat st {};
    if (::fstat(::fileno(fp), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            std::fclose(fp);
            fail(fmt::format("{}: {}", path, std::strerror(EISDIR)));
            return;
        }
        set_size_bytes(static_cast<std::uint64_t>(st.st_size));
    }
    open_stream(fp);
}

CaptureFileReader::CaptureFileReader(std::span<const std::uint8_t> bytes, std::string name)
    : PacketSource(std::move(name)) {
    set_size_bytes(bytes.size());
    if (bytes.empty()) {
        // fmemopen() refuses a zero-length buffer; say what libpcap says about an empty file.
        fail(fmt::format("{}: truncated dump file; tried to read 4 file header bytes, only got 0",
                         this->name()));
        return;
    }
    // fmemopen wants a non-const pointer but "rb" never writes through it.
    std::FILE* fp = ::fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "rb");
    if (fp == nullptr) {
        fail(fmt::format("{}: {}", this->name(), std::strerror(errno)));
        return;
    }
    open_stream(fp);
}

CaptureFileReader::~CaptureFileReader() {
    if (pcap_ != nullptr) {
        pcap_close(pcap_);  // closes pcap_fp_ too
    }
}

void CaptureFileReader::open_stream(std::FILE* fp) {
    std::uint8_t magic[4] = {};
    const std::size_t n = std::fread(magic, 1, sizeof magic, fp);
    std::rewind(fp);
    if (n == 4 && magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a) {
        pcapng_ = std::make_unique<PcapngReader>(fp, name());
        if (!pcapng_->error().empty()) {
            fail(pcapng_->error());
            pcapng_.reset();
            return;
        }
        format_ = CaptureFormat::Pcapng;
        arena_ = RecordArena(arena_bytes(size_bytes()));
        set_bytes_read(pcapng_->offset());
        return;
    }

    // Everything else goes to libpcap, whose error text names what is wrong ("unknown file
    // format", "archaic pcap savefile format", "truncated dump file; …").
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_ = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (pcap_ == nullptr) {
        std::fclose(fp);  // not taken over by libpcap on failure
        fail(fmt::format("{}: {}", name(), errbuf));
        return;
    }
    pcap_fp_ = fp;
    format_ = CaptureFormat::Pcap;
    snaplen_ = static_cast<std::uint32_t>(std::max(pcap_snapshot(pcap_), 0));
    link_type_ = static_cast<std::uint32_t>(pcap_datalink(pcap_));
    record_header_len_ = is_modified_pcap_magic(magic) ? 24U : 16U;
    const long pos = std::ftell(fp);
    offset_ = pos > 0 ? static_cast<std::uint64_t>(pos) : 24U;
    arena_ = RecordArena(arena_bytes(size_bytes()));
    set_bytes_read(offset_);
}

std::uint32_t CaptureFileReader::link_type() const noexcept {
    if (pcapng_ != nullptr) {
        return pcapng_->first_link_type();
    }
    return link_type_;
}

std::size_t CaptureFileReader::next_batch(RawBatch& batch) noexcept {
    batch.size = 0;
    arena_.reset();
    if (at_end()) {
        return 0;
    }
    if (format_ == CaptureFormat::Pcap) {
        fill_pcap(batch);
        set_bytes_read(offset_);
    } else if (pcapng_ != nullptr) {
        pcapng_->fill(batch, arena_);
        set_bytes_read(pcapng_->offset());
        if (pcapng_->at_end()) {
            if (!pcapng_->error().empty()) {
                fail(pcapng_->error());
            } else {
                finish();
            }
        }
    } else {
        finish();
    }
    add_packets(batch.size);
    return batch.size;
}

void CaptureFileReader::fill_pcap(RawBatch& batch) noexcept {
    const auto link = static_cast<std::uint16_t>(link_type_);
    while (batch.size < RawBatch::kCapacity) {
        pcap_pkthdr* h = nullptr;
        const u_char* d = nullptr;
        const int rc = pcap_next_ex(pcap_, &h, &d);
        if (rc == PCAP_ERROR_BREAK) {
            finish();
            return;
        }
        if (rc != 1) {
            fail(fmt::format("{}: damaged at byte offset {}: {} ({} packets read before it)",
                             name(), offset_, pcap_geterr(pcap_), packets_read() + batch.size));
            return;
        }
        const std::uint32_t cap = h->caplen;
        if (cap > arena_.free_bytes()) {
            if (batch.size > 0) {
                // Rewind to this record: it starts the next batch, in an arena emptied for it.
                if (std::fseek(pcap_fp_, static_cast<long>(offset_), SEEK_SET) != 0) {
                    fail(fmt::format("{}: cannot seek back to byte offset {}", name(), offset_));
                }
                return;
            }
            arena_.grow_empty(cap);
        }
        std::uint8_t* dst = arena_.tail();
        if (cap > 0) {
            std::memcpy(dst, d, cap);
        }
        arena_.commit(cap);
        RawPacketView& v = batch.packets[batch.size++];
        v.ts_us = static_cast<Micros>(h->ts.tv_sec) * kMicrosPerSecond + h->ts.tv_usec;
        v.data = dst;
        v.cap_len = cap;
        v.wire_len = h->len;
        v.link_type = link;
        // Track the file offset of the next record for damage reports. When libpcap cut the
        // record to the snapshot length its on-file size is unknown here: ask the stream.
        if (cap >= snaplen_) {
            const long pos = std::ftell(pcap_fp_);
            offset_ =
                pos >= 0 ? static_cast<std::uint64_t>(pos) : offset_ + record_header_len_ + cap;
        } else {
            offset_ += record_header_len_ + cap;
        }
    }
}

}  // namespace fm::capture
