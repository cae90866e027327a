// SPDX-License-Identifier: BSD-3-Clause
// ip_prefix_text: CIDR text of labelling rules, IPv4 and IPv6, and the text written back.
#include "config/ip_prefix_text.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fm::config {
namespace {

IpPrefix parse(std::string_view s) {
    IpPrefix p;
    std::string error;
    EXPECT_TRUE(parse_ip_prefix(s, p, error)) << s << ": " << error;
    return p;
}

std::string error_of(std::string_view s) {
    IpPrefix p;
    std::string error;
    EXPECT_FALSE(parse_ip_prefix(s, p, error)) << s << " was accepted";
    return error;
}

TEST(IpPrefixText, Ipv4) {
    const IpPrefix host = parse("192.168.10.50");
    EXPECT_FALSE(host.ipv6);
    EXPECT_EQ(host.length, 32);
    EXPECT_EQ(host.addr[0], 192);
    EXPECT_EQ(host.addr[3], 50);
    EXPECT_EQ(host.addr[4], 0);
    EXPECT_EQ(parse("10.0.0.0/8").length, 8);
    EXPECT_EQ(parse("0.0.0.0/0").length, 0);
    EXPECT_EQ(parse("172.16.0.0/12").addr[1], 16);
    EXPECT_EQ(format_ip_prefix(parse("10.0.0.0/8")), "10.0.0.0/8");
    EXPECT_EQ(format_ip_prefix(host), "192.168.10.50");
}

TEST(IpPrefixText, Ipv6) {
    const IpPrefix p = parse("2001:DB8::/32");
    EXPECT_TRUE(p.ipv6);
    EXPECT_EQ(p.length, 32);
    EXPECT_EQ(format_ip_prefix(p), "2001:db8::/32");
    EXPECT_EQ(parse("::1").length, 128);
    EXPECT_EQ(format_ip_prefix(parse("fe80::1:2")), "fe80::1:2");
    EXPECT_EQ(parse("::/0").length, 0);
    EXPECT_EQ(parse("2001:db8:0:1::/65").length, 65);
}

TEST(IpPrefixText, Refusals) {
    EXPECT_NE(error_of("10.0.0.1/8").find("did you mean 10.0.0.0/8?"), std::string::npos);
    EXPECT_NE(error_of("2001:db8::1/64").find("did you mean 2001:db8::/64?"), std::string::npos);
    EXPECT_EQ(parse("2001:db8:0:1:8000::/65").length, 65);  // bit 65 is inside a /65
    EXPECT_NE(error_of("2001:db8:0:1:4000::/65").find("did you mean 2001:db8:0:1::/65?"),
              std::string::npos);
    EXPECT_NE(error_of("10.0.0.0/33").find("0 to 32"), std::string::npos);
    EXPECT_NE(error_of("::/129").find("0 to 128"), std::string::npos);
    EXPECT_NE(error_of("10.0.0.0/").find("prefix length"), std::string::npos);
    EXPECT_NE(error_of("10.0.0.0/+8").find("prefix length"), std::string::npos);
    EXPECT_NE(error_of("10.0.0").find("not an IPv4 address"), std::string::npos);
    EXPECT_NE(error_of("host.example").find("not an IPv4 address"), std::string::npos);
    EXPECT_NE(error_of("").find("not an IPv4 address"), std::string::npos);
    EXPECT_NE(error_of("1::2::3").find("not an IPv6 address"), std::string::npos);
}

}  // namespace
}  // namespace fm::config
