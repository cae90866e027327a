// SPDX-License-Identifier: BSD-3-Clause
// The HTTP side of the Prometheus endpoint: GET /metrics answered with what `render` returns, in
// the text format 0.0.4, by libmicrohttpd's own thread. The listening socket is opened here, so
// a bad or busy address is reported with the system's reason before the run starts, and port 0
// gives the port the kernel chose. Nothing here touches the data path: `render` reads counters
// with relaxed loads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "config/listen_address.hpp"
#include "metrics/metrics_module.hpp"

struct MHD_Daemon;

namespace fm::metrics {

class MetricsServer final : public ScrapeServer {
public:
    /// Called on the server thread for each scrape; may throw (answered with 500).
    using Render = std::function<std::string()>;

    /// Listens on `address` and serves until destroyed. Throws MetricsError.
    MetricsServer(const config::ListenAddress& address, Render render);
    /// Stops the server thread; a scrape in progress is finished first.
    ~MetricsServer() override;

    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    /// The address actually listened on: port 0 replaced by the port the kernel chose.
    const config::ListenAddress& address() const noexcept { return bound_; }
    /// "http://127.0.0.1:9464/metrics".
    std::string url() const override;

    /// One request (libmicrohttpd callback; public for that callback only).
    int answer(void* connection, const char* url, const char* method);

private:
    config::ListenAddress bound_;
    Render render_;
    MHD_Daemon* daemon_ = nullptr;
};

}  // namespace fm::metrics
