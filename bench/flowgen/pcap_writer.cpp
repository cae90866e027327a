// SPDX-License-Identifier: BSD-3-Clause
// Classic pcap writing: 24-byte file header, then a 16-byte record header per packet
// (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
#include "flowgen/pcap_writer.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fm::flowgen {

namespace {

/// Flush once this much is buffered: large sequential writes, little memory.
constexpr std::size_t kFlushAt = std::size_t{1} << 20;
constexpr std::size_t kRecordHeaderLen = 16;
constexpr std::size_t kFileHeaderLen = 24;
constexpr std::uint32_t kMagicMicro = 0xA1B2C3D4;
constexpr std::uint32_t kMagicNano = 0xA1B23C4D;

void put_le16(std::uint8_t* p, std::uint16_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}

void put_le32(std::uint8_t* p, std::uint32_t v) noexcept {
    p[0] = static_cast<std::uint8_t>(v);
    p[1] = static_cast<std::uint8_t>(v >> 8);
    p[2] = static_cast<std::uint8_t>(v >> 16);
    p[3] = static_cast<std::uint8_t>(v >> 24);
}

}  // namespace

PcapWriter::PcapWriter(const std::string& path, TsPrecision precision)
    : precision_(precision), path_(path) {
    if (path == "-") {
        file_ = stdout;
    } else {
        file_ = std::fopen(path.c_str(), "wb");
        if (file_ == nullptr) {
            throw std::runtime_error(path + ": cannot create (" + std::strerror(errno) + ")");
        }
        owns_file_ = true;
    }
    buf_.resize(kFlushAt + kRecordHeaderLen + 65536);
    write_file_header();
}

PcapWriter::PcapWriter(TsPrecision precision) : memory_(true), precision_(precision) {
    buf_.resize(kFileHeaderLen);
    write_file_header();
}

PcapWriter::~PcapWriter() {
    if (owns_file_ && file_ != nullptr) {
        std::fclose(file_);
    }
}

void PcapWriter::write_file_header() {
    std::uint8_t* h = buf_.data();
    put_le32(h, precision_ == TsPrecision::Nano ? kMagicNano : kMagicMicro);
    put_le16(h + 4, 2);  // version 2.4
    put_le16(h + 6, 4);
    put_le32(h + 8, 0);   // reserved (was thiszone)
    put_le32(h + 12, 0);  // reserved (was sigfigs)
    put_le32(h + 16, kSnapLen);
    put_le32(h + 20, kLinkTypeEthernet);
    used_ = kFileHeaderLen;
}

void PcapWriter::write(std::int64_t ts_ns, std::span<const std::uint8_t> frame,
                       std::uint32_t wire_len) {
    const std::size_t need = kRecordHeaderLen + frame.size();
    if (memory_) {
        buf_.resize(used_ + need);
    } else if (used_ + need > buf_.size()) {
        flush();
    }
    std::uint8_t* h = buf_.data() + used_;
    const std::int64_t sec = ts_ns / 1'000'000'000;
    const std::int64_t ns = ts_ns % 1'000'000'000;
    put_le32(h, static_cast<std::uint32_t>(sec));
    put_le32(h + 4, static_cast<std::uint32_t>(precision_ == TsPrecision::Nano ? ns : ns / 1000));
    put_le32(h + 8, static_cast<std::uint32_t>(frame.size()));
    put_le32(h + 12, wire_len);
    std::memcpy(h + kRecordHeaderLen, frame.data(), frame.size());
    used_ += need;
    if (!memory_ && used_ >= kFlushAt) {
        flush();
    }
}

void PcapWriter::flush() {
    if (used_ != 0 && std::fwrite(buf_.data(), 1, used_, file_) != used_) {
        throw std::runtime_error(path_ + ": write failed (" + std::strerror(errno) + ")");
    }
    used_ = 0;
}

void PcapWriter::close() {
    if (memory_ || file_ == nullptr) {
        return;
    }
    flush();
    const bool flush_ok = std::fflush(file_) == 0;
    const int saved_errno = errno;
    if (owns_file_) {
        const bool close_ok = std::fclose(file_) == 0;
        file_ = nullptr;
        if (!flush_ok || !close_ok) {
            throw std::runtime_error(path_ + ": close failed (" + std::strerror(errno) + ")");
        }
    } else {
        file_ = nullptr;
    }
    if (!flush_ok) {
        throw std::runtime_error(path_ + ": write failed (" + std::strerror(saved_errno) + ")");
    }
}

}  // namespace fm::flowgen
