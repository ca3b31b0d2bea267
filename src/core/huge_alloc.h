// Allocator for the large arrays that the FHE hot paths stream through (key-switching keys, NTT
// twiddle tables, per-thread scratch, CKKS ciphertexts at N >= 16384): blocks of 1 MB and more are
// 2 MB aligned, rounded up to whole 2 MB pages and marked MADV_HUGEPAGE, so the kernel backs them
// with transparent huge pages where it can (Debian's default THP mode is "madvise"; elsewhere the
// advice is ignored and the block is ordinary memory). Why: a 16384-point CKKS rotation touches a
// 24 MB key, ~16 MB of twiddle tables and ~8 MB of scratch and ciphertext, some 12,000 4 KB pages
// against a 3072-entry second-level TLB; with 2 MB pages about 25 entries, and the rotation ran
// ~20% faster (docs/benchmarks.md). The cost: up to 2 MB - 1 byte of padding per large block.
// Smaller blocks come from the ordinary heap (64-byte aligned).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace v100 {

/// Size from which blocks are huge-page aligned and advised, and the huge page size.
inline constexpr std::size_t kHugeAllocThreshold = std::size_t{1} << 20;
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t count) {
    constexpr std::size_t kMaxBytes = static_cast<std::size_t>(PTRDIFF_MAX) - kHugePageBytes;
    if (count > kMaxBytes / sizeof(T)) throw std::bad_alloc();
    const std::size_t bytes = count * sizeof(T);
    const bool huge = bytes >= kHugeAllocThreshold;
    const std::size_t align = huge ? kHugePageBytes : 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (huge) madvise(p, rounded, MADV_HUGEPAGE);  // advisory: a failure leaves ordinary pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

}  // namespace v100
