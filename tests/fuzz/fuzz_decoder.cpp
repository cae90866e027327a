// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: bytes -> Decoder::decode() under every supported link type and decoder mode.
// Input layout: byte 0 picks the link type (index into kLinkTypes), byte 1 holds switches
// (bit 0: wire_len larger than the captured bytes, as after a snaplen cut), the rest is the
// frame. Besides "no crash, no out-of-bounds read" (ASan/UBSan), every Ok result must be
// consistent: no payload larger than the frame, and IPv4-only mode never returns IPv6 or
// MPLS/PPPoE/tunnel packets.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "capture/raw_batch.hpp"
#include "decode/decoder.hpp"

namespace {

// Keep in sync with tests/fuzz/make_corpus.py (LINK_TYPES).
constexpr std::uint16_t kLinkTypes[] = {
    1, 0, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113, 127, 192, 228, 229, 239, 242, 258, 276, 147,
};
constexpr std::size_t kLinkTypeCount = sizeof kLinkTypes / sizeof kLinkTypes[0];

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

void check_meta(const fm::decode::PacketMeta& m, const fm::capture::RawPacketView& v,
                bool ipv4_only) {
    check(m.payload_len <= v.cap_len);
    check(m.frame_payload_len <= v.cap_len);
    check(!m.has(fm::decode::kL4Decoded) || m.l4_header_len <= 60);
    check(m.ts_us == v.ts_us && m.wire_len == v.wire_len);
    if (ipv4_only) {
        check(!m.is_ipv6());
        check(!m.has(fm::decode::kBehindMplsOrPppoe));
        check(!m.has(fm::decode::kInsideTunnel));
    }
    if (!m.is_ipv6()) {
        for (std::size_t i = 4; i < 16; ++i) {
            check(m.src_ip[i] == 0 && m.dst_ip[i] == 0);
        }
    }
    if (m.has(fm::decode::kLaterFragment)) {
        check(m.has(fm::decode::kFragment) && !m.has(fm::decode::kL4Decoded));
    }
}

}  // namespace

// libFuzzer's entry point (also called by replay_main.cpp).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    static fm::decode::Decoder ipv4_only([] {
        fm::config::DecodeConfig c;
        c.ipv6 = false;
        return c;
    }());
    static fm::decode::Decoder full([] {
        fm::config::DecodeConfig c;
        c.ipv6 = true;
        return c;
    }());
    static fm::decode::Decoder tunnels([] {
        fm::config::DecodeConfig c;
        c.ipv6 = true;
        c.tunnels = true;
        return c;
    }());

    // An exact-size copy, so that any read past cap_len is a heap overflow ASan reports.
    const std::vector<std::uint8_t> frame(data + 2, data + size);
    fm::capture::RawPacketView v;
    v.ts_us = 1'000'000;
    v.data = frame.data();
    v.cap_len = static_cast<std::uint32_t>(frame.size());
    v.wire_len = v.cap_len + ((data[1] & 0x01) != 0 ? 1000U : 0U);
    v.link_type = kLinkTypes[data[0] % kLinkTypeCount];

    fm::decode::PacketMeta m;
    if (ipv4_only.decode(v, m) == fm::decode::DecodeStatus::Ok) {
        check_meta(m, v, true);
    }
    if (full.decode(v, m) == fm::decode::DecodeStatus::Ok) {
        check_meta(m, v, false);
    }
    if (tunnels.decode(v, m) == fm::decode::DecodeStatus::Ok) {
        check_meta(m, v, false);
    }
    return 0;
}
