// SPDX-License-Identifier: BSD-3-Clause
// Raw capget/capset/prctl system calls instead of libcap: the daemon only ever empties the
// sets, which needs no capability names or text forms.
#include "daemon/privileges.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fmt/format.h>

#include "config/account.hpp"

namespace fm::daemon {

namespace {

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

using CapData = __user_cap_data_struct[_LINUX_CAPABILITY_U32S_3];

bool capget_self(CapData& data) noexcept {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::memset(data, 0, sizeof data);
    return ::syscall(SYS_capget, &header, data) == 0;
}

/// Empties the ambient, effective, permitted and inheritable sets of the calling thread.
int clear_capabilities() noexcept {
    // Ambient first: it cannot hold what permitted no longer has, and clearing it needs nothing.
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        return errno;
    }
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    CapData data{};
    return ::syscall(SYS_capset, &header, data) == 0 ? 0 : errno;
}

/// Drops every capability from the bounding set (needs CAP_SETPCAP, which root has).
int drop_bounding_set() noexcept {
    for (unsigned long cap = 0; cap <= 63; ++cap) {
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            if (errno == EINVAL) {
                break;  // past the last capability this kernel knows
            }
            return errno;
        }
    }
    return 0;
}

std::string describe(uid_t uid, gid_t gid) {
    const std::string user = [&] {
        std::string name;
        gid_t primary = 0;
        if (config::lookup_user(std::to_string(uid), &primary, &name) && !name.empty()) {
            return name;
        }
        return std::to_string(uid);
    }();
    std::string group = std::to_string(gid);
    if (const ::group* g = ::getgrgid(gid); g != nullptr) {
        group = g->gr_name;
    }
    return fmt::format("user {} (uid {}), group {} (gid {})", user, uid, group, gid);
}

}  // namespace

bool holds_capabilities() noexcept {
    CapData data{};
    if (!capget_self(data)) {
        return true;  // cannot tell: assume the worst
    }
    for (const auto& d : data) {
        if (d.effective != 0 || d.permitted != 0 || d.inheritable != 0) {
            return true;
        }
    }
    for (unsigned long cap = 0; cap <= 63; ++cap) {
        const int r = ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
        if (r < 0) {
            break;  // past the last capability (or no ambient set at all)
        }
        if (r == 1) {
            return true;
        }
    }
    return false;
}

std::string account_text(const PrivilegeState& st) {
    return st.account.empty() ? describe(st.uid, st.gid) : st.account;
}

PrivilegeState drop_privileges(const config::SecurityConfig& sec) {
    PrivilegeState st;
    if (sec.user.empty()) {
        if (::geteuid() != 0 && holds_capabilities()) {
            // Not fatal: the systemd unit's system call filter refuses capset (EPERM), and
            // the unit already bounds the capabilities to CAP_NET_RAW.
            st.caps_error = clear_capabilities();
        }
        st.uid = ::geteuid();
        st.gid = ::getegid();
        st.caps_cleared = !holds_capabilities();
        return st;
    }

    gid_t gid = 0;
    std::string name;
    const std::optional<uid_t> uid = config::lookup_user(sec.user, &gid, &name);
    if (!uid) {
        throw PrivilegeError(fmt::format("security.user: no user \"{}\"", sec.user));
    }
    if (!sec.group.empty()) {
        const std::optional<gid_t> g = config::lookup_group(sec.group);
        if (!g) {
            throw PrivilegeError(fmt::format("security.group: no group \"{}\"", sec.group));
        }
        gid = *g;
    }
    const std::string target = describe(*uid, gid);
    uid_t ruid = 0, euid = 0, suid = 0;
    gid_t rgid = 0, egid = 0, sgid = 0;
    (void)::getresuid(&ruid, &euid, &suid);
    (void)::getresgid(&rgid, &egid, &sgid);
    if (euid != 0) {
        if (ruid == *uid && euid == *uid && suid == *uid && rgid == gid && egid == gid &&
            sgid == gid) {
            // Started as that account already (su, a container's USER): nothing to switch.
            if (holds_capabilities()) {
                st.caps_error = clear_capabilities();
            }
            st.uid = *uid;
            st.gid = gid;
            st.caps_cleared = !holds_capabilities();
            st.account = target;
            return st;
        }
        throw PrivilegeError(
            fmt::format("security.user: cannot switch to {}: flowmeterd runs as uid {}, not root",
                        target, euid));
    }

    if (const int e = drop_bounding_set(); e != 0) {
        throw PrivilegeError(
            fmt::format("cannot drop the capability bounding set: {}", errno_text(e)));
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw PrivilegeError(fmt::format("cannot set no_new_privs: {}", errno_text(errno)));
    }
    // Without keep-caps, setresuid away from 0 empties the permitted and effective sets.
    (void)::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    const int groups_rc =
        name.empty() || !sec.group.empty() ? ::setgroups(1, &gid) : ::initgroups(name.c_str(), gid);
    if (groups_rc != 0) {
        throw PrivilegeError(fmt::format("cannot set the supplementary groups of {}: {}", target,
                                         errno_text(errno)));
    }
    if (::setresgid(gid, gid, gid) != 0) {
        throw PrivilegeError(fmt::format("setresgid to {}: {}", target, errno_text(errno)));
    }
    if (::setresuid(*uid, *uid, *uid) != 0) {
        throw PrivilegeError(fmt::format("setresuid to {}: {}", target, errno_text(errno)));
    }
    if (const int e = clear_capabilities(); e != 0) {
        throw PrivilegeError(fmt::format("cannot give up capabilities: {}", errno_text(e)));
    }
    (void)::getresuid(&ruid, &euid, &suid);
    (void)::getresgid(&rgid, &egid, &sgid);
    const bool ids_ok =
        ruid == *uid && euid == *uid && suid == *uid && rgid == gid && egid == gid && sgid == gid;
    const bool regained = *uid != 0 && ::setuid(0) == 0;
    if (!ids_ok || regained || holds_capabilities()) {
        throw PrivilegeError(fmt::format("switching to {} did not take effect", target));
    }
    st.uid = *uid;
    st.gid = gid;
    st.switched = true;
    st.caps_cleared = true;
    st.account = target;
    return st;
}

}  // namespace fm::daemon
