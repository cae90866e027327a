// SPDX-License-Identifier: BSD-3-Clause
// File operations relative to an open directory, for output files in a directory that someone
// else might also write to: a name is created only if it does not exist yet and never through a
// symbolic link (openat with O_CREAT|O_EXCL|O_NOFOLLOW), and a finished file is renamed only if
// its final name is still free (renameat2 RENAME_NOREPLACE), so flowmeterd never writes through
// a planted link and never replaces a file it did not make. Every function returns 0 or an
// errno; none throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/types.h>

namespace fm::output {

/// Opens `path` as a directory (O_DIRECTORY|O_CLOEXEC). Returns the descriptor or -errno.
int open_directory(const std::string& path) noexcept;

/// Creates `name` in `dirfd` for reading and writing, failing with EEXIST when the name exists
/// (a file, a link or anything else), and sets its permission bits to exactly `mode`
/// (fchmod, so the umask does not narrow a configured mode). Returns the descriptor or -errno.
int create_exclusive(int dirfd, const std::string& name, mode_t mode) noexcept;

/// Renames `from` to `to` within `dirfd` unless `to` exists (EEXIST then). Uses renameat2
/// RENAME_NOREPLACE; where the file system does not support it (EINVAL), link + unlink, which
/// fails the same way on an existing name.
int rename_no_replace(int dirfd, const std::string& from, const std::string& to) noexcept;

/// fsync of the directory, so that a rename or an unlink in it is on disk. Returns 0 or errno.
int sync_directory(int dirfd) noexcept;

/// Writes all `n` bytes at `off` (pwrite, retried on EINTR and short writes). 0 or an errno.
int pwrite_full(int fd, const char* data, std::size_t n, std::uint64_t off) noexcept;

}  // namespace fm::output
