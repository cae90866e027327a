// SPDX-License-Identifier: BSD-3-Clause
// The daemon face end to end: `flowmeterd --config FILE` on a flowgen capture, writing rotating
// files. A run to the end must write exactly the rows of the offline `-o` run, split over
// complete files (each with the header, none left .partial). SIGTERM in the middle must still
// leave only complete files, every flow at most once, each row either the offline row or the
// same flow cut short by the stop. SIGHUP must start a new file; keep_files must delete the
// oldest files of the prefix and nothing else.
//
// The signal tests need the daemon to be busy when the signal arrives. The capture is made big
// enough for that, and made bigger and the run repeated when a machine was too fast for it
// (the outcome is then still checked in full; only the timing is retried).
// Usage: daemon_rotation PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "daemon_support.hpp"

namespace fm::daemon_test {
namespace {

/// The v4 profile ends a TCP flow at its FIN (the `fixed` one keeps flowgen's flows open to the
/// end of a capture file), so rows reach the files while the capture is still being read.
constexpr const char* kProfile = "v4";

/// A flowgen capture and the offline output for it (`flowmeterd -f IN -o OUT --profile v4`).
struct Input {
    std::string pcap;
    std::string offline_csv;
    std::uint64_t packets = 0;  ///< frames in the capture (flowgen --stats)
    Csv offline;
};

/// Makes a capture of `flows` flows (about 30 packets each) and its offline output.
Input make_input(const TempDir& dir, int flows, const std::string& tag) {
    Input in;
    in.pcap = dir.file("in-" + tag + ".pcap");
    in.offline_csv = dir.file("offline-" + tag + ".csv");
    const std::string stats = dir.file("flowgen-" + tag + ".txt");
    const int rc = run_program(
        {programs().flowgen, "--flows", std::to_string(flows), "--concurrency", "200", "--duration",
         "60", "--seed", "7", "--size-mix", "64", "--stats", "--quiet", "-o", in.pcap},
        stats);
    EXPECT_EQ(rc, 0) << slurp(stats);
    for (const std::string& line : split_lines(slurp(stats))) {
        if (line.rfind("packets=", 0) == 0) {
            in.packets = std::stoull(line.substr(8));
        }
    }
    EXPECT_GT(in.packets, 0U) << "flowgen --stats printed no packets=: " << slurp(stats);
    EXPECT_TRUE(run_offline(in.pcap, in.offline_csv, dir.file("offline-" + tag + ".log"),
                            in.offline, {"--profile", kProfile}));
    EXPECT_FALSE(in.offline.rows.empty()) << "offline run wrote no rows";
    return in;
}

struct ConfigOptions {
    std::uint64_t max_rows = 0;
    std::uint32_t keep_files = 0;
    std::uint32_t workers = 2;
};

/// Writes a daemon configuration reading `pcap` and writing rotating files to `out_dir`.
std::string write_config(const TempDir& dir, const std::string& pcap, const std::string& out_dir,
                         const ConfigOptions& o) {
    const std::string path = dir.file("flowmeter.yaml");
    write_file(path,
               "capture:\n"
               "  source: pcap_file\n"
               "  files: [\"" +
                   pcap +
                   "\"]\n"
                   "pipeline:\n"
                   "  workers: " +
                   std::to_string(o.workers) +
                   "\n"
                   "flow:\n"
                   "  profile: " +
                   kProfile +
                   "\n"
                   "output:\n"
                   "  directory: \"" +
                   out_dir +
                   "\"\n"
                   "  file_prefix: flows\n"
                   "  rotate:\n"
                   "    max_bytes: 0\n"
                   "    interval_s: 0\n"
                   "    max_rows: " +
                   std::to_string(o.max_rows) +
                   "\n"
                   "  keep_files: " +
                   std::to_string(o.keep_files) +
                   "\n"
                   "  fsync: false\n"
                   "logging:\n"
                   "  target: stderr\n"
                   "  stats_interval_s: 1\n");
    return path;
}

/// What a daemon left in its output directory.
struct OutputDir {
    std::vector<std::string> complete;  ///< *.csv names, sorted
    std::vector<std::string> partial;   ///< *.partial names
    std::vector<std::string> other;
    std::vector<std::vector<std::string>> rows_per_file;  ///< rows of complete[i]
    std::vector<std::string> all_rows;
};

/// Reads every file of `dir`; checks that each complete file starts with `header` and is named
/// PREFIX-YYYYmmddTHHMMSSZ-N.csv.
OutputDir read_output(const std::string& dir, const std::string& header) {
    static const std::regex kName(R"(flows-\d{8}T\d{6}Z-\d+\.csv)");
    OutputDir out;
    for (const std::string& name : list_dir(dir)) {
        if (ends_with(name, ".partial")) {
            out.partial.push_back(name);
        } else if (ends_with(name, ".csv")) {
            out.complete.push_back(name);
            EXPECT_TRUE(std::regex_match(name, kName)) << "unexpected file name " << name;
            const Csv c = read_csv(dir + "/" + name);
            EXPECT_EQ(c.header, header) << name << " does not start with the header";
            EXPECT_FALSE(c.rows.empty()) << name << " has no rows";
            const std::string text = slurp(dir + "/" + name);
            EXPECT_TRUE(!text.empty() && text.back() == '\n') << name << " ends in a cut row";
            out.rows_per_file.push_back(c.rows);
            out.all_rows.insert(out.all_rows.end(), c.rows.begin(), c.rows.end());
        } else {
            out.other.push_back(name);
        }
    }
    return out;
}

std::size_t column(const std::string& header, const std::string& name) {
    const std::vector<std::string> h = split_fields(header);
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (h[i] == name) {
            return i;
        }
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
}

/// The number of a final statistics line "NAME: N" in a daemon log's text.
std::optional<std::uint64_t> log_number(const std::string& text, const std::string& name) {
    const std::regex line(name + R"(: (\d+))");
    std::smatch m;
    if (std::regex_search(text, m, line)) {
        return std::stoull(m[1].str());
    }
    return std::nullopt;
}

std::optional<std::uint64_t> packets_processed(const std::string& log) {
    return log_number(slurp(log), "total packets processed");
}

TEST(DaemonRotation, RunToTheEndWritesExactlyTheOfflineRows) {
    TempDir dir;
    const Input in = make_input(dir, 3000, "a");
    ASSERT_FALSE(HasFailure());
    constexpr std::uint64_t kMaxRows = 250;
    const std::string out_dir = dir.file("out");
    const std::string cfg = write_config(dir, in.pcap, out_dir, {.max_rows = kMaxRows});
    const std::string log = dir.file("daemon.log");
    ASSERT_EQ(run_program({programs().flowmeterd, "--config", cfg}, log), 0) << slurp(log);

    const OutputDir out = read_output(out_dir, in.offline.header);
    EXPECT_TRUE(out.partial.empty()) << out.partial.front() << " left behind";
    EXPECT_TRUE(out.other.empty()) << "unexpected file " << out.other.front();
    const std::size_t want_files = (in.offline.rows.size() + kMaxRows - 1) / kMaxRows;
    EXPECT_EQ(out.complete.size(), want_files);
    std::size_t short_files = 0;
    for (std::size_t i = 0; i < out.rows_per_file.size(); ++i) {
        EXPECT_LE(out.rows_per_file[i].size(), kMaxRows) << out.complete[i];
        short_files += out.rows_per_file[i].size() < kMaxRows ? 1 : 0;
    }
    EXPECT_LE(short_files, 1U) << "only the last file may hold fewer than max_rows rows";
    const std::string diff = diff_rows(count_rows(in.offline.rows), count_rows(out.all_rows));
    EXPECT_TRUE(diff.empty()) << "rotating files vs offline -o output: " << diff;

    // Final statistics on stderr.
    const std::string text = slurp(log);
    EXPECT_EQ(packets_processed(log), std::optional<std::uint64_t>(in.packets)) << text;
    EXPECT_NE(text.find("completed flows written: " + std::to_string(in.offline.rows.size())),
              std::string::npos)
        << text;
}

/// Starts the daemon on a capture, sends `stop_signals` SIGTERMs once rows are flowing, and
/// checks what it left: exit 0, complete files only, and every row either an offline row (its
/// flow had ended before the stop) or a flow ended early by the stop's drain: then the offline
/// output has a row with the same Flow ID and Timestamp (the flow's start) and at least as
/// many packets each way. Each offline row appears at most as often as offline, and the stop
/// cuts at most one flow per Flow ID (flowgen gives every connection its own addresses and
/// ports). The capture grows until the signal arrives while packets are still being read.
void stop_midway_and_check(int stop_signals) {
    TempDir dir;
    const std::string out_dir = dir.file("out");
    bool midway = false;
    for (int attempt = 0, flows = 20000; attempt < 4 && !midway; ++attempt, flows *= 2) {
        std::error_code ec;
        fs::remove_all(out_dir, ec);
        const Input in = make_input(dir, flows, std::to_string(attempt));
        ASSERT_FALSE(::testing::Test::HasFailure());
        const std::string cfg = write_config(dir, in.pcap, out_dir, {.max_rows = 200});
        const std::string log = dir.file("daemon.log");
        const Child d = spawn({programs().flowmeterd, "--config", cfg}, log);
        // Rows are flowing once a first file was renamed to .csv.
        int status = 0;
        const bool exited = exited_before_file(d.pid, out_dir, ".csv", status);
        if (!exited) {
            // 1 ms apart: far enough for two deliveries (pending signals of one kind merge),
            // close enough that the graceful drain started by the first is still running.
            for (int i = 0; i < stop_signals; ++i) {
                ASSERT_EQ(kill(d.pid, SIGTERM), 0);
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
            status = wait_exit(d.pid, std::chrono::seconds(60));
        }
        ASSERT_EQ(status, 0) << slurp(log);
        const std::string text = slurp(log);
        const std::optional<std::uint64_t> seen = log_number(text, "total packets processed");
        ASSERT_TRUE(seen.has_value()) << text;
        if (exited || *seen >= in.packets) {
            continue;  // the run ended before the signal: try a longer one
        }
        if (stop_signals > 1 && text.find("second stop signal") == std::string::npos) {
            continue;  // the drain ended before the second signal: try a longer run
        }
        midway = true;
        EXPECT_NE(text.find("stop requested"), std::string::npos) << text;
        if (stop_signals > 1) {
            EXPECT_NE(text.find("second stop signal"), std::string::npos) << text;
        }

        const OutputDir out = read_output(out_dir, in.offline.header);
        EXPECT_TRUE(out.partial.empty()) << out.partial.front() << " left behind";
        EXPECT_LT(out.all_rows.size(), in.offline.rows.size()) << "the stop came after the end";
        EXPECT_EQ(log_number(text, "completed flows written"),
                  std::optional<std::uint64_t>(out.all_rows.size()))
            << "rows the writer counted vs rows in the files";

        const std::string& h = in.offline.header;
        const std::size_t id = column(h, "Flow ID");
        const std::size_t ts = column(h, "Timestamp");
        const std::size_t fwd = column(h, "Total Fwd Packet");
        const std::size_t bwd = column(h, "Total Bwd packets");
        RowCounts unused = count_rows(in.offline.rows);
        std::map<std::string, std::vector<std::vector<std::string>>> offline_by_start;
        for (const std::string& r : in.offline.rows) {
            const auto f = split_fields(r);
            offline_by_start[f[id] + "|" + f[ts]].push_back(f);
        }
        std::vector<std::vector<std::string>> cut_rows;
        std::size_t exact = 0;
        for (const std::string& r : out.all_rows) {
            const auto it = unused.find(r);
            if (it != unused.end() && it->second > 0) {
                --it->second;
                ++exact;
                continue;
            }
            EXPECT_EQ(it, unused.end()) << "row written more often than offline: " << r;
            cut_rows.push_back(split_fields(r));
        }
        std::set<std::string> cut_flows;
        for (const auto& f : cut_rows) {
            ASSERT_GT(f.size(), std::max({id, ts, fwd, bwd}));
            EXPECT_TRUE(cut_flows.insert(f[id]).second) << "flow cut twice: " << f[id];
            bool dominated = false;
            for (const auto& o : offline_by_start[f[id] + "|" + f[ts]]) {
                dominated = dominated || (std::stod(f[fwd]) <= std::stod(o[fwd]) &&
                                          std::stod(f[bwd]) <= std::stod(o[bwd]));
            }
            EXPECT_TRUE(dominated) << "row of no offline flow (Flow ID " << f[id] << ", start "
                                   << f[ts] << ", packets " << f[fwd] << "/" << f[bwd] << ")";
        }
        const std::size_t cut = cut_rows.size();
        if (stop_signals == 1) {
            // A graceful stop writes every flow open at the stop (flowgen keeps 200 open).
            ASSERT_FALSE(out.all_rows.empty()) << "nothing written";
            EXPECT_GT(exact, 0U);
            EXPECT_GT(cut, 0U) << "no flow was ended by the stop: open flows were not drained";
            const std::optional<std::uint64_t> open_at_stop =
                log_number(text, "active flows at end of input");
            ASSERT_TRUE(open_at_stop.has_value()) << text;
            EXPECT_LE(cut, *open_at_stop);
        }
        std::printf(
            "%d SIGTERM: stopped after %llu of %llu packets: %zu rows as offline, %zu "
            "flows cut by the stop, %zu files\n",
            stop_signals, static_cast<unsigned long long>(*seen),
            static_cast<unsigned long long>(in.packets), exact, cut, out.complete.size());
    }
    EXPECT_TRUE(midway) << "every run ended before SIGTERM arrived; the daemon is faster than "
                           "the largest capture tried";
}

TEST(DaemonRotation, SigtermMidwayLeavesCompleteFilesAndNoDuplicate) {
    stop_midway_and_check(1);
}

TEST(DaemonRotation, SecondSigtermStopsFastWithCompleteFilesOnly) {
    stop_midway_and_check(2);
}

TEST(DaemonRotation, SighupStartsANewFile) {
    TempDir dir;
    const std::string out_dir = dir.file("out");
    bool rotated = false;
    for (int attempt = 0, flows = 20000; attempt < 4 && !rotated; ++attempt, flows *= 2) {
        std::error_code ec;
        fs::remove_all(out_dir, ec);
        const Input in = make_input(dir, flows, std::to_string(attempt));
        ASSERT_FALSE(HasFailure());
        // No limits: without SIGHUP the whole run is one file.
        const std::string cfg = write_config(dir, in.pcap, out_dir, {});
        const std::string log = dir.file("daemon.log");
        const Child d = spawn({programs().flowmeterd, "--config", cfg}, log);
        int status = 0;
        const bool exited = exited_before_file(d.pid, out_dir, ".partial", status);
        if (!exited) {
            ASSERT_EQ(kill(d.pid, SIGHUP), 0);
            status = wait_exit(d.pid, std::chrono::seconds(120));
        }
        ASSERT_EQ(status, 0) << slurp(log);
        const OutputDir out = read_output(out_dir, in.offline.header);
        EXPECT_TRUE(out.partial.empty());
        const std::string diff = diff_rows(count_rows(in.offline.rows), count_rows(out.all_rows));
        EXPECT_TRUE(diff.empty()) << "files after SIGHUP vs offline output: " << diff;
        if (exited || out.complete.size() < 2) {
            continue;  // the signal came after the last row: try a longer run
        }
        rotated = true;
        EXPECT_EQ(out.complete.size(), 2U) << "one SIGHUP, two files";
        EXPECT_NE(slurp(log).find("SIGHUP"), std::string::npos) << slurp(log);
    }
    EXPECT_TRUE(rotated) << "SIGHUP never arrived while rows were written";
}

TEST(DaemonRotation, KeepFilesDeletesOnlyTheOldestFilesOfThePrefix) {
    TempDir dir;
    const Input in = make_input(dir, 3000, "k");
    ASSERT_FALSE(HasFailure());
    constexpr std::uint64_t kMaxRows = 200;
    constexpr std::uint32_t kKeep = 3;
    ASSERT_GT(in.offline.rows.size(), (kKeep + 1) * kMaxRows) << "too few rows for the test";
    const std::string out_dir = dir.file("out");
    fs::create_directories(out_dir);
    // Files that are not this prefix's complete files stay; an old complete file goes.
    const std::string header = in.offline.header + "\n";
    write_file(out_dir + "/flows-20000101T000000Z-0.csv", header + "old,row\n");
    // Left by a crash with the header only: crash recovery removes it (it holds no row).
    write_file(out_dir + "/flows-20000101T000000Z-1.csv.partial", header);
    write_file(out_dir + "/other-20000101T000000Z-0.csv", header);
    write_file(out_dir + "/notes.txt", "keep me\n");
    const std::string cfg =
        write_config(dir, in.pcap, out_dir, {.max_rows = kMaxRows, .keep_files = kKeep});
    const std::string log = dir.file("daemon.log");
    ASSERT_EQ(run_program({programs().flowmeterd, "--config", cfg}, log), 0) << slurp(log);

    const std::vector<std::string> names = list_dir(out_dir);
    std::vector<std::string> ours;
    for (const std::string& n : names) {
        if (n.rfind("flows-", 0) == 0 && ends_with(n, ".csv")) {
            ours.push_back(n);
        }
    }
    EXPECT_EQ(ours.size(), kKeep) << "complete files of the prefix after the run";
    for (const std::string& n : ours) {
        EXPECT_NE(n, "flows-20000101T000000Z-0.csv") << "the oldest file was kept";
    }
    EXPECT_EQ(std::find(names.begin(), names.end(), "flows-20000101T000000Z-1.csv.partial"),
              names.end())
        << "a partial file without rows was not removed";
    for (const char* keep : {"other-20000101T000000Z-0.csv", "notes.txt"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), keep), names.end())
            << keep << " was deleted";
    }
    // The kept files are the newest: together they end with the last rows the writer wrote,
    // so the rows they hold are a subset of the offline rows and at most keep * max_rows.
    std::vector<std::string> kept_rows;
    for (const std::string& n : ours) {
        const Csv c = read_csv(out_dir + "/" + n);
        EXPECT_EQ(c.header, in.offline.header);
        kept_rows.insert(kept_rows.end(), c.rows.begin(), c.rows.end());
    }
    EXPECT_LE(kept_rows.size(), kKeep * kMaxRows);
    const RowCounts all = count_rows(in.offline.rows);
    for (const auto& [row, n] : count_rows(kept_rows)) {
        const auto it = all.find(row);
        EXPECT_TRUE(it != all.end() && it->second >= n) << "row not in the offline output: " << row;
    }
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
