// SPDX-License-Identifier: BSD-3-Clause
#include "metrics/metrics_server.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
#include <string_view>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "metrics/exposition.hpp"

namespace fm::metrics {

namespace {

/// Scrapes are rare (every few seconds) and small: a few connections are plenty, and a client
/// that stalls is dropped soon.
constexpr unsigned kConnectionLimit = 16;
constexpr unsigned kConnectionTimeoutS = 10;
constexpr int kBacklog = 16;

std::string errno_text(int e) {
    return std::strerror(e);
}

/// A bound, listening socket for `a`; its port is written back to `a` (port 0 resolved).
int open_listener(config::ListenAddress& a) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    const int family = a.ipv6 ? AF_INET6 : AF_INET;
    if (a.ipv6) {
        auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons(a.port);
        if (inet_pton(AF_INET6, a.host.c_str(), &sa->sin6_addr) != 1) {
            throw MetricsError(fmt::format("\"{}\" is not an IPv6 address", a.host));
        }
        length = sizeof(sockaddr_in6);
    } else {
        auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(a.port);
        if (inet_pton(AF_INET, a.host.c_str(), &sa->sin_addr) != 1) {
            throw MetricsError(fmt::format("\"{}\" is not an IPv4 address", a.host));
        }
        length = sizeof(sockaddr_in);
    }
    const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw MetricsError(
            fmt::format("cannot listen on {}: {}", a.to_string(), errno_text(errno)));
    }
    const int on = 1;
    // A restarted daemon can listen again while the old connections are in TIME_WAIT; a port
    // another process listens on is still refused (Linux).
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (a.ipv6) {
        // [::] means IPv6 only; 0.0.0.0 is a separate endpoint.
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || listen(fd, kBacklog) != 0) {
        const int e = errno;
        close(fd);
        throw MetricsError(fmt::format("cannot listen on {}: {}", a.to_string(), errno_text(e)));
    }
    sockaddr_storage bound{};
    socklen_t bound_length = sizeof bound;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_length) == 0) {
        a.port = ntohs(a.ipv6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                              : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    return fd;
}

MHD_Result send_text(MHD_Connection* c, unsigned status, std::string_view body,
                     std::string_view content_type) {
    MHD_Response* r = MHD_create_response_from_buffer(body.size(), const_cast<char*>(body.data()),
                                                      MHD_RESPMEM_MUST_COPY);
    if (r == nullptr) {
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, std::string(content_type).c_str());
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    }
    const MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method,
                      const char* /*version*/, const char* /*upload_data*/,
                      size_t* /*upload_data_size*/, void** /*con_cls*/) {
    return static_cast<MHD_Result>(
        static_cast<MetricsServer*>(cls)->answer(connection, url, method));
}

}  // namespace

MetricsServer::MetricsServer(const config::ListenAddress& address, Render render)
    : bound_(address), render_(std::move(render)) {
    const int fd = open_listener(bound_);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
    if (bound_.ipv6) {
        flags |= MHD_USE_IPv6;
    }
    daemon_ =
        MHD_start_daemon(flags, 0, nullptr, nullptr, &on_request, this, MHD_OPTION_LISTEN_SOCKET,
                         fd, MHD_OPTION_CONNECTION_LIMIT, kConnectionLimit,
                         MHD_OPTION_CONNECTION_TIMEOUT, kConnectionTimeoutS, MHD_OPTION_END);
    if (daemon_ == nullptr) {
        // Not closed here: libmicrohttpd owns a socket given to it and may have closed it on
        // its failure path already (a second close could hit an unrelated descriptor).
        throw MetricsError(
            fmt::format("cannot start the HTTP server on {} (libmicrohttpd)", bound_.to_string()));
    }
}

MetricsServer::~MetricsServer() {
    // Joins the server thread and closes the listening socket.
    MHD_stop_daemon(daemon_);
}

std::string MetricsServer::url() const {
    return fmt::format("http://{}/metrics", bound_.to_string());
}

int MetricsServer::answer(void* connection, const char* url, const char* method) {
    auto* c = static_cast<MHD_Connection*>(connection);
    const std::string_view m(method);
    if (m != MHD_HTTP_METHOD_GET && m != MHD_HTTP_METHOD_HEAD) {
        return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n", "text/plain");
    }
    const std::string_view path(url);
    if (path == "/") {
        return send_text(c, MHD_HTTP_OK, "flowmeterd: Prometheus metrics at /metrics\n",
                         "text/plain; charset=utf-8");
    }
    if (path != "/metrics") {
        return send_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n",
                         "text/plain; charset=utf-8");
    }
    try {
        return send_text(c, MHD_HTTP_OK, render_(), kContentType);
    } catch (const std::exception& e) {
        return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, fmt::format("{}\n", e.what()),
                         "text/plain; charset=utf-8");
    }
}

}  // namespace fm::metrics
