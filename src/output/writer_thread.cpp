// SPDX-License-Identifier: BSD-3-Clause
// WriterThread: the loop that drains the row queue into the rotating CSV files, the hold
// buffer for I/O errors, and the producer-side backpressure helper. Drain on shutdown follows
// the moodycamel "pump until empty" rule: stop() is called after the producers joined, so an
// empty dequeue then means the queue is empty for good.
#include "output/writer_thread.hpp"

#include <algorithm>
#include <vector>

#include "common/this_thread.hpp"
#include "common/tsan_sync.hpp"
#include "output/output_log.hpp"

namespace fm::output {

namespace {

constexpr std::size_t kBulk = 64;

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::unique_ptr<RowQueue> make_row_queue(std::size_t producers) {
    // A producer with kRowQueueDepth chunks queued, its head in the middle of a block, spans
    // kRowQueueDepth / BLOCK_SIZE + 1 blocks.
    constexpr std::size_t kPerProducer = kRowQueueDepth + RowQueueTraits::BLOCK_SIZE;
    return std::make_unique<RowQueue>(std::max<std::size_t>(producers, 1) * kPerProducer);
}

bool push_rows(RowQueue& queue, moodycamel::ProducerToken& token, RowChunk&& chunk,
               const std::atomic<bool>* abandon) {
    // try_enqueue never allocates and leaves the chunk alone when it fails, so waiting here
    // is the whole backpressure mechanism. Short sleeps first: a writer that is only briefly
    // behind frees blocks within microseconds.
    auto pause = std::chrono::microseconds(20);
    constexpr auto kMaxPause = std::chrono::microseconds(2000);
    for (;;) {
        tsan_queue_acquire(&queue);
        const bool queued = queue.try_enqueue(token, std::move(chunk));
        tsan_queue_release(&queue);
        if (queued) {
            break;
        }
        if (abandon != nullptr && abandon->load(std::memory_order_relaxed)) {
            return false;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min<std::chrono::microseconds>(pause * 2, kMaxPause);
    }
    return true;
}

WriterThread::WriterThread(RowQueue& queue, RotatingCsvWriter& writer, WriterThreadOptions options)
    : queue_(queue), writer_(writer), opt_(options) {
    if (opt_.stream != nullptr) {
        // A stream waiting for its destination (the Kafka spool full) keeps the thread's
        // heartbeat going: it is waiting as designed, not hung.
        opt_.stream->set_heartbeat(&counters_.heartbeat);
    }
}

WriterThread::~WriterThread() {
    if (thread_.joinable()) {
        stop();
    }
}

void WriterThread::start() {
    thread_ = std::thread([this] {
        name_this_thread("fm-writer");
        run();
    });
}

void WriterThread::wake() noexcept {
    // An empty chunk ends the thread's timed wait at once: a request is acted on now, not at
    // the next poll interval (an empty capture then finishes in milliseconds). consume()
    // ignores it. Enqueueing may allocate; if it cannot, the poll interval still bounds the
    // delay.
    try {
        tsan_queue_acquire(&queue_);
        queue_.enqueue(RowChunk{});
        tsan_queue_release(&queue_);
    } catch (...) {
        tsan_queue_release(&queue_);
    }
}

void WriterThread::request_rotate() noexcept {
    rotate_requested_.store(true, std::memory_order_release);
    wake();
}

void WriterThread::stop() {
    int expected = static_cast<int>(StopMode::Running);
    stop_mode_.compare_exchange_strong(expected, static_cast<int>(StopMode::Graceful),
                                       std::memory_order_acq_rel);
    wake();
    join();
}

void WriterThread::request_fast_stop() noexcept {
    stop_mode_.store(static_cast<int>(StopMode::Fast), std::memory_order_release);
    wake();
}

void WriterThread::stop_fast() {
    request_fast_stop();
    join();
}

void WriterThread::join() {
    const std::lock_guard lock(join_mutex_);
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
        thread_.join();
    }
}

WriterStats WriterThread::stats() const noexcept {
    constexpr auto r = std::memory_order_relaxed;
    WriterStats s;
#define FM_WRITER_COUNTER_LOAD(field, name, doc) s.field = counters_.field.load(r);
    FM_WRITER_COUNTERS(FM_WRITER_COUNTER_LOAD)
#undef FM_WRITER_COUNTER_LOAD
    s.heartbeat = counters_.heartbeat.load(r);
    return s;
}

void WriterThread::hold(RowChunk&& chunk) {
    if (chunk.rows == 0 && chunk.text.empty()) {
        return;
    }
    if (!waiting_.empty() || held_bytes_ + chunk.text.size() > opt_.hold_max_bytes) {
        waiting_.push_back(std::move(chunk));
        if (!hold_full_) {
            hold_full_ = true;
            full_since_ = std::chrono::steady_clock::now();
            counters_.hold_full.fetch_add(1, std::memory_order_relaxed);
            output_log()->warn(
                "output: hold buffer full: {} rows ({} bytes) held, limit {} bytes "
                "(output.hold_max_bytes); no more rows are taken until the output works again, "
                "producers wait",
                counters_.rows_held_now.load(std::memory_order_relaxed), held_bytes_,
                opt_.hold_max_bytes);
        }
        return;
    }
    keep(std::move(chunk));
}

void WriterThread::keep(RowChunk&& chunk) {
    counters_.rows_held_io.fetch_add(chunk.rows, std::memory_order_relaxed);
    held_bytes_ += chunk.text.size();
    held_.push_back(std::move(chunk));
    counters_.rows_held_now.fetch_add(held_.back().rows, std::memory_order_relaxed);
    counters_.bytes_held_now.store(held_bytes_, std::memory_order_relaxed);
    if (held_bytes_ > counters_.bytes_held_peak.load(std::memory_order_relaxed)) {
        counters_.bytes_held_peak.store(held_bytes_, std::memory_order_relaxed);
    }
}

void WriterThread::refill_hold() {
    while (!waiting_.empty() && held_bytes_ + waiting_.front().text.size() <= opt_.hold_max_bytes) {
        RowChunk c = std::move(waiting_.front());
        waiting_.pop_front();
        keep(std::move(c));
    }
    if (waiting_.empty() && hold_full_) {
        hold_full_ = false;
        output_log()->info("output: hold buffer below its limit again after {:.1f} s",
                           seconds_since(full_since_));
    }
}

void WriterThread::consume(RowChunk&& chunk) {
    if (chunk.rows == 0 && chunk.text.empty()) {
        return;  // a wake-up (wake()), not rows
    }
    counters_.chunks.fetch_add(1, std::memory_order_relaxed);
    if (opt_.stream != nullptr) {
        opt_.stream->write_rows(chunk.text, chunk.rows);
    }
    if (!opt_.csv) {
        return;
    }
    if (backlog()) {
        hold(std::move(chunk));  // keep the order: nothing overtakes held rows
        return;
    }
    const WriteStatus st = writer_.write_rows(chunk.text, chunk.rows);
    counters_.rows_written.fetch_add(st.rows, std::memory_order_relaxed);
    counters_.bytes_written.fetch_add(st.bytes, std::memory_order_relaxed);
    counters_.files_closed.store(writer_.files_closed(), std::memory_order_relaxed);
    if (st.error == 0) {
        report_recovery();
        return;
    }
    chunk.text.erase(0, st.bytes);
    chunk.rows -= static_cast<std::uint32_t>(st.rows);
    report_error(st.error);
    hold(std::move(chunk));
    next_retry_ = std::chrono::steady_clock::now() + opt_.retry_interval;
}

bool WriterThread::flush_held(bool final_attempt) {
    for (;;) {
        refill_hold();
        if (held_.empty()) {
            if (waiting_.empty()) {
                break;
            }
            // A single chunk larger than the whole hold buffer: written from where it waits.
            RowChunk& front = waiting_.front();
            const WriteStatus st = writer_.write_rows(front.text, front.rows);
            counters_.rows_written.fetch_add(st.rows, std::memory_order_relaxed);
            counters_.bytes_written.fetch_add(st.bytes, std::memory_order_relaxed);
            counters_.files_closed.store(writer_.files_closed(), std::memory_order_relaxed);
            front.text.erase(0, st.bytes);
            front.rows -= static_cast<std::uint32_t>(st.rows);
            if (front.text.empty()) {
                waiting_.pop_front();
            }
            if (st.error != 0) {
                report_error(st.error);
                if (!final_attempt) {
                    next_retry_ = std::chrono::steady_clock::now() + opt_.retry_interval;
                }
                return false;
            }
            continue;
        }
        RowChunk& front = held_.front();
        const WriteStatus st = writer_.write_rows(front.text, front.rows);
        counters_.rows_written.fetch_add(st.rows, std::memory_order_relaxed);
        counters_.bytes_written.fetch_add(st.bytes, std::memory_order_relaxed);
        counters_.rows_held_now.fetch_sub(st.rows, std::memory_order_relaxed);
        counters_.files_closed.store(writer_.files_closed(), std::memory_order_relaxed);
        held_bytes_ -= st.bytes;
        if (st.bytes == front.text.size()) {
            held_.pop_front();
        } else {
            front.text.erase(0, st.bytes);
            front.rows -= static_cast<std::uint32_t>(st.rows);
        }
        counters_.bytes_held_now.store(held_bytes_, std::memory_order_relaxed);
        if (st.error != 0) {
            report_error(st.error);
            if (!final_attempt) {
                next_retry_ = std::chrono::steady_clock::now() + opt_.retry_interval;
            }
            return false;
        }
    }
    report_recovery();
    return true;
}

void WriterThread::report_error(int error) {
    (void)error;
    counters_.write_errors.fetch_add(1, std::memory_order_relaxed);
    const auto now = std::chrono::steady_clock::now();
    if (!failing_) {
        failing_ = true;
        failing_since_ = now;
        suppressed_errors_ = 0;
        next_log_ = now + opt_.log_interval;
        output_log()->warn(
            "output: {}; rows are held in memory (up to {} bytes) and written again every {} ms",
            writer_.last_error(), opt_.hold_max_bytes, opt_.retry_interval.count());
        return;
    }
    if (now < next_log_) {
        ++suppressed_errors_;
        return;
    }
    next_log_ = now + opt_.log_interval;
    output_log()->warn(
        "output: still failing after {:.0f} s: {}; {} rows ({} bytes) held, {} rows held so "
        "far, {} more errors since the last message",
        seconds_since(failing_since_), writer_.last_error(),
        counters_.rows_held_now.load(std::memory_order_relaxed), held_bytes_,
        counters_.rows_held_io.load(std::memory_order_relaxed), suppressed_errors_);
    suppressed_errors_ = 0;
}

void WriterThread::report_recovery() {
    if (!failing_ || backlog()) {
        return;
    }
    failing_ = false;
    output_log()->info("output: writing again after {:.1f} s; {} rows were held in all, none lost",
                       seconds_since(failing_since_),
                       counters_.rows_held_io.load(std::memory_order_relaxed));
}

void WriterThread::finish(bool fast) {
    finish_csv(fast);
    if (opt_.stream != nullptr) {
        opt_.stream->close(stop_mode_.load(std::memory_order_acquire) ==
                           static_cast<int>(StopMode::Fast));
    }
}

void WriterThread::finish_csv(bool fast) {
    if (fast) {
        // Second signal: one attempt for everything already formatted, no waiting.
        flush_held(true);
        moodycamel::ConsumerToken tok(queue_);
        std::vector<RowChunk> buf(kBulk);
        for (;;) {
            tsan_queue_acquire(&queue_);
            const std::size_t n = queue_.try_dequeue_bulk(tok, buf.begin(), kBulk);
            tsan_queue_release(&queue_);
            if (n == 0) {
                break;
            }
            for (std::size_t i = 0; i < n; ++i) {
                consume(std::move(buf[i]));
            }
        }
        if (backlog()) {
            std::uint64_t lost = 0;
            for (const RowChunk& c : held_) {
                lost += c.rows;
            }
            for (const RowChunk& c : waiting_) {
                lost += c.rows;
            }
            waiting_.clear();
            counters_.rows_lost.fetch_add(lost, std::memory_order_relaxed);
            output_log()->error("output: fast stop with the output failing ({}): {} rows lost",
                                writer_.last_error(), lost);
            held_.clear();
            held_bytes_ = 0;
            counters_.rows_held_now.store(0, std::memory_order_relaxed);
            counters_.bytes_held_now.store(0, std::memory_order_relaxed);
        }
        if (writer_.close() != 0) {
            output_log()->error("output: {}; the rows written so far stay in {}",
                                writer_.last_error(), writer_.partial_path());
        }
        counters_.files_closed.store(writer_.files_closed(), std::memory_order_relaxed);
        return;
    }
    for (;;) {
        const int e = writer_.close();
        counters_.files_closed.store(writer_.files_closed(), std::memory_order_relaxed);
        if (e == 0) {
            report_recovery();
            return;
        }
        report_error(e);
        const auto until = std::chrono::steady_clock::now() + opt_.retry_interval;
        while (std::chrono::steady_clock::now() < until) {
            if (stop_mode_.load(std::memory_order_acquire) == static_cast<int>(StopMode::Fast)) {
                finish_csv(true);
                return;
            }
            std::this_thread::sleep_for(std::min(opt_.poll_interval, opt_.retry_interval));
        }
    }
}

void WriterThread::run() {
    moodycamel::ConsumerToken tok(queue_);
    std::vector<RowChunk> buf(kBulk);
    auto next_tick = std::chrono::steady_clock::now() + opt_.tick_interval;
    for (;;) {
        counters_.heartbeat.fetch_add(1, std::memory_order_relaxed);
        const auto mode = static_cast<StopMode>(stop_mode_.load(std::memory_order_acquire));
        if (mode == StopMode::Fast) {
            finish(true);
            break;
        }
        if (rotate_requested_.exchange(false, std::memory_order_acq_rel)) {
            if (const int e = writer_.rotate(); e != 0) {
                report_error(e);
            }
            counters_.files_closed.store(writer_.files_closed(), std::memory_order_relaxed);
        }
        if (opt_.stream != nullptr) {
            opt_.stream->tick();
        }
        auto now = std::chrono::steady_clock::now();
        if (backlog() && now >= next_retry_) {
            flush_held(false);
        }

        std::size_t n = 0;
        if (waiting_.empty()) {
            auto timeout = opt_.poll_interval;
            // While rows are held, one chunk at a time: a chunk that does not fit then stops
            // the draining at once.
            const std::size_t bulk = held_.empty() ? kBulk : 1;
            if (!held_.empty()) {
                timeout = std::clamp(
                    std::chrono::duration_cast<std::chrono::milliseconds>(next_retry_ - now),
                    std::chrono::milliseconds(1), opt_.poll_interval);
            } else if (mode == StopMode::Graceful) {
                // Every producer has joined (stop()'s precondition): nothing more will come, so
                // take what is queued without waiting.
                timeout = std::chrono::milliseconds(0);
            }
            tsan_queue_acquire(&queue_);
            n = queue_.wait_dequeue_bulk_timed(tok, buf.begin(), bulk, timeout);
            tsan_queue_release(&queue_);
            for (std::size_t i = 0; i < n; ++i) {
                consume(std::move(buf[i]));
            }
        } else {
            // Backpressure: the queue is not drained, so it fills and producers wait.
            std::this_thread::sleep_for(std::min(opt_.poll_interval, opt_.retry_interval));
        }

        now = std::chrono::steady_clock::now();
        if (now >= next_tick) {
            next_tick = now + opt_.tick_interval;
            const int e = writer_.tick();
            counters_.files_closed.store(writer_.files_closed(), std::memory_order_relaxed);
            if (e != 0) {
                report_error(e);
            } else {
                report_recovery();
            }
        }
        if (mode == StopMode::Graceful && n == 0 && !backlog() && queue_.size_approx() == 0) {
            finish(false);
            break;
        }
    }
    finished_.store(true, std::memory_order_release);
}

}  // namespace fm::output
