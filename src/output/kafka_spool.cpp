// SPDX-License-Identifier: BSD-3-Clause
#include "output/kafka_spool.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "output/dir_files.hpp"
#include "output/output_log.hpp"
#include "output/rotating_csv_writer.hpp"

namespace fm::output {

namespace {

constexpr std::string_view kMagic = "flowmeterd kafka spool 1\n";
constexpr std::uint32_t kNullKey = 0xffffffffu;
constexpr std::size_t kFlushBytes = 256 * 1024;
constexpr std::size_t kReadChunk = 1 << 20;

void put_u32(std::string& out, std::uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out.append(b, 4);
}

void put_text(std::string& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

std::string errno_text(int e) {
    return std::error_code(e, std::generic_category()).message();
}

}  // namespace

KafkaSpool::KafkaSpool(std::string path, std::uint64_t max_bytes)
    : path_(std::move(path)), max_bytes_(max_bytes) {
    fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd_ < 0) {
        const int e = errno;
        throw OutputError(fmt::format("kafka spool {}: {}", path_, errno_text(e)), e);
    }
    const off_t size = lseek(fd_, 0, SEEK_END);
    if (size == 0) {
        if (const int e = pwrite_full(fd_, kMagic.data(), kMagic.size(), 0); e != 0) {
            close(fd_);
            throw OutputError(fmt::format("kafka spool {}: {}", path_, errno_text(e)), e);
        }
        file_end_ = kMagic.size();
    } else {
        std::string head(kMagic.size(), '\0');
        if (pread(fd_, head.data(), head.size(), 0) != static_cast<ssize_t>(head.size()) ||
            head != kMagic) {
            close(fd_);
            throw OutputError(
                fmt::format("kafka spool {}: not a flowmeterd spool file (move it away)", path_),
                EINVAL);
        }
        file_end_ = static_cast<std::uint64_t>(size);
        scan();
    }
    read_off_ = kMagic.size();
}

KafkaSpool::~KafkaSpool() {
    if (fd_ >= 0) {
        flush();
        close(fd_);
    }
}

bool KafkaSpool::load(std::uint64_t off, std::uint64_t n, std::uint64_t limit) {
    if (off + n > limit) {
        return false;
    }
    if (off >= read_buf_off_ && off + n <= read_buf_off_ + read_buf_.size()) {
        return true;
    }
    const std::uint64_t want =
        std::min<std::uint64_t>(std::max<std::uint64_t>(n, kReadChunk), limit - off);
    read_buf_.resize(want);
    std::size_t got = 0;
    while (got < want) {
        const ssize_t r =
            pread(fd_, read_buf_.data() + got, want - got, static_cast<off_t>(off + got));
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            error_ = fmt::format("read {}: {}", path_, r < 0 ? errno_text(errno) : "short file");
            read_buf_.clear();
            return false;
        }
        got += static_cast<std::size_t>(r);
    }
    read_buf_off_ = off;
    return true;
}

