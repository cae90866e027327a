// SPDX-License-Identifier: BSD-3-Clause
// The packet decoder: one captured frame (RawPacketView) in, one PacketMeta and a DecodeStatus
// out. It walks the link layer named by the view's link type down to IPv4/IPv6 and the transport
// header, bounds-checked against the captured length at every step; no length field is trusted,
// nothing is allocated, thrown or logged. Every outcome bumps a named counter. See
// docs/decoding.md for the link types, the meaning of each PacketMeta field and the
// IPv4-only / tunnel rules.
#pragma once

#include <cstdint>

#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "decode/decode_counters.hpp"
#include "decode/decode_status.hpp"
#include "decode/packet_meta.hpp"

namespace fm::decode {

/// Stateless apart from its counters. One instance per thread (the capture/dispatch thread);
/// not copyable because the counters are read by the stats reporter.
class Decoder {
public:
    explicit Decoder(const config::DecodeConfig& cfg) noexcept;

    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    /// Decodes `view` into `meta` (overwritten entirely). `meta` is meaningful only when the
    /// result is DecodeStatus::Ok. Owner thread only.
    DecodeStatus decode(const capture::RawPacketView& view, PacketMeta& meta) noexcept;

    const DecodeCounters& counters() const noexcept { return counters_; }
    DecodeCounters& counters() noexcept { return counters_; }

    /// True when frames other than plain IPv4 are decoded (DecodeConfig::ipv6).
    bool ipv6_enabled() const noexcept { return ipv6_; }
    /// True when tunnels are decapsulated (DecodeConfig::tunnels, and only with ipv6_enabled()).
    bool tunnels_enabled() const noexcept { return tunnels_; }

    /// True when the decoder knows `link_type` (LINKTYPE_* or the DLT alias libpcap returns).
    /// Lets the caller log one warning per capture instead of counting silently.
    static bool supports_link_type(std::uint32_t link_type) noexcept;

private:
    DecodeCounters counters_;
    bool ipv6_;
    bool tunnels_;
};

}  // namespace fm::decode
