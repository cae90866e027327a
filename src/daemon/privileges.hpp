// SPDX-License-Identifier: BSD-3-Clause
// Least privilege outside systemd. Capture needs root (or CAP_NET_RAW) only to open its packet
// sockets, and the output needs its directory only to be writable; once the capture handles
// and the output are open, the daemon switches to security.user / security.group and keeps no
// capability at all:
//
//   1. drop every capability from the bounding set and set no_new_privs, so nothing (not even
//      an exec of a setuid program) can bring one back;
//   2. supplementary groups (the user's, initgroups), then setresgid, then setresuid — groups
//      first, because after setresuid the process may no longer change them; glibc applies
//      each to every thread of the process;
//   3. clear the ambient set and capset() an empty effective/permitted/inheritable set (the
//      uid change from 0 already empties them; this also covers a non-root start with
//      capabilities, such as systemd's AmbientCapabilities=CAP_NET_RAW);
//   4. check that it worked: ids as asked, setuid(0) refused, no capability left.
//
// Without security.user a process that runs as a non-root user still gives up its
// capabilities (step 3) where capset is allowed (the systemd unit's system call filter refuses
// it; the unit bounds the service to CAP_NET_RAW instead); one that runs as root keeps them (it
// owns the machine anyway) and logs how to change that. Threads created afterwards (writer,
// workers, capture) inherit the result.
#pragma once

#include <stdexcept>
#include <string>

#include <sys/types.h>

#include "config/config.hpp"

namespace fm::daemon {

/// The switch was asked for but cannot be done (not root, a failing set*id call). The daemon
/// exits 77 (EX_NOPERM).
class PrivilegeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// What the process runs as after drop_privileges().
struct PrivilegeState {
    uid_t uid = 0;
    gid_t gid = 0;
    bool switched = false;      ///< security.user applied
    bool caps_cleared = false;  ///< every capability set is empty
    int caps_error = 0;         ///< why capabilities a non-root start had were kept (errno)
    /// "user flowmeterd (uid 999), group flowmeterd (gid 999)" when switched; otherwise
    /// empty: naming the account takes the name service (NSS modules loaded, files read),
    /// which a run that only logs it at debug level should not pay — see account_text().
    std::string account;
};

/// st.account, or the account of st.uid/st.gid named now.
std::string account_text(const PrivilegeState& st);

/// Applies `sec` as described above. Call after every capture handle and the output are open
/// and before the pipeline's threads start. Throws PrivilegeError.
PrivilegeState drop_privileges(const config::SecurityConfig& sec);

/// True when the calling thread holds any capability in its permitted, effective or ambient
/// set.
bool holds_capabilities() noexcept;

}  // namespace fm::daemon
