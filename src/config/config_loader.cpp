// SPDX-License-Identifier: BSD-3-Clause
// yaml-cpp -> DaemonConfig. One table lists every accepted key with its parser; a walk over the
// YAML tree looks each key up, so an unknown key at any level is found where it is written and
// reported with its line (yaml-cpp Mark). Types are checked while parsing; ranges and rules
// between keys in validate(), which also runs after command-line flags are applied.
#include "config/config_loader.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>

#include <date/tz.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "config/account.hpp"
#include "config/kafka_properties.hpp"
#include "config/label_rules_loader.hpp"
#include "config/listen_address.hpp"
#include "config/pipeline_layout.hpp"
#include "config/utf8_text.hpp"

namespace fm::config {

ConfigError::ConfigError(std::string where, std::string key, std::string message)
    : std::runtime_error(fmt::format("{}: {}: {}", where, key, message)),
      where_(std::move(where)),
      key_(std::move(key)),
      message_(std::move(message)) {}

void Origins::set(std::string_view key, std::string where) {
    where_.insert_or_assign(std::string(key), std::move(where));
}

const std::string& Origins::where(std::string_view key) const {
    auto it = where_.find(key);
    return it == where_.end() ? fallback_ : it->second;
}

bool Origins::was_set(std::string_view key) const {
    return where_.find(key) != where_.end();
}

std::optional<Micros> seconds_to_micros(double seconds) noexcept {
    // 1e9 s (about 31 years) is far beyond any useful timeout and keeps every sum of two
    // timeouts and a packet time inside int64 microseconds.
    constexpr double kMaxSeconds = 1e9;
    if (!std::isfinite(seconds) || seconds < 0 || seconds > kMaxSeconds) {
        return std::nullopt;
    }
    return static_cast<Micros>(std::llround(seconds * static_cast<double>(kMicrosPerSecond)));
}

namespace {

constexpr std::array<std::string_view, 7> kLogLevels = {
    "trace", "debug", "info", "warn", "error", "critical", "off",
};

// Limits shared by validate() and the documentation (docs/configuration.md lists the same).
constexpr std::uint32_t kMinSnaplen = 64;
constexpr std::uint32_t kMaxSnaplen = 262144;
constexpr std::uint32_t kMaxBufferMb = 16384;
constexpr std::uint32_t kMaxCaptureThreads = 64;
constexpr std::uint32_t kMinQueueCapacity = 256;
constexpr std::uint32_t kMaxQueueCapacity = 1u << 26;
constexpr int kMaxCpu = 1023;  // CPU_SETSIZE - 1
constexpr std::uint16_t kMaxRxQueues = 128;
constexpr std::uint16_t kMaxBurst = 1024;
constexpr std::uint64_t kMinRotateBytes = 4096;
constexpr std::uint64_t kMinHoldBytes = 64 * 1024;
constexpr std::uint32_t kMaxStatsInterval = 86400;

class Parser;
using Setter = void (*)(Parser&, const YAML::Node&, std::string_view key);

struct Leaf {
    std::string_view key;
    Setter set;
};

// Sections are the mappings that hold leaves; everything else in the tree is unknown.
// Each list is sized by its initialiser, so a new key is one added line.
constexpr auto kSections = std::to_array<std::string_view>({
    "capture",
    "capture.dpdk",
    "decode",
    "pipeline",
    "flow",
    "output",
    "output.rotate",
    "output.kafka",
    "logging",
    "metrics",
    "security",
});

class Parser {
public:
    Parser(const std::string& name, LoadedConfig& out) : name_(name), out_(out) {}

    DaemonConfig& cfg() { return out_.config; }
    const std::string& name() const { return name_; }

    std::string where(const YAML::Node& n) const {
        // An empty value ("key:" and nothing) has the mark of whatever follows it; point at the
        // key instead.
        const YAML::Mark m = n.IsNull() && key_mark_.line >= 0 ? key_mark_ : n.Mark();
        if (m.line < 0) {
            return name_;
        }
        return fmt::format("{}:{}", name_, m.line + 1);
    }

    [[noreturn]] void fail(const YAML::Node& n, std::string_view key, std::string message) const {
        throw ConfigError(where(n), std::string(key), std::move(message));
    }

    void walk(const YAML::Node& map, const std::string& prefix);

