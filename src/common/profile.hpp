// SPDX-License-Identifier: BSD-3-Clause
// The CICFlowMeter behaviours flowmeterd reproduces (spec §0). What each one means is data in
// features/cic_compat.hpp; this header only names them, so config and CLI can refer to them.
#pragma once

#include <optional>
#include <string_view>

namespace fm {

enum class Profile {
    Cic2017,  ///< CIC-IDS2017 layout, Feb-2018 algorithm, Ethernet padding counted
    Cic2018,  ///< CSE-CIC-IDS2018 layout, Feb-2018 algorithm
    V4,       ///< ahlashkari/CICFlowMeter master (d212d6c)
    Fixed,    ///< GintsEngelen/CICFlowMeter master (4dd5319), 94 columns; the default
};

inline constexpr Profile kDefaultProfile = Profile::Fixed;

constexpr std::string_view to_string(Profile p) noexcept {
    switch (p) {
        case Profile::Cic2017:
            return "cic2017";
        case Profile::Cic2018:
            return "cic2018";
        case Profile::V4:
            return "v4";
        case Profile::Fixed:
            return "fixed";
    }
    return "fixed";
}

constexpr std::optional<Profile> parse_profile(std::string_view s) noexcept {
    for (Profile p : {Profile::Cic2017, Profile::Cic2018, Profile::V4, Profile::Fixed}) {
        if (s == to_string(p)) {
            return p;
        }
    }
    return std::nullopt;
}

}  // namespace fm
