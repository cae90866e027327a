// SPDX-License-Identifier: BSD-3-Clause
// DPDK set-up errors that a user makes: a port that does not exist is a configuration error
// (exit 78) whose message lists the ports there are. A program of its own (one EAL per
// process); uses only the net_null virtual device, so it needs neither root nor hugepages.
#include <string>

#include <gtest/gtest.h>

#include "capture/capture_error.hpp"
#include "capture/dpdk_source.hpp"
#include "dpdk_test_eal.hpp"

namespace fm::live_test {
namespace {

TEST(DpdkErrors, UnknownPortIsAConfigErrorListingThePorts) {
    config::CaptureConfig cfg;
    cfg.source = config::CaptureSource::Dpdk;
    cfg.dpdk.eal_args = test_eal_args(128, {"--vdev=net_null0"});
    cfg.dpdk.ports = {0, 5};
    try {
        capture::DpdkCapture dpdk(cfg);
        FAIL() << "port 5 was accepted";
    } catch (const capture::CaptureError& e) {
        const std::string what = e.what();
        EXPECT_EQ(e.kind(), capture::CaptureError::Kind::Config) << what;
        EXPECT_EQ(e.exit_code(), 78);
        EXPECT_NE(what.find("capture.dpdk.ports: port 5 does not exist"), std::string::npos)
            << what;
        EXPECT_NE(what.find("0 (net_null)"), std::string::npos) << what;
    }
}

}  // namespace
}  // namespace fm::live_test
