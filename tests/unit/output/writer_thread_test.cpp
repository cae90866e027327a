// SPDX-License-Identifier: BSD-3-Clause
// WriterThread: rows from several producers all reach the files; under ENOSPC rows are held and
// counted, nothing is lost or doubled once the fault clears; at hold_max_bytes the thread stops
// draining and producers wait (backpressure); SIGHUP-style rotation; graceful and fast stop.
#include "output/writer_thread.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace fm::output {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kHeader = "id,producer\n";

using test_support::TempDir;

config::OutputConfig out_cfg(const std::string& dir) {
    config::OutputConfig c;
    c.directory = dir;
    c.rotate_max_bytes = 0;
    c.rotate_interval_s = 0;
    c.rotate_max_rows = 0;
    c.fsync = false;
    return c;
}

WriterThreadOptions fast_options() {
    WriterThreadOptions o;
    o.retry_interval = 5ms;
    o.poll_interval = 2ms;
    o.tick_interval = 5ms;
    o.log_interval = 50ms;
    return o;
}

RowChunk chunk(int producer, int first, int rows) {
    RowChunk c;
    for (int i = first; i < first + rows; ++i) {
        c.text += std::to_string(i) + "," + std::to_string(producer) + "\n";
    }
    c.rows = static_cast<std::uint32_t>(rows);
    return c;
}

bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds limit = 10s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (cond()) {
            return true;
        }
        std::this_thread::sleep_for(1ms);
    }
    return cond();
}

/// Reads every complete file; checks headers; returns the rows per producer in file order.
std::map<int, std::vector<int>> read_rows(const std::string& dir, std::size_t* files = nullptr) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
        const std::string n = e.path().filename().string();
        EXPECT_FALSE(n.ends_with(".partial")) << "unfinished file " << n;
        if (n.ends_with(".csv")) {
            names.push_back(n);
        }
    }
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        // PREFIX-STAMP-N.csv: by time stamp, then by N as a number
        auto key = [](const std::string& s) {
            const auto dash = s.rfind('-');
            return std::make_pair(s.substr(0, dash), std::stoul(s.substr(dash + 1)));
        };
        return key(a) < key(b);
    });
    if (files != nullptr) {
        *files = names.size();
    }
    std::map<int, std::vector<int>> rows;
    for (const std::string& n : names) {
        std::ifstream in(fs::path(dir) / n);
        std::string line;
        EXPECT_TRUE(std::getline(in, line));
        EXPECT_EQ(line + "\n", kHeader) << n;
        while (std::getline(in, line)) {
            const auto comma = line.find(',');
            rows[std::stoi(line.substr(comma + 1))].push_back(std::stoi(line.substr(0, comma)));
        }
    }
    return rows;
}

std::vector<int> iota(int n) {
    std::vector<int> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        v[static_cast<std::size_t>(i)] = i;
    }
    return v;
}

TEST(WriterThread, ManyProducersEveryRowOnceInProducerOrder) {
    TempDir dir;
    config::OutputConfig cfg = out_cfg(dir.path());
    cfg.rotate_max_rows = 1000;
    RotatingCsvWriter writer(cfg, kHeader);
    constexpr int kProducers = 3;
    constexpr int kChunks = 300;
    constexpr int kRows = 7;
    auto queue = make_row_queue(kProducers);
    WriterThread wt(*queue, writer, fast_options());
    wt.start();
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
            moodycamel::ProducerToken tok(*queue);
            for (int c = 0; c < kChunks; ++c) {
                ASSERT_TRUE(push_rows(*queue, tok, chunk(p, c * kRows, kRows)));
            }
        });
    }
    for (auto& t : producers) {
        t.join();
    }
    wt.stop();
    EXPECT_TRUE(wt.finished());
    const WriterStats s = wt.stats();
    EXPECT_EQ(s.rows_written, static_cast<std::uint64_t>(kProducers * kChunks * kRows));
    EXPECT_EQ(s.chunks, static_cast<std::uint64_t>(kProducers * kChunks));
    EXPECT_EQ(s.write_errors, 0u);
    EXPECT_EQ(s.rows_held_io, 0u);
    std::size_t files = 0;
    const auto rows = read_rows(dir.path(), &files);
    EXPECT_EQ(files, static_cast<std::size_t>((kProducers * kChunks * kRows + 999) / 1000));
    EXPECT_EQ(s.files_closed, files);
    for (int p = 0; p < kProducers; ++p) {
        EXPECT_EQ(rows.at(p), iota(kChunks * kRows)) << "producer " << p;
    }
}

