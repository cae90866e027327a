// SPDX-License-Identifier: BSD-3-Clause
// daemon/list_interfaces (-l): the loopback interface is listed with its state and its IPv4
// address and prefix, as libpcap reports them on every Linux host.
#include "daemon/list_interfaces.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fm::daemon {
namespace {

TEST(ListInterfaces, ShowsLoopbackWithAddress) {
    const std::string text = list_interfaces();
    const auto lo = text.find(". lo [");
    ASSERT_NE(lo, std::string::npos) << text;
    const auto line_end = text.find('\n', lo);
    EXPECT_NE(text.substr(lo, line_end - lo).find("loopback"), std::string::npos) << text;
    EXPECT_NE(text.find("    inet 127.0.0.1/8\n", line_end), std::string::npos) << text;
    EXPECT_EQ(text.rfind("1. ", 0), 0u) << "entries are numbered from 1: " << text;
}

}  // namespace
}  // namespace fm::daemon
