// SPDX-License-Identifier: BSD-3-Clause
#include "flowmeter_bench/read_ceiling.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

#include "flowmeter_bench/file_read_ceiling.hpp"

namespace fm::bench {
namespace {

constexpr std::size_t kMaxCeilingFrames = 4'000'000;

}  // namespace

ReadCeiling measure_read_ceiling(const FrameStore& store) {
    const std::string path =
        (std::filesystem::temp_directory_path() / fmt::format("flowmeter-bench-{}.pcap", getpid()))
            .string();
    struct Remove {
        const std::string& p;
        ~Remove() {
            std::error_code ec;
            std::filesystem::remove(p, ec);
        }
    } remove{path};
    write_pcap(store, path, kMaxCeilingFrames);
    const FileReadCeiling f = read_file_ceiling(path, 3);
    ReadCeiling r;
    r.frames = f.frames;
    r.pps = f.pps();
    return r;
}

}  // namespace fm::bench
