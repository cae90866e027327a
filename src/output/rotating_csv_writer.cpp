// SPDX-License-Identifier: BSD-3-Clause
// RotatingCsvWriter: POSIX file handling for the CSV output. pwrite at a tracked offset keeps
// the file consistent after a failed write (the partial row is cut off with ftruncate and the
// retry writes the same bytes at the same place); fsync before rename so a consumer never reads
// a renamed file whose data is not on disk yet. Unlike spdlog's rotating sink there are no
// cascade renames: every file keeps the name it was opened with.
#include "output/rotating_csv_writer.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/compiler.hpp"
#include "output/dir_files.hpp"
#include "output/output_log.hpp"
#include "output/output_names.hpp"
#include "output/partial_recovery.hpp"

namespace fm::output {

namespace {

namespace fs = std::filesystem;

constexpr int kMaxNameTries = 1000;

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

/// Offset just past the n-th '\n' in s (n >= 1), or s.size() when s has fewer.
std::size_t after_nth_newline(std::string_view s, std::size_t n) {
    std::size_t pos = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const void* p = std::memchr(s.data() + pos, '\n', s.size() - pos);
        if (p == nullptr) {
            return s.size();
        }
        pos = static_cast<std::size_t>(static_cast<const char*>(p) - s.data()) + 1;
    }
    return pos;
}

/// Length of the longest prefix of s made of whole rows and not longer than limit.
std::size_t whole_rows_within(std::string_view s, std::size_t limit) {
    const std::size_t n = std::min(limit, s.size());
    if (n == 0) {
        return 0;
    }
    const void* p = memrchr(s.data(), '\n', n);
    return p == nullptr ? 0 : static_cast<std::size_t>(static_cast<const char*>(p) - s.data()) + 1;
}

std::size_t count_rows(std::string_view s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string utc_stamp(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    const std::size_t n = std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return std::string(buf, n);
}

/// The last component of a path ("flows.csv" of "out/flows.csv").
std::string base_name(const std::string& path) {
    return fs::path(path).filename().string();
}

/// Logs what the crash recovery at start did (see partial_recovery.hpp).
void log_recovery(const std::vector<RecoveredFile>& done, const std::string& dir) {
    std::uint64_t files = 0;
    std::uint64_t rows = 0;
    std::uint64_t cut = 0;
    for (const RecoveredFile& r : done) {
        switch (r.action) {
            case RecoveredFile::Action::Renamed:
                ++files;
                rows += r.rows;
                cut += r.bytes_cut;
                output_log()->warn(
                    "output: recovered {} left by an earlier run as {}: {} row(s) kept, {} "
                    "byte(s) of a cut row removed{}",
                    r.partial_name, r.final_name, r.rows, r.bytes_cut,
                    r.nul ? " (the file ended in zero bytes: data lost before it reached disk)"
                          : "");
                break;
            case RecoveredFile::Action::Removed:
                cut += r.bytes_cut;
                output_log()->warn(
                    "output: removed {} left by an earlier run: it held no row ({} byte(s))",
                    r.partial_name, r.bytes_cut);
                break;
            case RecoveredFile::Action::Skipped:
                output_log()->warn("output: left {} as it is: {}", r.partial_name, r.error);
                break;
        }
    }
    if (!done.empty()) {
        output_log()->info(
            "output: crash recovery in {}: {} unfinished file(s) found, {} finished with {} "
            "row(s), {} byte(s) of cut rows removed",
            dir, done.size(), files, rows, cut);
    }
}

}  // namespace

WriterClock WriterClock::system() {
    return WriterClock{
        [] { return std::chrono::system_clock::now(); },
        [] { return std::chrono::steady_clock::now(); },
    };
}

RotatingCsvWriter::RotatingCsvWriter(const config::OutputConfig& cfg, std::string header,
                                     WriterClock clock)
    : cfg_(cfg), header_(std::move(header)), clock_(std::move(clock)) {
    if (header_.empty() || header_.back() != '\n') {
        header_ += '\n';
    }
    if (rotating()) {
        directory_ = cfg_.directory;
    } else {
        const fs::path parent = fs::path(cfg_.file).parent_path();
        directory_ = parent.empty() ? "." : parent.string();
    }
    const std::string what_dir =
        rotating() ? fmt::format("output.directory \"{}\"", directory_)
                   : fmt::format("directory \"{}\" of output file \"{}\"", directory_, cfg_.file);

    std::error_code ec;
    fs::create_directories(directory_, ec);
    if (ec) {
        throw OutputError(fmt::format("{}: cannot create: {}", what_dir, ec.message()), ec.value());
    }
    if (!fs::is_directory(directory_, ec)) {
        throw OutputError(fmt::format("{}: not a directory", what_dir), ENOTDIR);
    }
    dirfd_ = open_directory(directory_);
    if (dirfd_ < 0) {
        throw OutputError(fmt::format("{}: cannot open: {}", what_dir, errno_text(-dirfd_)),
                          -dirfd_);
    }
    struct stat dst {};
    if (rotating() && ::geteuid() == 0 && ::fstat(dirfd_, &dst) == 0 && (dst.st_mode & S_IWOTH)) {
        // Anyone could plant files there that root would then finish, rename and delete
        // (crash recovery, keep_files), sticky bit or not.
        ::close(dirfd_);
        dirfd_ = -1;
        throw OutputError(fmt::format("{}: writable by every user (mode {:04o}); flowmeterd does "
                                      "not write there as root: use a directory only root or "
                                      "security.user can write (chmod o-w)",
                                      what_dir, dst.st_mode & 07777),
                          EPERM);
    }
    // access(W_OK) would not see a read-only mount or a ProtectSystem= sandbox in every case;
    // creating a file is the honest test.
    if (const int e = probe_writable(); e != 0) {
        throw OutputError(fmt::format("{}: not writable: {}", what_dir, errno_text(e)), e);
    }

    if (rotating()) {
        log_recovery(recover_partial_files(dirfd_, cfg_.file_prefix, cfg_.fsync), directory_);
        apply_retention();
    }
}

int RotatingCsvWriter::probe_writable() const noexcept {
    try {
        // Unique per writer, not only per process: a batch opens several writers in one
        // directory at once.
        static std::atomic<std::uint64_t> probes{0};
        const std::string probe =
            fmt::format(".{}.probe.{}.{}", rotating() ? cfg_.file_prefix : "flowmeterd", getpid(),
                        probes.fetch_add(1, std::memory_order_relaxed));
        const int pfd = create_exclusive(dirfd_, probe, 0600);
        if (pfd < 0) {
            return -pfd;
        }
        ::close(pfd);
        ::unlinkat(dirfd_, probe.c_str(), 0);
        return 0;
    } catch (...) {
        return ENOMEM;
    }
}

RotatingCsvWriter::~RotatingCsvWriter() {
    if (fd_ >= 0) {
        if (close() != 0) {
            output_log()->error("output: {}; rows stay in {}", last_error_, partial_path_);
            ::close(fd_);
        }
    }
    if (dirfd_ >= 0) {
        ::close(dirfd_);
    }
}

void RotatingCsvWriter::inject_write_error_for_test(int error, std::size_t after_bytes) noexcept {
    fault_budget_.store(after_bytes, std::memory_order_relaxed);
    fault_error_.store(error, std::memory_order_release);
}

int RotatingCsvWriter::fail(int error, std::string_view what, const std::string& path) noexcept {
    try {
        last_error_ = fmt::format("{} {}: {}", what, path, errno_text(error));
    } catch (...) {
        last_error_.clear();
    }
    return error;
}

int RotatingCsvWriter::pwrite_all(int fd, const char* data, std::size_t n,
                                  std::uint64_t off) noexcept {
    const int fault = fault_error_.load(std::memory_order_acquire);
    if (fault == 0) {
        return pwrite_full(fd, data, n, off);
    }
    // An injected fault: the bytes left in the budget reach the file, then the write fails as
    // a full disk would, part of a row written.
    const std::uint64_t budget = fault_budget_.load(std::memory_order_relaxed);
    const auto len = static_cast<std::size_t>(std::min<std::uint64_t>(n, budget));
    fault_budget_.store(budget - len, std::memory_order_relaxed);
    const int e = pwrite_full(fd, data, len, off);
    return e != 0 || len == n ? e : fault;
}

int RotatingCsvWriter::write_at(const char* data, std::size_t n) noexcept {
    const int e = pwrite_all(fd_, data, n, file_bytes_);
    if (e != 0) {
        // Cut off the part of a row that did reach the file; if even that fails, the retry
        // overwrites the same bytes at the same offset and finish_file() truncates again.
        (void)::ftruncate(fd_, static_cast<off_t>(file_bytes_));
        return fail(e, "write", partial_path_);
    }
    return 0;
}

int RotatingCsvWriter::ensure_directory() noexcept {
    std::error_code ec;
    fs::create_directories(directory_, ec);
    if (ec) {
        return fail(ec.value(), "create directory", directory_);
    }
    // The directory may be a new one: files are made through a descriptor of the current one.
    const int dfd = open_directory(directory_);
    if (dfd < 0) {
        return fail(-dfd, "open directory", directory_);
    }
    if (dirfd_ >= 0) {
        ::close(dirfd_);
    }
    dirfd_ = dfd;
    return 0;
}

int RotatingCsvWriter::open_file() noexcept {
    FM_ASSERT(fd_ < 0);
    try {
        if (fault_error_.load(std::memory_order_acquire) != 0 &&
            fault_budget_.load(std::memory_order_relaxed) == 0) {
            return fail(fault_error_.load(), "create",
                        rotating() ? directory_ : cfg_.file + ".partial");
        }
        if (!rotating()) {
            final_path_ = cfg_.file;
            partial_path_ = cfg_.file + ".partial";
            final_name_ = base_name(final_path_);
            partial_name_ = final_name_ + ".partial";
            fd_ = open_single_partial();
            if (fd_ < 0 && errno == ENOENT && ensure_directory() == 0) {
                fd_ = open_single_partial();
            }
        } else {
            const std::string stamp = utc_stamp(clock_.wall());
            std::uint32_t seq = stamp == last_stamp_ ? last_seq_ + 1 : 0;
            for (int tries = 0; tries < kMaxNameTries; ++tries, ++seq) {
                const std::string name = output_name(cfg_.file_prefix, stamp, seq);
                struct stat st {};
                if (::fstatat(dirfd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
                    continue;  // a finished file of that name exists (same second, restart)
                }
                final_name_ = name;
                partial_name_ = name + std::string(kPartialSuffix);
                final_path_ = fmt::format("{}/{}", directory_, final_name_);
                partial_path_ = final_path_ + std::string(kPartialSuffix);
                // Read-write (recover_orphan() reads the file back if its name is removed),
                // never through a link, never an existing file; exactly output.file_mode.
                fd_ = create_exclusive(dirfd_, partial_name_, file_mode());
                if (fd_ == -ENOENT && ensure_directory() == 0) {
                    fd_ = create_exclusive(dirfd_, partial_name_, file_mode());
                }
                if (fd_ < 0) {
                    errno = -fd_;
                    fd_ = -1;
                }
                if (fd_ >= 0 || errno != EEXIST) {
                    break;
                }
            }
            last_stamp_ = stamp;
            last_seq_ = seq;
        }
    } catch (...) {
        return fail(ENOMEM, "create", partial_path_);
    }
    if (fd_ < 0) {
        const int e = errno;
        const std::string p = partial_path_;
        partial_path_.clear();
        return fail(e, "create", p);
    }
    if (rotating()) {
        // Crash recovery at the start of another flowmeterd on this directory leaves a file
        // alone while this lock is held (it goes with the process, however it ends).
        (void)::flock(fd_, LOCK_EX | LOCK_NB);
    }
    file_bytes_ = 0;
    file_rows_ = 0;
    opened_ = clock_.mono();
    const int e = pwrite_all(fd_, header_.data(), header_.size(), 0);
    if (e != 0) {
        ::close(fd_);
        fd_ = -1;
        ::unlinkat(dirfd_, partial_name_.c_str(), 0);
        const std::string p = partial_path_;
        partial_path_.clear();
        return fail(e, "write header to", p);
    }
    file_bytes_ = header_.size();
    return 0;
}

int RotatingCsvWriter::open_single_partial() noexcept {
    // -o FILE replaces FILE.partial of an earlier run, but never writes through a link there.
    const int fd = ::openat(dirfd_, partial_name_.c_str(),
                            O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, file_mode());
    if (fd >= 0 && ::fchmod(fd, file_mode()) != 0) {
        const int e = errno;
        ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int RotatingCsvWriter::rename_partial() noexcept {
    if (!rotating()) {
        // -o FILE: replacing an existing FILE is what the user asked for.
        return ::renameat(dirfd_, partial_name_.c_str(), dirfd_, final_name_.c_str()) == 0 ? 0
                                                                                           : errno;
    }
    // The name was free when the file was opened; if something took it since, the file gets
    // the next free number of its second instead of replacing it.
    std::string stamp;
    std::uint64_t seq = 0;
    const bool parsed = parse_output_name(final_name_, cfg_.file_prefix, stamp, seq);
    for (int tries = 0;; ++tries) {
        const int e = rename_no_replace(dirfd_, partial_name_, final_name_);
        if (e != EEXIST || !parsed || tries >= kMaxNameTries) {
            return e;
        }
        try {
            final_name_ = output_name(cfg_.file_prefix, stamp, ++seq);
            final_path_ = fmt::format("{}/{}", directory_, final_name_);
        } catch (...) {
            return ENOMEM;
        }
    }
}

int RotatingCsvWriter::recover_orphan() noexcept {
    // The name was removed while the file was open (rm, or the whole directory). The data is
    // still reachable through fd_: copy it into a new file of the same name.
    int e = ensure_directory();
    if (e != 0) {
        return e;
    }
    const int nfd = create_exclusive(dirfd_, partial_name_, file_mode());
    if (nfd < 0) {
        return fail(-nfd, "re-create", partial_path_);
    }
    if (rotating()) {
        (void)::flock(nfd, LOCK_EX | LOCK_NB);
    }
    std::vector<char> buf(1 << 16);
    std::uint64_t off = 0;
    while (off < file_bytes_) {
        const std::size_t want =
            static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), file_bytes_ - off));
        const ssize_t r = ::pread(fd_, buf.data(), want, static_cast<off_t>(off));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            e = r < 0 ? errno : EIO;
            ::close(nfd);
            ::unlinkat(dirfd_, partial_name_.c_str(), 0);
            return fail(e, "read back", partial_path_);
        }
        e = pwrite_all(nfd, buf.data(), static_cast<std::size_t>(r), off);
        if (e != 0) {
            ::close(nfd);
            ::unlinkat(dirfd_, partial_name_.c_str(), 0);
            return fail(e, "write", partial_path_);
        }
        off += static_cast<std::uint64_t>(r);
    }
    ::close(fd_);
    fd_ = nfd;
    output_log()->warn("output: {} was removed while open; written again from memory",
                       partial_path_);
    return 0;
}

