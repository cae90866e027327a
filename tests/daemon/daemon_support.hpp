// SPDX-License-Identifier: BSD-3-Clause
// Helpers for the daemon integration tests, which run the built flowmeterd (and flowgen) as
// real processes: scratch directories, starting a program with its output in a log file,
// waiting with a time limit, signals, reading CSV files and output directories (the generic
// ones come from tests/support). The programs'
// paths come from the command line (meson passes the built executables); shared captures from
// $FM_SHARED_DIR.
#pragma once

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "program_paths.hpp"
#include "shared_dir.hpp"
#include "start_program.hpp"
#include "temp_dir.hpp"
#include "test_main.hpp"
#include "text_files.hpp"

namespace fm::daemon_test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

/// Paths of the programs under test, set by test_main() from argv.
using test_support::programs;

/// $FM_SHARED_DIR, where the reference captures are. Fails the test loudly when unset.
inline std::string shared_dir() {
    return test_support::shared_dir().string();
}

using test_support::split_fields;
using test_support::split_lines;
using test_support::TempDir;
using test_support::write_file;

inline std::string slurp(const std::string& path) {
    return test_support::read_file(path);
}

/// A started program. Its standard output and error go to one log file.
struct Child {
    pid_t pid = -1;
    std::string log;
};

/// Starts argv[0] (no shell) with extra environment variables; setup, when given, runs in the
/// child before exec (for example to drop privileges).
template <class Setup>
Child spawn(const std::vector<std::string>& argv, const std::string& log,
            const std::vector<std::pair<std::string, std::string>>& env, Setup&& setup) {
    return Child{
        test_support::start_program(argv, log, test_support::OutputToFile::StandardOutputAndError,
                                    env, std::forward<Setup>(setup)),
        log};
}

inline Child spawn(const std::vector<std::string>& argv, const std::string& log,
                   const std::vector<std::pair<std::string, std::string>>& env = {}) {
    return spawn(argv, log, env, [] {});
}

/// Exit status of `pid` once it ended within `limit`; -2 when it did not (it is then killed),
/// -100 - N when signal N ended it.
inline int wait_exit(pid_t pid, std::chrono::milliseconds limit) {
    const auto end = Clock::now() + limit;
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : -100 - WTERMSIG(status);
        }
        if (r < 0) {
            return -3;
        }
        if (Clock::now() >= end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -2;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

/// True when `pid` has ended (and reaps it, storing the status like wait_exit).
inline bool has_exited(pid_t pid, int& status_out) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
        status_out = WIFEXITED(status) ? WEXITSTATUS(status) : -100 - WTERMSIG(status);
        return true;
    }
    return false;
}

/// Runs a program to its end (at most `limit`) and returns its exit status; its output is in
/// `log`.
inline int run_program(const std::vector<std::string>& argv, const std::string& log,
                       std::chrono::milliseconds limit = std::chrono::seconds(120)) {
    return wait_exit(spawn(argv, log).pid, limit);
}

/// Runs a program to its end like run_program; a success when it exits 0, else a failure that
/// carries the exit status and the program's output (for ASSERT_TRUE / EXPECT_TRUE).
inline ::testing::AssertionResult exits_zero(const std::vector<std::string>& argv,
                                             const std::string& log) {
    const int rc = run_program(argv, log);
    if (rc == 0) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << argv.front() << " exited with " << rc << ":\n"
           << (fs::exists(log) ? slurp(log) : std::string("(no output)"));
}

/// A CSV file: the header line and the rows, as text.
struct Csv {
    std::string header;
    std::vector<std::string> rows;
};

inline Csv read_csv(const std::string& path) {
    Csv c;
    std::vector<std::string> lines = split_lines(slurp(path));
    if (!lines.empty()) {
        c.header = std::move(lines.front());
        c.rows.assign(std::make_move_iterator(lines.begin() + 1),
                      std::make_move_iterator(lines.end()));
    }
    return c;
}

/// Rows counted by their text (a multiset that prints well in failures).
using RowCounts = std::map<std::string, int>;

