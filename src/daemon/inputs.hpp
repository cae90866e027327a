// SPDX-License-Identifier: BSD-3-Clause
// The capture sources of one run, as the configuration names them: capture files, libpcap live
// sockets (one per fanout member) or DPDK ports/queues. Owned here and lent to the pipeline as
// PacketSource pointers; they outlive it. Built on the control thread; request_stop(), drops()
// and named_counters() may be called while capture threads read the sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "capture/capture_file_reader.hpp"
#include "capture/packet_source.hpp"
#include "capture/pcap_live_source.hpp"
#include "capture/source_group.hpp"
#include "common/named_counters.hpp"
#include "config/config.hpp"

namespace fm::daemon {

class Inputs {
public:
    /// No sources: the caller lends its own (tests, benchmarks; see RunOptions::sources).
    Inputs() = default;
    /// Opens what `cfg` names. Capture files that cannot be opened are left out and listed in
    /// open_errors(); live sources throw capture::CaptureError.
    explicit Inputs(const config::CaptureConfig& cfg);

    bool live() const noexcept { return source_ != config::CaptureSource::PcapFile; }

    /// True when each source receives whole flows only (DPDK queues of one port spread by
    /// symmetric hardware RSS), so that workers can read their sources themselves.
    bool flows_partitioned() const noexcept;

    std::vector<capture::PacketSource*> sources() const;

    /// Summed size of the capture files (progress), 0 for live input.
    std::uint64_t input_total() const noexcept;

    /// Wakes capture threads blocked in a live source; they then see at_end(). Any thread.
    void request_stop() noexcept;

    /// Frames the kernel or the NIC dropped before flowmeterd saw them.
    std::uint64_t drops() const;

    /// capture.* counters of the live sources (summed over the sockets of a fanout group).
    NamedCounters named_counters() const;

    /// Reads the kernel counters once more for the final statistics. Only after the capture
    /// threads have stopped (PcapLiveSource::refresh_stats is a source-thread call).
    void refresh_stats() noexcept;

    /// Startup log lines: one per live socket or DPDK port.
    std::vector<std::string> describe() const;

    const std::vector<std::string>& open_errors() const noexcept { return open_errors_; }

private:
    config::CaptureSource source_ = config::CaptureSource::PcapFile;
    std::vector<std::unique_ptr<capture::CaptureFileReader>> files_;
    std::vector<std::unique_ptr<capture::PcapLiveSource>> pcap_;
    /// The DPDK ports, from the module flowmeterd-dpdk (daemon/modules.hpp).
    std::unique_ptr<capture::SourceGroup> dpdk_;
    std::vector<std::string> open_errors_;
};

}  // namespace fm::daemon
