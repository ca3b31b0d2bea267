// A Merkle tree over 32-byte leaf digests in the RFC 9162 (Certificate Transparency v2) shape, with
// SHA-256 from OpenSSL:
//   leaf node  = SHA-256(0x00 || leaf)            interior node = SHA-256(0x01 || left || right)
//   MTH(D[0:n]) splits at k, the largest power of two < n; MTH of the empty list = SHA-256("").
// The 0x00/0x01 prefixes keep a leaf from ever being read as an interior node (second preimages).
// Inclusion proofs (RFC 9162 §2.1.3) let one frame be shown to belong to a signed segment with
// log2(n) hashes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"

namespace v100::media {

using Digest = std::array<uint8_t, 32>;

/// SHA-256 of `data` (OpenSSL).
Digest sha256(ByteSpan data);

/// SHA-256(0x00 || leaf).
Digest merkle_leaf_hash(const Digest& leaf);

/// The root MTH over `leaves` (each is hashed with merkle_leaf_hash first).
Digest merkle_root(std::span<const Digest> leaves);

/// The audit path for leaf `index` (< leaves.size(); throws std::invalid_argument otherwise).
std::vector<Digest> merkle_inclusion_proof(std::span<const Digest> leaves, size_t index);

/// Whether `proof` shows `leaf` at `index` in a tree of `num_leaves` leaves with root `root`
/// (RFC 9162 §2.1.3.2). Untrusted inputs: false on any inconsistency.
bool merkle_verify_inclusion(const Digest& leaf, size_t index, size_t num_leaves,
                             std::span<const Digest> proof, const Digest& root);

}  // namespace v100::media
