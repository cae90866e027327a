// SPDX-License-Identifier: BSD-3-Clause
// SourceGroup: packet sources that are opened, counted and stopped together, such as the
// receive queues of the DPDK ports (capture/dpdk_source.hpp). The program sees the DPDK capture
// through this interface only, so that it can come from the loadable module flowmeterd-dpdk
// (capture/dpdk_module.hpp). Control plane: every call here is made at start, stop or for
// statistics; the data path calls the sources' next_batch() only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "capture/packet_source.hpp"

namespace fm::capture {

class SourceGroup {
public:
    virtual ~SourceGroup() = default;

    /// The sources, owned by the group, for the pipeline.
    virtual std::vector<PacketSource*> sources() const = 0;
    /// True when every flow, both directions, arrives on exactly one source.
    virtual bool flows_partitioned() const noexcept = 0;
    /// Asks every source to stop. Any thread.
    virtual void request_stop() noexcept = 0;
    /// Frames lost before flowmeterd saw them. Any thread.
    virtual std::uint64_t drops() const = 0;
    /// The group's capture.* counters for the final statistics. Any thread.
    virtual std::vector<std::pair<std::string, std::uint64_t>> named_counters() const = 0;
    /// Startup log lines.
    virtual std::vector<std::string> describe() const = 0;
};

}  // namespace fm::capture
