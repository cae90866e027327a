// SPDX-License-Identifier: BSD-3-Clause
// FlowEngine: one shard of the flow table and the CICFlowMeter life cycle of its flows. Packets
// come in batches (process), finished flows leave in batches of FeatureRow through a RowSink.
// A pipeline runs N engines on N threads and shards packets by their flow key hash
// (flow/flow_tuple.hpp, computed once by the capture lane); an engine's output depends only on
// the packets of its own flows (except when its table is full, which is counted), so any
// number of workers gives the same rows.
//
// Single-threaded: construct, use and destroy on one worker thread. No allocation, lock, log,
// exception or virtual call per packet; RowSink::consume is called once per batch of rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/cacheline.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "decode/packet_meta.hpp"
#include "features/cic_compat.hpp"
#include "features/feature_row.hpp"
#include "features/flow_features.hpp"
#include "features/row_sink.hpp"
#include "features/tcp_retrans.hpp"
#include "flow/flow_counters.hpp"
#include "flow/flow_table.hpp"
#include "flow/flow_tuple.hpp"
#include "flow/zeroed_array.hpp"

namespace fm::flow {

/// Why a flow ends; decides the counter and whether the reference writes it.
/// Timeout: a packet after the active timeout; Expired: expire() found the active timeout
/// certainly passed; Idle: flow.idle_timeout_s of silence (at a packet or in expire()).
enum class EndReason : std::uint8_t {
    Timeout,
    FinRst,
    NewConnection,
    Drain,
    Expired,
    Idle,
    Evicted
};

class FlowEngine {
public:
    /// `capacity`: flows (live and expired-but-remembered) this shard holds; memory is
    /// allocated here, once. Rows are handed to `sink`, which must outlive the engine.
    FlowEngine(const config::FlowConfig& config, features::RowSink& sink, std::size_t capacity);
    ~FlowEngine();

    FlowEngine(const FlowEngine&) = delete;
    FlowEngine& operator=(const FlowEngine&) = delete;

    /// Feeds packets in capture order. Rows of flows that ended are passed to the sink before
    /// this returns.
    void process(std::span<const decode::PacketMeta> batch) noexcept;

    /// Ends flows that the active timeout has certainly ended: those whose last packet is more
    /// than the flow timeout before `now`. Their rows are final (the reference would write the
    /// same row when the next packet arrives or at end of input), and what a later packet of
    /// the same flow needs (the direction to inherit, §3.2) is remembered, so calling expire()
    /// never changes the set of rows. `now` is packet time: it must not exceed the time stamps
    /// of packets processed afterwards (live capture: a coarse clock minus the capture delay).
    /// With an idle timeout (flow.idle_timeout_s > 0) it also ends, and forgets, the flows
    /// silent for longer than that: process_packet() ends them the same way when their next
    /// packet comes, so again the rows do not depend on when expire() runs.
    /// Bounded work per call: inspects at most a fixed number of table entries.
    void expire(Micros now) noexcept;

    /// End of input: ends every open flow (those the profile writes are written) and forgets
    /// everything. The engine can be reused afterwards.
    void drain() noexcept;

    const FlowCounters& counters() const noexcept { return counters_; }
    /// Flows currently open (not counting remembered expired flows).
    std::size_t active_flows() const noexcept { return live_; }
    /// Bytes of per-flow state (flow record + table slots + retransmission memory) per entry.
    std::size_t bytes_per_flow() const noexcept;

    /// Entries inspected per expire() call.
    static constexpr std::size_t kExpireBudget = 4096;
    /// Rows handed to the sink per consume() call at most.
    static constexpr std::size_t kRowBatch = 64;

private:
    enum class Status : std::uint8_t { Free = 0, Live, Stub };

