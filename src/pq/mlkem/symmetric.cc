// The hash functions of FIPS 203 §4.1: H = SHA3-256, G = SHA3-512, J = SHAKE256 with 32-byte
// output. With AVX-512VL one 4-way Keccak permutation costs less than one scalar permutation, so
// these single sponges run on lane 0 of the 4-way kernel there; elsewhere on the scalar sponge.
// Both give the FIPS 202 result (tests compare against the ACVP vectors on every path).
#include <cstring>

#include "core/cpu.h"
#include "hash/keccak_x4.h"
#include "hash/sha3.h"
#include "pq/mlkem/internal.h"

namespace v100::pq::mlkem::internal {
namespace {

constexpr uint8_t kSha3Pad = 0x06;
constexpr uint8_t kShakePad = 0x1f;

// One sponge on lane 0 of the 4-way kernel (the other lanes are left unused); writes the first
// out_len (<= rate) bytes of output.
void sponge_lane0(uint8_t* out, size_t out_len, size_t rate, uint8_t pad, const uint8_t* in, size_t in_len) {
  hash::ShakeX4 x(rate, pad);
  const uint8_t* ins[4] = {in, nullptr, nullptr, nullptr};
  x.absorb_once(ins, in_len, /*live_lanes=*/1);
  alignas(32) uint8_t block[200];
  uint8_t* outs[4] = {block, nullptr, nullptr, nullptr};
  x.squeeze_blocks(outs, 1);
  std::memcpy(out, block, out_len);
  wipe(block, sizeof block);
}

bool use_x4() {
  return cpu::active().avx512vl;
}

}  // namespace

void hash_h(uint8_t out[32], std::span<const uint8_t> in) {
  if (use_x4()) return sponge_lane0(out, 32, hash::kSha3_256Rate, kSha3Pad, in.data(), in.size());
  auto d = hash::sha3_256(in);
  std::memcpy(out, d.data(), 32);
}

void hash_g(uint8_t out1[32], uint8_t out2[32], std::span<const uint8_t> a, std::span<const uint8_t> b) {
  // Inputs are d || k (33 bytes) or m || H(ek) (64 bytes).
  uint8_t buf[64];
  uint8_t d[64];
  WipeScope<uint8_t[64]> wipe_buf(buf), wipe_d(d);
  if (a.size() + b.size() > sizeof buf) throw std::logic_error("mlkem: G input too long");
  std::memcpy(buf, a.data(), a.size());
  if (!b.empty()) std::memcpy(buf + a.size(), b.data(), b.size());
  if (use_x4()) {
    sponge_lane0(d, 64, hash::kSha3_512Rate, kSha3Pad, buf, a.size() + b.size());
  } else {
    auto h = hash::sha3_512(std::span<const uint8_t>(buf, a.size() + b.size()));
    std::memcpy(d, h.data(), 64);
    wipe(h.data(), h.size());
  }
  std::memcpy(out1, d, 32);
  std::memcpy(out2, d + 32, 32);
}

void hash_j(uint8_t out[32], const uint8_t z[32], std::span<const uint8_t> c) {
  if (!use_x4()) {
    hash::Shake256 j;
    j.absorb(std::span<const uint8_t>(z, 32));
    j.absorb(c);
    j.squeeze(std::span<uint8_t>(out, 32));
    return;
  }
  // z || c, at most 32 + 1568 bytes (ML-KEM-1024).
  uint8_t buf[32 + 1568];
  WipeScope<uint8_t[32 + 1568]> wipe_buf(buf);
  if (c.size() > 1568) throw std::logic_error("mlkem: J input too long");
  std::memcpy(buf, z, 32);
  std::memcpy(buf + 32, c.data(), c.size());
  sponge_lane0(out, 32, hash::kShake256Rate, kShakePad, buf, 32 + c.size());
}

}  // namespace v100::pq::mlkem::internal
