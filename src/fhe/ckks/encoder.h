// CKKS encoder: complex (or real) vectors of up to N/2 slots <-> plaintext polynomials, through the
// canonical embedding (fft.h). encode: slots -> coefficients (inverse special FFT) -> multiply by
// the scale Delta -> round to integers -> RNS residues -> NTT. decode: inverse NTT -> CRT to centered
// integers -> divide by Delta -> FFT.
//
// Decode CRT, in tiers (encoder_internal.h): a 64-bit direct CRT, x = sum_i y_i (Q/q_i) - kappa Q
// mod 2^64, accepted only when |x| <= 2^62 and x matches every residue (an exact divisibility
// test), which covers every plaintext of ordinary magnitude; where Q allows, the same CRT on the
// residues of (x - (x mod 2^64)) / 2^64, word by word, extends that to |x| <= 2^(62 + 64j) for
// j = 1..4 with 64j + 66 < log2 Q (all of it an AVX-512 IFMA kernel with a bit-identical portable
// twin); then, per coefficient, the direct CRT modulo 2^128 certified against every residue, and
// Garner's mixed radix with balanced digits (no cancellation). So decode is right for any
// coefficient in (-Q/2, Q/2), including scales near the modulus; only the cost grows with the
// magnitude.
//
// Precision: the FFT runs in double with twiddles correct to 1/2 ulp; with Delta = 2^40 the
// rounding to integers (|error| <= 1/2 per coefficient, about 2^-40 * sqrt(N)/2 per slot) dominates
// the floating-point error (about log2(N) * 2^-53 relative). Tests measure both.
#pragma once

#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "fhe/ckks/ciphertext.h"
#include "fhe/ckks/context.h"

namespace v100::fhe::ckks {

/// Encodes and decodes against one context. Stateless apart from the context; thread-safe.
class CkksEncoder {
 public:
  explicit CkksEncoder(ContextPtr ctx);

  /// Encodes up to N/2 complex values (missing slots are zero) at `scale` and `level`.
  /// Throws std::invalid_argument if there are too many values, a value is not finite, the scale
  /// is not in [1, 2^(log2 Q_level - 1)), or a scaled coefficient does not fit in Q_level / 2.
  Plaintext encode(std::span<const std::complex<double>> values, double scale, size_t level) const;
  /// Real values (imaginary parts zero).
  Plaintext encode(std::span<const double> values, double scale, size_t level) const;
  /// Encodes at the default scale and the top level.
  Plaintext encode(std::span<const double> values) const;
  /// The constant c in every slot (the constant polynomial round(c * scale)).
  Plaintext encode_constant(double c, double scale, size_t level) const;

  /// Decodes all N/2 slots.
  std::vector<std::complex<double>> decode(const Plaintext& pt) const;
  /// Real parts of the first `count` slots (count <= N/2).
  std::vector<double> decode_real(const Plaintext& pt, size_t count) const;

  /// Lower-level helpers (used by the decryptor for noise flooding):
  /// plaintext -> centered integer coefficients as doubles (not divided by the scale): correctly
  /// rounded below 2^62 in magnitude, beyond that within a few ulps. Throws std::invalid_argument
  /// if the plaintext does not match the context.
  std::vector<double> to_coefficients(const Plaintext& pt) const;
  /// Centered coefficients -> slots, dividing by `scale`.
  std::vector<std::complex<double>> coefficients_to_slots(std::span<const double> coeffs, double scale) const;
  /// Rounds real coefficients (already scaled) into RNS residues in NTT form at `level`.
  /// Throws std::invalid_argument if a value is not finite or |value| >= Q_level / 2.
  Plaintext from_coefficients(std::span<const double> coeffs, double scale, size_t level) const;

  const ContextPtr& context() const { return ctx_; }

 private:
  ContextPtr ctx_;
};

/// x mod q for a finite double x rounded to the nearest integer (any magnitude below 2^1000); exact.
uint64_t round_to_residue(double x, const math::Modulus& q);

}  // namespace v100::fhe::ckks
