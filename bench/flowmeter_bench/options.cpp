// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

namespace fm::bench {
namespace {

/// A number with an optional suffix; throws UsageError naming the option.
double parse_number(std::string_view opt, std::string_view text, std::string_view* suffix) {
    std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || !std::isfinite(v)) {
        throw UsageError(fmt::format("{}: '{}' is not a number", opt, text));
    }
    const std::string_view rest = text.substr(static_cast<std::size_t>(end - s.c_str()));
    if (suffix != nullptr) {
        *suffix = rest;
    } else if (!rest.empty()) {
        throw UsageError(fmt::format("{}: '{}' is not a number", opt, text));
    }
    return v;
}

double parse_positive(std::string_view opt, std::string_view text) {
    const double v = parse_number(opt, text, nullptr);
    if (v <= 0) {
        throw UsageError(fmt::format("{}: must be greater than 0 (got '{}')", opt, text));
    }
    return v;
}

std::uint64_t parse_count(std::string_view opt, std::string_view text, std::uint64_t min) {
    std::uint64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size()) {
        throw UsageError(fmt::format("{}: '{}' is not a whole number", opt, text));
    }
    if (v < min) {
        throw UsageError(fmt::format("{}: must be at least {} (got {})", opt, min, v));
    }
    return v;
}

/// Bits per second: "10G", "2.5G", "100M", "1e9".
double parse_bps(std::string_view opt, std::string_view text) {
    std::string_view suffix;
    double v = parse_number(opt, text, &suffix);
    if (suffix == "G" || suffix == "g" || suffix == "Gbps" || suffix == "Gbit") {
        v *= 1e9;
    } else if (suffix == "M" || suffix == "m" || suffix == "Mbps" || suffix == "Mbit") {
        v *= 1e6;
    } else if (suffix == "K" || suffix == "k" || suffix == "kbps" || suffix == "kbit") {
        v *= 1e3;
    } else if (!suffix.empty() && suffix != "bps") {
        throw UsageError(fmt::format("{}: unknown unit in '{}' (use G, M or K)", opt, text));
    }
    if (v <= 0) {
        throw UsageError(fmt::format("{}: must be greater than 0 (got '{}')", opt, text));
    }
    return v;
}

RateSpec parse_rate(std::string_view text) {
    if (text == "max") {
        return {};
    }
    std::string_view suffix;
    const double v = parse_number("--rate", text, &suffix);
    RateSpec r;
    if (suffix.empty() || suffix == "pps") {
        r = {RateSpec::Kind::Pps, v};
    } else if (suffix == "kpps") {
        r = {RateSpec::Kind::Pps, v * 1e3};
    } else if (suffix == "Mpps" || suffix == "mpps") {
        r = {RateSpec::Kind::Pps, v * 1e6};
    } else {
        r = {RateSpec::Kind::Bps, parse_bps("--rate", text)};
    }
    if (r.value <= 0) {
        throw UsageError(fmt::format("--rate: must be greater than 0 (got '{}')", text));
    }
    return r;
}

std::vector<std::uint32_t> parse_workers(std::string_view text) {
    std::vector<std::uint32_t> out;
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        out.push_back(static_cast<std::uint32_t>(parse_count("--workers", item, 1)));
        if (out.back() > 256) {
            throw UsageError(fmt::format("--workers: at most 256 (got {})", out.back()));
        }
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    if (out.empty()) {
        throw UsageError("--workers: give a number or a list like 1,2");
    }
    return out;
}

}  // namespace

double RateSpec::pps(double mean_wire_len) const noexcept {
    switch (kind) {
        case Kind::Max:
            return 0;
        case Kind::Pps:
            return value;
        case Kind::Bps:
            // Wire bits per frame: the frame, its FCS, preamble + SFD (8) and the gap (12).
            return value / ((mean_wire_len + 24.0) * 8.0);
    }
    return 0;
}

std::string_view to_string(FrameMix mix) noexcept {
    switch (mix) {
        case FrameMix::F64:
            return "64";
        case FrameMix::Imix:
            return "imix";
        case FrameMix::F1518:
            return "1518";
    }
    return "64";
}

std::string describe(const RateSpec& rate) {
    switch (rate.kind) {
        case RateSpec::Kind::Max:
            return "max";
        case RateSpec::Kind::Pps:
            return fmt::format("{:.0f} pps", rate.value);
        case RateSpec::Kind::Bps:
            return fmt::format("{:g} Gbit/s", rate.value / 1e9);
    }
    return "max";
}

