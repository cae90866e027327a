// SPDX-License-Identifier: BSD-3-Clause
// Signal handlers and their state. The state is process-global because a handler has no other
// way to reach it; the Signals object only owns the installation.
#include "daemon/signals.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <system_error>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace fm::daemon {

namespace {

// Lock-free atomics are async-signal-safe; checked at compile time.
static_assert(std::atomic<int>::is_always_lock_free);

std::atomic<int> g_stop_count{0};
std::atomic<int> g_hup_count{0};
std::atomic<int> g_hup_taken{0};
std::atomic<int> g_wake_fd{-1};
std::atomic<bool> g_installed{false};

struct sigaction g_old_term {};
struct sigaction g_old_int {};
struct sigaction g_old_hup {};
struct sigaction g_old_pipe {};

constexpr int kKillAfter = 3;  // the third stop signal is not handled any more

void on_signal(int sig) {
    const int saved_errno = errno;
    if (sig == SIGHUP) {
        g_hup_count.fetch_add(1, std::memory_order_relaxed);
    } else {
        const int n = g_stop_count.fetch_add(1, std::memory_order_relaxed) + 1;
        if (n >= kKillAfter) {
            // Stuck (for example in a write to a dead NFS server): die as the signal says.
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            sigemptyset(&dfl.sa_mask);
            sigaction(sig, &dfl, nullptr);
            raise(sig);
        }
    }
    const int fd = g_wake_fd.load(std::memory_order_relaxed);
    if (fd >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t w = write(fd, &one, sizeof one);
    }
    errno = saved_errno;
}

void install(int sig, struct sigaction* old) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;  // blocking reads and writes elsewhere are not cut short
    if (sigaction(sig, &sa, old) != 0) {
        throw std::system_error(errno, std::generic_category(), "sigaction");
    }
}

}  // namespace

Signals::Signals() {
    bool expected = false;
    if (!g_installed.compare_exchange_strong(expected, true)) {
        throw std::system_error(EBUSY, std::generic_category(),
                                "signal handlers already installed");
    }
    const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        g_installed.store(false);
        throw std::system_error(errno, std::generic_category(), "eventfd");
    }
    g_stop_count.store(0);
    g_hup_count.store(0);
    g_hup_taken.store(0);
    g_wake_fd.store(fd);
    install(SIGTERM, &g_old_term);
    install(SIGINT, &g_old_int);
    install(SIGHUP, &g_old_hup);
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &g_old_pipe);
}

Signals::~Signals() {
    sigaction(SIGTERM, &g_old_term, nullptr);
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGHUP, &g_old_hup, nullptr);
    sigaction(SIGPIPE, &g_old_pipe, nullptr);
    const int fd = g_wake_fd.exchange(-1);
    if (fd >= 0) {
        close(fd);
    }
    g_installed.store(false);
}

bool Signals::stop_requested() const noexcept {
    return g_stop_count.load(std::memory_order_relaxed) > 0;
}

bool Signals::fast_stop_requested() const noexcept {
    return g_stop_count.load(std::memory_order_relaxed) > 1;
}

int Signals::stop_count() const noexcept {
    return g_stop_count.load(std::memory_order_relaxed);
}

bool Signals::take_rotate_request() noexcept {
    const int seen = g_hup_count.load(std::memory_order_relaxed);
    return g_hup_taken.exchange(seen, std::memory_order_relaxed) != seen;
}

void Signals::wake() noexcept {
    const int fd = g_wake_fd.load(std::memory_order_relaxed);
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t w = write(fd, &one, sizeof one);
}

bool Signals::wait(std::chrono::milliseconds timeout) noexcept {
    const int fd = g_wake_fd.load(std::memory_order_relaxed);
    pollfd p{fd, POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(timeout.count()));
    if (n <= 0) {
        return false;
    }
    std::uint64_t v = 0;
    [[maybe_unused]] const ssize_t r = read(fd, &v, sizeof v);
    return true;
}

}  // namespace fm::daemon
