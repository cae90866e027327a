// SPDX-License-Identifier: BSD-3-Clause
// The flow engine's differential check, shared by the libFuzzer target
// (tests/fuzz/fuzz_flow_engine.cpp) and the seeded GoogleTest run in CI
// (tests/unit/flow/flow_differential_test.cpp): bytes are turned into a sequence of decoded
// packets (PacketMeta) among a few hosts, fed to a FlowEngine of one profile, and every row it
// writes is checked against reference_features() of the packets that row describes, plus
// invariants over all its columns and the engine's packet accounting.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/profile.hpp"
#include "decode/packet_meta.hpp"

namespace fm::test_support {

/// Bytes consumed per generated packet by packets_from_bytes().
inline constexpr std::size_t kDifferentialBytesPerPacket = 12;

/// A packet sequence from bytes, kDifferentialBytesPerPacket per packet (a shorter tail is
/// ignored): four host pairs over TCP, UDP and ICMP, either direction; time steps that repeat,
/// go backwards, advance by µs, by seconds (activity timeout), past the flow timeout or by 2^32
/// µs; duplicates of the previous packet; payloads from 0 to 65535 bytes; any TCP flag byte;
/// sequence and acknowledgement numbers that wrap around 2^32.
std::vector<decode::PacketMeta> packets_from_bytes(std::span<const std::uint8_t> bytes);

/// Runs `packets` through a FlowEngine of `profile` and checks every row. Returns an empty
/// string when all checks hold, else a description of the first failure.
std::string check_flow_engine(Profile profile, std::span<const decode::PacketMeta> packets);

}  // namespace fm::test_support