    std::string text(const YAML::Node& n, std::string_view key) const {
        if (!n.IsScalar()) {
            fail(n, key, fmt::format("expected a string, got {}", kind(n)));
        }
        if (!valid_utf8(n.Scalar())) {
            fail(n, key, "not valid UTF-8 text");
        }
        return n.Scalar();
    }

    bool boolean(const YAML::Node& n, std::string_view key) const {
        bool b = false;
        if (!n.IsScalar() || n.Tag() == "!" || !YAML::convert<bool>::decode(n, b)) {
            fail(n, key, fmt::format("expected true or false, got {}", kind(n)));
        }
        return b;
    }

    template <class T>
    T integer(const YAML::Node& n, std::string_view key) const {
        static_assert(std::is_integral_v<T>);
        using Wide = std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>;
        if (n.IsScalar() && n.Tag() != "!") {
            const std::string& s = n.Scalar();
            Wide v{};
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec == std::errc{} && end == s.data() + s.size() && !s.empty()) {
                if (v >= static_cast<Wide>(std::numeric_limits<T>::min()) &&
                    v <= static_cast<Wide>(std::numeric_limits<T>::max())) {
                    return static_cast<T>(v);
                }
                fail(n, key,
                     fmt::format("{} does not fit: expected an integer from {} to {}", s,
                                 std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
            }
        }
        fail(n, key,
             fmt::format("expected {} integer, got {}",
                         std::is_signed_v<T> ? "an" : "a non-negative", kind(n)));
    }

    /// Permission bits as octal digits ("0640", "640"); only the rwx bits of user, group and
    /// others (no setuid, setgid or sticky bit on a data file).
    std::uint32_t octal_mode(const YAML::Node& n, std::string_view key) const {
        if (n.IsScalar()) {
            const std::string& s = n.Scalar();
            std::uint32_t v = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 8);
            if (ec == std::errc{} && end == s.data() + s.size() && !s.empty() && s.size() <= 5) {
                if (v > 0777) {
                    fail(n, key,
                         fmt::format("{} sets bits beyond rwx (setuid, setgid, sticky): expected "
                                     "0000 to 0777",
                                     s));
                }
                return v;
            }
        }
        fail(n, key,
             fmt::format("expected permission bits in octal such as \"0640\", got {}", kind(n)));
    }

    Micros seconds(const YAML::Node& n, std::string_view key) const {
        if (n.IsScalar() && n.Tag() != "!") {
            const std::string& s = n.Scalar();
            double v = 0;
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
            if (ec == std::errc{} && end == s.data() + s.size() && !s.empty()) {
                if (auto us = seconds_to_micros(v)) {
                    return *us;
                }
                fail(n, key, fmt::format("{} is out of range: expected seconds from 0 to 1e9", s));
            }
        }
        fail(n, key, fmt::format("expected a number of seconds, got {}", kind(n)));
    }

    std::vector<std::string> text_list(const YAML::Node& n, std::string_view key) const {
        expect_list(n, key, "strings");
        std::vector<std::string> v;
        for (const YAML::Node& e : n) {
            v.push_back(text(e, key));
        }
        return v;
    }

    template <class T>
    std::vector<T> integer_list(const YAML::Node& n, std::string_view key) const {
        expect_list(n, key, "integers");
        std::vector<T> v;
        for (const YAML::Node& e : n) {
            v.push_back(integer<T>(e, key));
        }
        return v;
    }

    template <class E>
    E enumerated(const YAML::Node& n, std::string_view key,
                 std::optional<E> (*parse)(std::string_view), std::string_view choices) const {
        const std::string s = text(n, key);
        if (auto e = parse(s)) {
            return *e;
        }
        fail(n, key, fmt::format("unknown value \"{}\": expected one of {}", s, choices));
    }

