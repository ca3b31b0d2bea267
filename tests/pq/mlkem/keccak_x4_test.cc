// The 4-way Keccak kernels (hash/keccak_x4.h, used by ML-KEM's matrix and noise expansion) against
// the scalar Keccak-f[1600], and ShakeX4 against OpenSSL's SHAKE128/256. Lives here because ML-KEM
// is its first user; it tests only hash/ code.
#include "hash/keccak_x4.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <tuple>

#include "core/cpu.h"
#include "core/rng.h"
#include "hash/keccak.h"

namespace v100::hash {
namespace {

void random_state(KeccakX4State& s) {
  random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&s), sizeof s));
}

void expect_matches_scalar(void (*kernel)(KeccakX4State&)) {
  for (int iter = 0; iter < 20; ++iter) {
    KeccakX4State s;
    random_state(s);
    uint64_t ref[4][25];
    for (int j = 0; j < 4; ++j)
      for (int i = 0; i < 25; ++i) ref[j][i] = s.lanes[i][j];
    kernel(s);
    for (int j = 0; j < 4; ++j) {
      keccak_f1600(ref[j]);
      for (int i = 0; i < 25; ++i) ASSERT_EQ(s.lanes[i][j], ref[j][i]) << "lane " << i << " state " << j;
    }
  }
}

TEST(KeccakX4, PortableMatchesScalar) {
  expect_matches_scalar(detail::keccak_f1600_x4_portable);
}

TEST(KeccakX4, Avx2MatchesScalar) {
  if (!cpu::detected().avx2) GTEST_SKIP() << "no AVX2";
  expect_matches_scalar(detail::keccak_f1600_x4_avx2);
}

TEST(KeccakX4, Avx512MatchesScalar) {
  if (!cpu::detected().avx512vl) GTEST_SKIP() << "no AVX-512VL";
  expect_matches_scalar(detail::keccak_f1600_x4_avx512vl);
}

Bytes openssl_shake(const EVP_MD* md, ByteSpan in, size_t n) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, in.data(), in.size());
  Bytes out(n);
  EVP_DigestFinalXOF(ctx, out.data(), n);
  EVP_MD_CTX_free(ctx);
  return out;
}

TEST(ShakeX4, MatchesOpenSslAtBlockBoundaries) {
  for (bool portable : {true, false}) {
    cpu::force_portable(portable);
    for (size_t rate : {size_t{168}, size_t{136}}) {
      const EVP_MD* md = rate == 168 ? EVP_shake128() : EVP_shake256();
      for (size_t len : {size_t{0}, size_t{33}, size_t{34}, rate - 1, rate, rate + 1, 2 * rate + 5}) {
        Bytes in[4];
        const uint8_t* ins[4];
        Bytes out[4];
        uint8_t* outs[4];
        for (int j = 0; j < 4; ++j) {
          in[j] = random_bytes(len);
          ins[j] = in[j].data();
          out[j].resize(3 * rate);
          outs[j] = out[j].data();
        }
        ShakeX4 x(rate);
        x.absorb_once(ins, len);
        x.squeeze_blocks(outs, 2);
        for (int j = 0; j < 4; ++j) outs[j] += 2 * rate;
        x.squeeze_blocks(outs, 1);
        for (int j = 0; j < 4; ++j)
          EXPECT_EQ(out[j], openssl_shake(md, in[j], 3 * rate)) << rate << " " << len << " " << j;
      }
    }
  }
  cpu::force_portable(false);
}

TEST(ShakeX4, Sha3PaddingMatchesOpenSsl) {
  for (bool portable : {true, false}) {
    cpu::force_portable(portable);
    for (size_t len : {size_t{0}, size_t{33}, size_t{64}, size_t{71}, size_t{72}, size_t{135}, size_t{136},
                       size_t{1184}}) {
      Bytes in = random_bytes(len);
      const uint8_t* ins[4] = {in.data(), in.data(), in.data(), in.data()};
      for (auto [rate, name, digest] : {std::tuple{size_t{136}, "SHA3-256", size_t{32}},
                                        std::tuple{size_t{72}, "SHA3-512", size_t{64}}}) {
        ShakeX4 x(rate, 0x06);
        x.absorb_once(ins, len);
        Bytes block(rate);
        uint8_t* outs[4] = {block.data(), nullptr, nullptr, nullptr};
        x.squeeze_blocks(outs, 1);
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
        Bytes ref(64);
        unsigned n = 0;
        EVP_DigestInit_ex(ctx, md, nullptr);
        EVP_DigestUpdate(ctx, in.data(), in.size());
        EVP_DigestFinal_ex(ctx, ref.data(), &n);
        EVP_MD_free(md);
        EVP_MD_CTX_free(ctx);
        ASSERT_EQ(n, digest);
        EXPECT_EQ(Bytes(block.begin(), block.begin() + static_cast<long>(digest)),
                  Bytes(ref.begin(), ref.begin() + n))
            << name << " " << len;
      }
    }
  }
  cpu::force_portable(false);
}

}  // namespace
}  // namespace v100::hash
