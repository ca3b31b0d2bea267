#include "math/sampler.h"

// AES-256-CTR: OpenSSL's EVP in the native build; in the WebAssembly build (no OpenSSL) the host's
// AES (WebCrypto) through core/host_aes.h, which gives the same keystream.
#if V100_NO_OPENSSL
#include "core/host_aes.h"
#else
#include <openssl/evp.h>
#endif

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "core/secure.h"

namespace v100::math {

#if V100_NO_OPENSSL
namespace {
// The stream state without OpenSSL: the key and the number of keystream bytes consumed.
struct HostCtr {
  std::array<uint8_t, 32> key;
  uint64_t offset = 0;
  ~HostCtr() { secure_wipe(key.data(), key.size()); }
};
}  // namespace

AesCtrStream::AesCtrStream(std::span<const uint8_t, 32> key) : ctx_(new HostCtr{}) {
  std::memcpy(static_cast<HostCtr*>(ctx_)->key.data(), key.data(), 32);
}

AesCtrStream::~AesCtrStream() {
  delete static_cast<HostCtr*>(ctx_);
}

AesCtrStream::AesCtrStream(const AesCtrStream& other)
    : ctx_(new HostCtr(*static_cast<const HostCtr*>(other.ctx_))) {}

AesCtrStream& AesCtrStream::operator=(const AesCtrStream& other) {
  if (this != &other) {
    AesCtrStream tmp(other);
    std::swap(ctx_, tmp.ctx_);
  }
  return *this;
}

AesCtrStream::AesCtrStream(AesCtrStream&& other) noexcept : ctx_(other.ctx_) {
  other.ctx_ = nullptr;
}

AesCtrStream& AesCtrStream::operator=(AesCtrStream&& other) noexcept {
  std::swap(ctx_, other.ctx_);
  return *this;
}

void AesCtrStream::fill(std::span<uint8_t> out) {
  if (ctx_ == nullptr) throw std::logic_error("AesCtrStream: used after move");
  auto* h = static_cast<HostCtr*>(ctx_);
  host_aes::keystream(h->key.data(), h->offset, out.data(), out.size());
  h->offset += out.size();
}

#else
AesCtrStream::AesCtrStream(std::span<const uint8_t, 32> key) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  static const uint8_t kZeroIv[16] = {};
  if (c == nullptr || EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), nullptr, key.data(), kZeroIv) != 1) {
    // No safe way to continue without the stream (same policy as random_bytes).
    std::abort();
  }
  ctx_ = c;
}

AesCtrStream::~AesCtrStream() {
  EVP_CIPHER_CTX_free(static_cast<EVP_CIPHER_CTX*>(ctx_));
}  // cleanses the key

AesCtrStream::AesCtrStream(const AesCtrStream& other) : ctx_(EVP_CIPHER_CTX_new()) {
  if (ctx_ == nullptr || EVP_CIPHER_CTX_copy(static_cast<EVP_CIPHER_CTX*>(ctx_),
                                             static_cast<const EVP_CIPHER_CTX*>(other.ctx_)) != 1)
    std::abort();
}

AesCtrStream& AesCtrStream::operator=(const AesCtrStream& other) {
  if (this != &other) {
    AesCtrStream tmp(other);
    std::swap(ctx_, tmp.ctx_);
  }
  return *this;
}

AesCtrStream::AesCtrStream(AesCtrStream&& other) noexcept : ctx_(other.ctx_) {
  other.ctx_ = nullptr;
}

AesCtrStream& AesCtrStream::operator=(AesCtrStream&& other) noexcept {
  std::swap(ctx_, other.ctx_);
  return *this;
}

void AesCtrStream::fill(std::span<uint8_t> out) {
  if (ctx_ == nullptr) throw std::logic_error("AesCtrStream: used after move");
  // Keystream = encryption of zeros; EVP_EncryptUpdate allows in-place operation.
  std::memset(out.data(), 0, out.size());
  size_t done = 0;
  while (done < out.size()) {
    int chunk = static_cast<int>(std::min<size_t>(out.size() - done, size_t{1} << 30));
    int len = 0;
    if (EVP_EncryptUpdate(static_cast<EVP_CIPHER_CTX*>(ctx_), out.data() + done, &len, out.data() + done,
                          chunk) != 1)
      std::abort();
    done += static_cast<size_t>(chunk);
  }
}

#endif