    /// A mapping of plain names to scalars (output.kafka.properties); each entry's line is
    /// kept as the origin of "KEY.NAME", for messages about one entry.
    std::vector<std::pair<std::string, std::string>> text_map(const YAML::Node& n,
                                                              std::string_view key) const {
        if (!n.IsMap()) {
            fail(n, key, fmt::format("expected a mapping of names to values, got {}", kind(n)));
        }
        std::vector<std::pair<std::string, std::string>> v;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const YAML::Node name = it->first;
            const YAML::Node value = it->second;
            const std::string full = fmt::format("{}.{}", key, name.Scalar());
            if (!name.IsScalar()) {
                fail(name, key, "names must be plain strings");
            }
            if (!valid_utf8(name.Scalar())) {
                fail(name, key, "names must be valid UTF-8 text");
            }
            for (const auto& [k, x] : v) {
                if (k == name.Scalar()) {
                    fail(name, full, "duplicate key");
                }
            }
            v.emplace_back(name.Scalar(), text(value, full));
            out_.origins.set(full, where(name));
        }
        return v;
    }

private:
    static std::string kind(const YAML::Node& n) {
        switch (n.Type()) {
            case YAML::NodeType::Null:
                return "nothing (null)";
            case YAML::NodeType::Sequence:
                return "a list";
            case YAML::NodeType::Map:
                return "a mapping";
            case YAML::NodeType::Scalar:
                return n.Tag() == "!" ? fmt::format("the quoted string \"{}\"", n.Scalar())
                                      : fmt::format("\"{}\"", n.Scalar());
            case YAML::NodeType::Undefined:
                break;
        }
        return "an undefined value";
    }

    void expect_list(const YAML::Node& n, std::string_view key, std::string_view what) const {
        if (!n.IsSequence()) {
            fail(n, key, fmt::format("expected a list of {}, got {}", what, kind(n)));
        }
    }

    const std::string& name_;
    LoadedConfig& out_;
    YAML::Mark key_mark_ = YAML::Mark::null_mark();
};

// clang-format off
const auto kLeaves = std::to_array<Leaf>({
    {"capture.source", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.source = p.enumerated<CaptureSource>(
            n, k, parse_capture_source, "pcap_file, pcap_live, dpdk");
    }},
    {"capture.files", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.files = p.text_list(n, k);
    }},
    {"capture.interface", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.interface = p.text(n, k);
    }},
    {"capture.bpf_filter", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.bpf_filter = p.text(n, k);
    }},
    {"capture.snaplen", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.snaplen = p.integer<std::uint32_t>(n, k);
    }},
    {"capture.promiscuous", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.promiscuous = p.boolean(n, k);
    }},
    {"capture.buffer_mb", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.buffer_mb = p.integer<std::uint32_t>(n, k);
    }},
    {"capture.threads", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.threads = p.integer<std::uint32_t>(n, k);
    }},
    {"capture.max_packets", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.max_packets = p.integer<std::uint64_t>(n, k);
    }},
    {"capture.dpdk.eal_args", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.dpdk.eal_args = p.text_list(n, k);
    }},
    {"capture.dpdk.ports", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.dpdk.ports = p.integer_list<std::uint16_t>(n, k);
    }},
    {"capture.dpdk.rx_queues", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.dpdk.rx_queues = p.integer<std::uint16_t>(n, k);
    }},
    {"capture.dpdk.burst_size", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().capture.dpdk.burst_size = p.integer<std::uint16_t>(n, k);
    }},
    {"decode.ipv6", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().decode.ipv6 = p.boolean(n, k);
    }},
    {"decode.tunnels", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().decode.tunnels = p.boolean(n, k);
    }},
    {"pipeline.workers", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().pipeline.workers = n.IsScalar() && n.Tag() != "!" && n.Scalar() == "auto"
                                       ? kAutoWorkers
                                       : p.integer<std::uint32_t>(n, k);
    }},
    {"pipeline.queue_capacity", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().pipeline.queue_capacity = p.integer<std::uint32_t>(n, k);
    }},
    {"pipeline.cpu_affinity", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().pipeline.cpu_affinity = p.integer_list<int>(n, k);
    }},
    {"flow.profile", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().flow.profile = p.enumerated<Profile>(
            n, k, parse_profile, "cic2017, cic2018, v4, fixed");
    }},
    {"flow.flow_timeout_s", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().flow.flow_timeout_us = p.seconds(n, k);
    }},
    {"flow.activity_timeout_s", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().flow.activity_timeout_us = p.seconds(n, k);
    }},
    {"flow.idle_timeout_s", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().flow.idle_timeout_us = p.seconds(n, k);
    }},
    {"flow.max_flows", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().flow.max_flows = p.integer<std::uint32_t>(n, k);
    }},
    {"output.file", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.file = p.text(n, k);
    }},
    {"output.directory", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.directory = p.text(n, k);
    }},
    {"output.file_prefix", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.file_prefix = p.text(n, k);
    }},
    {"output.rotate.max_bytes", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.rotate_max_bytes = p.integer<std::uint64_t>(n, k);
    }},
    {"output.rotate.interval_s", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.rotate_interval_s = p.integer<std::uint32_t>(n, k);
    }},
    {"output.rotate.max_rows", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.rotate_max_rows = p.integer<std::uint64_t>(n, k);
    }},
    {"output.keep_files", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.keep_files = p.integer<std::uint32_t>(n, k);
    }},
    {"output.timezone", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.timezone = p.text(n, k);
    }},
    {"output.label", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.label = p.text(n, k);
    }},
    {"output.hold_max_bytes", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.hold_max_bytes = p.integer<std::uint64_t>(n, k);
    }},
    {"output.fsync", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.fsync = p.boolean(n, k);
    }},
    {"output.file_mode", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.file_mode = p.octal_mode(n, k);
    }},
    {"security.user", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().security.user = p.text(n, k);
    }},
    {"security.group", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().security.group = p.text(n, k);
    }},
    {"output.sinks", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.sinks = p.text_list(n, k);
    }},
    {"output.kafka.brokers", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.brokers = p.text_list(n, k);
    }},
    {"output.kafka.topic", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.topic = p.text(n, k);
    }},
    {"output.kafka.client_id", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.client_id = p.text(n, k);
    }},
    {"output.kafka.sensor_id", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.sensor_id = p.text(n, k);
    }},
    {"output.kafka.format", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.format = p.text(n, k);
    }},
    {"output.kafka.key", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.key = p.text(n, k);
    }},
    {"output.kafka.compression", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.compression = p.text(n, k);
    }},
    {"output.kafka.batch_bytes", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.batch_bytes = p.integer<std::uint32_t>(n, k);
    }},
    {"output.kafka.linger_ms", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.linger_ms = p.integer<std::uint32_t>(n, k);
    }},
    {"output.kafka.queue_max_bytes", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.queue_max_bytes = p.integer<std::uint64_t>(n, k);
    }},
    {"output.kafka.spool_max_bytes", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.spool_max_bytes = p.integer<std::uint64_t>(n, k);
    }},
    {"output.kafka.flush_timeout_s", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.flush_timeout_s = p.integer<std::uint32_t>(n, k);
    }},
    {"output.kafka.properties", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().output.kafka.properties = n.IsNull() ? decltype(p.cfg().output.kafka.properties){}
                                                     : p.text_map(n, k);
    }},
    {"logging.level", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().logging.level = p.text(n, k);
    }},
    {"logging.target", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().logging.target = p.enumerated<LogTarget>(
            n, k, parse_log_target, "auto, stderr, journald");
    }},
    {"logging.stats_interval_s", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().logging.stats_interval_s = p.integer<std::uint32_t>(n, k);
    }},
    {"metrics.listen", [](Parser& p, const YAML::Node& n, std::string_view k) {
        p.cfg().metrics.listen = p.text(n, k);
    }},
    {"labels", [](Parser& p, const YAML::Node& n, std::string_view) {
        p.cfg().labels = parse_label_rules(n, p.name());
    }},
});
// clang-format on

