#include "fhe/bfv/encryptor.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "core/rng.h"
#include "core/secure.h"
#include "fhe/common/prg.h"
#include "math/poly.h"

namespace v100::fhe::bfv {

namespace {
using u128 = unsigned __int128;

// Small signed polynomial -> RNS residues of `out` (coefficient form).
void small_to_rns(const RlweContext& r, const int8_t* v, RnsPoly& out) {
  for (size_t j = 0; j < out.num_residues(); ++j)
    signed_to_mod(out.residue(j), v, r.n(), r.modulus_of(out, j).value());
}
}  // namespace

void check_plaintext(const BfvContext& ctx, const Plaintext& pt) {
  if (pt.param_id != ctx.param_id())
    throw std::invalid_argument("plaintext belongs to another parameter set");
  if (pt.coeffs.size() != ctx.n())
    throw std::invalid_argument("plaintext has the wrong number of coefficients");
  uint64_t bad = 0;
  for (uint64_t v : pt.coeffs) bad |= static_cast<uint64_t>(v >= ctx.t());
  if (bad) throw std::invalid_argument("plaintext coefficient >= t");
}

void scale_plaintext(const BfvContext& ctx, const Plaintext& pt, RnsPoly& out) {
  const LevelData& ld = ctx.level(out.num_q());
  const size_t n = ctx.n();
  for (size_t j = 0; j < out.num_q(); ++j) {
    const math::Modulus& q = ctx.rlwe().modulus(j);
    const uint64_t d = ld.delta_mod_q[j], ds = math::shoup_precompute(d, q);
    uint64_t* o = out.residue(j);
    for (size_t i = 0; i < n; ++i) o[i] = math::mul_shoup(pt.coeffs[i], d, ds, q);
  }
}

Encryptor::Encryptor(BfvContextPtr ctx, PublicKey pk) : ctx_(std::move(ctx)), pk_(std::move(pk)) {
  if (pk_.param_id != ctx_->param_id())
    throw std::invalid_argument("Encryptor: public key for another parameter set");
}

Ciphertext Encryptor::encrypt(const Plaintext& pt) const {
  check_plaintext(*ctx_, pt);
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = r.num_q();
  Prg prg = Prg::fresh();
  std::vector<int8_t> small(n);
  RnsPoly u = r.make_poly(L, false, false);
  sample_ternary(small.data(), n, prg);
  small_to_rns(r, small.data(), u);
  r.to_ntt(u);
  Ciphertext ct;
  ct.param_id = ctx_->param_id();
  ct.polys.assign(2, r.make_poly(L, false, true));
  RnsPoly e0 = r.make_poly(L, false, false), e1 = r.make_poly(L, false, false);
  sample_cbd21(small.data(), n, prg);
  small_to_rns(r, small.data(), e0);
  sample_cbd21(small.data(), n, prg);
  small_to_rns(r, small.data(), e1);
  secure_wipe(small);
  RnsPoly dm = r.make_poly(L, false, false);
  scale_plaintext(*ctx_, pt, dm);
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    math::poly_add(e0.residue(j), e0.residue(j), dm.residue(j), n, q);
    math::ntt_forward(e0.residue(j), r.ntt(j));
    math::ntt_forward(e1.residue(j), r.ntt(j));
    math::poly_mul(ct.polys[0].residue(j), pk_.b.residue(j), u.residue(j), n, q);
    math::poly_add(ct.polys[0].residue(j), ct.polys[0].residue(j), e0.residue(j), n, q);
    math::poly_mul(ct.polys[1].residue(j), pk_.a.residue(j), u.residue(j), n, q);
    math::poly_add(ct.polys[1].residue(j), ct.polys[1].residue(j), e1.residue(j), n, q);
  }
  secure_wipe(u.data());
  secure_wipe(e0.data());
  secure_wipe(e1.data());
  return ct;
}

