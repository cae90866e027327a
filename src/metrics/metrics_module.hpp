// SPDX-License-Identifier: BSD-3-Clause
// The entry points of the loadable module flowmeterd-metrics (common/module_abi.hpp): the HTTP
// server of the Prometheus endpoint (metrics/metrics_server.hpp), so that only a configuration
// with metrics.listen maps libmicrohttpd.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/module_abi.hpp"
#include "config/listen_address.hpp"

namespace fm::metrics {

/// The endpoint cannot listen (address in use, not available on this host, no permission).
class MetricsError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A server answering scrapes until destroyed.
class ScrapeServer {
public:
    virtual ~ScrapeServer() = default;
    /// "http://127.0.0.1:9464/metrics": the address actually listened on.
    virtual std::string url() const = 0;
};

struct MetricsModuleApi {
    /// MetricsServer(address, render): listens, then serves GET /metrics with what `render`
    /// returns, on its own thread. Throws MetricsError (metrics_server.hpp).
    std::unique_ptr<ScrapeServer> (*listen)(const config::ListenAddress& address,
                                            std::function<std::string()> render);
};

}  // namespace fm::metrics

/// The module's header (see capture/dpdk_module.hpp for the same pattern).
extern "C" const fm::modules::ModuleHeader* flowmeterd_module_metrics() noexcept;
