// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: bytes -> doubles and longs -> Java number text (output/java_format.hpp), and
// bytes -> a FeatureRow -> CSV line of one profile, picked by the input (output/csv_format.hpp).
// Checks: every double's text equals an independent Java Double.toString
// (tests/support/java_double_reference.hpp) and reads back to the same bits; every long's text
// is its decimal; a row is one line with the header's number of fields, each numeric cell the
// Java text of its value, each address text reading back to its bytes. Input: 8 bytes per
// value; the first byte also picks the row's cell kinds and address family.
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <arpa/inet.h>

#include <fmt/format.h>

#include "features/columns.hpp"
#include "features/feature_row.hpp"
#include "java_double_reference.hpp"
#include "output/csv_format.hpp"
#include "output/java_format.hpp"

namespace {

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "fuzz_java_format: %s\n", what.c_str());
    std::abort();
}

std::uint64_t load64(const std::uint8_t* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void check_double(double v) {
    char buf[fm::output::kMaxJavaDoubleChars + 1];
    char* end = fm::output::write_java_double(buf, v);
    const std::string got(buf, end);
    if (got.size() > fm::output::kMaxJavaDoubleChars) {
        fail("text longer than kMaxJavaDoubleChars: " + got);
    }
    const std::string want = fm::test_support::java_double_to_string(v);
    if (got != want) {
        fail(fmt::format("bits {:#018x}: got \"{}\", Java \"{}\"", std::bit_cast<std::uint64_t>(v),
                         got, want));
    }
    if (!std::isnan(v)) {
        const double back = std::strtod(got.c_str(), nullptr);
        if (std::bit_cast<std::uint64_t>(back) != std::bit_cast<std::uint64_t>(v)) {
            fail("does not read back: " + got);
        }
    }
    fmt::memory_buffer appended;
    fm::output::append_java_double(v, appended);
    if (std::string_view(appended.data(), appended.size()) != got) {
        fail("append_java_double differs from write_java_double for " + got);
    }
}

void check_long(std::int64_t v) {
    char buf[fm::output::kMaxJavaLongChars + 1];
    const std::string got(buf, fm::output::write_java_long(buf, v));
    if (got != std::to_string(v)) {
        fail(fmt::format("long {}: got \"{}\"", v, got));
    }
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t from = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ',') {
            out.push_back(line.substr(from, i - from));
            from = i + 1;
        }
    }
    return out;
}

/// The columns a profile prints, in order (the rule of features/columns.def).
std::vector<fm::features::Column> columns_of(fm::Profile p) {
    std::vector<fm::features::Column> out;
    for (std::size_t i = 0; i < fm::features::kColumnCount; ++i) {
        const fm::features::ColumnNames& n = fm::features::kColumnNames[i];
        const std::string_view name = p == fm::Profile::Fixed     ? n.fixed_v4
                                      : p == fm::Profile::Cic2017 ? n.cic2017
                                                                  : n.cic2018;
        if (!name.empty()) {
            out.push_back(static_cast<fm::features::Column>(i));
        }
    }
    return out;
}

void check_ip(std::string_view text, const std::array<std::uint8_t, 16>& bytes, bool ipv6) {
    std::array<std::uint8_t, 16> back{};
    const std::string s(text);
    if (inet_pton(ipv6 ? AF_INET6 : AF_INET, s.c_str(), back.data()) != 1 ||
        std::memcmp(back.data(), bytes.data(), ipv6 ? 16 : 4) != 0) {
        fail("address text does not read back: " + s);
    }
}

