// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/frame_store.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <pcap/pcap.h>

#include <fmt/format.h>

#include "flowgen/pcap_writer.hpp"
#include "flowgen/traffic_model.hpp"

namespace fm::bench {
namespace {

/// Frames beyond the memory budget keep their headers only, like a capture with a snap length.
constexpr std::uint32_t kCutSnaplen = 128;

/// Traffic time the model spreads its flows over.
constexpr double kModelDurationS = 60.0;

void append(FrameStore& s, std::int64_t ts_us, const std::uint8_t* data, std::uint32_t cap,
            std::uint32_t wire) {
    if (s.snaplen != 0) {
        cap = std::min(cap, s.snaplen);
    }
    StoredFrame f;
    f.offset = s.bytes.size();
    f.ts_us = ts_us;
    f.cap_len = cap;
    f.wire_len = wire;
    s.bytes.insert(s.bytes.end(), data, data + cap);
    s.frames.push_back(f);
}

}  // namespace

void FrameStore::finish(std::int64_t flow_timeout_us) {
    double sum = 0;
    std::int64_t first = frames.empty() ? 0 : frames.front().ts_us;
    std::int64_t last = first;
    for (const StoredFrame& f : frames) {
        sum += f.wire_len;
        first = std::min(first, f.ts_us);
        last = std::max(last, f.ts_us);
    }
    mean_wire_len_ = frames.empty() ? 0 : sum / static_cast<double>(frames.size());
    // Longer than the flow timeout: the next loop's packets end every flow of this one.
    loop_span_us = (last - first) + flow_timeout_us + 1'000'000;
}

FrameStore load_pcap(const std::string& path, std::uint64_t max_store_bytes) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (p == nullptr) {
        throw std::runtime_error(fmt::format("cannot read --pcap {}: {}", path, err));
    }
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> guard(p, pcap_close);
    FrameStore s;
    s.link_type = static_cast<std::uint16_t>(pcap_datalink(p));
    s.description = path;
    pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
        if (s.snaplen == 0 && s.bytes.size() + hdr->caplen > max_store_bytes) {
            // Keep going with headers only; frames already in stay whole.
            s.snaplen = kCutSnaplen;
        }
        const std::int64_t ts = static_cast<std::int64_t>(hdr->ts.tv_sec) * 1'000'000 +
                                static_cast<std::int64_t>(hdr->ts.tv_usec);
        append(s, ts, data, hdr->caplen, hdr->len);
    }
    if (rc == PCAP_ERROR) {
        throw std::runtime_error(fmt::format("cannot read --pcap {}: {}", path, pcap_geterr(p)));
    }
    if (s.frames.empty()) {
        throw std::runtime_error(fmt::format("cannot read --pcap {}: no frames in it", path));
    }
    return s;
}

FrameStore generate_frames(const Options& o) {
    flowgen::TrafficConfig t;
    t.concurrency = static_cast<std::uint32_t>(std::min<std::uint64_t>(o.flows, 1u << 31));
    const double rate =
        o.new_flows_per_s > 0 ? o.new_flows_per_s : static_cast<double>(o.flows) / kModelDurationS;
    t.flows = std::max<std::uint64_t>(
        o.flows, static_cast<std::uint64_t>(std::llround(rate * kModelDurationS)));
    t.duration_s = kModelDurationS;
    t.seed = o.seed;
    double mean_data = 64;
    switch (o.frames) {
        case FrameMix::F64:
            t.size_mix = flowgen::SizeMix::Min64;
            break;
        case FrameMix::Imix:
            t.size_mix = flowgen::SizeMix::Imix;
            mean_data = (7 * 64 + 4 * 594 + 1518) / 12.0;
            break;
        case FrameMix::F1518:
            t.size_mix = flowgen::SizeMix::Mtu;
            mean_data = 1518;
            break;
    }
    const std::string problem = flowgen::validate(t);
    if (!problem.empty()) {
        throw std::runtime_error("traffic model: " + problem);
    }
    FrameStore s;
    // About 14 frames per flow, a bit over half of them data frames.
    const double estimate = static_cast<double>(t.flows) * 14.0 * (0.45 * 60 + 0.55 * mean_data);
    if (estimate > static_cast<double>(o.max_store_bytes)) {
        s.snaplen = kCutSnaplen;
    }
    const double frames_estimate = static_cast<double>(t.flows) * 14.0;
    s.frames.reserve(static_cast<std::size_t>(frames_estimate));
    s.bytes.reserve(static_cast<std::size_t>(
        frames_estimate * (s.snaplen != 0
                               ? std::min<double>(kCutSnaplen, 0.45 * 60 + 0.55 * mean_data)
                               : 0.45 * 60 + 0.55 * mean_data)));
    flowgen::TrafficGenerator gen(t);
    flowgen::GeneratedPacket pkt;
    while (gen.next(pkt)) {
        append(s, pkt.ts_ns / 1000, pkt.data, pkt.len, pkt.len);
    }
    s.concurrent_flows = o.flows;
    s.flows_per_loop = t.flows;
    s.description = fmt::format("{} B, {} flows", to_string(o.frames), o.flows);
    return s;
}

void write_pcap(const FrameStore& store, const std::string& path, std::size_t max_frames) {
    flowgen::PcapWriter w(path, flowgen::TsPrecision::Micro);
    const std::size_t n = std::min(max_frames, store.size());
    for (std::size_t i = 0; i < n; ++i) {
        const StoredFrame& f = store.frames[i];
        w.write(f.ts_us * 1000, {store.bytes.data() + f.offset, f.cap_len}, f.wire_len);
    }
    w.close();
}

}  // namespace fm::bench
