// SPDX-License-Identifier: BSD-3-Clause
// CsvFormatter: header selection, per-cell Java text, Flow ID / address / timestamp text.
#include "output/csv_format.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <date/date.h>
#include <date/tz.h>

#include "features/cic_compat.hpp"
#include "output/java_format.hpp"

namespace fm::output {

namespace {

using features::CellKind;
using features::Column;
using features::kColumnCount;
using features::kColumnNames;

std::string_view name_for(Profile p, std::size_t i) {
    switch (p) {
        case Profile::Cic2017:
            return kColumnNames[i].cic2017;
        case Profile::Cic2018:
            return kColumnNames[i].cic2018;
        case Profile::V4:
            // v4 has the 84 columns that cic2018 has, under the names fixed uses.
            return kColumnNames[i].cic2018.empty() ? std::string_view{} : kColumnNames[i].fixed_v4;
        case Profile::Fixed:
            return kColumnNames[i].fixed_v4;
    }
    return {};
}

char* put(char* p, std::string_view s) noexcept {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
}

/// Two digits, zero padded.
char* put2(char* p, unsigned v) noexcept {
    p[0] = static_cast<char>('0' + (v / 10) % 10);
    p[1] = static_cast<char>('0' + v % 10);
    return p + 2;
}

/// v in decimal, zero padded to `width` digits (sign before the padding).
char* put_fixed_width(char* p, std::int64_t v, int width) noexcept {
    std::array<char, 24> buf{};
    int n = 0;
    std::uint64_t u = v < 0 ? ~static_cast<std::uint64_t>(v) + 1 : static_cast<std::uint64_t>(v);
    do {
        buf[static_cast<std::size_t>(n++)] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        *p++ = '-';
    }
    for (int i = n; i < width; ++i) {
        *p++ = '0';
    }
    while (n > 0) {
        *p++ = buf[static_cast<std::size_t>(--n)];
    }
    return p;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

/// The text of the last second formatted on this thread, per formatter: rows come in time
/// order, so most rows of a second (and of a zone's offset period) reuse it. thread_local, so
/// formatters shared by threads stay const-correct and race-free.
struct TimestampCache {
    std::uint64_t owner = 0;      ///< CsvFormatter::id_; 0 = empty
    std::int64_t second = 0;      ///< UTC second the text is for
    std::int64_t zone_begin = 0;  ///< [zone_begin, zone_end): UTC seconds with zone_offset
    std::int64_t zone_end = 0;
    std::int64_t zone_offset = 0;
    std::uint8_t len = 0;
    std::array<char, 40> text{};
};

thread_local TimestampCache t_ts_cache;

std::atomic<std::uint64_t> g_next_formatter_id{1};

/// Most characters of an IP address text ("ffff:ffff:…:ffff").
constexpr std::size_t kMaxIpChars = 39;
/// Most characters of a Timestamp cell.
constexpr std::size_t kMaxTimestampChars = 40;

}  // namespace

std::string_view default_label(Profile p) noexcept {
    switch (p) {
        case Profile::Cic2017:
        case Profile::Cic2018:
            return "No Label";
        case Profile::V4:
        case Profile::Fixed:
            return "NeedManualLabel";
    }
    return "NeedManualLabel";
}

CsvFormatter::CsvFormatter(Profile profile, std::string_view time_zone, std::string_view label,
                           std::shared_ptr<const LabelMatcher> rules)
    : profile_(profile),
      label_(label.empty() ? default_label(profile) : label),
      rules_(std::move(rules)),
      id_(g_next_formatter_id.fetch_add(1, std::memory_order_relaxed)) {
    for (std::size_t i = 0; i < kColumnCount; ++i) {
        const std::string_view name = name_for(profile, i);
        if (name.empty()) {
            continue;
        }
        if (!header_.empty()) {
            header_ += ',';
        }
        header_ += name;
        columns_.push_back(static_cast<Column>(i));
    }
    const features::CicCompat& c = features::compat_for(profile);
    if (!c.timestamp_always_utc && !time_zone.empty() && time_zone != "UTC") {
        try {
            zone_ = date::locate_zone(time_zone);
        } catch (const std::exception& e) {
            throw std::runtime_error(
                fmt::format("unknown time zone \"{}\": {}", time_zone, e.what()));
        }
    }
    // Every cell at its longest, plus a comma each: Flow ID (two addresses, two ports, the
    // protocol), two addresses, the Timestamp, the label, numbers.
    max_row_chars_ = columns_.size() * (1 + std::max(kMaxJavaDoubleChars, kMaxJavaLongChars)) +
                     (2 * kMaxIpChars + 4 + 2 * 5 + 3) + 2 * kMaxIpChars + kMaxTimestampChars +
                     std::max(label_.size(), rules_ ? rules_->longest_label() : 0) + 1;
}

char* write_ip(char* p, const std::uint8_t* b, bool ipv6) noexcept {
    if (!ipv6) {
        for (int i = 0; i < 4; ++i) {
            if (i != 0) {
                *p++ = '.';
            }
            p = write_java_long(p, b[i]);
        }
        return p;
    }
    // RFC 5952: lower-case hex, leading zeros dropped, longest run (>= 2) of zero groups
    // replaced by "::" (the first one on ties).
    std::array<unsigned, 8> g{};
    for (int i = 0; i < 8; ++i) {
        g[static_cast<std::size_t>(i)] = (unsigned{b[2 * i]} << 8) | b[2 * i + 1];
    }
    int best = -1;
    int best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[static_cast<std::size_t>(i)] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[static_cast<std::size_t>(j)] == 0) {
            ++j;
        }
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2) {
        best = -1;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (int i = 0; i < 8; ++i) {
        if (i == best) {
            *p++ = ':';
            if (i == 0) {
                *p++ = ':';
            }
            i += best_len - 1;
            continue;
        }
        const unsigned v = g[static_cast<std::size_t>(i)];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned nib = (v >> shift) & 0xF;
            if (nib != 0 || started || shift == 0) {
                *p++ = kHex[nib];
                started = true;
            }
        }
        if (i != 7) {
            *p++ = ':';
        }
    }
    return p;
}

