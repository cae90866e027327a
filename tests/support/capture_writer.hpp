// SPDX-License-Identifier: BSD-3-Clause
// Test helper: writes classic pcap and pcapng byte streams in either byte order, so capture
// tests build exactly the file they need (odd snaplens, nanosecond stamps, several interfaces,
// damage at a known byte offset) instead of depending on a stored capture.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

namespace fm::test {

/// Appends integers in a chosen byte order.
class ByteWriter {
public:
    explicit ByteWriter(bool big_endian) : be_(big_endian) {}

    ByteWriter& u8(std::uint8_t v) {
        b_.push_back(v);
        return *this;
    }
    ByteWriter& u16(std::uint16_t v) {
        return be_ ? u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xff)
                   : u8(v & 0xff).u8(static_cast<std::uint8_t>(v >> 8));
    }
    ByteWriter& u32(std::uint32_t v) {
        return be_ ? u16(static_cast<std::uint16_t>(v >> 16)).u16(v & 0xffff)
                   : u16(v & 0xffff).u16(static_cast<std::uint16_t>(v >> 16));
    }
    ByteWriter& u64(std::uint64_t v) {
        return be_ ? u32(static_cast<std::uint32_t>(v >> 32)).u32(v & 0xffffffffU)
                   : u32(v & 0xffffffffU).u32(static_cast<std::uint32_t>(v >> 32));
    }
    ByteWriter& bytes(const std::vector<std::uint8_t>& v) {
        b_.insert(b_.end(), v.begin(), v.end());
        return *this;
    }
    ByteWriter& pad4() {
        while (b_.size() % 4 != 0) {
            b_.push_back(0);
        }
        return *this;
    }
    std::vector<std::uint8_t>& data() { return b_; }
    std::size_t size() const { return b_.size(); }
    bool big_endian() const { return be_; }

private:
    std::vector<std::uint8_t> b_;
    bool be_;
};

/// Classic pcap: file header, then records added one by one.
class PcapWriter {
public:
    PcapWriter(bool big_endian, bool nanoseconds, std::uint32_t snaplen, std::uint32_t link_type)
        : w_(big_endian) {
        w_.u32(nanoseconds ? 0xa1b23c4dU : 0xa1b2c3d4U).u16(2).u16(4).u32(0).u32(0);
        w_.u32(snaplen).u32(link_type);
    }

    /// One record; `frac` is µs or ns per the header. `incl_len` defaults to the data size.
    PcapWriter& record(std::uint32_t sec, std::uint32_t frac, const std::vector<std::uint8_t>& d,
                       std::uint32_t orig_len = 0, std::int64_t incl_len = -1) {
        const auto incl = incl_len >= 0 ? static_cast<std::uint32_t>(incl_len)
                                        : static_cast<std::uint32_t>(d.size());
        w_.u32(sec).u32(frac).u32(incl).u32(orig_len != 0 ? orig_len
                                                          : static_cast<std::uint32_t>(d.size()));
        w_.bytes(d);
        return *this;
    }

    std::vector<std::uint8_t>& data() { return w_.data(); }
    std::size_t size() const { return w_.size(); }

private:
    ByteWriter w_;
};

/// pcapng: blocks appended in the section's byte order.
class PcapngWriter {
public:
    explicit PcapngWriter(bool big_endian) : w_(big_endian) {}

    PcapngWriter& shb(std::uint16_t major = 1, std::uint16_t minor = 0) {
        ByteWriter b(w_.big_endian());
        b.u32(0x1a2b3c4d).u16(major).u16(minor).u64(~std::uint64_t{0});
        return block(0x0a0d0d0a, b.data());
    }
    /// Interface with optional if_tsresol (raw option byte, 0xff = absent) and if_tsoffset.
    PcapngWriter& idb(std::uint16_t link_type, std::uint32_t snaplen, std::uint8_t tsresol = 0xff,
                      std::int64_t tsoffset = 0) {
        ByteWriter b(w_.big_endian());
        b.u16(link_type).u16(0).u32(snaplen);
        if (tsresol != 0xff) {
            b.u16(9).u16(1).u8(tsresol).pad4();
        }
        if (tsoffset != 0) {
            b.u16(14).u16(8).u64(static_cast<std::uint64_t>(tsoffset));
        }
        b.u16(0).u16(0);
        return block(1, b.data());
    }
    PcapngWriter& epb(std::uint32_t if_id, std::uint64_t ts, const std::vector<std::uint8_t>& d,
                      std::uint32_t orig_len = 0) {
        ByteWriter b(w_.big_endian());
        b.u32(if_id).u32(static_cast<std::uint32_t>(ts >> 32)).u32(ts & 0xffffffffU);
        b.u32(static_cast<std::uint32_t>(d.size()));
        b.u32(orig_len != 0 ? orig_len : static_cast<std::uint32_t>(d.size()));
        b.bytes(d).pad4();
        return block(6, b.data());
    }
    PcapngWriter& spb(const std::vector<std::uint8_t>& d) {
        ByteWriter b(w_.big_endian());
        b.u32(static_cast<std::uint32_t>(d.size())).bytes(d).pad4();
        return block(3, b.data());
    }
    PcapngWriter& opb(std::uint16_t if_id, std::uint64_t ts, const std::vector<std::uint8_t>& d) {
        ByteWriter b(w_.big_endian());
        b.u16(if_id).u16(0).u32(static_cast<std::uint32_t>(ts >> 32)).u32(ts & 0xffffffffU);
        b.u32(static_cast<std::uint32_t>(d.size())).u32(static_cast<std::uint32_t>(d.size()));
        b.bytes(d).pad4();
        return block(2, b.data());
    }
    /// Any block: type, body (padded to 4), total length written at both ends.
    PcapngWriter& block(std::uint32_t type, std::vector<std::uint8_t> body) {
        while (body.size() % 4 != 0) {
            body.push_back(0);
        }
        const auto len = static_cast<std::uint32_t>(body.size() + 12);
        w_.u32(type).u32(len).bytes(body).u32(len);
        return *this;
    }
    /// Starts a new section in another byte order (the SHB must follow).
    PcapngWriter& switch_order(bool big_endian) {
        ByteWriter next(big_endian);
        next.bytes(w_.data());
        w_ = next;
        return *this;
    }

    std::vector<std::uint8_t>& data() { return w_.data(); }
    std::size_t size() const { return w_.size(); }

private:
    ByteWriter w_;
};

/// A file in the test's temporary directory, removed when the object goes away.
class TempFile {
public:
    TempFile(const std::string& name, const std::vector<std::uint8_t>& content) {
        const char* dir = std::getenv("TMPDIR");
        path_ = std::string(dir != nullptr ? dir : "/tmp") + "/fm_capture_test_" +
                std::to_string(::getpid()) + "_" + name;
        std::FILE* f = std::fopen(path_.c_str(), "wb");
        if (f != nullptr) {
            if (!content.empty()) {
                std::fwrite(content.data(), 1, content.size(), f);
            }
            std::fclose(f);
        }
    }
    ~TempFile() { std::remove(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace fm::test
