// SPDX-License-Identifier: BSD-3-Clause
// The test oracle of the flow engine's differential checks (tests/fuzz/fuzz_flow_engine.cpp,
// tests/unit/flow/flow_differential_test.cpp): the features of one flow computed from the
// list of its packets in the plainest way, two passes over a vector (sums and extremes, then
// squared deviations), with none of the engine's running accumulators. Only the columns whose
// definition (docs/features.md) is plain arithmetic over the flow's packets are computed here;
// direction-dependent columns follow reference quirks (timeout continuations, first-packet-only
// flags) and are covered by invariants and the conformance suite instead.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "common/profile.hpp"
#include "features/cic_packet.hpp"

namespace fm::test_support {

/// Count, extremes, mean and sample variance of a list of numbers (variance NaN for one value
/// is not used: one value gives 0, as commons-math's SummaryStatistics does).
struct PlainStats {
    std::uint64_t count = 0;
    double min = 0;
    double max = 0;
    double mean = 0;
    double variance = 0;  ///< sum of squared deviations / (count - 1); 0 for one value
};

/// Two-pass statistics of `values` (empty: count 0, the rest 0).
PlainStats plain_stats(std::span<const double> values);

struct ReferenceFeatures {
    std::uint64_t packets = 0;
    std::int64_t duration_us = 0;    ///< last packet's time minus the first's (arrival order)
    double payload_bytes = 0;        ///< both directions
    std::int64_t header_bytes = 0;   ///< both directions
    PlainStats iat;                  ///< gaps between consecutive packets, arrival order
    PlainStats lengths;              ///< the multiset L of docs/features.md
    double average_packet_size = 0;  ///< sum(L) / packets
    /// Packets carrying each TCP flag, indexed by bit number (FIN = 0 ... CWR = 7).
    std::array<std::uint64_t, 8> flag_packets{};
};

/// The features of the flow made of `packets` (non-empty, in arrival order) under `profile`.
ReferenceFeatures reference_features(Profile profile, std::span<const features::CicPacket> packets);

}  // namespace fm::test_support
