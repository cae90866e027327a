// SPDX-License-Identifier: BSD-3-Clause
// A TCP listen address as users write it: `HOST:PORT` with a numeric IPv4 address, or
// `[IPV6]:PORT` with a bracketed numeric IPv6 address. Port 0 asks the kernel for a free port
// (tests). Names are refused on purpose: a service must not bind whatever a resolver returns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fm::config {

struct ListenAddress {
    std::string host;  ///< numeric, without brackets: "127.0.0.1", "::1"
    bool ipv6 = false;
    std::uint16_t port = 0;

    /// "127.0.0.1:9464", "[::1]:9464".
    std::string to_string() const;
};

/// Parses `text`; on failure returns false and sets `error` to a message for the user
/// (without the key).
bool parse_listen_address(std::string_view text, ListenAddress& out, std::string& error);

}  // namespace fm::config
