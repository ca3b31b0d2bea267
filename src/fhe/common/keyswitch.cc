#include "fhe/common/keyswitch.h"

#include <array>
#include <stdexcept>
#include <string>

#include "fhe/common/scratch.h"
#include "math/modulus.h"
#include "math/ntt.h"
#include "math/poly.h"

namespace v100::fhe {

namespace {

// Per-thread scratch (fhe/common/scratch.h).
struct Scratch {
  ScratchBuffer coef, digits, y, z, v, w;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

constexpr size_t kMaxDigits = 64;  // check_params allows at most 60 chain primes

void check_shape(const RlweContext& ctx, size_t nq, const char* op) {
  if (nq == 0 || nq > ctx.num_q()) throw std::invalid_argument(std::string(op) + ": bad number of residues");
}

void check_input(const RlweContext& ctx, const RnsPoly& c, const char* op) {
  if (c.n() != ctx.n() || c.num_special() != 0 || c.num_q() == 0 || c.num_q() > ctx.num_q()) {
    throw std::invalid_argument(std::string(op) + ": polynomial shape does not match the context");
  }
}

void check_key(const RlweContext& ctx, const KSwitchKey& key, size_t nq, const char* op) {
  if (!key.matches(ctx, nq))
    throw std::invalid_argument(std::string(op) + ": key shape does not match the context");
}

// The inner products of residue r (context index kr) against the key's block for it.
void key_dot(const RlweContext& ctx, const KSwitchKey& key, size_t kr, const uint64_t* const* digits,
             size_t count, uint64_t* out0, uint64_t* out1, bool accumulate) {
  if (key.residue_packed(kr)) {
    math::poly_dot2_interleaved_packed40(out0, out1, digits,
                                         reinterpret_cast<const uint8_t*>(key.residue_block(kr)), count,
                                         key.num_digits(), ctx.n(), ctx.modulus(kr), accumulate);
  } else {
    math::poly_dot2_interleaved(out0, out1, digits, key.residue_block(kr), count, key.num_digits(), ctx.n(),
                                ctx.modulus(kr), accumulate);
  }
}

// The nq residues of c in coefficient form (c itself in either domain), in the thread's scratch.
uint64_t* coefficients(const RlweContext& ctx, const uint64_t* c, bool c_is_ntt, size_t nq) {
  const size_t n = ctx.n();
  uint64_t* coef = scratch_words(scratch().coef, nq * n);
  if (c_is_ntt) {
    for (size_t i = 0; i < nq; ++i) math::ntt_inverse_from(coef + i * n, c + i * n, ctx.ntt(i));
  } else {
    std::copy(c, c + nq * n, coef);
  }
  return coef;
}

// d = NTT of digit i (coefficients below q_i) lifted to the context prime kr; pulls
// [pf, pf + pf_bytes) into the caches meanwhile (math::ntt_forward_from).
void digit_ntt(const RlweContext& ctx, const uint64_t* digit, size_t i, size_t kr, uint64_t* d,
               const void* pf = nullptr, size_t pf_bytes = 0) {
  const math::Modulus& m = ctx.modulus(kr);
  const uint64_t qi = ctx.modulus(i).value();
  if (qi <= 4 * m.value()) {
    // The forward NTT accepts inputs below 4 m: digits of a prime at most 4 m (every pair of
    // 40-bit scale primes, every smaller digit) need no reduction pass and no copy.
    math::ntt_forward_from(d, digit, ctx.ntt(kr), pf, pf_bytes);
  } else {
    math::poly_reduce_below(d, digit, qi, ctx.n(), m);
    math::ntt_forward(d, ctx.ntt(kr), pf, pf_bytes);
  }
}

}  // namespace

void ks_accumulate(const RlweContext& ctx, const uint64_t* c, bool c_is_ntt, size_t nq, const KSwitchKey& key,
                   uint64_t* acc0, uint64_t* acc1, bool add_to_chain) {
  const size_t n = ctx.n(), K = ctx.num_p(), L = ctx.num_q();
  check_shape(ctx, nq, "ks_accumulate");
  check_key(ctx, key, nq, "ks_accumulate");
  const uint64_t* coef = coefficients(ctx, c, c_is_ntt, nq);
  uint64_t* dig = scratch_words(scratch().digits, nq * n);
  std::array<const uint64_t*, kMaxDigits> dp{};
  // One target residue at a time: the nq digits lifted to it and transformed, then two dot
  // products with the key's interleaved block for that residue (lazy reduction across digits).
  for (size_t r = 0; r < nq + K; ++r) {
    const size_t kr = r < nq ? r : L + (r - nq);
    // This residue's key block streams in during the digit transforms (one slice per transform):
    // the memory transfer overlaps arithmetic, and the inner products below find the block in L2/L3
    // (at N = 16384 the keys exceed the last-level cache and come from DRAM every time).
    const char* kb = reinterpret_cast<const char*>(key.residue_block(kr));
    const size_t kbytes = key.residue_block_bytes(kr);
    const size_t transforms = nq - (c_is_ntt && r < nq ? 1 : 0);
    size_t slice = 0;
    for (size_t i = 0; i < nq; ++i) {
      if (i == r && c_is_ntt) {
        dp[i] = c + i * n;  // digit i's own residue is c's residue i, already in NTT form
      } else {
        const size_t lo = kbytes * slice / transforms, hi = kbytes * (slice + 1) / transforms;
        ++slice;
        digit_ntt(ctx, coef + i * n, i, kr, dig + i * n, kb + lo, hi - lo);
        dp[i] = dig + i * n;
      }
    }
    key_dot(ctx, key, kr, dp.data(), nq, acc0 + r * n, acc1 + r * n, add_to_chain && r < nq);
  }
}

void mod_down_p(const RlweContext& ctx, const uint64_t* x, size_t nq, uint64_t* out) {
  const size_t n = ctx.n(), K = ctx.num_p(), L = ctx.num_q();
  check_shape(ctx, nq, "mod_down_p");
  Scratch& s = scratch();
  // y_k = [(x + floor(P/2)) * (P/p_k)^-1]_{p_k}: adding P/2 before the (floor) conversion and
  // subtracting it after makes the division by P round to nearest (exact for K = 1; the fast
  // conversion may add one P for K > 1, a quotient error of one).
  uint64_t* y = scratch_words(s.y, K * n);
  for (size_t k = 0; k < K; ++k) {
    uint64_t* yk = y + k * n;
    const math::Modulus& pk = ctx.modulus(L + k);
    math::ntt_inverse_from(yk, x + (nq + k) * n, ctx.ntt(L + k));
    math::poly_add_scalar(yk, yk, ctx.p_half_mod(L + k), n, pk);
    if (K > 1) math::poly_mul_scalar(yk, yk, ctx.phat_inv_mod_p(k), n, pk);
  }
  uint64_t* v = scratch_words(s.v, n);
  uint64_t* w = scratch_words(s.w, n);
  for (size_t j = 0; j < nq; ++j) {
    const math::Modulus& qj = ctx.modulus(j);
    const uint64_t minus_half = qj.value() - ctx.p_half_mod(j);
    if (K == 1) {  // lift, transform and subtract fused (math::ntt_lift_sub_mul)
      math::ntt_lift_sub_mul(out + j * n, x + j * n, y, nullptr, 0, minus_half, ctx.p_inv_mod_q(j),
                             ctx.ntt(j));
      continue;
    }
    std::fill(v, v + n, 0);
    for (size_t k = 0; k < K; ++k) {
      math::poly_reduce_below(w, y + k * n, ctx.modulus(L + k).value(), n, qj);
      math::poly_mul_scalar_add(v, w, ctx.phat_mod_q(k, j), n, qj);
    }
    math::poly_add_scalar(v, v, minus_half, n, qj);
    math::ntt_forward(v, ctx.ntt(j));
    math::poly_sub_mul_scalar(out + j * n, x + j * n, v, ctx.p_inv_mod_q(j), n, qj);
  }
}

void mod_down_p_and_last(const RlweContext& ctx, const uint64_t* x, size_t nq, uint64_t* out) {
  const size_t n = ctx.n(), L = ctx.num_q();
  check_shape(ctx, nq, "mod_down_p_and_last");
  if (ctx.num_p() != 1 || nq < 2) {
    throw std::invalid_argument(
        "mod_down_p_and_last: needs one special prime and at least two chain residues");
  }
  const size_t l = nq - 1;
  const math::Modulus& P = ctx.modulus(L);
  const math::Modulus& ql = ctx.modulus(l);
  using u128 = unsigned __int128;
  // M = P * q_l < 2^122; h = floor(M / 2). round(x / M) = (x + h - [x + h]_M) / M, where
  // [x + h]_M = a + q_l * t (Garner) with a = [x + h]_{q_l}, t = [([x + h]_P - a) * q_l^-1]_P.
  const u128 M = static_cast<u128>(P.value()) * ql.value();
  const u128 h = M / 2;
  auto mod = [](u128 v, const math::Modulus& m) { return static_cast<uint64_t>(v % m.value()); };
  Scratch& s = scratch();
  uint64_t* a = scratch_words(s.y, n);
  uint64_t* t = scratch_words(s.z, n);
  math::ntt_inverse_from(a, x + l * n, ctx.ntt(l));
  math::poly_add_scalar(a, a, mod(h, ql), n, ql);
  math::ntt_inverse_from(t, x + nq * n, ctx.ntt(L));
  math::poly_add_scalar(t, t, mod(h, P), n, P);
  uint64_t* v = scratch_words(s.v, n);
  math::poly_reduce_below(v, a, ql.value(), n, P);
  math::poly_sub_mul_scalar(t, t, v, ctx.q_inv_mod(l, L), n, P);
  for (size_t j = 0; j < l; ++j) {
    const math::Modulus& qj = ctx.modulus(j);
    // out_j = (x_j - NTT(v)) (P q_l)^-1 with v = [x + h]_M - h mod q_j = a + q_l * t - h, fused.
    math::ntt_lift_sub_mul(out + j * n, x + j * n, a, t, ql.value(), qj.value() - mod(h, qj),
                           math::mul_mod(ctx.p_inv_mod_q(j), ctx.q_inv_mod(l, j), qj), ctx.ntt(j));
  }
}

KeySwitchDecomposition ks_decompose(const RlweContext& ctx, const RnsPoly& c) {
  check_input(ctx, c, "ks_decompose");
  const size_t n = ctx.n(), nq = c.num_q(), K = ctx.num_p();
  const uint64_t* coef = coefficients(ctx, c.data().data(), c.is_ntt(), nq);
  KeySwitchDecomposition d;
  d.num_q = nq;
  d.digits.reserve(nq);
  for (size_t i = 0; i < nq; ++i) {
    RnsPoly digit(n, nq, K, true);
    for (size_t r = 0; r < nq + K; ++r) {
      uint64_t* dst = digit.residue(r);
      if (r == i && c.is_ntt()) {
        std::copy(c.residue(i), c.residue(i) + n, dst);
        continue;
      }
      digit_ntt(ctx, coef + i * n, i, digit.modulus_index(r, ctx.num_q()), dst);
    }
    d.digits.push_back(std::move(digit));
  }
  return d;
}

void ks_apply(const RlweContext& ctx, const KeySwitchDecomposition& decomp, const KSwitchKey& key,
              uint32_t galois_elt, RnsPoly& out0, RnsPoly& out1) {
  const size_t n = ctx.n(), nq = decomp.num_q, K = ctx.num_p(), L = ctx.num_q();
  check_key(ctx, key, nq, "ks_apply");
  const std::vector<uint32_t>* perm = galois_elt == 1 ? nullptr : &ctx.galois_ntt_permutation(galois_elt);
  RnsPoly acc0(n, nq, K, true), acc1(n, nq, K, true);
  uint64_t* permuted = perm ? scratch_words(scratch().digits, nq * n) : nullptr;
  std::array<const uint64_t*, kMaxDigits> dp{};
  for (size_t r = 0; r < nq + K; ++r) {
    const size_t kr = r < nq ? r : L + (r - nq);
    for (size_t i = 0; i < nq; ++i) {
      dp[i] = decomp.digits[i].residue(r);
      if (perm) {
        math::permute(permuted + i * n, dp[i], perm->data(), n);
        dp[i] = permuted + i * n;
      }
    }
    key_dot(ctx, key, kr, dp.data(), nq, acc0.residue(r), acc1.residue(r), false);
  }
  mod_down_special(ctx, acc0);
  mod_down_special(ctx, acc1);
  out0 = std::move(acc0);
  out1 = std::move(acc1);
}

void key_switch(const RlweContext& ctx, const RnsPoly& c, const KSwitchKey& key, RnsPoly& out0,
                RnsPoly& out1) {
  check_input(ctx, c, "key_switch");
  const size_t n = ctx.n(), nq = c.num_q(), K = ctx.num_p();
  RnsPoly acc0(n, nq, K, true), acc1(n, nq, K, true);
  ks_accumulate(ctx, c.data().data(), c.is_ntt(), nq, key, acc0.data().data(), acc1.data().data());
  mod_down_special(ctx, acc0);
  mod_down_special(ctx, acc1);
  out0 = std::move(acc0);
  out1 = std::move(acc1);
}

void mod_down_special(const RlweContext& ctx, RnsPoly& poly) {
  if (poly.num_special() != ctx.num_p() || !poly.is_ntt()) {
    throw std::invalid_argument("mod_down_special: needs an NTT polynomial with special residues");
  }
  mod_down_p(ctx, poly.data().data(), poly.num_q(), poly.data().data());
  poly.drop_special();
}

}  // namespace v100::fhe