bool KafkaSpool::read_record(std::uint64_t off, std::uint64_t limit, SpoolView& view,
                             SpoolHeaders& headers, bool& is_headers, std::uint64_t& next) {
    auto u32 = [&](std::uint64_t at, std::uint32_t& v) {
        if (!load(at, 4, limit)) {
            return false;
        }
        std::memcpy(&v, read_buf_.data() + (at - read_buf_off_), 4);
        return true;
    };
    // Text fields are read after their lengths, each with its own load(); the views are
    // taken once the whole record is in the buffer.
    if (!load(off, 1, limit)) {
        return false;
    }
    const char type = read_buf_[off - read_buf_off_];
    const int fields = type == 'H' ? 3 : type == 'M' ? 2 : 0;
    if (fields == 0) {
        return false;
    }
    std::uint64_t at = off + 1;
    std::uint32_t lens[3] = {0, 0, 0};
    for (int f = 0; f < fields; ++f) {
        if (!u32(at, lens[f])) {
            return false;
        }
        at += 4;
        if (!(type == 'M' && f == 0 && lens[f] == kNullKey)) {
            at += lens[f];
        }
    }
    if (!load(off, at - off, limit)) {
        return false;
    }
    const char* p = read_buf_.data() + (off - read_buf_off_) + 1;
    std::string_view texts[3];
    bool null_key = false;
    for (int f = 0; f < fields; ++f) {
        p += 4;
        if (type == 'M' && f == 0 && lens[f] == kNullKey) {
            null_key = true;
            continue;
        }
        texts[f] = std::string_view(p, lens[f]);
        p += lens[f];
    }
    is_headers = type == 'H';
    if (is_headers) {
        headers = SpoolHeaders{std::string(texts[0]), std::string(texts[1]), std::string(texts[2])};
    } else {
        view.key = null_key ? std::nullopt : std::optional<std::string_view>(texts[0]);
        view.value = texts[1];
    }
    next = at;
    return true;
}

void KafkaSpool::scan() {
    std::uint64_t off = kMagic.size();
    const std::uint64_t size = file_end_;
    SpoolView view;
    SpoolHeaders headers;
    for (;;) {
        bool is_headers = false;
        std::uint64_t next = 0;
        if (!read_record(off, size, view, headers, is_headers, next)) {
            break;
        }
        if (is_headers) {
            write_headers_ = headers;
        } else {
            ++messages_;
        }
        off = next;
    }
    if (off < size) {
        output_log()->warn(
            "kafka spool {}: {} bytes at the end are not a complete record (a crash while "
            "writing); they are cut off",
            path_, size - off);
        if (ftruncate(fd_, static_cast<off_t>(off)) != 0) {
            output_log()->warn("kafka spool {}: {}", path_, errno_text(errno));
        }
    }
    file_end_ = off;
    read_buf_.clear();
    read_buf_off_ = 0;
}

void KafkaSpool::encode(std::string& out, const SpoolHeaders* last, const SpoolHeaders& h,
                        const std::optional<std::string_view>& key, std::string_view value) const {
    if (last == nullptr || !(*last == h)) {
        out.push_back('H');
        put_text(out, h.sensor_id);
        put_text(out, h.profile);
        put_text(out, h.csv_header);
    }
    out.push_back('M');
    if (key) {
        put_text(out, *key);
    } else {
        put_u32(out, kNullKey);
    }
    put_text(out, value);
}

bool KafkaSpool::append(const SpoolHeaders& h, const std::optional<std::string_view>& key,
                        std::string_view value, bool beyond_limit) {
    const std::size_t before = buffer_.size();
    encode(buffer_, write_headers_ ? &*write_headers_ : nullptr, h, key, value);
    if (!beyond_limit && bytes() > max_bytes_) {
        buffer_.resize(before);
        return false;
    }
    if (!write_headers_ || !(*write_headers_ == h)) {
        write_headers_ = h;
    }
    ++messages_;
    if (buffer_.size() >= kFlushBytes) {
        flush();
    }
    return true;
}

int KafkaSpool::flush() noexcept {
    if (buffer_.empty()) {
        return 0;
    }
    const int e = pwrite_full(fd_, buffer_.data(), buffer_.size(), file_end_);
    if (e != 0) {
        // A partial write is overwritten by the next attempt (same offset).
        error_ = fmt::format("write {}: {}", path_, errno_text(e));
        return e;
    }
    file_end_ += buffer_.size();
    buffer_.clear();
    return 0;
}

