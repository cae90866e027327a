// SPDX-License-Identifier: BSD-3-Clause
#include "output/partial_recovery.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "output/dir_files.hpp"
#include "output/output_names.hpp"

namespace fm::output {

namespace {

constexpr int kMaxNameTries = 1000;
constexpr std::size_t kReadChunk = 1 << 16;
constexpr std::string_view kPartialName = ".csv.partial";

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

/// Names of the partial files of `prefix` in the directory, sorted (so in time order).
std::vector<std::string> partial_names(int dirfd, std::string_view prefix) {
    std::vector<std::string> names;
    const int fd = ::dup(dirfd);
    if (fd < 0) {
        return names;
    }
    DIR* d = ::fdopendir(fd);
    if (d == nullptr) {
        ::close(fd);
        return names;
    }
    ::rewinddir(d);
    while (const dirent* e = ::readdir(d)) {
        const std::string_view name = e->d_name;
        if (name.size() > prefix.size() + 1 && name.starts_with(prefix) &&
            name[prefix.size()] == '-' && name.ends_with(kPartialName)) {
            names.emplace_back(name);
        }
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

/// Scans the open file to its end. Returns 0 or an errno.
int scan_file(int fd, PartialScanner& scan) {
    std::vector<char> buf(kReadChunk);
    off_t off = 0;
    while (!scan.saw_nul()) {
        const ssize_t r = ::pread(fd, buf.data(), buf.size(), off);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return errno;
        }
        if (r == 0) {
            return 0;
        }
        scan.feed(std::string_view(buf.data(), static_cast<std::size_t>(r)));
        off += r;
    }
    return 0;
}

/// The final name for `partial` that is free: its own, or the same second with the next
/// sequence numbers.
int rename_to_free_name(int dirfd, std::string_view prefix, const std::string& partial,
                        std::string& final_name) {
    final_name = partial.substr(0, partial.size() - kPartialSuffix.size());
    std::string stamp;
    std::uint64_t seq = 0;
    const bool ours = parse_output_name(final_name, prefix, stamp, seq);
    for (int tries = 0; tries < kMaxNameTries; ++tries) {
        const int e = rename_no_replace(dirfd, partial, final_name);
        if (e != EEXIST || !ours) {
            return e;
        }
        final_name = output_name(prefix, stamp, ++seq);
    }
    return EEXIST;
}

RecoveredFile recover_one(int dirfd, std::string_view prefix, const std::string& name, bool fsync) {
    RecoveredFile r;
    r.partial_name = name;
    auto skip = [&r](std::string why) {
        r.action = RecoveredFile::Action::Skipped;
        r.error = std::move(why);
        return r;
    };
    const int fd = ::openat(dirfd, name.c_str(), O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return skip(fmt::format("cannot open: {}", errno_text(errno)));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        return skip("not a regular file");
    }
    // The running writer holds LOCK_EX on its file for as long as it writes it.
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        return skip(errno == EWOULDBLOCK ? "in use by a running flowmeterd"
                                         : fmt::format("cannot lock: {}", errno_text(errno)));
    }
    PartialScanner scan;
    if (const int e = scan_file(fd, scan); e != 0) {
        return skip(fmt::format("cannot read: {}", errno_text(e)));
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    r.bytes_cut = size - std::min(size, scan.keep_bytes());
    r.nul = scan.saw_nul();
    if (scan.lines() <= 1) {
        // Empty, a cut header or the header alone: no row to deliver.
        if (::unlinkat(dirfd, name.c_str(), 0) != 0) {
            return skip(fmt::format("cannot remove: {}", errno_text(errno)));
        }
        r.action = RecoveredFile::Action::Removed;
        r.bytes_cut = size;  // all of it went
        return r;
    }
    r.rows = scan.lines() - 1;
    if (r.bytes_cut > 0 && ::ftruncate(fd, static_cast<off_t>(scan.keep_bytes())) != 0) {
        return skip(fmt::format("cannot cut the last row: {}", errno_text(errno)));
    }
    if (fsync && ::fsync(fd) != 0) {
        return skip(fmt::format("fsync: {}", errno_text(errno)));
    }
    if (const int e = rename_to_free_name(dirfd, prefix, name, r.final_name); e != 0) {
        return skip(fmt::format("cannot rename to {}: {}", r.final_name, errno_text(e)));
    }
    r.action = RecoveredFile::Action::Renamed;
    return r;
}

}  // namespace

void PartialScanner::feed(std::string_view bytes) noexcept {
    if (nul_) {
        return;
    }
    const void* z = std::memchr(bytes.data(), '\0', bytes.size());
    const std::size_t n =
        z == nullptr ? bytes.size()
                     : static_cast<std::size_t>(static_cast<const char*>(z) - bytes.data());
    const std::string_view valid = bytes.substr(0, n);
    const auto lines = static_cast<std::uint64_t>(std::count(valid.begin(), valid.end(), '\n'));
    if (lines > 0) {
        lines_ += lines;
        keep_ = offset_ + valid.rfind('\n') + 1;
    }
    offset_ += bytes.size();
    nul_ = z != nullptr;
}

std::vector<RecoveredFile> recover_partial_files(int dirfd, std::string_view prefix, bool fsync) {
    std::vector<RecoveredFile> done;
    for (const std::string& name : partial_names(dirfd, prefix)) {
        done.push_back(recover_one(dirfd, prefix, name, fsync));
    }
    if (fsync && !done.empty()) {
        (void)sync_directory(dirfd);
    }
    return done;
}

}  // namespace fm::output
