// SPDX-License-Identifier: BSD-3-Clause
// CsvFormatter: header selection, per-cell Java text, Flow ID / address / timestamp text.
#include "output/csv_format.hpp"

// The Debian build of Howard Hinnant's tz library reads the system tzdata (USE_OS_TZDB=1) and
// is compiled in C-locale-only mode; its header must be seen with the same settings.
#ifndef USE_OS_TZDB
#define USE_OS_TZDB 1
#endif
#ifndef ONLY_C_LOCALE
#define ONLY_C_LOCALE 1
#endif
#ifndef HAS_STRING_VIEW
#define HAS_STRING_VIEW 1
#endif

#include <array>
#include <chrono>
#include <cstdio>
#include <stdexcept>

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

void append_sv(fmt::memory_buffer& out, std::string_view s) {
    out.append(s.data(), s.data() + s.size());
}

/// Two digits, zero padded.
void append2(fmt::memory_buffer& out, unsigned v) {
    out.push_back(static_cast<char>('0' + (v / 10) % 10));
    out.push_back(static_cast<char>('0' + v % 10));
}

void append_fixed_width(fmt::memory_buffer& out, std::int64_t v, int width) {
    std::array<char, 24> buf{};
    int n = 0;
    std::uint64_t u = v < 0 ? static_cast<std::uint64_t>(-v) : static_cast<std::uint64_t>(v);
    do {
        buf[static_cast<std::size_t>(n++)] = static_cast<char>('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0) {
        out.push_back('-');
    }
    for (int i = n; i < width; ++i) {
        out.push_back('0');
    }
    while (n > 0) {
        out.push_back(buf[static_cast<std::size_t>(--n)]);
    }
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

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

CsvFormatter::CsvFormatter(Profile profile, std::string_view time_zone, std::string_view label)
    : profile_(profile), label_(label.empty() ? default_label(profile) : label) {
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
}

void append_ip(const std::uint8_t* b, bool ipv6, fmt::memory_buffer& out) {
    if (!ipv6) {
        for (int i = 0; i < 4; ++i) {
            if (i != 0) {
                out.push_back('.');
            }
            append_java_long(b[i], out);
        }
        return;
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
            out.push_back(':');
            if (i == 0) {
                out.push_back(':');
            }
            i += best_len - 1;
            continue;
        }
        const unsigned v = g[static_cast<std::size_t>(i)];
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned nib = (v >> shift) & 0xF;
            if (nib != 0 || started || shift == 0) {
                out.push_back(kHex[nib]);
                started = true;
            }
        }
        if (i != 7) {
            out.push_back(':');
        }
    }
}

void CsvFormatter::append_timestamp(Micros us, fmt::memory_buffer& out) const {
    using namespace std::chrono;
    const features::CicCompat& c = features::compat_for(profile_);
    if (c.timestamp == features::TimestampFormat::IsoUtcFraction) {
        // fixed: UTC "yyyy-MM-dd HH:mm:ss" plus Instant.toString's fraction (3/6 digits).
        const std::int64_t secs = floor_div(us, 1000000);
        const std::int64_t frac_us = us - secs * 1000000;
        const date::sys_seconds tp{seconds{secs}};
        const auto day = date::floor<date::days>(tp);
        const date::year_month_day ymd{day};
        const date::hh_mm_ss<seconds> hms{tp - day};
        append_fixed_width(out, static_cast<int>(ymd.year()), 4);
        out.push_back('-');
        append2(out, static_cast<unsigned>(ymd.month()));
        out.push_back('-');
        append2(out, static_cast<unsigned>(ymd.day()));
        out.push_back(' ');
        append2(out, static_cast<unsigned>(hms.hours().count()));
        out.push_back(':');
        append2(out, static_cast<unsigned>(hms.minutes().count()));
        out.push_back(':');
        append2(out, static_cast<unsigned>(hms.seconds().count()));
        if (frac_us != 0) {
            out.push_back('.');
            if (frac_us % 1000 == 0) {
                append_fixed_width(out, frac_us / 1000, 3);
            } else {
                append_fixed_width(out, frac_us, 6);
            }
        }
        return;
    }
    // v4 / cic2018: SimpleDateFormat on the millisecond time (µs / 1000, truncated as
    // Java's long division does), in the JVM's zone; hh = 12-hour clock 01..12.
    const std::int64_t ms = us / 1000;
    const date::sys_seconds tp{seconds{floor_div(ms, 1000)}};
    date::local_seconds local{tp.time_since_epoch()};
    if (zone_ != nullptr) {
        local = zone_->to_local(tp);
    }
    const auto day = date::floor<date::days>(local);
    const date::year_month_day ymd{day};
    const date::hh_mm_ss<seconds> hms{local - day};
    append2(out, static_cast<unsigned>(ymd.day()));
    out.push_back('/');
    append2(out, static_cast<unsigned>(ymd.month()));
    out.push_back('/');
    append_fixed_width(out, static_cast<int>(ymd.year()), 4);
    out.push_back(' ');
    const auto h24 = static_cast<unsigned>(hms.hours().count());
    const unsigned h12 = h24 % 12 == 0 ? 12 : h24 % 12;
    append2(out, h12);
    out.push_back(':');
    append2(out, static_cast<unsigned>(hms.minutes().count()));
    out.push_back(':');
    append2(out, static_cast<unsigned>(hms.seconds().count()));
    if (c.timestamp == features::TimestampFormat::DmyHms12AmPm) {
        append_sv(out, h24 < 12 ? " AM" : " PM");
    }
}

void CsvFormatter::append_row(const features::FeatureRow& row, fmt::memory_buffer& out) const {
    const bool first_is_src = !row.flow_id_reversed;
    for (std::size_t k = 0; k < columns_.size(); ++k) {
        if (k != 0) {
            out.push_back(',');
        }
        const Column col = columns_[k];
        switch (col) {
            case Column::FlowId: {
                const auto& a = first_is_src ? row.src_ip : row.dst_ip;
                const auto& b = first_is_src ? row.dst_ip : row.src_ip;
                append_ip(a.data(), row.ipv6, out);
                out.push_back('-');
                append_ip(b.data(), row.ipv6, out);
                out.push_back('-');
                append_java_long(first_is_src ? row.src_port : row.dst_port, out);
                out.push_back('-');
                append_java_long(first_is_src ? row.dst_port : row.src_port, out);
                out.push_back('-');
                append_java_long(row.protocol, out);
                continue;
            }
            case Column::SrcIp:
                append_ip(row.src_ip.data(), row.ipv6, out);
                continue;
            case Column::SrcPort:
                append_java_long(row.src_port, out);
                continue;
            case Column::DstIp:
                append_ip(row.dst_ip.data(), row.ipv6, out);
                continue;
            case Column::DstPort:
                append_java_long(row.dst_port, out);
                continue;
            case Column::Protocol:
                append_java_long(row.protocol, out);
                continue;
            case Column::Timestamp:
                append_timestamp(row.first_ts_us, out);
                continue;
            case Column::Label:
                append_sv(out, label_);
                continue;
            default:
                break;
        }
        switch (row.kind(col)) {
            case CellKind::Int:
                append_java_long(row.int_value(col), out);
                break;
            case CellKind::Double:
                append_java_double(row.double_value(col), out);
                break;
            case CellKind::None:
                // A column the row's profile did not compute: the formatter and the row
                // disagree on the profile. Print 0 rather than shift the columns.
                out.push_back('0');
                break;
        }
    }
    out.push_back('\n');
}

}  // namespace fm::output
