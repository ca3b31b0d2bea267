// fhe/common: parameter checks and the security table, Galois automorphisms (NTT vs coefficient
// definitions), key switching at every level against a direct computation, the samplers, and the
// serialization framing.
#include <gtest/gtest.h>

#include <cmath>

#include "fhe/common/context.h"
#include "fhe/common/galois.h"
#include "fhe/common/keys.h"
#include "fhe/common/keyswitch.h"
#include "fhe/common/prg.h"
#include "fhe/common/serialize.h"
#include "math/poly.h"
#include "math/primes.h"

namespace v100::fhe {
namespace {

RlweParams small_params(size_t n = 4096) {
  RlweParams p;
  p.name = "common-test-" + std::to_string(n);
  p.scheme = Scheme::kCkks;
  p.n = n;
  p.q = math::generate_ntt_primes(26, n, 3);
  p.p = math::generate_ntt_primes(30, n, 1);
  return p;
}

// Centered value of residue j of poly (coefficient form) at i.
int64_t centered(const RlweContext& c, const RnsPoly& p, size_t j, size_t i) {
  uint64_t q = c.modulus(j).value(), v = p.residue(j)[i];
  return v > q / 2 ? static_cast<int64_t>(v) - static_cast<int64_t>(q) : static_cast<int64_t>(v);
}

TEST(FheParams, SecurityTableAndStructure) {
  EXPECT_EQ(max_log_q_128(4096), 109);
  EXPECT_EQ(max_log_q_128(8192), 218);
  EXPECT_EQ(max_log_q_128(16384), 438);
  RlweParams p = small_params();
  EXPECT_TRUE(check_params(p).is_ok());
  RlweParams big = p;
  big.q = math::generate_ntt_primes(40, 4096, 3);  // 120 + 30 bits > 109
  Status s = check_params(big);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("128-bit"), std::string::npos);
  big.insecure_test_only = true;
  EXPECT_FALSE(check_params(big).is_ok());  // needs the test-only name
  big.name = std::string(kInsecureTestPrefix) + "big";
  EXPECT_TRUE(check_params(big).is_ok());
  RlweParams bad = p;
  bad.q[1] = bad.q[0];
  EXPECT_FALSE(check_params(bad).is_ok());  // repeated prime
  bad = p;
  bad.q[0] += 2;  // not prime or not ≡ 1 mod 2N
  EXPECT_FALSE(check_params(bad).is_ok());
  bad = p;
  bad.n = 3000;
  EXPECT_FALSE(check_params(bad).is_ok());
  RlweParams other = p;
  other.name += "x";
  EXPECT_NE(param_id(p), param_id(other));
  EXPECT_EQ(param_id(p), param_id(small_params()));
}

TEST(FheGalois, NttPermutationMatchesCoefficientDefinition) {
  auto ctx = *RlweContext::create(small_params(1024 * 4));
  const size_t n = ctx->n();
  Prg prg(Prg::Kind::kAes256Ctr, std::vector<uint8_t>(32, 9), "test");
  RnsPoly a = ctx->make_poly(2, true, false);
  for (size_t r = 0; r < a.num_residues(); ++r)
    sample_uniform_mod(a.residue(r), n, ctx->modulus_of(a, r), prg);
  for (uint32_t g :
       {galois_elt_for_step(1, n), galois_elt_for_step(-3, n), galois_elt_row_swap(n), uint32_t{5}}) {
    // Coefficient definition, written out: X^i -> (-1)^floor(i g / N) X^(i g mod N).
    RnsPoly want = ctx->make_poly(2, true, false);
    for (size_t r = 0; r < a.num_residues(); ++r) {
      const uint64_t q = ctx->modulus_of(a, r).value();
      for (size_t i = 0; i < n; ++i) {
        uint64_t e = (static_cast<uint64_t>(i) * g) % (2 * n);
        uint64_t v = a.residue(r)[i];
        if (e < n)
          want.residue(r)[e] = v;
        else
          want.residue(r)[e - n] = v ? q - v : 0;
      }
    }
    RnsPoly got_coeff, ntt_in = a, got_ntt;
    apply_galois(*ctx, a, g, got_coeff);
    EXPECT_EQ(got_coeff.data(), want.data());
    ctx->to_ntt(ntt_in);
    apply_galois(*ctx, ntt_in, g, got_ntt);
    ctx->from_ntt(got_ntt);
    EXPECT_EQ(got_ntt.data(), want.data()) << "g = " << g;
    // Block structure (math::permute's vector path relies on it for speed): every aligned block of
    // 8 NTT slots comes from one aligned block.
    const auto& perm = ctx->galois_ntt_permutation(g);
    for (size_t b = 0; b < n; b += 8) {
      for (size_t t = 1; t < 8; ++t)
        ASSERT_EQ(perm[b + t] / 8, perm[b] / 8) << "g = " << g << " block " << b / 8;
    }
  }
  EXPECT_EQ(galois_elt_for_step(0, n), 1u);
  EXPECT_EQ(galois_elt_for_step(static_cast<int>(n / 2), n), 1u);
}

TEST(FheKeySwitch, EveryLevelAndHoistedGaloisAgreeWithDirectProduct) {
  auto ctx = *RlweContext::create(small_params());
  const size_t n = ctx->n();
  uint8_t seed[32] = {42};
  KeyGenerator kg(ctx, seed);
  const RnsPoly& s = kg.secret_key().s_ntt();
  // s_from: another ternary secret (from a second generator), switched to s.
  uint8_t seed2[32] = {43};
  KeyGenerator kg2(ctx, seed2);
  const RnsPoly& s_from = kg2.secret_key().s_ntt();
  KSwitchKey key = kg.make_kswitch_key(s_from, 77);
  const uint32_t g = galois_elt_for_step(1, n);
  GaloisKeys gk = kg.galois_keys(std::vector<uint32_t>{g});
  Prg prg(Prg::Kind::kAes256Ctr, std::vector<uint8_t>(32, 1), "ks");
  for (size_t nq = ctx->num_q(); nq >= 1; --nq) {
    RnsPoly c = ctx->make_poly(nq, false, true);
    for (size_t j = 0; j < nq; ++j) sample_uniform_mod(c.residue(j), n, ctx->modulus(j), prg);
    RnsPoly k0, k1;
    key_switch(*ctx, c, key, k0, k1);
    // err = k0 + k1 s - c s_from, must be small and consistent across residues.
    RnsPoly err = ctx->make_poly(nq, false, true);
    std::vector<uint64_t> tmp(n);
    for (size_t j = 0; j < nq; ++j) {
      const auto& m = ctx->modulus(j);
      math::poly_mul(err.residue(j), k1.residue(j), s.residue(j), n, m);
      math::poly_add(err.residue(j), err.residue(j), k0.residue(j), n, m);
      math::poly_mul(tmp.data(), c.residue(j), s_from.residue(j), n, m);
      math::poly_sub(err.residue(j), err.residue(j), tmp.data(), n, m);
    }
    ctx->from_ntt(err);
    int64_t worst = 0;
    for (size_t i = 0; i < n; ++i) {
      int64_t v0 = centered(*ctx, err, 0, i);
      for (size_t j = 1; j < nq; ++j) ASSERT_EQ(centered(*ctx, err, j, i), v0);
      worst = std::max<int64_t>(worst, std::llabs(v0));
    }
    // Analytic: |sum_i d_i e_i| / P + rounding <= nq * N * q_max * 21 / P + N.
    EXPECT_LT(static_cast<double>(worst), nq * n * 21.0 * std::pow(2.0, 26) / std::pow(2.0, 29) + n) << nq;

    // Hoisted Galois: ks_apply(decompose(c), g) == key switch of phi_g(c) under the Galois key.
    KeySwitchDecomposition d = ks_decompose(*ctx, c);
    RnsPoly h0, h1, d0, d1, cg;
    ks_apply(*ctx, d, gk.at(g), g, h0, h1);
    apply_galois(*ctx, c, g, cg);
    key_switch(*ctx, cg, gk.at(g), d0, d1);
    // Both are valid switches of phi_g(c) from s(X^g) to s; their difference is small noise.
    RnsPoly sg;
    apply_galois(*ctx, s, g, sg);
    RnsPoly e2 = ctx->make_poly(nq, false, true);
    for (size_t j = 0; j < nq; ++j) {
      const auto& m = ctx->modulus(j);
      math::poly_mul(e2.residue(j), h1.residue(j), s.residue(j), n, m);
      math::poly_add(e2.residue(j), e2.residue(j), h0.residue(j), n, m);
      math::poly_mul(tmp.data(), cg.residue(j), sg.residue(j), n, m);
      math::poly_sub(e2.residue(j), e2.residue(j), tmp.data(), n, m);
    }
    ctx->from_ntt(e2);
    worst = 0;
    for (size_t i = 0; i < n; ++i) worst = std::max<int64_t>(worst, std::llabs(centered(*ctx, e2, 0, i)));
    EXPECT_LT(static_cast<double>(worst), nq * n * 21.0 * 2 + n);
  }
}

TEST(FheKeys, DeterministicFromSeedAndSerializedSeeded) {
  auto ctx = *RlweContext::create(small_params());
  uint8_t seed[32] = {7};
  KeyGenerator a(ctx, seed), b(ctx, seed);
  EXPECT_EQ(serialize_public_key(*ctx, a.public_key()), serialize_public_key(*ctx, b.public_key()));
  EXPECT_EQ(serialize_relin_keys(*ctx, a.relin_keys()), serialize_relin_keys(*ctx, b.relin_keys()));
  Bytes pk = serialize_public_key(*ctx, a.public_key());
  // Seeded: b only (3 residues of 26 bits) + 32-byte seed + header.
  EXPECT_LT(pk.size(), ctx->n() * 3 * 26 / 8 + 128);
  EXPECT_THROW(KeyGenerator(ctx, std::vector<uint8_t>(31)), std::invalid_argument);
}

TEST(FheSerialize, FramingErrors) {
  auto ctx = *RlweContext::create(small_params());
  auto other = *RlweContext::create([] {
    auto p = small_params();
    p.name = "other";
    return p;
  }());
  uint8_t seed[32] = {8};
  KeyGenerator kg(ctx, seed);
  Bytes pk = serialize_public_key(*ctx, kg.public_key());
  EXPECT_TRUE(deserialize_public_key(*ctx, pk).is_ok());
  auto wrong = deserialize_public_key(*other, pk);
  EXPECT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.message().find("parameter id"), std::string::npos);
  Bytes bad = pk;
  bad[0] = 'X';
  EXPECT_NE(deserialize_public_key(*ctx, bad).message().find("magic"), std::string::npos);
  bad = pk;
  bad[4] = 9;
  EXPECT_NE(deserialize_public_key(*ctx, bad).message().find("version"), std::string::npos);
  bad = pk;
  bad[5] = static_cast<uint8_t>(ObjectKind::kCiphertext);
  EXPECT_FALSE(deserialize_public_key(*ctx, bad).is_ok());
  for (size_t cut = 0; cut < pk.size(); cut += pk.size() / 17 + 1) {
    EXPECT_FALSE(deserialize_public_key(*ctx, ByteSpan(pk.data(), cut)).is_ok());
  }
}

