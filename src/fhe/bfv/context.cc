#include "fhe/bfv/context.h"

#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

#include "math/primes.h"

namespace v100::fhe::bfv {

namespace {

using u128 = unsigned __int128;
using Words = std::vector<uint64_t>;

// Little-endian multi-word helpers for the one-time constants (public values; not constant time).
void mw_mul_small(Words& w, uint64_t x) {
  uint64_t carry = 0;
  for (auto& v : w) {
    u128 p = static_cast<u128>(v) * x + carry;
    v = static_cast<uint64_t>(p);
    carry = static_cast<uint64_t>(p >> 64);
  }
  if (carry) w.push_back(carry);
}

uint64_t mw_divmod_small(Words& w, uint64_t d) {  // w /= d, returns w mod d
  u128 rem = 0;
  for (size_t i = w.size(); i-- > 0;) {
    u128 cur = (rem << 64) | w[i];
    w[i] = static_cast<uint64_t>(cur / d);
    rem = cur % d;
  }
  while (w.size() > 1 && w.back() == 0) w.pop_back();
  return static_cast<uint64_t>(rem);
}

uint64_t mw_mod_small(const Words& w, uint64_t d) {
  Words c = w;
  return mw_divmod_small(c, d);
}

const std::map<std::string, RlweParams, std::less<>>& registry() {
  static const auto* reg = [] {
    auto* m = new std::map<std::string, RlweParams, std::less<>>();
    auto add = [&](const char* name, size_t n, int qbits, size_t nq, int pbits, uint64_t t, bool insecure) {
      RlweParams p;
      p.name = name;
      p.scheme = Scheme::kBfv;
      p.n = n;
      p.q = math::generate_ntt_primes(qbits, n, nq);
      auto pp = math::generate_ntt_primes(pbits, n, 1 + nq);
      for (uint64_t v : pp) {
        bool dup = false;
        for (uint64_t q : p.q) dup |= q == v;
        if (!dup) {
          p.p.push_back(v);
          break;
        }
      }
      p.t = t;
      p.insecure_test_only = insecure;
      m->emplace(name, std::move(p));
    };
    add("bfv-meeting-4096", 4096, 36, 2, 37, 65537, false);
    add("bfv-8192", 8192, 43, 4, 46, 65537, false);
    add("bfv-16384", 16384, 48, 8, 50, 65537, false);
    add("insecure-test-bfv-1024", 1024, 30, 2, 31, 12289, true);
    return m;
  }();
  return *reg;
}

}  // namespace

std::vector<std::string_view> named_sets() {
  return {"bfv-meeting-4096", "bfv-8192", "bfv-16384", "insecure-test-bfv-1024"};
}

Result<RlweParams> named_params(std::string_view name) {
  const auto& reg = registry();
  auto it = reg.find(name);
  if (it == reg.end())
    return Result<RlweParams>::error("unknown BFV parameter set '" + std::string(name) + "'");
  return it->second;
}

Result<std::shared_ptr<const BfvContext>> BfvContext::create(std::string_view name) {
  auto p = named_params(name);
  if (!p) return p.status();
  return create(*p);
}

const LevelData& BfvContext::level(size_t num_q) const {
  if (num_q == 0 || num_q > levels_.size()) throw std::invalid_argument("BFV: level out of range");
  return levels_[num_q - 1];
}

Result<std::shared_ptr<const BfvContext>> BfvContext::create(const RlweParams& params) {
  if (params.scheme != Scheme::kBfv) return Status::error("BFV context needs Scheme::kBfv parameters");
  if (params.t < 3 || params.t % 2 == 0 || params.t >= (uint64_t{1} << 40)) {
    return Status::error("BFV: t must be odd, >= 3 and < 2^40");
  }
  if (params.p.empty()) return Status::error("BFV: at least one special prime is required");
  auto rl = RlweContext::create(params);
  if (!rl) return rl.status();
  std::shared_ptr<BfvContext> ctx(new BfvContext());
  ctx->rlwe_ = *rl;
  const RlweContext& r = *ctx->rlwe_;
  const size_t n = params.n, L = params.q.size();
  ctx->t_ = math::Modulus(params.t);

  // Auxiliary base B for HPS: B > 2 * t * N * Q_L (with margin), so that the tensor product
  // (|x| <= N Q^2 / 2) is exact in Q ∪ B and round(t x / Q) is exact in B.
  double need = std::log2(static_cast<double>(params.t)) + std::log2(static_cast<double>(n)) + 4;
  for (uint64_t q : params.q) need += std::log2(static_cast<double>(q));
  const size_t nb = static_cast<size_t>(std::ceil(need / 49.0));
  std::set<uint64_t> used(params.q.begin(), params.q.end());
  used.insert(params.p.begin(), params.p.end());
  for (uint64_t b : math::generate_ntt_primes(50, n, nb + used.size())) {
    if (ctx->b_moduli_.size() == nb) break;
    if (!used.count(b)) ctx->b_moduli_.emplace_back(b);
  }
  if (ctx->b_moduli_.size() != nb) return Status::error("BFV: could not find auxiliary primes");
  for (const auto& b : ctx->b_moduli_) ctx->b_ntt_.push_back(std::make_unique<math::NttTables>(n, b));
  Words bprod{1};
  for (const auto& b : ctx->b_moduli_) mw_mul_small(bprod, b.value());
  Words tb = bprod;
  mw_mul_small(tb, params.t);
  math::RnsBase base_b(ctx->b_moduli_);

  for (size_t k = 1; k <= L; ++k) {
    LevelData ld;
    ld.num_q = k;
    std::vector<math::Modulus> qs;
    for (size_t j = 0; j < k; ++j) qs.push_back(r.modulus(j));
    ld.base_q = std::make_unique<math::RnsBase>(qs);
    Words qprod{1};
    for (const auto& q : qs) mw_mul_small(qprod, q.value());
    Words delta = qprod;
    mw_divmod_small(delta, params.t);
    for (size_t j = 0; j < k; ++j) {
      const math::Modulus& qj = qs[j];
      ld.delta_mod_q.push_back(mw_mod_small(delta, qj.value()));
      uint64_t qhat = 1;
      for (size_t i = 0; i < k; ++i) {
        if (i != j) qhat = math::mul_mod(qhat, math::reduce(qs[i].value(), qj), qj);
      }
      uint64_t inv = math::inv_mod(qhat, qj);
      ld.qhat_inv.push_back(inv);
      ld.qhat_inv_shoup.push_back(math::shoup_precompute(inv, qj));
      ld.t_over_q_fixed.push_back(static_cast<uint64_t>((static_cast<u128>(params.t) << 64) / qj.value()));
      // HPS scale-and-round constants.
      uint64_t bmod = mw_mod_small(bprod, qj.value());
      uint64_t qbinv = math::inv_mod(math::mul_mod(qhat, bmod, qj), qj);
      ld.qb_hat_inv_q.push_back(qbinv);
      ld.qb_hat_inv_q_shoup.push_back(math::shoup_precompute(qbinv, qj));
      Words quo = tb;
      uint64_t rem = mw_divmod_small(quo, qj.value());
      for (size_t m = 0; m < nb; ++m) ld.omega.push_back(mw_mod_small(quo, ctx->b_moduli_[m].value()));
      ld.theta.push_back(static_cast<uint64_t>((static_cast<u128>(rem) << 64) / qj.value()));
    }
    for (size_t m = 0; m < nb; ++m) {
      const math::Modulus& bm = ctx->b_moduli_[m];
      uint64_t qmod = mw_mod_small(qprod, bm.value());
      ld.t_qinv_mod_b.push_back(math::mul_mod(math::reduce(params.t, bm), math::inv_mod(qmod, bm), bm));
    }
    ld.q_to_b = std::make_unique<math::BaseConverter>(*ld.base_q, base_b);
    ld.b_to_q = std::make_unique<math::BaseConverter>(base_b, *ld.base_q);
    ctx->levels_.push_back(std::move(ld));
  }

  // Batching: t prime with t ≡ 1 (mod 2N). Slot (row, col) is the evaluation at psi^(±3^col).
  ctx->batching_ = (params.t - 1) % (2 * n) == 0 && math::is_prime(params.t);
  if (ctx->batching_) {
    ctx->t_ntt_ = std::make_unique<math::NttTables>(n, ctx->t_);
    const size_t half = n / 2;
    const uint64_t two_n = 2 * n;
    ctx->slot_to_ntt_.resize(n);
    uint64_t e = 1;
    for (size_t col = 0; col < half; ++col) {
      ctx->slot_to_ntt_[col] = static_cast<uint32_t>(math::bit_reverse((e - 1) / 2, r.log_n()));
      ctx->slot_to_ntt_[half + col] =
          static_cast<uint32_t>(math::bit_reverse((two_n - e - 1) / 2, r.log_n()));
      e = (e * 3) % two_n;
    }
  }
  return std::shared_ptr<const BfvContext>(std::move(ctx));
}

}  // namespace v100::fhe::bfv
