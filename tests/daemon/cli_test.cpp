// SPDX-License-Identifier: BSD-3-Clause
// flowmeterd's command line and startup errors as a user meets them: exit statuses (0, 1, 64,
// 73, 78), the `FILE:LINE: key: message` line for each kind of bad configuration,
// --check-config, the seed flags (-f repeated, -c, -o default), header-only output, and damaged
// or unreadable captures (every flow read before the damage, one error line naming the file and
// the byte offset, a failing status only when nothing could be read), systemd notifications.
// Usage: daemon_cli PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <regex>
#include <string>
#include <vector>

#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "daemon_support.hpp"
#include "flowmeterd_fixture.hpp"
#include "notify_socket.hpp"
#include "source_root.hpp"

namespace fm::daemon_test {
namespace {

using test_support::NotifySocket;

constexpr std::size_t kPcapHeader = 24;
constexpr std::size_t kRecordHeader = 16;

/// Byte offsets where the records of a classic little-endian µs pcap start, and its end.
std::vector<std::size_t> record_offsets(const std::string& pcap) {
    std::vector<std::size_t> offsets;
    std::size_t off = kPcapHeader;
    while (off + kRecordHeader <= pcap.size()) {
        offsets.push_back(off);
        std::uint32_t caplen = 0;
        std::memcpy(&caplen, pcap.data() + off + 8, sizeof caplen);
        off += kRecordHeader + caplen;
    }
    offsets.push_back(off);
    return offsets;
}

class DaemonCli : public FlowmeterdFixture {
protected:
    static void SetUpTestSuite() {
        make_suite_capture({.flows = 300, .concurrency = 30, .seed = 3});
    }
};

struct BadConfig {
    const char* name;
    const char* yaml;
    int line;
    const char* key;
    const char* message_part;
};

TEST_F(DaemonCli, EachBadConfigurationNamesFileLineAndKeyAndExits78) {
    const BadConfig cases[] = {
        {"unknown key", "capture:\n  source: pcap_file\n  snaplenn: 100\n", 3, "capture.snaplenn",
         "unknown key"},
        {"wrong type", "output:\n  directory: /tmp\npipeline:\n  workers: \"4\"\n", 4,
         "pipeline.workers", "expected"},
        {"out of range", "capture:\n  snaplen: 10\n", 2, "capture.snaplen", "out of range"},
        {"impossible combination", "pipeline:\n  workers: 2\n  cpu_affinity: [0]\n", 3,
         "pipeline.cpu_affinity", "workers"},
        {"unknown name", "flow:\n  profile: cic2019\n", 2, "flow.profile", "cic2019"},
    };
    for (const BadConfig& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string path = config(c.yaml);
        EXPECT_EQ(flowmeterd({"--config", path, "-f", pcap_, "-o", tmp_.file("x.csv")}), 78)
            << output_;
        const std::string want = path + ":" + std::to_string(c.line) + ": " + c.key + ": ";
        EXPECT_EQ(output_.rfind(want, 0), 0U)
            << "want a line starting " << want << "\ngot: " << output_;
        EXPECT_NE(output_.find(c.message_part), std::string::npos) << output_;
        EXPECT_EQ(std::count(output_.begin(), output_.end(), '\n'), 1) << "one line: " << output_;
        EXPECT_FALSE(fs::exists(tmp_.file("x.csv")));
    }
}

TEST_F(DaemonCli, UnsafeOutputNamesAndModesAreConfigurationErrors) {
    const BadConfig cases[] = {
        {"prefix ..", "output:\n  directory: /tmp/x\n  file_prefix: \"..\"\n", 3,
         "output.file_prefix", "names a directory"},
        {"prefix path", "output:\n  file_prefix: \"../etc/x\"\n", 2, "output.file_prefix",
         "contains '/'"},
        {"prefix control", "output:\n  file_prefix: \"a\\rb\"\n", 2, "output.file_prefix",
         "control character"},
        {"mode", "output:\n  file_mode: \"0400\"\n", 2, "output.file_mode", "owner"},
        {"unknown user", "security:\n  user: no-such-user-fm\n", 2, "security.user", "no user"},
    };
    for (const BadConfig& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string path = config(c.yaml);
        EXPECT_EQ(flowmeterd({"--check-config", "--config", path, "-f", pcap_}), 78) << output_;
        const std::string want = path + ":" + std::to_string(c.line) + ": " + c.key + ": ";
        EXPECT_EQ(output_.rfind(want, 0), 0U)
            << "want a line starting " << want << "\ngot: " << output_;
        EXPECT_NE(output_.find(c.message_part), std::string::npos) << output_;
    }
}

TEST_F(DaemonCli, BadFlagValuesExit78AndMalformedCommandLinesExit64) {
    EXPECT_EQ(flowmeterd({"-f", pcap_, "--workers", "0"}), 78) << output_;
    EXPECT_EQ(output_.rfind("command line (--workers): pipeline.workers: ", 0), 0U) << output_;
    EXPECT_EQ(flowmeterd({"-f", pcap_, "-t", "soon"}), 78) << output_;
    EXPECT_NE(output_.find("flow.flow_timeout_s"), std::string::npos) << output_;

    EXPECT_EQ(flowmeterd({"-f", pcap_, "--no-such-flag"}), 64) << output_;
    EXPECT_EQ(flowmeterd({"-i", "lo", "-f", pcap_}), 64) << output_;
    EXPECT_EQ(flowmeterd({}), 64) << output_;
    EXPECT_NE(output_.find("--help"), std::string::npos) << output_;
}

TEST_F(DaemonCli, WorkersAutoIsTheDefaultAndCanBeAskedFor) {
    ASSERT_EQ(flowmeterd({"--check-config", "-f", pcap_}), 0) << output_;
    EXPECT_NE(output_.find("workers: auto"), std::string::npos) << output_;
    ASSERT_EQ(flowmeterd({"--check-config", "-f", pcap_, "--workers", "2"}), 0) << output_;
    EXPECT_NE(output_.find("workers: 2"), std::string::npos) << output_;
    ASSERT_EQ(flowmeterd({"--check-config", "-f", pcap_, "--workers", "auto"}), 0) << output_;
    EXPECT_NE(output_.find("workers: auto"), std::string::npos) << output_;
    const std::string out = tmp_.file("auto.csv");
    ASSERT_EQ(flowmeterd({"-f", pcap_, "-o", out, "--workers", "auto"}), 0) << output_;
    EXPECT_TRUE(fs::exists(out));
}

TEST_F(DaemonCli, HelpAndVersionExit0) {
    EXPECT_EQ(flowmeterd({"--help"}), 0);
    EXPECT_NE(output_.find("--config"), std::string::npos) << output_;
    EXPECT_NE(output_.find("-f,--file"), std::string::npos) << output_;
    EXPECT_EQ(flowmeterd({"--version"}), 0);
    EXPECT_EQ(output_.rfind("flowmeterd ", 0), 0U) << output_;
}

TEST_F(DaemonCli, CheckConfigPrintsTheEffectiveConfigurationWithFlagsApplied) {
    const std::string path = config("capture:\n  files: [\"" + pcap_ +
                                    "\"]\npipeline:\n  workers: 2\noutput:\n  directory: \"" +
                                    tmp_.file("out") + "\"\n  rotate:\n    max_rows: 77\n");
    ASSERT_EQ(flowmeterd({"--check-config", "--config", path, "--workers", "3", "--label", "L"}), 0)
        << output_;
    const std::string printed = output_;
    EXPECT_NE(printed.find("workers: 3"), std::string::npos) << printed;
    EXPECT_NE(printed.find("max_rows: 77"), std::string::npos) << printed;
    EXPECT_NE(printed.find("label: \"L\""), std::string::npos) << printed;
    EXPECT_NE(printed.find("stats_interval_s: 60"), std::string::npos) << "defaults too";
    EXPECT_FALSE(fs::exists(tmp_.file("out"))) << "--check-config must not create the output";
    // What it prints is a configuration that gives the same effective configuration.
    const std::string again = tmp_.file("printed.yaml");
    write_file(again, printed);
    ASSERT_EQ(flowmeterd({"--check-config", "--config", again}), 0) << output_;
    EXPECT_EQ(output_, printed);

    // An invalid combination is reported the same way as when running.
    EXPECT_EQ(flowmeterd({"--check-config", "--config", path, "--workers", "0"}), 78) << output_;
}

TEST_F(DaemonCli, OutputThatCannotBeCreatedExits73WithAClearMessage) {
    // A directory below a regular file cannot be created, whoever runs the test.
    const std::string blocker = tmp_.file("plain-file");
    write_file(blocker, "x");
    const std::string path = config("capture:\n  files: [\"" + pcap_ +
                                    "\"]\noutput:\n  directory: \"" + blocker + "/flows\"\n");
    EXPECT_EQ(flowmeterd({"--config", path}), 73) << output_;
    EXPECT_NE(output_.find("output.directory \"" + blocker + "/flows\""), std::string::npos)
        << output_;
    EXPECT_NE(output_.find("cannot create"), std::string::npos) << output_;

    EXPECT_EQ(flowmeterd({"-f", pcap_, "-o", blocker + "/flows.csv"}), 73) << output_;
    EXPECT_NE(output_.find(blocker), std::string::npos) << output_;
}

TEST_F(DaemonCli, ReadOnlyOutputDirectoryExits73) {
    // A directory without write permission. Root ignores permissions, so as root the daemon
    // runs as "nobody" (the directories it must read are opened up for that).
    const std::string ro = tmp_.file("ro");
    fs::create_directories(ro);
    fs::permissions(tmp_.path(), fs::perms(0755));
    fs::permissions(ro, fs::perms(0555));
    const std::string capture = tmp_.file("in.pcap");
    fs::copy_file(pcap_, capture);
    fs::permissions(capture, fs::perms(0644));
    const std::string path =
        config("capture:\n  files: [\"" + capture + "\"]\noutput:\n  directory: \"" + ro + "\"\n");
    fs::permissions(path, fs::perms(0644));
    const std::string log = tmp_.file("ro.log");
    const Child c = spawn({programs().flowmeterd, "--config", path}, log, {}, [] {
        if (geteuid() == 0) {
            const gid_t nogroup = 65534;
            if (setgroups(0, nullptr) != 0 || setgid(nogroup) != 0 || setuid(65534) != 0) {
                _exit(125);
            }
        }
    });
    EXPECT_EQ(wait_exit(c.pid, std::chrono::seconds(60)), 73) << slurp(log);
    const std::string text = slurp(log);
    EXPECT_NE(text.find("output.directory \"" + ro + "\": not writable"), std::string::npos)
        << text;
    EXPECT_TRUE(list_dir(ro).empty());
}

TEST_F(DaemonCli, SeedFlagsWriteFlowsCsvByDefault) {
    // No -o and no --config: flows.csv in the working directory, as the seed did.
    const std::string log = tmp_.file("seed.log");
    const std::string bin = programs().flowmeterd;
    const std::string cwd = tmp_.path().string();
    const std::string pcap = pcap_;
    const Child c = spawn({bin, "-f", pcap}, log, {}, [&] {
        if (chdir(cwd.c_str()) != 0) {
            _exit(125);
        }
    });
    ASSERT_EQ(wait_exit(c.pid, std::chrono::seconds(60)), 0) << slurp(log);
    EXPECT_EQ(same_csv(offline_, tmp_.file("flows.csv")), "");
    EXPECT_FALSE(fs::exists(tmp_.file("flows.csv.partial")));
}

TEST_F(DaemonCli, CountStopsAfterThatManyPackets) {
    ASSERT_EQ(flowmeterd({"-f", pcap_, "-o", tmp_.file("c.csv"), "-c", "1000"}), 0) << output_;
    EXPECT_NE(output_.find("total packets processed: 1000\n"), std::string::npos) << output_;
    const Csv c = read_csv(tmp_.file("c.csv"));
    EXPECT_FALSE(c.rows.empty());
    EXPECT_LT(c.rows.size(), read_csv(offline_).rows.size());
}

TEST_F(DaemonCli, SeveralFilesAreReadInOrderAsOneStream) {
    // The capture split at a record boundary in the middle: flows run across both parts.
    const std::string whole = slurp(pcap_);
    const std::vector<std::size_t> rec = record_offsets(whole);
    ASSERT_GT(rec.size(), 100U);
    ASSERT_EQ(rec.back(), whole.size()) << "flowgen wrote a pcap this test cannot split";
    const std::size_t cut = rec[rec.size() / 2];
    write_file(tmp_.file("a.pcap"), whole.substr(0, cut));
    write_file(tmp_.file("b.pcap"), whole.substr(0, kPcapHeader) + whole.substr(cut));
    ASSERT_EQ(flowmeterd({"-f", tmp_.file("a.pcap"), "-f", tmp_.file("b.pcap"), "-o",
                          tmp_.file("ab.csv"), "--workers", "2"}),
              0)
        << output_;
    const Csv want = read_csv(offline_);
    const Csv got = read_csv(tmp_.file("ab.csv"));
    EXPECT_EQ(got.header, want.header);
    const std::string diff = diff_rows(count_rows(want.rows), count_rows(got.rows));
    EXPECT_TRUE(diff.empty()) << "-f a -f b vs the whole capture: " << diff;
}

TEST_F(DaemonCli, NoFlowsGivesAHeaderOnlyFile) {
    const std::string whole = slurp(pcap_);
    write_file(tmp_.file("empty.pcap"), whole.substr(0, kPcapHeader));
    ASSERT_EQ(flowmeterd({"-f", tmp_.file("empty.pcap"), "-o", tmp_.file("e.csv")}), 0) << output_;
    const std::string header = split_lines(slurp(offline_)).front();
    EXPECT_EQ(slurp(tmp_.file("e.csv")), header + "\n");
    EXPECT_NE(output_.find("total packets processed: 0\n"), std::string::npos) << output_;
}

TEST_F(DaemonCli, TruncatedCaptureKeepsEveryFlowReadBeforeTheDamage) {
    const std::string whole = slurp(pcap_);
    const std::vector<std::size_t> rec = record_offsets(whole);
    ASSERT_GT(rec.size(), 100U);
    // Cut in the middle of a record's data: the records before it are complete.
    const std::size_t last_whole = rec[rec.size() * 2 / 3];
    const std::size_t cut = last_whole + kRecordHeader + 5;
    ASSERT_LT(cut, rec[rec.size() * 2 / 3 + 1]);
    write_file(tmp_.file("cut.pcap"), whole.substr(0, cut));
    write_file(tmp_.file("prefix.pcap"), whole.substr(0, last_whole));

    ASSERT_EQ(flowmeterd({"-f", tmp_.file("prefix.pcap"), "-o", tmp_.file("prefix.csv")}), 0)
        << output_;
    EXPECT_EQ(
        flowmeterd({"-f", tmp_.file("cut.pcap"), "-o", tmp_.file("cut.csv"), "--workers", "2"}), 0)
        << "something was read, so the status is 0: " << output_;
    // One line names the file and the byte offset of the damage.
    const std::regex line(tmp_.file("cut.pcap") + R"(: [^\n]*byte offset (\d+)[^\n]*\n)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(output_, m, line)) << output_;
    EXPECT_EQ(std::stoull(m[1].str()), last_whole) << output_;
    const Csv want = read_csv(tmp_.file("prefix.csv"));
    const Csv got = read_csv(tmp_.file("cut.csv"));
    EXPECT_FALSE(got.rows.empty());
    const std::string diff = diff_rows(count_rows(want.rows), count_rows(got.rows));
    EXPECT_TRUE(diff.empty()) << "damaged capture vs its intact prefix: " << diff;
}

TEST_F(DaemonCli, NothingReadableFailsWithStatus1) {
    // A missing file: the message names it, no output is made.
    EXPECT_EQ(flowmeterd({"-f", tmp_.file("missing.pcap"), "-o", tmp_.file("m.csv")}), 1)
        << output_;
    EXPECT_NE(output_.find(tmp_.file("missing.pcap")), std::string::npos) << output_;
    EXPECT_FALSE(fs::exists(tmp_.file("m.csv")));
    // Not a capture at all.
    write_file(tmp_.file("text.pcap"), "this is not a capture file, just text\n");
    EXPECT_EQ(flowmeterd({"-f", tmp_.file("text.pcap"), "-o", tmp_.file("t.csv")}), 1) << output_;
    EXPECT_NE(output_.find(tmp_.file("text.pcap")), std::string::npos) << output_;
    // Damaged at the first record: nothing could be read.
    const std::string whole = slurp(pcap_);
    write_file(tmp_.file("first.pcap"), whole.substr(0, kPcapHeader + kRecordHeader + 3));
    EXPECT_EQ(flowmeterd({"-f", tmp_.file("first.pcap"), "-o", tmp_.file("f.csv")}), 1) << output_;
    EXPECT_NE(output_.find("byte offset 24"), std::string::npos) << output_;
    // One unreadable file among readable ones is reported, the rest is processed.
    EXPECT_EQ(
        flowmeterd({"-f", tmp_.file("missing.pcap"), "-f", pcap_, "-o", tmp_.file("mix.csv")}), 0)
        << output_;
    EXPECT_NE(output_.find(tmp_.file("missing.pcap")), std::string::npos) << output_;
    EXPECT_EQ(same_csv(offline_, tmp_.file("mix.csv")), "");
}

TEST_F(DaemonCli, FinalStatisticsNameEveryStage) {
    ASSERT_EQ(flowmeterd({"-f", pcap_, "-o", tmp_.file("s.csv"), "--workers", "2"}), 0) << output_;
    const std::size_t rows = read_csv(offline_).rows.size();
    for (const std::string& want :
         {std::string("total packets processed: "), std::string("valid flow packets: "),
          std::string("active flows at end of input: "),
          "completed flows written: " + std::to_string(rows), std::string("dispatch.packets"),
          std::string("worker.packets"), std::string("flow.created"),
          std::string("output.rows_queued")}) {
        EXPECT_NE(output_.find(want), std::string::npos) << want << " missing:\n" << output_;
    }
}

TEST_F(DaemonCli, LiveCaptureWithoutCapNetRawExits77) {
    // As root the daemon runs as "nobody", which has no CAP_NET_RAW either.
    const std::string log = tmp_.file("perm.log");
    fs::permissions(tmp_.path(), fs::perms(0777));
    const Child c =
        spawn({programs().flowmeterd, "-i", "lo", "-o", tmp_.file("p.csv")}, log, {}, [] {
            if (geteuid() == 0) {
                const gid_t nogroup = 65534;
                if (setgroups(0, nullptr) != 0 || setgid(nogroup) != 0 || setuid(65534) != 0) {
                    _exit(125);
                }
            }
        });
    EXPECT_EQ(wait_exit(c.pid, std::chrono::seconds(60)), 77) << slurp(log);
    EXPECT_NE(slurp(log).find("CAP_NET_RAW"), std::string::npos) << slurp(log);
}

// The shipped annotated file holds every key at its default and so names no input: checked as
// it is, it is rejected at capture.files with both ways to give it one (docs/configuration.md,
// "Errors"); filling in either is all it takes to check clean.
TEST_F(DaemonCli, ShippedConfigurationAsksForAnInputAndChecksCleanOnceGivenOne) {
    const std::string shipped = test_support::source_root() + "/config/flowmeter.yaml";
    ASSERT_FALSE(HasFailure());
    const std::string text = slurp(shipped);
    const std::string files_line = "\n  files: []\n";
    const std::size_t at = text.find(files_line);
    ASSERT_NE(at, std::string::npos) << "no `files: []` in " << shipped;
    const auto line =
        std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at) + 1, '\n') + 1;

