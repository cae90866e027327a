// SPDX-License-Identifier: BSD-3-Clause
// LabelRule: one labelling rule of the `labels:` list (docs/labelling.md), as plain values: the
// loader (config/label_rules_loader.cpp) parses and checks the text, output/label_matcher.cpp
// compiles the ordered list into lookup tables. The first rule that matches a flow names its
// Label column.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/time.hpp"

namespace fm::config {

/// An address prefix (CIDR). IPv4 in bytes 0..3, the rest zero; host bits are always zero.
struct IpPrefix {
    std::array<std::uint8_t, 16> addr{};
    std::uint8_t length = 0;  ///< prefix length: 0..32 (IPv4) or 0..128 (IPv6)
    bool ipv6 = false;

    bool operator==(const IpPrefix&) const = default;
};

/// Ports first..last, both included.
struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;

    bool operator==(const PortRange&) const = default;
};

/// Which way round `src`/`dst` (and `src_ports`/`dst_ports`) may match a flow.
enum class RuleDirection : std::uint8_t {
    Any,      ///< the flow's source or its destination may be the rule's src
    Forward,  ///< the rule's src must be the flow's source (Src IP as the profile writes it)
};

constexpr std::string_view to_string(RuleDirection d) noexcept {
    return d == RuleDirection::Forward ? "forward" : "any";
}

/// Every condition that is present must hold; a list holds when one of its entries does. An
/// absent (empty) list or unset value matches anything.
struct LabelRule {
    std::string label;  ///< the Label column text; never empty
    std::vector<IpPrefix> src;
    std::vector<IpPrefix> dst;
    std::vector<IpPrefix> hosts;   ///< either end
    std::vector<PortRange> ports;  ///< either end
    std::vector<PortRange> src_ports;
    std::vector<PortRange> dst_ports;
    std::vector<std::uint8_t> protocols;  ///< IP protocol numbers as the Protocol column has them
    std::optional<Micros> start;          ///< first packet at or after this time (UTC µs)
    std::optional<Micros> end;            ///< first packet before this time
    RuleDirection direction = RuleDirection::Any;

    bool operator==(const LabelRule&) const = default;
};

}  // namespace fm::config
