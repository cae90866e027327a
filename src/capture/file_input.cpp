// SPDX-License-Identifier: BSD-3-Clause
// FileInput: read(2) blocks, or the caller's buffer (see the header).
#include "capture/file_input.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fm::capture {

FileInput::~FileInput() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

int FileInput::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        return e;
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        return EISDIR;
    }
    if (S_ISREG(st.st_mode)) {
        size_ = static_cast<std::uint64_t>(st.st_size);
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // larger kernel readahead
    }
    fd_ = fd;
    stream_ = true;
    return 0;
}

void FileInput::open_memory(std::span<const std::uint8_t> bytes) noexcept {
    base_ = bytes.data();
    size_ = bytes.size();
}

FileInput::Need FileInput::refill(std::uint64_t pos, std::size_t n, bool may_move) noexcept {
    if (pos < buf_pos_) {
        return Need::End;  // dropped already: a reader bug, reported as damage rather than UB
    }
    const std::uint64_t rel = pos - buf_pos_;
    if (rel + n > cap_) {
        if (!may_move) {
            return Need::Full;
        }
        // Nothing before pos is referenced any more: move the unread tail to the front, and
        // grow the buffer when one range is larger than it.
        const std::size_t keep = rel < len_ ? len_ - static_cast<std::size_t>(rel) : 0;
        // A small regular file needs no more than its size (the daemon opens every file of a
        // run at once); anything else one block.
        const std::size_t block = size_ != 0 ? static_cast<std::size_t>(std::clamp<std::uint64_t>(
                                                   size_, kMinBlockBytes, kBlockBytes))
                                             : kBlockBytes;
        const std::size_t want = std::max<std::size_t>({cap_, n, block});
        if (want > cap_) {
            std::unique_ptr<std::uint8_t[]> bigger(new (std::nothrow) std::uint8_t[want]);
            if (bigger == nullptr) {
                errno_ = ENOMEM;
                return Need::End;
            }
            if (keep != 0) {
                std::memcpy(bigger.get(), buf_.get() + rel, keep);
            }
            buf_ = std::move(bigger);
            cap_ = want;
        } else if (keep != 0) {
            std::memmove(buf_.get(), buf_.get() + rel, keep);
        }
        buf_pos_ += rel <= len_ ? rel : len_;
        len_ = keep;
        if (pos > buf_pos_) {
            return Need::End;  // pos lies beyond what the input had
        }
    }
    // Fill the free space with as few read(2) calls as the input allows.
    const std::size_t wanted_end = static_cast<std::size_t>(pos - buf_pos_) + n;
    while (len_ < wanted_end && !eof_ && errno_ == 0) {
        const ssize_t r = ::read(fd_, buf_.get() + len_, cap_ - len_);
        if (r > 0) {
            len_ += static_cast<std::size_t>(r);
        } else if (r == 0) {
            eof_ = true;
        } else if (errno != EINTR) {
            errno_ = errno;
        }
    }
    return len_ >= wanted_end ? Need::Ok : Need::End;
}

}  // namespace fm::capture
