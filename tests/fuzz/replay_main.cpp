// SPDX-License-Identifier: BSD-3-Clause
// Plain main() for the fuzz targets (fmt's test/fuzzing/main.cc idea): runs every file given on
// the command line, or every file inside a given directory, through LLVMFuzzerTestOneInput once.
// Built with the normal compiler, it replays the committed corpus in CI; with sanitizers it
// turns each seed into a memory-safety test.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", p.c_str());
        return false;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
    LLVMFuzzerTestOneInput(data.data(), data.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    std::size_t runs = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        std::error_code ec;
        if (fs::is_directory(arg, ec)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::recursive_directory_iterator(arg)) {
                if (e.is_regular_file()) {
                    files.push_back(e.path());
                }
            }
            std::sort(files.begin(), files.end());
            if (files.empty()) {
                std::fprintf(stderr, "%s: empty corpus directory\n", argv[i]);
                return 1;
            }
            for (const auto& f : files) {
                if (!run_file(f)) {
                    return 1;
                }
                ++runs;
            }
        } else {
            if (!run_file(arg)) {
                return 1;
            }
            ++runs;
        }
    }
    std::printf("%zu inputs replayed\n", runs);
    return 0;
}
