// Versioned, validated serialization of CKKS ciphertexts and keys.
//
// Keys use the shared fhe/common formats (fhe/common/serialize.h: header "V1HE", seeded form).
// Ciphertexts use a CKKS format carrying level and scale:
// magic "V1CK" | version u8 (=1) | kind u8 | parameter id u64le | body.
// Residues are bit-packed at bit_count(q_j) bits each (little-endian bit stream). Seeded forms
// (fresh secret-key ciphertexts, public keys, relinearization and Galois keys) store the 32-byte
// seed instead of the uniform "a" polynomials, which the loader re-expands: about half the size.
// Loaders never throw on bad bytes: wrong magic/version/kind/fingerprint, truncation, trailing
// bytes, a residue >= q_j, a bad level/size/scale or Galois element all return an error Result.
#pragma once

#include "core/bytes.h"
#include "core/status.h"
#include "fhe/ckks/encryptor.h"
#include "fhe/ckks/keys.h"

namespace v100::fhe::ckks {

/// Format version written by this code.
inline constexpr uint8_t kSerialVersion = 1;

/// Full ciphertext (size 2 or 3).
Bytes serialize(const CkksContext& ctx, const Ciphertext& ct);
/// Seeded ciphertext (c_0 and the seed of c_1).
Bytes serialize(const CkksContext& ctx, const SeededCiphertext& ct);
Bytes serialize(const CkksContext& ctx, const PublicKey& pk);
Bytes serialize(const CkksContext& ctx, const RelinKey& rk);
Bytes serialize(const CkksContext& ctx, const GaloisKeys& gk);

/// Loads either ciphertext form (a seeded one is expanded).
Result<Ciphertext> deserialize_ciphertext(const CkksContext& ctx, ByteSpan in);
Result<PublicKey> deserialize_public_key(const CkksContext& ctx, ByteSpan in);
Result<RelinKey> deserialize_relin_key(const CkksContext& ctx, ByteSpan in);
Result<GaloisKeys> deserialize_galois_keys(const CkksContext& ctx, ByteSpan in);

}  // namespace v100::fhe::ckks
