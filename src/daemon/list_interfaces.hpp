// SPDX-License-Identifier: BSD-3-Clause
// -l/--list: the capture interfaces libpcap sees, with description, state and addresses, as
// the seed printed them, so a user can pick the name for -i or capture.interface.
#pragma once

#include <cstdio>
#include <string>

namespace fm::daemon {

/// Text of the interface list; throws std::runtime_error with libpcap's message on failure.
std::string list_interfaces();

}  // namespace fm::daemon
