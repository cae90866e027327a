// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: bytes -> PcapngReader alone (no libpcap, no decoder), so that every executed
// input exercises the block parser: Section Header Blocks of either byte order, Interface
// Description Blocks and their options (if_tsresol, if_tsoffset, snapshot lengths), packet
// blocks with lying lengths. Checks: every packet view lies inside the input and within its
// interface's captured length, batches are never over-full, the reader always ends, the offset
// never passes the end of the input or goes back, and an error names the input and the offset
// on one line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "capture/file_input.hpp"
#include "capture/pcapng_reader.hpp"
#include "capture/raw_batch.hpp"

namespace {

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

}  // namespace

// libFuzzer's entry point (also called by replay_main.cpp).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fm::capture::FileInput input;
    input.open_memory(std::span<const std::uint8_t>(data, size));
    fm::capture::PcapngReader reader(input, "fuzz");
    fm::capture::RawBatch batch;
    std::uint64_t packets = 0;
    std::uint64_t last_offset = 0;
    std::size_t rounds = 0;
    while (!reader.at_end() && reader.error().empty()) {
        batch.size = 0;
        reader.fill(batch);
        check(batch.size <= fm::capture::RawBatch::kCapacity);
        for (std::size_t i = 0; i < batch.size; ++i) {
            const fm::capture::RawPacketView& v = batch.packets[i];
            check(v.cap_len == 0 || v.data != nullptr);
            if (v.cap_len != 0) {
                check(v.data >= data && v.data + v.cap_len <= data + size);
            }
        }
        packets += batch.size;
        check(reader.offset() <= size && reader.offset() >= last_offset);
        last_offset = reader.offset();
        check(++rounds <= size + 2);  // every round consumes input or ends
    }
    check(reader.packets() == packets);
    const std::string& err = reader.error();
    if (!err.empty()) {
        check(err.rfind("fuzz", 0) == 0);
        check(err.find('\n') == std::string::npos);
    }
    return 0;
}
