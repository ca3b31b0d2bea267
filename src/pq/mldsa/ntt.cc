// Portable NTT and NTT-domain products for ML-DSA (FIPS 204 §7.5, Alg. 41-45), Montgomery form
// with R = 2^32, and the run-time choice of backend.
#include "core/cpu.h"
#include "pq/mldsa/internal.h"

namespace v100::pq::mldsa::internal {
namespace {

// Alg. 41. Cooley-Tukey butterflies without intermediate reduction: each of the 8 layers grows
// |a| by at most q (the Montgomery product is < q), so inputs < q leave outputs < 9q < 2^31.
void ntt_portable(Poly& a) {
  int m = 0;
  for (int len = 128; len >= 1; len >>= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      const int64_t zeta = kZetas.v[++m];
      for (int j = start; j < start + len; ++j) {
        const int32_t t = montgomery_reduce(zeta * a.c[j + len]);
        a.c[j + len] = a.c[j] - t;
        a.c[j] = a.c[j] + t;
      }
    }
  }
}

// Alg. 42 times R: Gentleman-Sande butterflies; the sums double per layer, so inputs < q stay
// below 256 q < 2^31 after 8 layers; the final factor 2^64/256 folds in 1/256 and one R.
void invntt_portable(Poly& a) {
  int m = kN;
  for (int len = 1; len < kN; len <<= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      const int64_t zeta = -kZetas.v[--m];
      for (int j = start; j < start + len; ++j) {
        const int32_t t = a.c[j];
        a.c[j] = t + a.c[j + len];
        a.c[j + len] = montgomery_reduce(zeta * (t - a.c[j + len]));
      }
    }
  }
  for (int j = 0; j < kN; ++j) a.c[j] = montgomery_reduce(int64_t{kInvNttF} * a.c[j]);
}

void pointwise_portable(Poly& out, const Poly& a, const Poly& b) {
  for (int j = 0; j < kN; ++j) out.c[j] = montgomery_reduce(int64_t{a.c[j]} * b.c[j]);
}

void pointwise_acc_portable(Poly& out, const Poly* a, const Poly* b, int n) {
  for (int j = 0; j < kN; ++j) {
    int64_t acc = 0;
    for (int i = 0; i < n; ++i) acc += int64_t{a[i].c[j]} * b[i].c[j];
    out.c[j] = montgomery_reduce(acc);
  }
}

#include "pq/mldsa/poly_kernels.inc"

// Splits a packed sparse product r = c*a + 2^10 c*b + 2^20 c*c (PackedSmall3) into out[0..3):
// each |c * x| <= tau * eta < 2^9 is the sign-extended low 10 bits of
// what remains after the lower fields are subtracted.
int32_t k_low10(int32_t v) {
  return static_cast<int32_t>(static_cast<uint32_t>(v) << 22) >> 22;
}
void k_unpack_small3(Poly* const out[3], const int32_t* r) {
  for (int i = 0; i < kN; ++i) {
    const int32_t a = k_low10(r[i]);
    const int32_t rest = (r[i] - a) >> 10;
    const int32_t b = k_low10(rest);
    const int32_t c = (rest - b) >> 10;
    out[0]->c[i] = a;
    out[1]->c[i] = b;
    out[2]->c[i] = c;
  }
}

void unpack_mask_portable(Poly& y, const uint8_t* in, int gamma1_bits) {
  bit_unpack(y, in, int32_t{1} << gamma1_bits, gamma1_bits + 1);
}

void sparse_mul_small3_portable(Poly* const out[3], const SparseChallenge& c, const PackedSmall3& p) {
  int32_t r[kN] = {};
  for (int k = 0; k < c.n; ++k) {
    const int32_t* src = p.ext + kN - c.pos[k];
    if (c.sign[k] > 0) {
      for (int i = 0; i < kN; ++i) r[i] += src[i];
    } else {
      for (int i = 0; i < kN; ++i) r[i] -= src[i];
    }
  }
  k_unpack_small3(out, r);
  secure_wipe(r, sizeof r);
}

constexpr NttBackend kPortable = {ntt_portable,
                                  invntt_portable,
                                  pointwise_portable,
                                  pointwise_acc_portable,
                                  V100_MLDSA_POLY_KERNELS,
                                  rej_uniform_portable,
                                  rej_eta_portable,
                                  sparse_mul_small3_portable,
                                  unpack_mask_portable,
                                  /*ntt_t0=*/false};

}  // namespace

const NttBackend& portable_backend() {
  return kPortable;
}

void pack_small3(PackedSmall3& p, const Poly* const a[3]) {
  for (int i = 0; i < kN; ++i) {
    int32_t v = 0;
    for (int j = 2; j >= 0; --j) v = v * 1024 + (a[j] ? a[j]->c[i] : 0);
    p.ext[kN + i] = v;
    p.ext[i] = -v;
  }
}

SparseChallenge to_sparse(const Poly& c) {
  SparseChallenge s;
  s.n = 0;
  for (int i = 0; i < kN; ++i) {  // no branch: a zero coefficient is written and not counted
    s.pos[s.n] = static_cast<uint8_t>(i);
    s.sign[s.n] = static_cast<int8_t>(c.c[i]);
    s.n += c.c[i] != 0;
  }
  return s;
}

// Sum of +-x^pos * a into a 512-entry accumulator (no wrap inside the inner loop, so it vectorizes
// with plain SSE2 adds), then the fold X^256 = -1. T = int16_t when |a| <= eta (every partial sum
// stays within tau * eta <= 240), else int32_t.
template <typename T>
void sparse_mul_t(Poly& out, const SparseChallenge& c, const Poly& a) {
  alignas(64) T src[kN];
  alignas(64) T acc[2 * kN] = {};
  for (int i = 0; i < kN; ++i) src[i] = static_cast<T>(a.c[i]);
  for (int k = 0; k < c.n; ++k) {
    T* dst = acc + c.pos[k];
    if (c.sign[k] > 0) {
      for (int i = 0; i < kN; ++i) dst[i] = static_cast<T>(dst[i] + src[i]);
    } else {
      for (int i = 0; i < kN; ++i) dst[i] = static_cast<T>(dst[i] - src[i]);
    }
  }
  for (int i = 0; i < kN; ++i) out.c[i] = int32_t{acc[i]} - int32_t{acc[i + kN]};
  secure_wipe(acc, sizeof acc);
  secure_wipe(src, sizeof src);
}

void sparse_challenge_mul(Poly& out, const SparseChallenge& c, const Poly& a, bool small) {
  if (small) {
    sparse_mul_t<int16_t>(out, c, a);
  } else {
    sparse_mul_t<int32_t>(out, c, a);
  }
}

const NttBackend& backend() {
  if (cpu::active().avx2) {
    if (const NttBackend* b = avx2_backend()) return *b;
  }
  return kPortable;
}

}  // namespace v100::pq::mldsa::internal
