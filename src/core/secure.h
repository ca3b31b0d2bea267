// Secret handling: wiping, constant-time comparison and selection, a move-only wiped buffer, and
// Valgrind hooks that mark secrets "undefined" so memcheck reports any branch or index on them
// (the constant-time tests run under valgrind with V100_CT_POISON on the secret inputs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define V100_CT_POISON(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define V100_CT_UNPOISON(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define V100_CT_POISON(p, n) ((void)(p), (void)(n))
#define V100_CT_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace v100 {

/// Overwrites `n` bytes at `p` with zeros in a way the compiler cannot elide (OPENSSL_cleanse).
void secure_wipe(void* p, size_t n);

template <typename T>
void secure_wipe(std::vector<T>& v) {
  if (!v.empty()) secure_wipe(v.data(), v.size() * sizeof(T));
}

/// Constant-time equality of two equal-length byte ranges (false if lengths differ; the length
/// itself is public).
bool ct_equal(std::span<const uint8_t> a, std::span<const uint8_t> b);

/// All-ones mask if x == 0, else 0; no branch.
inline uint64_t ct_is_zero_mask(uint64_t x) {
  return ((x | (0 - x)) >> 63) - 1;
}

/// Constant-time byte select: mask must be 0x00 or 0xFF; returns mask ? a : b.
inline uint8_t ct_select_u8(uint8_t mask, uint8_t a, uint8_t b) {
  return static_cast<uint8_t>((a & mask) | (b & ~mask));
}

/// Move-only owning byte buffer for secret material: wiped on destruction, no copy, no ==.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  explicit SecretBytes(std::span<const uint8_t> src) : data_(src.begin(), src.end()) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) { o.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      secure_wipe(data_);
      data_ = std::move(o.data_);
      o.data_.clear();
    }
    return *this;
  }
  ~SecretBytes() { secure_wipe(data_); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::span<uint8_t> span() { return data_; }
  std::span<const uint8_t> span() const { return data_; }
  /// An explicit copy, so duplicating a secret is visible in review.
  SecretBytes clone() const { return SecretBytes(span()); }

 private:
  std::vector<uint8_t> data_;
};

/// Wipes a trivially-copyable object (a stack array of key material) when it leaves scope.
template <typename T>
class WipeOnExit {
 public:
  explicit WipeOnExit(T& obj) : obj_(obj) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  ~WipeOnExit() { secure_wipe(&obj_, sizeof(T)); }

 private:
  T& obj_;
};

}  // namespace v100