namespace {

std::array<uint8_t, 32> os_key() {
  std::array<uint8_t, 32> k;
  random_bytes(k);
  return k;
}

std::array<uint8_t, 32> derive_key(std::span<const uint8_t> seed, std::string_view label) {
  hash::Shake256 x;
  uint8_t len[8];
  uint64_t l = label.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(l >> (8 * i));
  x.absorb(len);
  x.absorb(as_bytes(label));
  x.absorb(seed);
  std::array<uint8_t, 32> k;
  x.squeeze(k);
  return k;
}

// Builds the stream from a temporary key and wipes the temporary.
struct KeyHolder {
  std::array<uint8_t, 32> key;
  ~KeyHolder() { secure_wipe(key.data(), key.size()); }
};

}  // namespace

OsRandomSource::OsRandomSource() : stream_(KeyHolder{os_key()}.key) {}

void OsRandomSource::fill(std::span<uint8_t> out) {
  stream_.fill(out);
}

XofRandomSource::XofRandomSource(std::span<const uint8_t> seed, std::string_view label)
    : stream_(KeyHolder{derive_key(seed, label)}.key) {}

void XofRandomSource::fill(std::span<uint8_t> out) {
  stream_.fill(out);
}

ShakeRandomSource::ShakeRandomSource(std::span<const uint8_t> seed, std::string_view label) {
  uint8_t len[8];
  uint64_t l = label.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(l >> (8 * i));
  xof_.absorb(len);
  xof_.absorb(as_bytes(label));
  xof_.absorb(seed);
}

void ShakeRandomSource::fill(std::span<uint8_t> out) {
  xof_.squeeze(out);
}

namespace {

constexpr size_t kChunk = 2048;  // bytes drawn from the source at a time

// Buffered reader over a RandomSource; wipes its buffer when done (it held secret randomness).
class ByteStream {
 public:
  explicit ByteStream(RandomSource& rng) : rng_(rng) {}
  ~ByteStream() { secure_wipe(buf_, sizeof buf_); }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // `bytes` (1..8) bytes, little-endian (x86-64 only target).
  // Reads a full 8-byte word (the buffer has 8 bytes of slack) and masks it: a variable-length
  // copy into a stack word would stall on store forwarding.
  uint64_t bytes(size_t bytes) {
    if (pos_ + bytes > kChunk) refill();
    uint64_t v;
    std::memcpy(&v, buf_ + pos_, 8);
    pos_ += bytes;
    return bytes == 8 ? v : v & ((uint64_t{1} << (8 * bytes)) - 1);
  }
  uint8_t u8() {
    if (pos_ + 1 > kChunk) refill();
    return buf_[pos_++];
  }
  // 6 bytes little-endian.
  uint64_t u48() { return bytes(6); }

 private:
  void refill() {
    rng_.fill(std::span<uint8_t>(buf_, kChunk));
    pos_ = 0;
  }
  RandomSource& rng_;
  uint8_t buf_[kChunk + 8] = {};
  size_t pos_ = kChunk;
};

void uniform_mod(uint64_t* out, size_t n, const Modulus& q, ByteStream& bs) {
  const uint64_t mask = (uint64_t{1} << q.bit_count()) - 1;  // bit_count <= 61
  const size_t nbytes = (static_cast<size_t>(q.bit_count()) + 7) / 8;
  const uint64_t qv = q.value();
  // Candidates of ceil(bits/8) bytes masked to the bit size of q; accepted iff < q (probability
  // > 1/2, ~1 for NTT primes just below a power of two). Rejection reveals only how many draws
  // were discarded, never an accepted value.
  for (size_t i = 0; i < n; ++i) {
    uint64_t v;
    do {
      v = bs.bytes(nbytes) & mask;
    } while (v >= qv);
    out[i] = v;
  }
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
    // Both 21-bit halves in one word (a in bytes 0-3, b in bytes 4-7), one SWAR byte count, then
    // the multiply-by-0x0101.. prefix sum gives count(a) in byte 3 and count(a) + count(b) in byte 7.
    uint64_t x = (w & kMask21) | (((w >> kCbdEta) & kMask21) << 32);
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    uint64_t sums = x * 0x0101010101010101ULL;
    int64_t a = static_cast<int64_t>((sums >> 24) & 0xff);
    int64_t total = static_cast<int64_t>(sums >> 56);
    out[i] = static_cast<int8_t>(2 * a - total);
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
