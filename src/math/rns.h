// Residue number system bases, CRT composition/decomposition and fast base conversion.
//
// Layout convention for RNS polynomials in this project: residue-major, k residues of n
// coefficients each, coefficient i of residue j at out[j*n + i]. Multi-precision integers are
// little-endian arrays of uint64 words.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "math/modulus.h"

namespace v100::math {

/// An ordered set of pairwise-coprime moduli q_0..q_{k-1} with product q, and the CRT constants
/// q/q_i (multi-precision) and (q/q_i)^-1 mod q_i. Immutable after construction; thread-safe to share.
class RnsBase {
 public:
  /// Throws std::invalid_argument if `moduli` is empty, has more than 64 entries, or two moduli
  /// share a factor.
  explicit RnsBase(std::vector<Modulus> moduli);

  /// Number of moduli k.
  size_t size() const { return moduli_.size(); }
  /// The i-th modulus.
  const Modulus& operator[](size_t i) const { return moduli_[i]; }
  /// All moduli.
  const std::vector<Modulus>& moduli() const { return moduli_; }
  /// q = prod q_i as size() little-endian words.
  const std::vector<uint64_t>& product() const { return product_; }
  /// q / q_i as size() little-endian words.
  const uint64_t* punctured_product(size_t i) const { return punctured_.data() + i * size(); }
  /// (q / q_i)^-1 mod q_i, and its Shoup constant w.r.t. q_i.
  uint64_t inv_punctured(size_t i) const { return inv_punctured_[i]; }
  uint64_t inv_punctured_shoup(size_t i) const { return inv_punctured_shoup_[i]; }
  /// All (q / q_i)^-1 mod q_i as one array.
  const uint64_t* inv_punctured_data() const { return inv_punctured_.data(); }
  /// (q / q_i) mod q_j for i, j in this base (useful for scaling); entry [i*k + j].
  uint64_t punctured_mod(size_t i, size_t j) const { return punctured_mod_[i * size() + j]; }

  /// CRT: residues[0..k) (each in [0, q_i)) -> the integer x in [0, q), written to out[0..k) words.
  /// Not constant time (meant for decoding and tests).
  void compose(uint64_t* out, const uint64_t* residues) const;
  /// x mod q_i for a multi-precision x of num_words words (any size) -> residues[0..k).
  void decompose(uint64_t* residues, const uint64_t* words, size_t num_words) const;

  /// compose() for n coefficients: `in` residue-major (in[j*n + i]), `out` coefficient-major
  /// (coefficient i at out[i*k .. i*k + k)).
  void compose_array(uint64_t* out, const uint64_t* in, size_t n) const;
  /// decompose() for n coefficients of k words each (coefficient-major, as compose_array writes)
  /// into residue-major out[j*n + i].
  void decompose_array(uint64_t* out, const uint64_t* in, size_t n) const;

 private:
  std::vector<Modulus> moduli_;
  std::vector<uint64_t> product_;
  std::vector<uint64_t> punctured_;
  std::vector<uint64_t> inv_punctured_, inv_punctured_shoup_;
  std::vector<uint64_t> punctured_mod_;
};

/// Precomputed conversion from base `from` (q = prod q_i) to base `to` (moduli p_j).
/// Thread-safe to share once built. Vectorized with AVX-512 IFMA when every modulus of both bases is
/// below 2^50 (bit-identical to the portable kernel).
class BaseConverter {
 public:
  /// Throws std::invalid_argument if `from` has more than 32 moduli.
  BaseConverter(const RnsBase& from, const RnsBase& to);

  const RnsBase& from() const { return from_; }
  const RnsBase& to() const { return to_; }

  /// Fast (approximate) base conversion, HPS/BEHZ style: with y_i = [x_i * (q/q_i)^-1]_{q_i},
  /// out_j = sum_i y_i * (q/q_i) mod p_j. For x in [0, q) with residues x_i, the result is
  /// (x + a*q) mod p_j for one integer a in [0, k-1] (the same a for every j, k = from.size()).
  /// `in` is residue-major over `from` (k*n words), `out` residue-major over `to`. out must not
  /// alias in.
  void fast_convert(uint64_t* out, const uint64_t* in, size_t n) const;

  /// Exact centered conversion (HPS, with a floating-point estimate of the overflow a): writes
  /// x' mod p_j where x' is the representative of x in (-q/2, q/2]. Exact whenever the distance of
  /// x from ±q/2 exceeds q * 2^-40 (always true for the small-noise values FHE converts);
  /// otherwise it may return the other representative (x' ± q).
  void exact_convert(uint64_t* out, const uint64_t* in, size_t n) const;

 private:
  void convert_range(uint64_t* out, const uint64_t* in, size_t n, size_t begin, size_t end, bool exact) const;

  RnsBase from_, to_;
  std::vector<uint64_t> matrix_;       // (q/q_i) mod p_j at [j*k + i]
  std::vector<uint64_t> neg_q_mod_p_;  // (-q) mod p_j
  std::vector<double> inv_q_;          // 1 / q_i
  // IFMA path (every modulus of both bases < 2^50): 52-bit Shoup constants.
  bool ifma_ok_ = false;
  std::vector<uint64_t> from_q_, inv_s52_, to_p_, matrix_s52_, neg_q_mod_p_s52_;
};

/// One-shot fast_convert (builds a BaseConverter each call; keep a BaseConverter for hot loops).
void fast_base_convert(uint64_t* out, const uint64_t* in, size_t n, const RnsBase& from, const RnsBase& to);

}  // namespace v100::math
