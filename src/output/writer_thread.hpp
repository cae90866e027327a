// SPDX-License-Identifier: BSD-3-Clause
// The writer thread (O): takes chunks of formatted CSV rows from a moodycamel
// BlockingConcurrentQueue in bulk and hands them to a RotatingCsvWriter. It is the last stage of
// the pipeline (STYLE 4.2 step 8) and the only thread that touches output files.
//
// Degraded mode: when a write fails (disk full, directory removed, permissions) the rows that
// did not reach a file are held in memory in arrival order, counted (output.rows_held_io),
// logged at warn at most once per log interval and retried every retry interval. Rows that
// arrive meanwhile queue up behind them. The hold buffer never holds more than hold_max_bytes:
// a chunk that does not fit waits, still unwritten, with the rest of the bulk it came in (at
// most kBulk chunks taken from the queue before the failure), and the thread stops draining
// its queue; the queue fills and producers wait in push_rows() (backpressure: a finished row is
// never dropped, STYLE decision 2). Each such episode is logged once, with the figures.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <concurrentqueue/blockingconcurrentqueue.h>

#include "output/rotating_csv_writer.hpp"
#include "output/row_stream.hpp"
#include "output/writer_counters.def"

namespace fm::output {

/// A piece of output: whole CSV rows as text, each ending in '\n', without the header, in the
/// order the producer wants them written. Producers (flow workers) format into `text` and move
/// the chunk into the queue; the writer thread owns it from then on. Chunks of a few dozen rows
/// keep the queue traffic low; one row per chunk works too.
struct RowChunk {
    std::string text;
    std::uint32_t rows = 0;  ///< number of '\n'-terminated rows in text
};

/// Chunks one producer may have in the queue at once. A compile-time bound per producer
/// (moodycamel MAX_SUBQUEUE_SIZE) because explicit producers keep the blocks they once took:
/// without it one fast producer could take every preallocated block and starve the others.
inline constexpr std::size_t kRowQueueDepth = 256;

struct RowQueueTraits : moodycamel::ConcurrentQueueDefaultTraits {
    static constexpr std::size_t BLOCK_SIZE = 32;
    static constexpr std::size_t MAX_SUBQUEUE_SIZE = kRowQueueDepth;
};

using RowQueue = moodycamel::BlockingConcurrentQueue<RowChunk, RowQueueTraits>;

/// A queue for `producers` producers, each using its own ProducerToken with push_rows():
/// blocks for kRowQueueDepth chunks per producer are allocated here, and enqueueing never
/// allocates afterwards, so a full queue makes producers wait instead of growing.
std::unique_ptr<RowQueue> make_row_queue(std::size_t producers);

/// Producer side with backpressure: enqueues with the producer's token, sleeping briefly while
/// the queue is full (the writer is behind or holding rows). Returns false, leaving `chunk`
/// untouched, only when `abandon` is set and becomes true while waiting.
bool push_rows(RowQueue& queue, moodycamel::ProducerToken& token, RowChunk&& chunk,
               const std::atomic<bool>* abandon = nullptr);

struct WriterThreadOptions {
    std::uint64_t hold_max_bytes = 64ull << 20;      ///< output.hold_max_bytes
    std::chrono::milliseconds retry_interval{1000};  ///< retry held rows this often
    std::chrono::milliseconds poll_interval{100};    ///< longest sleep on an empty queue
    std::chrono::milliseconds log_interval{10000};   ///< at most one error line per interval
    std::chrono::milliseconds tick_interval{1000};   ///< RotatingCsvWriter::tick() period
    /// output.sinks: rows go to the CSV files (csv) and/or to `stream` (kafka), which gets
    /// every chunk first, ticks every loop turn and is closed at the end. Borrowed.
    bool csv = true;
    RowStream* stream = nullptr;
};

/// Counter snapshot; each value is read with a relaxed load (stats reporter).
struct WriterStats {
#define FM_WRITER_COUNTER_FIELD(field, name, doc) std::uint64_t field = 0;
    FM_WRITER_COUNTERS(FM_WRITER_COUNTER_FIELD)
#undef FM_WRITER_COUNTER_FIELD
    std::uint64_t heartbeat = 0;  ///< loop iterations; advances while the thread is alive

