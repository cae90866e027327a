// SPDX-License-Identifier: BSD-3-Clause
// The cic2017 profile loses exactly the TCP segments that jnetpcap 1.3.0 loses. Every option
// kind 0-255, in a SYN, a SYN-ACK and a data segment, with a valid, zero, one and overlong
// length, is put through the decoder and the profile reading; the expected decision of each
// case is written out below from jnetpcap 1.3.0's Tcp.decodeHeader() (jnetpcap-legacy
// 0d7958ad, release-1.3.0-1, quoted in src/decode/jnetpcap13_tcp_options.hpp), not computed by
// the function under test:
//   (a) the first statement on a kind is `optionsOffsets[id] = i` on an int[64]: a kind >= 64
//       reached by the walk throws, whatever follows it;
//   (b) OptionCode.valueOf() returns null for kinds other than 0-5, 8, 14, 15 and the walk
//       `break`s: such a kind ends the walk, whatever its length byte says;
//   (c) EOL sets i = hlen; NOP is one byte;
//   (d) kinds 2-5, 8, 14, 15 read their length byte and advance by it: 0 never advances (the
//       reference loops forever), 1 makes the length byte the next kind, a length beyond the
//       header ends the walk;
//   (e) getUByte() at or past the header bytes in memory (data offset clipped to the capture)
//       throws BufferUnderflowException.
// Everything thrown is caught by CICFlowMeter's PacketReader.getIpv4Info (eaa853d), which
// returns null: the packet is lost. jnetpcap 1.4.r1425 (cic2018, v4, fixed) has none of this.
#include "decode/jnetpcap13_tcp_options.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "decode/decoder.hpp"
#include "features/cic_compat.hpp"
#include "features/cic_packet.hpp"
#include "frame_builder.hpp"

