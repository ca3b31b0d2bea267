#include "math/sampler.h"

#include <cstring>
#include <vector>

#include "core/rng.h"
#include "core/secure.h"

namespace v100::math {

void OsRandomSource::fill(std::span<uint8_t> out) { random_bytes(out); }

XofRandomSource::XofRandomSource(std::span<const uint8_t> seed, std::string_view label) {
  uint8_t len[8];
  uint64_t l = label.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(l >> (8 * i));
  xof_.absorb(len);
  xof_.absorb(as_bytes(label));
  xof_.absorb(seed);
}

void XofRandomSource::fill(std::span<uint8_t> out) { xof_.squeeze(out); }

namespace {

constexpr size_t kChunk = 2048;  // bytes drawn from the source at a time

// Buffered reader over a RandomSource; wipes its buffer when done (it held secret randomness).
class ByteStream {
 public:
  explicit ByteStream(RandomSource& rng) : rng_(rng) {}
  ~ByteStream() { secure_wipe(buf_, sizeof buf_); }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  uint64_t u64() {
    if (pos_ + 8 > kChunk) refill();
    uint64_t v;
    std::memcpy(&v, buf_ + pos_, 8);
    pos_ += 8;
    return v;
  }
  uint8_t u8() {
    if (pos_ + 1 > kChunk) refill();
    return buf_[pos_++];
  }
  // 6 bytes little-endian.
  uint64_t u48() {
    if (pos_ + 6 > kChunk) refill();
    uint64_t v = 0;
    std::memcpy(&v, buf_ + pos_, 6);
    pos_ += 6;
    return v;
  }

 private:
  void refill() {
    rng_.fill(std::span<uint8_t>(buf_, kChunk));
    pos_ = 0;
  }
  RandomSource& rng_;
  uint8_t buf_[kChunk];
  size_t pos_ = kChunk;
};

void uniform_mod(uint64_t* out, size_t n, const Modulus& q, ByteStream& bs) {
  const uint64_t mask = q.bit_count() == 64 ? ~uint64_t{0} : (uint64_t{1} << q.bit_count()) - 1;
  const uint64_t qv = q.value();
  // Rejection reveals only how many draws were discarded, never an accepted value.
  for (size_t i = 0; i < n; ++i) {
    uint64_t v;
    do {
      v = bs.u64() & mask;
    } while (v >= qv);
    out[i] = v;
  }
}

// Branch-free popcount of a 64-bit word (no lookup tables: safe on secret data).
inline uint64_t popcount_ct(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return (x * 0x0101010101010101ULL) >> 56;
}

}  // namespace

void sample_uniform(uint64_t* out, size_t n, const RnsBase& base, RandomSource& rng) {
  ByteStream bs(rng);
  for (size_t j = 0; j < base.size(); ++j) uniform_mod(out + j * n, n, base[j], bs);
}

void sample_uniform(uint64_t* out, size_t n, const Modulus& q, RandomSource& rng) {
  ByteStream bs(rng);
  uniform_mod(out, n, q, bs);
}

void sample_ternary(int8_t* out, size_t n, RandomSource& rng) {
  ByteStream bs(rng);
  for (size_t i = 0; i < n; ++i) {
    uint32_t b;
    do {
      b = bs.u8();
    } while (b == 255);  // 255 = 3 * 85: the remaining 255 values split evenly mod 3
    // b mod 3 without a division instruction: floor(b * 171 / 512) = floor(b / 3) for b < 256.
    uint32_t r = b - 3 * ((b * 171) >> 9);
    out[i] = static_cast<int8_t>(static_cast<int32_t>(r) - 1);
  }
}

void sample_cbd(int8_t* out, size_t n, RandomSource& rng) {
  ByteStream bs(rng);
  constexpr uint64_t kMask21 = (uint64_t{1} << kCbdEta) - 1;
  for (size_t i = 0; i < n; ++i) {
    uint64_t w = bs.u48();
    int64_t a = static_cast<int64_t>(popcount_ct(w & kMask21));
    int64_t b = static_cast<int64_t>(popcount_ct((w >> kCbdEta) & kMask21));
    out[i] = static_cast<int8_t>(a - b);
  }
}

void signed_to_rns(uint64_t* out, const int8_t* in, size_t n, const RnsBase& base) {
  for (size_t j = 0; j < base.size(); ++j) {
    const uint64_t q = base[j].value();
    uint64_t* dst = out + j * n;
    if (q <= 128) {
      // Tiny (test-only) moduli: |v| may exceed q; the generic path reduces first. Branch on public q.
      for (size_t i = 0; i < n; ++i) {
        int64_t v = in[i];
        signed_to_rns(dst + i, &v, 1, RnsBase({base[j]}));
      }
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      int64_t v = in[i];
      uint64_t neg = 0 - (static_cast<uint64_t>(v) >> 63);  // all ones iff v < 0
      dst[i] = static_cast<uint64_t>(v) + (q & neg);
    }
  }
}

void signed_to_rns(uint64_t* out, const int64_t* in, size_t n, const RnsBase& base) {
  for (size_t j = 0; j < base.size(); ++j) {
    const Modulus& q = base[j];
    uint64_t* dst = out + j * n;
    for (size_t i = 0; i < n; ++i) {
      int64_t v = in[i];
      uint64_t neg = 0 - (static_cast<uint64_t>(v) >> 63);
      // |v| mod q, then negate when v < 0 (both branch-free).
      uint64_t mag = (static_cast<uint64_t>(v) ^ neg) - neg;
      uint64_t r = reduce(mag, q);
      uint64_t nr = neg_mod(r, q);
      dst[i] = (r & ~neg) | (nr & neg);
    }
  }
}

}  // namespace v100::math