void append_ip(const std::uint8_t* b, bool ipv6, fmt::memory_buffer& out) {
    std::array<char, kMaxIpChars + 1> buf{};
    out.append(buf.data(), write_ip(buf.data(), b, ipv6));
}

void CsvFormatter::append_timestamp(Micros us, fmt::memory_buffer& out) const {
    std::array<char, kMaxTimestampChars> buf{};
    out.append(buf.data(), write_timestamp(buf.data(), us));
}

char* CsvFormatter::write_timestamp(char* p, Micros us) const {
    const features::CicCompat& c = features::compat_for(profile_);
    TimestampCache& cache = t_ts_cache;
    if (c.timestamp == features::TimestampFormat::IsoUtcFraction) {
        // fixed: UTC "yyyy-MM-dd HH:mm:ss" plus Instant.toString's fraction (3/6 digits).
        const std::int64_t secs = floor_div(us, 1000000);
        const std::int64_t frac_us = us - secs * 1000000;
        if (cache.owner != id_ || cache.second != secs) {
            const std::int64_t days = floor_div(secs, 86400);
            const auto sod = static_cast<unsigned>(secs - days * 86400);
            const Civil d = civil_from_days(days);
            char* t = cache.text.data();
            t = put_fixed_width(t, d.year, 4);
            *t++ = '-';
            t = put2(t, d.month);
            *t++ = '-';
            t = put2(t, d.day);
            *t++ = ' ';
            t = put2(t, sod / 3600);
            *t++ = ':';
            t = put2(t, sod / 60 % 60);
            *t++ = ':';
            t = put2(t, sod % 60);
            cache.owner = id_;
            cache.second = secs;
            cache.zone_end = cache.zone_begin;  // no zone period cached
            cache.len = static_cast<std::uint8_t>(t - cache.text.data());
        }
        p = put(p, std::string_view(cache.text.data(), cache.len));
        if (frac_us != 0) {
            *p++ = '.';
            if (frac_us % 1000 == 0) {
                p = put_fixed_width(p, frac_us / 1000, 3);
            } else {
                p = put_fixed_width(p, frac_us, 6);
            }
        }
        return p;
    }
    // v4 / cic2018: SimpleDateFormat on the millisecond time (µs / 1000, truncated as
    // Java's long division does), in the JVM's zone; hh = 12-hour clock 01..12. The text
    // depends on the second only.
    const std::int64_t secs = floor_div(us / 1000, 1000);
    if (cache.owner == id_ && cache.second == secs) {
        return put(p, std::string_view(cache.text.data(), cache.len));
    }
    if (cache.owner != id_) {
        cache.zone_begin = cache.zone_end = 0;
        cache.zone_offset = 0;
    }
    std::int64_t offset = 0;
    if (zone_ != nullptr) {
        if (cache.owner != id_ || secs < cache.zone_begin || secs >= cache.zone_end) {
            // The zone's offset period around this second: one tz lookup per period.
            const date::sys_info info =
                zone_->get_info(date::sys_seconds{std::chrono::seconds{secs}});
            cache.zone_begin = info.begin.time_since_epoch().count();
            cache.zone_end = info.end.time_since_epoch().count();
            cache.zone_offset = info.offset.count();
        }
        offset = cache.zone_offset;
    }
    const std::int64_t local = secs + offset;
    const std::int64_t days = floor_div(local, 86400);
    const auto sod = static_cast<unsigned>(local - days * 86400);
    const Civil d = civil_from_days(days);
    char* t = cache.text.data();
    t = put2(t, d.day);
    *t++ = '/';
    t = put2(t, d.month);
    *t++ = '/';
    t = put_fixed_width(t, d.year, 4);
    *t++ = ' ';
    const unsigned h24 = sod / 3600;
    const unsigned h12 = h24 % 12 == 0 ? 12 : h24 % 12;
    t = put2(t, h12);
    *t++ = ':';
    t = put2(t, sod / 60 % 60);
    *t++ = ':';
    t = put2(t, sod % 60);
    if (c.timestamp == features::TimestampFormat::DmyHms12AmPm) {
        t = put(t, h24 < 12 ? " AM" : " PM");
    }
    cache.owner = id_;
    cache.second = secs;
    cache.len = static_cast<std::uint8_t>(t - cache.text.data());
    return put(p, std::string_view(cache.text.data(), cache.len));
}

