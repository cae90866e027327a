// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: bytes -> a sequence of decoded packets (tests/support/flow_differential.hpp:
// time stamps that repeat, go backwards or jump by 2^32 µs, duplicates, zero-length payloads,
// every TCP flag byte, sequence numbers that wrap) -> FlowEngine in every profile. Every row is
// checked against a plain two-pass computation of its features from its packets
// (tests/support/reference_features.hpp) and against invariants over all its columns; a
// failure prints what differs and aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "flow_differential.hpp"

// libFuzzer's entry point (also called by replay_main.cpp).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A hundred packets exercise every rule; longer inputs only slow each execution down (the
    // seeded unit test runs longer sequences).
    constexpr std::size_t kMaxPackets = 128;
    const std::size_t used =
        std::min(size, kMaxPackets * fm::test_support::kDifferentialBytesPerPacket);
    const auto packets = fm::test_support::packets_from_bytes(std::span(data, used));
    for (fm::Profile p :
         {fm::Profile::Cic2017, fm::Profile::Cic2018, fm::Profile::V4, fm::Profile::Fixed}) {
        const std::string failure = fm::test_support::check_flow_engine(p, packets);
        if (!failure.empty()) {
            std::fprintf(stderr, "fuzz_flow_engine: %s\n", failure.c_str());
            std::abort();
        }
    }
    return 0;
}
