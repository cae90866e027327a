// SPDX-License-Identifier: BSD-3-Clause
// Settings as a user meets them, end to end with the flowmeterd program: each setting does what
// docs/configuration.md says or says why it cannot. capture.bpf_filter on capture files (rows
// filtered, a bad expression exits 78 naming file, line and key, in --check-config too), the
// start checks --check-config runs (CPUs, interface, journal), flow.idle_timeout_s offline,
// and the warnings for settings that have no effect.
// Usage: daemon_settings PATH-OF-FLOWGEN PATH-OF-FLOWMETERD [gtest flags]
#include <algorithm>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon_support.hpp"
#include "flowmeterd_fixture.hpp"

namespace fm::daemon_test {
namespace {

class Settings : public FlowmeterdFixture {
protected:
    static void SetUpTestSuite() {
        make_suite_capture({.flows = 200, .concurrency = 20, .seed = 11});
    }

    /// Runs the capture with `yaml` as configuration into out.csv; returns the exit status.
    int run_with(const std::string& yaml) {
        return flowmeterd({"--config", config(yaml), "-f", pcap_, "-o", tmp_.file("out.csv")});
    }

    /// The Protocol column of every row of `path`.
    static std::vector<std::string> protocols(const std::string& path) {
        const Csv csv = read_csv(path);
        const std::vector<std::string> names = split_fields(csv.header);
        std::size_t col = names.size();
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i].find("Protocol") != std::string::npos) {
                col = i;
            }
        }
        std::vector<std::string> out;
        for (const std::string& row : csv.rows) {
            const std::vector<std::string> f = split_fields(row);
            out.push_back(col < f.size() ? f[col] : "<none>");
        }
        return out;
    }
};

TEST_F(Settings, BpfFilterAppliesToCaptureFiles) {
    const std::vector<std::string> all = protocols(offline_);
    ASSERT_FALSE(all.empty());
    // tcpdump semantics: "tcp" alone does not look behind an 802.1Q tag (flowgen tags some
    // flows), "vlan and tcp" does.
    ASSERT_EQ(run_with("capture:\n  bpf_filter: \"tcp or (vlan and tcp)\"\n"), 0) << output_;
    const std::vector<std::string> tcp = protocols(tmp_.file("out.csv"));
    ASSERT_FALSE(tcp.empty()) << output_;
    for (const std::string& p : tcp) {
        EXPECT_EQ(p, "6");
    }
    EXPECT_EQ(tcp.size(), static_cast<std::size_t>(std::count(all.begin(), all.end(), "6")));

    // The experimental EtherType 0x88b5 is in no frame: every frame is filtered out.
    ASSERT_EQ(run_with("capture:\n  bpf_filter: \"ether proto 0x88b5\"\n"), 0) << output_;
    EXPECT_TRUE(read_csv(tmp_.file("out.csv")).rows.empty()) << output_;
    EXPECT_NE(output_.find("capture.bpf_filtered"), std::string::npos) << output_;
}

TEST_F(Settings, BadBpfFilterIsAConfigurationErrorForFiles) {
    const std::string path = config("capture:\n  bpf_filter: \"tcp port\"\n");
    const std::string want = path + ":2: capture.bpf_filter: ";
    EXPECT_EQ(flowmeterd({"--config", path, "-f", pcap_, "-o", tmp_.file("x.csv")}), 78) << output_;
    EXPECT_NE(output_.find(want), std::string::npos) << output_;
    EXPECT_FALSE(std::filesystem::exists(tmp_.file("x.csv"))) << "nothing is written";
    EXPECT_EQ(flowmeterd({"--config", path, "-f", pcap_, "--check-config"}), 78) << output_;
    EXPECT_EQ(output_.rfind(want, 0), 0U) << output_;
}

TEST_F(Settings, CheckConfigRunsTheStartChecks) {
    // A CPU this process cannot use: refused by the check and by the start, both exit 78.
    const std::string cpus = config("pipeline:\n  workers: 1\n  cpu_affinity: [1000]\n");
    const std::string want = cpus + ":3: pipeline.cpu_affinity: CPU 1000 is not available";
    EXPECT_EQ(flowmeterd({"--config", cpus, "-f", pcap_, "--check-config"}), 78) << output_;
    EXPECT_EQ(output_.rfind(want, 0), 0U) << output_;
    EXPECT_EQ(flowmeterd({"--config", cpus, "-f", pcap_, "-o", tmp_.file("c.csv")}), 78) << output_;
    EXPECT_NE(output_.find(want), std::string::npos) << output_;

    // An interface that does not exist, given as a flag.
    EXPECT_EQ(flowmeterd({"-i", "fmnosuch0", "--check-config"}), 78) << output_;
    EXPECT_EQ(output_.rfind("command line (-i): capture.interface: no interface \"fmnosuch0\"", 0),
              0U)
        << output_;
    EXPECT_EQ(flowmeterd({"-i", "fmnosuch0", "-o", tmp_.file("i.csv")}), 78) << output_;

    // A valid filter and an existing interface pass.
    EXPECT_EQ(flowmeterd({"-i", "lo", "--check-config"}), 0) << output_;
    const std::string good = config("capture:\n  bpf_filter: \"udp or tcp\"\n");
    EXPECT_EQ(flowmeterd({"--config", good, "-f", pcap_, "--check-config"}), 0) << output_;
}

