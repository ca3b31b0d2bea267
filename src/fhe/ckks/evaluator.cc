#include "fhe/ckks/evaluator.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "fhe/common/keyswitch.h"
#include "fhe/common/scratch.h"
#include "math/ntt.h"
#include "math/poly.h"

namespace v100::fhe::ckks {

namespace {

std::string fmt_scale(double s) {
  return "2^" + std::to_string(std::log2(s));
}

// Copies residues 0..new_level of every polynomial (dropping higher primes).
void truncate(Ciphertext& a, size_t new_level) {
  if (new_level == a.level) return;
  const size_t n = a.n;
  Words d(a.size * (new_level + 1) * n);
  for (size_t p = 0; p < a.size; ++p) {
    std::copy(a.poly(p, 0), a.poly(p, 0) + (new_level + 1) * n, d.data() + p * (new_level + 1) * n);
  }
  a.data = std::move(d);
  a.level = new_level;
}

// Per-thread scratch buffers, grown on demand and reused: key switching touches megabytes of
// temporaries per call, and fresh allocations of that size cost page faults on every call.
struct Scratch {
  ScratchBuffer coef, r, o0, o1;
};
Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

Evaluator::Evaluator(ContextPtr ctx) : ctx_(std::move(ctx)), encoder_(ctx_) {}

void Evaluator::check(const Ciphertext& a, const char* op) const {
  const CkksContext& c = *ctx_;
  if (a.n != c.n() || a.level > c.max_level() || a.size < 2 || a.size > 3 ||
      a.data.size() != a.size * (a.level + 1) * a.n || !(a.scale > 0) || !std::isfinite(a.scale)) {
    throw std::invalid_argument(std::string("CKKS ") + op + ": ciphertext does not match the context");
  }
}

void Evaluator::check_plain(const Plaintext& p, size_t level, const char* op) const {
  if (p.n != ctx_->n() || p.level > ctx_->max_level() || p.data.size() != (p.level + 1) * p.n ||
      !(p.scale > 0) || !std::isfinite(p.scale)) {
    throw std::invalid_argument(std::string("CKKS ") + op + ": plaintext does not match the context");
  }
  if (p.level < level) {
    throw std::invalid_argument(std::string("CKKS ") + op + ": plaintext level " + std::to_string(p.level) +
                                " below the ciphertext level " + std::to_string(level));
  }
}

void Evaluator::check_scales(double a, double b, const char* op) const {
  if (std::fabs(a - b) > std::ldexp(std::max(a, b), -30)) {
    throw std::invalid_argument(std::string("CKKS ") + op + ": scale mismatch (" + fmt_scale(a) + " vs " +
                                fmt_scale(b) + "); rescale or re-encode to match");
  }
}

void Evaluator::check_scale_room(double scale, size_t level, const char* op) const {
  if (std::log2(scale) + 1 > ctx_->log_q(level)) {
    throw std::invalid_argument(std::string("CKKS ") + op + ": scale overflow (" + fmt_scale(scale) +
                                " does not fit in log2 Q = " + std::to_string(ctx_->log_q(level)) +
                                " at level " + std::to_string(level) + ")");
  }
}

// ---- level management ----

Ciphertext Evaluator::mod_down_to(const Ciphertext& a, size_t level) const {
  Ciphertext r = a;
  mod_down_to_inplace(r, level);
  return r;
}

void Evaluator::mod_down_to_inplace(Ciphertext& a, size_t level) const {
  check(a, "mod_down_to");
  if (level > a.level) {
    throw std::invalid_argument("CKKS mod_down_to: target level " + std::to_string(level) +
                                " above the ciphertext level " + std::to_string(a.level));
  }
  truncate(a, level);
}

Plaintext Evaluator::mod_down_to(const Plaintext& p, size_t level) const {
  check_plain(p, level, "mod_down_to");
  Plaintext r = p;
  r.level = level;
  r.data.resize((level + 1) * p.n);
  return r;
}

// ---- additive ops ----

void Evaluator::add_inplace(Ciphertext& a, const Ciphertext& b) const {
  check(a, "add");
  check(b, "add");
  check_scales(a.scale, b.scale, "add");
  const size_t level = std::min(a.level, b.level);
  truncate(a, level);
  const size_t n = a.n;
  if (b.size > a.size) {
    Ciphertext big;
    big.resize(n, b.size, level);
    big.scale = a.scale;
    for (size_t p = 0; p < a.size; ++p)
      std::copy(a.poly(p, 0), a.poly(p, 0) + (level + 1) * n, big.poly(p, 0));
    a = std::move(big);
  }
  for (size_t p = 0; p < b.size; ++p) {
    for (size_t j = 0; j <= level; ++j)
      math::poly_add(a.poly(p, j), a.poly(p, j), b.poly(p, j), n, ctx_->modulus(j));
  }
}

Ciphertext Evaluator::add(const Ciphertext& a, const Ciphertext& b) const {
  Ciphertext r = a;
  add_inplace(r, b);
  return r;
}

void Evaluator::negate_inplace(Ciphertext& a) const {
  check(a, "negate");
  for (size_t p = 0; p < a.size; ++p) {
    for (size_t j = 0; j <= a.level; ++j) math::poly_neg(a.poly(p, j), a.poly(p, j), a.n, ctx_->modulus(j));
  }
}

Ciphertext Evaluator::negate(const Ciphertext& a) const {
  Ciphertext r = a;
  negate_inplace(r);
  return r;
}

void Evaluator::sub_inplace(Ciphertext& a, const Ciphertext& b) const {
  Ciphertext nb = negate(b);
  add_inplace(a, nb);
}

Ciphertext Evaluator::sub(const Ciphertext& a, const Ciphertext& b) const {
  Ciphertext r = a;
  sub_inplace(r, b);
  return r;
}

Ciphertext Evaluator::add_plain(const Ciphertext& a, const Plaintext& p) const {
  check(a, "add_plain");
  check_plain(p, a.level, "add_plain");
  check_scales(a.scale, p.scale, "add_plain");
  Ciphertext r = a;
  for (size_t j = 0; j <= r.level; ++j)
    math::poly_add(r.poly(0, j), r.poly(0, j), p.residue(j), r.n, ctx_->modulus(j));
  return r;
}

Ciphertext Evaluator::sub_plain(const Ciphertext& a, const Plaintext& p) const {
  check(a, "sub_plain");
  check_plain(p, a.level, "sub_plain");
  check_scales(a.scale, p.scale, "sub_plain");
  Ciphertext r = a;
  for (size_t j = 0; j <= r.level; ++j)
    math::poly_sub(r.poly(0, j), r.poly(0, j), p.residue(j), r.n, ctx_->modulus(j));
  return r;
}

void Evaluator::multiply_plain_inplace(Ciphertext& a, const Plaintext& p) const {
  check(a, "multiply_plain");
  check_plain(p, a.level, "multiply_plain");
  a.scale *= p.scale;
  check_scale_room(a.scale, a.level, "multiply_plain");
  for (size_t q = 0; q < a.size; ++q) {
    for (size_t j = 0; j <= a.level; ++j)
      math::poly_mul(a.poly(q, j), a.poly(q, j), p.residue(j), a.n, ctx_->modulus(j));
  }
}

Ciphertext Evaluator::multiply_plain(const Ciphertext& a, const Plaintext& p) const {
  Ciphertext r = a;
  multiply_plain_inplace(r, p);
  return r;
}

Ciphertext Evaluator::add_const(const Ciphertext& a, double c) const {
  check(a, "add_const");
  Ciphertext r = a;
  const double v = c * a.scale;
  if (!std::isfinite(v) || std::log2(std::fabs(v) + 1) + 1 > ctx_->log_q(a.level)) {
    throw std::invalid_argument("CKKS add_const: constant * scale does not fit");
  }
  for (size_t j = 0; j <= r.level; ++j) {
    const uint64_t k = round_to_residue(v, ctx_->modulus(j));
    uint64_t* p = r.poly(0, j);
    for (size_t i = 0; i < r.n; ++i) p[i] = math::add_mod(p[i], k, ctx_->modulus(j));
  }
  return r;
}

Ciphertext Evaluator::multiply_const(const Ciphertext& a, double c, double const_scale) const {
  check(a, "multiply_const");
  // Default: encode at q_level, so that the next rescale gives back exactly the input scale.
  if (const_scale == 0) const_scale = static_cast<double>(ctx_->modulus(a.level).value());
  const double v = c * const_scale;
  if (!std::isfinite(v) || !(const_scale >= 1))
    throw std::invalid_argument("CKKS multiply_const: bad constant or scale");
  if (std::nearbyint(v) == 0.0) {
    throw std::invalid_argument(
        "CKKS multiply_const: constant rounds to 0 at this scale (the result would be "
        "a transparent all-zero ciphertext)");
  }
  Ciphertext r = a;
  r.scale = a.scale * const_scale;
  check_scale_room(r.scale, r.level, "multiply_const");
  for (size_t j = 0; j <= r.level; ++j) {
    const uint64_t k = round_to_residue(v, ctx_->modulus(j));
    for (size_t p = 0; p < r.size; ++p)
      math::poly_mul_scalar(r.poly(p, j), r.poly(p, j), k, r.n, ctx_->modulus(j));
  }
  return r;
}

Ciphertext Evaluator::multiply_const_int(const Ciphertext& a, int64_t c) const {
  check(a, "multiply_const_int");
  if (c == 0) {
    throw std::invalid_argument(
        "CKKS multiply_const_int: multiplying by 0 would give a transparent all-zero "
        "ciphertext");
  }
  Ciphertext r = a;
  for (size_t j = 0; j <= r.level; ++j) {
    const uint64_t k = round_to_residue(static_cast<double>(c), ctx_->modulus(j));
    for (size_t p = 0; p < r.size; ++p)
      math::poly_mul_scalar(r.poly(p, j), r.poly(p, j), k, r.n, ctx_->modulus(j));
  }
  return r;
}

// ---- multiplication ----

std::pair<const Ciphertext*, const Ciphertext*> Evaluator::align_for_multiply(const Ciphertext& a,
                                                                              const Ciphertext& b,
                                                                              Ciphertext& ta,
                                                                              Ciphertext& tb) const {
  check(a, "multiply");
  check(b, "multiply");
  if (a.size != 2 || b.size != 2)
    throw std::invalid_argument("CKKS multiply: operands must have size 2 (relinearize first)");
  const size_t level = std::min(a.level, b.level);
  const Ciphertext* pa = &a;
  const Ciphertext* pb = &b;
  if (pa->level != level) {
    ta = mod_down_to(*pa, level);
    pa = &ta;
  }
  if (pb->level != level) {
    tb = mod_down_to(*pb, level);
    pb = &tb;
  }
  check_scale_room(a.scale * b.scale, level, "multiply");
  return {pa, pb};
}

Ciphertext Evaluator::multiply(const Ciphertext& a_in, const Ciphertext& b_in) const {
  Ciphertext ta, tb;
  auto [a, b] = align_for_multiply(a_in, b_in, ta, tb);
  const size_t n = a->n, level = a->level;
  Ciphertext r;
  r.resize(n, 3, level);
  r.scale = a->scale * b->scale;
  for (size_t j = 0; j <= level; ++j) {
    const math::Modulus& q = ctx_->modulus(j);
    math::poly_mul(r.poly(0, j), a->poly(0, j), b->poly(0, j), n, q);
    const uint64_t* xs[2] = {a->poly(0, j), a->poly(1, j)};
    const uint64_t* ys[2] = {b->poly(1, j), b->poly(0, j)};
    math::poly_dot(r.poly(1, j), xs, ys, 2, n, q);  // a0 b1 + a1 b0, one reduction
    math::poly_mul(r.poly(2, j), a->poly(1, j), b->poly(1, j), n, q);
  }
  return r;
}

Ciphertext Evaluator::square_relin(const Ciphertext& a, const RelinKey& rk) const {
  return relinearize(multiply(a, a), rk);
}

void Evaluator::relinearize_inplace(Ciphertext& a, const RelinKey& rk) const {
  check(a, "relinearize");
  if (a.size == 2) return;
  const size_t n = a.n, l = a.level;
  const fhe::RlweContext& rc = *ctx_->rlwe();
  Scratch& sc = scratch();
  uint64_t* acc0 = fhe::scratch_words(sc.o0, (l + 1 + rc.num_p()) * n);
  uint64_t* acc1 = fhe::scratch_words(sc.o1, (l + 1 + rc.num_p()) * n);
  key_switch(a.poly(2, 0), l, rk.key, acc0, acc1);
  fhe::mod_down_p(rc, acc0, l + 1, acc0);
  fhe::mod_down_p(rc, acc1, l + 1, acc1);
  for (size_t j = 0; j <= l; ++j) {
    math::poly_add(a.poly(0, j), a.poly(0, j), acc0 + j * n, n, ctx_->modulus(j));
    math::poly_add(a.poly(1, j), a.poly(1, j), acc1 + j * n, n, ctx_->modulus(j));
  }
  a.size = 2;
  a.data.resize(2 * (l + 1) * n);
}

Ciphertext Evaluator::relinearize(const Ciphertext& a, const RelinKey& rk) const {
  Ciphertext r = a;
  relinearize_inplace(r, rk);
  return r;
}

Ciphertext Evaluator::multiply_relin(const Ciphertext& a, const Ciphertext& b, const RelinKey& rk) const {
  Ciphertext r = multiply(a, b);
  relinearize_inplace(r, rk);
  return r;
}

Ciphertext Evaluator::multiply_relin_rescale(const Ciphertext& a_in, const Ciphertext& b_in,
                                             const RelinKey& rk) const {
  const fhe::RlweContext& rc = *ctx_->rlwe();
  if (std::min(a_in.level, b_in.level) == 0) {
    throw std::invalid_argument("CKKS rescale: ciphertext is at level 0 (no prime left to divide by)");
  }
  if (rc.num_p() != 1) {
    Ciphertext r = multiply(a_in, b_in);
    relinearize_inplace(r, rk);
    rescale_inplace(r);
    return r;
  }
  // One modulus-down for the relinearization and the rescale. With (k0, k1) the key-switching sum
  // of d2 = a1 b1 before its division by P, (P d0 + k0, P d1 + k1) divided by P * q_l with
  // rounding is the relinearized, rescaled product: one rounding instead of two, 2 (l + 2) NTTs
  // instead of 4 (l + 1), and d0 = a0 b0, d1 = a0 b1 + a1 b0 are folded in without being stored.
  Ciphertext ta, tb;
  auto [a, b] = align_for_multiply(a_in, b_in, ta, tb);
  const size_t n = a->n, l = a->level;
  Scratch& sc = scratch();
  uint64_t* d2 = fhe::scratch_words(sc.coef, (l + 1) * n);
  uint64_t* acc0 = fhe::scratch_words(sc.o0, (l + 2) * n);
  uint64_t* acc1 = fhe::scratch_words(sc.o1, (l + 2) * n);
  // One pass over the operands: d2 for the key switch, P d0 and P d1 straight into the sums.
  for (size_t j = 0; j <= l; ++j) {
    math::poly_tensor_fold(d2 + j * n, acc0 + j * n, acc1 + j * n, a->poly(0, j), a->poly(1, j),
                           b->poly(0, j), b->poly(1, j), rc.p_mod_q(j), n, ctx_->modulus(j));
  }
  key_switch(d2, l, rk.key, acc0, acc1, /*add_to_chain=*/true);
  Ciphertext r;
  r.resize_for_overwrite(n, 2, l - 1);  // both polynomials written below
  r.scale = a->scale * b->scale / static_cast<double>(ctx_->modulus(l).value());
  fhe::mod_down_p_and_last(rc, acc0, l + 1, r.poly(0, 0));
  fhe::mod_down_p_and_last(rc, acc1, l + 1, r.poly(1, 0));
  return r;
}

// ---- rescale ----

void Evaluator::rescale_inplace(Ciphertext& a) const {
  check(a, "rescale");
  if (a.level == 0)
    throw std::invalid_argument("CKKS rescale: ciphertext is at level 0 (no prime left to divide by)");
  const CkksContext& c = *ctx_;
  const size_t n = a.n, l = a.level;
  const math::Modulus& ql = c.modulus(l);
  const uint64_t half = ql.value() >> 1;
  Scratch& sc = scratch();
  uint64_t* x = fhe::scratch_words(sc.coef, n);
  uint64_t* r = fhe::scratch_words(sc.r, n);
  Ciphertext out;
  out.resize(n, a.size, l - 1);
  out.scale = a.scale / static_cast<double>(ql.value());
  for (size_t p = 0; p < a.size; ++p) {
    // round(c / q_l) coefficient-wise = (c + H - [c + H]_(q_l)) / q_l with H = h * sum X^i,
    // h = floor(q_l / 2): x = [c + H]_(q_l) in coefficient form, r = x - H mod q_j, then
    // (c_j - NTT(r)) * q_l^-1. Error <= 1/2 per coefficient.
    math::ntt_inverse_from(x, a.poly(p, l), c.ntt(l));
    for (size_t i = 0; i < n; ++i) x[i] = math::add_mod(x[i], half, ql);
    for (size_t j = 0; j < l; ++j) {
      const math::Modulus& qj = c.modulus(j);
      const uint64_t half_j = math::reduce(half, qj);
      if (ql.value() < qj.value()) {  // x < q_l < q_j: no reduction needed
        for (size_t i = 0; i < n; ++i) r[i] = math::sub_mod(x[i], half_j, qj);
      } else {
        for (size_t i = 0; i < n; ++i) r[i] = math::sub_mod(math::reduce(x[i], qj), half_j, qj);
      }
      math::ntt_forward(r, c.ntt(j));
      uint64_t* dst = out.poly(p, j);
      math::poly_sub(dst, a.poly(p, j), r, n, qj);
      math::poly_mul_scalar(dst, dst, c.inv_q_mod(l, j), n, qj);
    }
  }
  a = std::move(out);
}

Ciphertext Evaluator::rescale(const Ciphertext& a) const {
  Ciphertext r = a;
  rescale_inplace(r);
  return r;
}

// ---- key switching: fhe/common (hybrid, one special prime P, one digit per q_i) ----

namespace {
RnsPoly to_rns(const uint64_t* d, size_t n, size_t num_q) {
  RnsPoly p(n, num_q, 0, true);
  std::copy(d, d + num_q * n, p.data().data());
  return p;
}
void from_rns(const RnsPoly& p, uint64_t* out) {
  std::copy(p.data().begin(), p.data().end(), out);
}
}  // namespace

void Evaluator::key_switch(const uint64_t* d, size_t l, const KeySwitchKey& key, uint64_t* acc0,
                           uint64_t* acc1, bool add_to_chain) const {
  fhe::ks_accumulate(*ctx_->rlwe(), d, /*c_is_ntt=*/true, l + 1, key, acc0, acc1, add_to_chain);
}

// ---- rotations ----

Ciphertext Evaluator::apply_galois(const Ciphertext& a, uint64_t g, const KeySwitchKey& key) const {
  check(a, "rotate");
  if (a.size != 2) throw std::invalid_argument("CKKS rotate: relinearize first (size must be 2)");
  const CkksContext& c = *ctx_;
  const fhe::RlweContext& rc = *c.rlwe();
  const size_t n = a.n, l = a.level;
  const uint32_t* perm = c.galois_permutation(g).data();
  // phi_g (a permutation of NTT slots) on c_1, switched from phi_g(s) to s; phi_g(c_0) is added to
  // the result in the pass that permutes it. The hoisted path below permutes the decomposed digits.
  Scratch& sc = scratch();
  uint64_t* c1g = fhe::scratch_words(sc.r, (l + 1) * n);
  for (size_t j = 0; j <= l; ++j) math::permute(c1g + j * n, a.poly(1, j), perm, n);
  uint64_t* acc0 = fhe::scratch_words(sc.o0, (l + 1 + rc.num_p()) * n);
  uint64_t* acc1 = fhe::scratch_words(sc.o1, (l + 1 + rc.num_p()) * n);
  key_switch(c1g, l, key, acc0, acc1);
  Ciphertext r;
  r.resize_for_overwrite(n, 2, l);  // both polynomials written below
  r.scale = a.scale;
  fhe::mod_down_p(rc, acc0, l + 1, r.poly(0, 0));
  fhe::mod_down_p(rc, acc1, l + 1, r.poly(1, 0));
  for (size_t j = 0; j <= l; ++j)
    math::permute_add(r.poly(0, j), r.poly(0, j), a.poly(0, j), perm, n, c.modulus(j));
  return r;
}

Ciphertext Evaluator::rotate(const Ciphertext& a, int64_t steps, const GaloisKeys& gk) const {
  const CkksContext& c = *ctx_;
  const int64_t slots = static_cast<int64_t>(c.slot_count());
  int64_t s = steps % slots;
  if (s < 0) s += slots;
  if (s == 0) {
    check(a, "rotate");
    return a;
  }
  uint64_t g = c.rotation_galois_element(s);
  auto it = gk.keys.find(static_cast<uint32_t>(g));
  if (it != gk.keys.end()) return apply_galois(a, g, it->second);
  // Compose from power-of-two steps.
  Ciphertext r = a;
  for (int b = 0; (int64_t{1} << b) < slots; ++b) {
    if (((s >> b) & 1) == 0) continue;
    uint64_t gb = c.rotation_galois_element(int64_t{1} << b);
    auto kb = gk.keys.find(static_cast<uint32_t>(gb));
    if (kb == gk.keys.end()) {
      throw std::invalid_argument("CKKS rotate: no Galois key for step " + std::to_string(steps) +
                                  " nor for power-of-two step " + std::to_string(int64_t{1} << b));
    }
    r = apply_galois(r, gb, kb->second);
  }
  return r;
}

std::vector<Ciphertext> Evaluator::rotate_hoisted(const Ciphertext& a, std::span<const int64_t> steps,
                                                  const GaloisKeys& gk) const {
  check(a, "rotate_hoisted");
  if (a.size != 2) throw std::invalid_argument("CKKS rotate: relinearize first (size must be 2)");
  const CkksContext& c = *ctx_;
  const size_t n = a.n, l = a.level;
  std::vector<const KeySwitchKey*> keys;
  for (int64_t s : steps) {
    uint64_t g = c.rotation_galois_element(s);
    if (g == 1) {
      keys.push_back(nullptr);
      continue;
    }
    auto it = gk.keys.find(static_cast<uint32_t>(g));
    if (it == gk.keys.end()) {
      throw std::invalid_argument("CKKS rotate_hoisted: no Galois key for step " + std::to_string(s));
    }
    keys.push_back(&it->second);
  }
  const fhe::RlweContext& rc = *c.rlwe();
  fhe::KeySwitchDecomposition dec = fhe::ks_decompose(rc, to_rns(a.poly(1, 0), n, l + 1));
  std::vector<Ciphertext> out;
  for (size_t k = 0; k < steps.size(); ++k) {
    if (!keys[k]) {
      out.push_back(a);
      continue;
    }
    const uint64_t g = c.rotation_galois_element(steps[k]);
    const auto& perm = c.galois_permutation(g);
    Ciphertext r;
    r.resize_for_overwrite(n, 2, l);  // both polynomials written below
    r.scale = a.scale;
    RnsPoly o0, o1;
    fhe::ks_apply(rc, dec, *keys[k], static_cast<uint32_t>(g), o0, o1);
    from_rns(o1, r.poly(1, 0));
    for (size_t j = 0; j <= l; ++j) {
      math::permute_add(r.poly(0, j), o0.residue(j), a.poly(0, j), perm.data(), n, c.modulus(j));
    }
    out.push_back(std::move(r));
  }
  return out;
}

Ciphertext Evaluator::conjugate(const Ciphertext& a, const GaloisKeys& gk) const {
  uint64_t g = ctx_->conjugation_galois_element();
  auto it = gk.keys.find(static_cast<uint32_t>(g));
  if (it == gk.keys.end()) throw std::invalid_argument("CKKS conjugate: no conjugation key");
  return apply_galois(a, g, it->second);
}

Ciphertext Evaluator::sum_slots(const Ciphertext& a, const GaloisKeys& gk) const {
  Ciphertext r = a;
  for (size_t s = 1; s < ctx_->slot_count(); s *= 2) {
    Ciphertext rot = rotate(r, static_cast<int64_t>(s), gk);
    add_inplace(r, rot);
  }
  return r;
}

Ciphertext Evaluator::inner_product(const Ciphertext& a, const Ciphertext& b, const RelinKey& rk,
                                    const GaloisKeys& gk) const {
  return sum_slots(multiply_relin_rescale(a, b, rk), gk);
}

Ciphertext Evaluator::inner_product_plain(const Ciphertext& a, const Plaintext& w,
                                          const GaloisKeys& gk) const {
  Ciphertext r = multiply_plain(a, w);
  rescale_inplace(r);
  return sum_slots(r, gk);
}

}  // namespace v100::fhe::ckks