const SpoolView* KafkaSpool::peek() {
    if (has_peeked_) {
        return &peeked_;
    }
    if (read_off_ >= file_end_ && !buffer_.empty() && flush() != 0) {
        return nullptr;
    }
    while (read_off_ < file_end_) {
        bool is_headers = false;
        std::uint64_t next = 0;
        if (!read_record(read_off_, file_end_, peeked_, read_headers_, is_headers, next)) {
            if (error_.empty()) {
                error_ = fmt::format("{}: a damaged record at offset {}", path_, read_off_);
            }
            return nullptr;
        }
        if (is_headers) {
            read_off_ = next;
            continue;
        }
        peeked_.headers = &read_headers_;
        peeked_next_ = next;
        has_peeked_ = true;
        return &peeked_;
    }
    return nullptr;
}

void KafkaSpool::advance() {
    if (!has_peeked_) {
        return;
    }
    has_peeked_ = false;
    read_off_ = peeked_next_;
    --messages_;
    if (read_off_ >= file_end_ && buffer_.empty()) {
        truncate_to_empty();
    }
}

int KafkaSpool::truncate_to_empty() noexcept {
    if (ftruncate(fd_, static_cast<off_t>(kMagic.size())) != 0) {
        error_ = fmt::format("truncate {}: {}", path_, errno_text(errno));
        return errno;
    }
    file_end_ = kMagic.size();
    read_off_ = kMagic.size();
    read_buf_.clear();
    read_buf_off_ = 0;
    write_headers_.reset();
    messages_ = 0;
    return 0;
}

int KafkaSpool::rewrite(const std::vector<SpoolMessage>& first) {
    if (const int e = flush(); e != 0) {
        return e;
    }
    has_peeked_ = false;
    if (first.empty()) {
        // Nothing to put before the rest: the file already holds it in order. Cut off what
        // was replayed so the next start does not send it again.
        if (read_off_ >= file_end_) {
            return truncate_to_empty();
        }
    }
    const std::string tmp = path_ + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        error_ = fmt::format("create {}: {}", tmp, errno_text(errno));
        return errno;
    }
    std::string out(kMagic);
    const SpoolHeaders* last = nullptr;
    std::uint64_t count = 0;
    for (const SpoolMessage& m : first) {
        encode(out, last, m.headers, m.key ? std::optional<std::string_view>(*m.key) : std::nullopt,
               m.value);
        last = &m.headers;
        ++count;
    }
    int e = pwrite_full(fd, out.data(), out.size(), 0);
    std::uint64_t off = out.size();
    // The rest of the old file, as it is, after the headers in force where replay stopped
    // (an 'H' record is harmless when the rest starts with one).
    std::uint64_t from = read_off_;
    if (e == 0 && from < file_end_) {
        std::string h;
        h.push_back('H');
        put_text(h, read_headers_.sensor_id);
        put_text(h, read_headers_.profile);
        put_text(h, read_headers_.csv_header);
        e = pwrite_full(fd, h.data(), h.size(), off);
        off += h.size();
        while (e == 0 && from < file_end_) {
            if (!load(from, 1, file_end_)) {
                e = EIO;
                break;
            }
            const std::size_t n = read_buf_.size() - (from - read_buf_off_);
            e = pwrite_full(fd, read_buf_.data() + (from - read_buf_off_), n, off);
            off += n;
            from += n;
        }
    }
    if (e == 0 && fsync(fd) != 0) {
        e = errno;
    }
    close(fd);
    if (e == 0 && rename(tmp.c_str(), path_.c_str()) != 0) {
        e = errno;
    }
    if (e != 0) {
        error_ = fmt::format("rewrite {}: {}", path_, errno_text(e));
        unlink(tmp.c_str());
        return e;
    }
    // The new file replaces the old one under the same name; continue on it.
    close(fd_);
    fd_ = open(path_.c_str(), O_RDWR | O_CLOEXEC);
    messages_ += count;
    if (from == read_off_ && !first.empty()) {
        write_headers_ = first.back().headers;  // nothing of the old file was copied
    }
    file_end_ = off;
    read_off_ = kMagic.size();
    read_buf_.clear();
    read_buf_off_ = 0;
    return fd_ < 0 ? errno : 0;
}

}  // namespace fm::output
