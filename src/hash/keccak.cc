#include "hash/keccak.h"

#include <cstring>
#include <stdexcept>

#include "core/secure.h"

namespace v100::hash {
namespace {

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};

inline uint64_t rol(uint64_t x, unsigned n) {
  return n == 0 ? x : (x << n) | (x >> (64 - n));
}

}  // namespace

void keccak_f1600(uint64_t s[25]) {
  // Fully unrolled theta/rho/pi/chi/iota over named lanes; a_xy = s[x + 5y].
  uint64_t a00 = s[0], a10 = s[1], a20 = s[2], a30 = s[3], a40 = s[4];
  uint64_t a01 = s[5], a11 = s[6], a21 = s[7], a31 = s[8], a41 = s[9];
  uint64_t a02 = s[10], a12 = s[11], a22 = s[12], a32 = s[13], a42 = s[14];
  uint64_t a03 = s[15], a13 = s[16], a23 = s[17], a33 = s[18], a43 = s[19];
  uint64_t a04 = s[20], a14 = s[21], a24 = s[22], a34 = s[23], a44 = s[24];
  for (int r = 0; r < 24; ++r) {
    uint64_t c0 = a00 ^ a01 ^ a02 ^ a03 ^ a04;
    uint64_t c1 = a10 ^ a11 ^ a12 ^ a13 ^ a14;
    uint64_t c2 = a20 ^ a21 ^ a22 ^ a23 ^ a24;
    uint64_t c3 = a30 ^ a31 ^ a32 ^ a33 ^ a34;
    uint64_t c4 = a40 ^ a41 ^ a42 ^ a43 ^ a44;
    uint64_t d0 = c4 ^ rol(c1, 1), d1 = c0 ^ rol(c2, 1), d2 = c1 ^ rol(c3, 1);
    uint64_t d3 = c2 ^ rol(c4, 1), d4 = c3 ^ rol(c0, 1);
    // rho + pi: b[y][2x+3y] = rot(a[x][y] ^ d[x], r[x][y])
    uint64_t b00 = a00 ^ d0;
    uint64_t b13 = rol(a01 ^ d0, 36);
    uint64_t b21 = rol(a02 ^ d0, 3);
    uint64_t b34 = rol(a03 ^ d0, 41);
    uint64_t b42 = rol(a04 ^ d0, 18);
    uint64_t b02 = rol(a10 ^ d1, 1);
    uint64_t b10 = rol(a11 ^ d1, 44);
    uint64_t b23 = rol(a12 ^ d1, 10);
    uint64_t b31 = rol(a13 ^ d1, 45);
    uint64_t b44 = rol(a14 ^ d1, 2);
    uint64_t b04 = rol(a20 ^ d2, 62);
    uint64_t b12 = rol(a21 ^ d2, 6);
    uint64_t b20 = rol(a22 ^ d2, 43);
    uint64_t b33 = rol(a23 ^ d2, 15);
    uint64_t b41 = rol(a24 ^ d2, 61);
    uint64_t b01 = rol(a30 ^ d3, 28);
    uint64_t b14 = rol(a31 ^ d3, 55);
    uint64_t b22 = rol(a32 ^ d3, 25);
    uint64_t b30 = rol(a33 ^ d3, 21);
    uint64_t b43 = rol(a34 ^ d3, 56);
    uint64_t b03 = rol(a40 ^ d4, 27);
    uint64_t b11 = rol(a41 ^ d4, 20);
    uint64_t b24 = rol(a42 ^ d4, 39);
    uint64_t b32 = rol(a43 ^ d4, 8);
    uint64_t b40 = rol(a44 ^ d4, 14);
    // chi: a[x][y] = b[x][y] ^ (~b[x+1][y] & b[x+2][y])
    a00 = b00 ^ (~b10 & b20) ^ kRoundConstants[r];
    a10 = b10 ^ (~b20 & b30);
    a20 = b20 ^ (~b30 & b40);
    a30 = b30 ^ (~b40 & b00);
    a40 = b40 ^ (~b00 & b10);
    a01 = b01 ^ (~b11 & b21);
    a11 = b11 ^ (~b21 & b31);
    a21 = b21 ^ (~b31 & b41);
    a31 = b31 ^ (~b41 & b01);
    a41 = b41 ^ (~b01 & b11);
    a02 = b02 ^ (~b12 & b22);
    a12 = b12 ^ (~b22 & b32);
    a22 = b22 ^ (~b32 & b42);
    a32 = b32 ^ (~b42 & b02);
    a42 = b42 ^ (~b02 & b12);
    a03 = b03 ^ (~b13 & b23);
    a13 = b13 ^ (~b23 & b33);
    a23 = b23 ^ (~b33 & b43);
    a33 = b33 ^ (~b43 & b03);
    a43 = b43 ^ (~b03 & b13);
    a04 = b04 ^ (~b14 & b24);
    a14 = b14 ^ (~b24 & b34);
    a24 = b24 ^ (~b34 & b44);
    a34 = b34 ^ (~b44 & b04);
    a44 = b44 ^ (~b04 & b14);
  }
  s[0] = a00;
  s[1] = a10;
  s[2] = a20;
  s[3] = a30;
  s[4] = a40;
  s[5] = a01;
  s[6] = a11;
  s[7] = a21;
  s[8] = a31;
  s[9] = a41;
  s[10] = a02;
  s[11] = a12;
  s[12] = a22;
  s[13] = a32;
  s[14] = a42;
  s[15] = a03;
  s[16] = a13;
  s[17] = a23;
  s[18] = a33;
  s[19] = a43;
  s[20] = a04;
  s[21] = a14;
  s[22] = a24;
  s[23] = a34;
  s[24] = a44;
}

