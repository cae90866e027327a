// SPDX-License-Identifier: BSD-3-Clause
// `flowmeterd -f` on files that are not ordinary captures (docs/robustness.md, "Bad input
// files"): a zero-length file, a directory, /dev/zero, a 10 GB sparse file of zeros, a FIFO, a
// file deleted while it is read, a file that grows while it is read. Each must end within a
// bounded time with its defined result: one clear error naming the file and exit status 1 when
// nothing could be read; every flow read when the bytes are a capture. A run that does not end
// within kLimit is killed and fails the test (a hang).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "program_paths_main.hpp"
#include "shared_dir.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using fm::integration::programs;

constexpr auto kLimit = 60s;

struct Outcome {
    int status = -1;                ///< exit status; -1 when killed (hang) or signalled
    std::string log;                ///< stdout and stderr
    std::vector<std::string> rows;  ///< CSV lines after the header
};

/// Starts flowmeterd -f INPUT -o CSV; `during` runs while it runs (given its pid).
Outcome run_flowmeterd(const fs::path& scratch, const std::string& input,
                       const std::function<void(pid_t)>& during = {}) {
    const std::string csv = (scratch / "flows.csv").string();
    const std::string log = (scratch / "log.txt").string();
    fs::remove(csv);
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(programs().flowmeterd.c_str(), programs().flowmeterd.c_str(), "-f", input.c_str(),
              "-o", csv.c_str(), "--workers", "2", static_cast<char*>(nullptr));
        _exit(127);
    }
    if (during) {
        during(pid);
    }
    Outcome out;
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + kLimit;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            ADD_FAILURE() << "flowmeterd did not end within the limit on " << input;
            out.log = fm::test_support::read_file(log);
            return out;
        }
        std::this_thread::sleep_for(10ms);
    }
    out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    out.log = fm::test_support::read_file(log);
    if (fs::exists(csv)) {
        out.rows = fm::test_support::split_lines(fm::test_support::read_file(csv));
        if (!out.rows.empty()) {
            out.rows.erase(out.rows.begin());
        }
        std::sort(out.rows.begin(), out.rows.end());
    }
    return out;
}

fs::path sample_capture() {
    return fm::test_support::shared_dir() / "pcaps" / "eval" / "gnutella.pcap";  // ~1000 flows
}

/// Nothing readable: exit status 1, one error line naming the file and saying why, no rows.
void expect_refused(const Outcome& o, const std::string& input, const std::string& why) {
    EXPECT_EQ(o.status, 1) << o.log;
    EXPECT_NE(o.log.find(input + ": " + why), std::string::npos) << o.log;
    EXPECT_NE(o.log.find("no capture file could be opened"), std::string::npos) << o.log;
    EXPECT_TRUE(o.rows.empty());
}

class BadFiles : public ::testing::Test {
protected:
    fm::test_support::TempDir dir{"fm-bad-files"};
    fs::path scratch() const { return dir.path(); }
};

TEST_F(BadFiles, ZeroLengthFile) {
    const std::string f = dir.file("empty.pcap");
    fm::test_support::write_file(f, "");
    expect_refused(run_flowmeterd(scratch(), f), f, "truncated dump file");
}

TEST_F(BadFiles, Directory) {
    const std::string d = dir.file("a-directory");
    fs::create_directory(d);
    // Without --output-dir a directory is a usage error (exit 64) that points at batch mode;
    // nothing is read or written.
    const Outcome o = run_flowmeterd(scratch(), d);
    EXPECT_EQ(o.status, 64) << o.log;
    EXPECT_NE(o.log.find("-f " + d + ": is a directory; give --output-dir OUT"), std::string::npos)
        << o.log;
    EXPECT_TRUE(o.rows.empty());
}

TEST_F(BadFiles, DevZero) {
    expect_refused(run_flowmeterd(scratch(), "/dev/zero"), "/dev/zero", "unknown file format");
}