int RotatingCsvWriter::finish_file() noexcept {
    if (fd_ < 0) {
        return 0;
    }
    finish_pending_ = true;
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_nlink == 0) {
        const int e = recover_orphan();
        if (e != 0) {
            return e;
        }
    }
    if (::ftruncate(fd_, static_cast<off_t>(file_bytes_)) != 0) {
        return fail(errno, "truncate", partial_path_);
    }
    if (cfg_.fsync && ::fsync(fd_) != 0) {
        return fail(errno, "fsync", partial_path_);
    }
    if (const int e = rename_partial(); e != 0) {
        return fail(e, "rename", partial_path_);
    }
    if (cfg_.fsync) {
        (void)sync_directory(dirfd_);
    }
    ::close(fd_);
    fd_ = -1;
    finish_pending_ = false;
    ++files_closed_;
    try {
        last_closed_path_ = final_path_;
        partial_path_.clear();
    } catch (...) {
        // keeps the old text; only used for messages
    }
    if (rotating()) {
        apply_retention();
    }
    return 0;
}

void RotatingCsvWriter::apply_retention() noexcept {
    if (cfg_.keep_files == 0) {
        return;
    }
    try {
        struct Found {
            std::string stamp;
            std::uint64_t seq;
            fs::path path;
        };
        std::vector<Found> files;
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(directory_, ec)) {
            std::string stamp;
            std::uint64_t seq = 0;
            if (parse_output_name(entry.path().filename().string(), cfg_.file_prefix, stamp, seq)) {
                files.push_back({std::move(stamp), seq, entry.path()});
            }
        }
        if (files.size() <= cfg_.keep_files) {
            return;
        }
        std::sort(files.begin(), files.end(), [](const Found& a, const Found& b) {
            return a.stamp != b.stamp ? a.stamp < b.stamp : a.seq < b.seq;
        });
        const std::size_t excess = files.size() - cfg_.keep_files;
        for (std::size_t i = 0; i < excess; ++i) {
            if (!fs::remove(files[i].path, ec) && ec) {
                output_log()->warn("output: cannot remove old file {}: {}", files[i].path.string(),
                                   ec.message());
            }
        }
    } catch (const std::exception& e) {
        output_log()->warn("output: keep_files: {}", e.what());
    }
}

