// Primality testing and NTT-friendly prime generation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace v100::math {

/// Deterministic Miller-Rabin for every 64-bit input (the first 12 prime bases suffice below
/// 3.3 * 10^24). Not constant time: meant for public parameters.
bool is_prime(uint64_t x);

/// `count` distinct primes p ≡ 1 (mod 2n) with exactly `bit_size` bits (2^(bit_size-1) < p < 2^bit_size),
/// largest first; deterministic (the largest such primes). `n` must be a power of two >= 1 and
/// bit_size in [2, 61]. Throws std::invalid_argument on bad arguments or if fewer than `count` such
/// primes exist.
std::vector<uint64_t> generate_ntt_primes(int bit_size, size_t n, size_t count);

}  // namespace v100::math
