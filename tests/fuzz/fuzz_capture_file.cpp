// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target: bytes -> CaptureFileReader (from memory: classic pcap through libpcap, pcapng
// through PcapngReader) -> Decoder on every frame. Checks that the reader always ends, that
// every view lies inside the bytes it claims, and that an error, when there is one, is a single
// line naming the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "capture/capture_file_reader.hpp"
#include "decode/decoder.hpp"

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
    static fm::decode::Decoder decoder([] {
        fm::config::DecodeConfig c;
        c.ipv6 = true;
        c.tunnels = true;
        return c;
    }());
    fm::capture::CaptureFileReader reader(std::span<const std::uint8_t>(data, size), "fuzz");
    fm::capture::RawBatch batch;
    fm::decode::PacketMeta meta;
    std::uint64_t frames = 0;
    std::size_t rounds = 0;
    while (std::size_t n = reader.next_batch(batch)) {
        check(n <= fm::capture::RawBatch::kCapacity);
        for (std::size_t i = 0; i < n; ++i) {
            const fm::capture::RawPacketView& v = batch.packets[i];
            check(v.cap_len == 0 || v.data != nullptr);
            // Touch every byte: a view outside the arena is an ASan report here.
            unsigned sum = 0;
            for (std::uint32_t k = 0; k < v.cap_len; ++k) {
                sum += v.data[k];
            }
            static_cast<void>(sum);
            if (decoder.decode(v, meta) == fm::decode::DecodeStatus::Ok) {
                check(meta.payload_len <= v.cap_len);
            }
        }
        frames += n;
        check(++rounds <= size + 1);  // every non-empty batch consumes input
    }
    check(reader.at_end());
    check(reader.packets_read() == frames);
    const std::string& err = reader.error();
    if (!err.empty()) {
        check(err.rfind("fuzz: ", 0) == 0);
        check(err.find('\n') == std::string::npos);
    }
    return 0;
}