KeccakSponge::KeccakSponge(size_t rate, uint8_t pad) : rate_(rate), pad_(pad) {
  if (rate == 0 || rate >= 200 || rate % 8 != 0) throw std::invalid_argument("keccak: bad rate");
  reset();
}

KeccakSponge::~KeccakSponge() {
  secure_wipe(s_, sizeof s_);
}

void KeccakSponge::reset() {
  std::memset(s_, 0, sizeof s_);
  pos_ = 0;
  squeezing_ = false;
}

// Lanes are little-endian (x86 and the spec agree), so bytes XOR straight into the state.
static inline uint8_t* state_bytes(uint64_t* s) {
  return reinterpret_cast<uint8_t*>(s);
}

void KeccakSponge::absorb(std::span<const uint8_t> in) {
  if (squeezing_) throw std::logic_error("keccak: absorb after squeeze");
  const uint8_t* p = in.data();
  size_t n = in.size();
  uint8_t* sb = state_bytes(s_);
  if (pos_ == 0) {
    // Whole-block fast path, lane at a time.
    while (n >= rate_) {
      for (size_t i = 0; i < rate_ / 8; ++i) {
        uint64_t lane;
        std::memcpy(&lane, p + 8 * i, 8);
        s_[i] ^= lane;
      }
      keccak_f1600(s_);
      p += rate_;
      n -= rate_;
    }
  }
  while (n > 0) {
    size_t take = rate_ - pos_ < n ? rate_ - pos_ : n;
    for (size_t i = 0; i < take; ++i) sb[pos_ + i] ^= p[i];
    pos_ += take;
    p += take;
    n -= take;
    if (pos_ == rate_) {
      keccak_f1600(s_);
      pos_ = 0;
    }
  }
}

void KeccakSponge::finalize() {
  uint8_t* sb = state_bytes(s_);
  sb[pos_] ^= pad_;
  sb[rate_ - 1] ^= 0x80;
  keccak_f1600(s_);
  pos_ = 0;
  squeezing_ = true;
}

void KeccakSponge::squeeze(std::span<uint8_t> out) {
  if (!squeezing_) finalize();
  uint8_t* o = out.data();
  size_t n = out.size();
  const uint8_t* sb = state_bytes(s_);
  while (n > 0) {
    if (pos_ == rate_) {
      keccak_f1600(s_);
      pos_ = 0;
    }
    size_t take = rate_ - pos_ < n ? rate_ - pos_ : n;
    std::memcpy(o, sb + pos_, take);
    pos_ += take;
    o += take;
    n -= take;
  }
}

void KeccakSponge::squeeze_blocks(uint8_t* out, size_t num_blocks) {
  if (!squeezing_) finalize();
  if (pos_ != 0 && pos_ != rate_) throw std::logic_error("keccak: squeeze_blocks mid-block");
  for (size_t b = 0; b < num_blocks; ++b) {
    if (pos_ == rate_) keccak_f1600(s_);
    std::memcpy(out + b * rate_, state_bytes(s_), rate_);
    pos_ = rate_;
  }
}

}  // namespace v100::hash