inline RowCounts count_rows(const std::vector<std::string>& rows) {
    RowCounts m;
    for (const std::string& r : rows) {
        ++m[r];
    }
    return m;
}

/// Describes how two multisets of rows differ (empty when they are equal).
inline std::string diff_rows(const RowCounts& want, const RowCounts& got, int max_lines = 5) {
    std::string out;
    int shown = 0;
    std::size_t missing = 0;
    std::size_t extra = 0;
    for (const auto& [row, n] : want) {
        const auto it = got.find(row);
        const int have = it == got.end() ? 0 : it->second;
        if (have < n) {
            missing += static_cast<std::size_t>(n - have);
            if (shown++ < max_lines) {
                out += "\n  missing x" + std::to_string(n - have) + ": " + row.substr(0, 160);
            }
        }
    }
    for (const auto& [row, n] : got) {
        const auto it = want.find(row);
        const int need = it == want.end() ? 0 : it->second;
        if (n > need) {
            extra += static_cast<std::size_t>(n - need);
            if (shown++ < max_lines) {
                out += "\n  extra x" + std::to_string(n - need) + ": " + row.substr(0, 160);
            }
        }
    }
    if (missing == 0 && extra == 0) {
        return {};
    }
    return std::to_string(missing) + " rows missing, " + std::to_string(extra) + " extra" + out;
}

/// Two CSV files with the same header and the same rows in any order (several workers write
/// their rows in whatever order they finish). Empty when they are; else what differs.
inline std::string same_csv(const std::string& want_path, const std::string& got_path) {
    const Csv want = read_csv(want_path);
    const Csv got = read_csv(got_path);
    if (want.header != got.header) {
        return "headers differ: " + want.header.substr(0, 80) + " vs " + got.header.substr(0, 80);
    }
    return diff_rows(count_rows(want.rows), count_rows(got.rows));
}

/// The offline run `flowmeterd -f PCAP -o CSV [extra]` (output in `log`): exit status 0 and its
/// CSV in `out`, or a failure with the status and the output.
inline ::testing::AssertionResult run_offline(const std::string& pcap, const std::string& csv,
                                              const std::string& log, Csv& out,
                                              const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {programs().flowmeterd, "-f", pcap, "-o", csv};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ::testing::AssertionResult ok = exits_zero(argv, log);
    if (ok) {
        out = read_csv(csv);
    }
    return ok;
}

/// Names of the files in `dir` (not recursive), sorted.
inline std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Waits until `pred()` holds or `limit` passes; returns the last value of pred().
template <class Pred>
bool wait_for(Pred&& pred, std::chrono::milliseconds limit,
              std::chrono::milliseconds step = std::chrono::milliseconds(2)) {
    const auto end = Clock::now() + limit;
    while (!pred()) {
        if (Clock::now() >= end) {
            return pred();
        }
        std::this_thread::sleep_for(step);
    }
    return true;
}

/// Waits (at most `limit`) until `dir` holds a file whose name ends with `suffix` or the program
/// `pid` has ended. True when it ended: it is then reaped and its status (as wait_exit gives
/// it) is in `status`; false while it still runs, whether or not the file came in time.
inline bool exited_before_file(pid_t pid, const std::string& dir, const std::string& suffix,
                               int& status,
                               std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    bool exited = false;
    wait_for(
        [&] {
            exited = exited || has_exited(pid, status);
            for (const std::string& n : list_dir(dir)) {
                if (ends_with(n, suffix)) {
                    return true;
                }
            }
            return exited;
        },
        limit, std::chrono::milliseconds(1));
    return exited;
}

/// gtest main for the daemon test programs: argv[1] is flowgen, argv[2] flowmeterd.
inline int test_main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]\n",
                     argv[0]);
        return 2;
    }
    // Absolute, so that a test may run them from another working directory.
    programs().flowgen = fs::absolute(argv[1]).string();
    programs().flowmeterd = fs::absolute(argv[2]).string();
    // A program whose every test was skipped (no root, …) exits 77: meson reports SKIP.
    return test_support::exit_status(RUN_ALL_TESTS());
}

}  // namespace fm::daemon_test
