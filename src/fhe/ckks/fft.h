// The CKKS canonical embedding as an O(N log N) "special FFT" (Cheon, Han, Kim, Kim, Song,
// "Bootstrapping for approximate homomorphic encryption", EUROCRYPT 2018, section 3 / Alg. 1).
//
// A real polynomial m(X) = sum_k a_k X^k in R[X]/(X^N + 1) has N/2 slots z_j = m(zeta^(5^j)),
// zeta = exp(i*pi/N), j = 0..N/2-1 (the other N/2 evaluations are their conjugates). Because
// 5^j = 1 (mod 4) and zeta^(N/2) = i, z_j = w(zeta^(5^j)) for the half-length complex polynomial
// w_k = a_k + i*a_(k+N/2). The points zeta^(5^j) are exactly the N/2 roots zeta^(1+4t) of
// X^(N/2) - i, so evaluating w there is a twisted DFT of size n = N/2:
//   z_j = sum_k (w_k zeta^k) * exp(2 pi i t k / n),   with 1 + 4t = 5^j (mod 2N).
// We compute it with a radix-2 DIF FFT (natural in, bit-reversed out) and read slot j at
// bitrev(t_j); the inverse runs the same butterflies backwards. With AVX-512 (fft_avx512.cc) the
// same butterflies run 8 at a time, two stages per pass, cache-blocked, with the last three stages
// on 8 x 8 transposed blocks; the results are bit-identical to the portable loops.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace v100::fhe::ckks {

/// Precomputed tables for the special FFT of ring degree N (a power of two, 4..65536).
/// Immutable after construction; safe to share between threads.
class SpecialFft {
 public:
  /// Throws std::invalid_argument if N is not a power of two in [4, 65536].
  explicit SpecialFft(size_t ring_degree);

  size_t ring_degree() const { return n_ * 2; }
  /// Number of complex slots, N/2.
  size_t slot_count() const { return n_; }

  /// Coefficients -> slots: `coeffs` holds N real coefficients, each multiplied by `multiplier`
  /// first (e.g. 1 / scale; the map is linear); writes N/2 complex slot values to `slots`.
  /// Uses AVX-512 when cpu::active() has it (N >= 128), with bit-identical results.
  void coeffs_to_slots(std::complex<double>* slots, const double* coeffs, double multiplier = 1.0) const;

  /// Slots -> coefficients (the exact inverse of coeffs_to_slots): `slots` holds N/2 complex
  /// values, writes N real coefficients to `coeffs`, each multiplied by `multiplier` last.
  void slots_to_coeffs(double* coeffs, const std::complex<double>* slots, double multiplier = 1.0) const;
  /// As above for up to N/2 slots (the missing ones are zero). Throws std::invalid_argument if
  /// there are more than N/2.
  void slots_to_coeffs(double* coeffs, std::span<const std::complex<double>> slots, double multiplier) const;
  /// As above for real slot values (imaginary parts zero).
  void real_slots_to_coeffs(double* coeffs, std::span<const double> values, double multiplier) const;

  /// Index t in 0..N/2-1 such that slot j is the evaluation at zeta^(1 + 4t) (for tests).
  size_t root_index(size_t slot) const { return root_index_[slot]; }

 private:
  void forward(double* re, double* im) const;  // in place DIF, natural -> bit-reversed
  void inverse(double* re, double* im) const;  // in place DIT, bit-reversed -> natural (no 1/n)
  // Slot j of a slots -> coefficients map goes to re/im[pos[j]] (scatter), then this finishes it.
  const uint32_t* scatter_positions() const;
  void finish_slots_to_coeffs(double* coeffs, double* re, double* im, double multiplier) const;

  size_t n_;                            // N/2
  std::vector<size_t> root_index_;      // slot j -> t_j
  std::vector<uint32_t> perm_;          // slot j -> bitrev(t_j), position in the FFT output
  std::vector<uint32_t> perm_blocked_;  // the same position in the AVX-512 layout (8 x 8 transposed blocks)
  std::vector<double> tw_re_, tw_im_;   // per-stage twiddles exp(2 pi i j / (2h)) at [h + j]
  std::vector<double> twist_re_, twist_im_;  // zeta^k, k < n
};

}  // namespace v100::fhe::ckks
