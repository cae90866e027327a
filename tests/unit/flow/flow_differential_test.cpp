// SPDX-License-Identifier: BSD-3-Clause
// The flow engine's differential check (tests/support/flow_differential.hpp) over seeded random
// packet sequences, in every profile: the same check as the libFuzzer target
// fuzz_flow_engine, run in every CI build without libFuzzer. Each sequence is random bytes fed
// to the same packet generator as the fuzz target's input.
#include "flow_differential.hpp"

#include <cstdint>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace fm::test_support {
namespace {

constexpr int kSequences = 3000;

class FlowDifferential : public ::testing::TestWithParam<Profile> {};

TEST_P(FlowDifferential, RowsMatchThePlainComputation) {
    std::mt19937_64 rng(0x5EED'F10Cu);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> length(1, 160);
    for (int i = 0; i < kSequences; ++i) {
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(length(rng)) *
                                        kDifferentialBytesPerPacket);
        for (std::uint8_t& b : bytes) {
            b = static_cast<std::uint8_t>(byte(rng));
        }
        const std::string failure = check_flow_engine(GetParam(), packets_from_bytes(bytes));
        ASSERT_EQ(failure, "") << "sequence " << i << " of seed 0x5EEDF10C";
    }
}

// Few hosts and small steps: long flows with many packets, FIN/RST teardowns and continuations.
TEST_P(FlowDifferential, LongFlowsOfOneHostPair) {
    std::mt19937_64 rng(0xF10Eu);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int i = 0; i < 300; ++i) {
        std::vector<std::uint8_t> bytes(300 * kDifferentialBytesPerPacket);
        for (std::size_t k = 0; k < bytes.size(); ++k) {
            bytes[k] = static_cast<std::uint8_t>(byte(rng));
            if (k % kDifferentialBytesPerPacket == 0) {
                bytes[k] &= 0x1C;  // host pair 0, both directions, TCP or UDP
            } else if (k % kDifferentialBytesPerPacket == 2 && bytes[k] % 8 > 1) {
                bytes[k] &= 0xF9;  // mostly small steps, sometimes others
            }
        }
        const std::string failure = check_flow_engine(GetParam(), packets_from_bytes(bytes));
        ASSERT_EQ(failure, "") << "sequence " << i;
    }
}

INSTANTIATE_TEST_SUITE_P(AllProfiles, FlowDifferential,
                         ::testing::Values(Profile::Cic2017, Profile::Cic2018, Profile::V4,
                                           Profile::Fixed),
                         [](const ::testing::TestParamInfo<Profile>& param) {
                             return std::string(to_string(param.param));
                         });

}  // namespace
}  // namespace fm::test_support
