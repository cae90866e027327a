// SPDX-License-Identifier: BSD-3-Clause
#include "reference_features.hpp"

#include <algorithm>
#include <vector>

namespace fm::test_support {

PlainStats plain_stats(std::span<const double> values) {
    PlainStats s;
    if (values.empty()) {
        return s;
    }
    s.count = values.size();
    s.min = *std::min_element(values.begin(), values.end());
    s.max = *std::max_element(values.begin(), values.end());
    long double sum = 0;
    for (double v : values) {
        sum += v;
    }
    s.mean = static_cast<double>(sum / static_cast<long double>(values.size()));
    if (values.size() > 1) {
        long double squares = 0;
        for (double v : values) {
            const long double d = static_cast<long double>(v) - s.mean;
            squares += d * d;
        }
        s.variance = static_cast<double>(squares / static_cast<long double>(values.size() - 1));
    }
    return s;
}

ReferenceFeatures reference_features(Profile profile,
                                     std::span<const features::CicPacket> packets) {
    ReferenceFeatures r;
    r.packets = packets.size();
    if (packets.empty()) {
        return r;
    }
    r.duration_us = packets.back().ts_us - packets.front().ts_us;

    std::vector<double> gaps;
    for (std::size_t i = 1; i < packets.size(); ++i) {
        gaps.push_back(static_cast<double>(packets[i].ts_us - packets[i - 1].ts_us));
    }
    r.iat = plain_stats(gaps);

    // L: every payload; the older profiles put the first packet's payload in twice (§3.4, F3).
    std::vector<double> lengths;
    if (profile != Profile::Fixed) {
        lengths.push_back(packets.front().payload);
    }
    for (const features::CicPacket& p : packets) {
        lengths.push_back(p.payload);
        r.payload_bytes += p.payload;
        r.header_bytes += p.header;
        for (unsigned bit = 0; bit < 8; ++bit) {
            if ((p.tcp_flags >> bit) & 1U) {
                ++r.flag_packets[bit];
            }
        }
    }
    r.lengths = plain_stats(lengths);
    double sum_l = 0;
    for (double l : lengths) {
        sum_l += l;
    }
    r.average_packet_size = sum_l / static_cast<double>(packets.size());
    return r;
}

}  // namespace fm::test_support
