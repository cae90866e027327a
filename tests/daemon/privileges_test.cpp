// SPDX-License-Identifier: BSD-3-Clause
// Least privilege outside systemd, on the real binary started as root: with security.user
// nobody / security.group nogroup, every thread of the running daemon has uid and gid 65534,
// no capability in any set (CapEff, CapPrm, CapInh, CapAmb, CapBnd) and no_new_privs, while it
// still reads its capture (opened as root: the test makes it readable by root only) and still
// rotates its files (created by nobody, mode 0640). Refusals: an output directory the user
// cannot write (exit 73), a world-writable output directory as root (exit 73), a switch asked
// of a process that is not root (exit 77). These tests need root and are skipped without it.
// Usage: daemon_privileges PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <cstdint>
#include <string>
#include <vector>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include "daemon_support.hpp"

namespace fm::daemon_test {
namespace {

constexpr uid_t kNobody = 65534;
constexpr gid_t kNogroup = 65534;

bool have_nobody() {
    const passwd* pw = ::getpwnam("nobody");
    const group* gr = ::getgrnam("nogroup");
    return pw != nullptr && pw->pw_uid == kNobody && gr != nullptr && gr->gr_gid == kNogroup;
}

#define REQUIRE_ROOT_AND_NOBODY()                                                  \
    do {                                                                           \
        if (::geteuid() != 0) {                                                    \
            GTEST_SKIP() << "needs root";                                          \
        }                                                                          \
        if (!have_nobody()) {                                                      \
            GTEST_SKIP() << "needs user nobody (65534) and group nogroup (65534)"; \
        }                                                                          \
    } while (false)

std::string make_capture(const TempDir& dir, int flows) {
    const std::string pcap = dir.file("in-" + std::to_string(flows) + ".pcap");
    const std::string log = dir.file("flowgen.log");
    EXPECT_TRUE(
        exits_zero({programs().flowgen, "--flows", std::to_string(flows), "--concurrency", "200",
                    "--duration", "60", "--seed", "5", "--size-mix", "64", "--quiet", "-o", pcap},
                   log));
    ::chmod(pcap.c_str(), 0600);  // readable by root only: the daemon must open it before the drop
    return pcap;
}

std::string write_config(const TempDir& dir, const std::string& pcap, const std::string& out,
                         const std::string& security) {
    const std::string path = dir.file("priv.yaml");
    write_file(path, "capture:\n  source: pcap_file\n  files: [\"" + pcap +
                         "\"]\npipeline:\n  workers: 2\nflow:\n  profile: v4\noutput:\n"
                         "  directory: \"" +
                         out +
                         "\"\n  rotate:\n    max_bytes: 0\n    interval_s: 0\n    max_rows: 50\n"
                         "  fsync: true\nlogging:\n  target: stderr\n  stats_interval_s: 0\n" +
                         security);
    ::chmod(path.c_str(), 0644);
    return path;
}

/// "Key:\tvalue" lines of a /proc status file.
std::map<std::string, std::string> proc_status(const std::string& path) {
    std::map<std::string, std::string> m;
    for (const std::string& line : split_lines(slurp(path))) {
        const std::size_t colon = line.find(':');
        if (colon != std::string::npos) {
            const std::size_t from = line.find_first_not_of(" \t", colon + 1);
            const std::size_t to = line.find_last_not_of(" \t");
            m[line.substr(0, colon)] =
                from == std::string::npos ? std::string() : line.substr(from, to + 1 - from);
        }
    }
    return m;
}

TEST(DaemonPrivileges, RunsAsNobodyWithNoCapabilityAndStillRotates) {
    REQUIRE_ROOT_AND_NOBODY();
    TempDir dir;
    fs::permissions(dir.path(), fs::perms(0711));  // nobody may pass, not list or write
    const std::string out = dir.file("out");
    bool sampled = false;
    for (int attempt = 0, flows = 20000; attempt < 4 && !sampled; ++attempt, flows *= 2) {
        std::error_code ec;
        fs::remove_all(out, ec);
        fs::create_directories(out);
        ASSERT_EQ(::chown(out.c_str(), kNobody, kNogroup), 0);
        fs::permissions(out, fs::perms(0750));
        const std::string pcap = make_capture(dir, flows);
        const std::string cfg =
            write_config(dir, pcap, out, "security:\n  user: nobody\n  group: nogroup\n");
        const std::string log = dir.file("daemon.log");
        const Child d = spawn({programs().flowmeterd, "--config", cfg}, log);
        int status = 0;
        // Once a first file was finished the writer, workers and capture threads all run.
        const bool exited = exited_before_file(d.pid, out, ".csv", status);
        std::vector<std::map<std::string, std::string>> tasks;
        if (!exited) {
            for (const std::string& tid : list_dir("/proc/" + std::to_string(d.pid) + "/task")) {
                tasks.push_back(
                    proc_status("/proc/" + std::to_string(d.pid) + "/task/" + tid + "/status"));
            }
            status = wait_exit(d.pid, std::chrono::seconds(300));
        }
        ASSERT_EQ(status, 0) << slurp(log);
        if (exited || tasks.size() < 3) {
            continue;  // the run ended before it could be looked at: a longer one
        }
        sampled = true;
        for (const auto& t : tasks) {
            const std::string who = t.count("Name") ? t.at("Name") : "?";
            EXPECT_EQ(t.at("Uid"), "65534\t65534\t65534\t65534") << who;
            EXPECT_EQ(t.at("Gid"), "65534\t65534\t65534\t65534") << who;
            EXPECT_EQ(t.at("Groups"), "65534") << who;
            for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
                EXPECT_EQ(t.at(set), "0000000000000000") << who << " " << set;
            }
            EXPECT_EQ(t.at("NoNewPrivs"), "1") << who;
        }
        std::size_t files = 0;
        for (const std::string& n : list_dir(out)) {
            EXPECT_TRUE(ends_with(n, ".csv")) << n << " left";
            struct stat st {};
            ASSERT_EQ(::stat((out + "/" + n).c_str(), &st), 0);
            EXPECT_EQ(st.st_uid, kNobody) << n;
            EXPECT_EQ(st.st_gid, kNogroup) << n;
            EXPECT_EQ(st.st_mode & 07777, 0640U) << n;
            ++files;
        }
        EXPECT_GT(files, 3U) << "no rotation after the switch";
        const std::string text = slurp(log);
        EXPECT_NE(text.find("running as user nobody (uid 65534), group nogroup (gid 65534)"),
                  std::string::npos)
            << text;
        std::printf("%zu threads looked at, %zu files written as nobody\n", tasks.size(), files);
    }
    EXPECT_TRUE(sampled) << "every run ended before it could be looked at";
}

TEST(DaemonPrivileges, OutputTheUserCannotWriteIsAClearError) {
    REQUIRE_ROOT_AND_NOBODY();
    TempDir dir;
    fs::permissions(dir.path(), fs::perms(0711));
    const std::string out = dir.file("out");
    fs::create_directories(out);
    fs::permissions(out, fs::perms(0755));  // root's
    const std::string cfg =
        write_config(dir, make_capture(dir, 200), out, "security:\n  user: nobody\n");
    const std::string log = dir.file("daemon.log");
    EXPECT_EQ(run_program({programs().flowmeterd, "--config", cfg}, log), 73) << slurp(log);
    const std::string text = slurp(log);
    EXPECT_NE(text.find("not writable by user nobody"), std::string::npos) << text;
    EXPECT_NE(text.find("chown nobody"), std::string::npos) << text;
    EXPECT_TRUE(list_dir(out).empty()) << list_dir(out).front();
}

TEST(DaemonPrivileges, RootRefusesAWorldWritableOutputDirectory) {
    REQUIRE_ROOT_AND_NOBODY();
    TempDir dir;
    const std::string out = dir.file("out");
    fs::create_directories(out);
    fs::permissions(out, fs::perms(01777));  // sticky like /tmp: still refused
    const std::string cfg = write_config(dir, make_capture(dir, 200), out, "");
    const std::string log = dir.file("daemon.log");
    EXPECT_EQ(run_program({programs().flowmeterd, "--config", cfg}, log), 73) << slurp(log);
    EXPECT_NE(slurp(log).find("writable by every user"), std::string::npos) << slurp(log);
}

TEST(DaemonPrivileges, ANonRootProcessCannotSwitch) {
    REQUIRE_ROOT_AND_NOBODY();
    TempDir dir;
    fs::permissions(dir.path(), fs::perms(0755));
    const std::string out = dir.file("out");
    fs::create_directories(out);
    ASSERT_EQ(::chown(out.c_str(), kNobody, kNogroup), 0);
    const std::string pcap = make_capture(dir, 200);
    ::chmod(pcap.c_str(), 0644);
    const std::string cfg = write_config(dir, pcap, out, "security:\n  user: root\n");
    const std::string log = dir.file("daemon.log");
    const Child d = spawn({programs().flowmeterd, "--config", cfg}, log, {}, [] {
        if (::setgroups(0, nullptr) != 0 || ::setgid(kNogroup) != 0 || ::setuid(kNobody) != 0) {
            _exit(125);
        }
    });
    EXPECT_EQ(wait_exit(d.pid, std::chrono::seconds(60)), 77) << slurp(log);
    EXPECT_NE(slurp(log).find("cannot switch to user root"), std::string::npos) << slurp(log);
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
