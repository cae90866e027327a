// SPDX-License-Identifier: BSD-3-Clause
// A crash loses no completed row: flowmeterd (the real binary) writes rotating files from a
// flowgen capture cut into four parts, and is killed with SIGKILL in three of its runs — once
// in the middle of a rotation (after the fsync, before the rename: strace kills it as its
// writer thread enters the rename of its third file, so the binary needs no test code for
// it), twice from outside while rows are flowing. Each run reads the
// next part of the input, as a restarted service would. Right after each kill the test reads
// what the dead process left on disk: every whole row in its .csv and .partial files. At the
// end every file must be a complete CSV file (the header, whole rows, the right number of
// fields), nothing may be left .partial, every row seen after a kill must be in the files, and
// every row must be a row of the offline output of its part (nothing invented or doubled).
// Usage: daemon_crash PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

#include "daemon_support.hpp"

namespace fm::daemon_test {
namespace {

constexpr const char* kProfile = "v4";
constexpr int kParts = 4;
constexpr std::uint64_t kMaxRows = 40;

/// Cuts a classic pcap file into `n` files of about equal packet counts.
std::vector<std::string> split_pcap(const std::string& path, int n, const TempDir& dir) {
    const std::string data = slurp(path);
    constexpr std::size_t kGlobal = 24;
    constexpr std::size_t kRecord = 16;
    std::uint32_t magic = 0;
    std::memcpy(&magic, data.data(), 4);
    EXPECT_TRUE(magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) << "not a little-endian pcap";
    std::vector<std::size_t> starts;
    for (std::size_t off = kGlobal; off + kRecord <= data.size();) {
        starts.push_back(off);
        std::uint32_t incl = 0;
        std::memcpy(&incl, data.data() + off + 8, 4);
        off += kRecord + incl;
    }
    std::vector<std::string> parts;
    const std::size_t per = starts.size() / static_cast<std::size_t>(n);
    for (int i = 0; i < n; ++i) {
        const std::size_t from = starts[static_cast<std::size_t>(i) * per];
        const std::size_t to =
            i + 1 == n ? data.size() : starts[static_cast<std::size_t>(i + 1) * per];
        parts.push_back(dir.file("part-" + std::to_string(i) + ".pcap"));
        write_file(parts.back(), data.substr(0, kGlobal) + data.substr(from, to - from));
    }
    return parts;
}

std::string write_config(const TempDir& dir, const std::string& pcap, const std::string& out) {
    const std::string path = dir.file("crash.yaml");
    write_file(path, "capture:\n  source: pcap_file\n  files: [\"" + pcap +
                         "\"]\npipeline:\n  workers: 2\nflow:\n  profile: " + kProfile +
                         "\noutput:\n  directory: \"" + out +
                         "\"\n  file_prefix: flows\n  rotate:\n    max_bytes: 0\n"
                         "    interval_s: 0\n    max_rows: " +
                         std::to_string(kMaxRows) +
                         "\n  fsync: true\nlogging:\n  target: stderr\n  stats_interval_s: 0\n");
    return path;
}

/// strace, which kills flowmeterd in the middle of a rotation (scripts/install-deps.sh installs
/// it; a missing one fails the test, it is not skipped).
constexpr const char* kStrace = "/usr/bin/strace";

/// `flowmeterd --config CFG` run under strace so that its writer thread gets SIGKILL when it
/// enters the rename of its `nth` finished file: after that file's fsync, before its rename,
/// the moment a crash during rotation is hardest on the output. strace counts the calls per
/// thread, and the writer thread alone renames the output files.
std::vector<std::string> killed_in_rotation(const std::string& cfg, int nth) {
    return {kStrace,
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            "-e",
            "trace=renameat2",
            "-e",
            "inject=renameat2:signal=KILL:when=" + std::to_string(nth),
            programs().flowmeterd,
            "--config",
            cfg};
}

/// Whole rows (header left out) of every .csv and .partial file in `dir`, as the dead process
/// left them; counts the files that ended in a cut row.
std::vector<std::string> rows_on_disk(const std::string& dir, int& cut_files) {
    std::vector<std::string> rows;
    for (const std::string& name : list_dir(dir)) {
        std::string text = slurp(dir + "/" + name);
        const std::size_t last = text.rfind('\n');
        if (last + 1 != text.size()) {
            ++cut_files;
        }
        text.resize(last == std::string::npos ? 0 : last + 1);
        std::vector<std::string> lines = split_lines(text);
        if (!lines.empty()) {
            rows.insert(rows.end(), lines.begin() + 1, lines.end());
        }
    }
    return rows;
}

bool has_partial(const std::string& dir) {
    for (const std::string& name : list_dir(dir)) {
        if (ends_with(name, ".partial")) {
            return true;
        }
    }
    return false;
}

std::size_t count_complete(const std::string& dir) {
    std::size_t n = 0;
    for (const std::string& name : list_dir(dir)) {
        n += ends_with(name, ".csv") ? 1 : 0;
    }
    return n;
}

TEST(DaemonCrash, KillNineLosesNoCompletedRow) {
    ASSERT_EQ(access(kStrace, X_OK), 0)
        << kStrace << " is missing: the test kills flowmeterd in a rotation with it "
        << "(scripts/install-deps.sh installs it)";
    TempDir dir;
    const std::string pcap = dir.file("in.pcap");
    const std::string gen_log = dir.file("flowgen.log");
    ASSERT_TRUE(
        exits_zero({programs().flowgen, "--flows", "24000", "--concurrency", "200", "--duration",
                    "60", "--seed", "11", "--size-mix", "64", "--quiet", "-o", pcap},
                   gen_log));
    const std::vector<std::string> parts = split_pcap(pcap, kParts, dir);
    ASSERT_FALSE(HasFailure());

    // The rows each part gives on its own (a restarted daemon starts with no open flow).
    RowCounts allowed;
    std::string header;
    for (int i = 0; i < kParts; ++i) {
        const std::string csv = dir.file("offline-" + std::to_string(i) + ".csv");
        const std::string log = dir.file("offline-" + std::to_string(i) + ".log");
        ASSERT_EQ(run_program({programs().flowmeterd, "-f", parts[static_cast<std::size_t>(i)],
                               "-o", csv, "--profile", kProfile},
                              log),
                  0)
            << slurp(log);
        const Csv c = read_csv(csv);
        ASSERT_GT(c.rows.size(), 20 * kMaxRows) << "part " << i << " too small for the test";
        header = c.header;
        for (const std::string& r : c.rows) {
            ++allowed[r];
        }
    }
    const std::size_t fields = split_fields(header).size();

    const std::string out = dir.file("out");
    RowCounts seen_after_kills;
    std::vector<std::string> logs;
    bool partial_left = false;  // the last kill left a .partial file
    for (int i = 0; i < kParts; ++i) {
        const std::string cfg = write_config(dir, parts[static_cast<std::size_t>(i)], out);
        const std::string log = dir.file("run-" + std::to_string(i) + ".log");
        logs.push_back(log);
        const std::size_t before = count_complete(out);
        const Child d =
            spawn(i == 0 ? killed_in_rotation(cfg, 3)
                         : std::vector<std::string>{programs().flowmeterd, "--config", cfg},
                  log);
        int status = 0;
        if (i == 0) {
            status = wait_exit(d.pid, std::chrono::seconds(120));
            // strace ends itself with the signal that ended flowmeterd.
            ASSERT_EQ(status, -100 - SIGKILL) << "no kill in the rotation\n" << slurp(log);
        } else if (i < kParts - 1) {
            // Rows are flowing: kill after a few (run 1) or many (run 2) new files, while a file
            // is being written.
            const std::size_t wait_files = i == 1 ? 2 : 9;
            bool exited = false;
            wait_for(
                [&] {
                    exited = exited || has_exited(d.pid, status);
                    return exited ||
                           (count_complete(out) >= before + wait_files && has_partial(out));
                },
                std::chrono::seconds(120), std::chrono::milliseconds(1));
            ASSERT_FALSE(exited) << "run " << i << " ended before the kill\n" << slurp(log);
            ASSERT_EQ(kill(d.pid, SIGKILL), 0);
            status = wait_exit(d.pid, std::chrono::seconds(30));
            ASSERT_EQ(status, -100 - SIGKILL);
        } else {
            status = wait_exit(d.pid, std::chrono::seconds(300));
            ASSERT_EQ(status, 0) << slurp(log);
        }
        if (i < kParts - 1) {
            int cut_files = 0;
            const std::vector<std::string> rows = rows_on_disk(out, cut_files);
            for (const auto& [row, n] : count_rows(rows)) {
                seen_after_kills[row] = std::max(seen_after_kills[row], n);
            }
            std::printf("kill %d: %zu rows on disk, %zu files, %d ending in a cut row\n", i + 1,
                        rows.size(), list_dir(out).size(), cut_files);
        }
        if (i > 0) {
            const std::string text = slurp(log);
            EXPECT_EQ(text.find("crash recovery in") != std::string::npos, partial_left)
                << "run " << i << ": recovery reported or not as the files on disk say\n"
                << text;
        }
        partial_left = has_partial(out);
        if (i == 0) {
            // The kill comes after the fsync and before the rename: always a file to finish.
            EXPECT_TRUE(partial_left) << "kill 1 left no file being written";
        } else if (i < kParts - 1) {
            // A kill from outside may land between a rename and the next file's creation;
            // then nothing is left to finish, which the next run must also get right.
            std::printf("kill %d %s\n", i + 1,
                        partial_left ? "left a file being written" : "came between two files");
        }
    }
    // The first kill came after the fsync of the third file and before its rename: the next
    // run found it complete as .partial and renamed it.
    EXPECT_NE(slurp(logs[1]).find("0 byte(s) of a cut row removed"), std::string::npos)
        << slurp(logs[1]);

    std::vector<std::string> final_rows;
    for (const std::string& name : list_dir(out)) {
        EXPECT_TRUE(ends_with(name, ".csv")) << name << " left in the output directory";
        const std::string text = slurp(out + "/" + name);
        ASSERT_FALSE(text.empty()) << name;
        EXPECT_EQ(text.back(), '\n') << name << " ends in a cut row";
        const Csv c = read_csv(out + "/" + name);
        EXPECT_EQ(c.header, header) << name;
        EXPECT_FALSE(c.rows.empty()) << name;
        for (const std::string& r : c.rows) {
            EXPECT_EQ(split_fields(r).size(), fields) << name << ": " << r.substr(0, 120);
        }
        final_rows.insert(final_rows.end(), c.rows.begin(), c.rows.end());
    }
    const RowCounts final_counts = count_rows(final_rows);
    std::size_t lost = 0;
    for (const auto& [row, n] : seen_after_kills) {
        const auto it = final_counts.find(row);
        const int have = it == final_counts.end() ? 0 : it->second;
        if (have < n) {
            lost += static_cast<std::size_t>(n - have);
            ADD_FAILURE() << "row on disk after a kill but not in the files: "
                          << row.substr(0, 120);
            if (lost > 5) {
                break;
            }
        }
    }
    for (const auto& [row, n] : final_counts) {
        const auto it = allowed.find(row);
        EXPECT_TRUE(it != allowed.end() && it->second >= n)
            << "row of no offline output (or doubled): " << row.substr(0, 120);
    }
    std::size_t seen_total = 0;
    for (const auto& [row, n] : seen_after_kills) {
        seen_total += static_cast<std::size_t>(n);
    }
    EXPECT_GT(final_rows.size(), seen_total) << "the last run added no row";
    std::printf("%zu rows in %zu files at the end; %zu seen on disk after the last kill\n",
                final_rows.size(), list_dir(out).size(), seen_total);
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