void check_row(const std::uint8_t* data, std::size_t size) {
    using fm::features::CellKind;
    using fm::features::Column;
    fm::features::FeatureRow row;
    std::size_t at = 0;
    auto next = [&]() -> std::uint64_t {
        if (size < 8) {
            return 0;
        }
        const std::uint64_t v = load64(data + at);
        at = (at + 8) % (size - 7);
        return v;
    };
    const std::uint64_t head = next();
    row.ipv6 = (head & 1U) != 0;
    row.flow_id_reversed = (head & 2U) != 0;
    for (std::size_t i = 0; i < 16; i += 8) {
        const std::uint64_t a = next(), b = next();
        std::memcpy(row.src_ip.data() + i, &a, 8);
        std::memcpy(row.dst_ip.data() + i, &b, 8);
    }
    if (!row.ipv6) {
        std::fill(row.src_ip.begin() + 4, row.src_ip.end(), 0);
        std::fill(row.dst_ip.begin() + 4, row.dst_ip.end(), 0);
    }
    row.src_port = static_cast<std::uint16_t>(next());
    row.dst_port = static_cast<std::uint16_t>(next());
    row.protocol = static_cast<std::uint8_t>(next());
    // Packet time: what a capture can hold (pcap: 32-bit seconds; pcapng: 64-bit units).
    row.first_ts_us = static_cast<fm::Micros>(next() >> 2);
    for (std::size_t i = 0; i < fm::features::kColumnCount; ++i) {
        const std::uint64_t v = next();
        if (((head >> (i % 62)) & 1U) != 0) {
            row.set_double(static_cast<Column>(i), std::bit_cast<double>(v));
        } else {
            row.set_int(static_cast<Column>(i), static_cast<std::int64_t>(v));
        }
    }
    // One profile per input (the reference Double.toString is slow: one layout per execution).
    {
        const auto p = static_cast<fm::Profile>((head >> 8) % 4);
        row.profile = p;
        static const fm::output::CsvFormatter formatters[] = {
            {fm::Profile::Cic2017, "America/Halifax", ""},
            {fm::Profile::Cic2018, "UTC", ""},
            {fm::Profile::V4, "Asia/Kolkata", "DoS Hulk"},
            {fm::Profile::Fixed, "UTC", ""},
        };
        const fm::output::CsvFormatter& f = formatters[static_cast<int>(p)];
        fmt::memory_buffer out;
        f.append_row(row, out);
        std::string_view line(out.data(), out.size());
        if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) {
            fail("a row is not one line");
        }
        line.remove_suffix(1);
        const std::vector<std::string_view> fields = split(line);
        const std::vector<Column> cols = columns_of(p);
        if (fields.size() != cols.size() || split(f.header()).size() != cols.size()) {
            fail(fmt::format("{} fields, header has {}", fields.size(), cols.size()));
        }
        for (std::size_t k = 0; k < cols.size(); ++k) {
            const Column c = cols[k];
            if (c == Column::SrcIp) {
                check_ip(fields[k], row.src_ip, row.ipv6);
            } else if (c == Column::DstIp) {
                check_ip(fields[k], row.dst_ip, row.ipv6);
            } else if (c == Column::FlowId || c == Column::Timestamp || c == Column::Label ||
                       c == Column::SrcPort || c == Column::DstPort || c == Column::Protocol) {
                continue;
            } else if (row.kind(c) == CellKind::Double) {
                // The cell must be the value's Java text; check_double() holds that text to the
                // reference for arbitrary values, so here the formatter's own text stands in
                // for the slow reference (the row check is about cells, order and layout).
                char text[fm::output::kMaxJavaDoubleChars + 1];
                const char* text_end = fm::output::write_java_double(text, row.double_value(c));
                if (fields[k] !=
                    std::string_view(text, static_cast<std::size_t>(text_end - text))) {
                    fail(fmt::format("cell {}: \"{}\"", k, fields[k]));
                }
            } else if (fields[k] != std::to_string(row.int_value(c))) {
                fail(fmt::format("cell {}: \"{}\"", k, fields[k]));
            }
        }
    }
}

}  // namespace

// libFuzzer's entry point (also called by replay_main.cpp).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The first 32 values (the reference is slow; longer inputs only slow each execution down).
    for (std::size_t i = 0; i + 8 <= std::min<std::size_t>(size, 256); i += 8) {
        const std::uint64_t bits = load64(data + i);
        check_double(std::bit_cast<double>(bits));
        // Whole numbers and small fractions, the values flows produce most.
        check_double(static_cast<double>(static_cast<std::int64_t>(bits) >> (bits & 63U)));
        check_double(static_cast<double>(bits & 0xFFFFFFFFU) / 1e6);
        check_long(static_cast<std::int64_t>(bits));
    }
    if (size >= 8) {
        check_row(data, size);
    }
    return 0;
}
