#include "fhe/common/context.h"

#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "fhe/common/galois.h"

namespace v100::fhe {

namespace {
// Every RLWE operation allocates and frees polynomial buffers of 32 KB - 1 MB. With glibc's default
// (dynamic) thresholds those are returned to the kernel and page-faulted back on the next operation,
// which measured at 30-55% of the time of an encryption or of the 32-user match. Keep them in the
// heap instead: raise the mmap and trim thresholds once per process (the memory stays reusable by
// the process, as with SEAL's memory pool). Opt out with V100_NO_MALLOC_TUNING=1. The WebAssembly
// build has no kernel to return memory to (its heap only grows) and no environment: nothing to tune.
void tune_allocator_once() {
#if defined(__EMSCRIPTEN__)
  return;
#endif
  static std::once_flag once;
  std::call_once(once, [] {
    const char* v = std::getenv("V100_NO_MALLOC_TUNING");
    if (v != nullptr && std::strcmp(v, "1") == 0) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
}
}  // namespace

Result<std::shared_ptr<const RlweContext>> RlweContext::create(const RlweParams& params) {
  if (Status s = check_params(params); !s) return s;
  tune_allocator_once();
  std::shared_ptr<RlweContext> ctx(new RlweContext());
  ctx->params_ = params;
  ctx->param_id_ = ::v100::fhe::param_id(params);
  int log_n = 0;
  while ((size_t{1} << log_n) < params.n) ++log_n;
  ctx->log_n_ = log_n;
  for (uint64_t v : params.q) ctx->moduli_.emplace_back(v);
  for (uint64_t v : params.p) ctx->moduli_.emplace_back(v);
  for (const auto& m : ctx->moduli_) ctx->ntt_.push_back(std::make_unique<math::NttTables>(params.n, m));

  const size_t L = params.q.size(), K = params.p.size();
  // P mod q_j, P^-1 mod q_j, floor(P/2) mod every prime. P/2: P is odd, floor(P/2) = (P-1)/2, and
  // mod m that is (P mod m - 1) * 2^-1 mod m.
  ctx->p_mod_q_.resize(L);
  ctx->p_inv_mod_q_.resize(L);
  ctx->p_half_mod_.resize(L + K);
  for (size_t idx = 0; idx < L + K; ++idx) {
    const math::Modulus& m = ctx->moduli_[idx];
    uint64_t pm = 1;
    for (uint64_t p : params.p) pm = math::mul_mod(pm, math::reduce(p, m), m);
    uint64_t inv2 = (m.value() + 1) / 2;
    ctx->p_half_mod_[idx] = math::mul_mod(math::sub_mod(pm, 1 % m.value(), m), inv2, m);
    if (idx < L) {
      ctx->p_mod_q_[idx] = pm;
      ctx->p_inv_mod_q_[idx] = math::inv_mod(pm, m);
    }
  }
  ctx->phat_inv_mod_p_.resize(K);
  ctx->phat_mod_q_.resize(K * L);
  for (size_t k = 0; k < K; ++k) {
    const math::Modulus& pk = ctx->moduli_[L + k];
    uint64_t prod = 1;
    for (size_t k2 = 0; k2 < K; ++k2) {
      if (k2 != k) prod = math::mul_mod(prod, math::reduce(params.p[k2], pk), pk);
    }
    ctx->phat_inv_mod_p_[k] = math::inv_mod(prod, pk);
    for (size_t j = 0; j < L; ++j) {
      const math::Modulus& qj = ctx->moduli_[j];
      uint64_t pr = 1;
      for (size_t k2 = 0; k2 < K; ++k2) {
        if (k2 != k) pr = math::mul_mod(pr, math::reduce(params.p[k2], qj), qj);
      }
      ctx->phat_mod_q_[k * L + j] = pr;
    }
  }
  ctx->q_inv_mod_.assign(L * (L + K), 0);
  for (size_t l = 0; l < L; ++l) {
    for (size_t idx = 0; idx < L + K; ++idx) {
      if (idx != l) {
        const math::Modulus& m = ctx->moduli_[idx];
        ctx->q_inv_mod_[l * (L + K) + idx] = math::inv_mod(math::reduce(params.q[l], m), m);
      }
    }
  }
  return std::shared_ptr<const RlweContext>(std::move(ctx));
}

void RlweContext::to_ntt(RnsPoly& poly) const {
  if (poly.is_ntt()) return;
  for (size_t r = 0; r < poly.num_residues(); ++r) math::ntt_forward(poly.residue(r), ntt_of(poly, r));
  poly.set_ntt(true);
}

void RlweContext::from_ntt(RnsPoly& poly) const {
  if (!poly.is_ntt()) return;
  for (size_t r = 0; r < poly.num_residues(); ++r) math::ntt_inverse(poly.residue(r), ntt_of(poly, r));
  poly.set_ntt(false);
}

const std::vector<uint32_t>& RlweContext::galois_ntt_permutation(uint32_t galois_elt) const {
  const size_t n = params_.n;
  const uint64_t two_n = 2 * n;
  if ((galois_elt & 1) == 0 || galois_elt >= two_n) {
    throw std::invalid_argument("galois element must be odd and < 2N");
  }
  std::lock_guard<std::mutex> lock(galois_mu_);
  auto it = galois_cache_.find(galois_elt);
  if (it != galois_cache_.end()) return *it->second;
  // NTT position i holds a(psi^(2*bitrev(i)+1)). phi_g(a) at that point is a(psi^((2*bitrev(i)+1)*g)),
  // i.e. the value at the position j with 2*bitrev(j)+1 ≡ (2*bitrev(i)+1)*g (mod 2N).
  auto perm = std::make_unique<std::vector<uint32_t>>(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t e = 2 * math::bit_reverse(i, log_n_) + 1;
    uint64_t e2 = (e * galois_elt) % two_n;
    (*perm)[i] = static_cast<uint32_t>(math::bit_reverse((e2 - 1) / 2, log_n_));
  }
  auto& ref = *perm;
  galois_cache_.emplace(galois_elt, std::move(perm));
  return ref;
}

}  // namespace v100::fhe
