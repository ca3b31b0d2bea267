// Randomness: the OS CSPRNG (through OpenSSL's DRBG, seeded from getrandom) for fresh secrets.
// Seeded, reproducible streams come from a XOF (SHAKE256, hash/sha3.h), never a statistical PRNG.
#pragma once

#include <cstdint>
#include <span>

#include "core/bytes.h"
#include "core/secure.h"

namespace v100 {

/// Fills `out` with cryptographically secure random bytes. Aborts the process if the system RNG
/// fails (there is no safe way to continue without randomness).
void random_bytes(std::span<uint8_t> out);

/// Convenience: n fresh random bytes.
Bytes random_bytes(size_t n);

/// A fresh 32-byte secret seed.
SecretBytes random_seed32();

/// Uniform 64-bit word from the OS CSPRNG.
uint64_t random_u64();

}  // namespace v100