TEST(WriterThread, EnospcHoldsRowsAndWritesThemWhenSpaceReturns) {
    TempDir dir;
    RotatingCsvWriter writer(out_cfg(dir.path()), kHeader);
    auto queue = make_row_queue(1);
    WriterThread wt(*queue, writer, fast_options());
    wt.start();
    moodycamel::ProducerToken tok(*queue);

    ASSERT_TRUE(push_rows(*queue, tok, chunk(0, 0, 5)));
    ASSERT_TRUE(eventually([&] { return wt.stats().rows_written == 5; }));

    writer.inject_write_error_for_test(ENOSPC);
    for (int c = 1; c <= 10; ++c) {
        ASSERT_TRUE(push_rows(*queue, tok, chunk(0, c * 5, 5)));
    }
    ASSERT_TRUE(eventually([&] { return wt.stats().rows_held_now == 50; }));
    {
        const WriterStats s = wt.stats();
        EXPECT_EQ(s.rows_written, 5u);
        EXPECT_EQ(s.rows_held_io, 50u);
        EXPECT_GT(s.bytes_held_now, 0u);
        EXPECT_GE(s.write_errors, 1u);
    }
    // retries keep failing while the fault lasts, and nothing is written meanwhile
    const std::uint64_t errors = wt.stats().write_errors;
    ASSERT_TRUE(eventually([&] { return wt.stats().write_errors > errors + 2; }));
    EXPECT_EQ(wt.stats().rows_written, 5u);

    writer.inject_write_error_for_test(0);
    ASSERT_TRUE(eventually([&] { return wt.stats().rows_written == 55; }));
    EXPECT_EQ(wt.stats().rows_held_now, 0u);
    EXPECT_EQ(wt.stats().bytes_held_now, 0u);
    ASSERT_TRUE(push_rows(*queue, tok, chunk(0, 55, 5)));
    wt.stop();
    EXPECT_EQ(wt.stats().rows_written, 60u);
    EXPECT_EQ(wt.stats().rows_lost, 0u);
    EXPECT_EQ(read_rows(dir.path()).at(0), iota(60));
}

TEST(WriterThread, BackpressureWhenTheHoldBufferIsFull) {
    TempDir dir;
    RotatingCsvWriter writer(out_cfg(dir.path()), kHeader);
    WriterThreadOptions opt = fast_options();
    opt.hold_max_bytes = 2000;
    constexpr int kChunks = 2000;  // far more than the queue and the hold buffer take
    auto queue = make_row_queue(1);
    WriterThread wt(*queue, writer, opt);
    writer.inject_write_error_for_test(ENOSPC);
    wt.start();

    std::atomic<int> pushed{0};
    std::thread producer([&] {
        moodycamel::ProducerToken tok(*queue);
        for (int c = 0; c < kChunks; ++c) {
            ASSERT_TRUE(push_rows(*queue, tok, chunk(0, c * 4, 4)));
            pushed.fetch_add(1);
        }
    });
    // the writer holds up to the bound, then stops taking; the queue fills; the producer waits
    ASSERT_TRUE(eventually([&] { return wt.stats().hold_full == 1; }));
    std::this_thread::sleep_for(100ms);  // the bulk being consumed when the bound was hit
    const WriterStats at_bound = wt.stats();
    // Held exactly up to the bound: the next chunk (4 rows) would not have fitted.
    EXPECT_LE(at_bound.bytes_held_now, opt.hold_max_bytes);
    EXPECT_GT(at_bound.bytes_held_now + chunk(0, 0, 4).text.size() * 2, opt.hold_max_bytes);
    EXPECT_EQ(at_bound.bytes_held_peak, at_bound.bytes_held_now);
    const int stuck_at = pushed.load();
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(pushed.load(), stuck_at) << "producer was not held back";
    EXPECT_LT(stuck_at, kChunks);
    EXPECT_EQ(wt.stats().chunks, at_bound.chunks) << "writer kept draining past the bound";
    EXPECT_GT(queue->size_approx(), 0u);
    EXPECT_EQ(wt.stats().rows_written, 0u);

    writer.inject_write_error_for_test(0);
    producer.join();
    wt.stop();
    const WriterStats s = wt.stats();
    EXPECT_EQ(s.rows_written, static_cast<std::uint64_t>(kChunks * 4));
    EXPECT_EQ(s.rows_lost, 0u);
    EXPECT_GE(s.rows_held_io, at_bound.rows_held_io);
    EXPECT_LE(s.bytes_held_peak, opt.hold_max_bytes) << "held more than output.hold_max_bytes";
    EXPECT_EQ(s.hold_full, 1u) << "one episode, reported once";
    EXPECT_EQ(read_rows(dir.path()).at(0), iota(kChunks * 4));
}

