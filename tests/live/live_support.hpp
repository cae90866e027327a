// SPDX-License-Identifier: BSD-3-Clause
// Helpers for the live-capture tests: a network namespace with a veth pair (gone when the test
// process ends, however it ends), running a function
// with the calling thread inside that namespace (so a capture socket is opened there), replaying
// a capture into the pair with tcpreplay, and running a PacketSource through decode and a flow
// engine to rows that can be compared with the offline run of the same capture.
#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "capture/capture_file_reader.hpp"
#include "capture/packet_source.hpp"
#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "decode/decoder.hpp"
#include "features/columns.hpp"
#include "features/feature_row.hpp"
#include "features/row_sink.hpp"
#include "flow/flow_engine.hpp"
#include "output/csv_format.hpp"
#include "row_collector.hpp"
#include "shared_dir.hpp"
#include "start_program.hpp"

namespace fm::live_test {

/// The reference data folder (FM_SHARED_DIR); a missing one is a test failure, not a skip.
inline std::filesystem::path shared_dir() {
    const std::filesystem::path dir = test_support::shared_dir();
    if (dir.empty() || !std::filesystem::is_directory(dir / "pcaps")) {
        throw std::runtime_error(
            "FM_SHARED_DIR is not set or has no pcaps/ folder: the live tests replay the shared "
            "captures (run them through meson test, which sets it)");
    }
    return dir;
}

inline std::string capture_path(const std::string& relative) {
    return (shared_dir() / "pcaps" / relative).string();
}

inline bool find_program(const std::string& name) {
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"}) {
        if (access((std::string(dir) + "/" + name).c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

/// Why the namespace tests cannot run here, or empty when they can.
inline std::string netns_skip_reason() {
    if (geteuid() != 0) {
        return "needs root (creates a network namespace and veth pair, captures with "
               "CAP_NET_RAW); CI runs these tests as root";
    }
    if (!find_program("ip") || !find_program("nsenter")) {
        return "needs `ip` (iproute2) and `nsenter` (util-linux)";
    }
    if (!find_program("tcpreplay")) {
        return "needs tcpreplay";
    }
    return {};
}

/// Runs a program (no shell); returns its exit status (-1: killed). Output goes to `output`
/// when given, else is discarded.
inline int run_program(const std::vector<std::string>& argv, std::string* output = nullptr) {
    int pipefd[2] = {-1, -1};
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        std::vector<char*> args;
        for (const std::string& a : argv) {
            args.push_back(const_cast<char*>(a.c_str()));
        }
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    close(pipefd[1]);
    std::string text;
    char buf[4096];
    for (;;) {
        const ssize_t n = read(pipefd[0], buf, sizeof buf);
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0 || errno != EINTR) {
            break;
        }
    }
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (output != nullptr) {
        *output = std::move(text);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Runs a program and throws with its output when it fails.
inline void run_checked(const std::vector<std::string>& argv) {
    std::string out;
    const int rc = run_program(argv, &out);
    if (rc != 0) {
        std::string cmd;
        for (const std::string& a : argv) {
            cmd += a + " ";
        }
        throw std::runtime_error(fmt::format("`{}` exited with {}: {}", cmd, rc, out));
    }
}

/// A network namespace holding both ends of a veth pair: the capture end and the send end.
/// IPv6 is off in the namespace (no router or neighbour solicitations on link-up), so the only
/// frames on the pair are the ones the test replays.
///
/// The namespace has no name in /run/netns: a child process creates it (unshare) and keeps it
/// alive, and dies with the test process (PR_SET_PDEATHSIG), so the namespace and the veth pair
/// in it vanish even when the test crashes or is killed. Commands run in it through nsenter.
class VethNamespace {
public:
    VethNamespace() {
        static int sequence = 0;
        const int pid = static_cast<int>(getpid());
        // Interface names: at most 15 characters.
        capture_if_ = fmt::format("fmc{}x{}", pid % 1000000, sequence);
        send_if_ = fmt::format("fms{}x{}", pid % 1000000, sequence);
        ++sequence;
        start_holder();
        run_checked(
            in_ns({"ip", "link", "add", capture_if_, "type", "veth", "peer", "name", send_if_}));
        run_checked(in_ns({"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"}));
        run_checked(in_ns({"sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"}));
        for (const std::string& dev : {capture_if_, send_if_}) {
            // Large MTU: the captures hold TSO/GRO-sized frames the sender must pass whole.
            run_checked(in_ns({"ip", "link", "set", dev, "mtu", "65535"}));
            run_checked(in_ns({"ip", "link", "set", dev, "up"}));
        }
    }

    ~VethNamespace() {
        if (holder_ > 0) {
            kill(holder_, SIGKILL);
            while (waitpid(holder_, nullptr, 0) < 0 && errno == EINTR) {
            }
        }
    }

    VethNamespace(const VethNamespace&) = delete;
    VethNamespace& operator=(const VethNamespace&) = delete;

    /// /proc/PID/ns/net of the namespace (for setns or nsenter --net=).
    const std::string& path() const noexcept { return path_; }
    const std::string& capture_if() const noexcept { return capture_if_; }
    const std::string& send_if() const noexcept { return send_if_; }

    /// `argv` prefixed to run inside the namespace.
    std::vector<std::string> in_ns(std::vector<std::string> argv) const {
        argv.insert(argv.begin(), {"nsenter", "--net=" + path_});
        return argv;
    }

    /// Runs `fn` on the calling thread inside the namespace, then returns to the original one.
    /// Sockets opened by `fn` keep belonging to the namespace.
    template <typename F>
    void inside(F&& fn) const {
        const int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
        const int target = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
            throw std::runtime_error("cannot enter network namespace " + path_);
        }
        close(target);
        struct Back {
            int fd;
            ~Back() {
                setns(fd, CLONE_NEWNET);
                close(fd);
            }
        } back{self};
        fn();
    }

    /// Sends the frames of `pcap` into the send end (tcpreplay); returns tcpreplay's output.
    std::string replay(const std::string& pcap,
                       const std::vector<std::string>& speed = {"--topspeed"}) const {
        std::vector<std::string> argv = in_ns({"tcpreplay", "-i", send_if_});
        argv.insert(argv.end(), speed.begin(), speed.end());
        argv.push_back(pcap);
        std::string out;
        const int rc = run_program(argv, &out);
        if (rc != 0) {
            throw std::runtime_error(fmt::format("tcpreplay of {} failed ({}): {}", pcap, rc, out));
        }
        return out;
    }

private:
    void start_holder() {
        int ready[2] = {-1, -1};
        if (pipe2(ready, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2 failed");
        }
        const pid_t parent = getpid();
        holder_ = fork();
        if (holder_ < 0) {
            throw std::runtime_error("fork failed");
        }
        if (holder_ == 0) {
            close(ready[0]);
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            char ok = getppid() == parent && unshare(CLONE_NEWNET) == 0 ? '1' : '0';
            [[maybe_unused]] const ssize_t w = write(ready[1], &ok, 1);
            close(ready[1]);
            for (;;) {
                pause();
            }
        }
        close(ready[1]);
        char ok = '0';
        const ssize_t r = read(ready[0], &ok, 1);
        close(ready[0]);
        if (r != 1 || ok != '1') {
            throw std::runtime_error("cannot create a network namespace (unshare CLONE_NEWNET)");
        }
        path_ = fmt::format("/proc/{}/ns/net", holder_);
    }

    pid_t holder_ = -1;
    std::string path_;
    std::string capture_if_;
    std::string send_if_;
};

/// In a child process: enters the network namespace at `ns_path` (VethNamespace::path()), or
/// exits 126. Async-signal-safe, for the set-up step of a fork.
inline void enter_network_namespace_or_exit(const char* ns_path) noexcept {
    const int target = open(ns_path, O_RDONLY | O_CLOEXEC);
    if (target < 0 || setns(target, CLONE_NEWNET) != 0) {
        _exit(126);
    }
}

/// Starts `argv` (argv[0] a path) inside the namespace of `ns` with test_support::start_program:
/// stdout and stderr to `log` — or, when `log` is empty, stdout to the descriptor `stdout_fd`
/// (a pipe's write end) — with `env` added; the child dies with the test process.
inline pid_t start_in_namespace(const VethNamespace& ns, const std::vector<std::string>& argv,
                                const std::string& log, const test_support::Environment& env = {},
                                int stdout_fd = -1) {
    const std::string ns_path = ns.path();
    return test_support::start_program(
        argv, log, test_support::OutputToFile::StandardOutputAndError, env, [&] {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (log.empty() && stdout_fd >= 0 && dup2(stdout_fd, STDOUT_FILENO) < 0) {
                _exit(126);
            }
            enter_network_namespace_or_exit(ns_path.c_str());
        });
}

/// Keeps every row the engine emits.
using CollectingSink = test_support::RowCollector;

struct RunResult {
    std::vector<features::FeatureRow> rows;
    std::uint64_t frames = 0;
};

/// Reads `source` through the decoder and one flow engine until `until(frames)` is true, the
/// source ends, or `deadline` passes; then drains the engine.
inline RunResult run_source(capture::PacketSource& source, const config::FlowConfig& flow,
                            const std::function<bool(std::uint64_t)>& until,
                            std::chrono::steady_clock::time_point deadline) {
    CollectingSink sink;
    decode::Decoder decoder(config::DecodeConfig{});
    flow::FlowEngine engine(flow, sink, 1 << 16);
    capture::RawBatch batch;
    std::vector<decode::PacketMeta> metas(capture::RawBatch::kCapacity);
    RunResult r;
    while (!until(r.frames) && std::chrono::steady_clock::now() < deadline) {
        const std::size_t n = source.next_batch(batch);
        if (n == 0 && source.at_end()) {
            break;
        }
        std::size_t m = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (decoder.decode(batch.packets[i], metas[m]) == decode::DecodeStatus::Ok) {
                ++m;
            }
        }
        r.frames += n;
        engine.process(std::span<const decode::PacketMeta>(metas.data(), m));
    }
    engine.drain();
    r.rows = std::move(sink.rows());
    return r;
}

/// The offline run of a capture file: CaptureFileReader -> the same decode and flow path.
inline RunResult offline_rows(const std::string& path, const config::FlowConfig& flow) {
    capture::CaptureFileReader reader(path);
    if (!reader.is_open()) {
        throw std::runtime_error(reader.error());
    }
    RunResult r = run_source(
        reader, flow, [](std::uint64_t) { return false; },
        std::chrono::steady_clock::now() + std::chrono::minutes(5));
    if (reader.failed()) {
        throw std::runtime_error(reader.error());
    }
    return r;
}

/// True when the capture's link type is Ethernet, which is what a veth pair carries.
inline bool is_ethernet(const std::string& path) {
    capture::CaptureFileReader reader(path);
    return reader.is_open() && reader.link_type() == 1;
}

/// Columns that depend only on which packets a flow has and their order, not on when they
/// arrived: a replay at another speed must reproduce them exactly. (Durations, rates, IATs,
/// active/idle, bulk and subflow columns depend on packet timing.)
inline constexpr features::Column kCountColumns[] = {
    features::Column::TotFwdPkts,     features::Column::TotBwdPkts,
    features::Column::TotLenFwd,      features::Column::TotLenBwd,
    features::Column::FwdPktLenMax,   features::Column::FwdPktLenMin,
    features::Column::FwdPktLenMean,  features::Column::FwdPktLenStd,
    features::Column::BwdPktLenMax,   features::Column::BwdPktLenMin,
    features::Column::BwdPktLenMean,  features::Column::BwdPktLenStd,
    features::Column::FwdPshFlags,    features::Column::BwdPshFlags,
    features::Column::FwdUrgFlags,    features::Column::BwdUrgFlags,
    features::Column::FwdRstFlags,    features::Column::BwdRstFlags,
    features::Column::FwdHeaderLen,   features::Column::BwdHeaderLen,
    features::Column::PktLenMin,      features::Column::PktLenMax,
    features::Column::PktLenMean,     features::Column::PktLenStd,
    features::Column::PktLenVar,      features::Column::FinCount,
    features::Column::SynCount,       features::Column::RstCount,
    features::Column::PshCount,       features::Column::AckCount,
    features::Column::UrgCount,       features::Column::CwrCount,
    features::Column::EceCount,       features::Column::DownUpRatio,
    features::Column::AvgPktSize,     features::Column::FwdSegSizeAvg,
    features::Column::BwdSegSizeAvg,  features::Column::FwdInitWin,
    features::Column::BwdInitWin,     features::Column::FwdActDataPkts,
    features::Column::BwdActDataPkts, features::Column::FwdSegSizeMin,
    features::Column::BwdSegSizeMin,  features::Column::IcmpCode,
    features::Column::IcmpType,       features::Column::FwdRetrans,
    features::Column::BwdRetrans,     features::Column::TotalRetrans,
};

inline std::string column_name(features::Column c) {
    return std::string(features::kColumnNames[features::index(c)].fixed_v4);
}

/// "proto src:sport > dst:dport" of a row (its flow identity, forward direction).
inline std::string flow_identity(const features::FeatureRow& r) {
    fmt::memory_buffer b;
    fmt::format_to(std::back_inserter(b), "{} ", r.protocol);
    output::append_ip(r.src_ip.data(), r.ipv6, b);
    fmt::format_to(std::back_inserter(b), ":{} > ", r.src_port);
    output::append_ip(r.dst_ip.data(), r.ipv6, b);
    fmt::format_to(std::back_inserter(b), ":{}", r.dst_port);
    return fmt::to_string(b);
}

/// Identity plus every count-based column, as text: equal signatures = equal rows but time.
inline std::string count_signature(const features::FeatureRow& r) {
    std::string s = flow_identity(r);
    for (const features::Column c : kCountColumns) {
        const std::size_t i = features::index(c);
        switch (r.kinds[i]) {
            case features::CellKind::None:
                break;
            case features::CellKind::Int:
                s += fmt::format(" {}={}", column_name(c), r.bits[i]);
                break;
            case features::CellKind::Double:
                s += fmt::format(" {}={}", column_name(c), r.double_value(c));
                break;
        }
    }
    return s;
}

/// Data rows of a flowmeterd CSV (fields split at commas; the CSV has no quoting) as
/// signatures: flow identity plus every count-based column, found by the header's names.
inline std::multiset<std::string> csv_count_signatures(const std::string& header_line,
                                                       const std::vector<std::string>& rows) {
    const auto split = [](const std::string& line) {
        std::vector<std::string> out(1);
        for (const char c : line) {
            if (c == ',') {
                out.emplace_back();
            } else if (c != '\r') {
                out.back() += c;
            }
        }
        return out;
    };
    const std::vector<std::string> header = split(header_line);
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < header.size(); ++i) {
        col[header[i]] = i;
    }
    std::vector<std::string> wanted = {"Src IP", "Src Port", "Dst IP", "Dst Port", "Protocol"};
    for (const features::Column c : kCountColumns) {
        wanted.push_back(column_name(c));
    }
    std::multiset<std::string> sigs;
    for (const std::string& row : rows) {
        const std::vector<std::string> f = split(row);
        std::string sig;
        for (const std::string& name : wanted) {
            const auto it = col.find(name);
            if (it != col.end() && it->second < f.size()) {
                sig += name + "=" + f[it->second] + " ";
            }
        }
        sigs.insert(sig);
    }
    return sigs;
}

/// Signatures of `offline` missing from `live` (as multisets): a description naming the first
/// few, empty when none is missing.
inline std::string missing_signatures(const std::multiset<std::string>& offline,
                                      std::multiset<std::string> live) {
    std::size_t missing = 0;
    std::string report;
    for (const std::string& sig : offline) {
        const auto it = live.find(sig);
        if (it != live.end()) {
            live.erase(it);
        } else if (++missing <= 3) {
            report += "\n  not captured: " + sig;
        }
    }
    return missing == 0 ? std::string{}
                        : std::to_string(missing) + " of " + std::to_string(offline.size()) +
                              " offline rows missing" + report;
}

/// Every row of `expected` must be in `actual` with the same count-based columns (as a
/// multiset). Returns a description of what is missing, empty when nothing is.
inline std::string missing_rows(const std::vector<features::FeatureRow>& expected,
                                const std::vector<features::FeatureRow>& actual) {
    std::multiset<std::string> have;
    std::multimap<std::string, std::string> by_identity;
    for (const features::FeatureRow& r : actual) {
        have.insert(count_signature(r));
        by_identity.emplace(flow_identity(r), count_signature(r));
    }
    std::string report;
    std::size_t missing = 0;
    for (const features::FeatureRow& r : expected) {
        const std::string sig = count_signature(r);
        const auto it = have.find(sig);
        if (it != have.end()) {
            have.erase(it);
            continue;
        }
        if (++missing <= 5) {
            report += fmt::format("\n  offline row not captured live: {}", sig);
            const auto [lo, hi] = by_identity.equal_range(flow_identity(r));
            for (auto j = lo; j != hi; ++j) {
                report += fmt::format("\n    live row of that flow: {}", j->second);
            }
        }
    }
    if (missing > 0) {
        report = fmt::format("{} of {} offline rows missing or different:{}", missing,
                             expected.size(), report);
    }
    return report;
}

/// Rows as the CSV text the profile writes (all columns, time stamps included).
inline std::multiset<std::string> csv_lines(const std::vector<features::FeatureRow>& rows,
                                            Profile profile = kDefaultProfile) {
    const output::CsvFormatter formatter(profile, "UTC", "");
    std::multiset<std::string> lines;
    for (const features::FeatureRow& r : rows) {
        fmt::memory_buffer b;
        formatter.append_row(r, b);
        lines.insert(fmt::to_string(b));
    }
    return lines;
}

}  // namespace fm::live_test
