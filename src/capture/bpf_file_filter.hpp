// SPDX-License-Identifier: BSD-3-Clause
// BpfFileFilter: capture.bpf_filter for capture files. A live interface filters in the kernel
// (pcap_setfilter); a file has no kernel, so the frames of each batch are run through the same
// compiled program in user space (libpcap's pcap_offline_filter, the BPF interpreter), and the
// batch is compacted in place. The expression is compiled with pcap_open_dead for the link type
// and snapshot length of the frames it is applied to, as tcpdump -r does; a pcapng file whose
// interfaces differ in link type gets one program per link type, compiled when the first frame
// of that type comes. Without a filter no BpfFileFilter exists: reading costs nothing extra.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/raw_batch.hpp"

struct bpf_program;

namespace fm::capture {

/// Compiles `expression` for `link_type` (LINKTYPE_*/DLT_* as libpcap reports it) and
/// `snaplen`; returns libpcap's error text, empty when it compiles.
std::string bpf_compile_error(const std::string& expression, std::uint32_t link_type,
                              std::uint32_t snaplen);

class BpfFileFilter {
public:
    /// `snaplen`: the file's snapshot length (0 = unknown, as in pcapng: the maximum is used).
    BpfFileFilter(std::string expression, std::uint32_t snaplen);
    ~BpfFileFilter();
    BpfFileFilter(const BpfFileFilter&) = delete;
    BpfFileFilter& operator=(const BpfFileFilter&) = delete;

    /// Compiles the program for `link_type` unless it exists; returns the error text (empty on
    /// success). Setup path; apply() calls it for a link type it has not seen.
    std::string prepare(std::uint32_t link_type);

    /// Keeps in `batch` (in order) the frames the expression accepts. Returns false, with
    /// error() set, when a frame has a link type the expression cannot be compiled for.
    bool apply(RawBatch& batch) noexcept;

    const std::string& expression() const noexcept { return expression_; }
    const std::string& error() const noexcept { return error_; }
    /// Frames rejected so far.
    std::uint64_t rejected() const noexcept { return rejected_; }

private:
    struct Program;
    const Program* program_for(std::uint32_t link_type) noexcept;

    std::string expression_;
    std::uint32_t snaplen_;
    std::vector<std::unique_ptr<Program>> programs_;  ///< one per link type, few
    const Program* last_ = nullptr;                   ///< the previous frame's program
    std::string error_;
    std::uint64_t rejected_ = 0;
};

}  // namespace fm::capture
