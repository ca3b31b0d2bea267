#include "math/ntt.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "core/cpu.h"
#include "math/ntt_internal.h"
#include "math/poly.h"
#include "math/primes.h"

namespace v100::math {
namespace {

uint64_t shoup52(uint64_t w, uint64_t q) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(w) << 52) / q);
}

// Branchless x -> x - 2q if x >= 2q, for x < 4q (a conditional move; checked in the disassembly).
inline uint64_t csub2(uint64_t x, uint64_t two_q) {
  uint64_t t = x - two_q;
  return x >= two_q ? t : x;
}

}  // namespace

size_t bit_reverse(size_t i, int log_n) {
  size_t r = 0;
  for (int b = 0; b < log_n; ++b) {
    r = (r << 1) | (i & 1);
    i >>= 1;
  }
  return r;
}

#if V100_CPU_X86
namespace detail {
bool cpu_has_ifma() {
  const auto& f = cpu::active();
  return f.avx512f && f.avx512dq && f.avx512vl && f.avx512bw && f.avx512ifma;
}
}  // namespace detail
#endif

NttTables::NttTables(size_t n, const Modulus& q) : n_(n), log_n_(0), q_(q) {
  if (n < 2 || (n & (n - 1)) != 0 || n > (size_t{1} << 17))
    throw std::invalid_argument("NttTables: n must be a power of two in [2, 2^17]");
  while ((size_t{1} << log_n_) < n) ++log_n_;
  const uint64_t qv = q.value();
  const uint64_t two_n = 2 * static_cast<uint64_t>(n);
  if ((qv - 1) % two_n != 0) throw std::invalid_argument("NttTables: q must be 1 mod 2n");
  if (!is_prime(qv)) throw std::invalid_argument("NttTables: q must be prime");

  // A primitive 2n-th root: c = g^((q-1)/2n) with c^n = -1. All primitive 2n-th roots are c^k for
  // odd k; take the smallest for determinism.
  uint64_t c = 0;
  for (uint64_t g = 2; g < qv; ++g) {
    uint64_t cand = pow_mod(g, (qv - 1) / two_n, q);
    if (pow_mod(cand, n, q) == qv - 1) {
      c = cand;
      break;
    }
  }
  if (c == 0) throw std::invalid_argument("NttTables: no primitive 2n-th root");
  {
    uint64_t c2 = mul_mod(c, c, q), cur = c, best = c;
    for (size_t k = 0; k < n; ++k) {
      if (cur < best) best = cur;
      cur = mul_mod(cur, c2, q);
    }
    psi_ = best;
  }
  psi_inv_ = inv_mod(psi_, q);
  n_inv_ = inv_mod(static_cast<uint64_t>(n) % qv, q);

  ifma_capable_ = qv < (uint64_t{1} << 50) && n >= 64;
  {
    // Table sizes in words: n for the root tables, n / 2 per expanded inner layer (IFMA only).
    size_t off = 0;
    for (int id = 0; id < kNumTables; ++id) {
      offset_[id] = off;
      const bool ifma_only = id != kRoot && id != kInvRoot && id != kRootShoup && id != kInvRootShoup;
      const bool expanded = (id >= kFwdExp && id < kInvRoot) || (id >= kInvExp && id < kRootShoup);
      if (!ifma_only || ifma_capable_) off += expanded ? n / 2 : n;
    }
    store_.assign(off, 0);
  }
  uint64_t* root = table(kRoot);
  uint64_t* inv_root = table(kInvRoot);
  uint64_t* root_s64 = table(kRootShoup);
  uint64_t* inv_root_s64 = table(kInvRootShoup);
  uint64_t p = 1, pi = 1;
  for (size_t k = 0; k < n; ++k) {
    size_t r = bit_reverse(k, log_n_);
    root[r] = p;
    inv_root[r] = pi;
    p = mul_mod(p, psi_, q);
    pi = mul_mod(pi, psi_inv_, q);
  }
  for (size_t k = 0; k < n; ++k) {
    root_s64[k] = shoup_precompute(root[k], q);
    inv_root_s64[k] = shoup_precompute(inv_root[k], q);
  }
  n_inv_shoup_ = shoup_precompute(n_inv_, q);
  n_inv_w_ = mul_mod(n_inv_, inv_root[1], q);
  n_inv_w_shoup_ = shoup_precompute(n_inv_w_, q);

  if (ifma_capable_) {
    uint64_t* root_s52 = table(kRootShoup52);
    uint64_t* inv_root_s52 = table(kInvRootShoup52);
    for (size_t k = 0; k < n; ++k) {
      root_s52[k] = shoup52(root[k], qv);
      inv_root_s52[k] = shoup52(inv_root[k], qv);
    }
    n_inv_shoup52_ = shoup52(n_inv_, qv);
    n_inv_w_shoup52_ = shoup52(n_inv_w_, qv);
    // Innermost layers t = 4, 2, 1 (forward: last three; inverse: first three). Layer with half-size
    // t has m = n / (2t) groups; group index m + i uses twiddle table entry m + i. In a block of 16
    // coefficients, lane l of the kernel's de-interleaved X register holds a coefficient of local
    // group kLaneGroup[layer][l] (see the shuffle sequence in ntt_avx512.cc).
    static constexpr size_t kLaneGroup[3][8] = {
        {0, 0, 0, 0, 1, 1, 1, 1}, {0, 0, 2, 2, 1, 1, 3, 3}, {0, 1, 4, 5, 2, 3, 6, 7}};
    for (int layer = 0; layer < 3; ++layer) {
      size_t t = size_t{4} >> layer;
      size_t m = n / (2 * t);
      size_t blocks = n / 16;
      uint64_t* fwd_exp = table(kFwdExp + layer);
      uint64_t* fwd_exp_shoup = table(kFwdExpShoup + layer);
      uint64_t* inv_exp = table(kInvExp + layer);
      uint64_t* inv_exp_shoup = table(kInvExpShoup + layer);
      for (size_t b = 0; b < blocks; ++b) {
        for (size_t l = 0; l < 8; ++l) {
          size_t idx = m + b * (8 / t) + kLaneGroup[layer][l];
          fwd_exp[b * 8 + l] = root[idx];
          fwd_exp_shoup[b * 8 + l] = root_s52[idx];
          inv_exp[b * 8 + l] = inv_root[idx];
          inv_exp_shoup[b * 8 + l] = inv_root_s52[idx];
        }
      }
    }
  }
}

