// SPDX-License-Identifier: BSD-3-Clause
// Wire constants of the link and network layers the decoder walks: link-type numbers (as stored
// in capture files, plus the DLT values libpcap may hand out instead), EtherTypes, header sizes
// and IP protocol numbers. Offsets are read with the bounds-checked loads of common/bytes.hpp;
// nothing here is a struct to cast packet bytes to.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fm::decode::wire {

// Link types. Files store LINKTYPE_* values; libpcap's pcap_datalink() returns DLT_* values,
// which differ for raw IP (LINKTYPE_RAW 101 is DLT_RAW 12, or 14 on OpenBSD). Both are accepted.
inline constexpr std::uint16_t kLinkNull = 0;  ///< BSD loopback, host-order AF
inline constexpr std::uint16_t kLinkEthernet = 1;
inline constexpr std::uint16_t kLinkPpp = 9;
inline constexpr std::uint16_t kLinkFddi = 10;
inline constexpr std::uint16_t kDltRaw = 12;         ///< DLT_RAW on most systems
inline constexpr std::uint16_t kDltRawOpenBsd = 14;  ///< DLT_RAW on OpenBSD
inline constexpr std::uint16_t kLinkPppSerial = 50;  ///< PPP in HDLC-like framing
inline constexpr std::uint16_t kLinkRaw = 101;       ///< LINKTYPE_RAW: IPv4 or IPv6
inline constexpr std::uint16_t kLinkCiscoHdlc = 104;
inline constexpr std::uint16_t kLinkIeee80211 = 105;
inline constexpr std::uint16_t kLinkLoop = 108;  ///< OpenBSD loopback, network-order AF
inline constexpr std::uint16_t kLinkLinuxSll = 113;
inline constexpr std::uint16_t kLinkRadiotap = 127;
inline constexpr std::uint16_t kLinkPpi = 192;
inline constexpr std::uint16_t kLinkIpv4 = 228;
inline constexpr std::uint16_t kLinkIpv6 = 229;
inline constexpr std::uint16_t kLinkNflog = 239;
inline constexpr std::uint16_t kLinkIpoib = 242;
inline constexpr std::uint16_t kLinkPktap = 258;
inline constexpr std::uint16_t kLinkLinuxSll2 = 276;

// EtherTypes.
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
inline constexpr std::uint16_t kEtherTypeVlan = 0x8100;     ///< 802.1Q
inline constexpr std::uint16_t kEtherTypeQinQ = 0x88a8;     ///< 802.1ad service tag
inline constexpr std::uint16_t kEtherTypeQinQOld = 0x9100;  ///< pre-standard QinQ
inline constexpr std::uint16_t kEtherTypeMplsUnicast = 0x8847;
inline constexpr std::uint16_t kEtherTypeMplsMulticast = 0x8848;
inline constexpr std::uint16_t kEtherTypePppoeSession = 0x8864;
inline constexpr std::uint16_t kEtherTypeTeb = 0x6558;      ///< GRE transparent Ethernet bridging
inline constexpr std::uint16_t kEtherTypeErspan2 = 0x88be;  ///< ERSPAN type I/II
inline constexpr std::uint16_t kEtherTypeErspan3 = 0x22eb;
inline constexpr std::uint16_t kEtherTypePpp = 0x880b;  ///< PPP inside GRE v1 (PPTP)
inline constexpr std::uint16_t kMinEtherType = 0x0600;  ///< smaller values are 802.3 lengths

// PPP protocol numbers (RFC 1661 and assignments).
inline constexpr std::uint16_t kPppIpv4 = 0x0021;
inline constexpr std::uint16_t kPppIpv6 = 0x0057;
inline constexpr std::uint16_t kPppMplsUnicast = 0x0281;
inline constexpr std::uint16_t kPppMplsMulticast = 0x0283;

// Address families of the NULL/LOOP pseudo header. IPv6 has a different value on each BSD.
inline constexpr std::uint32_t kAfInet = 2;
inline constexpr std::uint32_t kAfInet6Bsd = 24;  ///< NetBSD, OpenBSD, BSD/OS
inline constexpr std::uint32_t kAfInet6FreeBsd = 28;
inline constexpr std::uint32_t kAfInet6Darwin = 30;
inline constexpr std::uint8_t kNflogAfInet6 = 10;     ///< Linux AF_INET6 (NFLOG header)
inline constexpr std::uint16_t kNflogTlvPayload = 9;  ///< NFULA_PAYLOAD

// Header sizes.
inline constexpr std::size_t kEthernetHeaderLen = 14;
inline constexpr std::size_t kVlanTagLen = 4;
inline constexpr std::size_t kMplsLabelLen = 4;
inline constexpr std::size_t kPppoeHeaderLen = 6;
inline constexpr std::size_t kLinuxSllHeaderLen = 16;
inline constexpr std::size_t kLinuxSll2HeaderLen = 20;
inline constexpr std::size_t kNullHeaderLen = 4;
/// LINKTYPE_IPOIB: destination and source hardware addresses (20 bytes each, RFC 4391 §9.1.1),
/// then the 4-byte IPoIB encapsulation header (type, reserved).
inline constexpr std::size_t kIpoibHeaderLen = 44;
inline constexpr std::size_t kIpoibTypeOffset = 40;
inline constexpr std::size_t kFddiHeaderLen = 13;
inline constexpr std::size_t kLlcSnapLen = 8;
inline constexpr std::size_t kIeee80211HeaderLen = 24;
inline constexpr std::size_t kRadiotapMinLen = 8;
inline constexpr std::size_t kIpv4MinHeaderLen = 20;
inline constexpr std::size_t kIpv6HeaderLen = 40;
inline constexpr std::size_t kTcpMinHeaderLen = 20;
inline constexpr std::size_t kUdpHeaderLen = 8;
inline constexpr std::size_t kIcmpHeaderLen = 8;
inline constexpr std::size_t kSctpCommonHeaderLen = 12;
inline constexpr std::size_t kEthernetFcsLen = 4;

// IP protocol numbers (also IPv6 next-header values).
inline constexpr std::uint8_t kProtoHopByHop = 0;
inline constexpr std::uint8_t kProtoIcmp = 1;
inline constexpr std::uint8_t kProtoIpip = 4;
inline constexpr std::uint8_t kProtoTcp = 6;
inline constexpr std::uint8_t kProtoUdp = 17;
inline constexpr std::uint8_t kProtoIpv6 = 41;
inline constexpr std::uint8_t kProtoRouting = 43;
inline constexpr std::uint8_t kProtoFragment = 44;
inline constexpr std::uint8_t kProtoGre = 47;
inline constexpr std::uint8_t kProtoEsp = 50;
inline constexpr std::uint8_t kProtoAh = 51;
inline constexpr std::uint8_t kProtoIcmpv6 = 58;
inline constexpr std::uint8_t kProtoNoNext = 59;
inline constexpr std::uint8_t kProtoDestOpts = 60;
inline constexpr std::uint8_t kProtoMobility = 135;
inline constexpr std::uint8_t kProtoHip = 139;
inline constexpr std::uint8_t kProtoShim6 = 140;
inline constexpr std::uint8_t kProtoSctp = 132;

inline constexpr std::uint16_t kTeredoPort = 3544;

}  // namespace fm::decode::wire
