// SPDX-License-Identifier: BSD-3-Clause
#include "flow/capture_lane.hpp"

#include <algorithm>
#include <cassert>
#include <exception>
#include <utility>

#include "decode/decode_status.hpp"
#include "features/cic_compat.hpp"
#include "features/cic_packet.hpp"
#include "flow/flow_tuple.hpp"

namespace fm::flow {

std::size_t PacketBudget::take(std::size_t n) noexcept {
    if (max_ == 0) {
        return n;
    }
    // Relaxed: the budget orders nothing else; it only has to be shared exactly.
    const std::uint64_t before = used_.fetch_add(n, std::memory_order_relaxed);
    if (before >= max_) {
        return 0;
    }
    return static_cast<std::size_t>(std::min<std::uint64_t>(n, max_ - before));
}

bool PacketBudget::spent() const noexcept {
    return max_ != 0 && used_.load(std::memory_order_relaxed) >= max_;
}

CaptureLane::CaptureLane(const config::DaemonConfig& cfg,
                         std::vector<capture::PacketSource*> sources, PacketBudget& budget,
                         StopFlags stop)
    : sources_(std::move(sources)),
      budget_(budget),
      stop_(stop),
      profile_(cfg.flow.profile),
      ordered_same_ip_(ordered_when_same_ip(cfg.flow.profile)),
      decoder_(cfg.decode) {}

std::size_t CaptureLane::read_frames(capture::PacketSource& source, bool& last) {
    std::size_t n = source.next_batch(raw_);
    if (n == 0) {
        return 0;
    }
    const std::size_t allowed = budget_.take(n);
    if (allowed < n || budget_.spent()) {
        n = allowed;  // capture.max_packets reached (shared by all lanes)
        last = true;
    }
    return n;
}

std::size_t CaptureLane::decode_batch(std::size_t n, decode::PacketMeta* out) noexcept {
    std::size_t decoded = 0;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        bytes += raw_.packets[i].wire_len;
        if (decoder_.decode(raw_.packets[i], out[decoded]) == decode::DecodeStatus::Ok) {
            ++decoded;
        }
    }
    capture_.packets.add(n);
    capture_.bytes.add(bytes);
    capture_.decoded.add(decoded);
    capture_.batches.add();
    return decoded;
}

void CaptureLane::run(std::span<dispatch::WorkerInbox* const> inboxes, std::size_t lane,
                      const dispatch::ShardMap& shards) noexcept {
    try {
        // Constructed here: its producer tokens belong to this thread.
        dispatch::Dispatcher dispatcher(inboxes, lane, dispatch_);
        const features::CicCompat& compat = features::compat_for(profile_);
        bool stop = false;
        std::array<decode::PacketMeta, capture::RawBatch::kCapacity> metas;
        for (capture::PacketSource* source : sources_) {
            while (!stop) {
                if (stop_requested()) {
                    stop = true;
                    break;
                }
                const std::size_t n = read_frames(*source, stop);
                if (n == 0) {
                    if (source->at_end() || stop) {
                        break;
                    }
                    continue;  // a live source's poll interval passed without frames
                }
                const std::size_t decoded = decode_batch(n, metas.data());
                for (std::size_t i = 0; i < decoded; ++i) {
                    decode::PacketMeta& meta = metas[i];
                    // The flow key hash, once: it steers the packet (every packet of a flow,
                    // either direction, has the same key and so goes to the same worker) and
                    // the worker's table looks the flow up by it. The shard comes from the high
                    // half, the table slot from the low half, so they are independent.
                    const std::uint64_t hash = stamp_key_hash(meta, compat, ordered_same_ip_);
                    dispatcher.push(shards(static_cast<std::uint32_t>(hash >> 32)), meta);
                }
                // Bounded latency on a quiet link: nothing waits in a stage past its batch.
                dispatcher.flush();
            }
            if (source->failed()) {
                source_errors_.push_back(source->error());
            }
            if (stop) {
                break;
            }
        }
        dispatcher.flush();
    } catch (const std::exception& e) {
        error_ = e.what();
    } catch (...) {
        error_ = "unknown exception in a capture thread";
    }
}

std::size_t CaptureLaneFeed::pop(decode::PacketMeta* out, [[maybe_unused]] std::size_t max,
                                 std::int64_t /*wait_us: a live source waits its own poll*/) {
    assert(max >= capture::RawBatch::kCapacity);
    // Batches that decode to nothing (all frames skipped) are read past here, so the worker's
    // idle path runs only when the source itself had nothing.
    while (!done_) {
        const std::size_t n = read(out);
        if (n != 0 || !read_anything_) {
            return n;
        }
    }
    return 0;
}

std::size_t CaptureLaneFeed::read(decode::PacketMeta* out) noexcept {
    read_anything_ = false;
    try {
        if (next_ >= lane_.sources().size() || lane_.stop_requested()) {
            done_ = true;
            return 0;
        }
        capture::PacketSource* source = lane_.sources()[next_];
        bool last = false;
        const std::size_t n = lane_.read_frames(*source, last);
        done_ = last;
        if (n == 0) {
            if (source->at_end()) {
                if (source->failed()) {
                    lane_.source_errors().push_back(source->error());
                }
                ++next_;
                read_anything_ = true;  // go on with the next source at once
            }
            return 0;
        }
        read_anything_ = true;
        return lane_.decode_batch(n, out);
    } catch (const std::exception& e) {
        lane_.error() = e.what();
    } catch (...) {
        lane_.error() = "unknown exception while reading a capture lane";
    }
    done_ = true;
    return 0;
}

}  // namespace fm::flow
