#include "math/poly.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/cpu.h"
#include "math/ntt_internal.h"

namespace v100::math {

namespace portable {

void poly_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = add_mod(a[i], b[i], q);
}

void poly_sub(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = sub_mod(a[i], b[i], q);
}

void poly_add_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q) {
  const uint64_t sr = reduce(s, q);
  for (size_t i = 0; i < n; ++i) out[i] = add_mod(a[i], sr, q);
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

void poly_dot(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count, size_t n,
              const Modulus& q) {
  // Products < 2^122: 64 of them fit in 128 bits; longer sums are reduced per chunk of 64.
  for (size_t i = 0; i < n; ++i) {
    uint64_t total = 0;
    for (size_t d0 = 0; d0 < count; d0 += 64) {
      const size_t d1 = std::min(count, d0 + 64);
      unsigned __int128 acc = 0;
      for (size_t d = d0; d < d1; ++d) acc += static_cast<unsigned __int128>(a[d][i]) * b[d][i];
      total = add_mod(total, reduce_u128(static_cast<uint64_t>(acc >> 64), static_cast<uint64_t>(acc), q), q);
    }
    out[i] = total;
  }
}

namespace {
// The portable inner products against an interleaved key block; key_word(j, d, half, lane) reads
// one word (half 0: b0, 1: b1).
template <class KeyWord>
void dot2_interleaved(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const KeyWord& key_word,
                      size_t count, size_t n, const Modulus& q, bool accumulate) {
  using u128 = unsigned __int128;
  // Key words are b * 2^52 mod q: each reduced sum is multiplied by 2^-52 mod q.
  const uint64_t rinv = inv_mod(static_cast<uint64_t>((u128{1} << 52) % q.value()), q);
  const uint64_t rinv_s = shoup_precompute(rinv, q);
  for (size_t i = 0; i < n; ++i) {
    uint64_t total[2] = {accumulate ? out0[i] : 0, accumulate ? out1[i] : 0};
    for (size_t d0 = 0; d0 < count; d0 += 64) {  // products < 2^122: 64 fit in 128 bits
      const size_t d1 = std::min(count, d0 + 64);
      u128 acc[2] = {0, 0};
      for (size_t d = d0; d < d1; ++d) {
        acc[0] += static_cast<u128>(a[d][i]) * key_word(i / 8, d, 0, i % 8);
        acc[1] += static_cast<u128>(a[d][i]) * key_word(i / 8, d, 1, i % 8);
      }
      for (int o = 0; o < 2; ++o) {
        const uint64_t sum =
            reduce_u128(static_cast<uint64_t>(acc[o] >> 64), static_cast<uint64_t>(acc[o]), q);
        total[o] = add_mod(total[o], mul_shoup(sum, rinv, rinv_s, q), q);
      }
    }
    out0[i] = total[0];
    out1[i] = total[1];
  }
}
}  // namespace

void poly_dot2_interleaved(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const uint64_t* key,
                           size_t count, size_t stride, size_t n, const Modulus& q, bool accumulate) {
  dot2_interleaved(
      out0, out1, a,
      [key, stride](size_t j, size_t d, size_t half, size_t lane) {
        return key[(j * stride + d) * 16 + half * 8 + lane];
      },
      count, n, q, accumulate);
}

void poly_dot2_interleaved_packed40(uint64_t* out0, uint64_t* out1, const uint64_t* const* a,
                                    const uint8_t* key, size_t count, size_t stride, size_t n,
                                    const Modulus& q, bool accumulate) {
  dot2_interleaved(
      out0, out1, a,
      [key, stride](size_t j, size_t d, size_t half, size_t lane) {
        return load40(key + (j * stride + d) * 80 + half * 40 + lane * 5);
      },
      count, n, q, accumulate);
}

void poly_mul_scalar_add(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q) {
  const uint64_t sr = reduce(s, q);
  const uint64_t ss = shoup_precompute(sr, q);
  for (size_t i = 0; i < n; ++i) out[i] = add_mod(out[i], mul_shoup(a[i], sr, ss, q), q);
}

void poly_reduce(uint64_t* out, const uint64_t* in, size_t n, const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = reduce(in[i], q);
}

void poly_drop_prime(uint64_t* out, const uint64_t* x, const uint64_t* c, uint64_t ql, uint64_t inv_ql,
                     size_t n, const Modulus& qj) {
  if (ql >= 2 * qj.value()) throw std::invalid_argument("poly_drop_prime: q_l must be below 2 q_j");
  const uint64_t qjv = qj.value(), half = ql / 2, ql_mod = reduce(ql, qj);
  const uint64_t inv = reduce(inv_ql, qj), inv_s = shoup_precompute(inv, qj);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t big = 0 - static_cast<uint64_t>(c[i] > half);  // c read as c - q_l
    const uint64_t lift = sub_mod(csub(c[i], qjv), ql_mod & big, qj);
    out[i] = mul_shoup(sub_mod(x[i], lift, qj), inv, inv_s, qj);
  }
}

