// Samplers: ranges, determinism from a seed, crude distribution checks.
#include "math/sampler.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "hash/sha3.h"
#include "math/primes.h"

namespace v100::math {
namespace {

std::vector<uint8_t> seed_of(uint8_t b) {
  return std::vector<uint8_t>(32, b);
}

RnsBase test_base() {
  std::vector<Modulus> m;
  for (uint64_t p : generate_ntt_primes(50, 4096, 2)) m.emplace_back(p);
  m.emplace_back(generate_ntt_primes(30, 4096, 1)[0]);
  m.emplace_back(97);  // small: lots of rejections
  return RnsBase(m);
}

TEST(Sampler, XofIsDeterministicAndSeparated) {
  auto s1 = seed_of(1), s2 = seed_of(2);
  std::vector<uint8_t> a(100), b(100), c(100), d(100);
  XofRandomSource(s1, "label").fill(a);
  XofRandomSource(s1, "label").fill(b);
  XofRandomSource(s2, "label").fill(c);
  XofRandomSource(s1, "other").fill(d);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
  // Copies continue identically; moves carry the position.
  XofRandomSource x0(s1, "label");
  std::vector<uint8_t> h(10), c1(90), c2(90);
  x0.fill(h);
  XofRandomSource x1 = x0;
  x1.fill(c1);
  XofRandomSource x2 = std::move(x0);
  x2.fill(c2);
  EXPECT_EQ(c1, c2);
  EXPECT_TRUE(std::equal(c1.begin(), c1.end(), a.begin() + 10));
  // Incremental squeeze equals one long squeeze.
  XofRandomSource x(s1, "label");
  std::vector<uint8_t> p1(37), p2(63);
  x.fill(p1);
  x.fill(p2);
  p1.insert(p1.end(), p2.begin(), p2.end());
  EXPECT_EQ(p1, a);
}

// The documented constructions, recomputed with the one-shot SHAKE256 and OpenSSL's AES-256-CTR.
TEST(Sampler, SourcesMatchTheirDocumentedConstruction) {
  auto seed = seed_of(9);
  std::string label = "v100/test";
  std::vector<uint8_t> input(8, 0);
  input[0] = static_cast<uint8_t>(label.size());
  input.insert(input.end(), label.begin(), label.end());
  input.insert(input.end(), seed.begin(), seed.end());
  std::vector<uint8_t> shake(300);
  hash::shake256(shake, input);
  std::vector<uint8_t> got(300);
  ShakeRandomSource(seed, label).fill(got);
  EXPECT_EQ(got, shake);

  uint8_t iv[16] = {};
  std::vector<uint8_t> zeros(300, 0), ks(300);
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_EncryptInit_ex(c, EVP_aes_256_ctr(), nullptr, shake.data(), iv), 1);  // key = first 32 bytes
  int len = 0;
  ASSERT_EQ(EVP_EncryptUpdate(c, ks.data(), &len, zeros.data(), 300), 1);
  EVP_CIPHER_CTX_free(c);
  XofRandomSource x(seed, label);
  std::vector<uint8_t> a(100), b(200);
  x.fill(a);
  x.fill(b);
  a.insert(a.end(), b.begin(), b.end());
  EXPECT_EQ(a, ks);

