// SPDX-License-Identifier: BSD-3-Clause
// ZeroedArray: a fixed-size array allocated once, all bytes zero. Large tables (a million flow
// slots) are anonymous mappings backed by zero pages the kernel maps on first touch, so creating
// an engine costs nothing per slot and only the parts in use occupy memory. They are also
// offered to transparent huge pages (madvise MADV_HUGEPAGE, which is what the kernel's default
// "madvise" THP mode waits for): a flow table is hit at random, and with 4 KiB pages nearly
// every packet of a table larger than the TLB's reach pays a page walk on top of its cache
// miss. Without THP the advice is ignored and the table works the same on small pages.
// T must be an implicit-lifetime type (aggregate or trivially constructible, trivially
// destructible) whose all-zero bytes are a valid "unused" value; the users state which field
// says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <type_traits>

#include <sys/mman.h>

namespace fm::flow {

template <typename T>
class ZeroedArray {
    static_assert(std::is_trivially_destructible_v<T>);
    static_assert(std::is_trivially_copyable_v<T>);

public:
    /// Arrays from this size on are mapped (and advised to use huge pages); smaller ones come
    /// from calloc.
    static constexpr std::size_t kMapFrom = std::size_t{2} << 20;

    ZeroedArray() = default;
    /// Allocates `n` zeroed elements aligned to alignof(T) (a cache line for flow states);
    /// throws std::bad_alloc when memory is short (setup only).
    explicit ZeroedArray(std::size_t n) : size_(n) {
        if (n == 0) {
            return;
        }
        constexpr std::size_t kAlign = alignof(T);
        static_assert(kAlign <= 4096, "mappings are page-aligned");
        const std::size_t bytes = n * sizeof(T);
        if (bytes >= kMapFrom) {
            // Whole huge pages starting on a huge-page boundary (mmap promises only 4 KiB
            // alignment), so every part of the array can be backed by huge pages. The extra
            // address space is never touched, so it costs no memory.
            const std::size_t used = (bytes + kMapFrom - 1) / kMapFrom * kMapFrom;
            mapped_bytes_ = used + kMapFrom;
            void* m = mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            if (m == MAP_FAILED) {
                mapped_bytes_ = 0;
                throw std::bad_alloc();
            }
            raw_ = m;
            const auto addr = reinterpret_cast<std::uintptr_t>(m);
            data_ = reinterpret_cast<T*>((addr + kMapFrom - 1) / kMapFrom * kMapFrom);
            // Advice only: EINVAL without THP support changes nothing but the page size.
            (void)madvise(data_, used, MADV_HUGEPAGE);
            return;
        }
        // calloc guarantees only 16-byte alignment: over-allocate and round the start up.
        void* raw = std::calloc(bytes + kAlign, 1);
        if (raw == nullptr) {
            throw std::bad_alloc();
        }
        raw_ = raw;
        const auto addr = reinterpret_cast<std::uintptr_t>(raw);
        data_ = reinterpret_cast<T*>((addr + kAlign - 1) / kAlign * kAlign);
    }

    ZeroedArray(const ZeroedArray&) = delete;
    ZeroedArray& operator=(const ZeroedArray&) = delete;
    ZeroedArray(ZeroedArray&& o) noexcept { take(o); }
    ZeroedArray& operator=(ZeroedArray&& o) noexcept {
        if (this != &o) {
            release();
            take(o);
        }
        return *this;
    }
    ~ZeroedArray() { release(); }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    T* data() noexcept { return data_; }

private:
    void release() noexcept {
        if (raw_ == nullptr) {
            return;
        }
        if (mapped_bytes_ != 0) {
            munmap(raw_, mapped_bytes_);
        } else {
            std::free(raw_);
        }
        raw_ = nullptr;
    }
    void take(ZeroedArray& o) noexcept {
        raw_ = o.raw_;
        data_ = o.data_;
        size_ = o.size_;
        mapped_bytes_ = o.mapped_bytes_;
        o.raw_ = nullptr;
        o.data_ = nullptr;
        o.size_ = 0;
        o.mapped_bytes_ = 0;
    }

    void* raw_ = nullptr;  ///< what release() gives back: the mapping or the calloc block
    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t mapped_bytes_ = 0;  ///< 0: calloc block
};

}  // namespace fm::flow