TEST(WriterThread, NeverHoldsMoreThanTheLimitWhateverTheChunkSizes) {
    // Chunks of 1..9 rows: the limit is never a multiple of what arrives, and a failure in the
    // middle of a bulk leaves the rest of the bulk to fit or wait.
    TempDir dir;
    RotatingCsvWriter writer(out_cfg(dir.path()), kHeader);
    WriterThreadOptions opt = fast_options();
    opt.hold_max_bytes = 1237;
    auto queue = make_row_queue(1);
    WriterThread wt(*queue, writer, opt);
    writer.inject_write_error_for_test(ENOSPC, 500);  // fails after 500 bytes of rows
    wt.start();
    int rows = 0;
    std::thread producer([&] {
        moodycamel::ProducerToken tok(*queue);
        for (int c = 0; c < 3000; ++c) {
            const int n = 1 + c % 9;
            ASSERT_TRUE(push_rows(*queue, tok, chunk(0, rows, n)));
            rows += n;
        }
    });
    std::uint64_t most = 0;
    ASSERT_TRUE(eventually([&] {
        most = std::max(most, wt.stats().bytes_held_now);
        return wt.stats().hold_full == 1;
    }));
    for (int i = 0; i < 50; ++i) {
        most = std::max(most, wt.stats().bytes_held_now);
        std::this_thread::sleep_for(2ms);
    }
    EXPECT_LE(most, opt.hold_max_bytes);
    EXPECT_GT(wt.stats().bytes_held_peak, opt.hold_max_bytes - 9 * 12)
        << "stopped well before the limit";
    writer.inject_write_error_for_test(0);
    producer.join();
    wt.stop();
    const WriterStats s = wt.stats();
    EXPECT_LE(s.bytes_held_peak, opt.hold_max_bytes);
    EXPECT_EQ(s.hold_full, 1u);
    EXPECT_EQ(s.rows_lost, 0u);
    EXPECT_EQ(read_rows(dir.path()).at(0), iota(rows));
}

TEST(WriterThread, RequestRotateStartsANewFile) {
    TempDir dir;
    RotatingCsvWriter writer(out_cfg(dir.path()), kHeader);
    auto queue = make_row_queue(1);
    WriterThread wt(*queue, writer, fast_options());
    wt.start();
    moodycamel::ProducerToken tok(*queue);
    ASSERT_TRUE(push_rows(*queue, tok, chunk(0, 0, 2)));
    ASSERT_TRUE(eventually([&] { return wt.stats().rows_written == 2; }));
    wt.request_rotate();
    ASSERT_TRUE(eventually([&] { return wt.stats().files_closed == 1; }));
    ASSERT_TRUE(push_rows(*queue, tok, chunk(0, 2, 2)));
    wt.stop();
    std::size_t files = 0;
    EXPECT_EQ(read_rows(dir.path(), &files).at(0), iota(4));
    EXPECT_EQ(files, 2u);
}

