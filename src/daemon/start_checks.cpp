// SPDX-License-Identifier: BSD-3-Clause
// Start checks that need the system but no capture handle, and the report of settings without
// effect (see the header).
#include "daemon/start_checks.hpp"

#include <cstdlib>

#include <net/if.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <sys/stat.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "capture/bpf_file_filter.hpp"
#include "capture/capture_file_reader.hpp"
#include "daemon/modules.hpp"
#include "features/cic_compat.hpp"

namespace fm::daemon {

namespace {

using config::ConfigError;

[[noreturn]] void fail(const config::Origins& origins, std::string_view key, std::string message) {
    throw ConfigError(origins.where(key), std::string(key), std::move(message));
}

void check_bpf_filter(const config::DaemonConfig& cfg, const config::Origins& origins) {
    const std::string& expr = cfg.capture.bpf_filter;
    if (expr.empty() || cfg.capture.source == config::CaptureSource::Dpdk) {
        return;
    }
    bool compiled = false;
    if (cfg.capture.source == config::CaptureSource::PcapFile) {
        for (const std::string& path : cfg.capture.files) {
            struct stat st {};
            if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
                continue;  // a pipe or FIFO must not lose its first bytes to a check
            }
            const capture::CaptureFileReader reader(path);
            if (!reader.is_open()) {
                continue;  // reported by the run, which reads the files it can
            }
            const std::string error =
                capture::bpf_compile_error(expr, reader.link_type(), reader.snaplen());
            if (!error.empty()) {
                fail(origins, "capture.bpf_filter",
                     fmt::format("\"{}\": {} (link type {} of {})", expr, error, reader.link_type(),
                                 path));
            }
            compiled = true;
        }
    }
    if (!compiled) {
        // Live: the interface's link type is known only once it is opened; Ethernet is what
        // nearly every interface captures, and a syntax error fails for any link type.
        const std::string error = capture::bpf_compile_error(expr, DLT_EN10MB, cfg.capture.snaplen);
        if (!error.empty()) {
            fail(origins, "capture.bpf_filter", fmt::format("\"{}\": {}", expr, error));
        }
    }
}

std::string cpu_list(const cpu_set_t& set) {
    std::vector<int> cpus;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
        if (CPU_ISSET(c, &set)) {
            cpus.push_back(c);
        }
    }
    return fmt::format("{}", fmt::join(cpus, ","));
}

void check_cpu_affinity(const config::DaemonConfig& cfg, const config::Origins& origins) {
    if (cfg.pipeline.cpu_affinity.empty()) {
        return;
    }
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
        return;  // unknown: pinning at start reports what the kernel refuses
    }
    for (int cpu : cfg.pipeline.cpu_affinity) {
        if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
            fail(origins, "pipeline.cpu_affinity",
                 fmt::format("CPU {} is not available to this process (it may use CPUs {})", cpu,
                             cpu_list(allowed)));
        }
    }
}

/// True when libpcap lists `name` (pseudo-devices such as "any" have no interface index).
bool pcap_lists(const std::string& name) {
    pcap_if_t* all = nullptr;
    char err[PCAP_ERRBUF_SIZE] = {};
    if (pcap_findalldevs(&all, err) != 0) {
        return false;
    }
    bool found = false;
    for (pcap_if_t* d = all; d != nullptr && !found; d = d->next) {
        found = d->name != nullptr && name == d->name;
    }
    pcap_freealldevs(all);
    return found;
}

void check_interface(const config::DaemonConfig& cfg, const config::Origins& origins) {
    if (cfg.capture.source != config::CaptureSource::PcapLive) {
        return;
    }
    const std::string& name = cfg.capture.interface;
    if (if_nametoindex(name.c_str()) != 0 || pcap_lists(name)) {
        return;
    }
    fail(origins, "capture.interface",
         fmt::format("no interface \"{}\" on this machine (flowmeterd -l lists them)", name));
}

void check_journal(const config::DaemonConfig& cfg, const config::Origins& origins) {
    if (cfg.logging.target != config::LogTarget::Journald) {
        return;
    }
    struct stat st {};
    if (::stat(kJournalSocket, &st) == 0 && S_ISSOCK(st.st_mode)) {
        return;
    }
    fail(origins, "logging.target",
         fmt::format("journald: no journal on this machine ({} is missing), every log line "
                     "would be lost: use auto or stderr",
                     kJournalSocket));
}

}  // namespace

void check_start_config(const config::DaemonConfig& cfg, const config::Origins& origins) {
    check_bpf_filter(cfg, origins);
    check_cpu_affinity(cfg, origins);
    check_interface(cfg, origins);
    check_journal(cfg, origins);
    // Last: the checks above are cheaper, and a module's libraries are mapped only for a
    // configuration that can start.
    load_needed_modules(cfg, origins);
}

std::vector<std::string> ignored_settings(const config::DaemonConfig& cfg,
                                          const config::Origins& origins) {
    std::vector<std::string> out;
    auto note = [&](std::string_view key, std::string text) {
        out.push_back(fmt::format("{}: {}: {}", origins.where(key), key, text));
    };
    const config::DaemonConfig defaults;
    if (cfg.output.timezone != "UTC" &&
        features::compat_for(cfg.flow.profile).timestamp_always_utc) {
        note("output.timezone",
             fmt::format("\"{}\" has no effect with flow.profile {}: its Timestamp column is "
                         "always UTC, as its reference writes it",
                         cfg.output.timezone, to_string(cfg.flow.profile)));
    }
    if (cfg.decode.tunnels && !cfg.decode.ipv6) {
        note("decode.tunnels",
             "true has no effect with decode.ipv6 false (--ipv4-only): IPv4-only mode reads "
             "plain IPv4 under the link layer only, as the reference does");
    }
    const auto source = cfg.capture.source;
    if (source == config::CaptureSource::Dpdk && !cfg.capture.bpf_filter.empty()) {
        note("capture.bpf_filter", "has no effect with capture.source dpdk (no BPF there)");
    }
    if (source != config::CaptureSource::PcapLive) {
        const auto& c = cfg.capture;
        const auto& d = defaults.capture;
        const std::string why =
            fmt::format("has no effect with capture.source {} (pcap_live only)", to_string(source));
        if (c.snaplen != d.snaplen) {
            note("capture.snaplen", why);
        }
        if (c.promiscuous != d.promiscuous && source == config::CaptureSource::PcapFile) {
            // DPDK ports honour it too (rte_eth_promiscuous_enable).
            note("capture.promiscuous", "has no effect with capture.source pcap_file");
        }
        if (c.buffer_mb != d.buffer_mb) {
            note("capture.buffer_mb", why);
        }
    }
    if (source != config::CaptureSource::Dpdk && !(cfg.capture.dpdk == defaults.capture.dpdk)) {
        note("capture.dpdk",
             fmt::format("has no effect with capture.source {}", to_string(source)));
    }
    return out;
}

}  // namespace fm::daemon
