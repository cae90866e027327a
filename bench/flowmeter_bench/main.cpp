// SPDX-License-Identifier: BSD-3-Clause
// flowmeter-bench: at what packet rate does the flowmeterd pipeline start to lose packets, for
// this traffic, on this machine? Drives the real pipeline (capture stage, decoder, dispatch,
// queues, workers, features, CSV, writer) from frames held in memory, as fast as possible or
// paced into a bounded receive ring, and searches for the highest rate without loss.
// bench/README.md describes the options and the figures.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "flowmeter_bench/frame_store.hpp"
#include "flowmeter_bench/options.hpp"
#include "flowmeter_bench/read_ceiling.hpp"
#include "flowmeter_bench/report.hpp"
#include "flowmeter_bench/run_scenario.hpp"
#include "flowmeter_bench/zero_loss.hpp"

namespace {

constexpr int kExitUsage = 2;

std::string default_scenario(const fm::bench::Options& o) {
    if (!o.pcap.empty()) {
        const std::size_t slash = o.pcap.find_last_of('/');
        return slash == std::string::npos ? o.pcap : o.pcap.substr(slash + 1);
    }
    return fmt::format("{}B-{}flows", to_string(o.frames), o.flows);
}

void print(const fm::bench::Options& o, const std::string& text) {
    if (!o.quiet) {
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
    }
}

int run(const fm::bench::Options& o) {
    using namespace fm::bench;
    FrameStore store;
    try {
        store = o.pcap.empty() ? generate_frames(o) : load_pcap(o.pcap, o.max_store_bytes);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flowmeter-bench: %s\n", e.what());
        return kExitUsage;
    }
    store.finish(flow_timeout_us());

    ReportContext ctx;
    ctx.store = &store;
    ctx.link_bps = o.link_bps;
    ctx.traffic = o.pcap.empty() ? "generated" : "pcap";
    ctx.ceiling = measure_read_ceiling(store);
    JsonReport json(ctx);

    const std::string scenario = o.scenario.empty() ? default_scenario(o) : o.scenario;
    const double rate_pps = o.rate.pps(store.mean_wire_len());
    print(o, fmt::format("input: {}, {} frames of {:.1f} B on average (with FCS){}; "
                         "libpcap read ceiling {:.2f} Mpps\n",
                         store.description, store.size(), store.mean_wire_len() + 4.0,
                         store.snaplen != 0 ? fmt::format(", held cut to {} B", store.snaplen)
                                            : std::string{},
                         ctx.ceiling.pps / 1e6));
    print(o, table_header());

    std::vector<std::uint32_t> workers = o.workers;
    if (workers.empty()) {
        workers.push_back(default_workers());
    }
    int rc = 0;
    for (const std::uint32_t w : workers) {
        RunSpec spec;
        spec.scenario = scenario;
        spec.workers = w;
        spec.profile = o.profile;
        spec.ring = o.ring;
        spec.duration_s = o.duration_s;
        if (o.find_zero_loss) {
            SearchSpec search;
            search.line_rate_pps = store.line_rate_pps(o.link_bps);
            search.precision = o.precision;
            search.max_trials = o.max_trials;
            const ZeroLossResult z = find_zero_loss(search, [&](double pps) {
                RunSpec t = spec;
                t.rate_pps = pps;
                RunResult r = run_scenario(store, t);
                print(o, table_line(ctx, r, "trial"));
                json.add_run(r, "trial");
                return r;
            });
            print(o, search_line(ctx, z, scenario, w));
            json.add_search(z, scenario, w);
        } else {
            spec.rate_pps = rate_pps;
            const RunResult r = run_scenario(store, spec);
            const std::string mode = rate_pps > 0 ? "paced" : "max";
            print(o, table_line(ctx, r, mode));
            json.add_run(r, mode);
            if (!r.error.empty()) {
                rc = 1;
            }
        }
    }
    if (!o.json.empty()) {
        json.write(o.json);
    }
    return rc;
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<fm::bench::Options> options;
    try {
        options = fm::bench::parse_options(argc, argv);
    } catch (const fm::bench::UsageError& e) {
        std::fprintf(stderr, "flowmeter-bench: %s\n", e.what());
        return kExitUsage;
    }
    if (!options) {
        return 0;
    }
    try {
        return run(*options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "flowmeter-bench: %s\n", e.what());
        return 1;
    }
}