TEST(WriterThread, GracefulStopWaitsForTheOutputToRecover) {
    TempDir dir;
    RotatingCsvWriter writer(out_cfg(dir.path()), kHeader);
    auto queue = make_row_queue(1);
    WriterThread wt(*queue, writer, fast_options());
    writer.inject_write_error_for_test(ENOSPC);
    wt.start();
    {
        moodycamel::ProducerToken tok(*queue);
        ASSERT_TRUE(push_rows(*queue, tok, chunk(0, 0, 3)));
    }
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        wt.stop();
        stopped = true;
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_FALSE(stopped.load()) << "stopped with rows still held";
    writer.inject_write_error_for_test(0);
    stopper.join();
    EXPECT_EQ(wt.stats().rows_written, 3u);
    EXPECT_EQ(read_rows(dir.path()).at(0), iota(3));
}

TEST(WriterThread, FastStopGivesUpAndCountsTheLoss) {
    TempDir dir;
    RotatingCsvWriter writer(out_cfg(dir.path()), kHeader);
    auto queue = make_row_queue(1);
    WriterThread wt(*queue, writer, fast_options());
    wt.start();
    moodycamel::ProducerToken tok(*queue);
    ASSERT_TRUE(push_rows(*queue, tok, chunk(0, 0, 2)));
    ASSERT_TRUE(eventually([&] { return wt.stats().rows_written == 2; }));
    writer.inject_write_error_for_test(ENOSPC);
    ASSERT_TRUE(push_rows(*queue, tok, chunk(0, 2, 3)));
    ASSERT_TRUE(eventually([&] { return wt.stats().rows_held_now == 3; }));
    std::thread stopper([&] { wt.stop(); });  // first signal: waits for the disk
    std::this_thread::sleep_for(50ms);
    wt.stop_fast();  // second signal
    stopper.join();
    EXPECT_TRUE(wt.finished());
    EXPECT_EQ(wt.stats().rows_lost, 3u);
    EXPECT_EQ(wt.stats().rows_written, 2u);
    // the two rows written before the fault are in a complete file
    writer.inject_write_error_for_test(0);
    EXPECT_EQ(read_rows(dir.path()).at(0), iota(2));
}

TEST(WriterThread, FastStopWritesWhatIsQueuedWhenTheOutputWorks) {
    TempDir dir;
    RotatingCsvWriter writer(out_cfg(dir.path()), kHeader);
    auto queue = make_row_queue(1);
    WriterThread wt(*queue, writer, fast_options());
    {
        moodycamel::ProducerToken tok(*queue);
        for (int c = 0; c < 20; ++c) {
            ASSERT_TRUE(push_rows(*queue, tok, chunk(0, c, 1)));
        }
    }
    wt.request_fast_stop();  // before the thread even runs: it still writes the 20 rows
    wt.start();
    wt.stop_fast();
    EXPECT_EQ(wt.stats().rows_written, 20u);
    EXPECT_EQ(wt.stats().rows_lost, 0u);
    EXPECT_EQ(read_rows(dir.path()).at(0), iota(20));
}

TEST(WriterThread, PushRowsGivesUpOnlyWhenAbandoned) {
    auto queue = make_row_queue(1);
    moodycamel::ProducerToken tok(*queue);
    int accepted = 0;
    std::atomic<bool> abandon{true};
    while (push_rows(*queue, tok, chunk(0, accepted, 1), &abandon)) {
        ++accepted;
        ASSERT_LT(accepted, 100000) << "the queue never filled";
    }
    EXPECT_GT(accepted, 0);
    EXPECT_EQ(queue->size_approx(), static_cast<std::size_t>(accepted));
    RowChunk kept = chunk(0, 99, 1);
    EXPECT_FALSE(push_rows(*queue, tok, std::move(kept), &abandon));
    EXPECT_EQ(kept.rows, 1u) << "a refused chunk must stay with the producer";
    EXPECT_FALSE(kept.text.empty());
}

}  // namespace
}  // namespace fm::output
