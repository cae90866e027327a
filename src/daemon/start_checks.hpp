// SPDX-License-Identifier: BSD-3-Clause
// The checks of a configuration against this machine that need no capture handle: they run in
// `--check-config` and again at the start of a run, so that what the check accepts starts
// (config::validate() checks the configuration on its own; these look at the system: the
// capture files' link types for the BPF filter, the CPUs this process may use, the interface,
// the journal). And the settings that have no effect in a configuration, which the start
// reports as warnings instead of ignoring them silently.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/config_loader.hpp"

namespace fm::daemon {

/// Throws config::ConfigError (`WHERE: key: message`, exit 78) for the first problem found:
///  * capture.bpf_filter does not compile for the link type and snapshot length of a capture
///    file (pcap_file), or for Ethernet (pcap_live; the interface's own link type is known only
///    once it is opened);
///  * a CPU of pipeline.cpu_affinity is not one this process may run on;
///  * capture.interface (pcap_live) is not an interface of this machine;
///  * logging.target journald without a journal to write to;
///  * a loadable module the configuration needs cannot be loaded, or librdkafka refuses the
///    producer properties of output.kafka (daemon/modules.hpp). Loading it here puts it before
///    the privilege drop and before any thread.
void check_start_config(const config::DaemonConfig& cfg, const config::Origins& origins);

/// One line (`WHERE: key: text`) per setting that has no effect in this configuration.
std::vector<std::string> ignored_settings(const config::DaemonConfig& cfg,
                                          const config::Origins& origins);

/// The journal's socket; a test may point check_start_config at another path.
inline constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

}  // namespace fm::daemon
