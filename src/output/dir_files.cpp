// SPDX-License-Identifier: BSD-3-Clause
#include "output/dir_files.hpp"

#include <cerrno>

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc 2.28)
#include <sys/stat.h>
#include <unistd.h>

namespace fm::output {

int open_directory(const std::string& path) noexcept {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : -errno;
}

int create_exclusive(int dirfd, const std::string& name, mode_t mode) noexcept {
    const int fd =
        ::openat(dirfd, name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        return -errno;
    }
    if (::fchmod(fd, mode) != 0) {
        const int e = errno;
        ::close(fd);
        ::unlinkat(dirfd, name.c_str(), 0);
        return -e;
    }
    return fd;
}

int rename_no_replace(int dirfd, const std::string& from, const std::string& to) noexcept {
    if (::renameat2(dirfd, from.c_str(), dirfd, to.c_str(), RENAME_NOREPLACE) == 0) {
        return 0;
    }
    if (errno != EINVAL && errno != ENOSYS) {
        return errno;
    }
    // A file system without RENAME_NOREPLACE: a hard link fails on an existing name, too.
    if (::linkat(dirfd, from.c_str(), dirfd, to.c_str(), 0) != 0) {
        return errno;
    }
    return ::unlinkat(dirfd, from.c_str(), 0) == 0 ? 0 : errno;
}

int sync_directory(int dirfd) noexcept {
    return ::fsync(dirfd) == 0 ? 0 : errno;
}

int pwrite_full(int fd, const char* data, std::size_t n, std::uint64_t off) noexcept {
    while (n > 0) {
        const ssize_t w = ::pwrite(fd, data, n, static_cast<off_t>(off));
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        data += w;
        n -= static_cast<std::size_t>(w);
        off += static_cast<std::uint64_t>(w);
    }
    return 0;
}

}  // namespace fm::output
