// SPDX-License-Identifier: BSD-3-Clause
// Helpers of the pipeline tests: the single-threaded oracle (tests/support/reference_run.hpp),
// runs of the program's path (daemon::Run) with N workers read back from their CSV file and
// multiset comparison with a readable diff; the generic helpers come from tests/support.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/run.hpp"
#include "output/csv_format.hpp"
#include "reference_run.hpp"
#include "shared_dir.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::pipeline_test {

/// The sanitizer builds run the reduced forms of the large cases (see each test).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

/// ThreadSanitizer runs 5 to 15 times slower than ASan: the TSan build runs the reduced form of
/// the large generated capture, the ASan build its full size.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

inline constexpr Profile kAllProfiles[] = {Profile::V4, Profile::Cic2018, Profile::Cic2017,
                                           Profile::Fixed};
inline constexpr std::uint32_t kWorkerCounts[] = {1, 2, 4, 8};

/// Rows of one run, each without its '\n', in the order they were written.
using Rows = test_support::ReferenceRows;
using test_support::reference_run;

using test_support::split_lines;

/// The program's path (daemon::run_to_end) over lent sources, writing one CSV file in a fresh
/// temporary directory; `csv` receives the rows as written (header removed). The directory is
/// removed afterwards.
inline daemon::PipelineResult run_to_memory(const config::DaemonConfig& cfg,
                                            std::vector<capture::PacketSource*> sources,
                                            std::string& csv,
                                            daemon::PipelineOptions options = {}) {
    const test_support::TempDir dir("fm-pipeline");
    config::DaemonConfig run_cfg = cfg;
    run_cfg.output.file = dir.file("flows.csv");
    run_cfg.output.fsync = false;
    daemon::RunOptions run_options;
    run_options.sources = std::move(sources);
    run_options.pipeline = options;
    const daemon::PipelineResult r = daemon::run_to_end(run_cfg, std::move(run_options));
    // A run that wrote nothing may leave no file: no rows.
    const std::string all = std::filesystem::exists(run_cfg.output.file)
                                ? test_support::read_file(run_cfg.output.file)
                                : std::string();
    const std::size_t header_end = all.find('\n');
    csv = header_end == std::string::npos ? std::string() : all.substr(header_end + 1);
    return r;
}

/// A run of the program's path with `workers` workers; checks the stage counters agree.
inline Rows pipeline_run(config::DaemonConfig cfg, capture::PacketSource& source,
                         std::uint32_t workers, daemon::PipelineResult* result_out = nullptr) {
    cfg.pipeline.workers = workers;
    // Small queues: thousands of short runs should not spend their time allocating blocks.
    cfg.pipeline.queue_capacity = std::min<std::uint32_t>(cfg.pipeline.queue_capacity, 8192);
    std::string csv;
    const daemon::PipelineResult r = run_to_memory(cfg, {&source}, csv);
    Rows out;
    out.lines = split_lines(csv);
    out.flow = r.flow;
    out.frames = r.stats.packets_read;
    out.decoded = r.stats.packets_decoded;
    // Every stage hands on exactly what it got: nothing is lost between threads.
    EXPECT_TRUE(r.capture_error.empty()) << r.capture_error;
    EXPECT_EQ(r.stats.packets_dispatched, r.stats.packets_decoded);
    EXPECT_EQ(r.stats.worker_packets, r.stats.packets_dispatched);
    EXPECT_EQ(r.flow.packets_in, r.stats.packets_dispatched);
    EXPECT_EQ(r.stats.rows_emitted, r.flow.rows_emitted);
    EXPECT_EQ(r.stats.rows_queued, r.flow.rows_emitted);
    EXPECT_EQ(r.writer.rows_written, r.flow.rows_emitted);
    EXPECT_EQ(out.lines.size(), r.writer.rows_written);
    EXPECT_EQ(r.stats.workers.size(), workers);
    if (result_out != nullptr) {
        *result_out = r;
    }
    return out;
}

/// Compares two runs as multisets of rows; on a difference names the first rows that differ.
inline ::testing::AssertionResult same_multiset(std::vector<std::string> a,
                                                std::vector<std::string> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a == b) {
        return ::testing::AssertionSuccess();
    }
    std::vector<std::string> only_a;
    std::vector<std::string> only_b;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(only_a));
    std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(only_b));
    auto res = ::testing::AssertionFailure();
    res << a.size() << " vs " << b.size() << " rows; " << only_a.size() << " only in the first, "
        << only_b.size() << " only in the second";
    for (std::size_t i = 0; i < std::min<std::size_t>(only_a.size(), 3); ++i) {
        res << "\n  first only:  " << only_a[i].substr(0, 200);
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(only_b.size(), 3); ++i) {
        res << "\n  second only: " << only_b[i].substr(0, 200);
    }
    return res;
}

using test_support::shared_capture_files;
using test_support::shared_dir;

}  // namespace fm::pipeline_test
