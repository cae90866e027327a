// SPDX-License-Identifier: BSD-3-Clause
// CIDR text <-> IpPrefix for the labelling rules: "192.168.10.50", "10.0.0.0/8",
// "2001:db8::/32". A prefix with host bits set ("10.0.0.1/8") is refused rather than silently
// widened: it is almost always a typing error in an attack schedule.
#pragma once

#include <string>
#include <string_view>

#include "config/label_rule.hpp"

namespace fm::config {

/// Parses `text`; on failure returns false and puts the reason in `error`.
bool parse_ip_prefix(std::string_view text, IpPrefix& out, std::string& error);

/// "a.b.c.d/n" or RFC 5952 IPv6 text "/n"; the /32 or /128 of a single host is left out.
std::string format_ip_prefix(const IpPrefix& prefix);

}  // namespace fm::config