    /// One table entry: the flow's accumulators plus its entry status. A Stub is a flow whose
    /// row was already written by expire() and that is kept only for what a continuation
    /// inherits.
    struct alignas(kCacheLine) FlowState {
        features::FlowFeatures f;
        Status status = Status::Free;
    };
    static_assert(sizeof(FlowState) <= 640, "per-flow state (retransmission memory apart)");
    /// Byte ranges of a FlowState that per-packet updates touch: a forward packet
    /// [0, kForwardTo), a backward one [kBackwardFrom, kHotBytes); the cold tail follows.
    static constexpr std::size_t kForwardTo = offsetof(features::FlowFeatures, bwd);
    static constexpr std::size_t kBackwardFrom = offsetof(features::FlowFeatures, src_ip);
    static constexpr std::size_t kHotBytes = offsetof(features::FlowFeatures, active);

    /// A packet read for the profile, with its key hash (process() stage 1).
    struct Staged {
        features::CicPacket p;
        std::uint64_t hash;
        std::uint32_t retrans_bucket;
        bool packet_first;  ///< the packet's source is its key's first endpoint
        bool same_ip;       ///< both addresses equal: every packet is forward
    };
    static constexpr std::size_t kChunk = 64;         ///< packets staged at a time
    static constexpr std::size_t kPrefetchAhead = 6;  ///< state prefetch distance (packets)

    void process_packet(const features::CicPacket& p, std::uint64_t hash) noexcept;
    void prefetch_state(const Staged& st) const noexcept;
    /// Stores in the table slot whether the flow's source is its key's first endpoint
    /// (prefetch_state's direction guess). After every change of the flow's tuple.
    void refresh_hint(std::uint32_t idx) noexcept;
    void create_flow(const features::CicPacket& p, std::uint64_t hash) noexcept;
    void lifecycle_v4(std::uint32_t idx, const features::CicPacket& p) noexcept;
    void lifecycle_era(std::uint32_t idx, const features::CicPacket& p) noexcept;
    void lifecycle_eng(std::uint32_t idx, const features::CicPacket& p) noexcept;
    /// Ends the flow at idx (writes its row if the profile does) but keeps the entry.
    void end_flow(std::uint32_t idx, EndReason reason) noexcept;
    /// Ends the flow at idx and removes its entry.
    void close_flow(std::uint32_t idx, EndReason reason) noexcept;
    void erase_entry(std::uint32_t idx) noexcept;
    /// Starts the timeout continuation of the flow at idx (already ended) with packet p.
    void continue_v4_era(std::uint32_t idx, const features::CicPacket& p) noexcept;
    void continue_eng(std::uint32_t idx, const features::CicPacket& p, bool ready_syn) noexcept;
    /// Restarts the entry with p in the packet's own direction (SYN-ACK reversed), keeping the
    /// key's Flow ID orientation.
    void restart_own_direction(std::uint32_t idx, const features::CicPacket& p) noexcept;
    void make_room() noexcept;
    void flush_rows() noexcept;
    features::RetransMemory* retrans_of(std::uint32_t idx) noexcept {
        return retrans_.empty() ? nullptr : &retrans_[idx];
    }
    std::uint64_t hash_of(const features::FlowFeatures& f) const noexcept;
    bool matches(const features::FlowFeatures& f, const features::CicPacket& p) const noexcept;

    Profile profile_;
    const features::CicCompat& compat_;
    Micros flow_timeout_us_;
    Micros activity_timeout_us_;
    Micros idle_timeout_us_;  ///< 0 = off (the references have no idle timeout)
    features::RowSink& sink_;

    FlowTable table_;
    ZeroedArray<FlowState> states_;                 ///< all-zero = Status::Free
    ZeroedArray<features::RetransMemory> retrans_;  ///< per entry; `fixed` only; zero = empty
    std::vector<features::FeatureRow> rows_;        ///< staging, capacity kRowBatch
    std::vector<Staged> staged_;                    ///< kChunk packets of the current batch
    bool ordered_same_ip_;                          ///< cic2018 key rule (flow_tuple.hpp)
    std::size_t live_ = 0;
    std::size_t expire_cursor_ = 0;
    std::size_t evict_cursor_ = 0;
    FlowCounters counters_;
};

}  // namespace fm::flow
