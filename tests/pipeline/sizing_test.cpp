// SPDX-License-Identifier: BSD-3-Clause
// Flow tables and worker queues sized to the capture (PipelineOptions::max_input_packets): a
// Run over capture files bounds each shard's table by the packets the files can hold (size /
// 16, plus slack), never above flow.max_flows per worker, and by -c; lent sources keep the
// configured sizes. The rows do not change: a run over the same capture with a table of a
// million flows writes the same bytes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "config/config.hpp"
#include "daemon/run.hpp"
#include "flowgen/pcap_writer.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::daemon {
namespace {

using test_support::read_file;
using test_support::TempDir;

/// A capture of `n` UDP packets of distinct flows (60-byte frames): 24 + n * 76 bytes.
std::string write_capture(const TempDir& dir, std::uint32_t n) {
    const std::string path = dir.file("in.pcap");
    flowgen::PcapWriter w(path, flowgen::TsPrecision::Micro);
    for (std::uint32_t i = 0; i < n; ++i) {
        std::vector<std::uint8_t> f(60, 0);
        f[12] = 0x08;  // IPv4
        f[14] = 0x45;
        f[17] = 46;  // total length
        f[22] = 64;  // ttl
        f[23] = 17;  // UDP
        f[26] = 10;
        f[28] = static_cast<std::uint8_t>(i >> 8);
        f[29] = static_cast<std::uint8_t>(i);
        f[30] = 10;
        f[33] = 1;
        f[34] = 0x30;  // source port 12345
        f[35] = 0x39;
        f[37] = 53;
        f[39] = 26;  // UDP length
        w.write(1'700'000'000'000'000'000LL + i * 1'000LL, f, 60);
    }
    w.close();
    return path;
}

config::DaemonConfig file_config(const TempDir& dir, const std::string& capture) {
    config::DaemonConfig cfg;
    cfg.capture.files = {capture};
    cfg.output.file = dir.file("out.csv");
    cfg.output.fsync = false;
    cfg.pipeline.workers = 2;
    return cfg;
}

TEST(Sizing, TablesAndQueuesFollowTheCaptureSize) {
    TempDir dir;
    const std::string capture = write_capture(dir, 100);
    const auto size = std::filesystem::file_size(capture);
    ASSERT_EQ(size, 24U + 100U * 76U);
    config::DaemonConfig cfg = file_config(dir, capture);
    const std::uint64_t bound = size / 16 + 4096;
    {
        const daemon::Run run(cfg);
        EXPECT_EQ(run.pipeline().shard_capacity(), bound);
        EXPECT_EQ(run.pipeline().queue_capacity(), bound);
    }
    cfg.flow.max_flows = 1000;  // below the bound: max_flows per worker decides
    {
        const daemon::Run run(cfg);
        EXPECT_EQ(run.pipeline().shard_capacity(), 500U);
    }
    cfg.flow.max_flows = 1'000'000;
    cfg.capture.max_packets = 10;  // -c bounds it further
    {
        const daemon::Run run(cfg);
        EXPECT_EQ(run.pipeline().shard_capacity(), 10U);
    }
}

TEST(Sizing, LentSourcesKeepTheConfiguredSizes) {
    TempDir dir;
    const std::string capture = write_capture(dir, 10);
    capture::CaptureFileReader reader(capture);
    config::DaemonConfig cfg = file_config(dir, capture);
    RunOptions options;
    options.sources = {&reader};
    const daemon::Run run(cfg, options);
    EXPECT_EQ(run.pipeline().shard_capacity(), cfg.flow.max_flows / 2);
    EXPECT_EQ(run.pipeline().queue_capacity(), cfg.pipeline.queue_capacity);
}

TEST(Sizing, RowsAreThoseOfAFullSizeTable) {
    TempDir dir;
    const std::string capture = write_capture(dir, 3000);
    config::DaemonConfig cfg = file_config(dir, capture);
    cfg.pipeline.workers = 1;
    const PipelineResult sized = run_to_end(cfg);
    EXPECT_EQ(sized.writer.rows_written, 3000U);
    const std::string sized_csv = read_file(cfg.output.file);

    capture::CaptureFileReader reader(capture);
    RunOptions options;
    options.sources = {&reader};  // lent: a table of flow.max_flows
    run_to_end(cfg, options);
    EXPECT_TRUE(read_file(cfg.output.file) == sized_csv);
}

}  // namespace
}  // namespace fm::daemon
