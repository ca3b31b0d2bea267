// CKKS plaintexts and ciphertexts: RNS polynomials in the NTT domain, tagged with their level and
// scale. Layout: residue-major, residue j of polynomial p at data[(p * (level + 1) + j) * N].
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/huge_alloc.h"

namespace v100::fhe::ckks {

/// Polynomial storage: huge-page backed from 1 MB up (core/huge_alloc.h), i.e. from N = 16384 on.
/// Words(n) and resize(n) leave new words unwritten (the allocator default-initializes).
using Words = std::vector<uint64_t, HugePageAllocator<uint64_t>>;

/// An encoded message m with slots ≈ m_coeffs / scale, at `level` (primes q_0..q_level), NTT form.
struct Plaintext {
  Words data;    // (level + 1) * N words
  size_t n = 0;  // ring degree
  size_t level = 0;
  double scale = 0;
  /// Residue j (j <= level).
  uint64_t* residue(size_t j) { return data.data() + j * n; }
  const uint64_t* residue(size_t j) const { return data.data() + j * n; }
};

/// A ciphertext (c_0, ..., c_(size-1)) with c_0 + c_1 s + c_2 s^2 ≈ m (mod q_0...q_level).
/// size is 2, or 3 right after a multiplication without relinearization.
struct Ciphertext {
  Words data;  // size * (level + 1) * N words
  size_t n = 0;
  size_t size = 0;
  size_t level = 0;
  double scale = 0;

  /// Residue j of polynomial p.
  uint64_t* poly(size_t p, size_t j) { return data.data() + (p * (level + 1) + j) * n; }
  const uint64_t* poly(size_t p, size_t j) const { return data.data() + (p * (level + 1) + j) * n; }
  /// Allocates zeroed storage for the given shape.
  void resize(size_t ring_degree, size_t num_polys, size_t lvl) {
    n = ring_degree;
    size = num_polys;
    level = lvl;
    data.assign(num_polys * (lvl + 1) * ring_degree, 0);
  }
  /// As resize, but the words are left unwritten: for producers that write every word.
  void resize_for_overwrite(size_t ring_degree, size_t num_polys, size_t lvl) {
    n = ring_degree;
    size = num_polys;
    level = lvl;
    data.clear();
    data.resize(num_polys * (lvl + 1) * ring_degree);
  }
};

}  // namespace v100::fhe::ckks
