// SPDX-License-Identifier: BSD-3-Clause
// The TCP option walk of jnetpcap 1.3.0, reproduced from its source so that the cic2017 profile
// loses exactly the TCP segments that the CIC-IDS2017 reference lost.
//
// Source: slytechs-repos/jnetpcap-legacy, commit 0d7958ad ("Final 1.3.0 production release"),
// jnetpcap/releases/jnetpcap-1.3/release-1.3.0-1/src/java1.5/org/jnetpcap/protocol/tcpip/Tcp.java,
// Tcp.decodeHeader():
//
//     final int hlen = hlen() * 4;
//     for (int i = 20; i < hlen; i++) {
//         final int id = getUByte(i);
//         optionsOffsets[id] = i;                      // int[64] (JHeaderMap.MAX_HEADERS)
//         optionsBitmap |= (1 << id);
//         final TcpOption.OptionCode code = TcpOption.OptionCode.valueOf(id);
//         if (code == null) break;                     // kinds 0-5, 8, 14, 15 only
//         switch (code) {
//         case NO_OP: optionsLength[id] = 1; break;
//         case END_OF_OPTION_LIST: optionsLength[id] = hlen - i; i = hlen; break;
//         default: final int length = getUByte(i + 1); i += length - 1; optionsLength[id] = length;
//         }
//     }
//
// decodeHeader() runs inside JPacket.hasHeader(tcp) (JPacket.getHeaderByIndex -> JHeader.decode).
// Whatever it throws leaves CICFlowMeter's PacketReader.getIpv4Info (ahlashkari/CICFlowMeter
// eaa853d, the code behind the cic2017 goldens) through its `catch (Exception e)`, which returns
// null: the packet never reaches the flow generator. So, in the order the walk meets them:
//  * a kind of 64 or more throws ArrayIndexOutOfBoundsException (optionsOffsets has 64 slots,
//    written before the kind is looked up);
//  * a kind below 64 that OptionCode does not define (6, 7, 9-13, 16-63: MD5 19, user timeout
//    28, MPTCP 30, TFO 34, ...) ends the walk: the segment is decoded normally;
//  * EOL ends the walk; NOP advances one byte;
//  * a defined kind with a length byte (2-5, 8, 14, 15) advances by its length: length 1 makes
//    the walk read the length byte as the next kind, length 0 never advances (decodeHeader
//    loops forever: the reference hangs), an overlong length jumps past the header and ends it;
//  * every read goes through JBuffer.getUByte -> JBuffer.check(), which throws
//    BufferUnderflowException at or beyond the header's size. That size is the data offset
//    clipped to the captured bytes (packet_jsmall_scanner.cpp, adjustForTruncatedPacket), so a
//    header cut by the snapshot length throws when the walk reaches the cut, and a defined kind
//    in the header's last byte throws when its length is read.
// jnetpcap 1.4.r1425 (tag trunk-1.4.r1425) checks `id >= optionsOffsets.length` and skips
// undefined kinds, so none of this applies to the v4, cic2018 and fixed profiles.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fm::decode {

/// What jnetpcap 1.3.0's Tcp.decodeHeader() does with one TCP header.
enum class Jnetpcap13TcpWalk : std::uint8_t {
    Decoded,              ///< the walk ends normally: the segment counts
    KindOutOfRange,       ///< kind >= 64: ArrayIndexOutOfBoundsException, segment lost
    ReadPastHeader,       ///< read at or past the bytes present: BufferUnderflowException
    ZeroLengthNeverEnds,  ///< defined kind with length 0: the walk never ends
};

/// Kinds that jnetpcap 1.3.0's Tcp.TcpOption.OptionCode defines.
constexpr bool jnetpcap13_defines_tcp_option(std::uint8_t kind) noexcept {
    return kind <= 5 || kind == 8 || kind == 14 || kind == 15;
}

/// Walks the options of a TCP header as jnetpcap 1.3.0 does. `hdr` points at the TCP header,
/// `present` is the number of its bytes in memory (data offset clipped to the captured frame),
/// `hlen` is the data offset in bytes (hlen() * 4).
constexpr Jnetpcap13TcpWalk jnetpcap13_tcp_option_walk(const std::uint8_t* hdr, std::size_t present,
                                                       std::size_t hlen) noexcept {
    constexpr std::size_t kFirstOption = 20;
    constexpr std::uint8_t kMapSlots = 64;  // JHeaderMap.MAX_HEADERS
    std::size_t i = kFirstOption;
    while (i < hlen) {
        if (i >= present) {
            return Jnetpcap13TcpWalk::ReadPastHeader;
        }
        const std::uint8_t kind = hdr[i];
        if (kind >= kMapSlots) {
            return Jnetpcap13TcpWalk::KindOutOfRange;
        }
        if (!jnetpcap13_defines_tcp_option(kind) || kind == 0) {
            return Jnetpcap13TcpWalk::Decoded;  // `break` on null OptionCode, or EOL
        }
        if (kind == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= present) {
            return Jnetpcap13TcpWalk::ReadPastHeader;
        }
        const std::uint8_t length = hdr[i + 1];
        if (length == 0) {
            return Jnetpcap13TcpWalk::ZeroLengthNeverEnds;
        }
        i += length;  // `i += length - 1` and the loop's `i++`
    }
    return Jnetpcap13TcpWalk::Decoded;
}

}  // namespace fm::decode