void CsvFormatter::append_row(const features::FeatureRow& row, fmt::memory_buffer& out) const {
    // One pass over room reserved once for the longest possible row; the buffer is cut back to
    // the text's length at the end.
    const std::size_t start = out.size();
    out.resize(start + max_row_chars_);
    char* const first = out.data() + start;
    char* p = first;
    const bool first_is_src = !row.flow_id_reversed;
    for (std::size_t k = 0; k < columns_.size(); ++k) {
        const Column col = columns_[k];
        *p = ',';
        p += k != 0 ? 1 : 0;  // a separator before every cell but the first
        switch (col) {
            case Column::FlowId: {
                const auto& a = first_is_src ? row.src_ip : row.dst_ip;
                const auto& b = first_is_src ? row.dst_ip : row.src_ip;
                p = write_ip(p, a.data(), row.ipv6);
                *p++ = '-';
                p = write_ip(p, b.data(), row.ipv6);
                *p++ = '-';
                p = write_java_long(p, first_is_src ? row.src_port : row.dst_port);
                *p++ = '-';
                p = write_java_long(p, first_is_src ? row.dst_port : row.src_port);
                *p++ = '-';
                p = write_java_long(p, row.protocol);
                continue;
            }
            case Column::SrcIp:
                p = write_ip(p, row.src_ip.data(), row.ipv6);
                continue;
            case Column::SrcPort:
                p = write_java_long(p, row.src_port);
                continue;
            case Column::DstIp:
                p = write_ip(p, row.dst_ip.data(), row.ipv6);
                continue;
            case Column::DstPort:
                p = write_java_long(p, row.dst_port);
                continue;
            case Column::Protocol:
                p = write_java_long(p, row.protocol);
                continue;
            case Column::Timestamp:
                p = write_timestamp(p, row.first_ts_us);
                continue;
            case Column::Label: {
                // Labelling rules: decided once per flow, here where its row is made.
                const std::uint32_t rule = rules_ ? rules_->match(row) : LabelMatcher::kNoMatch;
                p = put(p, rule == LabelMatcher::kNoMatch ? label_ : rules_->label(rule));
                continue;
            }
            default:
                break;
        }
        switch (row.kind(col)) {
            case CellKind::Int:
                p = write_java_long(p, row.int_value(col));
                break;
            case CellKind::Double:
                p = write_java_double(p, row.double_value(col));
                break;
            case CellKind::None:
                // A column the row's profile did not compute: the formatter and the row
                // disagree on the profile. Print 0 rather than shift the columns.
                *p++ = '0';
                break;
        }
    }
    *p++ = '\n';
    out.resize(start + static_cast<std::size_t>(p - first));
}

}  // namespace fm::output