const std::array<std::string_view, kLeaves.size()> kKeyNames = [] {
    std::array<std::string_view, kLeaves.size()> names{};
    for (std::size_t i = 0; i < kLeaves.size(); ++i) {
        names[i] = kLeaves[i].key;
    }
    return names;
}();

const Leaf* find_leaf(std::string_view key) {
    for (const Leaf& l : kLeaves) {
        if (l.key == key) {
            return &l;
        }
    }
    return nullptr;
}

bool is_section(std::string_view key) {
    for (std::string_view s : kSections) {
        if (s == key) {
            return true;
        }
    }
    return false;
}

void Parser::walk(const YAML::Node& map, const std::string& prefix) {
    std::set<std::string, std::less<>> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key_node = it->first;  // copies: the iterator yields temporaries
        const YAML::Node value = it->second;
        if (!key_node.IsScalar()) {
            fail(key_node, prefix.empty() ? "(top level)" : prefix, "keys must be plain names");
        }
        const std::string key =
            prefix.empty() ? key_node.Scalar() : prefix + "." + key_node.Scalar();
        if (!seen.insert(key_node.Scalar()).second) {
            fail(key_node, key, "duplicate key");
        }
        if (is_section(key)) {
            if (value.IsNull()) {
                out_.origins.set(key, where(key_node));
                continue;  // "capture:" with nothing below: all defaults
            }
            if (!value.IsMap()) {
                fail(key_node, key, fmt::format("expected a mapping of keys, got {}", kind(value)));
            }
            out_.origins.set(key, where(key_node));
            walk(value, key);
            continue;
        }
        const Leaf* leaf = find_leaf(key);
        if (leaf == nullptr) {
            fail(key_node, key, "unknown key");
        }
        key_mark_ = key_node.Mark();
        leaf->set(*this, value, key);
        out_.origins.set(key, where(key_node));
    }
}

