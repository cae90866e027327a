// SPDX-License-Identifier: BSD-3-Clause
// The Kafka sink's throughput: rows as the writer thread hands them over (chunks of CSV text,
// 64 KiB each) through output::KafkaSink into librdkafka's mock cluster (3 brokers on
// 127.0.0.1, 6 partitions), until every row is acknowledged (close() flushes). Rows: the
// CSV rows of a real capture (FM_BENCH_CSV, default the `fixed` golden file of the spoofed
// SYN flood in ../shared), repeated to 400 000 rows per pass. Arguments: compression
// (0 none, 1 lz4, 2 zstd) and format (0 csv, 1 json). The row rate is items_per_second.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "config/config.hpp"
#include "output/kafka_sink.hpp"

namespace {

constexpr std::size_t kRows = 400000;
constexpr std::size_t kChunkBytes = 64 * 1024;

struct Rows {
    std::string header;
    std::vector<std::string> chunks;  ///< kRows rows in chunks of about kChunkBytes
    std::vector<std::uint32_t> counts;
};

const Rows& rows() {
    static const Rows r = [] {
        const char* env = std::getenv("FM_BENCH_CSV");
        const std::string path = env != nullptr
                                     ? env
                                     : std::string(FM_SHARED_DIR) +
                                           "/golden/fixed/large/pkt.TCP.synflood.spoofed.pcap.csv";
        std::ifstream in(path);
        Rows out;
        std::getline(in, out.header);
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        if (lines.empty()) {
            std::fprintf(stderr, "bench_kafka: no rows in %s\n", path.c_str());
            std::exit(1);
        }
        std::string chunk;
        std::uint32_t n = 0;
        for (std::size_t i = 0; i < kRows; ++i) {
            chunk += lines[i % lines.size()];
            chunk += '\n';
            if (++n, chunk.size() >= kChunkBytes) {
                out.chunks.push_back(std::move(chunk));
                out.counts.push_back(n);
                chunk.clear();
                n = 0;
            }
        }
        if (n != 0) {
            out.chunks.push_back(chunk);
            out.counts.push_back(n);
        }
        return out;
    }();
    return r;
}

void BM_KafkaSink(benchmark::State& state) {
    const Rows& r = rows();
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    rd_kafka_t* mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(mock_rk, 3);
    rd_kafka_mock_topic_create(mc, "flows", 6, 3);
    const std::string dir =
        (std::filesystem::temp_directory_path() / ("fm-bench-kafka-" + std::to_string(getpid())))
            .string();
    std::filesystem::create_directories(dir);

    fm::config::DaemonConfig cfg;
    cfg.output.directory = dir;
    cfg.output.sinks = {"kafka"};
    cfg.output.kafka.brokers = {rd_kafka_mock_cluster_bootstraps(mc)};
    cfg.output.kafka.compression = state.range(0) == 0   ? "none"
                                   : state.range(0) == 1 ? "lz4"
                                                         : "zstd";
    cfg.output.kafka.format = state.range(1) == 0 ? "csv" : "json";
    cfg.output.kafka.sensor_id = "bench";
    cfg.output.kafka.queue_max_bytes = 1ull << 30;  // no spooling: the brokers are up
    cfg.output.kafka.flush_timeout_s = 600;
    std::uint64_t delivered = 0;
    for (auto _ : state) {
        fm::output::KafkaSink sink(cfg, r.header, nullptr);
        for (std::size_t i = 0; i < r.chunks.size(); ++i) {
            sink.write_rows(r.chunks[i], r.counts[i]);
            sink.tick();
        }
        sink.close(false);  // returns once every row is acknowledged (or the deadline)
        delivered += sink.stats().rows_delivered;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(delivered));
    state.counters["delivered_per_pass"] =
        static_cast<double>(delivered) / static_cast<double>(state.iterations());
    std::filesystem::remove_all(dir);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(mock_rk);
}

BENCHMARK(BM_KafkaSink)
    ->ArgsProduct({{0, 1, 2}, {0, 1}})
    ->ArgNames({"compression", "json"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
