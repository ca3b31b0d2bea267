// Sampling for ML-DSA (FIPS 204 §7.3): ExpandA, ExpandS, ExpandMask and SampleInBall.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/cpu.h"
#include "hash/keccak_x4.h"
#include "hash/sha3.h"
#include "pq/mldsa/internal.h"

namespace v100::pq::mldsa::internal {

// Alg. 30 with Alg. 14 (CoeffFromThreeBytes): 24-bit little-endian candidates with the top bit
// cleared, accepted when < q. Returns the new count. A_hat is public, so this may branch.
int rej_uniform_portable(int32_t* a, int ctr, const uint8_t* buf, size_t len) {
  for (size_t pos = 0; pos + 3 <= len && ctr < kN; pos += 3) {
    const uint32_t t = buf[pos] | (uint32_t{buf[pos + 1]} << 8) | ((buf[pos + 2] & 0x7fu) << 16);
    if (t < static_cast<uint32_t>(kQ)) a[ctr++] = static_cast<int32_t>(t);
  }
  return ctr;
}

// Alg. 31 with Alg. 15 (CoeffFromHalfByte) on one squeezed block (len <= 136 bytes). The
// half-bytes are secret; whether one is rejected (>= 15 for eta = 2, >= 9 for eta = 4) is
// independent of the accepted values and decides only how many bytes are consumed, so those bits
// alone are declassified, a whole block at once (candidates past the 256th acceptance are
// discarded stream bytes). Values are computed without branches or table look-ups; the
// compaction indexes only by the declassified bits.
int rej_eta_portable(int32_t* a, int ctr, const uint8_t* buf, size_t len, int eta) {
  constexpr size_t kMax = 2 * hash::kShake256Rate;
  int32_t value[kMax];
  uint8_t accept[kMax];
  const size_t n = 2 * len;
  for (size_t k = 0; k < n; ++k) {
    const uint32_t z = (k & 1) ? (buf[k / 2] >> 4) : (buf[k / 2] & 15u);
    if (eta == 2) {
      accept[k] = static_cast<uint8_t>((z - 15u) >> 31);  // z < 15
      const uint32_t mod5 = z - 5u * ((z * 205u) >> 10);  // z mod 5 for z < 15
      value[k] = 2 - static_cast<int32_t>(mod5);
    } else {
      accept[k] = static_cast<uint8_t>((z - 9u) >> 31);  // z < 9
      value[k] = 4 - static_cast<int32_t>(z);
    }
  }
  declassify(accept, n);
  for (size_t k = 0; k < n && ctr < kN; ++k) {
    a[ctr] = value[k];
    ctr += accept[k];
  }
  secure_wipe(value, sizeof value);
  return ctr;
}

namespace {

constexpr size_t kRate128 = hash::kShake128Rate;  // 168 = 3 * 56: blocks hold whole candidates
constexpr size_t kRate256 = hash::kShake256Rate;

// Up to four RejNTTPoly instances at once on the 4-way Keccak (unused lanes get a copy of lane 0's
// seed and discard their output).
void rej_ntt_x4(Poly* const out[4], const uint8_t seeds[4][34]) {
  hash::ShakeX4 g(kRate128);
  const uint8_t* in[4];
  for (int j = 0; j < 4; ++j) in[j] = out[j] ? seeds[j] : seeds[0];
  g.absorb_once(in, 34);
  alignas(32) uint8_t buf[4][5 * kRate128];
  uint8_t* o[4];
  for (int j = 0; j < 4; ++j) o[j] = out[j] ? buf[j] : nullptr;
  g.squeeze_blocks(o, 5);
  const auto rej_uniform = backend().rej_uniform;
  int ctr[4] = {kN, kN, kN, kN};
  for (int j = 0; j < 4; ++j)
    if (out[j]) ctr[j] = rej_uniform(out[j]->c, 0, buf[j], sizeof buf[j]);
  // Rarely (probability ~2^-40 per polynomial) 280 candidates are not enough.
  while (ctr[0] < kN || ctr[1] < kN || ctr[2] < kN || ctr[3] < kN) {
    for (int j = 0; j < 4; ++j) o[j] = ctr[j] < kN ? buf[j] : nullptr;
    g.squeeze_blocks(o, 1);
    for (int j = 0; j < 4; ++j)
      if (ctr[j] < kN) ctr[j] = rej_uniform(out[j]->c, ctr[j], buf[j], kRate128);
  }
}

void rej_bounded_x4(Poly* const out[4], const uint8_t seeds[4][66], int eta) {
  hash::ShakeX4 h(kRate256);
  const uint8_t* in[4];
  for (int j = 0; j < 4; ++j) in[j] = out[j] ? seeds[j] : seeds[0];
  h.absorb_once(in, 66);
  alignas(32) uint8_t buf[4][kRate256];
  uint8_t* o[4];
  const auto rej_eta = backend().rej_eta;
  int ctr[4];
  for (int j = 0; j < 4; ++j) ctr[j] = out[j] ? 0 : kN;
  while (ctr[0] < kN || ctr[1] < kN || ctr[2] < kN || ctr[3] < kN) {
    for (int j = 0; j < 4; ++j) o[j] = ctr[j] < kN ? buf[j] : nullptr;
    h.squeeze_blocks(o, 1);
    for (int j = 0; j < 4; ++j)
      if (ctr[j] < kN) ctr[j] = rej_eta(out[j]->c, ctr[j], buf[j], kRate256, eta);
  }
  secure_wipe(buf, sizeof buf);
}

}  // namespace

void rej_ntt_poly(Poly& a_hat, std::span<const uint8_t, 32> rho, uint8_t s, uint8_t r) {
  uint8_t seed[34];
  std::memcpy(seed, rho.data(), 32);
  seed[32] = s;  // IntegerToBytes(s, 1) || IntegerToBytes(r, 1) (Alg. 32 line 4)
  seed[33] = r;
  hash::Shake128 g;
  g.absorb(seed);
  uint8_t buf[5 * kRate128];
  g.squeeze_blocks(buf, 5);
  const auto rej_uniform = backend().rej_uniform;
  int ctr = rej_uniform(a_hat.c, 0, buf, sizeof buf);
  while (ctr < kN) {
    g.squeeze_blocks(buf, 1);
    ctr = rej_uniform(a_hat.c, ctr, buf, kRate128);
  }
}

void expand_a(Poly* a_hat, std::span<const uint8_t, 32> rho, int k, int l) {
  const int total = k * l;
  for (int base = 0; base < total; base += 4) {
    uint8_t seeds[4][34];
    Poly* out[4];
    for (int j = 0; j < 4; ++j) {
      const int idx = base + j;
      out[j] = idx < total ? &a_hat[idx] : nullptr;
      std::memcpy(seeds[j], rho.data(), 32);
      seeds[j][32] = static_cast<uint8_t>(idx % l);  // s (column)
      seeds[j][33] = static_cast<uint8_t>(idx / l);  // r (row)
    }
    if (total - base == 1) {
      rej_ntt_poly(*out[0], rho, seeds[0][32], seeds[0][33]);
    } else {
      rej_ntt_x4(out, seeds);
    }
  }
}

void rej_bounded_poly(Poly& a, std::span<const uint8_t, 64> rho_prime, uint16_t index, int eta) {
  uint8_t seed[66];
  std::memcpy(seed, rho_prime.data(), 64);
  seed[64] = static_cast<uint8_t>(index);
  seed[65] = static_cast<uint8_t>(index >> 8);
  hash::Shake256 h;
  h.absorb(seed);
  secure_wipe(seed, sizeof seed);
  uint8_t buf[kRate256];
  const auto rej_eta = backend().rej_eta;
  int ctr = 0;
  while (ctr < kN) {
    h.squeeze_blocks(buf, 1);
    ctr = rej_eta(a.c, ctr, buf, kRate256, eta);
  }
  secure_wipe(buf, sizeof buf);
}

void expand_s(Poly* s, int n, std::span<const uint8_t, 64> rho_prime, int eta) {
  for (int base = 0; base < n; base += 4) {
    if (n - base == 1) {
      rej_bounded_poly(s[base], rho_prime, static_cast<uint16_t>(base), eta);
      break;
    }
    uint8_t seeds[4][66];
    Poly* out[4];
    for (int j = 0; j < 4; ++j) {
      const int idx = base + j;
      out[j] = idx < n ? &s[idx] : nullptr;
      std::memcpy(seeds[j], rho_prime.data(), 64);
      seeds[j][64] = static_cast<uint8_t>(idx);  // IntegerToBytes(r, 2) (Alg. 33)
      seeds[j][65] = static_cast<uint8_t>(idx >> 8);
    }
    rej_bounded_x4(out, seeds, eta);
    secure_wipe(seeds, sizeof seeds);
  }
}

void expand_mask_poly(Poly& y, std::span<const uint8_t, 64> rho_pp, uint16_t mu_index, int gamma1_bits) {
  uint8_t seed[66];
  std::memcpy(seed, rho_pp.data(), 64);
  seed[64] = static_cast<uint8_t>(mu_index);
  seed[65] = static_cast<uint8_t>(mu_index >> 8);
  hash::Shake256 h;
  h.absorb(seed);
  const int bits = gamma1_bits + 1;
  uint8_t buf[5 * kRate256];  // 680 >= 32 * 20
  h.squeeze_blocks(buf, 5);
  bit_unpack(y, buf, int32_t{1} << gamma1_bits, bits);
  secure_wipe(buf, sizeof buf);
  secure_wipe(seed, sizeof seed);
}

bool x4_beats_scalar() {
  return cpu::active().avx512vl;
}

void shake256_short(std::span<uint8_t> out, ByteSpan in) {
  if (!x4_beats_scalar() || out.size() > kRate256) {
    hash::shake256(out, in);
    return;
  }
  hash::ShakeX4 h(kRate256);
  const uint8_t* ins[4] = {in.data(), in.data(), in.data(), in.data()};
  h.absorb_once(ins, in.size());
  uint8_t block[kRate256];
  uint8_t* outs[4] = {block, nullptr, nullptr, nullptr};
  h.squeeze_blocks(outs, 1);
  std::memcpy(out.data(), block, out.size());
  secure_wipe(block, sizeof block);
}

MaskStream::MaskStream(std::span<const uint8_t, 64> rho_pp, int gamma1_bits)
    : gamma1_bits_(gamma1_bits), buf_(new Poly[kSlots]) {
  std::memcpy(rho_pp_, rho_pp.data(), 64);
}

MaskStream::~MaskStream() {
  secure_wipe(rho_pp_, sizeof rho_pp_);
  secure_wipe(buf_, sizeof(Poly) * kSlots);
  delete[] buf_;
}

void MaskStream::next(Poly* y, int l) {
  for (int r = 0; r < l; ++r) {
    const uint32_t index = kappa_ + static_cast<uint32_t>(r);
    while (index >= end_) refill();
    y[r] = slot(index);
  }
  kappa_ += static_cast<uint32_t>(l);
}

namespace {

// The seed rho'' || IntegerToBytes(index, 2) of ExpandMask (Alg. 34 line 4).
void mask_seed(uint8_t seed[66], const uint8_t rho_pp[64], uint32_t index) {
  std::memcpy(seed, rho_pp, 64);
  seed[64] = static_cast<uint8_t>(index);
  seed[65] = static_cast<uint8_t>(index >> 8);
}

// SHAKE256 block i of lane j of a 4-way state, little-endian lanes, rate 136 = 17 lanes.
void xor_block(hash::KeccakX4State& st, int j, const uint8_t* block) {
  for (size_t i = 0; i < kRate256 / 8; ++i) {
    uint64_t w;
    std::memcpy(&w, block + 8 * i, 8);
    st.lanes[i][j] ^= w;
  }
}
void read_block(uint8_t* block, const hash::KeccakX4State& st, int j) {
  for (size_t i = 0; i < kRate256 / 8; ++i) std::memcpy(block + 8 * i, &st.lanes[i][j], 8);
}
// Block `b` of the SHAKE256 input `in` (len bytes), with the pad 0x1f ... 0x80 in the last one.
void input_block(uint8_t block[kRate256], ByteSpan in, size_t b) {
  const size_t off = b * kRate256;
  const size_t n = std::min(kRate256, in.size() - std::min(in.size(), off));
  std::memset(block, 0, kRate256);
  if (n != 0) std::memcpy(block, in.data() + off, n);
  if (n < kRate256) {
    block[n] ^= 0x1f;
    block[kRate256 - 1] ^= 0x80;
  }
}

}  // namespace

void MaskStream::refill() {
  const std::span<const uint8_t, 64> rho_pp(rho_pp_, 64);
  if (!cpu::active().avx2) {  // the 4-way Keccak is four scalar ones here: squeeze what is asked
    expand_mask_poly(slot(end_), rho_pp, static_cast<uint16_t>(end_), gamma1_bits_);
    ++end_;
    return;
  }
  const int bits = gamma1_bits_ + 1;
  const size_t blocks = (32 * static_cast<size_t>(bits) + kRate256 - 1) / kRate256;  // 5 (576 or 640 bytes)
  uint8_t seeds[4][66];
  const uint8_t* in[4];
  alignas(32) uint8_t buf[4][5 * kRate256];
  uint8_t* o[4];
  for (int j = 0; j < 4; ++j) {
    mask_seed(seeds[j], rho_pp_, end_ + static_cast<uint32_t>(j));  // IntegerToBytes(kappa + r, 2)
    in[j] = seeds[j];
    o[j] = buf[j];
  }
  hash::ShakeX4 h(kRate256);
  h.absorb_once(in, 66);
  h.squeeze_blocks(o, blocks);
  const auto unpack = backend().unpack_mask;
  for (int j = 0; j < 4; ++j) unpack(slot(end_ + static_cast<uint32_t>(j)), buf[j], gamma1_bits_);
  end_ += 4;
  secure_wipe(buf, sizeof buf);
  secure_wipe(seeds, sizeof seeds);
}

void MaskStream::shake256_with_masks(std::span<uint8_t> out, ByteSpan in) {
  if (!cpu::active().avx2 || out.size() > kRate256) {
    hash::shake256(out, in);
    return;
  }
  // Lane 0 absorbs `in` block by block; lanes 1-3 absorb their padded seed before the first
  // permutation and then only squeeze, one block after each permutation. The lanes are
  // independent sponges: the permutation acts on each state separately.
  const int bits = gamma1_bits_ + 1;
  const size_t mask_blocks = (32 * static_cast<size_t>(bits) + kRate256 - 1) / kRate256;
  const size_t in_blocks = in.size() / kRate256 + 1;  // the last one holds the padding
  hash::KeccakX4State st;
  std::memset(&st, 0, sizeof st);
  alignas(32) uint8_t block[kRate256];
  alignas(32) uint8_t masks[3][5 * kRate256];
  for (int j = 1; j < 4; ++j) {
    uint8_t seed[66];
    mask_seed(seed, rho_pp_, end_ + static_cast<uint32_t>(j - 1));
    input_block(block, ByteSpan(seed, 66), 0);
    xor_block(st, j, block);
    secure_wipe(seed, sizeof seed);
  }
  for (size_t b = 0; b < std::max(in_blocks, mask_blocks); ++b) {
    if (b < in_blocks) {
      input_block(block, in, b);
      xor_block(st, 0, block);
    }
    hash::keccak_f1600_x4(st);
    if (b < mask_blocks)
      for (int j = 1; j < 4; ++j) read_block(masks[j - 1] + b * kRate256, st, j);
    if (b + 1 == in_blocks) {  // lane 0 is absorbed: its first squeezed block
      read_block(block, st, 0);
      std::memcpy(out.data(), block, out.size());
    }
  }
  const auto unpack = backend().unpack_mask;
  for (int j = 0; j < 3; ++j) unpack(slot(end_ + static_cast<uint32_t>(j)), masks[j], gamma1_bits_);
  end_ += 3;
  secure_wipe(&st, sizeof st);
  secure_wipe(block, sizeof block);
  secure_wipe(masks, sizeof masks);
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
//
// Groups of G = 8 / gcd(bits, 8) values fill a whole number of bytes (at most 13 bytes for the
// widths used here). Each group is read or written as two 64-bit words; with `bits` a template
// parameter every shift is a constant and the compiler unrolls the group. No branch or index
// depends on the values.

namespace {

template <int kBits>
struct Group {
  static constexpr int kG = kBits % 8 == 0 ? 1 : kBits % 4 == 0 ? 2 : kBits % 2 == 0 ? 4 : 8;
  static constexpr int kBytes = kG * kBits / 8;
  static_assert(kBytes <= 16);
};

// Little-endian loads and stores of n <= 8 bytes assembled in registers (a memcpy of an odd size
// into a uint64_t goes through the stack and stalls on store forwarding).
template <int kN>
inline uint64_t load_le(const uint8_t* p) {
  static_assert(kN >= 1 && kN <= 8);
  if constexpr (kN == 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  } else if constexpr (kN >= 4) {
    uint32_t a;
    std::memcpy(&a, p, 4);
    uint64_t v = a;
    for (int k = 4; k < kN; ++k) v |= uint64_t{p[k]} << (8 * k);
    return v;
  } else {
    uint64_t v = 0;
    for (int k = 0; k < kN; ++k) v |= uint64_t{p[k]} << (8 * k);
    return v;
  }
}
template <int kN>
inline void store_le(uint8_t* p, uint64_t v) {
  static_assert(kN >= 1 && kN <= 8);
  if constexpr (kN == 8) {
    std::memcpy(p, &v, 8);
  } else if constexpr (kN >= 4) {
    const uint32_t a = static_cast<uint32_t>(v);
    std::memcpy(p, &a, 4);
    for (int k = 4; k < kN; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
  } else {
    for (int k = 0; k < kN; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
  }
}

template <int kBits, int kSign>  // value = off + kSign * c[i]
void pack_t(uint8_t* out, const int32_t* c, int32_t off) {
  using Gr = Group<kBits>;
  for (int i = 0; i < kN; i += Gr::kG) {
    uint64_t lo = 0, hi = 0;
#pragma GCC unroll 8
    for (int g = 0; g < Gr::kG; ++g) {
      const uint64_t v = static_cast<uint32_t>(off + kSign * c[i + g]);
      const int o = g * kBits;
      if (o < 64) lo |= v << o;
      if (o + kBits > 64) hi |= o >= 64 ? v << (o - 64) : v >> (64 - o);
    }
    if constexpr (Gr::kBytes <= 8) {
      store_le<Gr::kBytes>(out, lo);
    } else {
      store_le<8>(out, lo);
      store_le<Gr::kBytes - 8>(out + 8, hi);
    }
    out += Gr::kBytes;
  }
}

template <int kBits, int kSign>  // c[i] = off + kSign * value
void unpack_t(int32_t* c, const uint8_t* in, int32_t off) {
  using Gr = Group<kBits>;
  constexpr uint64_t kMask = (uint64_t{1} << kBits) - 1;
  for (int i = 0; i < kN; i += Gr::kG) {
    uint64_t lo = 0, hi = 0;
    if constexpr (Gr::kBytes <= 8) {
      lo = load_le<Gr::kBytes>(in);
    } else {
      lo = load_le<8>(in);
      hi = load_le<Gr::kBytes - 8>(in + 8);
    }
#pragma GCC unroll 8
    for (int g = 0; g < Gr::kG; ++g) {
      const int o = g * kBits;
      uint64_t v;
      if (o >= 64) {
        v = hi >> (o - 64);
      } else if (o + kBits > 64) {
        v = (lo >> o) | (hi << (64 - o));
      } else {
        v = lo >> o;
      }
      c[i + g] = off + kSign * static_cast<int32_t>(v & kMask);
    }
    in += Gr::kBytes;
  }
}

template <int kSign>
void pack_dispatch(uint8_t* out, const int32_t* c, int32_t off, int bits) {
  switch (bits) {
    case 3:
      return pack_t<3, kSign>(out, c, off);
    case 4:
      return pack_t<4, kSign>(out, c, off);
    case 6:
      return pack_t<6, kSign>(out, c, off);
    case 10:
      return pack_t<10, kSign>(out, c, off);
    case 13:
      return pack_t<13, kSign>(out, c, off);
    case 18:
      return pack_t<18, kSign>(out, c, off);
    case 20:
      return pack_t<20, kSign>(out, c, off);
    default:
      throw std::logic_error("ML-DSA: unsupported packing width");
  }
}

template <int kSign>
void unpack_dispatch(int32_t* c, const uint8_t* in, int32_t off, int bits) {
  switch (bits) {
    case 3:
      return unpack_t<3, kSign>(c, in, off);
    case 4:
      return unpack_t<4, kSign>(c, in, off);
    case 6:
      return unpack_t<6, kSign>(c, in, off);
    case 10:
      return unpack_t<10, kSign>(c, in, off);
    case 13:
      return unpack_t<13, kSign>(c, in, off);
    case 18:
      return unpack_t<18, kSign>(c, in, off);
    case 20:
      return unpack_t<20, kSign>(c, in, off);
    default:
      throw std::logic_error("ML-DSA: unsupported packing width");
  }
}

}  // namespace

void pack_bits(uint8_t* out, const uint32_t* v, int bits) {
  pack_dispatch<1>(out, reinterpret_cast<const int32_t*>(v), 0, bits);
}

void unpack_bits(uint32_t* v, const uint8_t* in, int bits) {
  unpack_dispatch<1>(reinterpret_cast<int32_t*>(v), in, 0, bits);
}

void bit_pack(uint8_t* out, const Poly& w, int32_t b, int bits) {
  pack_dispatch<-1>(out, w.c, b, bits);
}

void bit_unpack(Poly& w, const uint8_t* in, int32_t b, int bits) {
  unpack_dispatch<-1>(w.c, in, b, bits);
}

}  // namespace v100::pq::mldsa::internal
