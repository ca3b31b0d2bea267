#include "fhe/bfv/match.h"

#include <cmath>
#include <stdexcept>

#include "core/secure.h"
#include "fhe/common/prg.h"
#include "math/poly.h"

namespace v100::fhe::bfv::match {

namespace {
void check_layout(const BfvContext& ctx) {
  if (ctx.n() % kValues != 0) throw std::invalid_argument("match: N must be a multiple of 128");
  if (ctx.t() <= 0xFFFF) throw std::invalid_argument("match: t must exceed 2^16 (16-bit values)");
}
}  // namespace

MatchClient::MatchClient(BfvContextPtr ctx, const SecretKey& sk)
    : ctx_(ctx), enc_(ctx), sym_(ctx, sk), dec_(ctx, sk), num_users_(ctx->n() / kValues) {
  check_layout(*ctx_);
}

Ciphertext MatchClient::encrypt_roster(std::span<const uint16_t> values) const {
  if (values.size() != num_users_ * kValues) throw std::invalid_argument("encrypt_roster: need N values");
  std::vector<uint64_t> c(values.begin(), values.end());
  return sym_.encrypt(enc_.encode(c));
}

Ciphertext MatchClient::encrypt_user_block(size_t user, std::span<const uint16_t> values) const {
  if (user >= num_users_ || values.size() != kValues) throw std::invalid_argument("encrypt_user_block: bad block");
  std::vector<uint64_t> c(ctx_->n(), 0);
  for (size_t j = 0; j < kValues; ++j) c[user * kValues + j] = values[j];
  return sym_.encrypt(enc_.encode(c));
}

Ciphertext MatchClient::encrypt_query(std::span<const uint16_t> y) const {
  if (y.size() != kValues) throw std::invalid_argument("encrypt_query: need 128 values");
  std::vector<uint64_t> c(ctx_->n());
  for (size_t k = 0; k < num_users_; ++k) {
    for (size_t j = 0; j < kValues; ++j) c[k * kValues + j] = y[j];
  }
  return sym_.encrypt(enc_.encode(c));
}

std::vector<uint64_t> MatchClient::decrypt_scores(const Ciphertext& reply) const {
  Plaintext pt = dec_.decrypt(reply);
  std::vector<uint64_t> out(num_users_);
  for (size_t k = 0; k < num_users_; ++k) out[k] = pt.coeffs[result_index(k)];
  secure_wipe(pt.coeffs);  // the other coefficients are noise, but do not keep them around
  return out;
}

MatchServer::MatchServer(BfvContextPtr ctx, PublicKey pk)
    : ctx_(ctx), pk_(std::move(pk)), ev_(ctx), num_users_(ctx->n() / kValues) {
  check_layout(*ctx_);
  if (pk_.param_id != ctx_->param_id()) throw std::invalid_argument("MatchServer: key for another parameter set");
  // Flooding after the switch to q_0: |F| <= 2^b with b = floor(log2(q_0 / t)) - 3 keeps
  // F + rounding noise below Delta_1 / 2 (the rounding noise of the switch is <= (1 + |s|_1) / 2).
  const double lq0 = std::log2(static_cast<double>(ctx_->rlwe().modulus(0).value()));
  flood_bits_ = static_cast<int>(std::floor(lq0 - std::log2(static_cast<double>(ctx_->t())))) - 3;
  if (flood_bits_ < 4) throw std::invalid_argument("MatchServer: q_0 too small for flooding");
}

PreparedReference MatchServer::prepare_reference(std::span<const uint16_t> y) const {
  if (y.size() != kValues) throw std::invalid_argument("prepare_reference: need 128 values");
  Plaintext pt;
  pt.param_id = ctx_->param_id();
  pt.coeffs.assign(ctx_->n(), 0);
  for (size_t j = 0; j < kValues; ++j) pt.coeffs[kValues - 1 - j] = y[j];
  return PreparedReference{ev_.transform_plain(pt)};
}

Ciphertext MatchServer::finalize(Ciphertext product) const {
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = product.num_q();
  if (product.size() != 2 || L != r.num_q() || product.param_id != ctx_->param_id()) {
    throw std::invalid_argument("match finalize: need a size-2 full-level product");
  }
  Ciphertext ct = std::move(product);
  ev_.to_ntt_inplace(ct);
  Prg prg = Prg::fresh();
  // (2) + (b u, a u + e1), a public-key encryption of zero (its e0 is subsumed by the flooding
  // below): accumulate b u, a u in the NTT domain, then go to coefficients once.
  std::vector<int8_t> small(n);
  sample_ternary(small.data(), n, prg);
  std::vector<uint64_t> u(n);
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    signed_to_mod(u.data(), small.data(), n, q.value());
    math::ntt_forward(u.data(), r.ntt(j));
    math::poly_mul_add(ct.polys[0].residue(j), pk_.b.residue(j), u.data(), n, q);
    math::poly_mul_add(ct.polys[1].residue(j), pk_.a.residue(j), u.data(), n, q);
  }
  ev_.from_ntt_inplace(ct);
  sample_cbd21(small.data(), n, prg);
  for (size_t j = 0; j < L; ++j) {
    signed_to_mod(u.data(), small.data(), n, r.modulus(j).value());
    math::poly_add(ct.polys[1].residue(j), ct.polys[1].residue(j), u.data(), n, r.modulus(j));
  }
  // (4) Shrink the reply to the first prime (divides every noise term above by Q/q_0).
  ev_.mod_switch_to_inplace(ct, 1);
  // (1) + (3) on the one remaining residue: c0 += Delta_1 * U + F, U uniform mod t at the
  // non-result coefficients (0 at the results), F uniform in [-2^b, 2^b).
  const math::Modulus& q0 = r.modulus(0);
  const uint64_t d = ctx_->level(1).delta_mod_q[0], ds = math::shoup_precompute(d, q0);
  const uint64_t fmask = (uint64_t{2} << flood_bits_) - 1, foff = uint64_t{1} << flood_bits_;
  std::vector<uint64_t> words(n);
  prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words.data()), words.size() * 8));
  uint64_t* c0 = ct.polys[0].residue(0);
  const uint64_t qv = q0.value();
  for (size_t i = 0; i < n; ++i) {
    const uint64_t w = words[i];
    // Low 32 bits -> U via Lemire's multiply-shift on 32 bits would be biased; use the full word:
    // U = w mod t (bias < t / 2^64 < 2^-47); F from an independent 64-bit word below.
    uint64_t uval = math::reduce(w, ctx_->t_modulus()) & (static_cast<uint64_t>(i % kValues == kValues - 1) - 1);
    c0[i] = math::add_mod(c0[i], math::mul_shoup(uval, d, ds, q0), q0);
  }
  prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words.data()), words.size() * 8));
  for (size_t i = 0; i < n; ++i) {
    // F in [-2^b, 2^b) with 2^(b+1) < q_0: one conditional add of q_0 maps it into [0, q_0).
    int64_t f = static_cast<int64_t>(words[i] & fmask) - static_cast<int64_t>(foff);
    uint64_t fr = static_cast<uint64_t>(f) + (qv & static_cast<uint64_t>(f >> 63));
    c0[i] = math::add_mod(c0[i], fr, q0);
  }
  secure_wipe(words);
  secure_wipe(small);
  secure_wipe(u);
  return ct;
}

