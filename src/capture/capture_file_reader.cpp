// SPDX-License-Identifier: BSD-3-Clause
// CaptureFileReader: format detection, classic pcap records parsed in place (libpcap's rules,
// see the header), the libpcap path for the variants it rewrites, and the hand-off to
// PcapngReader. libpcap reads through a stdio stream over the same FileInput (fopencookie), so
// every input kind works on both paths and no byte is read twice from the file.
#include "capture/capture_file_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <utility>

#include <pcap/pcap.h>

#include <fmt/format.h>

namespace fm::capture {

namespace {

/// Frame bytes one batch may hold (a single larger frame gets a batch of its own): bounds the
/// arena of the libpcap path and keeps a read(2) input's buffer from having to move mid-batch.
constexpr std::size_t kBatchBytes = 2U * 1024U * 1024U;
constexpr std::size_t kMinArenaBytes = 4096;
constexpr std::uint32_t kFileHeaderLen = 24;
constexpr std::uint32_t kRecordHeaderLen = 16;

/// A file never needs more arena than its own size (records are copied from it).
std::size_t arena_bytes(std::uint64_t input_size) noexcept {
    if (input_size == 0) {
        return kBatchBytes;  // unknown
    }
    return static_cast<std::size_t>(
        std::clamp<std::uint64_t>(input_size, kMinArenaBytes, kBatchBytes));
}

/// Magic of the "modified" (Kuznetzov) pcap format, whose record headers are 24 bytes long.
bool is_modified_pcap_magic(const std::uint8_t m[4]) noexcept {
    return (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0xcd && m[3] == 0x34) ||
           (m[0] == 0x34 && m[1] == 0xcd && m[2] == 0xb2 && m[3] == 0xa1);
}

bool is_nsec_pcap_magic(const std::uint8_t m[4]) noexcept {
    return (m[0] == 0xa1 && m[1] == 0xb2 && m[2] == 0x3c && m[3] == 0x4d) ||
           (m[0] == 0x4d && m[1] == 0x3c && m[2] == 0xb2 && m[3] == 0xa1);
}

/// libpcap's max_snaplen_for_dlt (pcap-common.c): larger captured lengths are damage.
std::uint32_t max_snaplen_for_dlt(int dlt) noexcept {
    switch (dlt) {
        case DLT_DBUS:
            return 128U * 1024U * 1024U;
        case DLT_EBHSCR:
            return 8U * 1024U * 1024U;
        case DLT_USBPCAP:
            return 1024U * 1024U;
        default:
            return 262144U;  // MAXIMUM_SNAPLEN
    }
}

/// Link types whose records libpcap changes after reading them (pcap_post_process:
/// swap_pseudo_headers for a byte-swapped file, fixup_pcap_pkthdr for mmapped Linux USB).
bool libpcap_rewrites_records(int dlt, bool swapped) noexcept {
    if (dlt == DLT_USB_LINUX_MMAPPED) {
        return true;
    }
    if (!swapped) {
        return false;
    }
    switch (dlt) {
        case DLT_PFLOG:
        case DLT_LINUX_SLL:
        case DLT_LINUX_SLL2:
        case DLT_USB_LINUX:
        case DLT_NFLOG:
            return true;
        default:
            return false;
    }
}

std::uint32_t load32(const std::uint8_t* p, bool swapped) noexcept {
    std::uint32_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return swapped ? __builtin_bswap32(v) : v;
}

std::int64_t time_field(const std::uint8_t* p, bool swapped) noexcept {
    const std::uint32_t v = load32(p, swapped);
    return swapped ? std::int64_t{v} : std::int64_t{static_cast<std::int32_t>(v)};
}

// A stdio stream over a FileInput for libpcap: it reads the file header through it, and the
// records of the variants it rewrites. Bytes before the read position are released as it goes.
struct Cookie {
    FileInput* input;
    std::uint64_t* pos;
};

ssize_t cookie_read(void* c, char* buf, std::size_t size) {
    auto* k = static_cast<Cookie*>(c);
    const FileInput::Need need = k->input->need(*k->pos, size, true);
    if (need == FileInput::Need::End && k->input->read_errno() != 0 &&
        k->input->available(*k->pos) == 0) {
        errno = k->input->read_errno();
        return -1;
    }
    const auto n =
        static_cast<std::size_t>(std::min<std::uint64_t>(size, k->input->available(*k->pos)));
    if (n != 0) {
        std::memcpy(buf, k->input->at(*k->pos), n);
    }
    *k->pos += n;
    return static_cast<ssize_t>(n);
}

int cookie_seek(void* c, off64_t* offset, int whence) {
    auto* k = static_cast<Cookie*>(c);
    if (whence == SEEK_CUR && *offset == 0) {
        *offset = static_cast<off64_t>(*k->pos);  // ftell
        return 0;
    }
    errno = ESPIPE;  // libpcap never seeks; nothing here rewinds a stream
    return -1;
}

int cookie_close(void* c) {
    delete static_cast<Cookie*>(c);
    return 0;
}

}  // namespace

CaptureFileReader::CaptureFileReader(const std::string& path)
    : PacketSource(path), input_(std::make_unique<FileInput>()) {
    if (const int e = input_->open(path); e != 0) {
        fail(fmt::format("{}: {}", path, std::strerror(e)));
        return;
    }
    set_size_bytes(input_->size());
    open_input();
}

CaptureFileReader::CaptureFileReader(std::span<const std::uint8_t> bytes, std::string name)
    : PacketSource(std::move(name)), input_(std::make_unique<FileInput>()) {
    input_->open_memory(bytes);
    set_size_bytes(bytes.size());
    open_input();
}

CaptureFileReader::~CaptureFileReader() {
    if (pcap_ != nullptr) {
        pcap_close(pcap_);  // closes its stream too
    }
}

void CaptureFileReader::open_input() {
    input_->need(0, kFileHeaderLen, true);
    std::uint8_t magic[4] = {};
    if (input_->available(0) >= 4) {
        std::memcpy(magic, input_->at(0), sizeof magic);
    }
    if (magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a) {
        pcapng_ = std::make_unique<PcapngReader>(*input_, name());
        if (!pcapng_->error().empty()) {
            fail(pcapng_->error());
            pcapng_.reset();
            return;
        }
        format_ = CaptureFormat::Pcapng;
        set_bytes_read(pcapng_->offset());
        return;
    }

    // Everything else goes to libpcap, whose error text names what is wrong ("unknown file
    // format", "archaic pcap savefile format", "truncated dump file; …").
    std::FILE* fp = ::fopencookie(new Cookie{input_.get(), &cookie_pos_}, "rb",
                                  {cookie_read, nullptr, cookie_seek, cookie_close});
    if (fp == nullptr) {
        fail(fmt::format("{}: {}", name(), std::strerror(errno)));
        return;
    }
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_ = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (pcap_ == nullptr) {
        std::fclose(fp);  // not taken over by libpcap on failure
        fail(fmt::format("{}: {}", name(), errbuf));
        return;
    }
    format_ = CaptureFormat::Pcap;
    snaplen_ = static_cast<std::uint32_t>(std::max(pcap_snapshot(pcap_), 0));
    const int dlt = pcap_datalink(pcap_);
    link_type_ = static_cast<std::uint32_t>(dlt);
    max_caplen_ = max_snaplen_for_dlt(dlt);
    swapped_ = pcap_is_swapped(pcap_) == 1;
    record_header_len_ = is_modified_pcap_magic(magic) ? 24U : kRecordHeaderLen;
    offset_ = kFileHeaderLen;
    set_bytes_read(offset_);
    // Version 2.4 (lengths in their usual order), standard record headers, and records libpcap
    // hands over as they are in the file: parsed here, in place.
    direct_ = record_header_len_ == kRecordHeaderLen && pcap_major_version(pcap_) == 2 &&
              pcap_minor_version(pcap_) == 4 && !libpcap_rewrites_records(dlt, swapped_);
    if (direct_) {
        nsec_ = is_nsec_pcap_magic(magic);
        pcap_close(pcap_);
        pcap_ = nullptr;
    } else {
        arena_ = RecordArena(arena_bytes(size_bytes()));
    }
}

std::uint32_t CaptureFileReader::link_type() const noexcept {
    if (pcapng_ != nullptr) {
        return pcapng_->first_link_type();
    }
    return link_type_;
}

std::string CaptureFileReader::set_filter(const std::string& expression) {
    auto filter = std::make_unique<BpfFileFilter>(expression, snaplen_);
    std::string error = filter->prepare(link_type());
    if (error.empty()) {
        filter_ = std::move(filter);
    }
    return error;
}

std::uint64_t CaptureFileReader::filtered_out() const noexcept {
    return filter_ != nullptr ? filter_->rejected() : 0;
}

std::size_t CaptureFileReader::next_batch(RawBatch& batch) noexcept {
    if (filter_ == nullptr) {
        fill(batch);
        return batch.size;
    }
    // A batch the filter empties is not the end of the input: read on until a frame passes.
    do {
        fill(batch);
        if (!filter_->apply(batch)) {
            fail(fmt::format("{}: {}", name(), filter_->error()));
        }
    } while (batch.size == 0 && !at_end());
    return batch.size;
}

void CaptureFileReader::fill(RawBatch& batch) noexcept {
    batch.size = 0;
    arena_.reset();
    if (at_end()) {
        return;
    }
    if (format_ == CaptureFormat::Pcap) {
        if (direct_) {
            fill_records(batch);
        } else {
            fill_pcap(batch);
        }
        set_bytes_read(offset_);
    } else if (pcapng_ != nullptr) {
        pcapng_->fill(batch);
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
}

void CaptureFileReader::damaged(const char* what, std::size_t in_batch) {
    fail(fmt::format("{}: damaged at byte offset {}: {} ({} packets read before it)", name(),
                     offset_, what, packets_read() + in_batch));
}

void CaptureFileReader::fill_records(RawBatch& batch) noexcept {
    // sf-pcap.c pcap_next_packet, step by step, on the bytes in place. Allocation happens only
    // in the error paths (message).
    const auto link = static_cast<std::uint16_t>(link_type_);
    FileInput& in = *input_;
    std::size_t batch_bytes = 0;
    char msg[PCAP_ERRBUF_SIZE];
    while (batch.size < RawBatch::kCapacity) {
        const bool may_move = batch.size == 0;
        FileInput::Need need = in.need(offset_, kRecordHeaderLen, may_move);
        if (need == FileInput::Need::Full) {
            return;  // the next batch starts with this record
        }
        if (need == FileInput::Need::End) {
            const std::uint64_t got = in.available(offset_);
            if (in.read_errno() != 0) {
                std::snprintf(msg, sizeof msg, "error reading dump file: %s",
                              std::strerror(in.read_errno()));
                damaged(msg, batch.size);
            } else if (got != 0) {
                std::snprintf(msg, sizeof msg,
                              "truncated dump file; tried to read %u header bytes, only got %llu",
                              kRecordHeaderLen, static_cast<unsigned long long>(got));
                damaged(msg, batch.size);
            } else {
                finish();
            }
            return;
        }
        const std::uint8_t* h = in.at(offset_);
        // libpcap reads the time fields as signed 32-bit values (struct pcap_timeval), but its
        // byte swap yields an unsigned int: a value with the top bit set is negative in a file
        // of the host's byte order and positive in a swapped one.
        const std::int64_t sec = time_field(h, swapped_);
        std::int64_t usec = time_field(h + 4, swapped_);
        const std::uint32_t caplen = load32(h + 8, swapped_);
        const std::uint32_t len = load32(h + 12, swapped_);
        if (nsec_) {
            usec /= 1000;  // SCALE_DOWN: truncation
        }
        if (caplen > max_caplen_) {
            if (caplen > snaplen_) {
                std::snprintf(msg, sizeof msg,
                              "invalid packet capture length %u, bigger than snaplen of %d", caplen,
                              static_cast<int>(snaplen_));
            } else {
                std::snprintf(msg, sizeof msg,
                              "invalid packet capture length %u, bigger than maximum of %u", caplen,
                              max_caplen_);
            }
            damaged(msg, batch.size);
            return;
        }
        if (batch.size > 0 && batch_bytes + caplen > kBatchBytes) {
            return;  // a full batch by bytes; this record starts the next one
        }
        need = in.need(offset_ + kRecordHeaderLen, caplen, may_move);
        if (need == FileInput::Need::Full) {
            return;
        }
        if (need == FileInput::Need::End) {
            const std::uint64_t got = in.available(offset_ + kRecordHeaderLen);
            if (in.read_errno() != 0) {
                std::snprintf(msg, sizeof msg, "error reading dump file: %s",
                              std::strerror(in.read_errno()));
            } else if (caplen > snaplen_ && got < snaplen_) {
                // libpcap reads the snapshot length first and names it when that fails.
                std::snprintf(msg, sizeof msg,
                              "truncated dump file; tried to read %d captured bytes, only got "
                              "%llu",
                              static_cast<int>(snaplen_), static_cast<unsigned long long>(got));
            } else {
                std::snprintf(msg, sizeof msg,
                              "truncated dump file; tried to read %u captured bytes, only got "
                              "%llu",
                              caplen, static_cast<unsigned long long>(got));
            }
            damaged(msg, batch.size);
            return;
        }
        RawPacketView& v = batch.packets[batch.size++];
        v.ts_us = sec * kMicrosPerSecond + usec;
        v.data = in.at(offset_ + kRecordHeaderLen);
        v.cap_len = std::min(caplen, snaplen_);
        v.wire_len = len;
        v.link_type = link;
        batch_bytes += caplen;
        offset_ += kRecordHeaderLen + caplen;
    }
}

void CaptureFileReader::fill_pcap(RawBatch& batch) noexcept {
    const auto link = static_cast<std::uint16_t>(link_type_);
    while (batch.size < RawBatch::kCapacity) {
        const pcap_pkthdr* h = static_cast<const pcap_pkthdr*>(pending_hdr_);
        const u_char* d = pending_data_;
        if (h == nullptr) {
            pcap_pkthdr* hh = nullptr;
            const int rc = pcap_next_ex(pcap_, &hh, &d);
            if (rc == PCAP_ERROR_BREAK) {
                finish();
                return;
            }
            if (rc != 1) {
                damaged(pcap_geterr(pcap_), batch.size);
                return;
            }
            h = hh;
        }
        const std::uint32_t cap = h->caplen;
        if (cap > arena_.free_bytes()) {
            if (batch.size > 0) {
                // libpcap's buffer holds this record until the next pcap_next_ex(): it starts
                // the next batch, in an arena emptied for it.
                pending_hdr_ = h;
                pending_data_ = d;
                return;
            }
            arena_.grow_empty(cap);
        }
        pending_hdr_ = nullptr;
        pending_data_ = nullptr;
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
            const long pos = std::ftell(pcap_file(pcap_));
            offset_ =
                pos >= 0 ? static_cast<std::uint64_t>(pos) : offset_ + record_header_len_ + cap;
        } else {
            offset_ += record_header_len_ + cap;
        }
    }
}

}  // namespace fm::capture
