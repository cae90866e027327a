// SPDX-License-Identifier: BSD-3-Clause
// Command line of flowmeter-bench: what traffic, which mode (as fast as possible, paced, or the
// zero-loss search), how long, which pipeline layout, where the JSON goes. Parsed by hand so
// that every mistake is one line on stderr and exit status 2.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/profile.hpp"

namespace fm::bench {

/// A bad command line; what() is the one line to print.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// --rate: "max", packets per second ("250000", "1.5Mpps", "10kpps") or a share of a link in
/// bits per second ("10G", "2.5G", "100M"), which becomes packets/s for the frame mix.
struct RateSpec {
    enum class Kind { Max, Pps, Bps };
    Kind kind = Kind::Max;
    double value = 0;  ///< pps or bit/s

    /// Packets/s for frames of `mean_wire_len` bytes (without FCS) on the wire.
    double pps(double mean_wire_len) const noexcept;
};

/// Frame sizes of the generated traffic (flowgen's size mixes).
enum class FrameMix { F64, Imix, F1518 };

struct Options {
    // Traffic: a capture file, or flowgen's model.
    std::string pcap;  ///< --pcap FILE; empty: generated traffic
    FrameMix frames = FrameMix::F64;
    std::uint64_t flows = 1000;                  ///< --flows: flows open at once
    double new_flows_per_s = 0;                  ///< --new-flows-per-s (traffic time); 0: flows/60
    std::uint64_t seed = 1;                      ///< --seed
    std::uint64_t max_store_bytes = 1ull << 30;  ///< --max-store-mb: above, frames are cut
    // Mode.
    RateSpec rate;                  ///< --rate
    std::uint32_t ring = 4096;      ///< --ring: receive ring descriptors (paced)
    double duration_s = 2.0;        ///< --duration
    bool find_zero_loss = false;    ///< --find-zero-loss
    double link_bps = 10e9;         ///< --link
    double precision = 0.02;        ///< --precision: search stops at hi/lo - 1 below
    std::uint32_t max_trials = 12;  ///< --max-trials
    // Pipeline.
    std::vector<std::uint32_t> workers;  ///< --workers N[,N...]; empty: the config default
    Profile profile = kDefaultProfile;   ///< --profile
    // Output.
    std::string json;      ///< --json FILE
    std::string scenario;  ///< --scenario NAME (default: made from the input)
    bool quiet = false;    ///< --quiet: no table
};

/// Parses argv; throws UsageError. Returns nullopt after printing --help.
std::optional<Options> parse_options(int argc, char** argv);

/// Text of --help.
std::string usage();

std::string_view to_string(FrameMix mix) noexcept;

/// "max", "250000 pps", "10 Gbit/s".
std::string describe(const RateSpec& rate);

}  // namespace fm::bench
