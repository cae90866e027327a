// SPDX-License-Identifier: BSD-3-Clause
// Crash recovery of the rotating output. A process that is killed (kill -9, OOM, a crash) or a
// machine that loses power leaves the file it was writing as PREFIX-…-N.csv.partial. At start,
// before it writes anything, the writer finishes every such file of its own prefix:
//
//  * The valid part of a file is its longest prefix of whole lines ('\n'-terminated) that holds
//    no NUL byte. A killed process can only leave a cut last row (the writer appends whole rows
//    with pwrite, so a row is cut only at the end); after a power loss some file systems show
//    data that never reached the disk as zero bytes: rows never contain a NUL, so a zero
//    region marks where the data on disk ends, and everything from the row it hits is cut.
//  * A file with rows is cut to its valid part, fsynced (output.fsync) and renamed to its
//    final .csv name; if that name is taken, to the next free sequence number of the same
//    second. It keeps its own header, even if the header of this run differs.
//  * A file without a single row (empty, a cut header, the header only) is removed: the writer
//    never makes a file without rows, and nothing is lost.
//  * A file still locked by a running flowmeterd (every writer holds an flock on the file it
//    writes) is left alone, as is anything that is not a regular file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fm::output {

/// Where the valid part of a partial file ends. Feed the file's bytes in order.
class PartialScanner {
public:
    void feed(std::string_view bytes) noexcept;
    /// True once a NUL byte was seen; later bytes are ignored.
    bool saw_nul() const noexcept { return nul_; }
    /// Length of the valid part: just past the last '\n' before any NUL byte.
    std::uint64_t keep_bytes() const noexcept { return keep_; }
    /// Whole lines in the valid part (the header is one of them).
    std::uint64_t lines() const noexcept { return lines_; }

private:
    std::uint64_t offset_ = 0;
    std::uint64_t keep_ = 0;
    std::uint64_t lines_ = 0;
    bool nul_ = false;
};

/// What recovery did with one partial file.
struct RecoveredFile {
    enum class Action {
        Renamed,  ///< cut to whole rows (if needed) and renamed to final_name
        Removed,  ///< held no row; removed
        Skipped,  ///< left as it is; `error` says why
    };
    std::string partial_name;
    std::string final_name;  ///< Renamed: the new name
    Action action = Action::Skipped;
    std::uint64_t rows = 0;       ///< rows kept (header not counted)
    std::uint64_t bytes_cut = 0;  ///< bytes removed from the end (Removed: the whole size)
    bool nul = false;             ///< the cut started at a region of zero bytes
    std::string error;            ///< Skipped: the reason
};

/// Finishes every "PREFIX-…-N.csv.partial" file in the directory `dirfd` (see above).
/// `fsync`: fsync each cut file before its rename and the directory after. Never throws for
/// one file's trouble: that file is reported as Skipped.
std::vector<RecoveredFile> recover_partial_files(int dirfd, std::string_view prefix, bool fsync);

}  // namespace fm::output
