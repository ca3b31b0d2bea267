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
  double logq = 0;
  for (size_t j = 0; j < ctx_->num_q(); ++j) logq += std::log2(static_cast<double>(ctx_->rlwe().modulus(j).value()));
  flood_bits_ = static_cast<int>(std::floor(logq - std::log2(static_cast<double>(ctx_->t())))) - 4;
  flood_bits_ = std::max(1, std::min(flood_bits_, 60));
}

PreparedReference MatchServer::prepare_reference(std::span<const uint16_t> y) const {
  if (y.size() != kValues) throw std::invalid_argument("prepare_reference: need 128 values");
  Plaintext pt;
  pt.param_id = ctx_->param_id();
  pt.coeffs.assign(ctx_->n(), 0);
  for (size_t j = 0; j < kValues; ++j) pt.coeffs[kValues - 1 - j] = y[j];
  return PreparedReference{ev_.transform_plain(pt)};
}

Ciphertext MatchServer::finalize(const Ciphertext& product) const {
  const RlweContext& r = ctx_->rlwe();
  const size_t n = r.n(), L = product.num_q();
  if (product.size() != 2 || L != r.num_q() || product.param_id != ctx_->param_id()) {
    throw std::invalid_argument("match finalize: need a size-2 full-level product");
  }
  Ciphertext ct = product;
  ev_.to_ntt_inplace(ct);
  Prg prg = Prg::fresh();
  // (2) + Enc_pk(0) = (b u + e0, a u + e1): accumulate b u, a u in the NTT domain, then go to
  // coefficients once for both.
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
  // (1) uniform plaintext U at non-result coefficients, (3) flooding e0, e1 ~ CBD.
  std::vector<uint64_t> words(2 * n);
  prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words.data()), words.size() * 8));
  sample_cbd21(small.data(), n, prg);
  const LevelData& ld = ctx_->level(L);
  const uint64_t fmask = (uint64_t{2} << flood_bits_) - 1, foff = uint64_t{1} << flood_bits_;
  std::vector<uint64_t> uplain(n);
  for (size_t i = 0; i < n; ++i) {
    // 64-bit word mod t: bias below t / 2^64 < 2^-47.
    uint64_t v = math::reduce(words[i], ctx_->t_modulus());
    uint64_t is_result = static_cast<uint64_t>(i % kValues == kValues - 1);
    uplain[i] = v & (is_result - 1);
  }
  for (size_t j = 0; j < L; ++j) {
    const math::Modulus& q = r.modulus(j);
    const uint64_t qv = q.value(), offq = math::reduce(foff, q);
    const uint64_t d = ld.delta_mod_q[j], ds = math::shoup_precompute(d, q);
    uint64_t* c0 = ct.polys[0].residue(j);
    uint64_t* c1 = ct.polys[1].residue(j);
    for (size_t i = 0; i < n; ++i) {
      uint64_t f = math::sub_mod(math::reduce(words[n + i] & fmask, q), offq, q);
      uint64_t du = math::mul_shoup(uplain[i], d, ds, q);
      c0[i] = math::add_mod(math::add_mod(c0[i], f, q), du, q);
      int64_t e = small[i];
      c1[i] = math::add_mod(c1[i], static_cast<uint64_t>(e) + (qv & static_cast<uint64_t>(e >> 63)), q);
    }
  }
  secure_wipe(words);
  secure_wipe(uplain);
  secure_wipe(small);
  secure_wipe(u);
  // (4) shrink the reply.
  ev_.mod_switch_to_inplace(ct, 1);
  return ct;
}

Ciphertext MatchServer::inner_products(const Ciphertext& roster, const PreparedReference& ref) const {
  Ciphertext prod;
  ev_.multiply_plain(roster, ref.poly, prod);
  return finalize(prod);
}

std::vector<Ciphertext> MatchServer::masked_equality(const Ciphertext& roster, const Ciphertext& query,
                                                     size_t num_scores) const {
  Ciphertext diff;
  ev_.sub(roster, query, diff);
  std::vector<Ciphertext> out;
  Prg prg = Prg::fresh();
  for (size_t s = 0; s < num_scores; ++s) {
    // Fresh mask: r_j uniform in [1, t-1] (64-bit words reduced mod t-1: bias < 2^-47).
    Plaintext rp;
    rp.param_id = ctx_->param_id();
    rp.coeffs.assign(ctx_->n(), 0);
    const uint64_t tm1 = ctx_->t() - 1;
    for (size_t j = 0; j < kValues; ++j) rp.coeffs[kValues - 1 - j] = 1 + prg.next_u64() % tm1;
    PlaintextNtt rn = ev_.transform_plain(rp, diff.num_q());
    secure_wipe(rp.coeffs);
    Ciphertext prod;
    ev_.multiply_plain(diff, rn, prod);
    secure_wipe(rn.poly.data());
    out.push_back(finalize(prod));
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