  // Two OS sources differ.
  std::vector<uint8_t> o1(64), o2(64);
  OsRandomSource().fill(o1);
  OsRandomSource().fill(o2);
  EXPECT_NE(o1, o2);
}

TEST(Sampler, UniformRangeDeterminismAndMean) {
  RnsBase base = test_base();
  const size_t n = 8192;
  auto s = seed_of(7);
  std::vector<uint64_t> a(base.size() * n), b(base.size() * n), c(base.size() * n);
  XofRandomSource r1(s, "uniform"), r2(s, "uniform"), r3(seed_of(8), "uniform");
  sample_uniform(a.data(), n, base, r1);
  sample_uniform(b.data(), n, base, r2);
  sample_uniform(c.data(), n, base, r3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (size_t j = 0; j < base.size(); ++j) {
    const double q = static_cast<double>(base[j].value());
    double sum = 0, sq = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t v = a[j * n + i];
      ASSERT_LT(v, base[j].value());
      double x = static_cast<double>(v) / q;
      sum += x;
      sq += x * x;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    EXPECT_NEAR(mean, 0.5, 0.03) << j;  // sd of the mean ~ 0.0032
    EXPECT_NEAR(var, 1.0 / 12, 0.01) << j;
  }
  // Small modulus: every residue appears, none >= 97.
  std::vector<int> hist(97, 0);
  for (size_t i = 0; i < n; ++i) hist[a[3 * n + i]]++;
  for (int h : hist) EXPECT_GT(h, 30);
  // OS source: range only.
  OsRandomSource os;
  sample_uniform(c.data(), n, base, os);
  for (size_t j = 0; j < base.size(); ++j)
    for (size_t i = 0; i < n; ++i) ASSERT_LT(c[j * n + i], base[j].value());
}

TEST(Sampler, TernaryDistribution) {
  const size_t n = 60000;
  std::vector<int8_t> a(n), b(n);
  XofRandomSource r1(seed_of(3), "ternary"), r2(seed_of(3), "ternary");
  sample_ternary(a.data(), n, r1);
  sample_ternary(b.data(), n, r2);
  EXPECT_EQ(a, b);
  int counts[3] = {0, 0, 0};
  for (int8_t v : a) {
    ASSERT_GE(v, -1);
    ASSERT_LE(v, 1);
    counts[v + 1]++;
  }
  for (int c : counts) EXPECT_NEAR(c, n / 3.0, 1000);  // sd ~ 115
  std::vector<int8_t> c(n);
  XofRandomSource r3(seed_of(4), "ternary");
  sample_ternary(c.data(), n, r3);
  EXPECT_NE(a, c);
}

TEST(Sampler, CbdDistribution) {
  const size_t n = 100000;
  std::vector<int8_t> a(n), b(n);
  XofRandomSource r1(seed_of(5), "cbd"), r2(seed_of(5), "cbd");
  sample_cbd(a.data(), n, r1);
  sample_cbd(b.data(), n, r2);
  EXPECT_EQ(a, b);
  double sum = 0, sq = 0;
  int maxabs = 0;
  for (int8_t v : a) {
    ASSERT_GE(v, -kCbdEta);
    ASSERT_LE(v, kCbdEta);
    sum += v;
    sq += v * v;
    maxabs = std::max(maxabs, std::abs(static_cast<int>(v)));
  }
  double mean = sum / n, var = sq / n - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.1);  // sd of mean ~ 0.01
  EXPECT_NEAR(var, 10.5, 0.4);  // sd of variance estimate ~ 0.05
  EXPECT_GE(maxabs, 9);
  OsRandomSource os;
  sample_cbd(b.data(), n, os);
  for (int8_t v : b) ASSERT_LE(std::abs(static_cast<int>(v)), kCbdEta);
}

TEST(Sampler, SignedToRns) {
  RnsBase base = test_base();
  std::vector<int8_t> in = {0, 1, -1, 21, -21, 127, -128};
  const size_t n = in.size();
  std::vector<uint64_t> out(base.size() * n);
  signed_to_rns(out.data(), in.data(), n, base);
  std::vector<int64_t> in64 = {0, 1, -1, INT64_MAX, INT64_MIN + 1, -(int64_t{1} << 62), 123456789012345};
  std::vector<uint64_t> out64(base.size() * n);
  signed_to_rns(out64.data(), in64.data(), n, base);
  for (size_t j = 0; j < base.size(); ++j) {
    const __int128 q = base[j].value();
    for (size_t i = 0; i < n; ++i) {
      __int128 e = in[i] % q;
      if (e < 0) e += q;
      ASSERT_EQ(out[j * n + i], static_cast<uint64_t>(e));
      __int128 e64 = in64[i] % q;
      if (e64 < 0) e64 += q;
      ASSERT_EQ(out64[j * n + i], static_cast<uint64_t>(e64)) << i;
    }
  }
}

}  // namespace
}  // namespace v100::math
