#include "fhe/common/prg.h"

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/cpu.h"
#include "core/rng.h"
#include "core/secure.h"
#include "math/sampler.h"  // AesCtrStream: OpenSSL natively, the host's WebCrypto in WebAssembly

namespace v100::fhe {

namespace {
constexpr size_t kBufSize = 4096;
}

struct Prg::Impl {
  Kind kind;
  hash::Shake256 shake;
  std::optional<math::AesCtrStream> aes;  // kAes256Ctr only
  uint8_t buf[kBufSize];
  size_t pos = kBufSize;
  ~Impl() { secure_wipe(buf, sizeof buf); }
};

Prg::Prg(Kind kind, std::span<const uint8_t> seed, std::string_view label) : impl_(std::make_unique<Impl>()) {
  if (seed.size() != 32) throw std::invalid_argument("Prg: seed must be 32 bytes");
  impl_->kind = kind;
  impl_->shake.absorb(as_bytes(label));
  const uint8_t sep = 0;
  impl_->shake.absorb(std::span<const uint8_t>(&sep, 1));
  impl_->shake.absorb(seed);
  if (kind == Kind::kAes256Ctr) {
    std::array<uint8_t, 32> key;
    impl_->shake.squeeze(key);
    impl_->aes.emplace(key);
    secure_wipe(key.data(), key.size());
  }
}

Prg Prg::fresh() {
  SecretBytes s = random_seed32();
  return Prg(Kind::kAes256Ctr, s.span(), "v100/fhe/fresh");
}

Prg::~Prg() = default;
Prg::Prg(Prg&&) noexcept = default;
Prg& Prg::operator=(Prg&&) noexcept = default;

void Prg::refill() {
  if (impl_->kind == Kind::kShake256) {
    impl_->shake.squeeze(std::span<uint8_t>(impl_->buf, kBufSize));
  } else {
    impl_->aes->fill(std::span<uint8_t>(impl_->buf, kBufSize));  // CTR keystream, zero IV
  }
  impl_->pos = 0;
}

void Prg::fill(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    if (impl_->pos == kBufSize) refill();
    size_t take = std::min(out.size() - done, kBufSize - impl_->pos);
    // The buffer is wiped when the stream is destroyed (and overwritten on refill).
    std::memcpy(out.data() + done, impl_->buf + impl_->pos, take);
    impl_->pos += take;
    done += take;
  }
}

uint64_t Prg::next_u64() {
  uint8_t b[8];
  fill(b);
  uint64_t v;
  std::memcpy(&v, b, 8);
  return v;
}

void sample_uniform_mod(uint64_t* out, size_t n, const math::Modulus& q, Prg& prg) {
  const int bits = q.bit_count();
  const uint64_t mask = bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  const uint64_t qv = q.value();
  uint64_t words[256];
  size_t i = 0;
  while (i < n) {
    prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words), sizeof words));
    for (size_t k = 0; k < 256 && i < n; ++k) {
      uint64_t v = words[k] & mask;
      // Rejection depends only on public randomness (the value of a public uniform polynomial).
      out[i] = v;
      i += v < qv;
    }
  }
  secure_wipe(words, sizeof words);
}

void sample_ternary(int8_t* out, size_t n, Prg& prg) {
  uint8_t bytes[512];
  size_t i = 0;
  while (i < n) {
    prg.fill(bytes);
    for (size_t k = 0; k < sizeof bytes && i < n; ++k) {
      uint32_t b = bytes[k];
      // 255 = 3 * 85: rejecting 255 leaves b uniform in [0, 255), so b mod 3 is uniform. The
      // rejection is independent of the accepted value. Map {0,1,2} -> {0,1,-1} without branches.
      uint32_t r = b - 3 * ((b * 0xAAABu) >> 17);  // b mod 3 for b < 2^16
      out[i] = static_cast<int8_t>(static_cast<int>(r) - 3 * static_cast<int>(r >> 1));
      i += b != 255;
    }
  }
  secure_wipe(bytes, sizeof bytes);
}

namespace {
// Branch-free SWAR population count (the library build targets baseline x86-64, where
// std::popcount becomes a libgcc call); constant time.
inline int popcount64(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
  return static_cast<int>((x * 0x0101010101010101ULL) >> 56);
}
}  // namespace

namespace {
constexpr uint64_t kMask21 = (uint64_t{1} << 21) - 1;

void cbd21_block_portable(int8_t* out, const uint64_t* words, size_t m) {
  for (size_t k = 0; k < m; ++k) {
    out[k] = static_cast<int8_t>(popcount64(words[k] & kMask21) - popcount64((words[k] >> 21) & kMask21));
  }
}

#if V100_CPU_X86
// The POPCNT instruction is constant time; every CPU with AVX2 has it.
__attribute__((target("popcnt"))) void cbd21_block_popcnt(int8_t* out, const uint64_t* words, size_t m) {
  for (size_t k = 0; k < m; ++k) {
    out[k] = static_cast<int8_t>(__builtin_popcountll(words[k] & kMask21) -
                                 __builtin_popcountll((words[k] >> 21) & kMask21));
  }
}
#else
// No x86 POPCNT here (cpu::active().avx2 is constantly false): never called.
void cbd21_block_popcnt(int8_t* out, const uint64_t* words, size_t m) {
  cbd21_block_portable(out, words, m);
}
#endif
}  // namespace

void sample_cbd21(int8_t* out, size_t n, Prg& prg) {
  const bool hw = cpu::active().avx2;
  uint64_t words[256];
  for (size_t i = 0; i < n; i += 256) {
    size_t m = std::min<size_t>(256, n - i);
    prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(words), m * 8));
    if (hw) {
      cbd21_block_popcnt(out + i, words, m);
    } else {
      cbd21_block_portable(out + i, words, m);
    }
  }
  secure_wipe(words, sizeof words);
}

void signed_to_mod(uint64_t* out, const int8_t* in, size_t n, uint64_t q) {
  for (size_t i = 0; i < n; ++i) {
    int64_t v = in[i];
    uint64_t sign = static_cast<uint64_t>(v >> 63);  // all ones if negative
    out[i] = static_cast<uint64_t>(v) + (q & sign);
  }
}

}  // namespace v100::fhe
