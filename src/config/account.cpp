// SPDX-License-Identifier: BSD-3-Clause
#include "config/account.hpp"

#include <charconv>
#include <vector>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace fm::config {

namespace {

std::optional<std::uint32_t> decimal(const std::string& s) {
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return v;
}

std::size_t buffer_size(int which) {
    const long n = ::sysconf(which);
    return n > 0 ? static_cast<std::size_t>(n) : 16384;
}

}  // namespace

std::optional<uid_t> lookup_user(const std::string& user, gid_t* primary_gid, std::string* name) {
    std::vector<char> buf(buffer_size(_SC_GETPW_R_SIZE_MAX));
    passwd pw{};
    passwd* found = nullptr;
    for (;;) {
        const int e = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
        if (e == ERANGE && buf.size() < (1u << 20)) {
            buf.resize(buf.size() * 2);
            continue;
        }
        break;
    }
    if (found == nullptr) {
        const std::optional<std::uint32_t> id = decimal(user);
        if (!id) {
            return std::nullopt;
        }
        // A number: its passwd entry, when there is one, gives the primary group.
        if (::getpwuid_r(static_cast<uid_t>(*id), &pw, buf.data(), buf.size(), &found) != 0 ||
            found == nullptr) {
            if (primary_gid != nullptr) {
                *primary_gid = static_cast<gid_t>(*id);
            }
            if (name != nullptr) {
                name->clear();
            }
            return static_cast<uid_t>(*id);
        }
    }
    if (primary_gid != nullptr) {
        *primary_gid = found->pw_gid;
    }
    if (name != nullptr) {
        *name = found->pw_name;
    }
    return found->pw_uid;
}

std::optional<gid_t> lookup_group(const std::string& group) {
    std::vector<char> buf(buffer_size(_SC_GETGR_R_SIZE_MAX));
    struct group gr {};
    struct group* found = nullptr;
    for (;;) {
        const int e = ::getgrnam_r(group.c_str(), &gr, buf.data(), buf.size(), &found);
        if (e == ERANGE && buf.size() < (1u << 20)) {
            buf.resize(buf.size() * 2);
            continue;
        }
        break;
    }
    if (found != nullptr) {
        return found->gr_gid;
    }
    if (const std::optional<std::uint32_t> id = decimal(group)) {
        return static_cast<gid_t>(*id);
    }
    return std::nullopt;
}

}  // namespace fm::config
