// SPDX-License-Identifier: BSD-3-Clause
// FlowWorker on its own: rows reach the sink on the worker thread, the end of input drains the
// inbox and the table, and with live input the injected monotonic clock lets an idle worker end
// flows the active timeout has certainly ended (without waiting for the end of input). The end
// of input wakes the worker (WorkerInbox::close): with an idle wait of ten minutes, longer than
// the test's timeout, the worker still finishes at once and never wakes up empty.
#include "flow/flow_worker.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "config/config.hpp"
#include "decode/packet_meta.hpp"
#include "dispatch/worker_queue.hpp"

namespace fm::flow {
namespace {

std::atomic<Micros> g_fake_mono{1'000'000};

Micros fake_mono() noexcept {
    return g_fake_mono.load(std::memory_order_relaxed);
}

constexpr Micros kT0 = 1'704'067'200'000'000;  // 2024-01-01T00:00:00Z

decode::PacketMeta udp(Micros ts, std::uint8_t client, bool reply) {
    decode::PacketMeta m;
    m.ts_us = ts;
    const std::array<std::uint8_t, 16> a{10, 0, 0, client};
    const std::array<std::uint8_t, 16> b{10, 0, 1, 1};
    m.src_ip = reply ? b : a;
    m.dst_ip = reply ? a : b;
    m.src_port = reply ? 53 : 40000;
    m.dst_port = reply ? 40000 : 53;
    m.protocol = 17;
    m.flags = decode::kL4Decoded;
    m.l4_header_len = 8;
    m.payload_len = 32;
    m.frame_payload_len = 32;
    m.wire_len = 74;
    return m;
}

/// Counts rows and records that it is only ever called on one thread, the worker's.
class CountingSink final : public WorkerRowSink {
public:
    CountingSink(std::atomic<std::uint64_t>& flushed_rows, std::atomic<bool>& wrong_thread)
        : flushed_rows_(flushed_rows),
          wrong_thread_(wrong_thread),
          owner_(std::this_thread::get_id()) {}
    void consume(std::span<const features::FeatureRow> rows) override {
        check_thread();
        pending_ += rows.size();
    }
    void flush() override {
        check_thread();
        flushed_rows_.fetch_add(pending_, std::memory_order_relaxed);
        pending_ = 0;
    }

private:
    void check_thread() {
        if (std::this_thread::get_id() != owner_) {
            wrong_thread_.store(true);
        }
    }
    std::atomic<std::uint64_t>& flushed_rows_;
    std::atomic<bool>& wrong_thread_;
    std::thread::id owner_;
    std::uint64_t pending_ = 0;
};

struct Harness {
    explicit Harness(bool clock, Micros idle_timeout_us = 0, Micros idle_wait_us = 500) {
        flow_cfg.idle_timeout_us = idle_timeout_us;
        options.table_capacity = 1024;
        options.expire_with_clock = clock;
        options.expire_lag_us = 2 * kMicrosPerSecond;
        options.expire_interval_us = 0;
        options.idle_wait_us = idle_wait_us;
        options.clock = &fake_mono;
        inbox = std::make_unique<dispatch::WorkerInbox>(1, 1024);
        worker = std::make_unique<FlowWorker>(flow_cfg, options, *inbox, counters, [this] {
            return std::make_unique<CountingSink>(flushed_rows, wrong_thread);
        });
        thread = std::thread([this] {
            worker->run([this](const std::string& e) {
                setup_error = e;
                ready.store(true);
            });
        });
        while (!ready.load()) {
            std::this_thread::yield();
        }
    }

    void send(const std::vector<decode::PacketMeta>& packets) {
        dispatch::ProducerToken token(inbox->lane(0));
        ASSERT_TRUE(inbox->try_push(0, token, packets.data(), packets.size()));
    }

