#include "math/poly.h"

#include "math/ntt_internal.h"

namespace v100::math {

namespace portable {

void poly_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = add_mod(a[i], b[i], q);
}

void poly_sub(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = sub_mod(a[i], b[i], q);
}

void poly_neg(uint64_t* out, const uint64_t* a, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = neg_mod(a[i], q);
}

void poly_mul(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = mul_mod(a[i], b[i], q);
}

void poly_mul_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = add_mod(out[i], mul_mod(a[i], b[i], q), q);
}

void poly_mul_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q) {
  const uint64_t sr = reduce(s, q);
  const uint64_t ss = shoup_precompute(sr, q);
  for (size_t i = 0; i < n; ++i) out[i] = mul_shoup(a[i], sr, ss, q);
}

}  // namespace portable

namespace {
inline bool use_ifma(const Modulus& q) {
  return q.value() < (uint64_t{1} << 50) && detail::cpu_has_ifma();
}
}  // namespace

void poly_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  if (use_ifma(q)) return detail::poly_add_ifma(out, a, b, n, q.value());
  portable::poly_add(out, a, b, n, q);
}

void poly_sub(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  if (use_ifma(q)) return detail::poly_sub_ifma(out, a, b, n, q.value());
  portable::poly_sub(out, a, b, n, q);
}

void poly_neg(uint64_t* out, const uint64_t* a, size_t n, const Modulus& q) {
  if (use_ifma(q)) return detail::poly_neg_ifma(out, a, n, q.value());
  portable::poly_neg(out, a, n, q);
}

void poly_mul(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  if (use_ifma(q)) {
    int b_ = q.bit_count();
    uint64_t mu = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << (2 * b_)) / q.value());
    return detail::poly_mul_ifma(out, a, b, n, q.value(), b_, mu, false);
  }
  portable::poly_mul(out, a, b, n, q);
}

void poly_mul_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  if (use_ifma(q)) {
    int b_ = q.bit_count();
    uint64_t mu = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << (2 * b_)) / q.value());
    return detail::poly_mul_ifma(out, a, b, n, q.value(), b_, mu, true);
  }
  portable::poly_mul_add(out, a, b, n, q);
}

void poly_mul_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q) {
  if (use_ifma(q)) {
    uint64_t sr = reduce(s, q);
    uint64_t ss = static_cast<uint64_t>((static_cast<unsigned __int128>(sr) << 52) / q.value());
    return detail::poly_mul_scalar_ifma(out, a, sr, ss, n, q.value());
  }
  portable::poly_mul_scalar(out, a, s, n, q);
}

}  // namespace v100::math
