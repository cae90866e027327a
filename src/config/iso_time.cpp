// SPDX-License-Identifier: BSD-3-Clause
#include "config/iso_time.hpp"

#include <chrono>
#include <cstdlib>
#include <exception>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

namespace fm::config {

namespace {

/// Reads exactly `n` digits at `pos`.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
    if (pos + n > s.size()) {
        return false;
    }
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    pos += n;
    out = v;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

constexpr std::string_view kShape =
    "expected an ISO 8601 time with its zone: 2017-07-05T09:20:00-03:00, 2017-07-05T12:20:00Z "
    "or 2017-07-05 09:20:00 America/Halifax";

}  // namespace

bool parse_iso_time(std::string_view s, Micros& out, std::string& error) {
    const auto bad = [&](std::string_view why) {
        error = fmt::format("\"{}\": {}", s, why);
        return false;
    };
    std::size_t pos = 0;
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
    if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) ||
        !expect(s, pos, '-') || !digits(s, pos, 2, day)) {
        return bad(kShape);
    }
    if (!(expect(s, pos, 'T') || expect(s, pos, 't') || expect(s, pos, ' '))) {
        return bad(fmt::format("a date without a time of day: {}", kShape));
    }
    if (!digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute)) {
        return bad(kShape);
    }
    std::int64_t frac_us = 0;
    if (expect(s, pos, ':')) {
        if (!digits(s, pos, 2, second)) {
            return bad(kShape);
        }
        if (expect(s, pos, '.') || expect(s, pos, ',')) {
            std::size_t n = 0;
            std::int64_t scale = 100000;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                frac_us += (s[pos] - '0') * scale;  // digits below 1 µs add 0
                scale /= 10;
                ++pos;
                ++n;
            }
            if (n == 0) {
                return bad("a decimal point without digits");
            }
        }
    }
    const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                   date::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) {
        return bad(fmt::format("{:04}-{:02}-{:02} is not a date", year, month, day));
    }
    if (hour > 23 || minute > 59 || second > 59) {
        return bad(fmt::format("{:02}:{:02}:{:02} is not a time of day", hour, minute, second));
    }
    const std::int64_t local =
        std::chrono::duration_cast<std::chrono::seconds>(date::sys_days{ymd}.time_since_epoch())
            .count() +
        hour * 3600 + minute * 60 + second;

    std::int64_t offset = 0;
    const std::string_view rest = s.substr(pos);
    if (rest == "Z" || rest == "z") {
        offset = 0;
    } else if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
        std::size_t p = 1;
        int oh = 0;
        int om = 0;
        if (!digits(rest, p, 2, oh)) {
            return bad("the offset must be ±hh, ±hhmm or ±hh:mm");
        }
        if (p < rest.size()) {
            expect(rest, p, ':');
            if (!digits(rest, p, 2, om) || p != rest.size()) {
                return bad("the offset must be ±hh, ±hhmm or ±hh:mm");
            }
        }
        if (oh > 23 || om > 59) {
            return bad("the offset is out of range");
        }
        offset = (rest[0] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else if (!rest.empty() && (rest[0] == ' ' || rest[0] == '[')) {
        std::string_view name = rest.substr(1);
        if (rest[0] == '[') {
            if (name.empty() || name.back() != ']') {
                return bad("a zone name in brackets needs its ']'");
            }
            name.remove_suffix(1);
        }
        while (!name.empty() && name.front() == ' ') {
            name.remove_prefix(1);
        }
        if (name.empty()) {
            return bad(kShape);
        }
        if (name != "UTC") {
            const date::time_zone* zone = nullptr;
            try {
                zone = date::locate_zone(name);
            } catch (const std::exception&) {
                zone = nullptr;
            }
            if (zone == nullptr) {
                return bad(
                    fmt::format("unknown time zone \"{}\": expected UTC or an IANA name such as "
                                "America/Halifax",
                                name));
            }
            const date::local_info info =
                zone->get_info(date::local_seconds{std::chrono::seconds{local}});
            switch (info.result) {
                case date::local_info::unique:
                    offset = info.first.offset.count();
                    break;
                case date::local_info::nonexistent:
                    return bad(fmt::format(
                        "this local time does not exist in {}: the clocks jump from UTC{:+}h to "
                        "UTC{:+}h across it",
                        name, info.first.offset.count() / 3600.0,
                        info.second.offset.count() / 3600.0));
                case date::local_info::ambiguous:
                    return bad(fmt::format(
                        "this local time happens twice in {} (the clocks go back): write its "
                        "offset instead ({:+03}:{:02} or {:+03}:{:02})",
                        name, info.first.offset.count() / 3600,
                        std::abs(info.first.offset.count() / 60 % 60),
                        info.second.offset.count() / 3600,
                        std::abs(info.second.offset.count() / 60 % 60)));
            }
        }
    } else if (rest.empty()) {
        return bad(
            "no zone: add Z, an offset such as -03:00, or a zone name such as America/Halifax");
    } else {
        return bad(kShape);
    }
    out = (local - offset) * kMicrosPerSecond + frac_us;
    return true;
}

std::string format_iso_time(Micros us) {
    const std::chrono::sys_time<std::chrono::microseconds> tp{std::chrono::microseconds{us}};
    const auto day = date::floor<date::days>(tp);
    const date::year_month_day ymd{day};
    const auto tod = date::hh_mm_ss<std::chrono::microseconds>(tp - day);
    std::string text =
        fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                    tod.hours().count(), tod.minutes().count(), tod.seconds().count());
    if (tod.subseconds().count() != 0) {
        text += fmt::format(".{:06}", tod.subseconds().count());
    }
    text += 'Z';
    return text;
}

}  // namespace fm::config
