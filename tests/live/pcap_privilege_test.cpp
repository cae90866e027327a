// SPDX-License-Identifier: BSD-3-Clause
// Live capture without the privilege for it: the error names the missing capability
// (CAP_NET_RAW) and both ways to grant it (setcap, systemd AmbientCapabilities=), and carries
// exit status 77 (EX_NOPERM). Runs as any user: as root, the child drops root first.
#include <cstdio>

#include <grp.h>
#include <sys/types.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "capture/capture_error.hpp"
#include "capture/pcap_live_source.hpp"

namespace fm::live_test {
namespace {

/// Opens a capture without any privilege (dropping root first when the test runs as root) and
/// exits with the status main() would use.
[[noreturn]] void open_without_privilege() {
    if (geteuid() == 0) {
        // Leaving uid 0 clears every capability (no SECBIT_KEEP_CAPS).
        if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 ||
            setresuid(65534, 65534, 65534) != 0) {
            std::fprintf(stderr, "cannot drop root\n");
            _exit(3);
        }
    }
    config::CaptureConfig cfg;
    cfg.source = config::CaptureSource::PcapLive;
    cfg.interface = "lo";
    try {
        capture::PcapLiveSource src(cfg);
        std::fprintf(stderr, "capture opened without privilege\n");
        _exit(0);
    } catch (const capture::CaptureError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        _exit(e.exit_code());
    }
}

TEST(PcapLivePrivilege, WithoutCapNetRawTheErrorNamesItAndExits77) {
    EXPECT_EXIT(open_without_privilege(), testing::ExitedWithCode(77),
                "CAP_NET_RAW.*setcap cap_net_raw\\+ep.*AmbientCapabilities=CAP_NET_RAW");
}

}  // namespace
}  // namespace fm::live_test
