#include "fhe/ckks/analytics.h"

#include <stdexcept>

namespace v100::fhe::ckks {

Ciphertext evaluate_polynomial(const Evaluator& ev, const Ciphertext& x, std::span<const double> coeffs,
                               const RelinKey& rk) {
  const CkksContext& c = *ev.context();
  if (coeffs.empty() || coeffs.size() > 5)
    throw std::invalid_argument("evaluate_polynomial: degree must be 0..4");
  size_t deg = coeffs.size() - 1;
  while (deg > 0 && coeffs[deg] == 0.0) --deg;
  const double target = c.params().default_scale();
  if (deg == 0) {
    // A constant polynomial would need a transparent (key-free) ciphertext: refused, like SEAL.
    throw std::invalid_argument("evaluate_polynomial: degree 0 (a constant) needs no ciphertext; encrypt it");
  }
  const size_t depth = (deg == 1) ? 1 : (deg == 2 ? 2 : 3);
  if (x.level < depth) throw std::invalid_argument("evaluate_polynomial: not enough levels left");
  // Powers by a product tree: x^2 = x*x, x^3 = x^2*x, x^4 = x^2*x^2.
  std::vector<Ciphertext> pw(deg + 1);
  pw[1] = x;
  if (deg >= 2) pw[2] = ev.rescale(ev.square_relin(x, rk));
  if (deg >= 3) pw[3] = ev.multiply_relin_rescale(pw[2], pw[1], rk);
  if (deg >= 4) pw[4] = ev.rescale(ev.square_relin(pw[2], rk));
  size_t lmin = x.level;
  for (size_t k = 1; k <= deg; ++k) lmin = std::min(lmin, pw[k].level);
  Ciphertext acc;
  bool have = false;
  for (size_t k = 1; k <= deg; ++k) {
    if (coeffs[k] == 0.0) continue;
    Ciphertext t = ev.mod_down_to(pw[k], lmin);
    // Encode c_k at q_lmin * target / s_k so that after the rescale the term has scale `target`.
    const double cs = static_cast<double>(c.modulus(lmin).value()) * target / t.scale;
    t = ev.rescale(ev.multiply_const(t, coeffs[k], cs));
    t.scale = target;  // equal to target up to the rounding of the bookkeeping division
    if (!have) {
      acc = std::move(t);
      have = true;
    } else {
      ev.add_inplace(acc, t);
    }
  }
  return ev.add_const(acc, coeffs[0]);
}

Ciphertext mean(const Evaluator& ev, const Ciphertext& x, size_t count, const GaloisKeys& gk) {
  if (count == 0 || count > ev.context()->slot_count())
    throw std::invalid_argument("mean: count must be 1..N/2");
  if (x.level < 1) throw std::invalid_argument("mean: needs one level");
  Ciphertext s = ev.sum_slots(x, gk);
  return ev.rescale(ev.multiply_const(s, 1.0 / static_cast<double>(count)));
}

Ciphertext variance(const Evaluator& ev, const Ciphertext& x, size_t count, const RelinKey& rk,
                    const GaloisKeys& gk) {
  const CkksContext& c = *ev.context();
  if (count == 0 || count > c.slot_count()) throw std::invalid_argument("variance: count must be 1..N/2");
  if (x.level < 2) throw std::invalid_argument("variance: needs two levels");
  const size_t l = x.level;
  // E[x^2]: scale s^2/q_l at l-1, then * (1/count encoded at q_l), rescale by q_(l-1):
  // s^2 / q_(l-1) at l-2.
  Ciphertext sq = ev.rescale(ev.square_relin(x, rk));
  Ciphertext e2 = ev.rescale(ev.multiply_const(ev.sum_slots(sq, gk), 1.0 / static_cast<double>(count),
                                               static_cast<double>(c.modulus(l).value())));
  // E[x]^2: mean has scale s at l-1; squared and rescaled: s^2 / q_(l-1) at l-2.
  Ciphertext m = mean(ev, x, count, gk);
  Ciphertext m2 = ev.rescale(ev.square_relin(m, rk));
  e2.scale = m2.scale;  // equal by construction (see above); removes bookkeeping rounding
  return ev.sub(e2, m2);
}

Ciphertext weighted_sum(const Evaluator& ev, const Ciphertext& x, std::span<const double> weights,
                        const GaloisKeys& gk) {
  const CkksContext& c = *ev.context();
  if (x.level < 1) throw std::invalid_argument("weighted_sum: needs one level");
  CkksEncoder enc(ev.context());
  Plaintext w = enc.encode(weights, static_cast<double>(c.modulus(x.level).value()), x.level);
  Ciphertext r = ev.rescale(ev.multiply_plain(x, w));
  r.scale = x.scale;  // s * q_l / q_l
  return ev.sum_slots(r, gk);
}

}  // namespace v100::fhe::ckks
