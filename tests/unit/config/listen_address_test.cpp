// SPDX-License-Identifier: BSD-3-Clause
// metrics.listen: the address forms accepted, and the FILE:LINE: key: message of a bad one.
#include "config/listen_address.hpp"

#include <string>

#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace fm::config {
namespace {

TEST(ListenAddress, AcceptsNumericAddresses) {
    ListenAddress a;
    std::string error;
    ASSERT_TRUE(parse_listen_address("127.0.0.1:9464", a, error)) << error;
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_FALSE(a.ipv6);
    EXPECT_EQ(a.port, 9464);
    EXPECT_EQ(a.to_string(), "127.0.0.1:9464");
    ASSERT_TRUE(parse_listen_address("[::1]:0", a, error)) << error;
    EXPECT_EQ(a.host, "::1");
    EXPECT_TRUE(a.ipv6);
    EXPECT_EQ(a.port, 0);
    EXPECT_EQ(a.to_string(), "[::1]:0");
    ASSERT_TRUE(parse_listen_address("0.0.0.0:65535", a, error)) << error;
    ASSERT_TRUE(parse_listen_address("[::]:9464", a, error)) << error;
}

TEST(ListenAddress, RefusesOtherForms) {
    for (const char* bad : {"9464", "localhost:9464", "::1:9464", "[::1]",
                            "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:94x",
                            "[127.0.0.1]:1", "1.2.3:80", ":9464", "[::1", "[::1]9464", "[]:1"}) {
        ListenAddress a;
        std::string error;
        EXPECT_FALSE(parse_listen_address(bad, a, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

TEST(ListenAddress, ConfigErrorNamesFileLineAndKey) {
    const LoadedConfig l = parse_config_text(
        "capture:\n  files: [a.pcap]\nmetrics:\n  listen: \"localhost:9464\"\n", "m.yaml");
    try {
        validate(l.config, l.origins);
        FAIL() << "accepted a host name";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), "m.yaml:4");
        EXPECT_EQ(e.key(), "metrics.listen");
        EXPECT_NE(e.message().find("\"localhost\" is not a numeric IPv4 address"),
                  std::string::npos)
            << e.what();
    }
}

TEST(ListenAddress, ConfigRoundTripAndOffByDefault) {
    EXPECT_TRUE(DaemonConfig{}.metrics.listen.empty());
    const LoadedConfig l = parse_config_text(
        "capture:\n  files: [a.pcap]\nmetrics:\n  listen: \"[::1]:9464\"\n", "m.yaml");
    EXPECT_EQ(l.config.metrics.listen, "[::1]:9464");
    BuildFeatures build;
    build.metrics = true;
    EXPECT_NO_THROW(validate(l.config, l.origins, build));
    EXPECT_EQ(parse_config_text(to_yaml(l.config), "again.yaml").config, l.config);
}

TEST(ListenAddress, BuildWithoutTheEndpointRefusesTheKey) {
    const LoadedConfig l = parse_config_text(
        "capture:\n  files: [a.pcap]\nmetrics:\n  listen: \"127.0.0.1:9464\"\n", "m.yaml");
    BuildFeatures build;
    build.metrics = false;
    try {
        validate(l.config, l.origins, build);
        FAIL() << "accepted metrics.listen without the endpoint";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.where(), "m.yaml:4");
        EXPECT_NE(e.message().find("built without the metrics endpoint"), std::string::npos);
    }
}

}  // namespace
}  // namespace fm::config
