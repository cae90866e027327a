// SPDX-License-Identifier: BSD-3-Clause
// Process exit statuses (sysexits.h values, so that systemd and scripts can tell a bad
// configuration, which restarting will not fix, from a run-time failure).
#pragma once

namespace fm::daemon {

inline constexpr int kExitOk = 0;           ///< finished, or stopped by SIGTERM/SIGINT
inline constexpr int kExitFailure = 1;      ///< run-time failure (capture error, …)
inline constexpr int kExitUsage = 64;       ///< EX_USAGE: command line cannot be parsed
inline constexpr int kExitCantCreate = 73;  ///< EX_CANTCREAT: output cannot be created
inline constexpr int kExitNoPerm = 77;      ///< EX_NOPERM: capture not permitted (CAP_NET_RAW)
inline constexpr int kExitConfig = 78;      ///< EX_CONFIG: configuration rejected

}  // namespace fm::daemon
