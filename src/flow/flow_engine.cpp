// SPDX-License-Identifier: BSD-3-Clause
// FlowEngine: the per-packet life cycle of CICFlowMeter flows (CIC: FlowGenerator.addPacket),
// one function per profile family, each written in the order of the reference's branches so
// that the features see packets exactly as BasicFlow does (spec §3.2, §3.3).
#include "flow/flow_engine.hpp"

#include <algorithm>
#include <cstring>

namespace fm::flow {

namespace {

using features::CicPacket;
using features::FlowFeatures;
using features::Lifecycle;
using features::StartMode;
using features::TcpState;

bool is_tcp_or_udp(std::uint8_t proto) {
    return proto == features::kProtoTcp || proto == features::kProtoUdp;
}

bool is_syn_ack(const CicPacket& p) {
    return p.has(decode::kSyn) && p.has(decode::kAck);
}

}  // namespace

FlowEngine::FlowEngine(const config::FlowConfig& config, features::RowSink& sink,
                       std::size_t capacity)
    : profile_(config.profile),
      compat_(features::compat_for(config.profile)),
      flow_timeout_us_(config.flow_timeout_us),
      activity_timeout_us_(config.activity_timeout_us),
      idle_timeout_us_(config.idle_timeout_us),
      sink_(sink),
      table_(capacity),
      states_(table_.capacity()),
      retrans_(compat_.fixed_extra_columns ? table_.capacity() : 0),
      staged_(kChunk),
      ordered_same_ip_(ordered_when_same_ip(config.profile)) {
    rows_.reserve(kRowBatch);
}

FlowEngine::~FlowEngine() = default;

std::size_t FlowEngine::bytes_per_flow() const noexcept {
    // Slot array is at most 2x+16 entries of 8 bytes per flow; count it as 2 slots per flow.
    return sizeof(FlowState) + 2 * 8 + (retrans_.empty() ? 0 : sizeof(features::RetransMemory));
}

void FlowEngine::process(std::span<const decode::PacketMeta> batch) noexcept {
    // Three stages per chunk so that the DRAM latency of big tables overlaps (the update
    // itself is a chain of dependent loads): (1) read every packet and hash its key, prefetching
    // its home slot; (2) a few packets ahead of the update, find the candidate entry through
    // the slot's hash tag and prefetch its state; (3) update in capture order. Prefetches are
    // hints only: the real lookup happens in stage 3, after earlier packets changed the table.
    for (std::size_t done = 0; done < batch.size(); done += kChunk) {
        const std::size_t n = std::min(kChunk, batch.size() - done);
        for (std::size_t i = 0; i < n; ++i) {
            Staged& st = staged_[i];
            const decode::PacketMeta& m = batch[done + i];
            st.p = features::read_packet(m, compat_);
            if (m.has(decode::kKeyHashed)) {
                // Steered by a capture lane, which hashed the key already.
                st.hash = m.key_hash;
                st.packet_first = m.has(decode::kKeyPacketFirst);
            } else {
                bool packet_first = false;
                st.hash = key_hash(make_key(st.p, ordered_same_ip_, &packet_first));
                st.packet_first = packet_first;
            }
            st.same_ip = features::same_ip(st.p.src_ip, st.p.dst_ip);
            st.retrans_bucket =
                features::RetransMemory::bucket_of(features::RetransMemory::signature_hash(
                    st.p.seq, st.p.ack, st.p.payload, st.p.window));
            table_.prefetch_slot(st.hash);
        }
        for (std::size_t i = 0; i < n && i < kPrefetchAhead; ++i) {
            prefetch_state(staged_[i]);
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (i + kPrefetchAhead < n) {
                prefetch_state(staged_[i + kPrefetchAhead]);
            }
            process_packet(staged_[i].p, staged_[i].hash);
        }
    }
    flush_rows();
}

void FlowEngine::prefetch_state(const Staged& st) const noexcept {
    const FlowTable::Candidate c = table_.candidate(st.hash);
    if (c.index == FlowTable::kNone) {
        return;
    }
    // The bytes the packet's direction touches (features/flow_features.hpp layout: forward
    // block, shared block, backward block, cold tail). The slot's hint says whether the flow's
    // source is the key's first endpoint, which with the packet's own order gives the
    // direction before the state is read. Plus the one retransmission bucket it will check.
    const bool forward = st.same_ip || st.packet_first == c.hint;
    const char* base = reinterpret_cast<const char*>(&states_[c.index]);
    const std::size_t from = forward ? 0 : kBackwardFrom;
    const std::size_t to = forward ? kForwardTo : kHotBytes;
    for (std::size_t off = from / kCacheLine * kCacheLine; off < to; off += kCacheLine) {
        __builtin_prefetch(base + off, 1, 3);
    }
    if (!retrans_.empty() && st.p.protocol == features::kProtoTcp) {
        __builtin_prefetch(&retrans_[c.index].buckets[st.retrans_bucket], 1, 3);
    }
}

void FlowEngine::refresh_hint(std::uint32_t idx) noexcept {
    const FlowFeatures& f = states_[idx].f;
    CicPacket p;
    p.src_ip = f.src_ip;
    p.dst_ip = f.dst_ip;
    p.src_port = f.src_port;
    p.dst_port = f.dst_port;
    p.protocol = f.protocol;
    p.ipv6 = f.ipv6;
    bool src_first = false;
    const std::uint64_t hash = key_hash(make_key(p, ordered_same_ip_, &src_first));
    table_.set_hint(idx, hash, src_first);
}

std::uint64_t FlowEngine::hash_of(const FlowFeatures& f) const noexcept {
    CicPacket p;
    p.src_ip = f.src_ip;
    p.dst_ip = f.dst_ip;
    p.src_port = f.src_port;
    p.dst_port = f.dst_port;
    p.protocol = f.protocol;
    p.ipv6 = f.ipv6;
    return key_hash(make_key(p, ordered_same_ip_, nullptr));
}

bool FlowEngine::matches(const FlowFeatures& f, const CicPacket& p) const noexcept {
    // Same unordered (address, port) pair, protocol and family as the flow's tuple. cic2018
    // keys equal-address flows in packet order, so there only the stored orientation matches.
    if (f.protocol != p.protocol || f.ipv6 != p.ipv6) {
        return false;
    }
    if (f.src_port == p.src_port && f.dst_port == p.dst_port &&
        features::same_ip(f.src_ip, p.src_ip) && features::same_ip(f.dst_ip, p.dst_ip)) {
        return true;
    }
    if (f.src_port != p.dst_port || f.dst_port != p.src_port ||
        !features::same_ip(f.src_ip, p.dst_ip) || !features::same_ip(f.dst_ip, p.src_ip)) {
        return false;
    }
    return !(ordered_same_ip_ && features::same_ip(p.src_ip, p.dst_ip));
}

void FlowEngine::process_packet(const CicPacket& p, std::uint64_t hash) noexcept {
    ++counters_.packets_in;
    if (p.ignored) {
        ++counters_.packets_ignored;
        return;
    }
    const std::uint32_t idx =
        table_.find(hash, [&](std::uint32_t i) { return matches(states_[i].f, p); });
    if (idx == FlowTable::kNone) {
        create_flow(p, hash);
        return;
    }
    if (idle_timeout_us_ > 0 && p.ts_us - states_[idx].f.last_seen > idle_timeout_us_) {
        // flow.idle_timeout_s (not a behaviour of the reference): the silence ended the flow
        // before this packet, which starts a new one in its own direction. Decided by the
        // flow's own packet times only, as expire() decides it, so any number of workers and
        // any expiry schedule give the same rows.
        close_flow(idx, EndReason::Idle);
        create_flow(p, hash);
        return;
    }
    switch (compat_.lifecycle) {
        case Lifecycle::V4:
            lifecycle_v4(idx, p);
            return;
        case Lifecycle::Cic2018:
            lifecycle_era(idx, p);
            return;
        case Lifecycle::Fixed:
            lifecycle_eng(idx, p);
            return;
    }
}

void FlowEngine::create_flow(const CicPacket& p, std::uint64_t hash) noexcept {
    if (table_.full()) {
        make_room();
    }
    const std::uint32_t idx = table_.insert(hash);
    FlowState& s = states_[idx];
    s.status = Status::Live;
    s.f.flow_id_reversed = false;
    if (auto* r = retrans_of(idx)) {
        r->clear();
    }
    // F12 (fixed): a flow seen first at its SYN-ACK is stored reversed, under the key in
    // that orientation, so the Flow ID follows the reversed tuple as well.
    const StartMode mode = compat_.reverse_synack_first && is_syn_ack(p) ? StartMode::Reversed
                                                                         : StartMode::OwnDirection;
    s.f.start(p, compat_, mode, retrans_of(idx));
    refresh_hint(idx);
    ++live_;
    ++counters_.flows_created;
}

void FlowEngine::lifecycle_v4(std::uint32_t idx, const CicPacket& p) noexcept {
    FlowState& s = states_[idx];
    FlowFeatures& f = s.f;
    const Micros t = p.ts_us;
    if (s.status == Status::Stub || t - f.flow_start > flow_timeout_us_) {
        end_flow(idx, EndReason::Timeout);
        continue_v4_era(idx, p);
        return;
    }
    if (p.has(decode::kFin)) {
        // FIN is tested before RST, so FIN+RST counts as FIN.
        if (f.is_forward(p)) {
            f.fwd.fin = f.fwd.fin == 255 ? 255 : static_cast<std::uint8_t>(f.fwd.fin + 1);
            if (f.fwd.fin == 1) {
                // The "both sides sent FIN" test reads the backward counter twice, which is
                // never 1 while the flow is open: a forward FIN only updates the flow.
                f.update_active_idle(t, activity_timeout_us_);
                f.add(p, compat_, activity_timeout_us_, nullptr);
            } else {
                // A repeated forward FIN is dropped without being counted anywhere (§3.2).
                ++counters_.dropped_fin_repeat;
            }
            return;
        }
        // The first backward FIN always closes the flow (typo in the both-FIN test).
        f.bwd.fin = 1;
        f.add(p, compat_, activity_timeout_us_, nullptr);
        close_flow(idx, EndReason::FinRst);
        return;
    }
    if (p.has(decode::kRst)) {
        f.add(p, compat_, activity_timeout_us_, nullptr);
        close_flow(idx, EndReason::FinRst);
        return;
    }
    f.update_active_idle(t, activity_timeout_us_);
    f.add(p, compat_, activity_timeout_us_, nullptr);
}

void FlowEngine::lifecycle_era(std::uint32_t idx, const CicPacket& p) noexcept {
    FlowState& s = states_[idx];
    FlowFeatures& f = s.f;
    const Micros t = p.ts_us;
    if (s.status == Status::Stub || t - f.flow_start > flow_timeout_us_) {
        end_flow(idx, EndReason::Timeout);
        continue_v4_era(idx, p);
        return;
    }
    if (p.has(decode::kFin)) {
        // Any FIN closes the flow, added without an active/idle update (§3.3, E1); RST has no
        // meaning here (E2).
        if (compat_.active_idle_on_closing_packet) {
            f.update_active_idle(t, activity_timeout_us_);
        }
        f.add(p, compat_, activity_timeout_us_, nullptr);
        close_flow(idx, EndReason::FinRst);
        return;
    }
    f.update_active_idle(t, activity_timeout_us_);
    f.add(p, compat_, activity_timeout_us_, nullptr);
}

void FlowEngine::continue_v4_era(std::uint32_t idx, const CicPacket& p) noexcept {
    FlowState& s = states_[idx];
    // Same key, the old flow's tuple; E5 decides the opening packet's direction in start().
    s.f.start(p, compat_, StartMode::Inherit, nullptr);
    s.status = Status::Live;
    ++live_;
    ++counters_.flows_created;
}

void FlowEngine::lifecycle_eng(std::uint32_t idx, const CicPacket& p) noexcept {
    FlowState& s = states_[idx];
    FlowFeatures& f = s.f;
    const Micros t = p.ts_us;
    const bool ready_syn = f.tcp_state == TcpState::ReadyForTermination && p.has(decode::kSyn);
    if (s.status == Status::Stub || t - f.flow_start > flow_timeout_us_ || ready_syn) {
        end_flow(idx, ready_syn && s.status != Status::Stub && t - f.flow_start <= flow_timeout_us_
                          ? EndReason::NewConnection
                          : EndReason::Timeout);
        continue_eng(idx, p, ready_syn);
        return;
    }
    features::RetransMemory* r = retrans_of(idx);
    if (p.has(decode::kFin)) {
        f.update_active_idle(t, activity_timeout_us_);
        f.add(p, compat_, activity_timeout_us_, r);
        if (f.tcp_state == TcpState::None) {
            f.tcp_state = TcpState::FirstFin;
        } else if (f.tcp_state == TcpState::FirstFin && f.fwd.fin > 0 && f.bwd.fin > 0) {
            f.tcp_state = TcpState::SecondFin;
        }
        return;
    }
    if (p.has(decode::kRst)) {
        f.update_active_idle(t, activity_timeout_us_);
        f.add(p, compat_, activity_timeout_us_, r);
        f.tcp_state = TcpState::ReadyForTermination;
        return;
    }
    if (p.has(decode::kAck)) {
        f.update_active_idle(t, activity_timeout_us_);
        f.add(p, compat_, activity_timeout_us_, r);
        if (f.tcp_state == TcpState::SecondFin) {
            f.tcp_state = TcpState::ReadyForTermination;
        }
        return;
    }
    if (f.protocol == features::kProtoIcmp && f.icmp_code != p.icmp_code &&
        f.icmp_type != p.icmp_type) {
        // A new ICMP exchange: both type and code differ from the flow's first packet.
        end_flow(idx, EndReason::NewConnection);
        restart_own_direction(idx, p);
        return;
    }
    f.update_active_idle(t, activity_timeout_us_);
    f.add(p, compat_, activity_timeout_us_, r);
}

void FlowEngine::continue_eng(std::uint32_t idx, const CicPacket& p, bool ready_syn) noexcept {
    FlowState& s = states_[idx];
    FlowFeatures& f = s.f;
    const Micros t = p.ts_us;
    // UDP "dialogue" rule: silence longer than the flow timeout starts a new dialogue.
    const bool new_udp = f.protocol == features::kProtoUdp && t - f.last_seen > flow_timeout_us_;
    if (ready_syn || new_udp || !is_tcp_or_udp(p.protocol)) {
        restart_own_direction(idx, p);
        return;
    }
    // Same connection split by the timeout: inherit the tuple and the retransmission memory;
    // the connection time carries the finished flow's duration plus the gap.
    const Micros carried = f.cumulative + f.duration() + (t - f.last_seen);
    f.start(p, compat_, StartMode::Inherit, retrans_of(idx));
    f.cumulative = carried;
    s.status = Status::Live;
    ++live_;
    ++counters_.flows_created;
}

void FlowEngine::restart_own_direction(std::uint32_t idx, const CicPacket& p) noexcept {
    FlowState& s = states_[idx];
    FlowFeatures& f = s.f;
    // The Flow ID keeps the key's orientation: find the key's first endpoint before restarting.
    const auto key_ip = f.flow_id_reversed ? f.dst_ip : f.src_ip;
    const std::uint16_t key_port = f.flow_id_reversed ? f.dst_port : f.src_port;
    if (auto* r = retrans_of(idx)) {
        r->clear();
    }
    const StartMode mode = compat_.reverse_synack_first && is_syn_ack(p) ? StartMode::Reversed
                                                                         : StartMode::OwnDirection;
    f.start(p, compat_, mode, retrans_of(idx));
    f.flow_id_reversed = !(features::same_ip(f.src_ip, key_ip) && f.src_port == key_port);
    refresh_hint(idx);
    s.status = Status::Live;
    ++live_;
    ++counters_.flows_created;
}

void FlowEngine::end_flow(std::uint32_t idx, EndReason reason) noexcept {
    FlowState& s = states_[idx];
    if (s.status != Status::Live) {
        return;  // a Stub's row was written when it expired
    }
    s.status = Status::Stub;
    --live_;
    switch (reason) {
        case EndReason::Timeout:
            ++counters_.ended_timeout;
            break;
        case EndReason::FinRst:
            ++counters_.ended_fin_rst;
            break;
        case EndReason::NewConnection:
            ++counters_.ended_new_connection;
            break;
        case EndReason::Drain:
            // What the fixed profile keeps after a teardown (§3.3) is not an open connection.
            if (s.f.tcp_state == TcpState::ReadyForTermination) {
                ++counters_.ended_drain_torn_down;
            } else {
                ++counters_.ended_drain;
            }
            break;
        case EndReason::Expired:
            ++counters_.expired_timeout;
            break;
        case EndReason::Idle:
            ++counters_.expired_idle;
            break;
        case EndReason::Evicted:
            ++counters_.evicted_table_full;
            break;
    }
    if (s.f.total_packets() < 2 && !compat_.emit_single_packet_flows) {
        ++counters_.dropped_single_packet;
        return;
    }
    if (rows_.size() == kRowBatch) {
        flush_rows();
    }
    rows_.emplace_back();
    s.f.finalize(profile_, rows_.back());
    ++counters_.rows_emitted;
}

void FlowEngine::close_flow(std::uint32_t idx, EndReason reason) noexcept {
    end_flow(idx, reason);
    erase_entry(idx);
}

void FlowEngine::erase_entry(std::uint32_t idx) noexcept {
    FlowState& s = states_[idx];
    if (s.status == Status::Live) {
        --live_;
    }
    table_.erase(idx, hash_of(s.f));
    s.status = Status::Free;
}

void FlowEngine::make_room() noexcept {
    // Approximate LRU: among a window of entries from a rotating cursor, prefer an expired
    // flow's memory, else end the flow idle the longest. O(window) per eviction.
    constexpr std::size_t kWindow = 16;
    const std::size_t n = table_.high_water();
    std::uint32_t victim = FlowTable::kNone;
    bool victim_stub = false;
    Micros victim_seen = 0;
    if (evict_cursor_ >= n) {
        evict_cursor_ = 0;
    }
    for (std::size_t scanned = 0; scanned < n; ++scanned) {
        const auto i = static_cast<std::uint32_t>(evict_cursor_);
        evict_cursor_ = evict_cursor_ + 1 == n ? 0 : evict_cursor_ + 1;
        const FlowState& s = states_[i];
        if (s.status == Status::Free) {
            continue;
        }
        const bool stub = s.status == Status::Stub;
        const bool better = victim == FlowTable::kNone || (stub && !victim_stub) ||
                            (stub == victim_stub && s.f.last_seen < victim_seen);
        if (better) {
            victim = i;
            victim_stub = stub;
            victim_seen = s.f.last_seen;
        }
        if (scanned + 1 >= kWindow && victim != FlowTable::kNone) {
            break;
        }
    }
    if (victim == FlowTable::kNone) {
        return;
    }
    if (victim_stub) {
        ++counters_.stubs_dropped;
        erase_entry(victim);
        return;
    }
    close_flow(victim, EndReason::Evicted);
}

void FlowEngine::expire(Micros now) noexcept {
    const std::size_t n = table_.high_water();
    if (n == 0) {
        return;
    }
    if (expire_cursor_ >= n) {
        expire_cursor_ = 0;
    }
    const std::size_t budget = std::min(n, kExpireBudget);
    for (std::size_t k = 0; k < budget; ++k) {
        const auto i = static_cast<std::uint32_t>(expire_cursor_);
        expire_cursor_ = expire_cursor_ + 1 == n ? 0 : expire_cursor_ + 1;
        FlowState& s = states_[i];
        if (s.status == Status::Free) {
            continue;
        }
        const Micros silent = now - s.f.last_seen;
        if (idle_timeout_us_ > 0 && silent > idle_timeout_us_) {
            // Every later packet of this flow comes after the idle timeout and starts a new
            // flow (process_packet): the row is final and nothing needs to be remembered.
            close_flow(i, EndReason::Idle);
            continue;
        }
        if (s.status != Status::Live || silent <= flow_timeout_us_) {
            continue;
        }
        // Every later packet of this flow lies beyond the active timeout: the row is final.
        // The entry stays as a stub: a later packet inherits its direction (v4, cic2018,
        // fixed TCP) or at least its key's Flow ID orientation (fixed, §3.3).
        end_flow(i, EndReason::Expired);
    }
    flush_rows();
}

void FlowEngine::drain() noexcept {
    for (std::size_t i = 0; i < table_.high_water(); ++i) {
        if (states_[i].status == Status::Live) {
            end_flow(static_cast<std::uint32_t>(i), EndReason::Drain);
        }
        states_[i].status = Status::Free;
    }
    table_.clear();
    live_ = 0;
    flush_rows();
}

void FlowEngine::flush_rows() noexcept {
    if (rows_.empty()) {
        return;
    }
    sink_.consume(rows_);
    rows_.clear();
}

}  // namespace fm::flow