std::string format_seconds(Micros us) {
    if (us % kMicrosPerSecond == 0) {
        return fmt::format("{}", us / kMicrosPerSecond);
    }
    return fmt::format("{}", static_cast<double>(us) / static_cast<double>(kMicrosPerSecond));
}

bool valid_log_level(std::string_view s) {
    for (std::string_view l : kLogLevels) {
        if (l == s) {
            return true;
        }
    }
    return false;
}

bool known_timezone(const std::string& name) {
    if (name == "UTC") {
        return true;
    }
    try {
        return date::locate_zone(name) != nullptr;
    } catch (const std::exception&) {
        return false;
    }
}

class Checker {
public:
    explicit Checker(const Origins& origins) : origins_(origins) {}

    [[noreturn]] void fail(std::string_view key, std::string message) const {
        throw ConfigError(origins_.where(key), std::string(key), std::move(message));
    }

    template <class T>
    void range(std::string_view key, T value, T lo, T hi) const {
        if (value < lo || value > hi) {
            fail(key, fmt::format("{} is out of range: must be from {} to {}", value, lo, hi));
        }
    }

    /// How another key got its value, for messages that involve two keys.
    std::string origin_note(std::string_view key) const {
        if (!origins_.was_set(key)) {
            return "default";
        }
        return fmt::format("set at {}", origins_.where(key));
    }

private:
    const Origins& origins_;
};

}  // namespace

LoadedConfig parse_config_text(std::string_view yaml, const std::string& name) {
    LoadedConfig out{DaemonConfig{}, Origins(name)};
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
        const std::string where =
            e.mark.line >= 0 ? fmt::format("{}:{}", name, e.mark.line + 1) : name;
        throw ConfigError(where, "(syntax)", e.msg);
    }
    if (root.IsNull()) {
        return out;  // empty file: every key keeps its default
    }
    Parser parser(name, out);
    if (!root.IsMap()) {
        parser.fail(root, "(top level)", "expected a mapping of sections (capture:, flow:, …)");
    }
    try {
        parser.walk(root, "");
    } catch (const YAML::Exception& e) {
        // yaml-cpp reports conversions it cannot do as exceptions; keep the file:line form.
        const std::string where =
            e.mark.line >= 0 ? fmt::format("{}:{}", name, e.mark.line + 1) : name;
        throw ConfigError(where, "(yaml)", e.msg);
    }
    return out;
}

std::string read_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const std::error_code ec(errno, std::generic_category());
        throw ConfigError(path, "(file)", fmt::format("cannot read: {}", ec.message()));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) {
        throw ConfigError(path, "(file)", "read error");
    }
    return ss.str();
}

LoadedConfig parse_config_file(const std::string& path) {
    return parse_config_text(read_config_file(path), path);
}

