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

constexpr NttBackend kPortable = {ntt_portable, invntt_portable, pointwise_portable,
                                  pointwise_acc_portable, V100_MLDSA_POLY_KERNELS,
                                  rej_uniform_portable};

}  // namespace

const NttBackend& portable_backend() { return kPortable; }

const NttBackend& backend() {
  if (cpu::active().avx2) {
    if (const NttBackend* b = avx2_backend()) return *b;
  }
  return kPortable;
}

}  // namespace v100::pq::mldsa::internal
