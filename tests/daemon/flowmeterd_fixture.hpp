// SPDX-License-Identifier: BSD-3-Clause
// A test fixture for running flowmeterd as a user does, with one flowgen capture made once per
// test suite and its plain offline output (`flowmeterd -f in.pcap -o offline.csv`) to compare
// with: each test runs flowmeterd with its own flags or configuration in a scratch directory
// of its own and reads what the program printed.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon_support.hpp"

namespace fm::daemon_test {

class FlowmeterdFixture : public ::testing::Test {
protected:
    /// flowgen's shape of the suite's capture.
    struct CaptureShape {
        int flows = 0;
        int concurrency = 0;
        int seed = 0;
    };

    /// Makes the suite's capture (5 s of traffic) and its offline output; call it from the
    /// derived fixture's SetUpTestSuite().
    static void make_suite_capture(const CaptureShape& shape) {
        suite_dir_ = std::make_unique<TempDir>();
        pcap_ = suite_dir_->file("in.pcap");
        offline_ = suite_dir_->file("offline.csv");
        ASSERT_TRUE(exits_zero({programs().flowgen, "--flows", std::to_string(shape.flows),
                                "--concurrency", std::to_string(shape.concurrency), "--duration",
                                "5", "--seed", std::to_string(shape.seed), "--quiet", "-o", pcap_},
                               suite_dir_->file("flowgen.log")));
        ASSERT_TRUE(exits_zero({programs().flowmeterd, "-f", pcap_, "-o", offline_},
                               suite_dir_->file("offline.log")));
    }
    static void TearDownTestSuite() { suite_dir_.reset(); }

    /// Runs flowmeterd with `args` (at most 60 s); returns the exit status, its output in
    /// output_.
    int flowmeterd(std::vector<std::string> args) {
        args.insert(args.begin(), programs().flowmeterd);
        const std::string log = tmp_.file("run.log");
        const int rc = run_program(args, log, std::chrono::seconds(60));
        output_ = slurp(log);
        return rc;
    }

    /// Writes `yaml` as the test's configuration file; returns its path.
    std::string config(const std::string& yaml) {
        const std::string path = tmp_.file("cfg.yaml");
        write_file(path, yaml);
        return path;
    }

    static inline std::unique_ptr<TempDir> suite_dir_;
    static inline std::string pcap_;     ///< the suite's capture
    static inline std::string offline_;  ///< its offline CSV
    TempDir tmp_;                        ///< the test's own scratch directory
    std::string output_;                 ///< what the last flowmeterd() printed
};

}  // namespace fm::daemon_test
