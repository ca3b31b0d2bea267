#include "fhe/common/keyswitch.h"

#include <stdexcept>

#include "math/poly.h"

namespace v100::fhe {

KeySwitchDecomposition ks_decompose(const RlweContext& ctx, const RnsPoly& c) {
  const size_t n = ctx.n(), nq = c.num_q(), K = ctx.num_p();
  if (c.n() != n || c.num_special() != 0 || nq == 0 || nq > ctx.num_q()) {
    throw std::invalid_argument("ks_decompose: polynomial shape does not match the context");
  }
  RnsPoly coeff = c;
  ctx.from_ntt(coeff);
  KeySwitchDecomposition d;
  d.num_q = nq;
  d.digits.reserve(nq);
  for (size_t i = 0; i < nq; ++i) {
    RnsPoly digit(n, nq, K, true);
    const uint64_t* src = coeff.residue(i);
    const uint64_t qi = ctx.modulus(i).value();
    for (size_t r = 0; r < nq + K; ++r) {
      uint64_t* dst = digit.residue(r);
      if (r == i) {
        // The digit's own residue is c's residue i itself.
        if (c.is_ntt()) {
          std::copy(c.residue(i), c.residue(i) + n, dst);
          continue;
        }
        std::copy(src, src + n, dst);
      } else {
        const math::Modulus& m = ctx.modulus_of(digit, r);
        if (qi <= m.value()) {
          std::copy(src, src + n, dst);
        } else {
          for (size_t x = 0; x < n; ++x) dst[x] = math::reduce(src[x], m);
        }
      }
      math::ntt_forward(dst, ctx.ntt_of(digit, r));
    }
    d.digits.push_back(std::move(digit));
  }
  return d;
}

void ks_apply(const RlweContext& ctx, const KeySwitchDecomposition& decomp, const KSwitchKey& key,
              uint32_t galois_elt, RnsPoly& out0, RnsPoly& out1) {
  const size_t n = ctx.n(), nq = decomp.num_q, K = ctx.num_p(), L = ctx.num_q();
  if (key.num_digits() < nq) throw std::invalid_argument("ks_apply: key has too few digits");
  const std::vector<uint32_t>* perm = galois_elt == 1 ? nullptr : &ctx.galois_ntt_permutation(galois_elt);
  out0 = RnsPoly(n, nq, K, true);
  out1 = RnsPoly(n, nq, K, true);
  std::vector<uint64_t> permuted(perm ? n : 0);
  for (size_t r = 0; r < nq + K; ++r) {
    const size_t kr = r < nq ? r : L + (r - nq);  // residue index inside the full-level key
    const math::Modulus& m = ctx.modulus(kr);
    uint64_t* o0 = out0.residue(r);
    uint64_t* o1 = out1.residue(r);
    for (size_t i = 0; i < nq; ++i) {
      const uint64_t* dg = decomp.digits[i].residue(r);
      if (perm) {
        const uint32_t* pm = perm->data();
        for (size_t x = 0; x < n; ++x) permuted[x] = dg[pm[x]];
        dg = permuted.data();
      }
      // Dyadic products through math/poly.h (AVX-512 IFMA when q < 2^50).
      if (i == 0) {
        math::poly_mul(o0, dg, key.b[i].residue(kr), n, m);
        math::poly_mul(o1, dg, key.a[i].residue(kr), n, m);
      } else {
        math::poly_mul_add(o0, dg, key.b[i].residue(kr), n, m);
        math::poly_mul_add(o1, dg, key.a[i].residue(kr), n, m);
      }
    }
  }
  mod_down_special(ctx, out0);
  mod_down_special(ctx, out1);
}

void key_switch(const RlweContext& ctx, const RnsPoly& c, const KSwitchKey& key, RnsPoly& out0, RnsPoly& out1) {
  ks_apply(ctx, ks_decompose(ctx, c), key, 1, out0, out1);
}

void mod_down_special(const RlweContext& ctx, RnsPoly& poly) {
  const size_t n = ctx.n(), nq = poly.num_q(), K = ctx.num_p(), L = ctx.num_q();
  if (poly.num_special() != K || !poly.is_ntt()) {
    throw std::invalid_argument("mod_down_special: needs an NTT polynomial with special residues");
  }
  // y_k = [(x + floor(P/2)) * (P/p_k)^-1]_{p_k}: adding P/2 before the (floor) conversion and
  // subtracting it after makes the division by P round to nearest.
  std::vector<uint64_t> y(K * n);
  for (size_t k = 0; k < K; ++k) {
    uint64_t* yk = y.data() + k * n;
    std::copy(poly.residue(nq + k), poly.residue(nq + k) + n, yk);
    const math::Modulus& pk = ctx.modulus(L + k);
    math::ntt_inverse(yk, ctx.ntt(L + k));
    for (size_t x = 0; x < n; ++x) yk[x] = math::add_mod(yk[x], ctx.p_half_mod(L + k), pk);
    if (K > 1) math::poly_mul_scalar(yk, yk, ctx.phat_inv_mod_p(k), n, pk);
  }
  std::vector<uint64_t> v(n);
  for (size_t j = 0; j < nq; ++j) {
    const math::Modulus& qj = ctx.modulus(j);
    if (K == 1) {
      for (size_t x = 0; x < n; ++x) v[x] = math::reduce(y[x], qj);
    } else {
      std::fill(v.begin(), v.end(), 0);
      for (size_t k = 0; k < K; ++k) {
        const uint64_t* yk = y.data() + k * n;
        const uint64_t w = ctx.phat_mod_q(k, j);
        for (size_t x = 0; x < n; ++x) v[x] = math::add_mod(v[x], math::mul_mod(yk[x], w, qj), qj);
      }
    }
    const uint64_t half = ctx.p_half_mod(j);
    for (size_t x = 0; x < n; ++x) v[x] = math::sub_mod(v[x], half, qj);
    math::ntt_forward(v.data(), ctx.ntt(j));
    uint64_t* o = poly.residue(j);
    math::poly_sub(o, o, v.data(), n, qj);
    math::poly_mul_scalar(o, o, ctx.p_inv_mod_q(j), n, qj);
  }
  RnsPoly out(n, nq, 0, true);
  std::copy(poly.data().begin(), poly.data().begin() + static_cast<std::ptrdiff_t>(nq * n), out.data().begin());
  poly = std::move(out);
}

}  // namespace v100::fhe