Ciphertext Encryptor::encrypt_zero_flooded(int flood_bits) const {
  if (flood_bits < 1 || flood_bits > 60)
    throw std::invalid_argument("encrypt_zero_flooded: flood_bits in [1, 60]");
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = r.num_q();
  Prg prg = Prg::fresh();
  std::vector<int8_t> small(n);
  RnsPoly u = r.make_poly(L, false, false);
  sample_ternary(small.data(), n, prg);
  small_to_rns(r, small.data(), u);
  r.to_ntt(u);
  Ciphertext ct;
  ct.param_id = ctx_->param_id();
  ct.polys.assign(2, r.make_poly(L, false, true));
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    math::poly_mul(ct.polys[0].residue(j), pk_.b.residue(j), u.residue(j), n, q);
    math::poly_mul(ct.polys[1].residue(j), pk_.a.residue(j), u.residue(j), n, q);
  }
  r.from_ntt(ct.polys[0]);
  r.from_ntt(ct.polys[1]);
  // e1: CBD; e0: uniform in [-2^B, 2^B).
  sample_cbd21(small.data(), n, prg);
  std::vector<uint64_t> flood(n);
  prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(flood.data()), n * 8));
  const uint64_t mask = (uint64_t{2} << flood_bits) - 1, off = uint64_t{1} << flood_bits;
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    const uint64_t qv = q.value(), offq = math::reduce(off, q);
    uint64_t* c0 = ct.polys[0].residue(j);
    uint64_t* c1 = ct.polys[1].residue(j);
    for (size_t i = 0; i < n; ++i) {
      uint64_t f = math::sub_mod(math::reduce(flood[i] & mask, q), offq, q);
      c0[i] = math::add_mod(c0[i], f, q);
      int64_t e = small[i];
      c1[i] = math::add_mod(c1[i], static_cast<uint64_t>(e) + (qv & static_cast<uint64_t>(e >> 63)), q);
    }
  }
  secure_wipe(flood);
  secure_wipe(small);
  secure_wipe(u.data());
  return ct;
}

SymmetricEncryptor::SymmetricEncryptor(BfvContextPtr ctx, const SecretKey& sk)
    : ctx_(std::move(ctx)), sk_(sk) {
  if (sk_.param_id() != ctx_->param_id())
    throw std::invalid_argument("SymmetricEncryptor: key for another parameter set");
}

Ciphertext SymmetricEncryptor::encrypt(const Plaintext& pt) const {
  std::array<uint8_t, 32> seed;
  random_bytes(seed);
  Prg prg = Prg::fresh();
  return encrypt_with(pt, seed, prg);
}

Ciphertext SymmetricEncryptor::encrypt(const Plaintext& pt, std::span<const uint8_t, 32> randomness) const {
  // The public a-seed and the error stream are independent streams of the one randomness seed.
  std::array<uint8_t, 32> seed;
  Prg(Prg::Kind::kShake256, randomness, kDerandASeedLabel).fill(seed);
  Prg prg(Prg::Kind::kAes256Ctr, randomness, kDerandErrorLabel);
  return encrypt_with(pt, seed, prg);
}

Ciphertext SymmetricEncryptor::encrypt_with(const Plaintext& pt, const std::array<uint8_t, 32>& seed,
                                            Prg& prg) const {
  check_plaintext(*ctx_, pt);
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = r.num_q();
  Ciphertext ct;
  ct.param_id = ctx_->param_id();
  ct.has_seed = true;
  ct.seed = seed;
  ct.polys.resize(2);
  ct.polys[1] = expand_uniform_ntt(r, ct.seed, kSeededCiphertextLabel, L, false);
  std::vector<int8_t> small(n);
  sample_cbd21(small.data(), n, prg);
  RnsPoly c0 = r.make_poly(L, false, false);
  small_to_rns(r, small.data(), c0);
  secure_wipe(small);
  RnsPoly dm = r.make_poly(L, false, false);
  scale_plaintext(*ctx_, pt, dm);
  std::vector<uint64_t> tmp(n);
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    math::poly_add(c0.residue(j), c0.residue(j), dm.residue(j), n, q);
    math::ntt_forward(c0.residue(j), r.ntt(j));
    math::poly_mul(tmp.data(), ct.polys[1].residue(j), sk_.s_ntt().residue(j), n, q);
    math::poly_sub(c0.residue(j), c0.residue(j), tmp.data(), n, q);
  }
  c0.set_ntt(true);
  ct.polys[0] = std::move(c0);
  return ct;
}

Decryptor::Decryptor(BfvContextPtr ctx, const SecretKey& sk) : ctx_(std::move(ctx)), sk_(sk) {
  if (sk_.param_id() != ctx_->param_id())
    throw std::invalid_argument("Decryptor: key for another parameter set");
}

