// SPDX-License-Identifier: BSD-3-Clause
#include "daemon/inputs.hpp"

#include <fmt/format.h>

#include "capture/capture_error.hpp"
#include "daemon/modules.hpp"

namespace fm::daemon {

Inputs::Inputs(const config::CaptureConfig& cfg) : source_(cfg.source) {
    switch (cfg.source) {
        case config::CaptureSource::PcapFile:
            for (const std::string& path : cfg.files) {
                auto reader = std::make_unique<capture::CaptureFileReader>(path);
                if (reader->is_open() && !cfg.bpf_filter.empty()) {
                    // check_start_config() compiled it for this file already; a file that
                    // changed since is reported the same way.
                    const std::string error = reader->set_filter(cfg.bpf_filter);
                    if (!error.empty()) {
                        throw capture::CaptureError(
                            capture::CaptureError::Kind::Config,
                            fmt::format("capture.bpf_filter: \"{}\" for {}: {}", cfg.bpf_filter,
                                        path, error));
                    }
                }
                if (reader->is_open()) {
                    files_.push_back(std::move(reader));
                } else {
                    open_errors_.push_back(reader->error());
                }
            }
            break;
        case config::CaptureSource::PcapLive:
            pcap_ = capture::open_pcap_live(cfg);
            break;
        case config::CaptureSource::Dpdk:
            // Loaded by check_start_config() already, before the privileges were dropped.
            dpdk_ = dpdk_module("capture.source").open(cfg);
            break;
    }
}

bool Inputs::flows_partitioned() const noexcept {
    return dpdk_ != nullptr && dpdk_->flows_partitioned();
}

std::vector<capture::PacketSource*> Inputs::sources() const {
    std::vector<capture::PacketSource*> out;
    for (const auto& f : files_) {
        out.push_back(f.get());
    }
    for (const auto& p : pcap_) {
        out.push_back(p.get());
    }
    if (dpdk_) {
        for (capture::PacketSource* s : dpdk_->sources()) {
            out.push_back(s);
        }
    }
    return out;
}

std::uint64_t Inputs::input_total() const noexcept {
    std::uint64_t total = 0;
    for (const auto& f : files_) {
        total += f->size_bytes();
    }
    return total;
}

void Inputs::request_stop() noexcept {
    for (const auto& p : pcap_) {
        p->request_stop();
    }
    if (dpdk_) {
        dpdk_->request_stop();
    }
}

std::uint64_t Inputs::drops() const {
    std::uint64_t n = 0;
    for (const auto& p : pcap_) {
        n += p->drops();
    }
    if (dpdk_) {
        n += dpdk_->drops();
    }
    return n;
}

NamedCounters Inputs::named_counters() const {
    NamedCounters out;
    std::uint64_t filtered = 0;
    for (const auto& f : files_) {
        filtered += f->filtered_out();
    }
    if (filtered != 0) {
        add_counter(out, "capture.bpf_filtered", filtered);
    }
    for (const auto& p : pcap_) {
        for (auto& [name, value] : p->named_counters()) {
            add_counter(out, name, value);
        }
    }
    if (dpdk_) {
        for (auto& [name, value] : dpdk_->named_counters()) {
            add_counter(out, name, value);
        }
    }
    return out;
}

void Inputs::refresh_stats() noexcept {
    for (const auto& p : pcap_) {
        p->refresh_stats();
    }
}

std::vector<std::string> Inputs::describe() const {
    std::vector<std::string> out;
    for (const auto& p : pcap_) {
        out.push_back(p->describe());
    }
    if (dpdk_) {
        for (std::string& line : dpdk_->describe()) {
            out.push_back(std::move(line));
        }
    }
    return out;
}

}  // namespace fm::daemon
