// SPDX-License-Identifier: BSD-3-Clause
// The number of flow workers must not change what flowmeterd writes: `--workers 1`, 2 and 4 on
// the same capture give the same multiset of rows through the whole program (capture,
// dispatch, workers, writer thread, file), and that multiset is exactly what the
// single-threaded test oracle (tests/support/reference_run.hpp: capture -> decoder -> one flow
// engine -> CSV on one thread) makes of the capture. Run on reference captures of
// $FM_SHARED_DIR/pcaps (several link types, pcapng, fragments, many flows) and on a flowgen capture
// with thousands of concurrent flows. The pipeline's own tests check the same in-process, in more
// depth. Usage: daemon_workers PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "common/profile.hpp"
#include "config/config.hpp"
#include "daemon_support.hpp"
#include "reference_run.hpp"

namespace fm::daemon_test {
namespace {

struct Case {
    std::string capture;  ///< below $FM_SHARED_DIR/pcaps
    std::string profile;
};

class WorkerRuns : public ::testing::Test {
protected:
    /// Runs `flowmeterd -f CAPTURE -o OUT --workers N --profile P` and returns the CSV.
    Csv run(const std::string& capture, const std::string& profile, int workers) {
        // Appended, not "w" + to_string(...): GCC 12 at -O3 reports a false -Wrestrict for
        // operator+(const char*, std::string&&) (GCC bug 105329).
        std::string stem = "w";
        stem += std::to_string(workers);
        const std::string out = dir_.file(stem + ".csv");
        const std::string log = dir_.file(stem + ".log");
        const int rc = run_program({programs().flowmeterd, "-f", capture, "-o", out, "--profile",
                                    profile, "--workers", std::to_string(workers)},
                                   log);
        EXPECT_EQ(rc, 0) << slurp(log);
        return rc == 0 ? read_csv(out) : Csv{};
    }

    void check_invariance(const std::string& capture, const std::string& profile) {
        // The single-threaded oracle, in this process, with the program's defaults.
        config::DaemonConfig cfg;
        const std::optional<Profile> p = parse_profile(profile);
        ASSERT_TRUE(p.has_value()) << profile;
        cfg.flow.profile = *p;
        const test_support::ReferenceRows reference = test_support::reference_run(cfg, capture);
        ASSERT_GT(reference.lines.size(), 0U) << capture << " gave no rows";
        const RowCounts want = count_rows(reference.lines);
        for (const int workers : {1, 2, 4}) {
            const Csv got = run(capture, profile, workers);
            EXPECT_EQ(got.header, reference.header);
            const std::string diff = diff_rows(want, count_rows(got.rows));
            EXPECT_TRUE(diff.empty()) << capture << ": flowmeterd --workers " << workers
                                      << " vs the single-threaded path: " << diff;
        }
    }

    TempDir dir_;
};

class DaemonWorkers : public WorkerRuns, public ::testing::WithParamInterface<Case> {};

using DaemonWorkersFlowgen = WorkerRuns;

TEST_P(DaemonWorkers, SameRowsForOneTwoAndFourWorkers) {
    const std::string shared = shared_dir();
    ASSERT_FALSE(shared.empty());
    const std::string capture = shared + "/pcaps/" + GetParam().capture;
    ASSERT_TRUE(fs::exists(capture)) << capture << " missing from the reference data";
    check_invariance(capture, GetParam().profile);
}

INSTANTIATE_TEST_SUITE_P(SharedCaptures, DaemonWorkers,
                         ::testing::Values(Case{"large/echo-connections.pcap", "fixed"},
                                           Case{"large/many-protocols.pcap", "v4"},
                                           Case{"large/amp.UDP.bacnet.IOT.37810.pcapng", "cic2018"},
                                           Case{"large/ip-frag.pcap", "fixed"},
                                           Case{"cic-sample/test.pcap", "cic2017"},
                                           Case{"large/pkt.TCP.synflood.spoofed.pcap", "fixed"}),
                         [](const ::testing::TestParamInfo<Case>& p) {
                             std::string name = p.param.capture + "_" + p.param.profile;
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) {
                                     c = '_';
                                 }
                             }
                             return name;
                         });

TEST_F(DaemonWorkersFlowgen, SameRowsOnAFlowgenCaptureWithManyConcurrentFlows) {
    const std::string pcap = dir_.file("gen.pcap");
    const std::string log = dir_.file("flowgen.log");
    ASSERT_TRUE(
        exits_zero({programs().flowgen, "--flows", "5000", "--concurrency", "2000", "--duration",
                    "20", "--seed", "5", "--ipv6-share", "0.3", "--quiet", "-o", pcap},
                   log));
    check_invariance(pcap, "fixed");
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
