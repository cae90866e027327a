// SPDX-License-Identifier: BSD-3-Clause
// FeatureRow: one finished flow, finalized for its profile and ready to print. The flow engine
// fills it when a flow ends (features/flow_features.hpp decides every value *and* whether the
// reference prints it as a Java int or a Java double, spec §1.3/§4); output/csv_format.cpp only
// turns it into text. Trivially copyable and heap-free: rows travel in batches between threads.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "common/profile.hpp"
#include "common/time.hpp"
#include "features/columns.hpp"

namespace fm::features {

/// How a numeric cell is printed: Java `long` text, Java `Double.toString` text, or not at all
/// (identity columns, columns that the row's profile does not have).
enum class CellKind : std::uint8_t { None, Int, Double };

struct FeatureRow {
    // Identity (columns Flow ID .. Timestamp).
    std::array<std::uint8_t, 16> src_ip{};  ///< forward source; IPv4 in bytes 0..3
    std::array<std::uint8_t, 16> dst_ip{};
    Micros first_ts_us = 0;  ///< time of the flow's first packet (Timestamp)
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t protocol = 0;  ///< as printed (profile-mapped, e.g. 0 for ICMP in v4)
    bool ipv6 = false;
    bool flow_id_reversed = false;  ///< Flow ID text is dst-src-dport-sport (cic2017/18)
    Profile profile = kDefaultProfile;

    // Numeric cells indexed by Column; value bits are an int64 or a double (see kinds).
    std::array<CellKind, kColumnCount> kinds{};
    std::array<std::int64_t, kColumnCount> bits{};

    void set_int(Column c, std::int64_t v) noexcept {
        kinds[index(c)] = CellKind::Int;
        bits[index(c)] = v;
    }
    void set_double(Column c, double v) noexcept {
        kinds[index(c)] = CellKind::Double;
        bits[index(c)] = std::bit_cast<std::int64_t>(v);
    }
    CellKind kind(Column c) const noexcept { return kinds[index(c)]; }
    std::int64_t int_value(Column c) const noexcept { return bits[index(c)]; }
    double double_value(Column c) const noexcept { return std::bit_cast<double>(bits[index(c)]); }
};

static_assert(std::is_trivially_copyable_v<FeatureRow>);
static_assert(sizeof(FeatureRow) <= 1024, "FeatureRow is batched between threads: keep it small");

}  // namespace fm::features
