// SPDX-License-Identifier: BSD-3-Clause
#include "output/output_names.hpp"

#include <fmt/format.h>

namespace fm::output {

std::string output_name(std::string_view prefix, std::string_view stamp, std::uint64_t seq) {
    return fmt::format("{}-{}-{}.csv", prefix, stamp, seq);
}

bool parse_output_name(std::string_view name, std::string_view prefix, std::string& stamp,
                       std::uint64_t& seq) {
    constexpr std::string_view kExt = ".csv";
    constexpr std::size_t kStampLen = 16;  // YYYYmmddTHHMMSSZ
    if (name.size() <= prefix.size() + 1 + kStampLen + 1 + kExt.size() ||
        name.substr(0, prefix.size()) != prefix || name[prefix.size()] != '-' ||
        name.substr(name.size() - kExt.size()) != kExt) {
        return false;
    }
    std::string_view rest = name.substr(prefix.size() + 1);
    const std::string_view st = rest.substr(0, kStampLen);
    for (std::size_t i = 0; i < kStampLen; ++i) {
        const bool digit = st[i] >= '0' && st[i] <= '9';
        const bool ok = i == 8 ? st[i] == 'T' : i == 15 ? st[i] == 'Z' : digit;
        if (!ok) {
            return false;
        }
    }
    rest = rest.substr(kStampLen);
    if (rest.empty() || rest[0] != '-') {
        return false;
    }
    const std::string_view num = rest.substr(1, rest.size() - 1 - kExt.size());
    if (num.empty() || num.size() > 9) {
        return false;
    }
    std::uint64_t v = 0;
    for (char c : num) {
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    stamp = std::string(st);
    seq = v;
    return true;
}

}  // namespace fm::output
