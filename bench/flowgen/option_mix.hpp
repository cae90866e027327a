// SPDX-License-Identifier: BSD-3-Clause
// TCP and IPv4 options of flowgen's `--option-mix realistic`: each TCP flow behaves as one of a
// few TCP stacks, whose segments carry the options such stacks send (MSS, SACK-permitted, SACK
// blocks, timestamps, window scale, TCP-MD5, Fast Open, Multipath TCP, user timeout,
// experimental kinds 253/254), and some IPv4 flows carry IPv4 options (router alert, record
// route, timestamps, an RFC 4727 experiment). The default mix (`classic`) keeps the 12 option
// bytes of a Windows SYN on handshake segments only, so existing captures stay byte-identical.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "flowgen/packet_builder.hpp"

namespace fm::flowgen {

enum class OptionMix : std::uint8_t {
    Classic,    ///< MSS, window scale, SACK-permitted on SYN and SYN-ACK; no IPv4 options
    Realistic,  ///< per-flow TCP stacks and IPv4 options (below)
};

std::optional<OptionMix> parse_option_mix(std::string_view s) noexcept;
std::string_view to_string(OptionMix mix) noexcept;

/// The TCP stack a realistic flow's endpoints behave as.
enum class TcpStack : std::uint8_t {
    Windows,       ///< MSS, NOP, WS, NOP, NOP, SACK-permitted on the handshake only
    Linux,         ///< MSS, SACK-permitted, TS, NOP, WS; NOP, NOP, TS on every later segment
    LinuxSack,     ///< Linux, and the client's pure ACKs carry a SACK block (RFC 2018)
    Md5,           ///< TCP-MD5 signature (kind 19, RFC 2385) on every segment, as BGP does
    FastOpen,      ///< Linux with a Fast Open cookie (kind 34, RFC 7413) on the SYN
    Multipath,     ///< Linux with MPTCP (kind 30, RFC 8684): MP_CAPABLE, then DSS
    UserTimeout,   ///< user timeout (kind 28, RFC 5482) on the handshake
    Experimental,  ///< Linux with experimental kinds (RFC 6994): 254 on SYN, 253 on SYN-ACK
};
inline constexpr std::uint8_t kTcpStackCount = 8;
std::string_view to_string(TcpStack stack) noexcept;

/// IPv4 options a realistic flow carries on every packet.
enum class Ipv4Option : std::uint8_t {
    None,
    RouterAlert,  ///< kind 148, RFC 2113
    RecordRoute,  ///< kind 7, two slots
    Timestamp,    ///< kind 68, two timestamps
    Experiment,   ///< kind 158 (copy, class 0, number 30: RFC 4727 experiment), 2 data bytes
};
std::string_view to_string(Ipv4Option option) noexcept;

/// Option bytes of one header, padded with EOL to a multiple of 4.
struct OptionBytes {
    std::array<std::uint8_t, kMaxOptionsLen> bytes{};
    std::uint8_t len = 0;
};

/// What a segment is, as far as its options go.
enum class SegmentKind : std::uint8_t {
    Syn,
    SynAck,
    Later,      ///< any segment after the handshake
    ClientAck,  ///< a pure ACK of the client after the handshake (LinuxSack adds SACK there)
};

/// The TCP options `stack` puts on a segment. `tsval`/`tsecr` fill the timestamps option;
/// `sack_left` is the left edge of the SACK block (and MPTCP's data ACK).
OptionBytes tcp_options(TcpStack stack, SegmentKind kind, std::uint32_t tsval, std::uint32_t tsecr,
                        std::uint32_t sack_left) noexcept;

/// True when `stack` puts an experimental kind (253/254) on segments of this kind; it always
/// follows well-formed MSS/SACK-permitted/timestamps/window-scale options or NOPs.
bool carries_experimental_kind(TcpStack stack, SegmentKind kind) noexcept;

OptionBytes ipv4_options(Ipv4Option option) noexcept;

}  // namespace fm::flowgen