namespace {

// Harvey forward butterfly: x, y in [0, 4q) -> [0, 4q); x is brought to [0, 2q) first and W*y
// lazily to [0, 2q).
inline void fwd_bf(uint64_t& x, uint64_t& y, uint64_t w, uint64_t ws, uint64_t q, uint64_t two_q) {
  uint64_t u = csub2(x, two_q);
  uint64_t v = mul_shoup_lazy(y, w, ws, q);
  x = u + v;
  y = u - v + two_q;
}

// [0, 4q) -> [0, q).
inline uint64_t full_reduce(uint64_t x, uint64_t q, uint64_t two_q) {
  return csub(csub2(x, two_q), q);
}

}  // namespace

void ntt_forward_portable(uint64_t* a, const NttTables& tb, bool lazy) {
  const size_t n = tb.n();
  const uint64_t q = tb.modulus().value();
  const uint64_t two_q = 2 * q;
  const uint64_t* w = tb.root_pows();
  const uint64_t* ws = tb.root_pows_shoup();
  // Layers two at a time (radix-4 passes: half the loads and stores of radix-2), a radix-2 pass
  // first when log n is odd. Values stay in [0, 4q) throughout.
  size_t t = n;  // 2 * half-size of the next layer
  size_t m = 1;
  if (tb.log_n() & 1) {
    t >>= 1;
    const uint64_t w1 = w[1], ws1 = ws[1];
    for (size_t j = 0; j < t; ++j) fwd_bf(a[j], a[j + t], w1, ws1, q, two_q);
    m = 2;
  }
  for (; m < n; m <<= 2) {
    t >>= 1;                 // half-size of layer m
    const size_t h = t / 2;  // half-size of layer 2m (>= 1)
    const bool last = 2 * m == n / 2;
    for (size_t i = 0; i < m; ++i) {
      const uint64_t w1 = w[m + i], ws1 = ws[m + i];
      const uint64_t w2 = w[2 * m + 2 * i], ws2 = ws[2 * m + 2 * i];
      const uint64_t w3 = w[2 * m + 2 * i + 1], ws3 = ws[2 * m + 2 * i + 1];
      uint64_t* __restrict x0 = a + 2 * i * t;
      uint64_t* __restrict x1 = x0 + h;
      uint64_t* __restrict x2 = x0 + t;
      uint64_t* __restrict x3 = x2 + h;
      for (size_t j = 0; j < h; ++j) {
        uint64_t v0 = x0[j], v1 = x1[j], v2 = x2[j], v3 = x3[j];
        fwd_bf(v0, v2, w1, ws1, q, two_q);
        fwd_bf(v1, v3, w1, ws1, q, two_q);
        fwd_bf(v0, v1, w2, ws2, q, two_q);
        fwd_bf(v2, v3, w3, ws3, q, two_q);
        if (last && !lazy) {
          v0 = full_reduce(v0, q, two_q);
          v1 = full_reduce(v1, q, two_q);
          v2 = full_reduce(v2, q, two_q);
          v3 = full_reduce(v3, q, two_q);
        }
        x0[j] = v0;
        x1[j] = v1;
        x2[j] = v2;
        x3[j] = v3;
      }
    }
    t >>= 1;
  }
  if (!lazy && n == 2) {
    for (size_t j = 0; j < n; ++j) a[j] = full_reduce(a[j], q, two_q);
  }
}

