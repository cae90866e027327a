// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/report.hpp"

#include <fstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace fm::bench {
namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line)) {
        if (line.starts_with("model name")) {
            const std::size_t colon = line.find(':');
            if (colon != std::string::npos) {
                std::size_t b = line.find_first_not_of(' ', colon + 1);
                return b == std::string::npos ? std::string{} : line.substr(b);
            }
        }
    }
    return {};
}

double per_packet_ns(double cpu_s, std::uint64_t packets) {
    return packets == 0 ? 0 : cpu_s * 1e9 / static_cast<double>(packets);
}

double stage_cpu(const RunResult& r, const char* stage) {
    for (const StageCpu& s : r.stages) {
        if (s.stage == stage) {
            return s.cpu_s;
        }
    }
    return 0;
}

double fraction_of_ceiling(const ReportContext& ctx, const RunResult& r) {
    return ctx.ceiling.pps > 0 ? r.achieved_pps / ctx.ceiling.pps : 0;
}

std::string si(double v) {
    if (v >= 1e9) {
        return fmt::format("{:.2f} G", v / 1e9);
    }
    if (v >= 1e6) {
        return fmt::format("{:.2f} M", v / 1e6);
    }
    if (v >= 1e3) {
        return fmt::format("{:.1f} k", v / 1e3);
    }
    return fmt::format("{:.0f}", v);
}

std::string run_json(const ReportContext& ctx, const RunResult& r, const std::string& mode) {
    const FrameStore& s = *ctx.store;
    const double line = s.line_rate_pps(ctx.link_bps);
    std::string stages;
    for (const StageCpu& st : r.stages) {
        stages +=
            fmt::format("{}{}: {{\"cpu_s\": {:.6f}, \"threads\": {}, \"ns_per_packet\": {:.1f}}}",
                        stages.empty() ? "" : ", ", json_string(st.stage), st.cpu_s, st.threads,
                        per_packet_ns(st.cpu_s, r.delivered));
    }
    return fmt::format(
        "{{\"scenario\": {}, \"mode\": {}, \"traffic\": {}, \"profile\": {}, \"workers\": {}, "
        "\"duration_s\": {:.3f}, \"ring\": {}, \"target_pps\": {:.1f}, "
        "\"offered\": {}, \"offered_pps\": {:.1f}, \"delivered\": {}, \"dropped\": {}, "
        "\"achieved_pps\": {:.1f}, \"achieved_gbps\": {:.4f}, "
        "\"percent_of_line_rate\": {:.3f}, \"line_rate_pps\": {:.1f}, \"link_bps\": {:.0f}, "
        "\"rows\": {}, \"rows_per_s\": {:.1f}, \"wall_s\": {:.3f}, \"offer_s\": {:.3f}, "
        "\"peak_rss_bytes\": {}, \"rss_before_bytes\": {}, \"bytes_per_flow\": {:.1f}, "
        "\"concurrent_flows\": {}, \"flows_created\": {}, \"read_ceiling_pps\": {:.1f}, "
        "\"fraction_of_read_ceiling\": {:.4f}, \"queue_full_waits\": {}, "
        "\"mean_frame_bytes\": {:.1f}, \"stored_snaplen\": {}, \"stored_frames\": {}, "
        "\"cpu\": {{{}}}, \"error\": {}}}",
        json_string(r.spec.scenario), json_string(mode), json_string(ctx.traffic),
        json_string(std::string(to_string(r.spec.profile))), r.spec.workers, r.spec.duration_s,
        r.spec.rate_pps > 0 ? r.spec.ring : 0, r.spec.rate_pps, r.offered, r.offered_pps,
        r.delivered, r.dropped, r.achieved_pps, r.achieved_gbps,
        line > 0 ? 100.0 * r.achieved_pps / line : 0.0, line, ctx.link_bps, r.rows, r.rows_per_s,
        r.wall_s, r.offer_s, r.peak_rss_bytes, r.rss_before_bytes, r.bytes_per_flow,
        s.concurrent_flows, r.flows_created, ctx.ceiling.pps, fraction_of_ceiling(ctx, r),
        r.queue_full_waits, s.mean_wire_len() + 4.0, s.snaplen, s.size(), stages,
        json_string(r.error));
}

}  // namespace

std::string table_header() {
    return fmt::format(
        "{:<24} {:<6} {:>3} {:>10} {:>10} {:>7} {:>9} {:>9} {:>6} {:>21} {:>8} "
        "{:>7}\n{:<24} {:<6} {:>3} {:>10} {:>10} {:>7} {:>9} {:>9} {:>6} {:>21} "
        "{:>8} {:>7}\n",
        "scenario", "mode", "W", "offered", "achieved", "Gbit/s", "dropped", "rows/s", "%read",
        "CPU ns/pkt C/W/O", "peak RSS", "B/flow", "", "", "", "pps", "pps", "", "", "", "ceil", "",
        "MiB", "");
}

