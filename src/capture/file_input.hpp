// SPDX-License-Identifier: BSD-3-Clause
// FileInput: the bytes of a capture file, for the record parsers of CaptureFileReader and
// PcapngReader, which point their views straight into them (no copy in user space):
//  * a file (regular file, pipe, FIFO, character device) is read with read(2) in blocks of
//    1 MiB into one buffer: one system call per 1 MiB instead of libpcap's stdio stream, which
//    asks for 4 KiB at a time and copies every record once more. A block stays in the CPU
//    caches while its records are parsed. (A read-only memory mapping was measured too and was
//    2.5 times slower than this on the reference machine: page faults and TLB misses on every
//    new page cost more than the kernel's copy; docs/performance.md.)
//  * a byte buffer (fuzzers, tests) is used in place.
// The parsers ask for a byte range by file offset (need) and get a pointer to it (at). Pointers
// stay valid until a later need() is allowed to move the buffer (may_move, which the readers
// pass only at the start of a batch, when no view of theirs is alive); with a caller's buffer
// they stay valid until the FileInput is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace fm::capture {

class FileInput {
public:
    enum class Need : std::uint8_t {
        Ok,    ///< the range is addressable
        Full,  ///< (read(2) input only) the buffer has no room without moving: end the batch
        End,   ///< the input ends first (or a read failed: read_errno()); available() says how
               ///< many bytes of the range exist
    };

    FileInput() = default;
    ~FileInput();
    FileInput(const FileInput&) = delete;
    FileInput& operator=(const FileInput&) = delete;

    /// Opens `path` for reading. Returns 0 or an errno value (EISDIR for a directory).
    int open(const std::string& path);

    /// Uses `bytes` in place; they must outlive this object.
    void open_memory(std::span<const std::uint8_t> bytes) noexcept;

    /// Size in bytes: of a buffer, of a regular file at open; 0 when unknown (pipe, FIFO).
    std::uint64_t size() const noexcept { return size_; }

    /// Makes [pos, pos + n) addressable. Bytes before `pos` may be dropped when `may_move`.
    Need need(std::uint64_t pos, std::size_t n, bool may_move) noexcept {
        if (!stream_) {
            return pos <= size_ && n <= size_ - pos ? Need::Ok : Need::End;  // caller's buffer
        }
        if (pos >= buf_pos_ && pos - buf_pos_ + n <= len_) {
            return Need::Ok;
        }
        return refill(pos, n, may_move);
    }

    /// Pointer to the byte at `pos`; valid after need() covered it (see the file comment).
    const std::uint8_t* at(std::uint64_t pos) const noexcept {
        return stream_ ? buf_.get() + (pos - buf_pos_) : base_ + pos;
    }

    /// Bytes addressable from `pos` (after need() returned End: how many the input still had).
    std::uint64_t available(std::uint64_t pos) const noexcept {
        const std::uint64_t end = stream_ ? buf_pos_ + len_ : size_;
        return pos < end ? end - pos : 0;
    }

    /// errno of a failed read(2); 0 when the input simply ended.
    int read_errno() const noexcept { return errno_; }

    /// Size of the read(2) buffer (it grows only for a single larger record or block; a
    /// regular file smaller than this gets a buffer of its own size).
    static constexpr std::size_t kBlockBytes = 1U * 1024U * 1024U;
    /// Smallest buffer, for files smaller than a block.
    static constexpr std::size_t kMinBlockBytes = 4096;

private:
    Need refill(std::uint64_t pos, std::size_t n, bool may_move) noexcept;

    const std::uint8_t* base_ = nullptr;  ///< caller buffer
    std::uint64_t size_ = 0;

    bool stream_ = false;  ///< read(2) input
    int fd_ = -1;
    std::unique_ptr<std::uint8_t[]> buf_;
    std::size_t cap_ = 0;
    std::size_t len_ = 0;        ///< valid bytes in buf_
    std::uint64_t buf_pos_ = 0;  ///< file offset of buf_[0]
    bool eof_ = false;
    int errno_ = 0;
};

}  // namespace fm::capture
