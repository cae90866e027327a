// SPDX-License-Identifier: BSD-3-Clause
// The Kafka sink's spool: a bounded local file of messages the brokers could not take yet,
// read back in the order they were written. Records: 'H' sets the headers (sensor id,
// profile, CSV header line) of the 'M' records (key, value) after it, so a spool written by
// one configuration is replayed with the headers it was written with. A record cut short by
// a crash is dropped when the file is opened (the tail is cut off, with a warning).
//
// Writes are buffered and reach the file at flush() (the writer's tick, and before every
// read), so a burst of rows costs few syscalls. Used by the writer thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fm::output {

struct SpoolHeaders {
    std::string sensor_id;
    std::string profile;
    std::string csv_header;  ///< empty for JSON messages

    bool operator==(const SpoolHeaders&) const = default;
};

/// A message kept in memory (taken back from the producer at stop).
struct SpoolMessage {
    std::optional<std::string> key;
    std::string value;
    SpoolHeaders headers;
};

/// A message read from the spool; the views point into the spool's read buffer.
struct SpoolView {
    std::optional<std::string_view> key;
    std::string_view value;
    const SpoolHeaders* headers = nullptr;
};

class KafkaSpool {
public:
    /// Opens `path` (creating it) and keeps the complete records already there. Throws
    /// OutputError when the file cannot be created or is not a spool file.
    KafkaSpool(std::string path, std::uint64_t max_bytes);
    ~KafkaSpool();

    KafkaSpool(const KafkaSpool&) = delete;
    KafkaSpool& operator=(const KafkaSpool&) = delete;

    /// Nothing left to replay.
    bool empty() const noexcept { return read_off_ == end_off() && buffer_.empty(); }
    /// Size of the file with what is buffered.
    std::uint64_t bytes() const noexcept { return end_off() + buffer_.size(); }
    /// Messages written and not read back yet.
    std::uint64_t messages() const noexcept { return messages_; }

    /// Appends a message; false (nothing kept) when the file would grow beyond max_bytes,
    /// unless `beyond_limit` (a stop that must not lose the rows still coming).
    bool append(const SpoolHeaders& h, const std::optional<std::string_view>& key,
                std::string_view value, bool beyond_limit = false);
    /// Writes what is buffered. Returns 0 or an errno; the buffer is kept on error.
    int flush() noexcept;

    /// The next message to replay, or null when none is left. Valid until the next call.
    /// Returns null too when the file cannot be read (error() then says why).
    const SpoolView* peek();
    /// The peeked message was produced: move past it. When everything is replayed the file
    /// is cut back to empty.
    void advance();

    /// Stop: writes `first` (messages taken back from the producer, oldest first), then what
    /// is not replayed yet, to a new file that replaces the spool (or removes the spool when
    /// both are empty). Returns 0 or an errno (the old file is then left as it was).
    int rewrite(const std::vector<SpoolMessage>& first);

    const std::string& path() const noexcept { return path_; }
    const std::string& error() const noexcept { return error_; }

private:
    std::uint64_t end_off() const noexcept { return file_end_; }
    void encode(std::string& out, const SpoolHeaders* last, const SpoolHeaders& h,
                const std::optional<std::string_view>& key, std::string_view value) const;
    void scan();
    /// Decodes the record at `off`: a message into `view`, headers into `headers`. Returns
    /// false at the end of the complete records.
    bool read_record(std::uint64_t off, std::uint64_t limit, SpoolView& view, SpoolHeaders& headers,
                     bool& is_headers, std::uint64_t& next);
    bool load(std::uint64_t off, std::uint64_t n, std::uint64_t limit);
    int truncate_to_empty() noexcept;

    std::string path_;
    std::uint64_t max_bytes_;
    int fd_ = -1;
    std::uint64_t file_end_ = 0;                 ///< bytes in the file (complete records)
    std::uint64_t read_off_ = 0;                 ///< the next record to replay
    std::uint64_t messages_ = 0;                 ///< messages not replayed
    std::string buffer_;                         ///< appended, not yet written
    std::optional<SpoolHeaders> write_headers_;  ///< headers in force at the end
    SpoolHeaders read_headers_;                  ///< headers in force at read_off_
    SpoolView peeked_;
    std::uint64_t peeked_next_ = 0;
    bool has_peeked_ = false;
    std::string read_buf_;
    std::uint64_t read_buf_off_ = 0;
    std::string error_;
};

}  // namespace fm::output