    EXPECT_EQ(flowmeterd({"--check-config", "--config", shipped}), 78) << output_;
    EXPECT_EQ(output_, shipped + ":" + std::to_string(line) +
                           ": capture.files: no input file: capture.source is pcap_file and no "
                           "file is listed: list capture files here (or give -f FILE), or "
                           "capture live with capture.source: pcap_live and capture.interface "
                           "(or -i NAME)\n");

    std::string with_file = text;
    with_file.replace(at, files_line.size(), "\n  files: [\"" + pcap_ + "\"]\n");
    EXPECT_EQ(flowmeterd({"--check-config", "--config", config(with_file)}), 0) << output_;
    EXPECT_NE(output_.find("files: [\"" + pcap_ + "\"]"), std::string::npos) << output_;

    std::string live = text;
    const std::string source_line = "\n  source: pcap_file\n";
    const std::string interface_line = "\n  interface: \"\"\n";
    ASSERT_NE(live.find(source_line), std::string::npos);
    ASSERT_NE(live.find(interface_line), std::string::npos);
    live.replace(live.find(source_line), source_line.size(), "\n  source: pcap_live\n");
    live.replace(live.find(interface_line), interface_line.size(), "\n  interface: lo\n");
    EXPECT_EQ(flowmeterd({"--check-config", "--config", config(live)}), 0) << output_;
    EXPECT_NE(output_.find("interface: \"lo\""), std::string::npos) << output_;
}

TEST_F(DaemonCli, BadFilterAndUnknownInterfaceAreConfigurationErrors) {
    // Both are found by the start checks, before a capture handle is opened: no privilege is
    // needed, and neither is retried by Restart=on-failure (exit 78, not 1).
    const std::string path = config(
        "capture:\n  source: pcap_live\n  interface: lo\n  bpf_filter: \"tcp port\"\n"
        "output:\n  file: \"" +
        tmp_.file("b.csv") + "\"\n");
    EXPECT_EQ(flowmeterd({"--config", path}), 78) << output_;
    EXPECT_NE(output_.find(path + ":4: capture.bpf_filter: \"tcp port\": "), std::string::npos)
        << output_;
    EXPECT_EQ(flowmeterd({"-i", "fm-no-such-if0", "-o", tmp_.file("n.csv")}), 78) << output_;
    EXPECT_NE(output_.find("command line (-i): capture.interface: no interface \"fm-no-such-if0\""),
              std::string::npos)
        << output_;
}

TEST_F(DaemonCli, TellsSystemdReadyWatchdogStoppingAndStatus) {
#ifndef FM_HAVE_SYSTEMD
    GTEST_SKIP() << "built without libsystemd: flowmeterd sends no notifications";
#else
    NotifySocket notify(tmp_.file("notify"));
    const std::string out = tmp_.file("n.csv");
    const std::string log = tmp_.file("notify.log");
    const Child c = spawn({programs().flowmeterd, "-f", pcap_, "-o", out}, log,
                          {{"NOTIFY_SOCKET", tmp_.file("notify")}, {"WATCHDOG_USEC", "100000"}});
    ASSERT_EQ(wait_exit(c.pid, std::chrono::seconds(60)), 0) << slurp(log);
    const std::vector<std::string> msgs = notify.drain();
    ASSERT_FALSE(msgs.empty()) << "no notification";
    EXPECT_EQ(msgs.front(), "READY=1");
    auto index_of = [&](const std::string& m) {
        return std::find(msgs.begin(), msgs.end(), m) - msgs.begin();
    };
    const auto ready = index_of("READY=1");
    const auto watchdog = index_of("WATCHDOG=1");
    const auto stopping = index_of("STOPPING=1");
    EXPECT_LT(watchdog, static_cast<std::ptrdiff_t>(msgs.size())) << "no WATCHDOG=1";
    EXPECT_LT(ready, watchdog);
    ASSERT_LT(stopping, static_cast<std::ptrdiff_t>(msgs.size())) << "no STOPPING=1";
    EXPECT_LT(ready, stopping);
    // The last status has the final figures.
    const std::string& last = msgs.back();
    const std::size_t rows = read_csv(out).rows.size();
    const std::regex status(R"(STATUS=packets (\d+), flows (\d+), rows (\d+))");
    std::smatch m;
    ASSERT_TRUE(std::regex_match(last, m, status)) << last;
    EXPECT_EQ(std::stoull(m[3].str()), rows);
    EXPECT_EQ(std::stoull(m[2].str()), rows);
    const std::string text = slurp(log);
    EXPECT_NE(text.find("total packets processed: " + m[1].str() + "\n"), std::string::npos)
        << last << "\n"
        << text;
#endif
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