std::string usage() {
    return R"(flowmeter-bench: line-rate harness of the flowmeterd pipeline

Traffic (held in memory, looped for --duration):
  --pcap FILE               frames of a capture file (pcap or pcapng)
  --frames 64|imix|1518     generated by flowgen's traffic model (default 64)
  --flows N                 flows open at once in the generated traffic (default 1000)
  --new-flows-per-s R       new flows per second of traffic time (default: flows/60)
  --seed S                  traffic model seed (default 1)
  --max-store-mb M          frames held in memory beyond this are cut to 128 bytes (default 1024)
Mode:
  --rate max|PPS|BITS       max (default): as fast as the pipeline reads; PPS: 250000, 10kpps,
                            1.5Mpps; BITS: 10G, 1G, 100M of line rate for the frame mix
  --ring N                  receive ring descriptors when paced (default 4096)
  --duration S              seconds per run (default 2)
  --find-zero-loss          binary search for the highest rate without drops
  --link BITS               link of the search and of the line-rate percentages (default 10G)
  --precision F             search stops when the bounds are within F (default 0.02)
  --max-trials N            search trials at most (default 12)
Pipeline:
  --workers N[,N...]        flow workers; a list runs each (default: the configuration default)
  --profile NAME            cic2017, cic2018, v4, fixed (default fixed)
Output:
  --json FILE               every run as JSON
  --scenario NAME           name of the scenario in the table and JSON
  --quiet                   no table on stdout
)";
}

std::optional<Options> parse_options(int argc, char** argv) {
    Options o;
    bool frames_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        std::string_view value;
        bool has_inline = false;
        if (a.starts_with("--")) {
            const std::size_t eq = a.find('=');
            if (eq != std::string_view::npos) {
                value = a.substr(eq + 1);
                a = a.substr(0, eq);
                has_inline = true;
            }
        }
        auto next = [&]() -> std::string_view {
            if (has_inline) {
                return value;
            }
            if (i + 1 >= argc) {
                throw UsageError(fmt::format("{}: needs a value", a));
            }
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            std::fputs(usage().c_str(), stdout);
            return std::nullopt;
        } else if (a == "--pcap") {
            o.pcap = next();
            if (o.pcap.empty()) {
                throw UsageError("--pcap: needs a file name");
            }
        } else if (a == "--frames") {
            const std::string_view v = next();
            if (v == "64") {
                o.frames = FrameMix::F64;
            } else if (v == "imix") {
                o.frames = FrameMix::Imix;
            } else if (v == "1518" || v == "mtu") {
                o.frames = FrameMix::F1518;
            } else {
                throw UsageError(fmt::format("--frames: '{}' is not 64, imix or 1518", v));
            }
            frames_given = true;
        } else if (a == "--flows") {
            o.flows = parse_count("--flows", next(), 1);
        } else if (a == "--new-flows-per-s") {
            o.new_flows_per_s = parse_positive("--new-flows-per-s", next());
        } else if (a == "--seed") {
            o.seed = parse_count("--seed", next(), 0);
        } else if (a == "--max-store-mb") {
            o.max_store_bytes = parse_count("--max-store-mb", next(), 1) << 20;
        } else if (a == "--rate") {
            o.rate = parse_rate(next());
        } else if (a == "--ring") {
            const std::uint64_t n = parse_count("--ring", next(), 1);
            if (n > (1u << 24)) {
                throw UsageError(fmt::format("--ring: at most {} (got {})", 1u << 24, n));
            }
            o.ring = static_cast<std::uint32_t>(n);
        } else if (a == "--duration") {
            o.duration_s = parse_positive("--duration", next());
        } else if (a == "--find-zero-loss") {
            o.find_zero_loss = true;
        } else if (a == "--link") {
            o.link_bps = parse_bps("--link", next());
        } else if (a == "--precision") {
            o.precision = parse_positive("--precision", next());
        } else if (a == "--max-trials") {
            o.max_trials = static_cast<std::uint32_t>(parse_count("--max-trials", next(), 1));
        } else if (a == "--workers") {
            o.workers = parse_workers(next());
        } else if (a == "--profile") {
            const std::string_view v = next();
            const std::optional<Profile> p = parse_profile(v);
            if (!p) {
                throw UsageError(fmt::format("--profile: unknown profile '{}'", v));
            }
            o.profile = *p;
        } else if (a == "--json") {
            o.json = next();
        } else if (a == "--scenario") {
            o.scenario = next();
        } else if (a == "--quiet") {
            o.quiet = true;
        } else {
            throw UsageError(fmt::format("unknown argument '{}' (see --help)", a));
        }
    }
    if (!o.pcap.empty() && frames_given) {
        throw UsageError("--pcap and --frames exclude each other");
    }
    return o;
}

}  // namespace fm::bench
