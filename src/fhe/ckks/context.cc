#include "fhe/ckks/context.h"

#include <cmath>
#include <stdexcept>

#include "hash/sha3.h"

namespace v100::fhe::ckks {

namespace {
CkksParams validated(CkksParams p) {
  Status st = p.validate();
  if (!st) throw std::invalid_argument(st.message());
  return p;
}
}  // namespace

CkksContext::CkksContext(CkksParams params)
    : params_(validated(std::move(params))), fft_(params_.ring_degree) {
  const size_t num = params_.q.size() + 1;
  for (uint64_t p : params_.q) moduli_.emplace_back(p);
  moduli_.emplace_back(params_.special_prime);
  for (size_t j = 0; j < num; ++j) {
    ntt_.push_back(std::make_unique<math::NttTables>(params_.ring_degree, moduli_[j]));
  }
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
  for (size_t l = 0; l < levels; ++l) {
    for (size_t j = 0; j < levels; ++j) {
      q_mod_[l][j] = params_.q[l] % params_.q[j];
      if (j < l) {
        inv_q_[l][j] = math::inv_mod(params_.q[l] % params_.q[j], moduli_[j]);
        inv_q_shoup_[l][j] = math::shoup_precompute(inv_q_[l][j], moduli_[j]);
      }
    }
  }
  inv_p_.resize(levels);
  inv_p_shoup_.resize(levels);
  p_mod_.resize(levels);
  garner_inv_.assign(levels, 0);
  for (size_t j = 0; j < levels; ++j) {
    p_mod_[j] = params_.special_prime % params_.q[j];
    inv_p_[j] = math::inv_mod(p_mod_[j], moduli_[j]);
    inv_p_shoup_[j] = math::shoup_precompute(inv_p_[j], moduli_[j]);
    if (j > 0) {
      uint64_t prod = 1;
      for (size_t k = 0; k < j; ++k) prod = math::mul_mod(prod, params_.q[k] % params_.q[j], moduli_[j]);
      garner_inv_[j] = math::inv_mod(prod, moduli_[j]);
    }
  }
  // Fingerprint: SHA3-256 over the public parameters, first 8 bytes little-endian.
  ByteWriter w;
  w.bytes(as_bytes("v100/ckks/params"));
  w.u64(params_.ring_degree);
  w.u32(static_cast<uint32_t>(params_.log_scale));
  w.u32(static_cast<uint32_t>(params_.q.size()));
  for (uint64_t p : params_.q) w.u64(p);
  w.u64(params_.special_prime);
  auto h = hash::sha3_256(w.buffer());
  for (int i = 0; i < 8; ++i) fingerprint_ |= static_cast<uint64_t>(h[i]) << (8 * i);
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
  std::lock_guard<std::mutex> lock(galois_mu_);
  auto it = galois_cache_.find(g);
  if (it != galois_cache_.end()) return *it->second;
  // NTT slot i holds a(psi^(2*bitrev(i)+1)); (a o X^g)(psi^e) = a(psi^(g*e mod 2N)). So output slot
  // i reads input slot idx with 2*bitrev(idx)+1 = g*(2*bitrev(i)+1) mod 2N.
  const size_t nn = n();
  const int log_n = ntt_[0]->log_n();
  const uint64_t m = 2 * nn;
  auto perm = std::make_unique<std::vector<uint32_t>>(nn);
  for (size_t i = 0; i < nn; ++i) {
    uint64_t e = 2 * math::bit_reverse(i, log_n) + 1;
    uint64_t ge = (g * e) % m;
    (*perm)[i] = static_cast<uint32_t>(math::bit_reverse(static_cast<size_t>((ge - 1) / 2), log_n));
  }
  auto& ref = *perm;
  galois_cache_.emplace(g, std::move(perm));
  return ref;
}

}  // namespace v100::fhe::ckks