    /// Waits (up to 10 s) for `pred`.
    template <typename Pred>
    bool eventually(Pred pred) {
        for (int i = 0; i < 10000; ++i) {
            if (pred()) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return pred();
    }

    void finish() {
        inbox->close();
        thread.join();
    }

    config::FlowConfig flow_cfg;
    FlowWorkerOptions options;
    std::unique_ptr<dispatch::WorkerInbox> inbox;
    WorkerCounters counters;
    std::atomic<std::uint64_t> flushed_rows{0};
    std::atomic<bool> wrong_thread{false};
    std::atomic<bool> ready{false};
    std::string setup_error;
    std::unique_ptr<FlowWorker> worker;
    std::thread thread;
};

TEST(FlowWorker, EndOfInputDrainsQueueAndTable) {
    Harness h(false);
    ASSERT_EQ(h.setup_error, "");
    std::vector<decode::PacketMeta> packets;
    for (std::uint8_t c = 1; c <= 50; ++c) {
        packets.push_back(udp(kT0 + c, c, false));
        packets.push_back(udp(kT0 + c + 100, c, true));
    }
    h.send(packets);
    h.finish();
    EXPECT_EQ(h.counters.packets.load(), packets.size());
    EXPECT_EQ(h.worker->final_counters().packets_in, packets.size());
    EXPECT_EQ(h.worker->final_counters().flows_created, 50U);
    EXPECT_EQ(h.worker->final_counters().rows_emitted, 50U);
    EXPECT_EQ(h.counters.rows.load(), 50U);
    EXPECT_EQ(h.flushed_rows.load(), 50U) << "rows left in the sink at the end";
    EXPECT_FALSE(h.wrong_thread.load()) << "the sink was used off the worker thread";
}

TEST(FlowWorker, IdleClockEndsTimedOutFlowsBeforeEndOfInput) {
    Harness h(true);
    ASSERT_EQ(h.setup_error, "");
    h.send({udp(kT0, 1, false), udp(kT0 + kMicrosPerSecond, 1, true)});
    ASSERT_TRUE(h.eventually([&] { return h.counters.packets.load() == 2; }));
    // 10 s later on the clock: inside the 120 s flow timeout, the flow must stay open.
    g_fake_mono.fetch_add(10 * kMicrosPerSecond);
    ASSERT_TRUE(h.eventually([&] { return h.counters.expire_calls.load() >= 2; }));
    EXPECT_EQ(h.flushed_rows.load(), 0U);
    // 200 s later: the flow's last packet is more than the timeout behind packet time now,
    // so the idle worker ends it and flushes the row while the input is still open.
    g_fake_mono.fetch_add(200 * kMicrosPerSecond);
    EXPECT_TRUE(h.eventually([&] { return h.flushed_rows.load() == 1; }));
    EXPECT_EQ(h.counters.rows.load(), 1U);
    h.finish();
    EXPECT_EQ(h.worker->final_counters().rows_emitted, 1U) << "the row must not repeat at drain";
    EXPECT_EQ(h.flushed_rows.load(), 1U);
    EXPECT_FALSE(h.wrong_thread.load());
}

TEST(FlowWorker, IdleTimeoutEndsFlowsWhileTheLinkIsSilent) {
    // flow.idle_timeout_s 3 s, live: no packet comes after the flow's two, and the clock alone
    // ends it once 3 s (plus the 2 s expiry lag) have passed, long before the flow timeout.
    Harness h(true, 3 * kMicrosPerSecond);
    ASSERT_EQ(h.setup_error, "");
    h.send({udp(kT0, 1, false), udp(kT0 + 1000, 1, true)});
    ASSERT_TRUE(h.eventually([&] { return h.counters.packets.load() == 2; }));
    // Two expiry rounds: the worker has paired the packet time with the clock.
    std::uint64_t calls = h.counters.expire_calls.load();
    ASSERT_TRUE(h.eventually([&] { return h.counters.expire_calls.load() >= calls + 2; }));
    g_fake_mono.fetch_add(4 * kMicrosPerSecond);  // 4 s - 2 s lag = 2 s of silence: too soon
    calls = h.counters.expire_calls.load();
    ASSERT_TRUE(h.eventually([&] { return h.counters.expire_calls.load() >= calls + 2; }));
    EXPECT_EQ(h.flushed_rows.load(), 0U);
    g_fake_mono.fetch_add(2 * kMicrosPerSecond);  // 4 s of silence behind the lag
    EXPECT_TRUE(h.eventually([&] { return h.flushed_rows.load() == 1; }));
    h.finish();
    EXPECT_EQ(h.worker->final_counters().expired_idle, 1U);
    EXPECT_EQ(h.worker->final_counters().ended_drain, 0U);
    EXPECT_EQ(h.worker->final_counters().rows_emitted, 1U);
}

TEST(FlowWorker, CaptureFilesNeverReadTheClock) {
    Harness h(false);
    h.send({udp(kT0, 1, false), udp(kT0 + kMicrosPerSecond, 1, true)});
    ASSERT_TRUE(h.eventually([&] { return h.counters.packets.load() == 2; }));
    g_fake_mono.fetch_add(1000 * kMicrosPerSecond);
    // Give a worker that would wait with a timeout (500 µs here) many chances to wake up.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(h.counters.idle_wakeups.load(), 0U) << "an offline worker woke up without packets";
    EXPECT_EQ(h.counters.expire_calls.load(), 0U);
    EXPECT_EQ(h.flushed_rows.load(), 0U) << "offline rows come at drain only";
    h.finish();
    EXPECT_EQ(h.flushed_rows.load(), 1U);
    EXPECT_EQ(h.counters.idle_wakeups.load(), 0U);
}

// The end of input is signalled: a live worker whose idle wait (a timer, for expiry) is ten
// minutes still ends as soon as the inbox is closed. If the end were noticed by polling, the
// join below would wait out the ten minutes and the test would hit its timeout (60 s).
TEST(FlowWorker, EndOfInputWakesAWorkerAtOnceWhateverItsIdleWait) {
    constexpr Micros kTenMinutes = 600 * kMicrosPerSecond;
    for (const bool live : {true, false}) {
        SCOPED_TRACE(live ? "live (timed idle wait)" : "capture file (untimed wait)");
        Harness h(live, 0, kTenMinutes);
        ASSERT_EQ(h.setup_error, "");
        h.send({udp(kT0, 1, false), udp(kT0 + 1000, 1, true)});
        ASSERT_TRUE(h.eventually([&] { return h.counters.packets.load() == 2; }));
        h.finish();  // closes the inbox while the worker sleeps on it, then joins
        EXPECT_EQ(h.counters.idle_wakeups.load(), 0U)
            << "the worker timed out instead of being woken";
        EXPECT_EQ(h.worker->final_counters().rows_emitted, 1U);
        EXPECT_EQ(h.flushed_rows.load(), 1U);
    }
}

// Packets and the end marker taken in one wait: the worker processes the packets and ends.
TEST(FlowWorker, PacketsAndTheEndOfInputInOneWakeUp) {
    constexpr Micros kTenMinutes = 600 * kMicrosPerSecond;
    config::FlowConfig flow_cfg;
    FlowWorkerOptions options;
    options.table_capacity = 1024;
    options.idle_wait_us = kTenMinutes;
    dispatch::WorkerInbox inbox(2, 1024);
    {
        // Both lanes push, then the inbox closes, all before the worker starts to wait.
        std::vector<decode::PacketMeta> a{udp(kT0, 1, false), udp(kT0 + 10, 1, true)};
        std::vector<decode::PacketMeta> b{udp(kT0 + 20, 2, false)};
        dispatch::ProducerToken t0(inbox.lane(0));
        dispatch::ProducerToken t1(inbox.lane(1));
        ASSERT_TRUE(inbox.try_push(0, t0, a.data(), a.size()));
        ASSERT_TRUE(inbox.try_push(1, t1, b.data(), b.size()));
        inbox.close();
        inbox.close();  // idempotent: one end marker
    }
    EXPECT_EQ(inbox.size_approx(), 4U) << "three packets and the end marker";
    WorkerCounters counters;
    std::atomic<std::uint64_t> flushed{0};
    std::atomic<bool> wrong_thread{false};
    FlowWorker worker(flow_cfg, options, inbox, counters,
                      [&] { return std::make_unique<CountingSink>(flushed, wrong_thread); });
    std::thread t([&] { worker.run([](const std::string&) {}); });
    t.join();
    EXPECT_EQ(counters.packets.load(), 3U);
    EXPECT_EQ(counters.idle_wakeups.load(), 0U);
    EXPECT_EQ(worker.final_counters().rows_emitted, 2U);
    EXPECT_EQ(flushed.load(), 2U);
}

}  // namespace
}  // namespace fm::flow