bool RotatingCsvWriter::interval_due() const noexcept {
    return rotating() && fd_ >= 0 && cfg_.rotate_interval_s > 0 &&
           clock_.mono() - opened_ >= std::chrono::seconds(cfg_.rotate_interval_s);
}

WriteStatus RotatingCsvWriter::write_rows(std::string_view text, std::size_t rows) noexcept {
    FM_ASSERT(text.empty() || text.back() == '\n');
    WriteStatus st;
    while (st.bytes < text.size()) {
        if (finish_pending_ || interval_due()) {
            if (const int e = finish_file(); e != 0) {
                st.error = e;
                return st;
            }
        }
        if (fd_ < 0) {
            if (const int e = open_file(); e != 0) {
                st.error = e;
                return st;
            }
        }
        const std::string_view rest = text.substr(st.bytes);
        std::size_t take_bytes = rest.size();
        std::size_t take_rows = rows - st.rows;
        if (rotating() && cfg_.rotate_max_rows != 0) {
            const std::uint64_t room = cfg_.rotate_max_rows - file_rows_;
            if (take_rows > room) {
                take_rows = static_cast<std::size_t>(room);
                take_bytes = after_nth_newline(rest, take_rows);
            }
        }
        if (rotating() && cfg_.rotate_max_bytes != 0 &&
            file_bytes_ + take_bytes > cfg_.rotate_max_bytes) {
            const std::uint64_t room =
                cfg_.rotate_max_bytes > file_bytes_ ? cfg_.rotate_max_bytes - file_bytes_ : 0;
            std::size_t cut = whole_rows_within(
                rest.substr(0, take_bytes),
                static_cast<std::size_t>(std::min<std::uint64_t>(room, take_bytes)));
            if (cut == 0) {
                if (file_rows_ > 0) {
                    if (const int e = finish_file(); e != 0) {
                        st.error = e;
                        return st;
                    }
                    continue;  // the row goes to a fresh file
                }
                cut = after_nth_newline(rest, 1);  // one row larger than the limit: alone
            }
            take_bytes = cut;
            take_rows = count_rows(rest.substr(0, cut));
        }
        if (const int e = write_at(rest.data(), take_bytes); e != 0) {
            st.error = e;
            return st;
        }
        file_bytes_ += take_bytes;
        file_rows_ += take_rows;
        st.bytes += take_bytes;
        st.rows += take_rows;
        if (rotating() && ((cfg_.rotate_max_rows != 0 && file_rows_ >= cfg_.rotate_max_rows) ||
                           (cfg_.rotate_max_bytes != 0 && file_bytes_ >= cfg_.rotate_max_bytes))) {
            if (const int e = finish_file(); e != 0) {
                st.error = e;  // the rows are in the file; finishing it is retried
                return st;
            }
        }
    }
    return st;
}

int RotatingCsvWriter::rotate() noexcept {
    if (!rotating()) {
        return 0;
    }
    return finish_file();
}

int RotatingCsvWriter::tick() noexcept {
    if (fd_ < 0) {
        return 0;
    }
    if (finish_pending_ || interval_due()) {
        return finish_file();
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_nlink == 0) {
        return recover_orphan();
    }
    return 0;
}

int RotatingCsvWriter::close() noexcept {
    if (fd_ < 0 && !rotating() && files_closed_ == 0) {
        if (const int e = open_file(); e != 0) {
            return e;
        }
    }
    return finish_file();
}

}  // namespace fm::output
