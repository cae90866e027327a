// SPDX-License-Identifier: BSD-3-Clause
// Strict UTF-8 check for text taken from configuration files. YAML text is Unicode: yaml-cpp
// reads other bytes as they are but writes them back as U+FFFD, so a value that is not UTF-8
// would not survive to_yaml() (--check-config) and would put bytes no CSV reader expects into
// the rows.
#pragma once

#include <string_view>

namespace fm::config {

/// True when `s` is UTF-8 with no overlong forms, surrogates or code points above U+10FFFF.
bool valid_utf8(std::string_view s) noexcept;

}  // namespace fm::config
