// SPDX-License-Identifier: BSD-3-Clause
// Row formatting: what CsvFormatter::append_row costs per row, and the Java number text under it.
//
// BM_FormatRow/<profile>: 4096 rows with every numeric cell of the profile set (a mix of counts,
// byte totals, whole-µs times, means, deviations and rates as flows produce them, IPv4 and IPv6,
// start times a few ms apart across several days) formatted into one buffer, cleared when it
// passes 1 MiB as the writer does. Profile 0..3 = cic2017, cic2018, v4, fixed; v4 and cic2018
// print their Timestamp in a zone with daylight saving time (America/Halifax), fixed in UTC.
// BM_JavaDouble: append_java_double alone over the same kind of values.
#include <cstdint>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "common/profile.hpp"
#include "features/columns.hpp"
#include "features/feature_row.hpp"
#include "output/csv_format.hpp"
#include "output/java_format.hpp"

namespace {

using fm::features::Column;
using fm::features::FeatureRow;

/// A value as flows produce them: small counts, whole numbers, fractions with 15-17 digits.
double flow_double(std::mt19937_64& rng) {
    switch (rng() % 6) {
        case 0:
            return 0.0;
        case 1:
            return static_cast<double>(rng() % 1500);
        case 2:
            return static_cast<double>(rng() % 100'000'000);  // µs durations, some >= 1e7
        case 3:
            return static_cast<double>(rng() % 1'000'000) / 7.0;
        case 4:
            return 1e6 * static_cast<double>(rng() % 5000) / static_cast<double>(rng() % 9999 + 1);
        default:
            return static_cast<double>(rng() % 1000) / 997.0 / 1000.0;
    }
}

std::vector<FeatureRow> make_rows(fm::Profile profile, std::size_t n) {
    std::mt19937_64 rng(42);
    std::vector<FeatureRow> rows(n);
    fm::Micros ts = 1'500'000'000'000'000;  // July 2017
    for (std::size_t i = 0; i < n; ++i) {
        FeatureRow& r = rows[i];
        r.profile = profile;
        r.ipv6 = i % 10 == 9;
        for (std::size_t b = 0; b < 16; ++b) {
            r.src_ip[b] = static_cast<std::uint8_t>(r.ipv6 || b < 4 ? rng() : 0);
            r.dst_ip[b] = static_cast<std::uint8_t>(r.ipv6 || b < 4 ? rng() : 0);
        }
        if (r.ipv6) {
            r.src_ip[4] = r.src_ip[5] = r.src_ip[6] = r.src_ip[7] = 0;
        }
        r.src_port = static_cast<std::uint16_t>(rng());
        r.dst_port = static_cast<std::uint16_t>(rng() % 1024);
        r.protocol = i % 3 == 0 ? 17 : 6;
        r.flow_id_reversed = i % 2 == 0;
        ts += static_cast<fm::Micros>(rng() % 5000);
        if (i % 1024 == 1023) {
            ts += 86'400'000'000;  // a new day now and then
        }
        r.first_ts_us = ts;
        for (std::size_t c = static_cast<std::size_t>(Column::FlowDuration);
             c < fm::features::kColumnCount; ++c) {
            const auto col = static_cast<Column>(c);
            if (col == Column::Label) {
                continue;
            }
            if (rng() % 5 < 2) {
                r.set_int(col, static_cast<std::int64_t>(rng() % 100'000));
            } else {
                r.set_double(col, flow_double(rng));
            }
        }
    }
    return rows;
}

void BM_FormatRow(benchmark::State& state) {
    const auto profile = static_cast<fm::Profile>(state.range(0));
    const fm::output::CsvFormatter formatter(profile, "America/Halifax", "");
    const std::vector<FeatureRow> rows = make_rows(profile, 4096);
    fmt::memory_buffer out;
    std::size_t next = 0;
    std::uint64_t bytes = 0;
    for (auto _ : state) {
        const std::size_t before = out.size();
        formatter.append_row(rows[next], out);
        bytes += out.size() - before;
        next = (next + 1) % rows.size();
        if (out.size() > (1U << 20)) {
            out.clear();
        }
    }
    benchmark::DoNotOptimize(out.data());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
    state.SetLabel(std::string(fm::to_string(profile)));
}
// Axis: profile (0 = cic2017, 1 = cic2018, 2 = v4, 3 = fixed).
BENCHMARK(BM_FormatRow)->DenseRange(0, 3);

void BM_JavaDouble(benchmark::State& state) {
    std::mt19937_64 rng(7);
    std::vector<double> values(4096);
    for (double& v : values) {
        v = flow_double(rng);
    }
    fmt::memory_buffer out;
    std::size_t next = 0;
    for (auto _ : state) {
        fm::output::append_java_double(values[next], out);
        next = (next + 1) % values.size();
        if (out.size() > (1U << 20)) {
            out.clear();
        }
    }
    benchmark::DoNotOptimize(out.data());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_JavaDouble);

}  // namespace

BENCHMARK_MAIN();
