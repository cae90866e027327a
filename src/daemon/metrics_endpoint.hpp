// SPDX-License-Identifier: BSD-3-Clause
// The Prometheus endpoint of a run (metrics.listen): what one scrape reads from the running
// stages, and the server that answers scrapes on its own thread. It reads the per-thread
// counters with relaxed loads only (Run::snapshot, Pipeline::stats), never a lock the packet
// path takes.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "config/config_loader.hpp"
#include "daemon/run.hpp"
#include "metrics/series.hpp"

namespace fm::daemon {

/// Every figure of `run` for one scrape. Any thread.
metrics::MetricsSample metrics_sample(const Run& run, const config::DaemonConfig& cfg);

/// Serves `run`'s metrics while it exists; destroy it before the run.
class MetricsEndpoint {
public:
    virtual ~MetricsEndpoint() = default;
    /// "http://127.0.0.1:41234/metrics": the address actually listened on.
    virtual std::string url() const = 0;
};

/// Starts the endpoint when cfg.metrics.listen is set (nullptr otherwise). An address that
/// cannot be listened on is a ConfigError naming where metrics.listen was set.
std::unique_ptr<MetricsEndpoint> start_metrics_endpoint(const Run& run,
                                                        const config::DaemonConfig& cfg,
                                                        const config::Origins& origins);

}  // namespace fm::daemon
