// SPDX-License-Identifier: BSD-3-Clause
// Decoder implementation. The walk is: link layer (per link type, down to an IPv4 or IPv6
// header and its offset) -> network layer (IPv4 options, IPv6 extension chain, fragments,
// tunnels) -> transport header. Every read is preceded by an in_bounds() check against the
// bytes really present; length fields only ever shrink what is used, never extend it.
#include "decode/decoder.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "common/bytes.hpp"
#include "common/compiler.hpp"
#include "decode/jnetpcap13_tcp_options.hpp"
#include "decode/wire.hpp"

namespace fm::decode {

namespace {

using namespace wire;

constexpr int kMaxTunnelDepth = 4;       // nested GRE/IP-in-IP levels followed
constexpr int kMaxIpv6ExtHeaders = 128;  // bounds the work on hostile chains
constexpr std::uint32_t kNoEnd = std::numeric_limits<std::uint32_t>::max();

enum class Net : std::uint8_t { Ipv4, Ipv6 };

/// Where the link layer says the network layer starts. Offsets fit 32 bits (cap_len does);
/// the struct stays at 12 bytes so that it is returned in registers through the walk.
struct LinkResult {
    std::uint32_t off = 0;       ///< offset of the IP header in the frame
    std::uint32_t end = kNoEnd;  ///< end of usable frame bytes when less than cap_len (FCS)
    DecodeStatus status = DecodeStatus::Ok;
    Net net = Net::Ipv4;
    bool behind = false;  ///< reached through MPLS or PPPoE
    bool vlan = false;    ///< one or more 802.1Q/802.1ad tags before the network layer
};
static_assert(sizeof(LinkResult) <= 16);

constexpr LinkResult link_fail(DecodeStatus s) noexcept {
    LinkResult r;
    r.status = s;
    return r;
}

constexpr LinkResult link_ip(Net n, std::size_t off, bool behind = false) noexcept {
    LinkResult r;
    r.net = n;
    r.off = static_cast<std::uint32_t>(off);
    r.behind = behind;
    return r;
}

constexpr bool is_af_inet6(std::uint32_t af) noexcept {
    return af == kAfInet6Bsd || af == kAfInet6FreeBsd || af == kAfInet6Darwin;
}

constexpr bool is_vlan_ethertype(std::uint16_t t) noexcept {
    return t == kEtherTypeVlan || t == kEtherTypeQinQ || t == kEtherTypeQinQOld;
}

constexpr std::uint32_t clamp_sub(std::size_t a, std::size_t b) noexcept {
    return a > b ? static_cast<std::uint32_t>(a - b) : 0U;
}

/// MPLS label stack from `off`: the IP version is guessed from the nibble after the bottom label
/// (MPLS itself does not say what it carries).
LinkResult from_mpls(ByteSpan s, std::size_t off) noexcept {
    for (;;) {
        if (!in_bounds(s, off, kMplsLabelLen)) {
            return link_fail(DecodeStatus::TruncatedLink);
        }
        const bool bottom = (s[off + 2] & 0x01) != 0;
        off += kMplsLabelLen;
        if (bottom) {
            break;
        }
    }
    if (!in_bounds(s, off, 1)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    switch (s[off] >> 4) {
        case 4:
            return link_ip(Net::Ipv4, off, true);
        case 6:
            return link_ip(Net::Ipv6, off, true);
        default:
            return link_fail(DecodeStatus::NotIp);  // pseudowire, control word, …
    }
}

LinkResult from_ppp_protocol(ByteSpan s, std::size_t off, std::uint16_t proto) noexcept {
    switch (proto) {
        case kPppIpv4:
            return link_ip(Net::Ipv4, off);
        case kPppIpv6:
            return link_ip(Net::Ipv6, off);
        case kPppMplsUnicast:
        case kPppMplsMulticast:
            return from_mpls(s, off);
        default:
            return link_fail(DecodeStatus::NotIp);  // LCP, IPCP, CCP, …
    }
}

/// What an untagged EtherType-valued field leads to: IPv4, IPv6, MPLS, PPPoE or nothing.
LinkResult from_untagged_ethertype(ByteSpan s, std::size_t off, std::uint16_t type) noexcept {
    switch (type) {
        case kEtherTypeIpv4:
            return link_ip(Net::Ipv4, off);
        case kEtherTypeIpv6:
            return link_ip(Net::Ipv6, off);
        case kEtherTypeMplsUnicast:
        case kEtherTypeMplsMulticast:
            return from_mpls(s, off);
        case kEtherTypePppoeSession: {
            if (!in_bounds(s, off, kPppoeHeaderLen + 2)) {
                return link_fail(DecodeStatus::TruncatedLink);
            }
            LinkResult r = from_ppp_protocol(s, off + kPppoeHeaderLen + 2,
                                             load_be16(s, off + kPppoeHeaderLen));
            r.behind = true;
            return r;
        }
        default:
            return link_fail(DecodeStatus::NotIp);  // ARP, LLDP, LLC lengths, VN-Tag, …
    }
}

/// Everything after an EtherType-valued field: VLAN tags (any depth), then the above.
LinkResult from_ethertype(ByteSpan s, std::size_t off, std::uint16_t type) noexcept {
    bool tagged = false;
    while (is_vlan_ethertype(type)) {
        if (!in_bounds(s, off, kVlanTagLen)) {
            return link_fail(DecodeStatus::TruncatedLink);
        }
        type = load_be16(s, off + 2);
        off += kVlanTagLen;
        tagged = true;
    }
    LinkResult r = from_untagged_ethertype(s, off, type);
    r.vlan = tagged;
    return r;
}

LinkResult from_ethernet(ByteSpan s, std::size_t off) noexcept {
    if (!in_bounds(s, off, kEthernetHeaderLen)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    const std::uint16_t type = load_be16(s, off + 12);
    if (type < kMinEtherType) {
        // 802.3 length + LLC: never IPv4 for the reference (golden README normalisation).
        return link_fail(DecodeStatus::NotIp);
    }
    return from_ethertype(s, off + kEthernetHeaderLen, type);
}

/// RFC 1042 / 802.1H LLC+SNAP header carrying an EtherType (FDDI, 802.11).
LinkResult from_llc_snap(ByteSpan s, std::size_t off) noexcept {
    if (!in_bounds(s, off, kLlcSnapLen)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    if (s[off] != 0xaa || s[off + 1] != 0xaa || s[off + 2] != 0x03 || s[off + 3] != 0 ||
        s[off + 4] != 0 || (s[off + 5] != 0 && s[off + 5] != 0xf8)) {
        return link_fail(DecodeStatus::NotIp);
    }
    return from_ethertype(s, off + kLlcSnapLen, load_be16(s, off + 6));
}

LinkResult from_ppp(ByteSpan s, std::size_t off) noexcept {
    if (in_bounds(s, off, 2) && s[off] == 0xff && s[off + 1] == 0x03) {
        off += 2;  // HDLC address/control, present or not depending on the capture
    }
    if (!in_bounds(s, off, 1)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    if ((s[off] & 0x01) != 0) {  // protocol-field compression: one byte
        return from_ppp_protocol(s, off + 1, s[off]);
    }
    if (!in_bounds(s, off, 2)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    return from_ppp_protocol(s, off + 2, load_be16(s, off));
}

LinkResult from_cisco_hdlc(ByteSpan s, std::size_t off) noexcept {
    if (!in_bounds(s, off, 4)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    return from_ethertype(s, off + 4, load_be16(s, off + 2));
}

/// 802.11 data frame from `off`: header (3 or 4 addresses, QoS, HT control), then LLC/SNAP.
LinkResult from_ieee80211(ByteSpan s, std::size_t off) noexcept {
    if (!in_bounds(s, off, 2)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    const std::uint16_t fc = load_le16(s, off);
    const unsigned version = fc & 0x3;
    const unsigned type = (fc >> 2) & 0x3;
    const unsigned subtype = (fc >> 4) & 0xf;
    const unsigned fl = fc >> 8;
    if (version != 0 || type != 2 || (subtype & 0x4) != 0 || (fl & 0x40) != 0) {
        return link_fail(DecodeStatus::NotIp);  // management/control, null data, protected
    }
    std::size_t hl = kIeee80211HeaderLen;
    if ((fl & 0x03) == 0x03) {
        hl += 6;  // ToDS and FromDS: fourth address
    }
    if ((subtype & 0x8) != 0) {
        if (!in_bounds(s, off + hl, 2)) {
            return link_fail(DecodeStatus::TruncatedLink);
        }
        if ((s[off + hl] & 0x80) != 0) {
            return link_fail(DecodeStatus::NotIp);  // A-MSDU aggregate: not a single packet
        }
        hl += 2;
        if ((fl & 0x80) != 0) {
            hl += 4;  // +HTC: order bit set on a QoS data frame
        }
    }
    if (!in_bounds(s, off, hl)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    return from_llc_snap(s, off + hl);
}

LinkResult from_null(ByteSpan s, bool network_order_only) noexcept {
    if (!in_bounds(s, 0, kNullHeaderLen)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    const std::uint32_t be = load_be32(s, 0);
    // DLT_NULL stores the family in the capturing host's byte order, unknown to us: accept both.
    const std::uint32_t le = network_order_only ? be : load_le32(s, 0);
    if (be == kAfInet || le == kAfInet) {
        return link_ip(Net::Ipv4, kNullHeaderLen);
    }
    if (is_af_inet6(be) || is_af_inet6(le)) {
        return link_ip(Net::Ipv6, kNullHeaderLen);
    }
    return link_fail(DecodeStatus::NotIp);  // incl. an EtherType in the AF field (0f 00 08 00)
}

LinkResult from_raw(ByteSpan s, std::size_t off) noexcept {
    if (!in_bounds(s, off, 1)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    switch (s[off] >> 4) {
        case 4:
            return link_ip(Net::Ipv4, off);
        case 6:
            return link_ip(Net::Ipv6, off);
        default:
            return link_fail(DecodeStatus::NotIp);
    }
}

/// NFLOG: 4-byte header (family, version, resource id), then TLVs whose length and type are in
/// the capturing host's byte order (libpcap swaps them for classic pcap, pcapng does not).
LinkResult from_nflog(ByteSpan s) noexcept {
    if (!in_bounds(s, 0, 4)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    const std::uint8_t family = s[0];
    std::size_t off = 4;
    bool swapped = false;
    bool order_known = false;
    while (in_bounds(s, off, 4)) {
        std::uint16_t len = load_le16(s, off);
        std::uint16_t type = load_le16(s, off + 2);
        if (!order_known) {
            // NFULA_* types are small; a big little-endian type means big-endian TLVs.
            swapped = (type & 0x7fff) >= 0x100 && (load_be16(s, off + 2) & 0x7fff) < 0x100;
            order_known = true;
        }
        if (swapped) {
            len = load_be16(s, off);
            type = load_be16(s, off + 2);
        }
        if (len < 4) {
            return link_fail(DecodeStatus::TruncatedLink);
        }
        if ((type & 0x7fff) == kNflogTlvPayload) {
            const std::size_t ip = off + 4;
            LinkResult r;
            if (family == kAfInet) {
                r = link_ip(Net::Ipv4, ip);
            } else if (family == kNflogAfInet6) {
                r = link_ip(Net::Ipv6, ip);
            } else {
                return link_fail(DecodeStatus::NotIp);
            }
            // The packet ends with the TLV, before its alignment padding and any later TLV.
            r.end = static_cast<std::uint32_t>(off + len);
            return r;
        }
        off += (static_cast<std::size_t>(len) + 3U) & ~std::size_t{3};
    }
    return link_fail(DecodeStatus::NotIp);  // no payload TLV: nothing to decode
}

/// Decoding context for one frame: the counters and the configuration switches.
class Walker {
public:
    Walker(DecodeCounters& c, bool tunnels) noexcept : c_(c), tunnels_(tunnels) {}

    LinkResult link(ByteSpan s, std::size_t off, std::uint32_t link_type, std::uint32_t wire_len,
                    bool nested) noexcept;
    DecodeStatus ipv4(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept;
    DecodeStatus ipv6(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept;

private:
    LinkResult radiotap(ByteSpan s, std::size_t off, std::uint32_t wire_len) noexcept;
    LinkResult wrapped(ByteSpan s, std::size_t off, std::size_t hdr_len, std::uint32_t inner,
                       std::uint32_t wire_len, bool nested) noexcept;
    void transport(ByteSpan s, std::size_t l4, std::size_t ip_end, PacketMeta& m,
                   int depth) noexcept;
    void icmp_quote(ByteSpan s, std::size_t ip_end, std::size_t q, PacketMeta& m) noexcept;
    bool decap_ip(ByteSpan s, std::size_t off, Net net, PacketMeta& m, int depth,
                  bool behind = false) noexcept;
    bool decap_gre(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept;
    bool decap_teredo(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept;

    DecodeCounters& c_;
    bool tunnels_;
};

LinkResult Walker::link(ByteSpan s, std::size_t off, std::uint32_t link_type,
                        std::uint32_t wire_len, bool nested) noexcept {
    switch (link_type) {
        case kLinkEthernet:
            return from_ethernet(s, off);
        case kLinkNull:
            return off == 0 ? from_null(s, false) : link_fail(DecodeStatus::UnsupportedLinkType);
        case kLinkLoop:
            return off == 0 ? from_null(s, true) : link_fail(DecodeStatus::UnsupportedLinkType);
        case kLinkRaw:
        case kDltRaw:
        case kDltRawOpenBsd:
            return from_raw(s, off);
        case kLinkIpv4:
            return link_ip(Net::Ipv4, off);
        case kLinkIpv6:
            return link_ip(Net::Ipv6, off);
        case kLinkLinuxSll:
            if (!in_bounds(s, off, kLinuxSllHeaderLen)) {
                return link_fail(DecodeStatus::TruncatedLink);
            }
            return from_ethertype(s, off + kLinuxSllHeaderLen, load_be16(s, off + 14));
        case kLinkLinuxSll2:
            if (!in_bounds(s, off, kLinuxSll2HeaderLen)) {
                return link_fail(DecodeStatus::TruncatedLink);
            }
            return from_ethertype(s, off + kLinuxSll2HeaderLen, load_be16(s, off));
        case kLinkPpp:
            return from_ppp(s, off);
        case kLinkPppSerial:
            if (in_bounds(s, off, 1) && (s[off] == 0x0f || s[off] == 0x8f)) {
                return from_cisco_hdlc(s, off);  // Cisco HDLC frames share this link type
            }
            return from_ppp(s, off);
        case kLinkCiscoHdlc:
            return from_cisco_hdlc(s, off);
        case kLinkFddi:
            if (!in_bounds(s, off, kFddiHeaderLen)) {
                return link_fail(DecodeStatus::TruncatedLink);
            }
            return from_llc_snap(s, off + kFddiHeaderLen);
        case kLinkIeee80211:
            return from_ieee80211(s, off);
        case kLinkRadiotap:
            return radiotap(s, off, wire_len);
        case kLinkIpoib:
            if (!in_bounds(s, off, kIpoibHeaderLen)) {
                return link_fail(DecodeStatus::TruncatedLink);
            }
            return from_ethertype(s, off + kIpoibHeaderLen, load_be16(s, off + kIpoibTypeOffset));
        case kLinkNflog:
            return off == 0 ? from_nflog(s) : link_fail(DecodeStatus::UnsupportedLinkType);
        case kLinkPktap: {
            // Apple PKTAP: pth_length (LE32) then pth_type_next (LE32, a DLT) at offset 4.
            if (!in_bounds(s, off, 8)) {
                return link_fail(DecodeStatus::TruncatedLink);
            }
            return wrapped(s, off, load_le32(s, off), load_le32(s, off + 4), wire_len, nested);
        }
        case kLinkPpi: {
            // PPI: version, flags, pph_len (LE16), pph_dlt (LE32).
            if (!in_bounds(s, off, 8)) {
                return link_fail(DecodeStatus::TruncatedLink);
            }
            return wrapped(s, off, load_le16(s, off + 2), load_le32(s, off + 4), wire_len, nested);
        }
        default:
            return link_fail(DecodeStatus::UnsupportedLinkType);
    }
}

LinkResult Walker::wrapped(ByteSpan s, std::size_t off, std::size_t hdr_len, std::uint32_t inner,
                           std::uint32_t wire_len, bool nested) noexcept {
    if (hdr_len < 8 || !in_bounds(s, off, hdr_len)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    if (nested || inner == kLinkPktap || inner == kLinkPpi) {
        return link_fail(DecodeStatus::UnsupportedLinkType);  // one wrapper level only
    }
    return link(s, off + hdr_len, inner, wire_len, true);
}

/// Radiotap header, then 802.11. The flags field (present bit 1) may announce a 4-byte FCS at
/// the end of the frame: it is a link trailer, not payload, so the frame end moves back.
LinkResult Walker::radiotap(ByteSpan s, std::size_t off, std::uint32_t wire_len) noexcept {
    if (!in_bounds(s, off, kRadiotapMinLen)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    if (s[off] != 0) {
        return link_fail(DecodeStatus::NotIp);  // unknown radiotap version
    }
    const std::size_t len = load_le16(s, off + 2);
    if (len < kRadiotapMinLen || !in_bounds(s, off, len)) {
        return link_fail(DecodeStatus::TruncatedLink);
    }
    const std::uint32_t present = load_le32(s, off + 4);
    std::size_t p = 4;  // relative to the radiotap start: fields are aligned relative to it
    std::uint32_t word = present;
    while ((word & 0x80000000U) != 0) {  // extended presence bitmaps
        p += 4;
        if (p + 4 > len) {
            return link_fail(DecodeStatus::TruncatedLink);
        }
        word = load_le32(s, off + p);
    }
    p += 4;
    std::uint8_t flags = 0;
    if ((present & 0x1U) != 0) {  // TSFT: u64, 8-byte aligned
        p = (p + 7) & ~std::size_t{7};
        p += 8;
    }
    if ((present & 0x2U) != 0 && p < len) {
        flags = s[off + p];
    }
    LinkResult r = from_ieee80211(s, off + len);
    if ((flags & 0x10) != 0) {
        const std::size_t fcs_end = wire_len >= kEthernetFcsLen ? wire_len - kEthernetFcsLen : 0;
        if (fcs_end < s.size()) {
            r.end = static_cast<std::uint32_t>(fcs_end);
            c_.count(DecodeEvent::RadiotapFcsRemoved);
        }
    }
    return r;
}

DecodeStatus Walker::ipv4(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept {
    if (FM_UNLIKELY(!in_bounds(s, off, kIpv4MinHeaderLen))) {
        return DecodeStatus::TruncatedIpv4;
    }
    const std::uint8_t vihl = s[off];
    const std::size_t hl = static_cast<std::size_t>(vihl & 0x0f) * 4;
    if (FM_UNLIKELY((vihl >> 4) != 4 || hl < kIpv4MinHeaderLen)) {
        return DecodeStatus::BadIpv4Header;
    }
    if (FM_UNLIKELY(!in_bounds(s, off, hl))) {
        return DecodeStatus::TruncatedIpv4;
    }
    const std::size_t total = load_be16(s, off + 2);
    std::size_t ip_end = 0;
    if (FM_UNLIKELY(total == 0)) {
        // TSO capture: the NIC fills the length in later. Use what was captured.
        m.flags |= kZeroIpLength;
        c_.count(DecodeEvent::ZeroIpLength);
        ip_end = s.size();
    } else if (FM_UNLIKELY(total < hl)) {
        c_.count(DecodeEvent::BadIpv4TotalLength);
        ip_end = off + hl;
    } else {
        ip_end = off + total;
        if (ip_end > s.size()) {
            m.flags |= kIpLengthBeyondCap;
            c_.count(DecodeEvent::IpLengthBeyondCap);
            ip_end = s.size();
        }
    }
    std::copy_n(s.data() + off + 12, 4, m.src_ip.begin());
    std::copy_n(s.data() + off + 16, 4, m.dst_ip.begin());
    m.protocol = s[off + 9];

    const std::size_t l4 = off + hl;
    const std::uint16_t frag = load_be16(s, off + 6);
    const bool more_fragments = (frag & 0x2000) != 0;
    if ((frag & 0x1fff) != 0) {
        m.flags |= kFragment | kLaterFragment;
        c_.count(DecodeEvent::Ipv4Fragment);
        m.payload_len = clamp_sub(ip_end, l4);
        m.frame_payload_len = clamp_sub(s.size(), l4);
        return DecodeStatus::Ok;
    }
    if (more_fragments) {
        m.flags |= kFragment;
        c_.count(DecodeEvent::Ipv4Fragment);
    } else if (tunnels_ && depth < kMaxTunnelDepth) {
        const ByteSpan inner = s.first(ip_end);
        switch (m.protocol) {
            case kProtoIpip:
                if (decap_ip(inner, l4, Net::Ipv4, m, depth)) {
                    return DecodeStatus::Ok;
                }
                break;
            case kProtoIpv6:
                if (decap_ip(inner, l4, Net::Ipv6, m, depth)) {
                    return DecodeStatus::Ok;
                }
                break;
            case kProtoGre:
                if (decap_gre(inner, l4, m, depth)) {
                    return DecodeStatus::Ok;
                }
                break;
            default:
                break;
        }
    } else if (!tunnels_ && depth == 0 && m.protocol == kProtoIpip &&
               in_bounds(s, l4, kIpv4MinHeaderLen) && (s[l4] >> 4) == 4) {
        // Tunnels not decapsulated: the packet keeps the outer addresses, but the reference's
        // packet library walks into IP-in-IP and reports the inner TCP/UDP header (golden
        // tunnels/4in4.pcap). Only an unfragmented inner TCP/UDP datagram qualifies.
        const std::size_t ihl = static_cast<std::size_t>(s[l4] & 0x0f) * 4;
        const std::uint8_t inner_proto = s[l4 + 9];
        const std::size_t inner_total = load_be16(s, l4 + 2);
        if (ihl >= kIpv4MinHeaderLen && in_bounds(s, l4, ihl) && inner_total >= ihl &&
            (load_be16(s, l4 + 6) & 0x3fff) == 0 &&
            (inner_proto == kProtoTcp || inner_proto == kProtoUdp)) {
            m.protocol = inner_proto;
            transport(s, l4 + ihl, std::min(ip_end, l4 + inner_total), m, depth + 1);
            m.protocol = kProtoIpip;
            m.inner_protocol = inner_proto;
            m.flags |= kIpipInner;
            return DecodeStatus::Ok;
        }
    }
    transport(s, l4, ip_end, m, depth);
    return DecodeStatus::Ok;
}

DecodeStatus Walker::ipv6(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept {
    if (FM_UNLIKELY(!in_bounds(s, off, kIpv6HeaderLen))) {
        return DecodeStatus::TruncatedIpv6;
    }
    if (FM_UNLIKELY((s[off] >> 4) != 6)) {
        return DecodeStatus::BadIpv6Header;
    }
    m.flags |= kIpv6;
    std::copy_n(s.data() + off + 8, 16, m.src_ip.begin());
    std::copy_n(s.data() + off + 24, 16, m.dst_ip.begin());
    const std::size_t plen = load_be16(s, off + 4);
    std::uint8_t nh = s[off + 6];
    std::size_t jumbo = 0;
    std::size_t p = off + kIpv6HeaderLen;
    bool later_fragment = false;
    int n = 0;
    for (; n < kMaxIpv6ExtHeaders; ++n) {
        if (nh == kProtoHopByHop || nh == kProtoRouting || nh == kProtoDestOpts ||
            nh == kProtoMobility || nh == kProtoHip || nh == kProtoShim6) {
            if (!in_bounds(s, p, 2)) {
                return DecodeStatus::BadIpv6Ext;
            }
            const std::size_t len = (static_cast<std::size_t>(s[p + 1]) + 1) * 8;
            if (!in_bounds(s, p, len)) {
                return DecodeStatus::BadIpv6Ext;
            }
            if (nh == kProtoHopByHop && plen == 0) {
                // Look for the jumbo payload option (type 0xc2, length 4).
                std::size_t o = p + 2;
                while (o < p + len) {
                    const std::uint8_t opt = s[o];
                    if (opt == 0) {  // Pad1
                        ++o;
                        continue;
                    }
                    if (o + 2 > p + len) {
                        break;
                    }
                    const std::size_t olen = s[o + 1];
                    if (opt == 0xc2 && olen == 4 && o + 6 <= p + len) {
                        jumbo = load_be32(s, o + 2);
                    }
                    o += 2 + olen;
                }
            }
            nh = s[p];
            p += len;
        } else if (nh == kProtoFragment) {
            if (!in_bounds(s, p, 8)) {
                return DecodeStatus::BadIpv6Ext;
            }
            const std::uint16_t fo = load_be16(s, p + 2);
            const bool later = (fo >> 3) != 0;
            if (later || (fo & 0x1) != 0) {  // an atomic fragment (RFC 6946) is a whole packet
                m.flags |= kFragment;
                c_.count(DecodeEvent::Ipv6Fragment);
            }
            nh = s[p];
            p += 8;
            if (later) {
                later_fragment = true;
                break;
            }
        } else if (nh == kProtoAh) {
            if (!in_bounds(s, p, 2)) {
                return DecodeStatus::BadIpv6Ext;
            }
            const std::size_t len = (static_cast<std::size_t>(s[p + 1]) + 2) * 4;
            if (!in_bounds(s, p, len)) {
                return DecodeStatus::BadIpv6Ext;
            }
            nh = s[p];
            p += len;
        } else {
            break;  // transport, ESP (encrypted), no-next-header or unknown: chain ends
        }
    }
    if (n == kMaxIpv6ExtHeaders) {
        return DecodeStatus::BadIpv6Ext;
    }

    std::size_t ip_end = 0;
    if (plen != 0) {
        ip_end = off + kIpv6HeaderLen + plen;
    } else if (jumbo != 0) {
        c_.count(DecodeEvent::Ipv6Jumbogram);
        ip_end = off + kIpv6HeaderLen + jumbo;
    } else {
        m.flags |= kZeroIpLength;
        c_.count(DecodeEvent::ZeroIpLength);
        ip_end = s.size();
    }
    if (ip_end > s.size()) {
        m.flags |= kIpLengthBeyondCap;
        c_.count(DecodeEvent::IpLengthBeyondCap);
        ip_end = s.size();
    }
    if (p > ip_end) {
        return DecodeStatus::BadIpv6Ext;  // extension headers claim more than the payload
    }
    m.protocol = nh;
    if (later_fragment) {
        m.flags |= kLaterFragment;
        m.payload_len = clamp_sub(ip_end, p);
        m.frame_payload_len = clamp_sub(s.size(), p);
        return DecodeStatus::Ok;
    }
    if (tunnels_ && depth < kMaxTunnelDepth && !m.has(kFragment)) {
        const ByteSpan inner = s.first(ip_end);
        switch (nh) {
            case kProtoIpip:
                if (decap_ip(inner, p, Net::Ipv4, m, depth)) {
                    return DecodeStatus::Ok;
                }
                break;
            case kProtoIpv6:
                if (decap_ip(inner, p, Net::Ipv6, m, depth)) {
                    return DecodeStatus::Ok;
                }
                break;
            case kProtoGre:
                if (decap_gre(inner, p, m, depth)) {
                    return DecodeStatus::Ok;
                }
                break;
            default:
                break;
        }
    }
    transport(s, p, ip_end, m, depth);
    return DecodeStatus::Ok;
}

/// Transport header at `l4`. The datagram ends at `ip_end` (IP length, clamped to the captured
/// bytes); the frame ends at s.size(). A header that does not fit leaves a port-less packet.
void Walker::transport(ByteSpan s, std::size_t l4, std::size_t ip_end, PacketMeta& m,
                       int depth) noexcept {
    const std::size_t avail = ip_end > l4 ? ip_end - l4 : 0;
    // Default for protocols without a decoded header: the whole IP payload.
    m.payload_len = static_cast<std::uint32_t>(avail);
    m.frame_payload_len = clamp_sub(s.size(), l4);

    std::size_t hl = 0;
    switch (m.protocol) {
        case kProtoTcp: {
            if (FM_UNLIKELY(avail < kTcpMinHeaderLen)) {
                c_.count(DecodeEvent::TruncatedTcp);
                return;
            }
            hl = static_cast<std::size_t>(s[l4 + 12] >> 4) * 4;
            if (FM_UNLIKELY(hl < kTcpMinHeaderLen)) {
                c_.count(DecodeEvent::BadTcpOffset);
                return;
            }
            // Options may be cut by the snaplen (or a short IP length): the packet still counts
            // as TCP, l4_header_len reports the header bytes present (what the reference adds
            // up as header bytes) and kL4HeaderCut says so.
            m.src_port = load_be16(s, l4);
            m.dst_port = load_be16(s, l4 + 2);
            m.seq = load_be32(s, l4 + 4);
            m.ack = load_be32(s, l4 + 8);
            m.tcp_flags = s[l4 + 13];
            m.window = load_be16(s, l4 + 14);
            // jnetpcap 1.3.0 reads the options up to the end of the captured frame (its
            // trailer trim does not happen in the run that produced CIC-IDS2017, see
            // count_ethernet_padding), so the walk sees the bytes present in the frame.
            if (jnetpcap13_tcp_option_walk(s.data() + l4, std::min(hl, s.size() - l4), hl) !=
                Jnetpcap13TcpWalk::Decoded) {
                m.flags |= kJnetpcap13TcpWalkFails;
            }
            break;
        }
        case kProtoUdp: {
            if (FM_UNLIKELY(avail < kUdpHeaderLen)) {
                c_.count(DecodeEvent::TruncatedUdp);
                return;
            }
            hl = kUdpHeaderLen;  // payload from the IP length, not the UDP length field
            m.src_port = load_be16(s, l4);
            m.dst_port = load_be16(s, l4 + 2);
            break;
        }
        case kProtoIcmp:
        case kProtoIcmpv6: {
            if (FM_UNLIKELY(avail < kIcmpHeaderLen)) {
                c_.count(DecodeEvent::TruncatedIcmp);
                return;
            }
            hl = kIcmpHeaderLen;
            m.icmp_type = s[l4];
            m.icmp_code = s[l4 + 1];
            if (m.protocol == kProtoIcmp && !m.is_ipv6()) {
                switch (m.icmp_type) {
                    case 3:   // destination unreachable
                    case 4:   // source quench
                    case 5:   // redirect
                    case 11:  // time exceeded
                    case 12:  // parameter problem
                        icmp_quote(s, ip_end, l4 + kIcmpHeaderLen, m);
                        break;
                    default:
                        break;
                }
            }
            break;
        }
        case kProtoSctp: {
            if (FM_UNLIKELY(avail < kSctpCommonHeaderLen)) {
                c_.count(DecodeEvent::TruncatedSctp);
                return;
            }
            hl = kSctpCommonHeaderLen;
            m.src_port = load_be16(s, l4);
            m.dst_port = load_be16(s, l4 + 2);
            break;
        }
        default:
            return;
    }
    m.flags |= kL4Decoded;
    if (hl > avail) {
        m.flags |= kL4HeaderCut;
    }
    m.l4_header_len = static_cast<std::uint16_t>(std::min(hl, avail));
    m.payload_len = clamp_sub(ip_end, l4 + hl);
    m.frame_payload_len = clamp_sub(s.size(), l4 + hl);

    if (m.protocol == kProtoUdp && tunnels_ && depth < kMaxTunnelDepth && !m.has(kFragment) &&
        (m.src_port == kTeredoPort || m.dst_port == kTeredoPort) && !m.is_ipv6()) {
        decap_teredo(s.first(ip_end), l4 + kUdpHeaderLen, m, depth);
    }
}

/// The IPv4 header quoted by an ICMP error, followed by at least the 4 port bytes of UDP/TCP.
/// Only bytes inside the ICMP datagram (up to ip_end) are read.
void Walker::icmp_quote(ByteSpan frame, std::size_t ip_end, std::size_t q, PacketMeta& m) noexcept {
    const ByteSpan s = frame.first(ip_end);
    if (!in_bounds(s, q, kIpv4MinHeaderLen) || (s[q] >> 4) != 4) {
        return;
    }
    const std::size_t qhl = static_cast<std::size_t>(s[q] & 0x0f) * 4;
    if (qhl < kIpv4MinHeaderLen || !in_bounds(s, q + qhl, 4)) {
        return;
    }
    if ((load_be16(s, q + 6) & 0x1fff) != 0) {
        return;  // quoted non-first fragment: no ports in it
    }
    const std::uint8_t proto = s[q + 9];
    const std::size_t qt = q + qhl;  // quoted transport header
    std::size_t qt_len = kUdpHeaderLen;
    if (proto == kProtoUdp) {
        m.flags |= kIcmpQuotesUdp;
    } else if (proto == kProtoTcp) {
        m.flags |= kIcmpQuotesTcp;
        // Errors usually quote only 8 bytes of TCP; the data offset counts when it is there.
        qt_len = kTcpMinHeaderLen;
        if (in_bounds(s, qt + 12, 1) && (s[qt + 12] >> 4) >= 5) {
            qt_len = static_cast<std::size_t>(s[qt + 12] >> 4) * 4;
        }
    } else {
        return;
    }
    m.quoted_src_port = load_be16(s, qt);
    m.quoted_dst_port = load_be16(s, qt + 2);
    m.quoted_payload_len = clamp_sub(ip_end, qt + qt_len);
    m.quoted_frame_payload_len = clamp_sub(frame.size(), qt + qt_len);
    c_.count(DecodeEvent::IcmpQuotedTransport);
}

/// Decodes an inner IP packet into a scratch meta; on success it replaces the outer one.
bool Walker::decap_ip(ByteSpan s, std::size_t off, Net net, PacketMeta& m, int depth,
                      bool behind) noexcept {
    PacketMeta inner{};
    inner.ts_us = m.ts_us;
    inner.wire_len = m.wire_len;
    const DecodeStatus st =
        net == Net::Ipv4 ? ipv4(s, off, inner, depth + 1) : ipv6(s, off, inner, depth + 1);
    if (st != DecodeStatus::Ok) {
        c_.count(DecodeEvent::TunnelInnerUndecodable);
        return false;
    }
    inner.flags |= kInsideTunnel;
    if (behind) {
        inner.flags |= kBehindMplsOrPppoe;
    }
    if (depth == 0) {  // count each frame once, at the outermost level
        c_.count(DecodeEvent::TunnelDecapsulated);
    }
    m = inner;
    return true;
}

/// GRE (RFC 2784/2890 version 0, and PPTP's version 1) carrying IP, Ethernet (transparent
/// bridging, ERSPAN I/II/III), PPP or MPLS.
bool Walker::decap_gre(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept {
    if (!in_bounds(s, off, 4)) {
        return false;
    }
    const std::uint16_t fl = load_be16(s, off);
    const std::uint16_t proto = load_be16(s, off + 2);
    const unsigned version = fl & 0x7;
    if ((fl & 0x4000) != 0) {
        return false;  // source routing present (deprecated): not followed
    }
    std::size_t hl = 4;
    if (version == 0) {
        hl += ((fl & 0x8000) != 0 ? 4 : 0) + ((fl & 0x2000) != 0 ? 4 : 0) +
              ((fl & 0x1000) != 0 ? 4 : 0);
    } else if (version == 1 && proto == kEtherTypePpp) {
        hl += 4 + ((fl & 0x1000) != 0 ? 4 : 0) + ((fl & 0x0080) != 0 ? 4 : 0);
    } else {
        return false;
    }
    std::size_t in = off + hl;
    if (!in_bounds(s, in, 0)) {
        return false;
    }
    LinkResult r;
    switch (proto) {
        case kEtherTypeIpv4:
            return decap_ip(s, in, Net::Ipv4, m, depth);
        case kEtherTypeIpv6:
            return decap_ip(s, in, Net::Ipv6, m, depth);
        case kEtherTypeTeb:
            r = from_ethernet(s, in);
            break;
        case kEtherTypeErspan2:
            // Type II has an 8-byte ERSPAN header and the sequence bit set; type I has neither.
            r = from_ethernet(s, in + ((fl & 0x1000) != 0 ? 8 : 0));
            break;
        case kEtherTypeErspan3: {
            if (!in_bounds(s, in, 12)) {
                return false;
            }
            const bool platform_sub = (s[in + 11] & 0x01) != 0;
            r = from_ethernet(s, in + 12 + (platform_sub ? 8 : 0));
            break;
        }
        case kEtherTypePpp:
            r = from_ppp(s, in);
            break;
        case kEtherTypeMplsUnicast:
        case kEtherTypeMplsMulticast:
            r = from_mpls(s, in);
            break;
        default:
            return false;
    }
    if (r.status != DecodeStatus::Ok) {
        c_.count(DecodeEvent::TunnelInnerUndecodable);
        return false;
    }
    return decap_ip(s, r.off, r.net, m, depth, r.behind);
}

/// Teredo (RFC 4380): UDP port 3544 payload, optional authentication and origin indication
/// headers, then an IPv6 packet. Anything that does not look like one stays plain UDP.
bool Walker::decap_teredo(ByteSpan s, std::size_t off, PacketMeta& m, int depth) noexcept {
    std::size_t p = off;
    if (in_bounds(s, p, 4) && s[p] == 0x00 && s[p + 1] == 0x01) {
        const std::size_t id_len = s[p + 2];
        const std::size_t au_len = s[p + 3];
        p += 4 + id_len + au_len + 8 + 1;  // nonce (8) and confirmation (1)
    }
    if (in_bounds(s, p, 8) && s[p] == 0x00 && s[p + 1] == 0x00) {
        p += 8;  // origin indication
    }
    if (!in_bounds(s, p, kIpv6HeaderLen) || (s[p] >> 4) != 6) {
        return false;
    }
    // A Teredo IPv6 packet fills the UDP payload exactly; this rejects look-alikes.
    if (kIpv6HeaderLen + load_be16(s, p + 4) != s.size() - p) {
        return false;
    }
    return decap_ip(s, p, Net::Ipv6, m, depth);
}

}  // namespace

Decoder::Decoder(const config::DecodeConfig& cfg) noexcept
    : ipv6_(cfg.ipv6), tunnels_(cfg.tunnels && cfg.ipv6) {}

bool Decoder::supports_link_type(std::uint32_t link_type) noexcept {
    switch (link_type) {
        case kLinkNull:
        case kLinkEthernet:
        case kLinkPpp:
        case kLinkFddi:
        case kDltRaw:
        case kDltRawOpenBsd:
        case kLinkPppSerial:
        case kLinkRaw:
        case kLinkCiscoHdlc:
        case kLinkIeee80211:
        case kLinkLoop:
        case kLinkLinuxSll:
        case kLinkRadiotap:
        case kLinkPpi:
        case kLinkIpv4:
        case kLinkIpv6:
        case kLinkNflog:
        case kLinkIpoib:
        case kLinkPktap:
        case kLinkLinuxSll2:
            return true;
        default:
            return false;
    }
}

DecodeStatus Decoder::decode(const capture::RawPacketView& view, PacketMeta& meta) noexcept {
    meta = PacketMeta{};
    meta.ts_us = view.ts_us;
    meta.wire_len = view.wire_len;
    const ByteSpan frame{view.data, view.data != nullptr ? view.cap_len : 0U};

    Walker w(counters_, tunnels_);
    // Untagged Ethernet/IPv4 is most of the traffic: skip the link-type walk for it (same result
    // as from_ethernet() gives).
    const LinkResult link =
        FM_LIKELY(view.link_type == kLinkEthernet && frame.size() >= kEthernetHeaderLen &&
                  load_be16(frame, 12) == kEtherTypeIpv4)
            ? link_ip(Net::Ipv4, kEthernetHeaderLen)
            : w.link(frame, 0, view.link_type, view.wire_len, false);
    DecodeStatus st = link.status;
    if (st == DecodeStatus::Ok) {
        if (!ipv6_ && (link.net != Net::Ipv4 || link.behind)) {
            // IPv4-only mode reproduces the reference's input: plain IPv4 under the link layer.
            st = DecodeStatus::FilteredNotIpv4;
        } else {
            const ByteSpan s = frame.first(std::min<std::size_t>(link.end, frame.size()));
            st =
                link.net == Net::Ipv4 ? w.ipv4(s, link.off, meta, 0) : w.ipv6(s, link.off, meta, 0);
            if (link.behind) {
                meta.flags |= kBehindMplsOrPppoe;
            }
            if (link.vlan) {
                meta.flags |= kBehindVlan;
            }
        }
    }
    counters_.count(st);
    return st;
}

}  // namespace fm::decode
