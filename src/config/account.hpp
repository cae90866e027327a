// SPDX-License-Identifier: BSD-3-Clause
// security.user / security.group resolved to numeric ids (the passwd and group databases
// through NSS, or a plain number). Used by validate() to reject an unknown name at start, and by
// the daemon when it switches to that account.
#pragma once

#include <optional>
#include <string>

#include <sys/types.h>

namespace fm::config {

/// A user name or a decimal uid; also gives the user's primary group and passwd name (empty
/// for a number without a passwd entry).
std::optional<uid_t> lookup_user(const std::string& user, gid_t* primary_gid = nullptr,
                                 std::string* name = nullptr);
/// A group name or a decimal gid.
std::optional<gid_t> lookup_group(const std::string& group);

}  // namespace fm::config
