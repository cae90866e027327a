// SPDX-License-Identifier: BSD-3-Clause
// Starting a program under test as a child process: argv[0] run as it is (no shell, no PATH
// search), its output sent to a file, extra environment variables, and a set-up step run in the
// child just before exec (to enter a network namespace or to drop privileges, for example).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

namespace fm::test_support {

/// What of the child's output goes to the output file.
enum class OutputToFile {
    StandardOutput,          ///< stdout only; stderr stays that of the test
    StandardOutputAndError,  ///< both, in the order they are written
};

using Environment = std::vector<std::pair<std::string, std::string>>;

/// Forks and execs `argv`; returns the child's pid (throws when fork fails). An empty
/// `output_path` leaves the output alone. The child exits 126 when it cannot open the output
/// file and 127 when exec fails; `setup` may _exit with a status of its own.
template <class Setup>
pid_t start_program(const std::vector<std::string>& argv, const std::string& output_path,
                    OutputToFile output, const Environment& env, Setup&& setup) {
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        if (!output_path.empty()) {
            const int fd =
                open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
                (output == OutputToFile::StandardOutputAndError && dup2(fd, STDERR_FILENO) < 0)) {
                _exit(126);
            }
        }
        for (const auto& [k, v] : env) {
            setenv(k.c_str(), v.c_str(), 1);
        }
        setup();
        execv(args[0], args.data());
        _exit(127);
    }
    return pid;
}

}  // namespace fm::test_support
