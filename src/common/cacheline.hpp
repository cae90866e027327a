// SPDX-License-Identifier: BSD-3-Clause
// Cache-line size used to keep per-thread state apart (false sharing between a worker's hot
// fields and the reporter's reads costs more than the padding).
#pragma once

#include <cstddef>

namespace fm {

inline constexpr std::size_t kCacheLine = 64;

}  // namespace fm
