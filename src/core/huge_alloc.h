// Allocator for the large arrays that the FHE hot paths stream through (key-switching keys, NTT
// twiddle tables, per-thread scratch, CKKS ciphertexts at N >= 16384): blocks of 1 MB and more are
// 2 MB aligned, rounded up to whole 2 MB pages and marked MADV_HUGEPAGE, so the kernel backs them
// with transparent huge pages where it can (Debian's default THP mode is "madvise"; elsewhere the
// advice is ignored and the block is ordinary memory). Why: a 16384-point CKKS rotation touches a
// 24 MB key, ~16 MB of twiddle tables and ~8 MB of scratch and ciphertext, some 12,000 4 KB pages
// against a 3072-entry second-level TLB; with 2 MB pages about 25 entries, and the rotation ran
// ~20% faster (docs/benchmarks.md). The cost: up to 2 MB - 1 byte of padding per large block.
// Smaller blocks come from the ordinary heap (64-byte aligned).
// Like std::vector's default_init idiom, value-less construction default-initializes: vector(n) and
// resize(n) leave new trivial elements unwritten (the polynomial buffers that use this allocator are
// overwritten by their producers; zero-filling a 2.4 MB ciphertext first cost ~100 us per
// operation). Pass a value, e.g. assign(n, 0), where zeros are wanted.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <utility>

namespace v100 {

/// Whether large blocks are huge-page aligned and advised at all: not in the WebAssembly build,
/// whose linear memory has no pages to advise (2 MB alignment would only waste its heap).
#if defined(__EMSCRIPTEN__)
inline constexpr bool kHugePagesAdvised = false;
#else
inline constexpr bool kHugePagesAdvised = true;
#endif
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
    const bool huge = kHugePagesAdvised && bytes >= kHugeAllocThreshold;
    const std::size_t align = huge ? kHugePageBytes : 64;
    const std::size_t rounded = (bytes + align - 1) / align * align;
    void* p = std::aligned_alloc(align, rounded == 0 ? align : rounded);
    if (p == nullptr) throw std::bad_alloc();
    if (huge) madvise(p, rounded, MADV_HUGEPAGE);  // advisory: a failure leaves ordinary pages
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  /// Default-initializes (no zero fill for trivial types); other constructions as usual.
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace v100
