// SPDX-License-Identifier: BSD-3-Clause
// The IPv4 protocol numbers that jnetpcap 1.4.r1425's Ip4.Ip4Type enum names, for the `fixed`
// profile's loss of every other protocol.
//
// GintsEngelen/CICFlowMeter 4dd5319 (build.gradle: jnetpcap jar 1.4.r1425-1g),
// src/main/java/cic/cs/unb/ca/jnetpcap/PacketReader.java, getIpv4Info(): an IPv4 packet with no
// ICMP, TCP, UDP or SCTP header reaches `switch (this.ipv4.typeEnum())`; Ip4.typeEnum() is
// Ip4Type.valueOf(type()), which returns null for a number no constant names (slytechs-repos/
// jnetpcap-legacy, tag trunk-1.4.r1425, src/java1.5/org/jnetpcap/protocol/network/Ip4.java).
// Switching on null throws NullPointerException; the method's `catch (Exception e)` returns
// null and the packet never reaches the flow generator. Named numbers (GRE 47, ESP 50, AH 51,
// IPv6 41, PIM 103, ...) fall through to `default` and keep protocol 0; OSPF (89), EIGRP (88),
// VRRP (112), L2TP (115) and every other unnamed number are lost.
#pragma once

#include <cstdint>

namespace fm::features {

/// True when jnetpcap 1.4.r1425's Ip4.Ip4Type has a constant for IPv4 protocol `p`: 0-61,
/// 94 (IPIP), 103 (PIM), 111 (IPX in IP), 118 (STP), 132 (SCTP), 133 (FC), 137 (MPLS in IP).
constexpr bool jnetpcap14_ip4_type_named(std::uint8_t p) noexcept {
    return p <= 61 || p == 94 || p == 103 || p == 111 || p == 118 || p == 132 || p == 133 ||
           p == 137;
}

}  // namespace fm::features
