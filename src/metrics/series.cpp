// SPDX-License-Identifier: BSD-3-Clause
#include "metrics/series.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include <fmt/format.h>

#include "decode/decode_counters.hpp"
#include "decode/decode_status.hpp"
#include "metrics/counter_docs.hpp"

namespace fm::metrics {

namespace {

constexpr std::string_view kPrefix = "flowmeterd_";

struct Rename {
    std::string_view counter;
    std::string_view family;
    MetricType type;
};

// The series users alert on keep fixed names, whatever the stage counter is called.
constexpr auto kRenames = std::to_array<Rename>({
    {"capture.packets", "flowmeterd_captured_packets_total", MetricType::Counter},
    {"capture.bytes", "flowmeterd_captured_bytes_total", MetricType::Counter},
    {"dispatch.queue_full_waits", "flowmeterd_worker_queue_full_waits_total", MetricType::Counter},
    {"output.queue_full_waits", "flowmeterd_writer_queue_full_waits_total", MetricType::Counter},
    {"output.rows_written", "flowmeterd_rows_written_total", MetricType::Counter},
    {"output.files_closed", "flowmeterd_files_rotated_total", MetricType::Counter},
    {"output.write_errors", "flowmeterd_write_errors_total", MetricType::Counter},
    {"output.rows_held_io", "flowmeterd_rows_held_total", MetricType::Counter},
    {"output.rows_held_now", "flowmeterd_rows_held", MetricType::Gauge},
    {"output.bytes_held_now", "flowmeterd_held_bytes", MetricType::Gauge},
});

constexpr std::string_view kNotDecodedHelp =
    "Frames that made no flow, by decode status (reason), docs/operations.md";
constexpr std::string_view kDecodeEventHelp =
    "Facts noticed on frames that were still decoded (fragments, truncated headers, tunnels)";
constexpr std::string_view kFlowsEndedHelp =
    "Flows ended, by reason: timeout (active timeout), fin_rst, new_connection, drain (still "
    "open at the end of input or at a stop), expired_* (ended early by the clock on live "
    "input), evicted_table_full";

bool in(std::string_view name, auto const& names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

/// "what it counts" -> "What it counts".
std::string sentence(std::string_view doc, std::string_view counter) {
    if (doc.empty()) {
        return fmt::format("flowmeterd counter {}", counter);
    }
    std::string s(doc);
    s.front() = static_cast<char>(std::toupper(static_cast<unsigned char>(s.front())));
    return s;
}

/// "output.bytes_written" -> "output_written_bytes": dots and other characters a metric name
/// cannot hold become '_', and a "bytes" word goes last (Prometheus: the unit ends the name).
std::string metric_words(std::string_view name) {
    std::vector<std::string> words;
    std::string word;
    for (const char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
            word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (!word.empty()) {
            words.push_back(std::move(word));
            word.clear();
        }
    }
    if (!word.empty()) {
        words.push_back(std::move(word));
    }
    const auto bytes = std::find(words.begin(), words.end(), "bytes");
    if (bytes != words.end()) {
        std::rotate(bytes, bytes + 1, words.end());
    }
    std::string out;
    for (const std::string& w : words) {
        out += out.empty() ? "" : "_";
        out += w;
    }
    return out;
}

/// "capture.port3.nic_missed" -> {"capture", "3", "nic_missed"}; false for other shapes.
bool split_port(std::string_view name, std::string& stage, std::string& port, std::string& rest) {
    const std::size_t a = name.find('.');
    const std::size_t b = a == std::string_view::npos ? a : name.find('.', a + 1);
    if (b == std::string_view::npos) {
        return false;
    }
    const std::string_view middle = name.substr(a + 1, b - a - 1);
    if (!middle.starts_with("port") || middle.size() == 4 ||
        !std::all_of(middle.begin() + 4, middle.end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    stage = std::string(name.substr(0, a));
    port = std::string(middle.substr(4));
    rest = std::string(name.substr(b + 1));
    return true;
}

struct Family {
    MetricType type;
    std::string help;
    std::vector<std::pair<std::vector<std::pair<std::string, std::string>>, std::uint64_t>> samples;
};

/// Families in order of first appearance; a second series with the same labels adds up.
class FamilySet {
public:
    void add(const SeriesName& s, std::uint64_t value) {
        auto [it, fresh] = index_.try_emplace(s.family, order_.size());
        if (fresh) {
            order_.push_back(s.family);
            families_.push_back(Family{s.type, s.help, {}});
        }
        Family& f = families_[it->second];
        for (auto& [labels, v] : f.samples) {
            if (labels == s.labels) {
                v += value;
                return;
            }
        }
        f.samples.emplace_back(s.labels, value);
    }

    void write(ExpositionWriter& w) const {
        for (std::size_t i = 0; i < order_.size(); ++i) {
            const Family& f = families_[i];
            w.family(order_[i], f.help, f.type);
            for (const auto& [labels, value] : f.samples) {
                std::vector<Label> l;
                l.reserve(labels.size());
                for (const auto& [n, v] : labels) {
                    l.push_back(Label{n, v});
                }
                w.sample(l, value);
            }
        }
    }

private:
    std::map<std::string, std::size_t, std::less<>> index_;
    std::vector<std::string> order_;
    std::vector<Family> families_;
};

}  // namespace

SeriesName series_for(std::string_view counter) {
    SeriesName s;
    if (counter == "worker.active_flows") {
        return s;
    }
    if (counter.starts_with("decode.")) {
        const std::string reason(counter.substr(7));
        if (counter == decode::to_string(decode::DecodeStatus::Ok)) {
            return {"flowmeterd_decoded_packets_total",
                    MetricType::Counter,
                    "Frames that decoded to a packet flowmeterd meters",
                    {}};
        }
        if (in(counter, decode::kDecodeStatusNames)) {
            return {"flowmeterd_packets_not_decoded_total",
                    MetricType::Counter,
                    std::string(kNotDecodedHelp),
                    {{"reason", reason}}};
        }
        if (in(counter, decode::kDecodeEventNames)) {
            return {"flowmeterd_decode_events_total",
                    MetricType::Counter,
                    std::string(kDecodeEventHelp),
                    {{"event", reason}}};
        }
    }
    if (counter.starts_with("flow.")) {
        const std::string_view rest = counter.substr(5);
        if (rest.starts_with("ended_") || rest.starts_with("expired_") ||
            rest.starts_with("evicted_")) {
            const std::string reason(rest.starts_with("ended_") ? rest.substr(6) : rest);
            return {"flowmeterd_flows_ended_total",
                    MetricType::Counter,
                    std::string(kFlowsEndedHelp),
                    {{"reason", reason}}};
        }
    }
    for (const Rename& r : kRenames) {
        if (r.counter == counter) {
            return {std::string(r.family), r.type, sentence(counter_doc(counter), counter), {}};
        }
    }
    // A level, not an event count: "_now" goes, and the unit still ends the name.
    const bool gauge = counter.ends_with("_now");
    const std::string_view name = gauge ? counter.substr(0, counter.size() - 4) : counter;
    std::string stage;
    std::string port;
    std::string rest;
    std::string base;
    std::string doc_name(counter);
    if (split_port(name, stage, port, rest)) {
        base = metric_words(stage + "_port_" + rest);
        doc_name = stage + ".port." + rest + (gauge ? "_now" : "");
        s.labels.emplace_back("port", port);
    } else {
        base = metric_words(name);
    }
    s.type = gauge ? MetricType::Gauge : MetricType::Counter;
    s.family = fmt::format("{}{}{}", kPrefix, base, gauge ? "" : "_total");
    s.help = sentence(counter_doc(doc_name), counter);
    return s;
}

std::string render_metrics(const MetricsSample& sample) {
    FamilySet families;
    families.add({"flowmeterd_build_info",
                  MetricType::Gauge,
                  "flowmeterd's version and output profile (always 1)",
                  {{"version", sample.version}, {"profile", sample.profile}}},
                 1);
    families.add({"flowmeterd_capture_dropped_packets_total",
                  MetricType::Counter,
                  "Frames the kernel or the NIC dropped before flowmeterd saw them (all "
                  "sources: kernel ring and interface drops, DPDK imissed and rx_nombuf)",
                  {}},
                 sample.capture_drops);
    for (std::size_t i = 0; i < sample.active_flows.size(); ++i) {
        families.add({"flowmeterd_active_flows",
                      MetricType::Gauge,
                      "Flows open in the worker's table now",
                      {{"worker", std::to_string(i)}}},
                     sample.active_flows[i]);
    }
    for (const auto& [name, value] : sample.counters) {
        const SeriesName s = series_for(name);
        if (!s.family.empty()) {
            families.add(s, value);
        }
    }
    ExpositionWriter w;
    families.write(w);
    return w.text();
}

}  // namespace fm::metrics
