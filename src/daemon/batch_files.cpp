// SPDX-License-Identifier: BSD-3-Clause
// Batch inputs: directory walks with std::filesystem, glob patterns with glob(3) (the shell's
// syntax, for patterns quoted to keep them away from the shell's own argument limit), and the
// magic numbers the capture reader itself accepts (capture/capture_file_reader.cpp).
#include "daemon/batch_files.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include <glob.h>

#include <fmt/format.h>

namespace fm::daemon {

namespace fs = std::filesystem;

namespace {

using Magic = std::array<unsigned char, 4>;

/// pcap magic numbers in file byte order: µs, ns (0xa1b23c4d), "modified" (0xa1b2cd34); both
/// byte orders each.
constexpr std::array<Magic, 6> kPcapMagics = {{
    {0xa1, 0xb2, 0xc3, 0xd4},
    {0xd4, 0xc3, 0xb2, 0xa1},
    {0xa1, 0xb2, 0x3c, 0x4d},
    {0x4d, 0x3c, 0xb2, 0xa1},
    {0xa1, 0xb2, 0xcd, 0x34},
    {0x34, 0xcd, 0xb2, 0xa1},
}};
constexpr Magic kPcapngMagic = {0x0a, 0x0d, 0x0d, 0x0a};  // block type, a palindrome

bool has_glob_chars(const std::string& s) {
    return s.find_first_of("*?[") != std::string::npos;
}

class Lister {
public:
    explicit Lister(bool recursive) : recursive_(recursive) {}

    void add_argument(const std::string& arg) {
        std::error_code ec;
        const fs::file_status st = fs::status(arg, ec);
        if (!ec && fs::is_directory(st)) {
            walk(fs::path(arg), "");
            return;
        }
        if (!ec && fs::exists(st)) {
            add_file(fs::path(arg), "");
            return;
        }
        if (has_glob_chars(arg)) {
            add_glob(arg);
            return;
        }
        out_.errors.push_back(
            fmt::format("{}: {}", arg, ec ? ec.message() : std::string("no such file")));
    }

    BatchListing take() { return std::move(out_); }

private:
    void add_glob(const std::string& pattern) {
        glob_t g{};
        const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g);
        std::vector<std::string> matches;
        if (rc == 0) {
            matches.assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
        }
        ::globfree(&g);
        if (rc == GLOB_NOMATCH || (rc == 0 && matches.empty())) {
            out_.errors.push_back(fmt::format("{}: no file matches", pattern));
            return;
        }
        if (rc != 0) {
            out_.errors.push_back(fmt::format("{}: cannot expand the pattern", pattern));
            return;
        }
        std::sort(matches.begin(), matches.end());
        for (const std::string& m : matches) {
            std::error_code ec;
            if (fs::is_directory(m, ec)) {
                walk(fs::path(m), "");
            } else {
                add_file(fs::path(m), "");
            }
        }
    }

    /// Entries of `dir` sorted by name; files first in that order, then (recursive) each
    /// subdirectory in turn, so the order does not depend on the file system.
    void walk(const fs::path& dir, const std::string& rel) {
        std::error_code ec;
        fs::directory_iterator it(dir, ec);
        if (ec) {
            out_.errors.push_back(fmt::format("{}: {}", dir.string(), ec.message()));
            return;
        }
        std::vector<fs::path> files;
        std::vector<fs::path> dirs;
        for (; it != fs::directory_iterator(); it.increment(ec)) {
            const fs::path& p = it->path();
            if (p.filename().string().starts_with('.')) {
                continue;  // hidden entries, and our own .partial files are not inputs
            }
            std::error_code sec;
            if (it->is_directory(sec)) {
                dirs.push_back(p);
            } else {
                files.push_back(p);
            }
        }
        if (ec) {
            out_.errors.push_back(fmt::format("{}: {}", dir.string(), ec.message()));
        }
        std::sort(files.begin(), files.end());
        std::sort(dirs.begin(), dirs.end());
        for (const fs::path& f : files) {
            add_file(f, rel);
        }
        if (!recursive_) {
            return;
        }
        for (const fs::path& d : dirs) {
            const fs::path canonical = fs::weakly_canonical(d, ec);
            if (!ec && !walked_.insert(canonical.string()).second) {
                continue;  // a symbolic link back into the tree
            }
            walk(d, rel + d.filename().string() + "/");
        }
    }