TEST_F(BadFiles, TenGigabyteSparseFileOfZeros) {
    const std::string f = dir.file("sparse.pcap");
    { std::ofstream create(f); }
    fs::resize_file(f, 10ULL << 30);  // no blocks allocated: zeros cost no disk
    const auto start = std::chrono::steady_clock::now();
    expect_refused(run_flowmeterd(scratch(), f), f, "unknown file format");
    // Refused on its header: not by reading 10 GB.
    EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

TEST_F(BadFiles, FifoGivesTheSameFlowsAsTheFile) {
    const fs::path capture = sample_capture();
    const Outcome plain = run_flowmeterd(scratch(), capture.string());
    ASSERT_EQ(plain.status, 0) << plain.log;
    ASSERT_FALSE(plain.rows.empty());
    const std::string fifo = dir.file("capture.fifo");
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    // The writer opens the FIFO after flowmeterd does (open blocks until both ends exist) and
    // feeds it in small pieces, as a pipe from another program would.
    std::thread writer([&] {
        std::ofstream out(fifo, std::ios::binary);
        const std::string bytes = fm::test_support::read_file(capture.string());
        for (std::size_t at = 0; at < bytes.size(); at += 4096) {
            out.write(bytes.data() + at,
                      static_cast<std::streamsize>(std::min<std::size_t>(4096, bytes.size() - at)));
        }
    });
    const Outcome piped = run_flowmeterd(scratch(), fifo);
    writer.join();
    EXPECT_EQ(piped.status, 0) << piped.log;
    EXPECT_EQ(piped.rows, plain.rows);
}

TEST_F(BadFiles, FileDeletedWhileReadIsReadToItsEnd) {
    const fs::path capture = sample_capture();
    const Outcome plain = run_flowmeterd(scratch(), capture.string());
    ASSERT_EQ(plain.status, 0) << plain.log;
    const std::string f = dir.file("doomed.pcap");
    fs::copy_file(capture, f);
    // Deleted as soon as flowmeterd has it open: the open descriptor keeps the data.
    const Outcome o = run_flowmeterd(scratch(), f, [&](pid_t pid) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            bool open_now = false;
            std::error_code ec;
            for (const auto& fd :
                 fs::directory_iterator(fs::path("/proc") / std::to_string(pid) / "fd", ec)) {
                std::error_code ec2;
                open_now = open_now || fs::read_symlink(fd.path(), ec2) == fs::path(f);
            }
            if (open_now) {
                break;
            }
            std::this_thread::sleep_for(1ms);
        }
        fs::remove(f);
    });
    EXPECT_EQ(o.status, 0) << o.log;
    EXPECT_EQ(o.rows, plain.rows);
}

/// Packets the final stats line reports ("final: 1.2 s, 3905 packets (...").
long packets_read(const std::string& log) {
    const std::size_t at = log.find("final: ");
    const std::size_t comma = log.find(", ", at);
    if (at == std::string::npos || comma == std::string::npos) {
        return -1;
    }
    return std::stol(log.substr(comma + 2));
}

/// The classic pcap file header and its first `n` records (little-endian microsecond file).
std::string first_records(const std::string& pcap, long n) {
    std::size_t at = 24;
    for (long i = 0; i < n && at + 16 <= pcap.size(); ++i) {
        std::uint32_t len = 0;
        std::memcpy(&len, pcap.data() + at + 8, 4);
        at += 16 + len;
    }
    return pcap.substr(0, at);
}

TEST_F(BadFiles, FileThatGrowsWhileReadIsReadToTheEndItHasThen) {
    // The file is read until read(2) first reports its end; it is not followed. Bytes appended
    // before that point are read, later ones are not (a record being appended at that moment
    // would be a truncated record: reported, the flows before it written). Whatever the timing,
    // the run ends and writes exactly the flows of the packets it read.
    const fs::path capture = sample_capture();
    const std::string bytes = fm::test_support::read_file(capture.string());
    const std::size_t half = bytes.size() / 2;
    const std::string f = dir.file("growing.pcap");
    fm::test_support::write_file(f, bytes.substr(0, half));
    std::thread grower;
    const Outcome o = run_flowmeterd(scratch(), f, [&](pid_t) {
        grower = std::thread([&] {
            std::ofstream out(f, std::ios::binary | std::ios::app);
            for (std::size_t at = half; at < bytes.size(); at += 1000) {
                out.write(bytes.data() + at, static_cast<std::streamsize>(
                                                 std::min<std::size_t>(1000, bytes.size() - at)));
                out.flush();
                std::this_thread::sleep_for(100us);
            }
        });
    });
    grower.join();
    EXPECT_EQ(o.status, 0) << o.log;
    EXPECT_EQ(o.log.find("capture stopped"), std::string::npos) << o.log;
    const long n = packets_read(o.log);
    ASSERT_GT(n, 0) << o.log;
    const std::string prefix = dir.file("as-read.pcap");
    fm::test_support::write_file(prefix, first_records(bytes, n));
    const Outcome same = run_flowmeterd(scratch(), prefix);
    EXPECT_EQ(o.rows, same.rows) << n << " packets read";
}

}  // namespace

int main(int argc, char** argv) {
    return fm::integration::main_with_program_paths(
        argc, argv, {{"PATH-OF-FLOWMETERD", &fm::integration::programs().flowmeterd}});
}
