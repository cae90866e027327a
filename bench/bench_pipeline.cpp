// SPDX-License-Identifier: BSD-3-Clause
// End-to-end offline throughput: the whole libflowmeter (capture file reader -> decoder ->
// dispatcher -> N flow workers -> CSV formatting on the workers -> writer) on a generated
// capture of 64-byte-class frames with 100K flows open at once. The capture is written once to
// a temporary file and read back before timing, so it is in the page cache. The pipeline runs
// through daemon::run_to_end, exactly as `flowmeterd -f FILE -o OUT` (the Run opens the file
// itself); OUT is on /dev/shm when it exists, so no disk is in the loop.
//
// Every result is reported as packets/s and as a fraction of a read-only baseline measured in
// the same run: libpcap's pcap_next_ex over the same file, doing nothing with the packets. The
// stage benchmarks (reader alone, capture thread alone, single-threaded engine) name the
// limiting stage: the capture thread's work is the ceiling for any number of workers.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <pcap/pcap.h>
#include <sys/resource.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "capture/capture_file_reader.hpp"
#include "capture/raw_batch.hpp"
#include "config/config.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/run.hpp"
#include "decode/decoder.hpp"
#include "dispatch/flow_hash.hpp"
#include "features/row_sink.hpp"
#include "flow/flow_engine.hpp"
#include "flow/flow_tuple.hpp"
#include "flowgen/pcap_writer.hpp"
#include "flowgen/traffic_model.hpp"
#include "output/csv_format.hpp"