std::string table_line(const ReportContext& ctx, const RunResult& r, const std::string& mode) {
    const std::string cpu =
        fmt::format("{:.0f}/{:.0f}/{:.0f}", per_packet_ns(stage_cpu(r, "capture"), r.delivered),
                    per_packet_ns(stage_cpu(r, "workers"), r.delivered),
                    per_packet_ns(stage_cpu(r, "writer"), r.delivered));
    std::string line = fmt::format(
        "{:<24} {:<6} {:>3} {:>10} {:>10} {:>7.3f} {:>9} {:>9} {:>5.1f}% {:>21} {:>8.1f} "
        "{:>7.0f}\n",
        r.spec.scenario.substr(0, 24), mode, r.spec.workers, si(r.offered_pps), si(r.achieved_pps),
        r.achieved_gbps, r.dropped, si(r.rows_per_s), 100.0 * fraction_of_ceiling(ctx, r), cpu,
        static_cast<double>(r.peak_rss_bytes) / (1 << 20), r.bytes_per_flow);
    if (!r.error.empty()) {
        line += "  error: " + r.error + "\n";
    }
    return line;
}

std::string search_line(const ReportContext& ctx, const ZeroLossResult& z,
                        const std::string& scenario, std::uint32_t workers) {
    return fmt::format(
        "zero-loss {} workers={} link={:g}G: {} pps = {:.2f} % of line rate ({} pps), {} "
        "trials; read ceiling {} pps\n",
        scenario, workers, ctx.link_bps / 1e9, si(z.zero_loss_pps),
        z.line_rate_pps > 0 ? 100.0 * z.zero_loss_pps / z.line_rate_pps : 0.0, si(z.line_rate_pps),
        z.trials.size(), si(ctx.ceiling.pps));
}

void JsonReport::add_run(const RunResult& r, const std::string& mode) {
    runs_.push_back(run_json(ctx_, r, mode));
}

void JsonReport::add_search(const ZeroLossResult& z, const std::string& scenario,
                            std::uint32_t workers) {
    std::string trials;
    for (const RunResult& t : z.trials) {
        trials += fmt::format(
            "{}{{\"offered_pps\": {:.1f}, \"target_pps\": {:.1f}, "
            "\"dropped\": {}, \"delivered\": {}}}",
            trials.empty() ? "" : ", ", t.offered_pps, t.spec.rate_pps, t.dropped, t.delivered);
    }
    searches_.push_back(fmt::format(
        "{{\"scenario\": {}, \"workers\": {}, \"link_bps\": {:.0f}, \"line_rate_pps\": {:.1f}, "
        "\"zero_loss_pps\": {:.1f}, \"percent_of_line_rate\": {:.3f}, "
        "\"read_ceiling_pps\": {:.1f}, \"trials\": [{}]}}",
        json_string(scenario), workers, ctx_.link_bps, z.line_rate_pps, z.zero_loss_pps,
        z.line_rate_pps > 0 ? 100.0 * z.zero_loss_pps / z.line_rate_pps : 0.0, ctx_.ceiling.pps,
        trials));
}

void JsonReport::write(const std::string& path) const {
    std::ofstream f(path);
    if (!f) {
        throw std::runtime_error("cannot write --json " + path);
    }
    f << "{\n  \"machine\": {\"cpu\": " << json_string(cpu_model())
      << ", \"cpus\": " << std::thread::hardware_concurrency() << "},\n";
    f << "  \"input\": {\"description\": " << json_string(ctx_.store->description)
      << ", \"frames\": " << ctx_.store->size()
      << fmt::format(", \"mean_frame_bytes\": {:.1f}", ctx_.store->mean_wire_len() + 4.0)
      << ", \"concurrent_flows\": " << ctx_.store->concurrent_flows
      << ", \"flows_per_loop\": " << ctx_.store->flows_per_loop
      << ", \"stored_snaplen\": " << ctx_.store->snaplen << "},\n";
    f << fmt::format("  \"read_ceiling_pps\": {:.1f},\n", ctx_.ceiling.pps);
    f << "  \"runs\": [\n";
    for (std::size_t i = 0; i < runs_.size(); ++i) {
        f << "    " << runs_[i] << (i + 1 < runs_.size() ? ",\n" : "\n");
    }
    f << "  ],\n  \"zero_loss\": [\n";
    for (std::size_t i = 0; i < searches_.size(); ++i) {
        f << "    " << searches_[i] << (i + 1 < searches_.size() ? ",\n" : "\n");
    }
    f << "  ]\n}\n";
    if (!f.flush()) {
        throw std::runtime_error("cannot write --json " + path);
    }
}

}  // namespace fm::bench
