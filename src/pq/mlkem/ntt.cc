// Portable NTT, inverse NTT and base-case multiplication (FIPS 203 §4.3, Alg. 9-12).
#include "pq/mlkem/internal.h"

namespace v100::pq::mlkem::internal::portable {

void ntt(Poly& p) {
  int16_t* f = p.c;
  int k = 1;
  // Alg. 9. Each layer grows |f| by at most q (|fqmul| < q), so after 7 layers |f| < 8q < 2^15.
  for (int len = 128; len >= 2; len >>= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      const int16_t zeta = kZetas[k++];
      for (int j = start; j < start + len; ++j) {
        int16_t t = fqmul(zeta, f[j + len]);
        f[j + len] = static_cast<int16_t>(f[j] - t);
        f[j] = static_cast<int16_t>(f[j] + t);
      }
    }
  }
  for (int i = 0; i < kN; ++i) f[i] = barrett_reduce(f[i]);
}

void inv_ntt(Poly& p) {
  int16_t* f = p.c;
  int k = 127;
  // Alg. 10. The sum is Barrett-reduced every layer (|.| <= q/2) and the difference goes through
  // fqmul (|.| < q), so nothing leaves int16.
  for (int len = 2; len <= 128; len <<= 1) {
    for (int start = 0; start < kN; start += 2 * len) {
      const int16_t zeta = kZetas[k--];
      for (int j = start; j < start + len; ++j) {
        int16_t t = f[j];
        f[j] = barrett_reduce(static_cast<int16_t>(t + f[j + len]));
        f[j + len] = fqmul(zeta, static_cast<int16_t>(f[j + len] - t));
      }
    }
  }
  // Alg. 10 line 14 (times 128^-1), also moving the R^-1 of basemul back to the normal domain.
  for (int i = 0; i < kN; ++i) f[i] = fqmul(f[i], kInvNttScale);
}

void basemul_acc(Poly& r, const Poly* a, const Poly* b, int num) {
  // Alg. 11/12 summed over num products before one Montgomery reduction: each term is below
  // q^2 + q * q/2 < 2^24, so four of them stay below q * 2^15.
  for (int i = 0; i < kN / 2; ++i) {
    int32_t c0 = 0, c1 = 0;
    const int16_t gamma = kGammas[i];
    for (int n = 0; n < num; ++n) {
      const int16_t a0 = a[n].c[2 * i], a1 = a[n].c[2 * i + 1];
      const int16_t b0 = b[n].c[2 * i], b1 = b[n].c[2 * i + 1];
      c0 += static_cast<int32_t>(a0) * b0 + static_cast<int32_t>(fqmul(a1, b1)) * gamma;
      c1 += static_cast<int32_t>(a0) * b1 + static_cast<int32_t>(a1) * b0;
    }
    r.c[2 * i] = montgomery_reduce(c0);
    r.c[2 * i + 1] = montgomery_reduce(c1);
  }
}

}  // namespace v100::pq::mlkem::internal::portable
