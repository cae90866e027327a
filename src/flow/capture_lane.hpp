// SPDX-License-Identifier: BSD-3-Clause
// A capture lane: one or more packet sources read in order by one thread, with its own decoder
// and counters. In the usual layout the lane's capture thread decodes each frame, computes the
// profile's flow key hash once (flow/flow_tuple.hpp) and hands the packet to the worker that
// owns that hash (dispatch/); the worker's engine reuses the hash instead of reading the packet
// for it again. In run-to-completion layouts (NIC queues spread by symmetric hardware RSS) a
// worker reads its lane itself through CaptureLaneFeed, with no capture thread and no queue.
//
// Lives in flow/ because steering needs the flow key the engine uses (features' reading of the
// packet for the profile), which the dispatch stage below may not include.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "capture/packet_source.hpp"
#include "capture/raw_batch.hpp"
#include "common/cacheline.hpp"
#include "common/profile.hpp"
#include "common/stage_counter.hpp"
#include "config/config.hpp"
#include "decode/decoder.hpp"
#include "dispatch/dispatcher.hpp"
#include "dispatch/flow_hash.hpp"
#include "dispatch/worker_queue.hpp"
#include "flow/capture_counters.def"
#include "flow/flow_worker.hpp"

namespace fm::flow {

/// Counters of a capture lane. Written by the lane's thread only.
struct alignas(kCacheLine) CaptureCounters {
    FM_STAGE_COUNTER_BLOCK(FM_CAPTURE_COUNTERS)
};

/// capture.max_packets, shared by every lane of a pipeline. Any thread.
class PacketBudget {
public:
    /// `max` 0: no limit.
    explicit PacketBudget(std::uint64_t max) noexcept : max_(max) {}
    /// Takes `n` frames; returns how many may be processed (n, fewer, or 0 once spent).
    std::size_t take(std::size_t n) noexcept;
    bool spent() const noexcept;

private:
    std::uint64_t max_;
    std::atomic<std::uint64_t> used_{0};
};

/// The stop requests a lane obeys: the pipeline's own and the caller's (either may be null).
struct StopFlags {
    const std::atomic<bool>* pipeline = nullptr;
    const std::atomic<bool>* caller = nullptr;

    bool requested() const noexcept {
        return (pipeline != nullptr && pipeline->load(std::memory_order_relaxed)) ||
               (caller != nullptr && caller->load(std::memory_order_relaxed));
    }
};

class CaptureLane {
public:
    CaptureLane(const config::DaemonConfig& cfg, std::vector<capture::PacketSource*> sources,
                PacketBudget& budget, StopFlags stop);

    /// The capture thread's loop: read, decode, hash, dispatch to the workers' inboxes (lane
    /// `lane` of each) until the sources end, the budget is spent or a stop is requested; then
    /// flushes. Never throws: a failure is kept in error().
    void run(std::span<dispatch::WorkerInbox* const> inboxes, std::size_t lane,
             const dispatch::ShardMap& shards) noexcept;

    /// One next_batch() of `source` into the lane's batch, cut to the budget; sets `last`
    /// once the budget is spent. 0: no frames (a quiet poll, the end of the source, or no
    /// budget left). Throws what the source throws.
    std::size_t read_frames(capture::PacketSource& source, bool& last);

    /// Decodes the first `n` frames of the last batch into `out` and counts the batch; returns
    /// how many decoded.
    std::size_t decode_batch(std::size_t n, decode::PacketMeta* out) noexcept;

    const std::vector<capture::PacketSource*>& sources() const noexcept { return sources_; }
    const CaptureCounters& capture_counters() const noexcept { return capture_; }
    const dispatch::DispatchCounters& dispatch_counters() const noexcept { return dispatch_; }
    const decode::DecodeCounters& decode_counters() const noexcept { return decoder_.counters(); }
    /// Errors of sources that failed (one line each) and of the lane itself; read after the
    /// lane's thread has finished.
    std::vector<std::string>& source_errors() noexcept { return source_errors_; }
    std::string& error() noexcept { return error_; }
    bool stop_requested() const noexcept { return stop_.requested(); }

    std::thread thread;  ///< the lane's capture thread, when it has one

private:
    std::vector<capture::PacketSource*> sources_;
    PacketBudget& budget_;
    StopFlags stop_;
    Profile profile_;
    bool ordered_same_ip_;
    // Counter blocks written by this lane's thread only.
    CaptureCounters capture_;
    dispatch::DispatchCounters dispatch_;
    // This lane's thread only (after start); read by others after it has finished.
    decode::Decoder decoder_;
    capture::RawBatch raw_;
    std::vector<std::string> source_errors_;
    std::string error_;
};

/// Run to completion: a worker's feed that reads and decodes its lane on the worker thread,
/// with the capture thread's rules (stop flags, shared budget, one source after another, errors
/// kept in the lane) and its counters. Packets are not key-hashed here: the engine hashes them.
class CaptureLaneFeed final : public PacketFeed {
public:
    explicit CaptureLaneFeed(CaptureLane& lane) : lane_(lane) {}

    std::size_t pop(decode::PacketMeta* out, std::size_t max, std::int64_t wait_us) override;
    std::size_t try_pop(decode::PacketMeta*, std::size_t) override {
        return 0;  // nothing is buffered: pop() hands over every packet it decodes
    }
    bool input_done() const noexcept override { return done_; }

private:
    // A whole source batch always fits the worker's batch, so read() never has to keep frames
    // for a later call.
    static_assert(FlowWorker::kDequeueBatch >= capture::RawBatch::kCapacity);

    /// One next_batch() of the current source, decoded into `out`. read_anything_: the source
    /// gave frames or ended.
    std::size_t read(decode::PacketMeta* out) noexcept;

    CaptureLane& lane_;
    std::size_t next_ = 0;  ///< index of the source being read
    bool done_ = false;
    bool read_anything_ = false;
};

}  // namespace fm::flow
