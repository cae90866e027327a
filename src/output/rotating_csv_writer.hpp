// SPDX-License-Identifier: BSD-3-Clause
// Writes formatted CSV rows to files that consumers can trust: a file is written as
// PREFIX-YYYYmmddTHHMMSSZ-N.csv.partial and renamed atomically to .csv once it is complete
// (rotation by size, age or rows, whichever comes first; SIGHUP; shutdown). Every file starts
// with the header. Files are made relative to the opened directory, never through a link and
// never over an existing name (dir_files.hpp), with exactly output.file_mode; partial files a
// crash left are finished at construction (partial_recovery.hpp). Runs on the writer thread only
// (O, see writer_thread.hpp); not thread-safe, except the fault hook.
//
// Errors after start (disk full, directory removed, permissions changed) never throw and never
// lose rows: write_rows() reports how many whole rows reached the file and the errno that
// stopped the rest, cutting off any partial row it wrote, so the caller can hold the rest and
// offer it again. A file whose directory entry vanished while open is copied back from its
// still-open descriptor before it is renamed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "config/config.hpp"

namespace fm::output {

/// The output cannot be set up at start (directory missing and not creatable, not writable).
/// The daemon exits 73 (EX_CANTCREAT) on it.
class OutputError : public std::runtime_error {
public:
    OutputError(const std::string& what, int error) : std::runtime_error(what), error_(error) {}
    int error() const noexcept { return error_; }

private:
    int error_;
};

/// What write_rows() managed: a prefix of the input, always whole rows.
struct WriteStatus {
    std::size_t bytes = 0;  ///< bytes of the input that are in a file now
    std::size_t rows = 0;   ///< rows among them
    int error = 0;          ///< errno that stopped the rest; 0 when everything was written
};

/// Time sources, injectable for tests: wall time names the files, monotonic time measures
/// the rotation interval (so a clock step does not cut or stretch a file).
struct WriterClock {
    std::function<std::chrono::system_clock::time_point()> wall;
    std::function<std::chrono::steady_clock::time_point()> mono;

    static WriterClock system();
};

class RotatingCsvWriter {
public:
    /// Checks the output at once: creates output.directory when missing and proves it writable
    /// by creating and removing a probe file (with output.file set: the file's directory).
    /// Applies output.keep_files to the complete files already there. `header` is the CSV
    /// header line ending in '\n'. Throws OutputError.
    RotatingCsvWriter(const config::OutputConfig& cfg, std::string header,
                      WriterClock clock = WriterClock::system());
    /// Closes the current file like close(); a file that cannot be finished stays .partial.
    ~RotatingCsvWriter();

    RotatingCsvWriter(const RotatingCsvWriter&) = delete;
    RotatingCsvWriter& operator=(const RotatingCsvWriter&) = delete;

    /// Appends rows. `csv_lines` holds `rows` rows, each ending in '\n'. Opens a file on the
    /// first row (no empty files) and rotates in the middle of the input when a limit is hit.
    WriteStatus write_rows(std::string_view csv_lines, std::size_t rows) noexcept;

    /// Closes and renames the current file; the next row opens a new one (SIGHUP). With
    /// output.file set there is one file only and this does nothing. Returns 0 or an errno;
    /// on error the file stays open and finishing it is retried by the next call.
    int rotate() noexcept;

    /// Periodic work, about once a second: rotation by age, finishing a file whose close
    /// failed before, and moving a file whose name was removed back into the directory.
    /// Returns 0 or the errno of what failed.
    int tick() noexcept;

    /// Finishes the current file (fsync, rename). With output.file set and no row written,
    /// creates the file with the header only, as the single-file command line always did.
    int close() noexcept;

    /// Whether a file can be created in the output directory now (a probe file is created
    /// and removed): 0 or the errno. The daemon asks again after it switched user.
    int check_writable() const noexcept { return probe_writable(); }
    /// The directory files are written to.
    const std::string& directory() const noexcept { return directory_; }

    /// Describes the last failure ("write flows-...csv.partial: No space left on device").
    const std::string& last_error() const noexcept { return last_error_; }
    /// Path of the file being written, empty when none is open.
    const std::string& partial_path() const noexcept { return partial_path_; }
    /// Path of the last file that was finished.
    const std::string& last_closed_path() const noexcept { return last_closed_path_; }
    std::uint64_t files_closed() const noexcept { return files_closed_; }
    std::uint64_t file_rows() const noexcept { return file_rows_; }

    /// Fault injection: from now on every file write and create fails with `error` (ENOSPC,
    /// EIO, …) after `after_bytes` more bytes were written; error 0 clears the fault. Callable
    /// from any thread.
    void inject_write_error_for_test(int error, std::size_t after_bytes = 0) noexcept;

private:
    bool rotating() const noexcept { return cfg_.file.empty(); }
    int open_file() noexcept;
    int open_single_partial() noexcept;
    int rename_partial() noexcept;
    int probe_writable() const noexcept;
    mode_t file_mode() const noexcept { return static_cast<mode_t>(cfg_.file_mode); }
    int finish_file() noexcept;
    int recover_orphan() noexcept;
    int write_at(const char* data, std::size_t n) noexcept;
    int pwrite_all(int fd, const char* data, std::size_t n, std::uint64_t off) noexcept;
    int ensure_directory() noexcept;
    void apply_retention() noexcept;
    bool interval_due() const noexcept;
    int fail(int error, std::string_view what, const std::string& path) noexcept;

    config::OutputConfig cfg_;
    std::string header_;
    WriterClock clock_;
    std::string directory_;  ///< where files are made (output.directory or output.file's dir)
    /// directory_ opened: every file is created, renamed and removed relative to it, so a
    /// link swapped in for a path component later does not redirect the output.
    int dirfd_ = -1;

    int fd_ = -1;
    bool finish_pending_ = false;  ///< a close failed; retried before anything else
    std::string partial_path_;
    std::string final_path_;
    std::string partial_name_;      ///< partial_path_ within dirfd_
    std::string final_name_;        ///< final_path_ within dirfd_
    std::uint64_t file_bytes_ = 0;  ///< header included; the file is cut back to this on error
    std::uint64_t file_rows_ = 0;
    std::chrono::steady_clock::time_point opened_{};
    std::string last_stamp_;
    std::uint32_t last_seq_ = 0;

    std::uint64_t files_closed_ = 0;
    std::string last_closed_path_;
    std::string last_error_;

    std::atomic<int> fault_error_{0};
    std::atomic<std::uint64_t> fault_budget_{0};
};

}  // namespace fm::output
