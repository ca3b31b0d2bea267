// Matrix and noise expansion (FIPS 203 Alg. 13 lines 3-15, Alg. 14 lines 4-17): SampleNTT over
// SHAKE128 and SamplePolyCBD over SHAKE256 (PRF_eta). With AVX2, four XOF instances run at once
// (hash/keccak_x4.h); the output is identical to the one-at-a-time path.
#include <cstring>

#include "core/cpu.h"
#include "core/secure.h"
#include "hash/keccak_x4.h"
#include "hash/sha3.h"
#include "pq/mlkem/internal.h"

namespace v100::pq::mlkem::internal {
namespace {

// Three SHAKE128 blocks (504 bytes, 336 candidates, each accepted with probability q/2^12) give
// 256 accepted values in about 99.2% of cases; one more block at a time is squeezed otherwise.
constexpr size_t kMatrixBlocks = 3;
constexpr size_t kRate128 = hash::kShake128Rate;
constexpr size_t kRate256 = hash::kShake256Rate;

void sample_ntt(Poly& a, const uint8_t rho[32], uint8_t b0, uint8_t b1) {
  uint8_t seed[34];
  std::memcpy(seed, rho, 32);
  seed[32] = b0;
  seed[33] = b1;
  hash::Shake128 xof;
  xof.absorb(seed);
  uint8_t buf[kMatrixBlocks * kRate128];
  xof.squeeze_blocks(buf, kMatrixBlocks);
  int ctr = rej_uniform(a.c, kN, buf, sizeof buf);
  while (ctr < kN) {
    xof.squeeze_blocks(buf, 1);
    ctr += rej_uniform(a.c + ctr, kN - ctr, buf, kRate128);
  }
}

// Up to four SampleNTT at once; lanes past `num` are computed on a dummy seed and dropped.
void sample_ntt_x4(Poly* const a[4], int num, const uint8_t rho[32], const uint8_t b0[4],
                   const uint8_t b1[4]) {
  uint8_t seeds[4][34];
  const uint8_t* in[4];
  for (int j = 0; j < 4; ++j) {
    std::memcpy(seeds[j], rho, 32);
    seeds[j][32] = b0[j < num ? j : 0];
    seeds[j][33] = b1[j < num ? j : 0];
    in[j] = seeds[j];
  }
  hash::ShakeX4 xof(kRate128);
  xof.absorb_once(in, 34, num);
  alignas(32) uint8_t buf[4][kMatrixBlocks * kRate128];
  uint8_t* out[4] = {buf[0], buf[1], buf[2], buf[3]};
  xof.squeeze_blocks(out, kMatrixBlocks);
  int ctr[4] = {kN, kN, kN, kN};
  bool more = false;
  for (int j = 0; j < num; ++j) {
    ctr[j] = rej_uniform(a[j]->c, kN, buf[j], sizeof buf[j]);
    more |= ctr[j] < kN;
  }
  while (more) {
    xof.squeeze_blocks(out, 1);
    more = false;
    for (int j = 0; j < num; ++j) {
      if (ctr[j] < kN) ctr[j] += rej_uniform(a[j]->c + ctr[j], kN - ctr[j], buf[j], kRate128);
      more |= ctr[j] < kN;
    }
  }
}

}  // namespace

void gen_matrix(Poly* a, const uint8_t rho[32], int k, bool transposed) {
  const int total = k * k;
  int idx = 0;
  const auto& cpu_features = cpu::active();
  if (cpu_features.avx2) {
    // Groups of four; a group of 2 or 3 still beats that many single permutations, and with
    // AVX-512VL even a 4-way permutation carrying one live lane is cheaper than a scalar one.
    const int min_group = cpu_features.avx512vl ? 1 : 2;
    while (total - idx >= min_group) {
      Poly* out[4];
      uint8_t b0[4], b1[4];
      const int num = total - idx >= 4 ? 4 : total - idx;
      for (int j = 0; j < 4; ++j) {
        const int e = idx + (j < num ? j : 0);
        const int i = e / k, jj = e % k;
        out[j] = &a[e];
        b0[j] = static_cast<uint8_t>(transposed ? i : jj);
        b1[j] = static_cast<uint8_t>(transposed ? jj : i);
      }
      sample_ntt_x4(out, num, rho, b0, b1);
      idx += num;
    }
  }
  for (; idx < total; ++idx) {
    const int i = idx / k, j = idx % k;
    sample_ntt(a[idx], rho, static_cast<uint8_t>(transposed ? i : j),
               static_cast<uint8_t>(transposed ? j : i));
  }
}

void sample_noise(Poly* out, int num, const uint8_t sigma[32], uint8_t nonce0, int eta) {
  const size_t prf_len = 64 * static_cast<size_t>(eta);
  int i = 0;
  const auto& cpu_features = cpu::active();
  if (cpu_features.avx2) {
    const int min_group = cpu_features.avx512vl ? 1 : 2;
    const size_t blocks = (prf_len + kRate256 - 1) / kRate256;
    alignas(32) uint8_t seeds[4][33];
    alignas(32) uint8_t buf[4][2 * kRate256];
    while (num - i >= min_group) {
      const int n = num - i >= 4 ? 4 : num - i;
      const uint8_t* in[4];
      uint8_t* o[4];
      for (int j = 0; j < 4; ++j) {
        std::memcpy(seeds[j], sigma, 32);
        seeds[j][32] = static_cast<uint8_t>(nonce0 + i + (j < n ? j : 0));
        in[j] = seeds[j];
        o[j] = buf[j];
      }
      hash::ShakeX4 prf(kRate256);
      prf.absorb_once(in, 33, n);
      prf.squeeze_blocks(o, blocks);
      for (int j = 0; j < n; ++j) sample_cbd(out[i + j], buf[j], eta);
      i += n;
    }
    wipe(seeds, sizeof seeds);
    wipe(buf, sizeof buf);
  }
  uint8_t seed[33];
  uint8_t buf1[64 * 3];
  std::memcpy(seed, sigma, 32);
  for (; i < num; ++i) {
    seed[32] = static_cast<uint8_t>(nonce0 + i);
    hash::shake256(std::span<uint8_t>(buf1, prf_len), seed);
    sample_cbd(out[i], buf1, eta);
  }
  wipe(seed, sizeof seed);
  wipe(buf1, sizeof buf1);
}

}  // namespace v100::pq::mlkem::internal
