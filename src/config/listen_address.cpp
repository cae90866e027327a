// SPDX-License-Identifier: BSD-3-Clause
#include "config/listen_address.hpp"

#include <charconv>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>

namespace fm::config {

namespace {

constexpr std::string_view kExpected =
    "expected IPV4:PORT or [IPV6]:PORT with a numeric address, e.g. 127.0.0.1:9464 or [::1]:9464";

}  // namespace

std::string ListenAddress::to_string() const {
    return ipv6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

bool parse_listen_address(std::string_view text, ListenAddress& out, std::string& error) {
    ListenAddress a;
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            error = fmt::format("\"{}\": no ']' after the IPv6 address: {}", text, kExpected);
            return false;
        }
        if (close + 1 == text.size() || text[close + 1] != ':') {
            error = fmt::format("\"{}\" has no port: {}", text, kExpected);
            return false;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        a.ipv6 = true;
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            error = fmt::format("\"{}\" has no port: {}", text, kExpected);
            return false;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            error = fmt::format("\"{}\": an IPv6 address must be in brackets: {}", text, kExpected);
            return false;
        }
    }
    a.host = std::string(host);
    if (a.ipv6) {
        in6_addr v6{};
        if (inet_pton(AF_INET6, a.host.c_str(), &v6) != 1) {
            error = fmt::format("\"{}\" is not a numeric IPv6 address: {}", a.host, kExpected);
            return false;
        }
    } else {
        in_addr v4{};
        if (inet_pton(AF_INET, a.host.c_str(), &v4) != 1) {
            error = fmt::format("\"{}\" is not a numeric IPv4 address: {}", a.host, kExpected);
            return false;
        }
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
        error = fmt::format("port \"{}\" is not a number from 0 to 65535 (0: any free port)", port);
        return false;
    }
    a.port = static_cast<std::uint16_t>(value);
    out = std::move(a);
    return true;
}

}  // namespace fm::config
