// SPDX-License-Identifier: BSD-3-Clause
#include "daemon/metrics_endpoint.hpp"

#include <utility>

#include "common/profile.hpp"
#include "config/listen_address.hpp"
#include "daemon/cli.hpp"
#include "daemon/modules.hpp"
#include "metrics/metrics_module.hpp"

namespace fm::daemon {

namespace {

class HttpEndpoint final : public MetricsEndpoint {
public:
    explicit HttpEndpoint(std::unique_ptr<metrics::ScrapeServer> server)
        : server_(std::move(server)) {}

    std::string url() const override { return server_->url(); }

private:
    std::unique_ptr<metrics::ScrapeServer> server_;
};

}  // namespace

metrics::MetricsSample metrics_sample(const Run& run, const config::DaemonConfig& cfg) {
    metrics::MetricsSample m;
    m.version = version_string();
    m.profile = std::string(to_string(cfg.flow.profile));
    StatsSnapshot s = run.snapshot();
    m.counters = std::move(s.details);
    for (const auto& [name, value] : run.pipeline().live_flow_counters()) {
        add_counter(m.counters, name, value);
    }
    m.capture_drops = s.capture_drops;
    for (const WorkerSnapshot& w : run.pipeline().stats().workers) {
        m.active_flows.push_back(w.active_flows);
    }
    return m;
}

std::unique_ptr<MetricsEndpoint> start_metrics_endpoint(const Run& run,
                                                        const config::DaemonConfig& cfg,
                                                        const config::Origins& origins) {
    if (cfg.metrics.listen.empty()) {
        return nullptr;
    }
    const std::string where = origins.where("metrics.listen");
    config::ListenAddress address;
    std::string error;
    if (!config::parse_listen_address(cfg.metrics.listen, address, error)) {
        throw config::ConfigError(where, "metrics.listen", error);
    }
    // Loaded by check_start_config() already, before the privileges were dropped.
    const metrics::MetricsModuleApi& http = metrics_module(where);
    try {
        return std::make_unique<HttpEndpoint>(http.listen(
            address, [&run, &cfg] { return metrics::render_metrics(metrics_sample(run, cfg)); }));
    } catch (const metrics::MetricsError& e) {
        throw config::ConfigError(where, "metrics.listen", e.what());
    }
}

}  // namespace fm::daemon
