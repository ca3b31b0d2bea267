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
  std::vector<RnsPoly> polys;
  uint64_t param_id = 0;
  /// CKKS scaling factor (1.0 and unused in BFV).
  double scale = 1.0;
  bool has_seed = false;
  std::array<uint8_t, 32> seed{};

  size_t size() const { return polys.size(); }
  size_t num_q() const { return polys.empty() ? 0 : polys[0].num_q(); }
  size_t n() const { return polys.empty() ? 0 : polys[0].n(); }
  bool is_ntt() const { return !polys.empty() && polys[0].is_ntt(); }
  void clear_seed() {
    has_seed = false;
    seed.fill(0);
  }
};

/// Label of the stream that expands a seeded ciphertext's polys[1].
inline constexpr const char* kSeededCiphertextLabel = "v100/fhe/ct-a/v1";

}  // namespace v100::fhe