void validate(const DaemonConfig& c, const Origins& origins, const BuildFeatures& build) {
    const Checker ck(origins);

    // capture
    ck.range("capture.snaplen", c.capture.snaplen, kMinSnaplen, kMaxSnaplen);
    ck.range("capture.buffer_mb", c.capture.buffer_mb, 1u, kMaxBufferMb);
    ck.range("capture.threads", c.capture.threads, 1u, kMaxCaptureThreads);
    ck.range<std::uint16_t>("capture.dpdk.rx_queues", c.capture.dpdk.rx_queues, 1, kMaxRxQueues);
    ck.range<std::uint16_t>("capture.dpdk.burst_size", c.capture.dpdk.burst_size, 1, kMaxBurst);
    switch (c.capture.source) {
        case CaptureSource::PcapFile:
            if (c.capture.files.empty()) {
                // Also what the shipped template (config/flowmeter.yaml) says as it is: name
                // both ways to give it an input.
                ck.fail("capture.files",
                        "no input file: capture.source is pcap_file and no file is listed: list "
                        "capture files here (or give -f FILE), or capture live with "
                        "capture.source: pcap_live and capture.interface (or -i NAME)");
            }
            for (const std::string& f : c.capture.files) {
                if (f.empty()) {
                    ck.fail("capture.files", "an empty file name");
                }
            }
            if (c.capture.threads != 1) {
                ck.fail("capture.threads",
                        fmt::format("{} capture threads with capture.source pcap_file: files are "
                                    "read in order as one stream, by one thread (use 1)",
                                    c.capture.threads));
            }
            break;
        case CaptureSource::PcapLive:
            if (c.capture.interface.empty()) {
                ck.fail("capture.interface",
                        "no interface: capture.source is pcap_live (give -i NAME; -l lists them)");
            }
            break;
        case CaptureSource::Dpdk:
            if (!build.dpdk) {
                ck.fail(
                    "capture.source",
                    "dpdk: this flowmeterd was built without DPDK (rebuild with -Ddpdk=enabled)");
            }
            if (c.capture.dpdk.ports.empty()) {
                ck.fail("capture.dpdk.ports", "no port: capture.source dpdk needs at least one");
            }
            for (std::size_t i = 0; i < c.capture.dpdk.ports.size(); ++i) {
                for (std::size_t j = 0; j < i; ++j) {
                    if (c.capture.dpdk.ports[i] == c.capture.dpdk.ports[j]) {
                        ck.fail("capture.dpdk.ports",
                                fmt::format("port {} is listed twice", c.capture.dpdk.ports[i]));
                    }
                }
            }
            break;
    }

    // pipeline
    if (c.pipeline.workers != kAutoWorkers) {
        ck.range("pipeline.workers", c.pipeline.workers, 1u, kMaxWorkers);
    }
    ck.range("pipeline.queue_capacity", c.pipeline.queue_capacity, kMinQueueCapacity,
             kMaxQueueCapacity);
    if (!c.pipeline.cpu_affinity.empty()) {
        if (c.pipeline.workers != kAutoWorkers &&
            c.pipeline.cpu_affinity.size() != c.pipeline.workers) {
            ck.fail("pipeline.cpu_affinity",
                    fmt::format("{} CPUs listed but pipeline.workers is {} ({}): give one CPU "
                                "per worker, or none",
                                c.pipeline.cpu_affinity.size(), c.pipeline.workers,
                                ck.origin_note("pipeline.workers")));
        }
        for (int cpu : c.pipeline.cpu_affinity) {
            ck.range("pipeline.cpu_affinity", cpu, 0, kMaxCpu);
        }
    }

    // flow
    if (c.flow.flow_timeout_us <= 0) {
        ck.fail("flow.flow_timeout_s", "must be greater than 0");
    }
    if (c.flow.activity_timeout_us <= 0) {
        ck.fail("flow.activity_timeout_s", "must be greater than 0");
    }
    if (c.flow.idle_timeout_us < 0) {
        ck.fail("flow.idle_timeout_s", "must be 0 (off) or greater");
    }
    if (c.flow.max_flows < 1) {
        ck.fail("flow.max_flows", "must be at least 1");
    }
    if (c.flow.max_flows < resolved_workers(c.pipeline)) {
        ck.fail("flow.max_flows",
                fmt::format("{} is less than pipeline.workers {} ({}): every worker needs room "
                            "for at least one flow",
                            c.flow.max_flows, resolved_workers(c.pipeline),
                            ck.origin_note("pipeline.workers")));
    }

    // output
    if (c.output.file.empty()) {
        if (c.output.directory.empty()) {
            ck.fail("output.directory", "must not be empty");
        }
        if (c.output.file_prefix.empty()) {
            ck.fail("output.file_prefix", "must not be empty");
        }
        if (c.output.file_prefix.find('/') != std::string::npos) {
            ck.fail("output.file_prefix",
                    fmt::format("\"{}\" contains '/': it is a file name prefix, not a path",
                                c.output.file_prefix));
        }
        if (c.output.file_prefix == "." || c.output.file_prefix == "..") {
            ck.fail("output.file_prefix",
                    fmt::format("\"{}\" names a directory: it is a file name prefix",
                                c.output.file_prefix));
        }
        for (const char ch : c.output.file_prefix) {
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
                ck.fail("output.file_prefix",
                        "contains a control character (a line break, a tab, …): file names "
                        "must be printable");
            }
        }
    }
    if ((c.output.file_mode & 0600) != 0600) {
        ck.fail("output.file_mode",
                fmt::format("{:04o} does not let the owner read and write the file: crash "
                            "recovery at the next start opens it to cut a partial row (use at "
                            "least 0600)",
                            c.output.file_mode));
    }
    if (c.output.rotate_max_bytes != 0 && c.output.rotate_max_bytes < kMinRotateBytes) {
        ck.fail("output.rotate.max_bytes",
                fmt::format("{} is too small: must be 0 (off) or at least {}",
                            c.output.rotate_max_bytes, kMinRotateBytes));
    }
    if (c.output.hold_max_bytes < kMinHoldBytes) {
        ck.fail("output.hold_max_bytes", fmt::format("{} is too small: must be at least {}",
                                                     c.output.hold_max_bytes, kMinHoldBytes));
    }
    if (!known_timezone(c.output.timezone)) {
        ck.fail("output.timezone",
                fmt::format("unknown time zone \"{}\": expected UTC or an IANA name such as "
                            "Europe/Berlin",
                            c.output.timezone));
    }
    if (c.output.label.find_first_of(",\n\r\"") != std::string::npos) {
        ck.fail("output.label", "must not contain a comma, a quote or a line break (CSV field)");
    }
    if (!valid_utf8(c.output.label)) {
        // --label comes from the command line as bytes; the file's value is checked when read.
        ck.fail("output.label", "not valid UTF-8 text");
    }

    check_sinks(c, origins, build.kafka);

    // logging
    if (!valid_log_level(c.logging.level)) {
        ck.fail("logging.level", fmt::format("unknown level \"{}\": expected one of {}",
                                             c.logging.level, fmt::join(kLogLevels, ", ")));
    }
    if (c.logging.target == LogTarget::Journald && !build.systemd) {
        ck.fail("logging.target",
                "journald: this flowmeterd was built without libsystemd (use stderr)");
    }
    ck.range("logging.stats_interval_s", c.logging.stats_interval_s, 0u, kMaxStatsInterval);

    // metrics
    if (!c.metrics.listen.empty()) {
        ListenAddress address;
        std::string error;
        if (!parse_listen_address(c.metrics.listen, address, error)) {
            ck.fail("metrics.listen", error);
        }
        if (!build.metrics) {
            ck.fail("metrics.listen",
                    "this flowmeterd was built without the metrics endpoint (rebuild with "
                    "libmicrohttpd-dev installed, -Dmetrics=enabled)");
        }
    }

    // security
    if (!c.security.group.empty() && c.security.user.empty()) {
        ck.fail("security.group",
                "needs security.user: flowmeterd switches user and group "
                "together");
    }
    if (!c.security.user.empty() && !lookup_user(c.security.user)) {
        ck.fail("security.user",
                fmt::format("no user \"{}\" on this system (a name or a number)", c.security.user));
    }
    if (!c.security.group.empty() && !lookup_group(c.security.group)) {
        ck.fail("security.group", fmt::format("no group \"{}\" on this system (a name or a number)",
                                              c.security.group));
    }
}