TEST_F(Settings, JournaldWithoutAJournalIsRefused) {
    const std::string path = config("logging:\n  target: journald\n");
    struct stat st {};
    const bool journal = ::stat("/run/systemd/journal/socket", &st) == 0 && S_ISSOCK(st.st_mode);
    const int rc = flowmeterd({"--config", path, "-f", pcap_, "--check-config"});
    if (journal) {
        EXPECT_EQ(rc, 0) << output_;
    } else {
        // Every log line would be lost: a mistake, not a warning.
        EXPECT_EQ(rc, 78) << output_;
        EXPECT_EQ(output_.rfind(path + ":2: logging.target: journald: no journal", 0), 0U)
            << output_;
    }
}

TEST_F(Settings, IdleTimeoutEndsSilentFlowsOffline) {
    ASSERT_EQ(run_with("flow:\n  idle_timeout_s: 0.001\n"), 0) << output_;
    const Csv idle = read_csv(tmp_.file("out.csv"));
    const Csv plain = read_csv(offline_);
    EXPECT_GT(idle.rows.size(), plain.rows.size()) << "flows with gaps of more than 1 ms split";
    EXPECT_NE(output_.find("flow.expired_idle"), std::string::npos) << output_;

    ASSERT_EQ(run_with("flow:\n  idle_timeout_s: 0\n"), 0) << output_;
    EXPECT_EQ(same_csv(offline_, tmp_.file("out.csv")), "") << "0 is off, the default";
}

TEST_F(Settings, SettingsWithoutEffectAreReported) {
    const std::string path = config(
        "flow:\n  profile: fixed\noutput:\n  timezone: Europe/Berlin\n"
        "decode:\n  tunnels: true\n  ipv6: false\ncapture:\n  snaplen: 1500\n"
        "  promiscuous: false\n");
    EXPECT_EQ(flowmeterd({"--config", path, "-f", pcap_, "--check-config"}), 0) << output_;
    for (const std::string& want :
         {path + ":4: output.timezone: \"Europe/Berlin\" has no effect with flow.profile fixed",
          path + ":6: decode.tunnels: true has no effect with decode.ipv6 false",
          path + ":9: capture.snaplen: has no effect with capture.source pcap_file",
          path + ":10: capture.promiscuous: has no effect with capture.source pcap_file"}) {
        EXPECT_NE(output_.find(want), std::string::npos) << want << "\n" << output_;
    }
    // The start logs the same lines as warnings.
    EXPECT_EQ(flowmeterd({"--config", path, "-f", pcap_, "-o", tmp_.file("w.csv")}), 0) << output_;
    EXPECT_NE(output_.find("output.timezone: \"Europe/Berlin\" has no effect"), std::string::npos)
        << output_;
    // A profile that uses the time zone: no warning.
    const std::string used =
        config("flow:\n  profile: cic2017\noutput:\n  timezone: Europe/Berlin\n");
    EXPECT_EQ(flowmeterd({"--config", used, "-f", pcap_, "--check-config"}), 0) << output_;
    EXPECT_EQ(output_.find("has no effect"), std::string::npos) << output_;
}

TEST_F(Settings, SighupWithOneOutputFileIsReportedAsIgnored) {
    // The capture comes through a FIFO, so the run is still reading when the signal comes.
    const std::string fifo = tmp_.file("in.fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::string out = tmp_.file("one.csv");
    const std::string log = tmp_.file("hup.log");
    const Child child = spawn({programs().flowmeterd, "-f", fifo, "-o", out}, log);
    const int fd = ::open(fifo.c_str(), O_WRONLY);  // returns once flowmeterd opened it
    ASSERT_GE(fd, 0);
    const std::string pcap = slurp(pcap_);
    const std::size_t half = pcap.size() / 2;
    ASSERT_EQ(::write(fd, pcap.data(), half), static_cast<ssize_t>(half));
    ::kill(child.pid, SIGHUP);
    bool reported = false;
    for (int i = 0; i < 2000 && !reported; ++i) {
        reported = slurp(log).find("SIGHUP ignored") != std::string::npos;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(::write(fd, pcap.data() + half, pcap.size() - half),
              static_cast<ssize_t>(pcap.size() - half));
    ::close(fd);
    EXPECT_EQ(wait_exit(child.pid, std::chrono::seconds(60)), 0) << slurp(log);
    EXPECT_TRUE(reported) << slurp(log);
    EXPECT_EQ(same_csv(offline_, out), "") << "the one file holds every row";
}

}  // namespace
}  // namespace fm::daemon_test

int main(int argc, char** argv) {
    return fm::daemon_test::test_main(argc, argv);
}
