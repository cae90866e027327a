// SPDX-License-Identifier: BSD-3-Clause
// Bounds-aware loads of wire bytes. Packet bytes are read through these helpers only (memcpy,
// never casts to packed structs); callers check the length first, the helpers assert it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "common/compiler.hpp"

namespace fm {

using ByteSpan = std::span<const std::uint8_t>;

inline std::uint8_t load_u8(ByteSpan s, std::size_t off) noexcept {
    FM_ASSERT(off + 1 <= s.size());
    return s[off];
}

inline std::uint16_t load_be16(ByteSpan s, std::size_t off) noexcept {
    FM_ASSERT(off + 2 <= s.size());
    return static_cast<std::uint16_t>((s[off] << 8) | s[off + 1]);
}

inline std::uint32_t load_be32(ByteSpan s, std::size_t off) noexcept {
    FM_ASSERT(off + 4 <= s.size());
    return (std::uint32_t{s[off]} << 24) | (std::uint32_t{s[off + 1]} << 16) |
           (std::uint32_t{s[off + 2]} << 8) | std::uint32_t{s[off + 3]};
}

inline std::uint16_t load_le16(ByteSpan s, std::size_t off) noexcept {
    FM_ASSERT(off + 2 <= s.size());
    return static_cast<std::uint16_t>(s[off] | (s[off + 1] << 8));
}

inline std::uint32_t load_le32(ByteSpan s, std::size_t off) noexcept {
    FM_ASSERT(off + 4 <= s.size());
    return std::uint32_t{s[off]} | (std::uint32_t{s[off + 1]} << 8) |
           (std::uint32_t{s[off + 2]} << 16) | (std::uint32_t{s[off + 3]} << 24);
}

/// True when [off, off + len) lies inside s (overflow-safe).
constexpr bool in_bounds(ByteSpan s, std::size_t off, std::size_t len) noexcept {
    return off <= s.size() && len <= s.size() - off;
}

}  // namespace fm