TEST(FhePrg, DeterministicAndDistributions) {
  std::vector<uint8_t> seed(32, 3);
  Prg a(Prg::Kind::kShake256, seed, "x"), b(Prg::Kind::kShake256, seed, "x"),
      c(Prg::Kind::kShake256, seed, "y");
  EXPECT_EQ(a.next_u64(), b.next_u64());
  EXPECT_NE(b.next_u64(), c.next_u64());
  Prg p(Prg::Kind::kAes256Ctr, seed, "dist");
  const size_t n = 1 << 16;
  std::vector<int8_t> v(n);
  sample_ternary(v.data(), n, p);
  int counts[3] = {};
  for (int8_t x : v) {
    ASSERT_GE(x, -1);
    ASSERT_LE(x, 1);
    counts[x + 1]++;
  }
  for (int cnt : counts) EXPECT_NEAR(cnt, n / 3.0, 5 * std::sqrt(n * 2.0 / 9));
  sample_cbd21(v.data(), n, p);
  double sum = 0, sq = 0;
  for (int8_t x : v) {
    ASSERT_LE(std::abs(x), kCbdBound);
    sum += x;
    sq += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.1);
  EXPECT_NEAR(sq / n, kCbdVariance, 0.3);
  math::Modulus q(math::generate_ntt_primes(36, 4096, 1)[0]);
  std::vector<uint64_t> u(n);
  sample_uniform_mod(u.data(), n, q, p);
  uint64_t top = 0;
  for (uint64_t x : u) {
    ASSERT_LT(x, q.value());
    top += x > q.value() / 2;
  }
  EXPECT_NEAR(static_cast<double>(top), n / 2.0, 5 * std::sqrt(n / 4.0));
}

}  // namespace
}  // namespace v100::fhe