RnsPoly Decryptor::dot_with_secret(const Ciphertext& ct) const {
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n();
  if (ct.param_id != ctx_->param_id())
    throw std::invalid_argument("Decryptor: ciphertext for another parameter set");
  if (ct.size() < 2 || ct.size() > 3)
    throw std::invalid_argument("Decryptor: ciphertext size must be 2 or 3");
  const size_t k = ct.num_q();
  for (const auto& p : ct.polys) {
    if (p.n() != n || p.num_q() != k || p.num_special() != 0 || k == 0 || k > r.num_q() ||
        p.is_ntt() != ct.is_ntt()) {
      throw std::invalid_argument("Decryptor: malformed ciphertext");
    }
  }
  // Coefficient-form input: x = c0 + INTT(NTT(c1) s [+ NTT(c2) s^2]) (c0 stays in coefficients).
  // NTT-form input: x = INTT(c0 + c1 s [+ c2 s^2]).
  RnsPoly x = ct.polys[0];
  std::vector<uint64_t> c(n), s2(n), acc(n);
  for (size_t j = 0; j < k; ++j) {
    const math::Modulus& q = r.modulus(j);
    const uint64_t* s = sk_.s_ntt().residue(j);
    uint64_t* target = ct.is_ntt() ? x.residue(j) : acc.data();
    std::copy(ct.polys[1].residue(j), ct.polys[1].residue(j) + n, c.begin());
    if (!ct.is_ntt()) {
      math::ntt_forward(c.data(), r.ntt(j));
      math::poly_mul(target, c.data(), s, n, q);
    } else {
      math::poly_mul_add(target, c.data(), s, n, q);
    }
    if (ct.size() == 3) {
      std::copy(ct.polys[2].residue(j), ct.polys[2].residue(j) + n, c.begin());
      if (!ct.is_ntt()) math::ntt_forward(c.data(), r.ntt(j));
      math::poly_mul(s2.data(), s, s, n, q);
      math::poly_mul_add(target, c.data(), s2.data(), n, q);
    }
    math::ntt_inverse(target, r.ntt(j));
    if (!ct.is_ntt()) math::poly_add(x.residue(j), x.residue(j), acc.data(), n, q);
  }
  secure_wipe(acc);
  secure_wipe(s2);
  x.set_ntt(false);
  return x;
}

Plaintext Decryptor::decrypt(const Ciphertext& ct) const {
  RnsPoly x = dot_with_secret(ct);
  const size_t n = ctx_->n(), k = x.num_q();
  const LevelData& ld = ctx_->level(k);
  Plaintext pt;
  pt.param_id = ctx_->param_id();
  pt.coeffs.resize(n);
  // m = round(t x / Q) mod t = round(sum_j a_j t / q_j) mod t with a_j = [x_j (Q/q_j)^-1]_{q_j}
  // (x = sum_j a_j Q/q_j - v Q, and v t ≡ 0 mod t), evaluated in 64.64 fixed point.
  for (size_t i = 0; i < n; ++i) {
    u128 acc = 0;
    for (size_t j = 0; j < k; ++j) {
      const math::Modulus& q = ctx_->rlwe().modulus(j);
      uint64_t a = math::mul_shoup(x.residue(j)[i], ld.qhat_inv[j], ld.qhat_inv_shoup[j], q);
      acc += static_cast<u128>(a) * ld.t_over_q_fixed[j];
    }
    acc += u128{1} << 63;
    pt.coeffs[i] = math::reduce(static_cast<uint64_t>(acc >> 64), ctx_->t_modulus());
  }
  secure_wipe(x.data());
  return pt;
}

int Decryptor::invariant_noise_budget(const Ciphertext& ct) const {
  RnsPoly x = dot_with_secret(ct);
  const size_t n = ctx_->n(), k = x.num_q();
  const LevelData& ld = ctx_->level(k);
  const math::RnsBase& base = *ld.base_q;
  std::vector<uint64_t> res(k), word(k), neg(k);
  const std::vector<uint64_t>& Q = base.product();
  auto bitlen = [&](const std::vector<uint64_t>& w) {
    for (size_t i = w.size(); i-- > 0;) {
      if (w[i]) return static_cast<int>(64 * i + 64 - __builtin_clzll(w[i]));
    }
    return 0;
  };
  int max_bits = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < k; ++j)
      res[j] = math::mul_mod(x.residue(j)[i], ctx_->t(), ctx_->rlwe().modulus(j));
    base.compose(word.data(), res.data());
    // Centered absolute value: min(y, Q - y).
    uint64_t borrow = 0;
    for (size_t w = 0; w < k; ++w) {
      u128 d = static_cast<u128>(Q[w]) - word[w] - borrow;
      neg[w] = static_cast<uint64_t>(d);
      borrow = static_cast<uint64_t>(d >> 64) & 1;
    }
    max_bits = std::max(max_bits, std::min(bitlen(word), bitlen(neg)));
  }
  secure_wipe(x.data());
  int budget = bitlen(Q) - max_bits - 1;
  return std::max(budget, 0);
}

}  // namespace v100::fhe::bfv