    void add_file(const fs::path& p, const std::string& rel) {
        std::error_code ec;
        const fs::path canonical = fs::weakly_canonical(p, ec);
        if (!seen_.insert(ec ? p.string() : canonical.string()).second) {
            return;
        }
        if (!fs::is_regular_file(p, ec)) {
            // A FIFO, socket or device: opening it to read a magic number could block, and
            // reading it would consume what the capture reader needs.
            out_.skipped.push_back(fmt::format("{}: not a regular file, skipped", p.string()));
            return;
        }
        std::string error;
        switch (sniff_capture(p.string(), &error)) {
            case CaptureMagic::Pcap:
            case CaptureMagic::Pcapng:
                break;
            case CaptureMagic::NotCapture:
                out_.skipped.push_back(
                    fmt::format("{}: not a capture file (no pcap or pcapng magic number), skipped",
                                p.string()));
                return;
            case CaptureMagic::Unreadable:
                out_.errors.push_back(fmt::format("{}: {}", p.string(), error));
                return;
        }
        BatchFile f;
        f.path = p.string();
        f.rel_dir = rel;
        f.name = p.filename().string();
        f.size = fs::file_size(p, ec);
        if (ec) {
            f.size = 0;
        }
        out_.captures.push_back(std::move(f));
    }

    bool recursive_;
    BatchListing out_;
    std::set<std::string> seen_;
    std::set<std::string> walked_;
};

}  // namespace

CaptureMagic sniff_capture(const std::string& path, std::string* error) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (error != nullptr) {
            *error = "is a directory";
        }
        return CaptureMagic::Unreadable;
    }
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        if (error != nullptr) {
            *error = std::strerror(errno);
        }
        return CaptureMagic::Unreadable;
    }
    Magic m{};
    const std::size_t n = std::fread(m.data(), 1, m.size(), f);
    const bool failed = std::ferror(f) != 0;
    const int e = errno;
    std::fclose(f);
    if (failed) {
        if (error != nullptr) {
            *error = std::strerror(e);
        }
        return CaptureMagic::Unreadable;
    }
    if (n < m.size()) {
        return CaptureMagic::NotCapture;
    }
    if (m == kPcapngMagic) {
        return CaptureMagic::Pcapng;
    }
    if (std::find(kPcapMagics.begin(), kPcapMagics.end(), m) != kPcapMagics.end()) {
        return CaptureMagic::Pcap;
    }
    return CaptureMagic::NotCapture;
}

BatchListing list_batch_inputs(const std::vector<std::string>& args, bool recursive) {
    Lister lister(recursive);
    for (const std::string& a : args) {
        lister.add_argument(a);
    }
    return lister.take();
}

namespace {

constexpr std::array<std::string_view, 4> kPlaceholders = {"name", "stem", "dir", "index"};

}  // namespace

std::string check_output_name(std::string_view pattern) {
    if (pattern.empty()) {
        return "must not be empty";
    }
    if (pattern.front() == '/') {
        return "must be relative to --output-dir";
    }
    std::size_t i = 0;
    bool has_name = false;
    while (i < pattern.size()) {
        if (pattern[i] == '}') {
            return "'}' without '{'";
        }
        if (pattern[i] != '{') {
            ++i;
            continue;
        }
        const std::size_t close = pattern.find('}', i);
        if (close == std::string_view::npos) {
            return "'{' without '}'";
        }
        const std::string_view key = pattern.substr(i + 1, close - i - 1);
        if (std::find(kPlaceholders.begin(), kPlaceholders.end(), key) == kPlaceholders.end()) {
            return fmt::format(
                "unknown placeholder {{{}}}: expected {{name}}, {{stem}}, {{dir}} "
                "or {{index}}",
                key);
        }
        has_name = has_name || key != "dir";
        i = close + 1;
    }
    if (!has_name) {
        return "must contain {name}, {stem} or {index}, or every capture gets the same file";
    }
    for (std::size_t start = 0; start <= pattern.size();) {
        const std::size_t end = std::min(pattern.find('/', start), pattern.size());
        if (pattern.substr(start, end - start) == "..") {
            return "must not contain \"..\"";
        }
        start = end + 1;
    }
    return {};
}

std::string expand_output_name(std::string_view pattern, const BatchFile& file, std::size_t index) {
    std::string out;
    std::size_t i = 0;
    while (i < pattern.size()) {
        if (pattern[i] != '{') {
            out += pattern[i++];
            continue;
        }
        const std::size_t close = pattern.find('}', i);
        const std::string_view key = pattern.substr(i + 1, close - i - 1);
        if (key == "name") {
            out += file.name;
        } else if (key == "stem") {
            const std::size_t dot = file.name.rfind('.');
            out += dot == std::string::npos || dot == 0 ? file.name : file.name.substr(0, dot);
        } else if (key == "dir") {
            out += file.rel_dir;
        } else {
            out += std::to_string(index);
        }
        i = close + 1;
    }
    return out;
}

}  // namespace fm::daemon
