#include "fhe/bfv/evaluator.h"

#include <stdexcept>

#include "fhe/bfv/encryptor.h"
#include "fhe/common/galois.h"
#include "fhe/common/keyswitch.h"
#include "math/poly.h"

namespace v100::fhe::bfv {

namespace {
using u128 = unsigned __int128;

// A polynomial over Q_k ∪ B, residue-major (k chain residues then nb auxiliary residues).
struct ExtPoly {
  std::vector<uint64_t> data;
};
}  // namespace

void Evaluator::check(const Ciphertext& a) const {
  if (a.param_id != ctx_->param_id())
    throw std::invalid_argument("BFV: ciphertext for another parameter set");
  if (a.size() < 2) throw std::invalid_argument("BFV: ciphertext has fewer than 2 polynomials");
  const size_t k = a.num_q();
  if (k == 0 || k > ctx_->num_q()) throw std::invalid_argument("BFV: ciphertext level out of range");
  for (const auto& p : a.polys) {
    if (p.n() != ctx_->n() || p.num_q() != k || p.num_special() != 0 || p.is_ntt() != a.is_ntt() ||
        p.data().size() != k * ctx_->n()) {
      throw std::invalid_argument("BFV: malformed ciphertext");
    }
  }
}

void Evaluator::check_pair(const Ciphertext& a, const Ciphertext& b) const {
  check(a);
  check(b);
  if (a.num_q() != b.num_q())
    throw std::invalid_argument("BFV: operands at different levels (mod_switch first)");
}

void Evaluator::to_ntt_inplace(Ciphertext& a) const {
  for (auto& p : a.polys) ctx_->rlwe().to_ntt(p);
}

void Evaluator::from_ntt_inplace(Ciphertext& a) const {
  for (auto& p : a.polys) ctx_->rlwe().from_ntt(p);
}

// ---------------------------------------------------------------- linear

// a += b or a -= b, slot by slot; b is brought to a's domain (NTT or coefficient) when they differ.
void Evaluator::combine_inplace(Ciphertext& a, const Ciphertext& b, bool subtract) const {
  check_pair(a, b);
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n();
  while (a.size() < b.size()) a.polys.push_back(r.make_poly(a.num_q(), false, a.is_ntt()));
  for (size_t i = 0; i < b.size(); ++i) {
    const RnsPoly* src = &b.polys[i];
    RnsPoly conv;
    if (src->is_ntt() != a.is_ntt()) {
      conv = *src;
      if (a.is_ntt())
        r.to_ntt(conv);
      else
        r.from_ntt(conv);
      src = &conv;
    }
    for (size_t j = 0; j < a.num_q(); ++j) {
      uint64_t* dst = a.polys[i].residue(j);
      if (subtract) {
        math::poly_sub(dst, dst, src->residue(j), n, r.modulus(j));
      } else {
        math::poly_add(dst, dst, src->residue(j), n, r.modulus(j));
      }
    }
  }
  a.clear_seed();
}

// out = a (op) b, safe when out aliases b.
void Evaluator::combine(const Ciphertext& a, const Ciphertext& b, Ciphertext& out, bool subtract) const {
  if (&out == &b) {
    Ciphertext tmp = a;
    combine_inplace(tmp, b, subtract);
    out = std::move(tmp);
    return;
  }
  out = a;
  combine_inplace(out, b, subtract);
}

void Evaluator::add_inplace(Ciphertext& a, const Ciphertext& b) const {
  combine_inplace(a, b, false);
}
void Evaluator::add(const Ciphertext& a, const Ciphertext& b, Ciphertext& out) const {
  combine(a, b, out, false);
}
void Evaluator::sub_inplace(Ciphertext& a, const Ciphertext& b) const {
  combine_inplace(a, b, true);
}
void Evaluator::sub(const Ciphertext& a, const Ciphertext& b, Ciphertext& out) const {
  combine(a, b, out, true);
}

void Evaluator::negate_inplace(Ciphertext& a) const {
  check(a);
  const RlweContext& r = ctx_->rlwe();
  for (auto& p : a.polys) {
    for (size_t j = 0; j < a.num_q(); ++j) math::poly_neg(p.residue(j), p.residue(j), r.n(), r.modulus(j));
  }
  a.clear_seed();
}

void Evaluator::negate(const Ciphertext& a, Ciphertext& out) const {
  out = a;
  negate_inplace(out);
}

void Evaluator::add_scaled_plain(Ciphertext& a, const Plaintext& pt, bool subtract) const {
  check(a);
  check_plaintext(*ctx_, pt);
  const RlweContext& r = ctx_->rlwe();
  RnsPoly dm = r.make_poly(a.num_q(), false, false);
  scale_plaintext(*ctx_, pt, dm);
  if (a.is_ntt()) r.to_ntt(dm);
  for (size_t j = 0; j < a.num_q(); ++j) {
    if (subtract) {
      math::poly_sub(a.polys[0].residue(j), a.polys[0].residue(j), dm.residue(j), r.n(), r.modulus(j));
    } else {
      math::poly_add(a.polys[0].residue(j), a.polys[0].residue(j), dm.residue(j), r.n(), r.modulus(j));
    }
  }
  a.clear_seed();
}

void Evaluator::add_plain_inplace(Ciphertext& a, const Plaintext& pt) const {
  add_scaled_plain(a, pt, false);
}
void Evaluator::sub_plain_inplace(Ciphertext& a, const Plaintext& pt) const {
  add_scaled_plain(a, pt, true);
}
void Evaluator::add_plain(const Ciphertext& a, const Plaintext& pt, Ciphertext& out) const {
  out = a;
  add_plain_inplace(out, pt);
}
void Evaluator::sub_plain(const Ciphertext& a, const Plaintext& pt, Ciphertext& out) const {
  out = a;
  sub_plain_inplace(out, pt);
}

// ---------------------------------------------------------------- plaintext multiplication

PlaintextNtt Evaluator::transform_plain(const Plaintext& pt, size_t num_q) const {
  check_plaintext(*ctx_, pt);
  const RlweContext& r = ctx_->rlwe();
  if (num_q == 0) num_q = r.num_q();
  if (num_q > r.num_q()) throw std::invalid_argument("transform_plain: num_q out of range");
  PlaintextNtt out;
  out.param_id = ctx_->param_id();
  out.poly = r.make_poly(num_q, false, false);
  const uint64_t t = ctx_->t(), half = t / 2;
  for (size_t j = 0; j < num_q; ++j) {
    const uint64_t q = r.modulus(j).value();
    uint64_t* o = out.poly.residue(j);
    // Centered lift of m into (-t/2, t/2]: keeps the noise growth of multiply_plain at N * t/2 * |e|.
    for (size_t i = 0; i < r.n(); ++i) {
      uint64_t m = pt.coeffs[i];
      uint64_t neg = 0 - static_cast<uint64_t>(m > half);
      o[i] = m + ((q - t) & neg);
    }
    math::ntt_forward(o, r.ntt(j));
  }
  out.poly.set_ntt(true);
  return out;
}

void Evaluator::multiply_plain_inplace(Ciphertext& a, const PlaintextNtt& pt) const {
  check(a);
  if (pt.param_id != ctx_->param_id() || pt.poly.num_q() < a.num_q() || !pt.poly.is_ntt()) {
    throw std::invalid_argument("multiply_plain: plaintext not prepared for this ciphertext");
  }
  const RlweContext& r = ctx_->rlwe();
  to_ntt_inplace(a);
  for (auto& p : a.polys) {
    for (size_t j = 0; j < a.num_q(); ++j)
      math::poly_mul(p.residue(j), p.residue(j), pt.poly.residue(j), r.n(), r.modulus(j));
  }
  a.clear_seed();
}

void Evaluator::multiply_plain(const Ciphertext& a, const PlaintextNtt& pt, Ciphertext& out) const {
  if (&out == &a || !a.is_ntt()) {
    out = a;
    multiply_plain_inplace(out, pt);
    return;
  }
  // NTT-form input: write the dyadic products straight into out (no copy of a).
  check(a);
  if (pt.param_id != ctx_->param_id() || pt.poly.num_q() < a.num_q() || !pt.poly.is_ntt()) {
    throw std::invalid_argument("multiply_plain: plaintext not prepared for this ciphertext");
  }
  const RlweContext& r = ctx_->rlwe();
  out.param_id = a.param_id;
  out.scale = a.scale;
  out.clear_seed();
  out.polys.resize(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (!out.polys[i].same_shape(a.polys[i])) out.polys[i] = r.make_poly(a.num_q(), false, true);
    for (size_t j = 0; j < a.num_q(); ++j) {
      math::poly_mul(out.polys[i].residue(j), a.polys[i].residue(j), pt.poly.residue(j), r.n(), r.modulus(j));
    }
  }
}

void Evaluator::multiply_plain(const Ciphertext& a, const Plaintext& pt, Ciphertext& out) const {
  multiply_plain(a, transform_plain(pt, a.num_q()), out);
}

// ---------------------------------------------------------------- ct x ct multiplication (HPS)

namespace {

// Lifts a chain polynomial (any domain) to Q_k ∪ B and transforms every residue to NTT form.
std::vector<uint64_t> lift_to_ext(const BfvContext& ctx, const LevelData& ld, const RnsPoly& p) {
  const RlweContext& r = ctx.rlwe();
  const size_t n = r.n(), k = ld.num_q, nb = ctx.num_b();
  std::vector<uint64_t> ext((k + nb) * n);
  std::copy(p.data().begin(), p.data().begin() + static_cast<std::ptrdiff_t>(k * n), ext.begin());
  if (p.is_ntt()) {
    for (size_t j = 0; j < k; ++j) math::ntt_inverse(ext.data() + j * n, r.ntt(j));
  }
  ld.q_to_b->exact_convert(ext.data() + k * n, ext.data(), n);
  for (size_t j = 0; j < k; ++j) {
    if (p.is_ntt()) {
      std::copy(p.residue(j), p.residue(j) + n, ext.data() + j * n);
    } else {
      math::ntt_forward(ext.data() + j * n, r.ntt(j));
    }
  }
  for (size_t m = 0; m < nb; ++m) math::ntt_forward(ext.data() + (k + m) * n, ctx.b_ntt(m));
  return ext;
}

// d (NTT, over Q_k ∪ B) -> round(t/Q_k * d) mod Q_k, coefficient form, written into out.
void scale_round(const BfvContext& ctx, const LevelData& ld, std::vector<uint64_t>& d, RnsPoly& out) {
  const RlweContext& r = ctx.rlwe();
  const size_t n = r.n(), k = ld.num_q, nb = ctx.num_b();
  for (size_t j = 0; j < k; ++j) math::ntt_inverse(d.data() + j * n, r.ntt(j));
  for (size_t m = 0; m < nb; ++m) math::ntt_inverse(d.data() + (k + m) * n, ctx.b_ntt(m));
  std::vector<uint64_t> yb(nb * n);
  uint64_t a[64];
  for (size_t i = 0; i < n; ++i) {
    // round(t x / Q) ≡ sum_j a_j floor(tB/q_j) + round(sum_j a_j frac(tB/q_j)) + x_b t Q^-1 (mod b),
    // a_j = [x_j (Q B / q_j)^-1]_{q_j} (HPS, Lemma on scale-and-round in the extended base).
    u128 frac = u128{1} << 63;
    for (size_t j = 0; j < k; ++j) {
      a[j] = math::mul_shoup(d[j * n + i], ld.qb_hat_inv_q[j], ld.qb_hat_inv_q_shoup[j], r.modulus(j));
      frac += static_cast<u128>(a[j]) * ld.theta[j];
    }
    const uint64_t rnd = static_cast<uint64_t>(frac >> 64);
    for (size_t m = 0; m < nb; ++m) {
      const math::Modulus& bm = ctx.b_modulus(m);
      u128 acc = static_cast<u128>(d[(k + m) * n + i]) * ld.t_qinv_mod_b[m] + rnd;
      for (size_t j = 0; j < k; ++j) acc += static_cast<u128>(a[j]) * ld.omega[j * nb + m];
      yb[m * n + i] = math::reduce_u128(static_cast<uint64_t>(acc >> 64), static_cast<uint64_t>(acc), bm);
    }
  }
  out = r.make_poly(k, false, false);
  ld.b_to_q->exact_convert(out.data().data(), yb.data(), n);
}

}  // namespace

void Evaluator::multiply(const Ciphertext& a, const Ciphertext& b, Ciphertext& out) const {
  check_pair(a, b);
  if (a.size() != 2 || b.size() != 2)
    throw std::invalid_argument("multiply: operands must have size 2 (relinearize first)");
  const bool sq = &a == &b;
  const size_t k = a.num_q(), n = ctx_->n(), nb = ctx_->num_b();
  const LevelData& ld = ctx_->level(k);
  std::vector<uint64_t> a0 = lift_to_ext(*ctx_, ld, a.polys[0]);
  std::vector<uint64_t> a1 = lift_to_ext(*ctx_, ld, a.polys[1]);
  std::vector<uint64_t> b0, b1;
  if (!sq) {
    b0 = lift_to_ext(*ctx_, ld, b.polys[0]);
    b1 = lift_to_ext(*ctx_, ld, b.polys[1]);
  }
  const std::vector<uint64_t>& B0 = sq ? a0 : b0;
  const std::vector<uint64_t>& B1 = sq ? a1 : b1;
  std::vector<uint64_t> d0((k + nb) * n), d1((k + nb) * n), d2((k + nb) * n);
  for (size_t res = 0; res < k + nb; ++res) {
    const math::Modulus& m = res < k ? ctx_->rlwe().modulus(res) : ctx_->b_modulus(res - k);
    const size_t o = res * n;
    math::poly_mul(d0.data() + o, a0.data() + o, B0.data() + o, n, m);
    math::poly_mul(d1.data() + o, a0.data() + o, B1.data() + o, n, m);
    if (sq) {
      math::poly_add(d1.data() + o, d1.data() + o, d1.data() + o, n, m);
    } else {
      math::poly_mul_add(d1.data() + o, a1.data() + o, B0.data() + o, n, m);
    }
    math::poly_mul(d2.data() + o, a1.data() + o, B1.data() + o, n, m);
  }
  Ciphertext res;
  res.param_id = ctx_->param_id();
  res.polys.resize(3);
  scale_round(*ctx_, ld, d0, res.polys[0]);
  scale_round(*ctx_, ld, d1, res.polys[1]);
  scale_round(*ctx_, ld, d2, res.polys[2]);
  out = std::move(res);
}

void Evaluator::multiply_inplace(Ciphertext& a, const Ciphertext& b) const {
  Ciphertext out;
  multiply(a, b, out);
  a = std::move(out);
}

void Evaluator::square(const Ciphertext& a, Ciphertext& out) const {
  multiply(a, a, out);
}
void Evaluator::square_inplace(Ciphertext& a) const {
  Ciphertext out;
  multiply(a, a, out);
  a = std::move(out);
}

void Evaluator::relinearize(const Ciphertext& a, const RelinKeys& rk, Ciphertext& out) const {
  check(a);
  if (a.size() == 2) {
    out = a;
    return;
  }
  if (a.size() != 3) throw std::invalid_argument("relinearize: ciphertext size must be 3");
  if (rk.param_id != ctx_->param_id())
    throw std::invalid_argument("relinearize: key for another parameter set");
  const RlweContext& r = ctx_->rlwe();
  RnsPoly k0, k1;
  key_switch(r, a.polys[2], rk.key, k0, k1);
  Ciphertext res;
  res.param_id = a.param_id;
  res.polys = {a.polys[0], a.polys[1]};
  r.to_ntt(res.polys[0]);
  r.to_ntt(res.polys[1]);
  for (size_t j = 0; j < a.num_q(); ++j) {
    math::poly_add(res.polys[0].residue(j), res.polys[0].residue(j), k0.residue(j), r.n(), r.modulus(j));
    math::poly_add(res.polys[1].residue(j), res.polys[1].residue(j), k1.residue(j), r.n(), r.modulus(j));
  }
  out = std::move(res);
}

void Evaluator::relinearize_inplace(Ciphertext& a, const RelinKeys& rk) const {
  Ciphertext out;
  relinearize(a, rk, out);
  a = std::move(out);
}

void Evaluator::multiply_relin(const Ciphertext& a, const Ciphertext& b, const RelinKeys& rk,
                               Ciphertext& out) const {
  Ciphertext t;
  multiply(a, b, t);
  relinearize(t, rk, out);
}

// ---------------------------------------------------------------- rotations

namespace {
// out = (phi_g(c0) + k0, k1), all NTT form; phi_g(c0) is added in the same pass that permutes it.
void galois_finish(const RlweContext& r, const Ciphertext& a, uint32_t g, RnsPoly& k0, RnsPoly& k1,
                   Ciphertext& out) {
  const RnsPoly* c0 = &a.polys[0];
  RnsPoly c0_ntt;
  if (!c0->is_ntt()) {
    c0_ntt = *c0;
    r.to_ntt(c0_ntt);
    c0 = &c0_ntt;
  }
  const std::vector<uint32_t>& perm = r.galois_ntt_permutation(g);
  for (size_t j = 0; j < a.num_q(); ++j) {
    math::permute_add(k0.residue(j), k0.residue(j), c0->residue(j), perm.data(), r.n(), r.modulus(j));
  }
  Ciphertext res;
  res.param_id = a.param_id;
  res.polys.push_back(std::move(k0));
  res.polys.push_back(std::move(k1));
  out = std::move(res);
}
}  // namespace

void Evaluator::apply_galois(const Ciphertext& a, uint32_t galois_elt, const GaloisKeys& gk,
                             Ciphertext& out) const {
  check(a);
  if (a.size() != 2) throw std::invalid_argument("rotate: ciphertext size must be 2 (relinearize first)");
  if (gk.param_id != ctx_->param_id())
    throw std::invalid_argument("rotate: Galois keys for another parameter set");
  const RlweContext& r = ctx_->rlwe();
  const KSwitchKey& key = gk.at(galois_elt);
  // One rotation: permute c1 once, then decompose (the hoisted path permutes every digit instead).
  RnsPoly c1g;
  fhe::apply_galois(r, a.polys[1], galois_elt, c1g);
  RnsPoly k0, k1;
  key_switch(r, c1g, key, k0, k1);
  galois_finish(r, a, galois_elt, k0, k1, out);
}

void Evaluator::rotate_rows(const Ciphertext& a, int step, const GaloisKeys& gk, Ciphertext& out) const {
  apply_galois(a, galois_elt_for_step(step, ctx_->n()), gk, out);
}
void Evaluator::rotate_rows_inplace(Ciphertext& a, int step, const GaloisKeys& gk) const {
  Ciphertext out;
  rotate_rows(a, step, gk, out);
  a = std::move(out);
}
void Evaluator::rotate_columns(const Ciphertext& a, const GaloisKeys& gk, Ciphertext& out) const {
  apply_galois(a, galois_elt_row_swap(ctx_->n()), gk, out);
}
void Evaluator::rotate_columns_inplace(Ciphertext& a, const GaloisKeys& gk) const {
  Ciphertext out;
  rotate_columns(a, gk, out);
  a = std::move(out);
}

std::vector<Ciphertext> Evaluator::rotate_rows_many(const Ciphertext& a, std::span<const int> steps,
                                                    const GaloisKeys& gk) const {
  check(a);
  if (a.size() != 2) throw std::invalid_argument("rotate: ciphertext size must be 2 (relinearize first)");
  if (gk.param_id != ctx_->param_id())
    throw std::invalid_argument("rotate: Galois keys for another parameter set");
  const RlweContext& r = ctx_->rlwe();
  std::vector<uint32_t> elts;
  for (int s : steps) elts.push_back(galois_elt_for_step(s, ctx_->n()));
  for (uint32_t g : elts) (void)gk.at(g);                  // fail before any work
  KeySwitchDecomposition d = ks_decompose(r, a.polys[1]);  // hoisted: once for every step
  std::vector<Ciphertext> out(elts.size());
  for (size_t i = 0; i < elts.size(); ++i) {
    RnsPoly k0, k1;
    ks_apply(r, d, gk.at(elts[i]), elts[i], k0, k1);
    galois_finish(r, a, elts[i], k0, k1, out[i]);
  }
  return out;
}

// ---------------------------------------------------------------- reductions

std::vector<uint32_t> Evaluator::sum_slots_galois_elts() const {
  std::vector<uint32_t> e;
  for (size_t s = 1; s < ctx_->n() / 2; s <<= 1)
    e.push_back(galois_elt_for_step(static_cast<int>(s), ctx_->n()));
  e.push_back(galois_elt_row_swap(ctx_->n()));
  return e;
}

void Evaluator::sum_slots(const Ciphertext& a, const GaloisKeys& gk, Ciphertext& out) const {
  Ciphertext acc = a;
  for (size_t s = 1; s < ctx_->n() / 2; s <<= 1) {
    Ciphertext rot;
    rotate_rows(acc, static_cast<int>(s), gk, rot);
    add_inplace(acc, rot);
  }
  Ciphertext sw;
  rotate_columns(acc, gk, sw);
  add_inplace(acc, sw);
  out = std::move(acc);
}

void Evaluator::inner_product(const Ciphertext& a, const Ciphertext& b, const RelinKeys& rk,
                              const GaloisKeys& gk, Ciphertext& out) const {
  Ciphertext prod;
  multiply_relin(a, b, rk, prod);
  sum_slots(prod, gk, out);
}

void Evaluator::inner_product_plain(const Ciphertext& a, const PlaintextNtt& p, const GaloisKeys& gk,
                                    Ciphertext& out) const {
  Ciphertext prod;
  multiply_plain(a, p, prod);
  sum_slots(prod, gk, out);
}

// ---------------------------------------------------------------- modulus switching

namespace {

// Drops the last prime of `a` into `out` (which may be `a`): c' = (c - [c]_{q_l}) / q_l per residue,
// [c]_{q_l} centered, so c / q_l is rounded to nearest. In coefficient form one fused pass per
// residue reads the last residue in place (math::poly_drop_prime); in NTT form the last residue
// goes to the coefficient domain once and its lift to each q_j back to NTT form.
void drop_last_prime(const RlweContext& r, const Ciphertext& a, Ciphertext& out) {
  const size_t k = a.num_q(), n = r.n();
  const math::Modulus& ql = r.modulus(k - 1);
  const uint64_t qlv = ql.value(), half = qlv / 2;
  const bool ntt = a.is_ntt();
  if (&out != &a) {
    out.polys.resize(a.size());
    for (auto& p : out.polys)
      if (p.n() != n || p.num_q() != k - 1 || p.num_special() != 0) p = RnsPoly(n, k - 1, 0, ntt);
    for (auto& p : out.polys) p.set_ntt(ntt);
    out.param_id = a.param_id;
    out.scale = a.scale;
  }
  std::vector<uint64_t> last, w;
  for (size_t pi = 0; pi < a.size(); ++pi) {
    const RnsPoly& src = a.polys[pi];
    RnsPoly& dst = out.polys[pi];
    const uint64_t* c = src.residue(k - 1);
    if (ntt) {
      last.assign(c, c + n);
      math::ntt_inverse(last.data(), r.ntt(k - 1));
      c = last.data();
      w.resize(n);
    }
    for (size_t j = 0; j + 1 < k; ++j) {
      const math::Modulus& qj = r.modulus(j);
      const uint64_t ql_mod = math::reduce(qlv, qj);
      const uint64_t inv = math::inv_mod(ql_mod, qj);
      if (!ntt && qlv < 2 * qj.value()) {
        math::poly_drop_prime(dst.residue(j), src.residue(j), c, qlv, inv, n, qj);
        continue;
      }
      w.resize(n);
      for (size_t i = 0; i < n; ++i) {
        uint64_t v = math::reduce(c[i], qj);
        uint64_t big = 0 - static_cast<uint64_t>(c[i] > half);
        w[i] = math::sub_mod(v, ql_mod & big, qj);
      }
      if (ntt) math::ntt_forward(w.data(), r.ntt(j));
      math::poly_sub_mul_scalar(dst.residue(j), src.residue(j), w.data(), inv, n, qj);
    }
  }
  if (&out == &a)
    for (auto& p : out.polys) p.truncate_q(k - 1);
  out.clear_seed();
}

}  // namespace

void Evaluator::mod_switch_to_next_inplace(Ciphertext& a) const {
  check(a);
  if (a.num_q() < 2) throw std::invalid_argument("mod_switch_to_next: already at the last prime");
  drop_last_prime(ctx_->rlwe(), a, a);
}

void Evaluator::mod_switch_to_next(const Ciphertext& a, Ciphertext& out) const {
  check(a);
  if (a.num_q() < 2) throw std::invalid_argument("mod_switch_to_next: already at the last prime");
  if (&out == &a) return drop_last_prime(ctx_->rlwe(), out, out);
  drop_last_prime(ctx_->rlwe(), a, out);
}

void Evaluator::mod_switch_to_inplace(Ciphertext& a, size_t num_q) const {
  check(a);
  if (num_q == 0 || num_q > a.num_q()) throw std::invalid_argument("mod_switch_to: bad target level");
  while (a.num_q() > num_q) mod_switch_to_next_inplace(a);
}

}  // namespace v100::fhe::bfv
