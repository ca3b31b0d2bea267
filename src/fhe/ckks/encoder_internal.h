// Internal to fhe/ckks: the decode CRT tables and the vector kernels of the encoder and the special
// FFT (compiled with -mavx512* in their own translation units). Callers check the CPU
// (cpu::active()) first. Every kernel here gives bit-identical results to the portable code in
// encoder.cc / fft.cc: the same IEEE operations in the same order, only on 8 lanes at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "math/modulus.h"

namespace v100::fhe::ckks::detail {

/// Constants of the fast decode CRT at one level l >= 1 (k = l + 1 primes, Q = q_0 ... q_l > 2^64).
/// For a coefficient with residues x_i:
///   y_i   = [x_i * (Q/q_i)^-1]_(q_i)
///   kappa = (sum_i floor(y_i * c_i / 2^52) + 2^(t-1)) >> t,  c_i = floor(2^(52+t) / q_i),
///           2^t <= min q_i, t <= 40
///           (a fixed-point round(sum_i y_i / q_i), exact integer arithmetic)
///   X     = sum_i y_i * (Q/q_i) - kappa * Q           (mod 2^64)
/// and X, read as a signed 64-bit integer, is accepted as the centered value x when |X| <= 2^62
/// and X - x_i is divisible by q_i for every i (exact test: (X - x_i) * q_i^-1 mod 2^64 lies in
/// [-T_i, T_i], T_i = floor((2^63 - 1) / q_i)). Then X = x (mod Q), and as Q > 2^63 > 2|X| and
/// |x| <= Q/2, X = x. The acceptance never depends on kappa being right: kappa only decides whether
/// a value with |x| <= 2^62 is found (it is whenever the fixed-point error, below 1.5 k / 2^t, stays
/// under 1/2 - 2^62/Q). So a y_i left in [0, 2 q_i) changes kappa by one and X not at all (q_i times
/// Q/q_i is Q), and every path that accepts gives the same X.
///
/// High-word tiers: for a rejected coefficient, with X_0 = X as above (= x mod 2^64 whenever kappa
/// was right), the residues m_i = [(x_i - X_0) * 2^-64]_(q_i) are those of m = (x - X_0) / 2^64,
/// so the same 64-bit CRT on them gives X_1 = m mod 2^64, certified as m itself when |m| <= 2^62;
/// and so on, word by word, for tiers j = 1..high_tiers. A coefficient accepted at tier j is
/// x' = X_j * 2^(64j) + sum_(s<j) X_s 2^(64s) (X_j signed, the rest unsigned); x' is congruent to
/// x modulo every q_i and |x'| <= 2^(62+64j) + 2^(64j) < Q/2 (high_tiers is chosen so), hence
/// x' = x, again whatever the kappas were. The double is summed from the top word down over
/// balanced words (|word| <= 2^63, carries moved up), so there is no cancellation and the result
/// is within a few ulps, the same on every path. Coefficients rejected by every tier take the
/// scalar wide path (encoder.cc).
/// At most this many high-word tiers (values up to 2^318 in magnitude).
inline constexpr int kMaxHighTiers = 4;

struct DecodeCrt {
  size_t k = 0;
  std::vector<uint64_t> q;           // q_i
  std::vector<uint64_t> ih;          // (Q/q_i)^-1 mod q_i
  std::vector<uint64_t> ih_shoup;    // floor(ih * 2^64 / q_i) (portable Shoup)
  std::vector<uint64_t> ih_shoup52;  // floor(ih * 2^52 / q_i) (IFMA Shoup, q_i < 2^50)
  std::vector<uint64_t> hat;         // (Q/q_i) mod 2^64
  std::vector<uint64_t> q_inv;       // q_i^-1 mod 2^64
  std::vector<uint64_t> bound;       // T_i
  std::vector<uint64_t> frac;        // c_i
  int frac_bits = 0;                 // t
  uint64_t q_all = 0;                // Q mod 2^64
  bool ifma_ok = false;              // every q_i < 2^50
  // High-word tiers.
  int high_tiers = 0;           // largest j with 64 j + 66 < log2 Q (0 below Q = 2^130)
  std::vector<uint64_t> inv64;  // 2^-64 mod q_i
  std::vector<uint64_t> inv64_shoup52;
  std::vector<uint64_t> r52inv;  // 2^52 * 2^-64 mod q_i (for the top 12 bits of X)
  std::vector<uint64_t> r52inv_shoup52;
  std::vector<math::Modulus> moduli;  // q_i with Barrett constants (portable high-word tier)
};

/// Both tiers for one coefficient (the portable model of crt_decode_ifma): true and *out = x
/// (as a double) when one of them accepts.
bool crt_fast_one(const DecodeCrt& t, const uint64_t* coef, size_t n, size_t idx, double* out);

/// The double nearest (within a few ulps) to words[top] * 2^(64 top) + sum_(s<top) words[s] 2^(64s)
/// (words[top] signed, |words[top]| <= 2^62; the others unsigned), via balanced words, summed
/// from the top (DecodeCrt).
double balanced_sum(const uint64_t* words, int top);

/// crt_fast_one for coefficients [0, n) (n a multiple of 8), AVX-512 IFMA. Writes out[idx] for every
/// accepted coefficient and the indices of the rejected ones to `rejected`; returns their count.
size_t crt_decode_ifma(double* out, uint32_t* rejected, const uint64_t* coef, size_t n, const DecodeCrt& t);

/// Level 0 (one prime q): out[i] = x_i > q/2 ? -(double)(q - x_i) : (double)x_i, n a multiple of 8.
void center_lift_avx512(double* out, const uint64_t* coef, size_t n, uint64_t q);

/// The special FFT's butterfly stages (fft.h) for n = N/2 >= 64 complex values in separate re/im
/// arrays, twiddles tw_* as in SpecialFft. Forward: natural order in, bit-reversed out, with every
/// 64-value block left transposed as 8 x 8 (value 8g + r at 8r + g). Inverse: takes that layout,
/// gives natural order (no 1/n).
void fft_forward_avx512(double* re, double* im, size_t n, const double* tw_re, const double* tw_im);
void fft_inverse_avx512(double* re, double* im, size_t n, const double* tw_re, const double* tw_im);

}  // namespace v100::fhe::ckks::detail