    /// fn(name, value) for every counter of output/writer_counters.def, in table order.
    template <typename Fn>
    void for_each(Fn&& fn) const {
#define FM_WRITER_COUNTER_VISIT(field, name, doc) fn(std::string_view(name), field);
        FM_WRITER_COUNTERS(FM_WRITER_COUNTER_VISIT)
#undef FM_WRITER_COUNTER_VISIT
    }
};

class WriterThread {
public:
    /// Borrows both: `queue` and `writer` must outlive this object. The thread starts in
    /// start() and is the writer's only user until it has stopped.
    WriterThread(RowQueue& queue, RotatingCsvWriter& writer, WriterThreadOptions options);
    /// Stops like stop() when still running.
    ~WriterThread();

    WriterThread(const WriterThread&) = delete;
    WriterThread& operator=(const WriterThread&) = delete;

    void start();

    /// SIGHUP: close the current file at the next loop turn; the next row opens a new one.
    /// Any thread.
    void request_rotate() noexcept;

    /// Graceful end. Call after every producer has finished (joined): the thread writes all
    /// that is queued and held, retrying while the output fails, closes and renames the file,
    /// and exits. Blocks until then, or until stop_fast() is called from another thread.
    void stop();

    /// Fast end (second signal): writes what is queued and held with one attempt, counts what
    /// could not be written as rows_lost, closes the file and exits. Any thread, also a signal
    /// watcher while another thread waits in stop(); does not wait.
    void request_fast_stop() noexcept;
    /// request_fast_stop() and wait for the thread (safe while another thread is in stop()).
    void stop_fast();

    /// True once the thread has left its loop (after stop or stop_fast).
    bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

    WriterStats stats() const noexcept;

private:
    enum class StopMode : int { Running = 0, Graceful = 1, Fast = 2 };

    void run();
    /// Ends the writer thread's wait on the queue. Any thread.
    void wake() noexcept;
    void consume(RowChunk&& chunk);
    void hold(RowChunk&& chunk);
    /// Puts a chunk into the hold buffer (the caller made sure it fits).
    void keep(RowChunk&& chunk);
    /// Moves waiting chunks into the hold buffer while they fit; ends a full episode.
    void refill_hold();
    /// Chunks taken from the queue and not yet written: held or waiting.
    bool backlog() const noexcept { return !held_.empty() || !waiting_.empty(); }
    bool flush_held(bool final_attempt);
    void report_error(int error);
    void report_recovery();
    void finish(bool fast);
    void finish_csv(bool fast);
    void join();

    RowQueue& queue_;
    RotatingCsvWriter& writer_;
    WriterThreadOptions opt_;
    std::thread thread_;
    std::mutex join_mutex_;  ///< stop() and stop_fast() may wait from two threads at once

    // Written by the control thread, read by the writer thread.
    std::atomic<int> stop_mode_{0};
    std::atomic<bool> rotate_requested_{false};
    std::atomic<bool> finished_{false};

    // Owned by the writer thread.
    std::deque<RowChunk> held_;
    std::uint64_t held_bytes_ = 0;  ///< never more than opt_.hold_max_bytes
    /// Taken from the queue after the held rows but not fitting the hold buffer: written after
    /// them, in order; while any waits, nothing more is taken from the queue.
    std::deque<RowChunk> waiting_;
    std::chrono::steady_clock::time_point full_since_{};
    bool hold_full_ = false;  ///< a full episode is under way (logged once)
    std::chrono::steady_clock::time_point next_retry_{};
    std::chrono::steady_clock::time_point next_log_{};
    std::chrono::steady_clock::time_point failing_since_{};
    std::uint64_t suppressed_errors_ = 0;
    bool failing_ = false;

    // Written by the writer thread (relaxed), read by the stats reporter.
    struct Counters {
#define FM_WRITER_COUNTER_ATOMIC(field, name, doc) std::atomic<std::uint64_t> field{0};
        FM_WRITER_COUNTERS(FM_WRITER_COUNTER_ATOMIC)
#undef FM_WRITER_COUNTER_ATOMIC
        std::atomic<std::uint64_t> heartbeat{0};
    };
    Counters counters_;
};

}  // namespace fm::output
