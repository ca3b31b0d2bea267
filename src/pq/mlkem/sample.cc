// Matrix and noise expansion (FIPS 203 Alg. 13 lines 3-15, Alg. 14 lines 4-17): SampleNTT over
// SHAKE128 and SamplePolyCBD over SHAKE256 (PRF_eta).
#include <cstring>

#include "core/secure.h"
#include "hash/sha3.h"
#include "pq/mlkem/internal.h"

namespace v100::pq::mlkem::internal {
namespace {

// Three SHAKE128 blocks (504 bytes, 336 candidates) give 256 accepted values except with
// probability about 2^-40; more blocks are squeezed in that case.
constexpr size_t kMatrixBlocks = 3;

void sample_ntt(Poly& a, const uint8_t rho[32], uint8_t b0, uint8_t b1) {
  uint8_t seed[34];
  std::memcpy(seed, rho, 32);
  seed[32] = b0;
  seed[33] = b1;
  hash::Shake128 xof;
  xof.absorb(seed);
  uint8_t buf[kMatrixBlocks * hash::kShake128Rate];
  xof.squeeze_blocks(buf, kMatrixBlocks);
  int ctr = rej_uniform(a.c, kN, buf, sizeof buf);
  while (ctr < kN) {
    xof.squeeze_blocks(buf, 1);
    ctr += rej_uniform(a.c + ctr, kN - ctr, buf, hash::kShake128Rate);
  }
}

}  // namespace

void gen_matrix(Poly* a, const uint8_t rho[32], int k, bool transposed) {
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j)
      sample_ntt(a[i * k + j], rho, static_cast<uint8_t>(transposed ? i : j),
                 static_cast<uint8_t>(transposed ? j : i));
}

void sample_noise(Poly* out, int num, const uint8_t sigma[32], uint8_t nonce0, int eta) {
  uint8_t seed[33];
  uint8_t buf[64 * 3];
  std::memcpy(seed, sigma, 32);
  for (int i = 0; i < num; ++i) {
    seed[32] = static_cast<uint8_t>(nonce0 + i);
    hash::shake256(std::span<uint8_t>(buf, 64 * static_cast<size_t>(eta)), seed);
    sample_cbd(out[i], buf, eta);
  }
  secure_wipe(seed, sizeof seed);
  secure_wipe(buf, sizeof buf);
}

}  // namespace v100::pq::mlkem::internal
