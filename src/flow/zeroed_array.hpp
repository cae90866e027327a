// SPDX-License-Identifier: BSD-3-Clause
// ZeroedArray: a fixed-size array allocated once with calloc. Large tables (a million flow
// slots) are then backed by zero pages the kernel maps on first touch, so creating an engine
// costs nothing per slot and only the slots in use occupy memory. T must be an implicit-lifetime
// type (aggregate or trivially constructible, trivially destructible) whose all-zero bytes are a
// valid "unused" value; the users below state which field says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace fm::flow {

template <typename T>
class ZeroedArray {
    static_assert(std::is_trivially_destructible_v<T>);
    static_assert(std::is_trivially_copyable_v<T>);

public:
    ZeroedArray() = default;
    /// Allocates `n` zeroed elements aligned to alignof(T) (a cache line for flow states);
    /// throws std::bad_alloc when memory is short (setup only).
    explicit ZeroedArray(std::size_t n) : size_(n) {
        if (n == 0) {
            return;
        }
        // calloc guarantees only 16-byte alignment: over-allocate and round the start up.
        constexpr std::size_t kAlign = alignof(T);
        void* raw = std::calloc(n * sizeof(T) + kAlign, 1);
        if (raw == nullptr) {
            throw std::bad_alloc();
        }
        raw_.reset(raw);
        const auto addr = reinterpret_cast<std::uintptr_t>(raw);
        data_ = reinterpret_cast<T*>((addr + kAlign - 1) / kAlign * kAlign);
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    T* data() noexcept { return data_; }

private:
    struct Free {
        void operator()(void* p) const noexcept { std::free(p); }
    };
    std::unique_ptr<void, Free> raw_;
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace fm::flow
