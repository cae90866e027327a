// SPDX-License-Identifier: BSD-3-Clause
// The harness's only contact with the pipeline: config::DaemonConfig, capture::PacketSource and
// daemon::run_to_end (daemon/run.hpp), the same Run that flowmeterd builds, with the harness's
// sources lent through RunOptions; rows go through the real writer thread to rotating files.
#include "flowmeter_bench/run_scenario.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "config/config.hpp"
#include "daemon/run.hpp"
#include "flowmeter_bench/memory_source.hpp"
#include "flowmeter_bench/paced_source.hpp"

namespace fm::bench {
namespace {

/// A fresh directory for the CSV files, removed with them afterwards.
class ScratchDir {
public:
    ScratchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "flowmeter-bench-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a temporary directory for the CSV output");
        }
        path_ = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

config::DaemonConfig make_config(const FrameStore& store, const RunSpec& spec,
                                 const std::string& dir) {
    config::DaemonConfig cfg;
    cfg.pipeline.workers = spec.workers;
    cfg.flow.profile = spec.profile;
    // Room for every flow of the traffic at once, with slack for the timed-out flows of the
    // previous loop, so that no flow is ended early for lack of room.
    const std::uint64_t want = 2 * std::max(store.concurrent_flows, store.flows_per_loop);
    cfg.flow.max_flows =
        static_cast<std::uint32_t>(std::clamp<std::uint64_t>(want, cfg.flow.max_flows, 1ull << 30));
    // Paced input is live input for the pipeline (one capture lane per source, as for a NIC
    // queue); the memory source is read like a capture file.
    cfg.capture.source =
        spec.rate_pps > 0 ? config::CaptureSource::PcapLive : config::CaptureSource::PcapFile;
    // Rotating files, as the daemon writes them; at most a few files kept on disk.
    cfg.output.file.clear();
    cfg.output.directory = dir;
    cfg.output.file_prefix = "bench";
    cfg.output.keep_files = 2;
    return cfg;
}

}  // namespace

std::uint32_t default_workers() {
    return config::DaemonConfig{}.pipeline.workers;
}

std::int64_t flow_timeout_us() {
    return config::DaemonConfig{}.flow.flow_timeout_us;
}

RunResult run_scenario(const FrameStore& store, const RunSpec& spec) {
    RunResult r;
    r.spec = spec;
    const ScratchDir dir;
    const config::DaemonConfig cfg = make_config(store, spec, dir.path());
    std::optional<MemorySource> memory;
    std::optional<PacedSource> paced;
    capture::PacketSource* source = nullptr;
    if (spec.rate_pps > 0) {
        source = &paced.emplace(store, spec.rate_pps, spec.duration_s, spec.ring);
    } else {
        source = &memory.emplace(store, spec.duration_s);
    }

    daemon::RunOptions options;
    options.sources = {source};
    // Flows expire by packet time, not by the wall clock: the same frames give the same rows
    // at any rate, and the loops' time shift (longer than the flow timeout) ends every flow.
    options.pipeline.expire_with_clock = false;

    reset_peak_rss();
    r.rss_before_bytes = rss_bytes();
    ThreadCpuSampler sampler;
    const auto t0 = std::chrono::steady_clock::now();
    daemon::PipelineResult result;
    try {
        result = daemon::run_to_end(cfg, options);
    } catch (const std::exception& e) {
        if (paced) {
            paced->stop();
        }
        throw std::runtime_error(fmt::format("pipeline: {}", e.what()));
    }
    const auto t1 = std::chrono::steady_clock::now();
    r.stages = sampler.finish();
    r.peak_rss_bytes = peak_rss_bytes();

    std::uint64_t wire_bytes = 0;
    if (paced) {
        paced->join();
        r.offered = paced->offered();
        r.dropped = paced->dropped();
        r.delivered = paced->delivered();
        r.offer_s = paced->offer_seconds();
        wire_bytes = paced->wire_bytes();
    } else {
        r.delivered = memory->packets_read();
        r.offered = r.delivered;
        r.offer_s = memory->elapsed_s();
        wire_bytes = memory->wire_bytes();
    }
    // The source starts its clock at its first batch: the rest of the start-up is not counted.
    const double total_s = std::chrono::duration<double>(t1 - t0).count();
    r.wall_s = total_s;
    if (r.offer_s <= 0) {
        r.offer_s = total_s;
    }
    r.offered_pps = static_cast<double>(r.offered) / r.offer_s;
    r.achieved_pps = static_cast<double>(r.delivered) / r.offer_s;
    r.achieved_gbps = (static_cast<double>(wire_bytes) + 4.0 * static_cast<double>(r.delivered)) *
                      8.0 / r.offer_s / 1e9;
    r.rows = result.writer.rows_written;
    r.rows_per_s = static_cast<double>(r.rows) / r.wall_s;
    r.queue_full_waits = result.stats.queue_full_waits;
    // Flows open at once: the model's figure, or for a capture file the flows of one pass
    // (an upper bound, so bytes_per_flow is then a lower bound); never more than the flows
    // the run created (a short run may not reach the model's peak).
    r.flows_created = result.flow.flows_created;
    std::uint64_t flows = std::min(store.concurrent_flows, r.flows_created);
    if (store.concurrent_flows == 0 && r.delivered != 0) {
        flows = static_cast<std::uint64_t>(
            static_cast<double>(result.flow.flows_created) *
            static_cast<double>(std::min<std::uint64_t>(store.size(), r.delivered)) /
            static_cast<double>(r.delivered));
    }
    if (flows != 0 && r.peak_rss_bytes > r.rss_before_bytes) {
        r.bytes_per_flow =
            static_cast<double>(r.peak_rss_bytes - r.rss_before_bytes) / static_cast<double>(flows);
    }
    if (!result.capture_error.empty()) {
        r.error = result.capture_error;
    } else if (!result.source_errors.empty()) {
        r.error = result.source_errors.front();
    }
    return r;
}

}  // namespace fm::bench
