// SPDX-License-Identifier: BSD-3-Clause
// Test helper: builds packet bytes field by field, so each decoder test shows the exact wire
// layout it feeds in. Lengths are given explicitly by the tests (nothing is "fixed up"), because
// wrong lengths are what many of the tests are about.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "capture/raw_batch.hpp"

namespace fm::test {

using Bytes = std::vector<std::uint8_t>;

class Frame {
public:
    Frame& u8(std::uint8_t v) {
        b_.push_back(v);
        return *this;
    }
    Frame& be16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xff); }
    Frame& be32(std::uint32_t v) {
        return be16(static_cast<std::uint16_t>(v >> 16)).be16(v & 0xffff);
    }
    Frame& le16(std::uint16_t v) { return u8(v & 0xff).u8(static_cast<std::uint8_t>(v >> 8)); }
    Frame& le32(std::uint32_t v) {
        return le16(v & 0xffff).le16(static_cast<std::uint16_t>(v >> 16));
    }
    Frame& fill(std::size_t n, std::uint8_t v = 0) {
        b_.insert(b_.end(), n, v);
        return *this;
    }
    Frame& raw(std::initializer_list<std::uint8_t> v) {
        b_.insert(b_.end(), v);
        return *this;
    }
    Frame& add(const Bytes& v) {
        b_.insert(b_.end(), v.begin(), v.end());
        return *this;
    }
    Frame& add(const Frame& f) { return add(f.bytes()); }

    /// Ethernet header 02:00:00:00:00:02 <- 02:00:00:00:00:01 with `type`.
    Frame& eth(std::uint16_t type) { return raw({2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).be16(type); }
    /// One VLAN tag: TCI then the inner type (the outer TPID was written by the caller).
    Frame& vlan(std::uint16_t tci, std::uint16_t inner_type) { return be16(tci).be16(inner_type); }

    /// IPv4 header 10.0.0.1 -> 10.0.0.2 (20 bytes + `options` bytes of NOP).
    Frame& ipv4(std::uint8_t proto, std::uint16_t total_len, std::uint16_t frag = 0,
                std::size_t options = 0, std::uint8_t version = 4) {
        const auto ihl = static_cast<std::uint8_t>((20 + options) / 4);
        u8(static_cast<std::uint8_t>((version << 4) | (ihl & 0x0f))).u8(0).be16(total_len);
        be16(0x1234).be16(frag).u8(64).u8(proto).be16(0);
        raw({10, 0, 0, 1, 10, 0, 0, 2});
        return fill(options, 1);
    }
    /// IPv6 header 2001:db8::1 -> 2001:db8::2.
    Frame& ipv6(std::uint8_t next, std::uint16_t payload_len, std::uint8_t version = 6) {
        u8(static_cast<std::uint8_t>(version << 4)).u8(0).be16(0).be16(payload_len).u8(next);
        u8(64);
        raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
        return raw({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
    }
    /// TCP header with data offset `doff` words; options (doff-5)*4 bytes of NOP are appended.
    Frame& tcp(std::uint16_t sport, std::uint16_t dport, std::uint8_t flags, std::uint8_t doff = 5,
               std::uint32_t seq = 1000, std::uint32_t ack = 2000, std::uint16_t win = 8192) {
        be16(sport).be16(dport).be32(seq).be32(ack);
        u8(static_cast<std::uint8_t>(doff << 4)).u8(flags).be16(win).be16(0).be16(0);
        return fill(doff > 5 ? (doff - 5U) * 4U : 0U, 1);
    }
    Frame& udp(std::uint16_t sport, std::uint16_t dport, std::uint16_t len) {
        return be16(sport).be16(dport).be16(len).be16(0);
    }
    Frame& icmp(std::uint8_t type, std::uint8_t code) { return u8(type).u8(code).be16(0).be32(0); }

    const Bytes& bytes() const { return b_; }
    std::size_t size() const { return b_.size(); }

    /// A view of the whole frame (cap_len = wire_len = size) with the given link type.
    capture::RawPacketView view(std::uint16_t link_type = 1, Micros ts = 1'000'000) const {
        capture::RawPacketView v;
        v.ts_us = ts;
        v.data = b_.data();
        v.cap_len = static_cast<std::uint32_t>(b_.size());
        v.wire_len = static_cast<std::uint32_t>(b_.size());
        v.link_type = link_type;
        return v;
    }

private:
    Bytes b_;
};

}  // namespace fm::test