namespace fm::decode {
namespace {

using test::Bytes;
using test::Frame;

config::DecodeConfig ipv4_only() {
    config::DecodeConfig c;
    c.ipv6 = false;
    c.tunnels = false;
    return c;
}

enum class Segment : std::uint8_t { Syn, SynAck, Data };

/// Ethernet + IPv4 + TCP whose options are `options` (padded with EOL to a multiple of 4),
/// followed by 10 payload bytes for a data segment.
Frame segment(Segment kind, const Bytes& options) {
    Bytes opts = options;
    while (opts.size() % 4 != 0) {
        opts.push_back(0);
    }
    const auto doff = static_cast<std::uint8_t>(5 + opts.size() / 4);
    const std::size_t payload = kind == Segment::Data ? 10 : 0;
    const int flag_bits = kind == Segment::Syn      ? int{kSyn}
                          : kind == Segment::SynAck ? kSyn | kAck
                                                    : kAck | kPsh;
    const auto flags = static_cast<std::uint8_t>(flag_bits);
    Frame f;
    f.eth(0x0800).ipv4(6, static_cast<std::uint16_t>(20 + doff * 4 + payload));
    f.tcp(40000, 443, flags, 5).add(opts).fill(payload, 0xab);
    // tcp() wrote doff 5; set the real data offset (byte 12 of the TCP header).
    Bytes b = f.bytes();
    b[14 + 20 + 12] = static_cast<std::uint8_t>(doff << 4);
    Frame out;
    out.add(b);
    return out;
}

struct Outcome {
    bool walk_fails = false;  ///< decoder's kJnetpcap13TcpWalkFails
    bool lost_cic2017 = false;
    bool lost_cic2018 = false;
};

Outcome decode(const Frame& f, std::uint32_t cap_len = 0) {
    Decoder dec{ipv4_only()};
    PacketMeta m;
    auto v = f.view();
    if (cap_len != 0) {
        v.cap_len = cap_len;
    }
    EXPECT_EQ(dec.decode(v, m), DecodeStatus::Ok);
    EXPECT_TRUE(m.has(kL4Decoded));
    Outcome o;
    o.walk_fails = m.has(kJnetpcap13TcpWalkFails);
    o.lost_cic2017 = features::read_packet(m, features::compat_for(Profile::Cic2017)).ignored;
    o.lost_cic2018 = features::read_packet(m, features::compat_for(Profile::Cic2018)).ignored;
    // No jnetpcap 1.4 profile ever loses a TCP segment over its options.
    EXPECT_FALSE(features::read_packet(m, features::compat_for(Profile::V4)).ignored);
    EXPECT_FALSE(features::read_packet(m, features::compat_for(Profile::Fixed)).ignored);
    return o;
}

bool defined_in_130(int kind) {
    return kind <= 5 || kind == 8 || kind == 14 || kind == 15;
}

/// The well-formed length of each kind 1.3.0 defines (SACK: one block; alternate checksum
/// data: 4 bytes of data).
std::uint8_t valid_length(int kind) {
    switch (kind) {
        case 2:
            return 4;
        case 3:
            return 3;
        case 4:
            return 2;
        case 5:
            return 10;
        case 8:
            return 10;
        case 14:
            return 3;
        case 15:
            return 6;
        default:
            return 4;  // undefined kinds: any TLV
    }
}

std::string label(Segment s, int kind, const char* len) {
    static const char* names[] = {"SYN", "SYN-ACK", "data"};
    return std::string(names[static_cast<int>(s)]) + " kind " + std::to_string(kind) + " " + len;
}

/// The option TLV `kind, length` followed by length-2 bytes of 0x11 (no byte that is a
/// kind >= 64 or a defined kind: a walk that lands inside the data stops there), then EOL.
Bytes tlv(int kind, std::uint8_t length, std::size_t data) {
    Bytes b{static_cast<std::uint8_t>(kind), length};
    b.insert(b.end(), data, 0x11);
    return b;
}

TEST(Jnetpcap13TcpOptions, EveryKindEveryLengthInEverySegment) {
    for (Segment s : {Segment::Syn, Segment::SynAck, Segment::Data}) {
        for (int kind = 0; kind <= 255; ++kind) {
            // NOP first, so the walk reaches the kind under test after one step (c).
            const std::uint8_t vl = valid_length(kind);
            struct Case {
                const char* name;
                Bytes opts;
                bool lost;
            };
            const bool big = kind >= 64;  // (a)
            const bool defined = defined_in_130(kind);
            const bool eol_or_nop = kind <= 1;
            const std::vector<Case> cases = {
                // Valid length, then EOL: (a) loses big kinds; (b)/(c)/(d) keep the rest.
                {"valid",
                 [&] {
                     Bytes b{1};
                     const Bytes t = tlv(kind, vl, vl - 2);
                     b.insert(b.end(), t.begin(), t.end());
                     return b;
                 }(),
                 big},
                // Length 0: a defined kind with a length byte never advances (d); EOL/NOP read
                // no length (c: the 0 after NOP is EOL); undefined kinds stop the walk (b).
                {"length 0",
                 {1, static_cast<std::uint8_t>(kind), 0, 0},
                 big || (defined && !eol_or_nop)},
                // Length 1: the length byte (1 = NOP) is read as the next kind, then EOL (d).
                {"length 1", {1, static_cast<std::uint8_t>(kind), 1, 0}, big},
                // Overlong (200 > the 8 option bytes): the walk jumps past the header (d),
                // even over a kind 254 that it never reads. After a NOP, though, 200 is the
                // next kind (c), and 200 >= 64 (a).
                {"overlong",
                 {1, static_cast<std::uint8_t>(kind), 200, 254, 4, 0, 0, 0},
                 big || kind == 1},
            };
            for (const Case& c : cases) {
                SCOPED_TRACE(label(s, kind, c.name));
                const Outcome o = decode(segment(s, c.opts));
                EXPECT_EQ(o.lost_cic2017, c.lost);
                EXPECT_EQ(o.walk_fails, c.lost);
                EXPECT_FALSE(o.lost_cic2018);
            }
        }
    }
}

TEST(Jnetpcap13TcpOptions, CommonOptionMixesAreKept) {
    // The SYN-ACK of a BGP session with TCP-MD5: MSS, SACK-permitted, timestamps, NOP, window
    // scale, MD5 (19, 18 bytes), EOL. 19 is undefined in 1.3.0: the walk stops there (b).
    Bytes md5{2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7, 19, 18};
    md5.insert(md5.end(), 16, 0xee);
    EXPECT_FALSE(decode(segment(Segment::SynAck, md5)).lost_cic2017);
    // TFO cookie (34), MPTCP (30), user timeout (28), MD5 (19) and any other kind below 64
    // that 1.3.0 does not define end the walk: kept (b).
    for (std::uint8_t kind : {34, 30, 28, 19, 6, 7, 9, 13, 16, 63}) {
        SCOPED_TRACE(static_cast<int>(kind));
        const Bytes opts{2, 4, 5, 180, kind, 10, 1, 2, 3, 4, 5, 6, 7, 8};
        EXPECT_FALSE(decode(segment(Segment::Syn, opts)).lost_cic2017);
    }
}

TEST(Jnetpcap13TcpOptions, WhatTheWalkReachesDecides) {
    // Experimental 254 after a well-formed MSS: reached, lost (a).
    EXPECT_TRUE(decode(segment(Segment::Syn, {2, 4, 5, 180, 254, 4, 0x12, 0x34})).lost_cic2017);
    // 254 behind an undefined kind (TFO 34): never reached (b).
    EXPECT_FALSE(decode(segment(Segment::Syn, {34, 2, 254, 4, 0x12, 0x34})).lost_cic2017);
    // 254 behind EOL: never reached (c).
    EXPECT_FALSE(decode(segment(Segment::Syn, {0, 0, 254, 4, 0x12, 0x34})).lost_cic2017);
    // MSS with length 1: the walk reads 1 (NOP), then 254: lost (d).
    EXPECT_TRUE(decode(segment(Segment::Syn, {2, 1, 254, 4, 0x12, 0x34})).lost_cic2017);
    // MSS length 3 lands on the last MSS byte (0xb4 = 180 >= 64): lost (a, d).
    EXPECT_TRUE(decode(segment(Segment::Syn, {2, 3, 5, 180})).lost_cic2017);
    // SACK length 0 after timestamps: endless loop in 1.3.0 (d).
    EXPECT_TRUE(
        decode(segment(Segment::Data, {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 5, 0})).lost_cic2017);
    // A defined kind in the header's last byte: its length is read past the header (e).
    EXPECT_TRUE(decode(segment(Segment::Data, {1, 1, 1, 3})).lost_cic2017);
    // ...whereas the same header with an undefined kind there stops the walk (b).
    EXPECT_FALSE(decode(segment(Segment::Data, {1, 1, 1, 30})).lost_cic2017);
}

TEST(Jnetpcap13TcpOptions, HeaderCutByTheCapture) {
    // SYN: MSS, SACK-permitted, timestamps (doff 10); capture ends 14 bytes into the options
    // (golden snaplen/truncated-header.pcap): the walk reaches byte 36 of 34 present (e).
    const Frame syn =
        segment(Segment::Syn, {2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 3});
    const auto cut = static_cast<std::uint32_t>(14 + 20 + 34);
    Outcome o = decode(syn, cut);
    EXPECT_TRUE(o.lost_cic2017);
    EXPECT_FALSE(o.lost_cic2018);
    // The same header cut after an EOL that the walk meets first: 1.3.0 decodes it.
    const Frame eol = segment(Segment::Syn, {2, 4, 5, 180, 0, 0, 0, 0, 0, 0, 0, 0});
    o = decode(eol, static_cast<std::uint32_t>(14 + 20 + 26));
    EXPECT_FALSE(o.lost_cic2017);
    // Cut exactly after a well-formed MSS (golden fragments/fragmented-syn.pcap: 24 of 40
    // bytes): the next kind is read at 24 of 24 present (e).
    o = decode(eol, static_cast<std::uint32_t>(14 + 20 + 24));
    EXPECT_TRUE(o.lost_cic2017);
}

TEST(Jnetpcap13TcpOptions, HeaderCutByTheIpLengthWalksIntoThePadding) {
    // IPv4 total length ends 4 bytes into a 40-byte TCP header, the frame is padded to 60 bytes
    // with zeros. jnetpcap 1.3.0 (in the run behind CIC-IDS2017, which keeps the trailer, see
    // count_ethernet_padding) has the padding in the header's memory: after the MSS the walk
    // reads 0 (EOL) and the segment is decoded.
    Frame f;
    f.eth(0x0800).ipv4(6, 20 + 24).tcp(12345, 80, kSyn, 5).raw({2, 4, 5, 180});
    Bytes b = f.bytes();
    b[14 + 20 + 12] = 10 << 4;
    b.resize(60, 0);  // a minimum-size Ethernet frame (no FCS)
    Frame padded;
    padded.add(b);
    EXPECT_FALSE(decode(padded).lost_cic2017);
    // Padding of 0xff bytes instead: kind 255 is reached (a).
    std::fill(b.begin() + 14 + 20 + 24, b.end(), 0xff);
    Frame ff;
    ff.add(b);
    EXPECT_TRUE(decode(ff).lost_cic2017);
}

TEST(Jnetpcap13TcpOptions, WalkFunctionOutcomes) {
    // Which of (a), (d), (e) the walk ran into.
    static constexpr std::uint8_t big[24] = {0,    0, 0, 0, 0, 0, 0, 0, 0,   0, 0, 0,
                                             0x50, 0, 0, 0, 0, 0, 0, 0, 254, 2, 0, 0};
    EXPECT_EQ(jnetpcap13_tcp_option_walk(big, 24, 24), Jnetpcap13TcpWalk::KindOutOfRange);
    EXPECT_EQ(jnetpcap13_tcp_option_walk(big, 20, 24), Jnetpcap13TcpWalk::ReadPastHeader);
    EXPECT_EQ(jnetpcap13_tcp_option_walk(big, 24, 20), Jnetpcap13TcpWalk::Decoded);
    static constexpr std::uint8_t zero[24] = {0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0x60, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0};
    EXPECT_EQ(jnetpcap13_tcp_option_walk(zero, 24, 24), Jnetpcap13TcpWalk::ZeroLengthNeverEnds);
    static_assert(jnetpcap13_tcp_option_walk(zero, 24, 20) == Jnetpcap13TcpWalk::Decoded);
}

}  // namespace
}  // namespace fm::decode
