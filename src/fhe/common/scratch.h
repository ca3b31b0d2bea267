// Reusable per-thread scratch buffers for the hot FHE paths: key switching and rescaling need a
// few hundred kilobytes of temporaries per call, and fresh zero-filled allocations of that size
// cost page faults and memsets on every call. Nothing kept in them is secret (ciphertext and
// public key material only); secret-dependent code must not use them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/huge_alloc.h"

namespace v100::fhe {

/// A scratch buffer (huge-page backed from 1 MB up: core/huge_alloc.h).
using ScratchBuffer = std::vector<uint64_t, HugePageAllocator<uint64_t>>;

/// Grows `v` to at least `words` words (never shrinks) and returns its data.
template <class Alloc>
inline uint64_t* scratch_words(std::vector<uint64_t, Alloc>& v, size_t words) {
  if (v.size() < words) v.resize(words);
  return v.data();
}

}  // namespace v100::fhe
