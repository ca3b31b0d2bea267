#include "hash/keccak_x4.h"

#include <cstring>
#include <stdexcept>

#include "core/cpu.h"
#include "hash/keccak.h"

namespace v100::hash {
namespace {

// Zeroes transient state. The empty asm that takes the pointer and clobbers memory keeps the
// memset from being dropped as a dead store; inlined, it costs a few vector stores instead of an
// OPENSSL_cleanse call per block (these sponges run dozens of times per ML-KEM operation).
inline void wipe(void* p, size_t n) {
  std::memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

}  // namespace

namespace detail {
void keccak_f1600_x4_portable(KeccakX4State& s) {
  for (int j = 0; j < 4; ++j) {
    uint64_t st[25];
    for (int i = 0; i < 25; ++i) st[i] = s.lanes[i][j];
    keccak_f1600(st);
    for (int i = 0; i < 25; ++i) s.lanes[i][j] = st[i];
    wipe(st, sizeof st);
  }
}
}  // namespace detail

void keccak_f1600_x4(KeccakX4State& s) {
  const auto& f = cpu::active();
  if (f.avx512vl) return detail::keccak_f1600_x4_avx512vl(s);
  if (f.avx2) return detail::keccak_f1600_x4_avx2(s);
  detail::keccak_f1600_x4_portable(s);
}

ShakeX4::ShakeX4(size_t rate, uint8_t pad) : rate_(rate), pad_(pad) {
  if (rate == 0 || rate >= 200 || rate % 8 != 0) throw std::invalid_argument("ShakeX4: bad rate");
  std::memset(&s_, 0, sizeof s_);
}

ShakeX4::~ShakeX4() {
  wipe(&s_, sizeof s_);
}

void ShakeX4::absorb_once(const uint8_t* const in[4], size_t len, int live_lanes) {
  if (absorbed_) throw std::logic_error("ShakeX4: absorb_once called twice");
  if (live_lanes < 1 || live_lanes > 4) throw std::invalid_argument("ShakeX4: live_lanes must be 1..4");
  absorbed_ = true;
  const size_t lanes_per_block = rate_ / 8;
  size_t off = 0;
  // Whole blocks.
  while (len - off >= rate_) {
    for (size_t i = 0; i < lanes_per_block; ++i)
      for (int j = 0; j < live_lanes; ++j) {
        uint64_t w;
        std::memcpy(&w, in[j] + off + 8 * i, 8);
        s_.lanes[i][j] ^= w;
      }
    keccak_f1600_x4(s_);
    off += rate_;
  }
  // Last partial block plus padding (domain byte ... 0x80), lanes little-endian.
  const size_t rem = len - off;
  for (int j = 0; j < live_lanes; ++j) {
    uint8_t block[200] = {};
    if (rem != 0) std::memcpy(block, in[j] + off, rem);  // in[j] may be null when len == 0
    block[rem] ^= pad_;
    block[rate_ - 1] ^= 0x80;
    for (size_t i = 0; i < lanes_per_block; ++i) {
      uint64_t w;
      std::memcpy(&w, block + 8 * i, 8);
      s_.lanes[i][j] ^= w;
    }
    wipe(block, rate_);
  }
  keccak_f1600_x4(s_);
}

void ShakeX4::squeeze_blocks(uint8_t* const out[4], size_t num_blocks) {
  if (!absorbed_) throw std::logic_error("ShakeX4: squeeze before absorb");
  const size_t lanes_per_block = rate_ / 8;
  for (size_t b = 0; b < num_blocks; ++b) {
    if (!first_block_) keccak_f1600_x4(s_);
    first_block_ = false;
    for (int j = 0; j < 4; ++j) {
      if (out[j] == nullptr) continue;
      for (size_t i = 0; i < lanes_per_block; ++i)
        std::memcpy(out[j] + b * rate_ + 8 * i, &s_.lanes[i][j], 8);
    }
  }
}

}  // namespace v100::hash
