// SPDX-License-Identifier: BSD-3-Clause
#include "config/ip_prefix_text.hpp"

#include <charconv>
#include <cstring>

#include <arpa/inet.h>

#include <fmt/format.h>

namespace fm::config {

bool parse_ip_prefix(std::string_view text, IpPrefix& out, std::string& error) {
    const std::size_t slash = text.find('/');
    const std::string addr(text.substr(0, slash));
    IpPrefix p;
    p.ipv6 = addr.find(':') != std::string::npos;
    const int family = p.ipv6 ? AF_INET6 : AF_INET;
    if (addr.empty() || inet_pton(family, addr.c_str(), p.addr.data()) != 1) {
        error = fmt::format("\"{}\" is not an IP{} address", addr, p.ipv6 ? "v6" : "v4");
        return false;
    }
    const unsigned max_len = p.ipv6 ? 128 : 32;
    unsigned len = max_len;
    if (slash != std::string_view::npos) {
        const std::string_view n = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), len);
        if (n.empty() || ec != std::errc{} || end != n.data() + n.size() || len > max_len) {
            error = fmt::format("\"{}\": prefix length must be 0 to {}", text, max_len);
            return false;
        }
    }
    p.length = static_cast<std::uint8_t>(len);
    const std::size_t bytes = p.ipv6 ? 16 : 4;
    for (std::size_t i = 0; i < bytes; ++i) {
        const unsigned keep = len >= 8 * (i + 1) ? 8
                              : len > 8 * i      ? len - 8 * static_cast<unsigned>(i)
                                                 : 0;
        const auto mask = static_cast<std::uint8_t>(keep == 0 ? 0 : 0xFF << (8 - keep));
        if ((p.addr[i] & ~mask & 0xFF) != 0) {
            IpPrefix network = p;
            for (std::size_t j = i; j < bytes; ++j) {
                network.addr[j] = j == i ? static_cast<std::uint8_t>(p.addr[j] & mask) : 0;
            }
            error = fmt::format("\"{}\" has host bits set: did you mean {}?", text,
                                format_ip_prefix(network));
            return false;
        }
    }
    out = p;
    return true;
}

std::string format_ip_prefix(const IpPrefix& p) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(p.ipv6 ? AF_INET6 : AF_INET, p.addr.data(), buf, sizeof buf);
    if (p.length == (p.ipv6 ? 128 : 32)) {
        return buf;
    }
    return fmt::format("{}/{}", buf, p.length);
}

}  // namespace fm::config