Ciphertext MatchServer::inner_products(const Ciphertext& roster, const PreparedReference& ref) const {
  Ciphertext prod;
  ev_.multiply_plain(roster, ref.poly, prod);
  return finalize(std::move(prod));
}

std::vector<Ciphertext> MatchServer::masked_equality(const Ciphertext& roster, const Ciphertext& query,
                                                     size_t num_scores) const {
  Ciphertext diff;
  ev_.sub(roster, query, diff);
  std::vector<Ciphertext> out;
  Prg prg = Prg::fresh();
  for (size_t s = 0; s < num_scores; ++s) {
    // Fresh mask: r_j uniform in [1, t-1] (64-bit words reduced mod t-1: bias < 2^-47), placed
    // as R(X) = sum_j r_j X^(127 - j), centered lift, NTT form (built directly, no Plaintext).
    const RlweContext& r = ctx_->rlwe();
    const uint64_t t = ctx_->t(), tm1 = t - 1, half = t / 2;
    uint64_t rv[kValues];
    for (size_t j = 0; j < kValues; ++j) rv[j] = 1 + prg.next_u64() % tm1;
    PlaintextNtt rn;
    rn.param_id = ctx_->param_id();
    rn.poly = r.make_poly(diff.num_q(), false, true);
    for (size_t res = 0; res < diff.num_q(); ++res) {
      uint64_t* o = rn.poly.residue(res);
      const uint64_t q = r.modulus(res).value();
      for (size_t j = 0; j < kValues; ++j) {
        uint64_t m = rv[j];
        o[kValues - 1 - j] = m + ((q - t) & (0 - static_cast<uint64_t>(m > half)));
      }
      math::ntt_forward(o, r.ntt(res));
    }
    secure_wipe(rv, sizeof rv);
    Ciphertext prod;
    ev_.multiply_plain(diff, rn, prod);
    secure_wipe(rn.poly.data());
    out.push_back(finalize(std::move(prod)));
  }
  return out;
}

std::vector<Ciphertext> MatchServer::masked_equality_plain(const Ciphertext& roster, std::span<const uint16_t> y,
                                                           size_t num_scores) const {
  if (y.size() != kValues) throw std::invalid_argument("masked_equality_plain: need 128 values");
  Plaintext q;
  q.param_id = ctx_->param_id();
  q.coeffs.assign(ctx_->n(), 0);
  for (size_t k = 0; k < num_users_; ++k) {
    for (size_t j = 0; j < kValues; ++j) q.coeffs[k * kValues + j] = y[j];
  }
  // A trivial (noiseless) encryption of the replicated query: (Delta q, 0) in coefficient form.
  Ciphertext qc;
  qc.param_id = ctx_->param_id();
  qc.polys.assign(2, ctx_->rlwe().make_poly(roster.num_q(), false, false));
  scale_plaintext(*ctx_, q, qc.polys[0]);
  return masked_equality(roster, qc, num_scores);
}

}  // namespace v100::fhe::bfv::match