namespace {

/// The benchmark capture: written once per process, removed at exit.
class BenchCapture {
public:
    BenchCapture() {
        fm::flowgen::TrafficConfig t;
        t.flows = 100'000;
        t.concurrency = 100'000;  // every flow open at once at the peak
        t.size_mix = fm::flowgen::SizeMix::Min64;
        t.duration_s = 100;
        t.seed = 4242;
        const std::vector<std::uint8_t> bytes =
            fm::flowgen::generate_pcap(t, fm::flowgen::TsPrecision::Micro, &stats_);
        path_ = (std::filesystem::temp_directory_path() /
                 ("flowmeterd-bench-" + std::to_string(getpid()) + ".pcap"))
                    .string();
        std::ofstream out(path_, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        out.close();
        bytes_ = bytes.size();
        baseline_pps_ = measure_libpcap_read();
    }
    ~BenchCapture() { std::filesystem::remove(path_); }

    const std::string& path() const { return path_; }
    std::uint64_t packets() const { return stats_.packets; }
    std::uint64_t bytes() const { return bytes_; }
    /// Read-only baseline: best of three passes of pcap_next_ex over the file (page cache).
    double baseline_pps() const { return baseline_pps_; }

    /// libpcap alone: packets of the file read, in a fresh pass.
    std::uint64_t libpcap_pass() const {
        char err[PCAP_ERRBUF_SIZE];
        pcap_t* p = pcap_open_offline(path_.c_str(), err);
        if (p == nullptr) {
            return 0;
        }
        pcap_pkthdr* hdr = nullptr;
        const u_char* data = nullptr;
        std::uint64_t n = 0;
        std::uint64_t sum = 0;
        while (pcap_next_ex(p, &hdr, &data) == 1) {
            sum += hdr->caplen;  // touch the header, as any consumer would
            ++n;
        }
        benchmark::DoNotOptimize(sum);
        pcap_close(p);
        return n;
    }

private:
    double measure_libpcap_read() const {
        double best = 0;
        for (int i = 0; i < 3; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            const std::uint64_t n = libpcap_pass();
            const double s =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            best = std::max(best, static_cast<double>(n) / s);
        }
        return best;
    }

    fm::flowgen::TrafficStats stats_;
    std::string path_;
    std::uint64_t bytes_ = 0;
    double baseline_pps_ = 0;
};

const BenchCapture& capture_file() {
    static const BenchCapture c;
    return c;
}

/// Where the pipeline benchmarks write their CSV: memory-backed when the system has /dev/shm.
std::string bench_output_file() {
    const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm")
                                          ? std::filesystem::path("/dev/shm")
                                          : std::filesystem::temp_directory_path();
    return (dir / ("flowmeterd-bench-" + std::to_string(getpid()) + ".csv")).string();
}

fm::config::DaemonConfig bench_config(std::uint32_t workers) {
    fm::config::DaemonConfig cfg;
    cfg.pipeline.workers = workers;
    cfg.output.file = bench_output_file();
    cfg.output.fsync = false;
    // Room for the 100K concurrent flows (and their splits) without allocating the default
    // million-flow table on every iteration.
    cfg.flow.max_flows = 1 << 18;
    return cfg;
}

/// CPU time of the whole process (every thread), in seconds.
double process_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

/// `cpu_s`: process CPU seconds spent in the timed loop, all threads together. On a shared
/// machine wall-clock rates depend on the other load; CPU time per packet does not, and
/// cores / (CPU per packet) is the rate the run would reach with its cores to itself.
void report(benchmark::State& state, std::uint64_t packets_per_pass, double cpu_s) {
    const BenchCapture& c = capture_file();
    const auto passes = static_cast<std::int64_t>(state.iterations());
    const double packets = static_cast<double>(passes) * static_cast<double>(packets_per_pass);
    state.counters["cpu_ns_per_pkt"] = cpu_s * 1e9 / packets;
    state.SetItemsProcessed(passes * static_cast<std::int64_t>(packets_per_pass));
    state.SetBytesProcessed(passes * static_cast<std::int64_t>(c.bytes()));
    state.counters["libpcap_read_pps"] = c.baseline_pps();
    // Packets/s of this benchmark over packets/s of merely reading the file with libpcap.
    state.counters["frac_of_read"] = benchmark::Counter(
        static_cast<double>(passes) * static_cast<double>(packets_per_pass) / c.baseline_pps(),
        benchmark::Counter::kIsRate);
}

/// The read-only baseline itself, as a benchmark row.
void BM_LibpcapRead(benchmark::State& state) {
    const BenchCapture& c = capture_file();
    const double cpu0 = process_cpu_seconds();
    for (auto _ : state) {
        benchmark::DoNotOptimize(c.libpcap_pass());
    }
    report(state, c.packets(), process_cpu_seconds() - cpu0);
}
BENCHMARK(BM_LibpcapRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

/// Stage: our capture file reader alone (libpcap + batching into RawBatch).
void BM_CaptureReader(benchmark::State& state) {
    const BenchCapture& c = capture_file();
    const double cpu0 = process_cpu_seconds();
    for (auto _ : state) {
        fm::capture::CaptureFileReader reader(c.path());
        fm::capture::RawBatch batch;
        std::uint64_t n = 0;
        while (const std::size_t k = reader.next_batch(batch)) {
            n += k;
        }
        benchmark::DoNotOptimize(n);
    }
    report(state, c.packets(), process_cpu_seconds() - cpu0);
}
BENCHMARK(BM_CaptureReader)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

/// Stage: everything the capture thread does per packet except the hand-off (read, decode,
/// the profile's flow key hash, shard), as flow/capture_lane.cpp does it. Its rate is the
/// ceiling of the whole pipeline.
void BM_CaptureThreadWork(benchmark::State& state) {
    const BenchCapture& c = capture_file();
    const fm::config::DaemonConfig cfg = bench_config(2);
    const fm::dispatch::ShardMap shards(2);
    const fm::features::CicCompat& compat = fm::features::compat_for(cfg.flow.profile);
    const double cpu0 = process_cpu_seconds();
    for (auto _ : state) {
        fm::capture::CaptureFileReader reader(c.path());
        fm::decode::Decoder decoder(cfg.decode);
        fm::capture::RawBatch batch;
        fm::decode::PacketMeta meta;
        std::uint64_t per_shard[2] = {0, 0};
        while (const std::size_t k = reader.next_batch(batch)) {
            for (std::size_t i = 0; i < k; ++i) {
                if (decoder.decode(batch.packets[i], meta) != fm::decode::DecodeStatus::Ok) {
                    continue;
                }
                const std::uint64_t hash = fm::flow::stamp_key_hash(
                    meta, compat, fm::flow::ordered_when_same_ip(cfg.flow.profile));
                ++per_shard[shards(static_cast<std::uint32_t>(hash >> 32))];
            }
        }
        benchmark::DoNotOptimize(per_shard);
    }
    report(state, c.packets(), process_cpu_seconds() - cpu0);
}
BENCHMARK(BM_CaptureThreadWork)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

/// Formats rows as CSV (format = true) or only counts them (the engine's cost alone).
class BenchSink final : public fm::features::RowSink {
public:
    BenchSink(const fm::output::CsvFormatter& f, bool format) : fmt_(f), format_(format) {}
    void consume(std::span<const fm::features::FeatureRow> rows) override {
        rows_ += rows.size();
        if (!format_) {
            return;
        }
        for (const auto& r : rows) {
            fmt_.append_row(r, buf_);
        }
        if (buf_.size() > (1 << 20)) {
            buf_.clear();
        }
    }
    std::uint64_t rows() const { return rows_; }

private:
    const fm::output::CsvFormatter& fmt_;
    bool format_;
    fmt::memory_buffer buf_;
    std::uint64_t rows_ = 0;
};

/// The single-threaded loop (read, decode, one engine, CSV into memory) on one thread.
/// Arg: 1 = format rows as CSV (what a worker does), 0 = no formatting (engine alone).
void BM_SingleThreaded(benchmark::State& state) {
    const BenchCapture& c = capture_file();
    const fm::config::DaemonConfig cfg = bench_config(1);
    const fm::output::CsvFormatter formatter(cfg.flow.profile, cfg.output.timezone,
                                             cfg.output.label);
    const double cpu0 = process_cpu_seconds();
    for (auto _ : state) {
        BenchSink sink(formatter, state.range(0) != 0);
        fm::flow::FlowEngine engine(cfg.flow, sink, cfg.flow.max_flows);
        fm::capture::CaptureFileReader reader(c.path());
        fm::decode::Decoder decoder(cfg.decode);
        fm::capture::RawBatch batch;
        std::vector<fm::decode::PacketMeta> metas(fm::capture::RawBatch::kCapacity);
        while (const std::size_t k = reader.next_batch(batch)) {
            std::size_t m = 0;
            for (std::size_t i = 0; i < k; ++i) {
                if (decoder.decode(batch.packets[i], metas[m]) == fm::decode::DecodeStatus::Ok) {
                    ++m;
                }
            }
            engine.process(std::span<const fm::decode::PacketMeta>(metas.data(), m));
        }
        engine.drain();
    }
    report(state, c.packets(), process_cpu_seconds() - cpu0);
}
BENCHMARK(BM_SingleThreaded)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

/// The whole pipeline. Arg: workers.
void BM_OfflinePipeline(benchmark::State& state) {
    const BenchCapture& c = capture_file();
    const fm::config::DaemonConfig cfg = bench_config(static_cast<std::uint32_t>(state.range(0)));
    fm::config::DaemonConfig run_cfg = cfg;
    run_cfg.capture.files = {c.path()};
    std::uint64_t rows = 0;
    std::uint64_t full_waits = 0;
    const double cpu0 = process_cpu_seconds();
    for (auto _ : state) {
        const fm::daemon::PipelineResult r = fm::daemon::run_to_end(run_cfg);
        rows = r.writer.rows_written;
        full_waits = r.stats.queue_full_waits;
        if (r.stats.packets_read != c.packets()) {
            state.SkipWithError("pipeline did not read the whole capture");
            break;
        }
    }
    report(state, c.packets(), process_cpu_seconds() - cpu0);
    std::filesystem::remove(run_cfg.output.file);
    state.counters["rows"] = static_cast<double>(rows);
    state.counters["queue_full_waits"] = static_cast<double>(full_waits);
}
// Axis: worker threads (the capture and writer threads come on top).
BENCHMARK(BM_OfflinePipeline)
    ->Arg(1)
    ->Arg(2)
    ->Arg(4)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

/// One worker reading and decoding the capture itself (PipelineOptions::run_to_completion, the
/// layout used for NIC queues spread by hardware RSS): no capture thread, no packet queue.
void BM_RunToCompletion(benchmark::State& state) {
    const BenchCapture& c = capture_file();
    const fm::config::DaemonConfig cfg = bench_config(1);
    fm::daemon::RunOptions options;
    options.pipeline.run_to_completion = true;
    const double cpu0 = process_cpu_seconds();
    for (auto _ : state) {
        fm::capture::CaptureFileReader reader(c.path());
        options.sources = {&reader};
        const fm::daemon::PipelineResult r = fm::daemon::run_to_end(cfg, options);
        if (r.stats.packets_read != c.packets()) {
            state.SkipWithError("pipeline did not read the whole capture");
            break;
        }
    }
    report(state, c.packets(), process_cpu_seconds() - cpu0);
}
BENCHMARK(BM_RunToCompletion)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
