// SPDX-License-Identifier: BSD-3-Clause
// Conformance against the reference CICFlowMeter builds: for every golden CSV of every profile
// under $FM_SHARED_DIR/golden/<profile>/, run what `flowmeterd -f CAPTURE -o OUT --profile P
// ...` runs (the command line parsed by the program's own parser, then daemon::Run, the one data
// path of every run) on the capture with the same relative path under $FM_SHARED_DIR/pcaps/
// (flags as tools/conformance.sh passes them), read OUT and compare with the golden: header
// text exact, rows as a multiset with every field text-exact. Differences are printed as capture /
// row key / column / expected / got; any difference not listed in known_deviations.txt fails the
// test. Prints "rows equal / total" per profile.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "common/profile.hpp"
#include "daemon/cli.hpp"
#include "daemon/run.hpp"
#include "shared_dir.hpp"
#include "text_files.hpp"

namespace fm {
namespace {

namespace fs = std::filesystem;

using Fields = std::vector<std::string>;
using test_support::read_file;
using test_support::shared_dir;
using test_support::split_fields;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (!line.empty()) {
            out.push_back(line);
        }
    }
    return out;
}

/// An accepted deviation: (capture, profile, column); column "*" = whole rows may differ.
struct Deviation {
    std::string capture;
    std::string profile;
    std::string column;
};

std::vector<Deviation> load_deviations(const fs::path& file) {
    std::vector<Deviation> out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        // capture | profile | column | reason
        std::vector<std::string> parts;
        std::string cur;
        std::istringstream s(line);
        while (std::getline(s, cur, '|')) {
            const auto b = cur.find_first_not_of(' ');
            const auto e = cur.find_last_not_of(' ');
            parts.push_back(b == std::string::npos ? "" : cur.substr(b, e - b + 1));
        }
        if (parts.size() >= 4) {
            out.push_back({parts[0], parts[1], parts[2]});
        }
    }
    return out;
}

bool accepted(const std::vector<Deviation>& devs, const std::string& capture,
              const std::string& profile, const std::string& column) {
    return std::any_of(devs.begin(), devs.end(), [&](const Deviation& d) {
        return d.capture == capture && d.profile == profile &&
               (d.column == column || d.column == "*");
    });
}

struct CaptureResult {
    std::size_t total = 0;              ///< reference rows
    std::size_t equal = 0;              ///< reference rows with an identical candidate row
    std::vector<std::string> problems;  ///< unaccepted differences, one line each
    std::vector<std::string> notes;     ///< accepted differences
};

std::string row_key(const Fields& f) {
    std::string k;
    for (std::size_t i = 0; i < 6 && i < f.size(); ++i) {
        k += (i ? "," : "") + f[i];
    }
    return k;
}

