// Sampling for ML-DSA (FIPS 204 §7.3): ExpandA, ExpandS, ExpandMask and SampleInBall.
#include <cstring>

#include "hash/sha3.h"
#include "pq/mldsa/internal.h"

namespace v100::pq::mldsa::internal {

// Alg. 30 with Alg. 14 (CoeffFromThreeBytes): 24-bit little-endian candidates with the top bit
// cleared, accepted when < q. Five SHAKE128 blocks give 280 candidates, enough for 256 with
// overwhelming probability; further blocks are squeezed as needed. A_hat is public.
void rej_ntt_poly(Poly& a_hat, std::span<const uint8_t, 32> rho, uint8_t s, uint8_t r) {
  uint8_t seed[34];
  std::memcpy(seed, rho.data(), 32);
  seed[32] = s;  // IntegerToBytes(s, 1) || IntegerToBytes(r, 1) (Alg. 32 line 4)
  seed[33] = r;
  hash::Shake128 g;
  g.absorb(seed);
  constexpr size_t kRate = hash::kShake128Rate;  // 168 = 3 * 56: blocks hold whole candidates
  uint8_t buf[5 * kRate];
  g.squeeze_blocks(buf, 5);
  size_t len = sizeof buf;
  int ctr = 0;
  for (;;) {
    for (size_t pos = 0; pos + 3 <= len && ctr < kN; pos += 3) {
      const uint32_t t = buf[pos] | (uint32_t{buf[pos + 1]} << 8) | ((buf[pos + 2] & 0x7fu) << 16);
      if (t < static_cast<uint32_t>(kQ)) a_hat.c[ctr++] = static_cast<int32_t>(t);
    }
    if (ctr == kN) break;
    g.squeeze_blocks(buf, 1);
    len = kRate;
  }
}

void expand_a(Poly* a_hat, std::span<const uint8_t, 32> rho, int k, int l) {
  for (int r = 0; r < k; ++r)
    for (int s = 0; s < l; ++s)
      rej_ntt_poly(a_hat[r * l + s], rho, static_cast<uint8_t>(s), static_cast<uint8_t>(r));
}

// Alg. 31 with Alg. 15 (CoeffFromHalfByte). The half-bytes are secret; whether one is rejected
// (>= 15 for eta = 2, >= 9 for eta = 4) is independent of the accepted values and decides only
// how many bytes are consumed, so that bit alone is declassified. The accepted value itself is
// computed without branches or table look-ups.
void rej_bounded_poly(Poly& a, std::span<const uint8_t, 64> rho_prime, uint16_t index, int eta) {
  uint8_t seed[66];
  std::memcpy(seed, rho_prime.data(), 64);
  seed[64] = static_cast<uint8_t>(index);
  seed[65] = static_cast<uint8_t>(index >> 8);
  hash::Shake256 h;
  h.absorb(seed);
  secure_wipe(seed, sizeof seed);
  constexpr size_t kRate = hash::kShake256Rate;
  uint8_t buf[kRate];
  int ctr = 0;
  while (ctr < kN) {
    h.squeeze_blocks(buf, 1);
    for (size_t pos = 0; pos < kRate && ctr < kN; ++pos) {
      for (int half = 0; half < 2 && ctr < kN; ++half) {
        const uint32_t z = half == 0 ? (buf[pos] & 15u) : (buf[pos] >> 4);
        uint32_t accept;
        int32_t value;
        if (eta == 2) {
          accept = (z - 15u) >> 31;  // z < 15
          const uint32_t mod5 = z - 5u * ((z * 205u) >> 10);  // z mod 5 for z < 15
          value = 2 - static_cast<int32_t>(mod5);
        } else {
          accept = (z - 9u) >> 31;  // z < 9
          value = 4 - static_cast<int32_t>(z);
        }
        declassify(accept);
        if (accept) a.c[ctr++] = value;
      }
    }
  }
  secure_wipe(buf, sizeof buf);
}

void expand_mask_poly(Poly& y, std::span<const uint8_t, 64> rho_pp, uint16_t mu_index,
                      int gamma1_bits) {
  uint8_t seed[66];
  std::memcpy(seed, rho_pp.data(), 64);
  seed[64] = static_cast<uint8_t>(mu_index);
  seed[65] = static_cast<uint8_t>(mu_index >> 8);
  hash::Shake256 h;
  h.absorb(seed);
  const int bits = gamma1_bits + 1;
  uint8_t buf[5 * hash::kShake256Rate];  // 680 >= 32 * 20
  h.squeeze_blocks(buf, 5);
  bit_unpack(y, buf, int32_t{1} << gamma1_bits, bits);
  secure_wipe(buf, sizeof buf);
  secure_wipe(seed, sizeof seed);
}

// Alg. 29. The first 8 bytes of H(c_tilde) are the signs; then rejection-sampled positions
// j <= i (a Fisher-Yates style insertion). c_tilde is public here.
void sample_in_ball(Poly& c, ByteSpan c_tilde, int tau) {
  hash::Shake256 h;
  h.absorb(c_tilde);
  constexpr size_t kRate = hash::kShake256Rate;
  uint8_t buf[kRate];
  h.squeeze_blocks(buf, 1);
  uint64_t signs = 0;
  for (int i = 0; i < 8; ++i) signs |= uint64_t{buf[i]} << (8 * i);
  size_t pos = 8;
  std::memset(c.c, 0, sizeof c.c);
  for (int i = kN - tau; i < kN; ++i) {
    uint32_t j;
    do {
      if (pos == kRate) {
        h.squeeze_blocks(buf, 1);
        pos = 0;
      }
      j = buf[pos++];
    } while (j > static_cast<uint32_t>(i));
    c.c[i] = c.c[j];
    c.c[j] = 1 - 2 * static_cast<int32_t>(signs & 1);
    signs >>= 1;
  }
}

// ------------------------------------------------------------------ packing

void pack_bits(uint8_t* out, const uint32_t* v, int bits) {
  uint64_t acc = 0;
  int have = 0;
  size_t o = 0;
  for (int i = 0; i < kN; ++i) {
    acc |= uint64_t{v[i]} << have;
    have += bits;
    while (have >= 8) {
      out[o++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      have -= 8;
    }
  }
}

void unpack_bits(uint32_t* v, const uint8_t* in, int bits) {
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  uint64_t acc = 0;
  int have = 0;
  size_t p = 0;
  for (int i = 0; i < kN; ++i) {
    while (have < bits) {
      acc |= uint64_t{in[p++]} << have;
      have += 8;
    }
    v[i] = static_cast<uint32_t>(acc & mask);
    acc >>= bits;
    have -= bits;
  }
}

void bit_pack(uint8_t* out, const Poly& w, int32_t b, int bits) {
  uint32_t v[kN];
  for (int i = 0; i < kN; ++i) v[i] = static_cast<uint32_t>(b - w.c[i]);
  pack_bits(out, v, bits);
  secure_wipe(v, sizeof v);
}

void bit_unpack(Poly& w, const uint8_t* in, int32_t b, int bits) {
  uint32_t v[kN];
  unpack_bits(v, in, bits);
  for (int i = 0; i < kN; ++i) w.c[i] = b - static_cast<int32_t>(v[i]);
  secure_wipe(v, sizeof v);
}

}  // namespace v100::pq::mldsa::internal
