// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd-metrics's entry (metrics/metrics_module.hpp).
#include "metrics/metrics_module.hpp"

#include <utility>

#include "common/module_header.hpp"
#include "metrics/metrics_server.hpp"

namespace fm::metrics {

namespace {

std::unique_ptr<ScrapeServer> listen_http(const config::ListenAddress& address,
                                          std::function<std::string()> render) {
    return std::make_unique<MetricsServer>(address, std::move(render));
}

constexpr MetricsModuleApi kApi{&listen_http};
constexpr modules::ModuleHeader kHeader = modules::module_header("metrics", &kApi);

}  // namespace

}  // namespace fm::metrics

const fm::modules::ModuleHeader* flowmeterd_module_metrics() noexcept {
    return &fm::metrics::kHeader;
}