CaptureResult compare(const std::string& capture, const std::string& profile,
                      const std::string& golden_text, const std::string& got_text,
                      const std::vector<Deviation>& devs) {
    CaptureResult r;
    const auto exp_lines = lines_of(golden_text);
    const auto got_lines = lines_of(got_text);
    if (exp_lines.empty()) {
        r.problems.push_back(capture + ": golden file is empty");
        return r;
    }
    const std::string header = exp_lines[0];
    const Fields names = split_fields(header);
    if (got_lines.empty() || got_lines[0] != header) {
        r.problems.push_back(capture + ": header differs: expected '" + header + "' got '" +
                             (got_lines.empty() ? std::string("<none>") : got_lines[0]) + "'");
    }
    std::multiset<std::string> exp(exp_lines.begin() + 1, exp_lines.end());
    std::multiset<std::string> got;
    if (!got_lines.empty()) {
        got.insert(got_lines.begin() + 1, got_lines.end());
    }
    r.total = exp.size();
    // Exact matches first.
    std::vector<std::string> exp_left;
    for (const auto& line : exp) {
        const auto it = got.find(line);
        if (it != got.end()) {
            got.erase(it);
            ++r.equal;
        } else {
            exp_left.push_back(line);
        }
    }
    // Pair the rest by 5-tuple key, greedily by the number of equal fields.
    std::vector<Fields> got_left;
    for (const auto& line : got) {
        got_left.push_back(split_fields(line));
    }
    std::vector<bool> used(got_left.size(), false);
    const auto column_name = [&](std::size_t i) {
        std::string n = i < names.size() ? names[i] : "#" + std::to_string(i);
        while (!n.empty() && n.front() == ' ') {
            n.erase(n.begin());
        }
        return n;
    };
    for (const auto& line : exp_left) {
        const Fields e = split_fields(line);
        std::size_t best = got_left.size();
        std::size_t best_eq = 0;
        for (std::size_t j = 0; j < got_left.size(); ++j) {
            if (used[j] || row_key(got_left[j]) != row_key(e)) {
                continue;
            }
            std::size_t eq = 0;
            for (std::size_t i = 0; i < e.size() && i < got_left[j].size(); ++i) {
                eq += e[i] == got_left[j][i];
            }
            if (best == got_left.size() || eq > best_eq) {
                best = j;
                best_eq = eq;
            }
        }
        if (best == got_left.size()) {
            const std::string msg = capture + " [" + row_key(e) + "]: missing row";
            (accepted(devs, capture, profile, "*") ? r.notes : r.problems).push_back(msg);
            continue;
        }
        used[best] = true;
        const Fields& g = got_left[best];
        for (std::size_t i = 0; i < std::max(e.size(), g.size()); ++i) {
            const std::string ev = i < e.size() ? e[i] : "<none>";
            const std::string gv = i < g.size() ? g[i] : "<none>";
            if (ev == gv) {
                continue;
            }
            const std::string col = column_name(i);
            const std::string msg = capture + " [" + row_key(e) + "] " + col + ": expected '" + ev +
                                    "' got '" + gv + "'";
            (accepted(devs, capture, profile, col) ? r.notes : r.problems).push_back(msg);
        }
    }
    for (std::size_t j = 0; j < got_left.size(); ++j) {
        if (!used[j]) {
            const std::string msg = capture + " [" + row_key(got_left[j]) + "]: extra row";
            (accepted(devs, capture, profile, "*") ? r.notes : r.problems).push_back(msg);
        }
    }
    return r;
}

/// The flags tools/conformance.sh passes for a capture.
/// The command line tools/conformance.sh gives flowmeterd for this capture and profile.
std::vector<std::string> arguments_for(Profile profile, const std::string& rel,
                                       const fs::path& capture, const fs::path& out) {
    std::vector<std::string> args = {"flowmeterd",
                                     "-f",
                                     capture.string(),
                                     "-o",
                                     out.string(),
                                     "--profile",
                                     std::string(to_string(profile)),
                                     "--ipv4-only",
                                     "--timezone"};
    const bool cic_sample = rel.rfind("cic-sample/", 0) == 0;
    args.emplace_back(profile != Profile::Fixed && cic_sample ? "America/Halifax" : "UTC");
    if (profile == Profile::Cic2017 && cic_sample) {
        args.insert(args.end(), {"--label", "BENIGN"});
    }
    return args;
}

/// Runs the program's path on `args` and returns the CSV it wrote; `error` says why not.
std::string run_flowmeterd(const std::vector<std::string>& args, const fs::path& out,
                           std::string& error) {
    std::vector<const char*> argv;
    for (const std::string& a : args) {
        argv.push_back(a.c_str());
    }
    daemon::CliResult cli = daemon::parse_command_line(static_cast<int>(argv.size()), argv.data());
    // Room for every capture's flows (the largest has about 38 000) without the default
    // million-entry table, which costs seconds per run under the sanitizers. The table size
    // changes no row while it holds every flow (flow.evicted_table_full stays 0, checked).
    cli.config.flow.max_flows = 1 << 18;
    cli.config.output.fsync = false;
    try {
        const daemon::PipelineResult r = daemon::run_to_end(cli.config);
        if (!r.source_errors.empty()) {
            error = r.source_errors.front();
        }
        if (r.flow.evicted_table_full != 0) {
            error = "the test's flow table was too small";
        }
    } catch (const std::exception& e) {
        error = e.what();
        return {};
    }
    std::string csv = read_file(out);
    fs::remove(out);
    return csv;
}

