// SPDX-License-Identifier: BSD-3-Clause
// Test helpers shared by unit_features and unit_flow: PacketMeta built in code (as the decoder
// would fill it), a RowSink that keeps rows, and access to a row's CSV fields by column name
// through the real CsvFormatter, so tests assert the exact text the reference prints.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "common/profile.hpp"
#include "common/time.hpp"
#include "decode/packet_meta.hpp"
#include "features/feature_row.hpp"
#include "features/row_sink.hpp"
#include "output/csv_format.hpp"
#include "row_collector.hpp"

namespace fm::test {

/// 2017-07-14 02:40:00 UTC, the start of the spec's worked examples (§6).
inline constexpr Micros kT0 = 1'500'000'000LL * 1'000'000;

inline std::array<std::uint8_t, 16> ip4(const char* text) {
    std::array<std::uint8_t, 16> a{};
    unsigned b[4] = {0, 0, 0, 0};
    std::sscanf(text, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
    for (int i = 0; i < 4; ++i) {
        a[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(b[i]);
    }
    return a;
}

struct Endpoint {
    const char* ip;
    std::uint16_t port;
};

inline decode::PacketMeta tcp(Micros t, Endpoint from, Endpoint to, std::uint8_t flags,
                              std::uint32_t payload, std::uint16_t window = 0,
                              std::uint16_t header = 20, std::uint32_t seq = 0,
                              std::uint32_t ack = 0) {
    decode::PacketMeta m;
    m.ts_us = t;
    m.src_ip = ip4(from.ip);
    m.dst_ip = ip4(to.ip);
    m.src_port = from.port;
    m.dst_port = to.port;
    m.protocol = 6;
    m.tcp_flags = flags;
    m.payload_len = payload;
    m.frame_payload_len = payload;
    m.l4_header_len = header;
    m.window = window;
    m.seq = seq;
    m.ack = ack;
    m.flags = decode::kL4Decoded;
    return m;
}

inline decode::PacketMeta udp(Micros t, Endpoint from, Endpoint to, std::uint32_t payload) {
    decode::PacketMeta m;
    m.ts_us = t;
    m.src_ip = ip4(from.ip);
    m.dst_ip = ip4(to.ip);
    m.src_port = from.port;
    m.dst_port = to.port;
    m.protocol = 17;
    m.payload_len = payload;
    m.frame_payload_len = payload;
    m.l4_header_len = 8;
    m.flags = decode::kL4Decoded;
    return m;
}

inline decode::PacketMeta icmp(Micros t, const char* from, const char* to, std::uint8_t type,
                               std::uint8_t code, std::uint32_t payload = 56) {
    decode::PacketMeta m;
    m.ts_us = t;
    m.src_ip = ip4(from);
    m.dst_ip = ip4(to);
    m.protocol = 1;
    m.icmp_type = type;
    m.icmp_code = code;
    m.payload_len = payload;
    m.frame_payload_len = payload;
    m.l4_header_len = 8;
    m.flags = decode::kL4Decoded;
    return m;
}

/// Keeps every row it is given.
using VectorSink = test_support::RowCollector;

/// One row as the profile prints it: header name -> field text (the first column of a name
/// wins, so cic2017's repeated "Fwd Header Length" maps to column 41).
class PrintedRow {
public:
    PrintedRow(const features::FeatureRow& row, Profile profile, const char* tz = "UTC")
        : fmt_(profile, tz, "") {
        fmt::memory_buffer buf;
        fmt_.append_row(row, buf);
        line_ = fmt::to_string(buf);
        if (!line_.empty() && line_.back() == '\n') {
            line_.pop_back();
        }
        const auto names = split(fmt_.header());
        const auto values = split(line_);
        count_ = values.size();
        for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
            std::string n = names[i];
            while (!n.empty() && n.front() == ' ') {
                n.erase(n.begin());
            }
            fields_.emplace(n, values[i]);
        }
    }

    /// Field text of a column (header name without leading spaces); "<missing>" if absent.
    std::string operator[](const std::string& name) const {
        const auto it = fields_.find(name);
        return it == fields_.end() ? std::string("<missing>") : it->second;
    }
    const std::string& line() const { return line_; }
    std::size_t field_count() const { return count_; }

private:
    static std::vector<std::string> split(const std::string& s) {
        std::vector<std::string> out;
        std::string cur;
        std::istringstream in(s);
        while (std::getline(in, cur, ',')) {
            out.push_back(cur);
        }
        return out;
    }

    output::CsvFormatter fmt_;
    std::string line_;
    std::map<std::string, std::string> fields_;
    std::size_t count_ = 0;
};

}  // namespace fm::test