void poly_sub_mul_scalar(uint64_t* out, const uint64_t* x, const uint64_t* v, uint64_t s, size_t n,
                         const Modulus& q) {
  const uint64_t sr = reduce(s, q);
  for (size_t i = 0; i < n; ++i) out[i] = mul_mod(sub_mod(x[i], v[i], q), sr, q);
}

void poly_lift_combine(uint64_t* out, const uint64_t* a, const uint64_t* b, uint64_t c, uint64_t e, size_t n,
                       const Modulus& q) {
  const uint64_t cr = reduce(c, q), er = reduce(e, q);
  for (size_t i = 0; i < n; ++i) {
    uint64_t r = add_mod(reduce(a[i], q), er, q);
    if (b) r = add_mod(r, mul_mod(reduce(b[i], q), cr, q), q);
    out[i] = r;
  }
}

void poly_dot_scalar_add(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count,
                         uint64_t s, size_t n, const Modulus& q) {
  const uint64_t sr = reduce(s, q);
  std::vector<uint64_t> t(n);
  portable::poly_dot(t.data(), a, b, count, n, q);
  for (size_t i = 0; i < n; ++i) out[i] = add_mod(out[i], mul_mod(t[i], sr, q), q);
}

void permute(uint64_t* out, const uint64_t* in, const uint32_t* perm, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = in[perm[i]];
}

void permute_add(uint64_t* out, const uint64_t* x, const uint64_t* in, const uint32_t* perm, size_t n,
                 const Modulus& q) {
  for (size_t i = 0; i < n; ++i) out[i] = add_mod(x[i], in[perm[i]], q);
}