class Conformance : public ::testing::TestWithParam<Profile> {};

TEST_P(Conformance, GoldenRowsAreReproducedExactly) {
    const Profile profile = GetParam();
    const std::string pname{to_string(profile)};
    const fs::path shared = shared_dir();
    ASSERT_FALSE(shared.empty())
        << "FM_SHARED_DIR is not set: the conformance suite needs the reference captures and "
           "golden files (../shared). Run it through `meson test`.";
    const fs::path golden_root = shared / "golden" / pname;
    const fs::path pcap_root = shared / "pcaps";
    ASSERT_TRUE(fs::is_directory(golden_root)) << golden_root << " does not exist";
    ASSERT_TRUE(fs::is_directory(pcap_root)) << pcap_root << " does not exist";

    const char* src_root = std::getenv("FM_SOURCE_ROOT");
    const fs::path dev_file = fs::path(src_root != nullptr ? src_root : ".") / "tests" /
                              "conformance" / "known_deviations.txt";
    const std::vector<Deviation> devs = load_deviations(dev_file);

    std::vector<fs::path> goldens;
    for (const auto& e : fs::recursive_directory_iterator(golden_root)) {
        if (e.is_regular_file() && e.path().extension() == ".csv") {
            goldens.push_back(e.path());
        }
    }
    std::sort(goldens.begin(), goldens.end());
    ASSERT_FALSE(goldens.empty()) << "no golden files under " << golden_root;

    const fs::path work_dir =
        fs::temp_directory_path() / ("fm-conformance-" + pname + "-" + std::to_string(::getpid()));
    fs::create_directories(work_dir);
    std::size_t total = 0;
    std::size_t equal = 0;
    std::size_t captures = 0;
    std::size_t exact_captures = 0;
    std::vector<std::string> problems;
    std::vector<std::string> notes;
    for (const fs::path& g : goldens) {
        std::string rel = fs::relative(g, golden_root).generic_string();
        rel.resize(rel.size() - 4);  // drop ".csv"
        const fs::path capture = pcap_root / rel;
        if (!fs::exists(capture)) {
            problems.push_back(rel + ": golden file without capture " + capture.string());
            continue;
        }
        ++captures;
        const fs::path out = work_dir / (pname + ".csv");
        std::string error;
        const std::string csv =
            run_flowmeterd(arguments_for(profile, rel, capture, out), out, error);
        if (!error.empty()) {
            problems.push_back(rel + ": " + error);
            continue;
        }
        const CaptureResult r = compare(rel, pname, read_file(g), csv, devs);
        total += r.total;
        equal += r.equal;
        exact_captures += r.problems.empty() && r.notes.empty() && r.equal == r.total;
        problems.insert(problems.end(), r.problems.begin(), r.problems.end());
        notes.insert(notes.end(), r.notes.begin(), r.notes.end());
    }
    fs::remove_all(work_dir);
    std::cout << pname << ": rows equal " << equal << " / " << total << " over " << captures
              << " captures (" << exact_captures << " exact)\n";
    for (const auto& n : notes) {
        std::cout << "  accepted deviation: " << n << "\n";
    }
    constexpr std::size_t kShow = 200;
    for (std::size_t i = 0; i < problems.size() && i < kShow; ++i) {
        ADD_FAILURE() << problems[i];
    }
    if (problems.size() > kShow) {
        ADD_FAILURE() << (problems.size() - kShow) << " more differences not shown";
    }
    EXPECT_TRUE(problems.empty()) << pname << ": " << problems.size() << " unaccepted differences";
}

INSTANTIATE_TEST_SUITE_P(Profiles, Conformance,
                         ::testing::Values(Profile::Cic2017, Profile::Cic2018, Profile::V4,
                                           Profile::Fixed),
                         [](const ::testing::TestParamInfo<Profile>& param) {
                             return std::string(to_string(param.param));
                         });

}  // namespace
}  // namespace fm
