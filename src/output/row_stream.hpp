// SPDX-License-Identifier: BSD-3-Clause
// A second destination for the rows the writer thread takes from its queue, beside the CSV
// files (output.sinks): the Kafka sink (output/kafka_sink.hpp) is one. The writer thread hands
// every chunk to it once, in queue order, before the CSV file gets it, and calls tick() every
// loop turn and close() once at the end. All calls come from the writer thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "common/named_counters.hpp"

namespace fm::output {

class RowStream {
public:
    virtual ~RowStream() = default;

    /// Takes `rows` CSV rows, each ending in '\n'. May wait (backpressure) while the stream
    /// cannot keep them anywhere, which stops the writer from draining its queue.
    virtual void write_rows(std::string_view csv_lines, std::uint32_t rows) = 0;
    /// Periodic work: delivery reports, replaying kept rows. Does not wait.
    virtual void tick() = 0;
    /// The end: `fast` (second signal) keeps what is not delivered without waiting for the
    /// destination; otherwise waits up to the stream's own deadline first.
    virtual void close(bool fast) = 0;
    /// Adds the stream's counters (its *_counters.def table) to `out`. Any thread.
    virtual void add_counters_to(NamedCounters& out) const = 0;

    /// The writer thread's heartbeat (WriterStats::heartbeat), which the service watchdog
    /// watches: a stream that waits in write_rows() advances it while it waits, so a wait
    /// for the destination is not taken for a hung writer. Set before the writer starts.
    void set_heartbeat(std::atomic<std::uint64_t>* heartbeat) noexcept { heartbeat_ = heartbeat; }

protected:
    /// Called on each turn of a wait inside write_rows().
    void beat() noexcept {
        if (heartbeat_ != nullptr) {
            heartbeat_->fetch_add(1, std::memory_order_relaxed);
        }
    }

private:
    std::atomic<std::uint64_t>* heartbeat_ = nullptr;
};

}  // namespace fm::output
