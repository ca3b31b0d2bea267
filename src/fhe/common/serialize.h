// Versioned, validated serialization of RLWE objects.
//
// Every object starts with a header: magic "V1HE", format version (1), object kind, and the
// 64-bit parameter id; loads check all of it against the context. Polynomials are bit-packed:
// residue mod q uses bit_count(q) bits per value, and every value is checked to be < q.
// Seeded forms: a fresh symmetric ciphertext is c0 + its 32-byte seed; a public key or
// key-switching key is its b parts + one 32-byte seed. Loaders never throw and never read past the
// input: wrong kind/version/param id, wrong sizes, out-of-range values, truncation and trailing
// bytes all return a clear error.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"
#include "fhe/common/ciphertext.h"
#include "fhe/common/context.h"
#include "fhe/common/keys.h"

namespace v100::fhe {

inline constexpr uint8_t kFormatVersion = 1;

/// Object kinds in the header.
enum class ObjectKind : uint8_t {
  kCiphertext = 1,
  kPublicKey = 2,
  kRelinKeys = 3,
  kGaloisKeys = 4,
  kPlaintext = 5,  // scheme-specific payload (e.g. BFV plaintext)
};

/// Serializes a ciphertext; uses the seeded form when ct.has_seed (and ct.size() == 2).
Bytes serialize_ciphertext(const RlweContext& ctx, const Ciphertext& ct);
/// Parses and validates a ciphertext for ctx (size 2..max_polys; no special residues).
Result<Ciphertext> deserialize_ciphertext(const RlweContext& ctx, ByteSpan in, size_t max_polys = 3);

/// Public key, always in seeded form (b + a_seed).
Bytes serialize_public_key(const RlweContext& ctx, const PublicKey& pk);
Result<PublicKey> deserialize_public_key(const RlweContext& ctx, ByteSpan in);

/// Relinearization keys (seeded form).
Bytes serialize_relin_keys(const RlweContext& ctx, const RelinKeys& rk);
Result<RelinKeys> deserialize_relin_keys(const RlweContext& ctx, ByteSpan in);

/// Galois keys (seeded form).
Bytes serialize_galois_keys(const RlweContext& ctx, const GaloisKeys& gk);
Result<GaloisKeys> deserialize_galois_keys(const RlweContext& ctx, ByteSpan in);

// ---- Building blocks for scheme-specific objects ----
/// Writes the common header.
void write_header(ByteWriter& w, ObjectKind kind, uint64_t param_id);
/// Reads and checks the common header against kind and ctx.
Status read_header(ByteReader& r, ObjectKind kind, const RlweContext& ctx);
/// Writes a polynomial (shape + packed residues).
void write_poly(ByteWriter& w, const RlweContext& ctx, const RnsPoly& poly);
/// Reads a polynomial and validates its shape: 1 <= num_q <= ctx.num_q(), num_special 0 or
/// ctx.num_p() (and 0 unless allow_special), every value < its prime.
Result<RnsPoly> read_poly(ByteReader& r, const RlweContext& ctx, bool allow_special);

}  // namespace v100::fhe
