#include "fhe/ckks/context.h"

#include <cmath>
#include <stdexcept>

namespace v100::fhe::ckks {

namespace {
CkksParams validated(CkksParams p) {
  Status st = p.validate();
  if (!st) throw std::invalid_argument(st.message());
  return p;
}

fhe::ContextPtr make_rlwe(const CkksParams& p) {
  fhe::RlweParams rp;
  rp.name = p.name;
  rp.scheme = fhe::Scheme::kCkks;
  rp.n = p.ring_degree;
  rp.q = p.q;
  rp.p = {p.special_prime};
  rp.t = 0;
  rp.insecure_test_only = p.insecure;
  auto r = fhe::RlweContext::create(rp);
  if (!r.is_ok()) throw std::invalid_argument("ckks: " + r.message());
  return std::move(r).value();
}
}  // namespace

CkksContext::CkksContext(CkksParams params)
    : params_(validated(std::move(params))), rlwe_(make_rlwe(params_)), fft_(params_.ring_degree) {
  const size_t levels = params_.q.size();
  log_q_.resize(levels);
  double acc = 0;
  for (size_t l = 0; l < levels; ++l) {
    acc += std::log2(static_cast<double>(params_.q[l]));
    log_q_[l] = acc;
  }
  inv_q_.assign(levels, std::vector<uint64_t>(levels, 0));
  inv_q_shoup_ = inv_q_;
  q_mod_ = inv_q_;
  q_mod_shoup_ = inv_q_;
  for (size_t l = 0; l < levels; ++l) {
    for (size_t j = 0; j < levels; ++j) {
      q_mod_[l][j] = params_.q[l] % params_.q[j];
      q_mod_shoup_[l][j] = math::shoup_precompute(q_mod_[l][j], modulus(j));
      if (j < l) {
        inv_q_[l][j] = math::inv_mod(params_.q[l] % params_.q[j], modulus(j));
        inv_q_shoup_[l][j] = math::shoup_precompute(inv_q_[l][j], modulus(j));
      }
    }
  }
  inv_p_.resize(levels);
  inv_p_shoup_.resize(levels);
  p_mod_.resize(levels);
  garner_inv_.assign(levels, 0);
  garner_inv_shoup_.assign(levels, 0);
  for (size_t j = 0; j < levels; ++j) {
    p_mod_[j] = params_.special_prime % params_.q[j];
    inv_p_[j] = math::inv_mod(p_mod_[j], modulus(j));
    inv_p_shoup_[j] = math::shoup_precompute(inv_p_[j], modulus(j));
    if (j > 0) {
      uint64_t prod = 1;
      for (size_t k = 0; k < j; ++k) prod = math::mul_mod(prod, params_.q[k] % params_.q[j], modulus(j));
      garner_inv_[j] = math::inv_mod(prod, modulus(j));
      garner_inv_shoup_[j] = math::shoup_precompute(garner_inv_[j], modulus(j));
    }
  }
  // The shared parameter id (SHA3-256 of every field, Scheme::kCkks included).
  fingerprint_ = rlwe_->param_id();
}

std::shared_ptr<const CkksContext> CkksContext::create(std::string_view name) {
  return std::make_shared<const CkksContext>(CkksParams::named(name));
}

uint64_t CkksContext::rotation_galois_element(int64_t steps) const {
  const uint64_t m = 2 * n();
  const int64_t slots = static_cast<int64_t>(slot_count());
  int64_t s = steps % slots;
  if (s < 0) s += slots;
  uint64_t g = 1;
  for (int64_t i = 0; i < s; ++i) g = (g * 5) % m;
  return g;
}

const std::vector<uint32_t>& CkksContext::galois_permutation(uint64_t g) const {
  if ((g & 1) == 0 || g >= 2 * n()) throw std::invalid_argument("galois element must be odd and < 2N");
  return rlwe_->galois_ntt_permutation(static_cast<uint32_t>(g));
}

}  // namespace v100::fhe::ckks