std::string to_yaml(const DaemonConfig& c) {
    YAML::Emitter e;
    auto str_list = [&e](const std::vector<std::string>& v) {
        e << YAML::Flow << YAML::BeginSeq;
        for (const std::string& s : v) {
            e << YAML::DoubleQuoted << s;
        }
        e << YAML::EndSeq;
    };
    auto int_list = [&e](const auto& v) {
        e << YAML::Flow << YAML::BeginSeq;
        for (auto x : v) {
            e << fmt::format("{}", x);
        }
        e << YAML::EndSeq;
    };
    auto str = [&e](std::string_view key, const std::string& v) {
        e << YAML::Key << std::string(key) << YAML::Value << YAML::DoubleQuoted << v;
    };
    auto plain = [&e](std::string_view key, const std::string& v) {
        e << YAML::Key << std::string(key) << YAML::Value << v;
    };
    auto num = [&plain](std::string_view key, auto v) {
        plain(key, fmt::format("{}", v));
    };
    auto flag = [&plain](std::string_view key, bool v) {
        plain(key, v ? "true" : "false");
    };

    e << YAML::BeginMap;
    e << YAML::Key << "capture" << YAML::Value << YAML::BeginMap;
    plain("source", std::string(to_string(c.capture.source)));
    e << YAML::Key << "files" << YAML::Value;
    str_list(c.capture.files);
    str("interface", c.capture.interface);
    str("bpf_filter", c.capture.bpf_filter);
    num("snaplen", c.capture.snaplen);
    flag("promiscuous", c.capture.promiscuous);
    num("buffer_mb", c.capture.buffer_mb);
    num("threads", c.capture.threads);
    num("max_packets", c.capture.max_packets);
    e << YAML::Key << "dpdk" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "eal_args" << YAML::Value;
    str_list(c.capture.dpdk.eal_args);
    e << YAML::Key << "ports" << YAML::Value;
    int_list(c.capture.dpdk.ports);
    num("rx_queues", c.capture.dpdk.rx_queues);
    num("burst_size", c.capture.dpdk.burst_size);
    e << YAML::EndMap << YAML::EndMap;

    e << YAML::Key << "decode" << YAML::Value << YAML::BeginMap;
    flag("ipv6", c.decode.ipv6);
    flag("tunnels", c.decode.tunnels);
    e << YAML::EndMap;

    e << YAML::Key << "pipeline" << YAML::Value << YAML::BeginMap;
    if (c.pipeline.workers == kAutoWorkers) {
        e << YAML::Key << "workers" << YAML::Value << "auto"
          << YAML::Comment(fmt::format("{} on this machine", resolved_workers(c.pipeline)));
    } else {
        num("workers", c.pipeline.workers);
    }
    num("queue_capacity", c.pipeline.queue_capacity);
    e << YAML::Key << "cpu_affinity" << YAML::Value;
    int_list(c.pipeline.cpu_affinity);
    e << YAML::EndMap;

    e << YAML::Key << "flow" << YAML::Value << YAML::BeginMap;
    plain("profile", std::string(to_string(c.flow.profile)));
    plain("flow_timeout_s", format_seconds(c.flow.flow_timeout_us));
    plain("activity_timeout_s", format_seconds(c.flow.activity_timeout_us));
    plain("idle_timeout_s", format_seconds(c.flow.idle_timeout_us));
    num("max_flows", c.flow.max_flows);
    e << YAML::EndMap;

    e << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
    str("file", c.output.file);
    str("directory", c.output.directory);
    str("file_prefix", c.output.file_prefix);
    e << YAML::Key << "rotate" << YAML::Value << YAML::BeginMap;
    num("max_bytes", c.output.rotate_max_bytes);
    num("interval_s", c.output.rotate_interval_s);
    num("max_rows", c.output.rotate_max_rows);
    e << YAML::EndMap;
    num("keep_files", c.output.keep_files);
    str("timezone", c.output.timezone);
    str("label", c.output.label);
    num("hold_max_bytes", c.output.hold_max_bytes);
    flag("fsync", c.output.fsync);
    str("file_mode", fmt::format("{:04o}", c.output.file_mode));
    e << YAML::Key << "sinks" << YAML::Value;
    str_list(c.output.sinks);
    e << YAML::Key << "kafka" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "brokers" << YAML::Value;
    str_list(c.output.kafka.brokers);
    str("topic", c.output.kafka.topic);
    str("client_id", c.output.kafka.client_id);
    str("sensor_id", c.output.kafka.sensor_id);
    plain("format", c.output.kafka.format);
    plain("key", c.output.kafka.key);
    plain("compression", c.output.kafka.compression);
    num("batch_bytes", c.output.kafka.batch_bytes);
    num("linger_ms", c.output.kafka.linger_ms);
    num("queue_max_bytes", c.output.kafka.queue_max_bytes);
    num("spool_max_bytes", c.output.kafka.spool_max_bytes);
    num("flush_timeout_s", c.output.kafka.flush_timeout_s);
    e << YAML::Key << "properties" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : c.output.kafka.properties) {
        str(k, v);
    }
    e << YAML::EndMap << YAML::EndMap;
    e << YAML::EndMap;

    e << YAML::Key << "logging" << YAML::Value << YAML::BeginMap;
    str("level", c.logging.level);
    plain("target", std::string(to_string(c.logging.target)));
    num("stats_interval_s", c.logging.stats_interval_s);
    e << YAML::EndMap;

    e << YAML::Key << "metrics" << YAML::Value << YAML::BeginMap;
    str("listen", c.metrics.listen);
    e << YAML::EndMap;
    e << YAML::Key << "labels" << YAML::Value;
    emit_label_rules(e, c.labels);
    e << YAML::Key << "security" << YAML::Value << YAML::BeginMap;
    str("user", c.security.user);
    str("group", c.security.group);
    e << YAML::EndMap;
    e << YAML::EndMap;
    return std::string(e.c_str()) + "\n";
}

std::span<const std::string_view> known_keys() {
    return kKeyNames;
}

std::span<const std::string_view> log_level_names() {
    return kLogLevels;
}

}  // namespace fm::config
