#include "fhe/common/galois.h"

#include <stdexcept>

#include "math/poly.h"

namespace v100::fhe {

uint32_t galois_elt_for_step(int step, size_t n) {
  const uint64_t two_n = 2 * n;
  const int64_t half = static_cast<int64_t>(n / 2);
  int64_t s = step % half;
  if (s < 0) s += half;  // 3 has order N/2 modulo 2N
  uint64_t g = 1;
  for (int64_t i = 0; i < s; ++i) g = (g * 3) % two_n;
  return static_cast<uint32_t>(g);
}

void apply_galois_coeff(const uint64_t* in, uint64_t* out, size_t n, uint32_t galois_elt, uint64_t q) {
  // X^i -> X^(i*g mod 2N), and X^(N + j) = -X^j in the negacyclic ring.
  const uint64_t mask = 2 * n - 1;
  uint64_t idx = 0;
  for (size_t i = 0; i < n; ++i, idx = (idx + galois_elt) & mask) {
    uint64_t v = in[i];
    uint64_t neg = (q - v) & (0 - static_cast<uint64_t>(v != 0));
    if (idx < n) {
      out[idx] = v;
    } else {
      out[idx - n] = neg;
    }
  }
}

void apply_galois(const RlweContext& ctx, const RnsPoly& in, uint32_t galois_elt, RnsPoly& out) {
  if (&in == &out) throw std::invalid_argument("apply_galois: out aliases in");
  out = RnsPoly(in.n(), in.num_q(), in.num_special(), in.is_ntt());
  const size_t n = in.n();
  if (in.is_ntt()) {
    const auto& perm = ctx.galois_ntt_permutation(galois_elt);
    for (size_t r = 0; r < in.num_residues(); ++r)
      math::permute(out.residue(r), in.residue(r), perm.data(), n);
  } else {
    if ((galois_elt & 1) == 0 || galois_elt >= 2 * n) throw std::invalid_argument("bad galois element");
    for (size_t r = 0; r < in.num_residues(); ++r) {
      apply_galois_coeff(in.residue(r), out.residue(r), n, galois_elt, ctx.modulus_of(in, r).value());
    }
  }
}

}  // namespace v100::fhe