void ntt_inverse_portable(uint64_t* a, const NttTables& tb, bool lazy) {
  const size_t n = tb.n();
  const uint64_t q = tb.modulus().value();
  const uint64_t two_q = 2 * q;
  const uint64_t* w = tb.inv_root_pows();
  const uint64_t* ws = tb.inv_root_pows_shoup();
  // Harvey GS: inputs/outputs of each layer in [0, 2q).
  size_t t = 1;
  for (size_t m = n >> 1; m > 1; m >>= 1) {
    for (size_t i = 0; i < m; ++i) {
      const uint64_t wi = w[m + i], wsi = ws[m + i];
      uint64_t* __restrict x = a + 2 * i * t;
      uint64_t* __restrict y = x + t;
#pragma GCC unroll 4
      for (size_t j = 0; j < t; ++j) {
        uint64_t u = x[j], v = y[j];
        x[j] = csub2(u + v, two_q);
        y[j] = mul_shoup_lazy(u - v + two_q, wi, wsi, q);
      }
    }
    t <<= 1;
  }
  // Last layer (m = 1, t = n/2) with n^-1 folded into both outputs.
  {
    const uint64_t ni = tb.n_inv(), nis = tb.n_inv_shoup();
    const uint64_t nw = tb.n_inv_w(), nws = tb.n_inv_w_shoup();
    uint64_t* x = a;
    uint64_t* y = a + t;
    for (size_t j = 0; j < t; ++j) {
      uint64_t u = x[j], v = y[j];
      uint64_t s = u + v;  // < 4q, fine for Shoup (any 64-bit input)
      x[j] = mul_shoup_lazy(s, ni, nis, q);
      y[j] = mul_shoup_lazy(u - v + two_q, nw, nws, q);
    }
  }
  if (!lazy) {
    for (size_t j = 0; j < n; ++j) a[j] = csub(a[j], q);
  }
}

bool ntt_uses_ifma(const NttTables& t) {
  return t.ifma_capable() && detail::cpu_has_ifma();
}

void ntt_forward(uint64_t* a, const NttTables& t) {
  ntt_forward(a, t, nullptr, 0);
}

void ntt_forward(uint64_t* a, const NttTables& t, const void* prefetch, size_t prefetch_bytes) {
  if (ntt_uses_ifma(t)) {
    detail::ntt_forward_ifma(a, t, false, nullptr, prefetch, prefetch_bytes);
  } else {
    ntt_forward_portable(a, t, false);
  }
}

void ntt_forward_from(uint64_t* out, const uint64_t* in, const NttTables& t) {
  ntt_forward_from(out, in, t, nullptr, 0);
}

void ntt_forward_from(uint64_t* out, const uint64_t* in, const NttTables& t, const void* prefetch,
                      size_t prefetch_bytes) {
  if (ntt_uses_ifma(t)) {
    detail::ntt_forward_ifma(out, t, false, in, prefetch, prefetch_bytes);
  } else {
    std::copy(in, in + t.n(), out);
    ntt_forward_portable(out, t, false);
  }
}

void ntt_inverse_from(uint64_t* out, const uint64_t* in, const NttTables& t) {
  if (ntt_uses_ifma(t)) {
    detail::ntt_inverse_ifma(out, t, false, in);
  } else {
    std::copy(in, in + t.n(), out);
    ntt_inverse_portable(out, t, false);
  }
}

void ntt_lift_sub_mul(uint64_t* out, const uint64_t* x, const uint64_t* a, const uint64_t* b, uint64_t c,
                      uint64_t e, uint64_t s, const NttTables& t) {
  const Modulus& q = t.modulus();
  const size_t n = t.n();
  thread_local std::vector<uint64_t> scratch;
  if (scratch.size() < n) scratch.resize(n);
  if (ntt_uses_ifma(t)) {
    const uint64_t cr = reduce(c, q), sr = reduce(s, q);
    detail::ntt_lift_sub_mul_ifma(out, x, a, b, cr, detail::shoup52(cr, q), reduce(e, q), sr,
                                  detail::shoup52(sr, q), t, detail::ratio52(q), scratch.data());
    return;
  }
  poly_lift_combine(scratch.data(), a, b, c, e, n, q);
  ntt_forward(scratch.data(), t);
  poly_sub_mul_scalar(out, x, scratch.data(), s, n, q);
}

void ntt_forward_lazy(uint64_t* a, const NttTables& t) {
  if (ntt_uses_ifma(t)) {
    detail::ntt_forward_ifma(a, t, true);
  } else {
    ntt_forward_portable(a, t, true);
  }
}

void ntt_inverse(uint64_t* a, const NttTables& t) {
  if (ntt_uses_ifma(t)) {
    detail::ntt_inverse_ifma(a, t, false);
  } else {
    ntt_inverse_portable(a, t, false);
  }
}

void ntt_inverse_lazy(uint64_t* a, const NttTables& t) {
  if (ntt_uses_ifma(t)) {
    detail::ntt_inverse_ifma(a, t, true);
  } else {
    ntt_inverse_portable(a, t, true);
  }
}

}  // namespace v100::math