void poly_tensor_fold(uint64_t* d2, uint64_t* f0, uint64_t* f1, const uint64_t* a0, const uint64_t* a1,
                      const uint64_t* b0, const uint64_t* b1, uint64_t s, size_t n, const Modulus& q) {
  const uint64_t sr = reduce(s, q);
  for (size_t i = 0; i < n; ++i) {
    d2[i] = mul_mod(a1[i], b1[i], q);
    f0[i] = mul_mod(mul_mod(a0[i], b0[i], q), sr, q);
    f1[i] = mul_mod(add_mod(mul_mod(a0[i], b1[i], q), mul_mod(a1[i], b0[i], q), q), sr, q);
  }
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

void poly_add_scalar(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q) {
  if (use_ifma(q)) return detail::poly_add_scalar_ifma(out, a, reduce(s, q), n, q.value());
  portable::poly_add_scalar(out, a, s, n, q);
}

void poly_neg(uint64_t* out, const uint64_t* a, size_t n, const Modulus& q) {
  if (use_ifma(q)) return detail::poly_neg_ifma(out, a, n, q.value());
  portable::poly_neg(out, a, n, q);
}

void poly_mul(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  if (use_ifma(q)) return detail::poly_mul_ifma(out, a, b, n, q.value(), false);
  portable::poly_mul(out, a, b, n, q);
}

void poly_mul_add(uint64_t* out, const uint64_t* a, const uint64_t* b, size_t n, const Modulus& q) {
  if (use_ifma(q)) return detail::poly_mul_ifma(out, a, b, n, q.value(), true);
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

namespace {
// Montgomery constants for R = 2^52: -q^-1 mod 2^52 (Newton: each of the 6 steps doubles the
// number of correct low bits, 1 -> 64) and R^2 mod q.
struct Mont52 {
  uint64_t q_neg_inv, r2;
  explicit Mont52(uint64_t q) {
    uint64_t inv = 1;
    for (int it = 0; it < 6; ++it) inv *= 2 - q * inv;
    q_neg_inv = (0 - inv) & ((uint64_t{1} << 52) - 1);
    r2 = static_cast<uint64_t>((static_cast<unsigned __int128>(1) << 104) % q);
  }
};
}  // namespace

void poly_dot(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count, size_t n,
              const Modulus& q) {
  if (use_ifma(q)) {
    Mont52 mc(q.value());
    return detail::poly_dot_ifma(out, a, b, count, n, q.value(), mc.q_neg_inv, mc.r2);
  }
  portable::poly_dot(out, a, b, count, n, q);
}

void poly_mul_scalar_add(uint64_t* out, const uint64_t* a, uint64_t s, size_t n, const Modulus& q) {
  if (use_ifma(q)) {
    uint64_t sr = reduce(s, q);
    uint64_t ss = static_cast<uint64_t>((static_cast<unsigned __int128>(sr) << 52) / q.value());
    return detail::poly_mul_scalar_add_ifma(out, a, sr, ss, n, q.value());
  }
  portable::poly_mul_scalar_add(out, a, s, n, q);
}

using detail::ratio52;
using detail::shoup52;

void poly_dot2_interleaved(uint64_t* out0, uint64_t* out1, const uint64_t* const* a, const uint64_t* key,
                           size_t count, size_t stride, size_t n, const Modulus& q, bool accumulate) {
  if (n % 8 != 0 || count > stride) throw std::invalid_argument("poly_dot2_interleaved: bad shape");
  if (use_ifma(q)) {
    Mont52 mc(q.value());
    return detail::poly_dot2_interleaved_ifma(out0, out1, a, key, count, stride, n, q.value(), mc.q_neg_inv,
                                              mc.r2, accumulate);
  }
  portable::poly_dot2_interleaved(out0, out1, a, key, count, stride, n, q, accumulate);
}

void poly_dot2_interleaved_packed40(uint64_t* out0, uint64_t* out1, const uint64_t* const* a,
                                    const uint8_t* key, size_t count, size_t stride, size_t n,
                                    const Modulus& q, bool accumulate) {
  if (n % 8 != 0 || count > stride || q.value() >= (uint64_t{1} << 40)) {
    throw std::invalid_argument("poly_dot2_interleaved_packed40: bad shape or modulus above 2^40");
  }
  if (use_ifma(q) && cpu::active().avx512vbmi) {
    Mont52 mc(q.value());
    return detail::poly_dot2_interleaved_packed40_ifma(out0, out1, a, key, count, stride, n, q.value(),
                                                       mc.q_neg_inv, mc.r2, accumulate);
  }
  portable::poly_dot2_interleaved_packed40(out0, out1, a, key, count, stride, n, q, accumulate);
}

void poly_tensor_fold(uint64_t* d2, uint64_t* f0, uint64_t* f1, const uint64_t* a0, const uint64_t* a1,
                      const uint64_t* b0, const uint64_t* b1, uint64_t s, size_t n, const Modulus& q) {
  if (use_ifma(q)) {
    Mont52 mc(q.value());
    // The kernel takes s R mod q (R = 2^52; see poly_avx512.cc).
    const uint64_t sr = mul_mod(reduce(s, q), (uint64_t{1} << 52) % q.value(), q);
    return detail::poly_tensor_fold_ifma(d2, f0, f1, a0, a1, b0, b1, sr, shoup52(sr, q), n, q.value(),
                                         mc.q_neg_inv, mc.r2);
  }
  portable::poly_tensor_fold(d2, f0, f1, a0, a1, b0, b1, s, n, q);
}

void poly_reduce_below(uint64_t* out, const uint64_t* in, uint64_t bound, size_t n, const Modulus& q) {
  if (bound <= q.value()) {
    if (out != in) std::copy(in, in + n, out);
    return;
  }
  if (use_ifma(q) && bound <= (uint64_t{1} << 52))
    return detail::poly_reduce52_ifma(out, in, n, q.value(), ratio52(q));
  poly_reduce(out, in, n, q);
}

void poly_drop_prime(uint64_t* out, const uint64_t* x, const uint64_t* c, uint64_t ql, uint64_t inv_ql,
                     size_t n, const Modulus& qj) {
  if (ql >= 2 * qj.value()) throw std::invalid_argument("poly_drop_prime: q_l must be below 2 q_j");
  if (use_ifma(qj)) {
    const uint64_t inv = reduce(inv_ql, qj);
    return detail::poly_drop_prime_ifma(out, x, c, ql, reduce(ql, qj), inv, shoup52(inv, qj), n, qj.value());
  }
  portable::poly_drop_prime(out, x, c, ql, inv_ql, n, qj);
}

void poly_sub_mul_scalar(uint64_t* out, const uint64_t* x, const uint64_t* v, uint64_t s, size_t n,
                         const Modulus& q) {
  if (use_ifma(q)) {
    const uint64_t sr = reduce(s, q);
    return detail::poly_sub_mul_scalar_ifma(out, x, v, sr, shoup52(sr, q), n, q.value());
  }
  portable::poly_sub_mul_scalar(out, x, v, s, n, q);
}

void poly_lift_combine(uint64_t* out, const uint64_t* a, const uint64_t* b, uint64_t c, uint64_t e, size_t n,
                       const Modulus& q) {
  if (use_ifma(q)) {
    const uint64_t cr = reduce(c, q);
    return detail::poly_lift_combine_ifma(out, a, b, cr, shoup52(cr, q), reduce(e, q), n, q.value(),
                                          ratio52(q));
  }
  portable::poly_lift_combine(out, a, b, c, e, n, q);
}

void poly_dot_scalar_add(uint64_t* out, const uint64_t* const* a, const uint64_t* const* b, size_t count,
                         uint64_t s, size_t n, const Modulus& q) {
  if (use_ifma(q)) {
    Mont52 mc(q.value());
    const uint64_t sr = reduce(s, q);
    return detail::poly_dot_scalar_add_ifma(out, a, b, count, sr, shoup52(sr, q), n, q.value(), mc.q_neg_inv,
                                            mc.r2);
  }
  portable::poly_dot_scalar_add(out, a, b, count, s, n, q);
}

void permute(uint64_t* out, const uint64_t* in, const uint32_t* perm, size_t n) {
  if (detail::cpu_has_ifma()) return detail::permute_ifma(out, in, perm, n);
  portable::permute(out, in, perm, n);
}

void permute_add(uint64_t* out, const uint64_t* x, const uint64_t* in, const uint32_t* perm, size_t n,
                 const Modulus& q) {
  if (detail::cpu_has_ifma()) return detail::permute_add_ifma(out, x, in, perm, n, q.value());
  portable::permute_add(out, x, in, perm, n, q);
}

void poly_reduce(uint64_t* out, const uint64_t* in, size_t n, const Modulus& q) {
  if (use_ifma(q)) {
    Mont52 mc(q.value());
    return detail::poly_reduce_ifma(out, in, n, q.value(), mc.q_neg_inv, mc.r2);
  }
  portable::poly_reduce(out, in, n, q);
}

}  // namespace v100::math
