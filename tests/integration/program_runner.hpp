// SPDX-License-Identifier: BSD-3-Clause
// Helpers for the integration tests, which run whole programs (flowgen, flowmeterd): a scratch
// directory removed afterwards, running a program with its standard output sent to a file, and
// reading small text files.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "start_program.hpp"
#include "temp_dir.hpp"
#include "text_files.hpp"

namespace fm::integration {

using test_support::TempDir;

/// Runs argv[0] with the given arguments (no shell) and returns its exit status, or -1 when it
/// did not exit normally. Standard output goes to `stdout_path` when it is not empty.
inline int run_program(const std::vector<std::string>& argv, const std::string& stdout_path = "") {
    const pid_t pid = test_support::start_program(
        argv, stdout_path, test_support::OutputToFile::StandardOutput, {}, [] {});
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error("waitpid failed");
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

using test_support::read_file;
using test_support::split_fields;
using test_support::split_lines;

}  // namespace fm::integration
