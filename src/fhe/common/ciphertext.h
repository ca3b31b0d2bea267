// Scheme-neutral RLWE ciphertext: a vector of RnsPoly (2 after encryption or relinearization, 3
// after a tensor product), the parameter id it belongs to, the CKKS scale, and, for fresh
// symmetric encryptions, the 32-byte seed from which polys[1] was expanded (so serialization can
// send c0 + seed only).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fhe/common/rns_poly.h"

namespace v100::fhe {

/// Plain value type. Invariant: all polys have the same shape (n, num_q, no special residues,
/// domain). If has_seed, polys[1] equals expand_uniform_ntt(seed, kSeededCiphertextLabel) at this
/// num_q, in NTT form; any operation that changes polys[1] must call clear_seed() (the evaluators
/// do). Decrypts under the secret key s as sum_i polys[i] * s^i.
struct Ciphertext {
  /// c0, c1[, c2], same shape each.
  std::vector<RnsPoly> polys;
  /// Parameter id of the context the ciphertext belongs to.
  uint64_t param_id = 0;
  /// CKKS scaling factor (1.0 and unused in BFV).
  double scale = 1.0;
  /// True when polys[1] was expanded from `seed` (fresh symmetric encryption).
  bool has_seed = false;
  /// Public seed of polys[1] (meaningful only when has_seed).
  std::array<uint8_t, 32> seed{};

  /// Number of polynomials (2 or 3).
  size_t size() const { return polys.size(); }
  /// Chain primes in use (the level + 1).
  size_t num_q() const { return polys.empty() ? 0 : polys[0].num_q(); }
  /// Ring degree.
  size_t n() const { return polys.empty() ? 0 : polys[0].n(); }
  /// Domain of the polynomials.
  bool is_ntt() const { return !polys.empty() && polys[0].is_ntt(); }
  /// Forgets the seed (call after any change to polys[1]).
  void clear_seed() {
    has_seed = false;
    seed.fill(0);
  }
};

/// Label of the stream that expands a seeded ciphertext's polys[1].
inline constexpr const char* kSeededCiphertextLabel = "v100/fhe/ct-a/v1";

}  // namespace v100::fhe
