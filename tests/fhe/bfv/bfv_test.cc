// BFV: every evaluator op against a slot-wise plaintext model mod t, for each named set given to
// the binary (fast sets here; bfv-16384 in bfv_slow_test).
#include <gtest/gtest.h>

#include <cmath>

#include "bfv_test_util.h"
#include "fhe/common/serialize.h"
#include "math/primes.h"

namespace v100::fhe::bfv::testing {
namespace {

std::vector<std::string> sets_under_test() {
#ifdef V100_BFV_SLOW_SETS
  return {"bfv-16384"};
#else
  return {"bfv-meeting-4096", "bfv-8192"};
#endif
}

class BfvOps : public ::testing::TestWithParam<std::string> {
 protected:
  Env& e() { return env(GetParam()); }
  std::vector<uint64_t> dec(const Ciphertext& ct) { return e().enc->decode(e().dec->decrypt(ct)); }
  Ciphertext enc_pk(const std::vector<uint64_t>& v) { return e().encryptor->encrypt(e().enc->encode(v)); }
  Ciphertext enc_sk(const std::vector<uint64_t>& v) { return e().sym->encrypt(e().enc->encode(v)); }
};

TEST_P(BfvOps, EncryptDecryptPublicAndSecretKey) {
  TestRng rng(1);
  for (int rep = 0; rep < 3; ++rep) {
    auto v = rng.vec(e().n, e().t);
    EXPECT_EQ(dec(enc_pk(v)), v);
    EXPECT_EQ(dec(enc_sk(v)), v);
  }
}

TEST_P(BfvOps, FreshNoiseWithinAnalyticBound) {
  // Invariant noise |[t (c0 + c1 s)]_Q| <= t * (|e| + t) with |e| <= 21 for symmetric encryption and
  // |e0 + e1 s + e u| <= 21 (1 + 2N) for public-key encryption (u, s ternary; CBD bound 21).
  TestRng rng(2);
  double logq = 0;
  for (size_t j = 0; j < e().ctx->num_q(); ++j)
    logq += std::log2(static_cast<double>(e().ctx->rlwe().modulus(j).value()));
  const double t = static_cast<double>(e().t);
  const double bound_sk = std::floor(logq - std::log2(t * (21 + t)) - 1) - 1;
  const double bound_pk = std::floor(logq - std::log2(t * (21.0 * (2 * e().n + 1) + t)) - 1) - 1;
  for (int rep = 0; rep < 3; ++rep) {
    auto v = rng.vec(e().n, e().t);
    EXPECT_GE(e().dec->invariant_noise_budget(enc_sk(v)), bound_sk);
    EXPECT_GE(e().dec->invariant_noise_budget(enc_pk(v)), bound_pk);
  }
}

TEST_P(BfvOps, AddSubNegateCtCtAndCtPt) {
  TestRng rng(3);
  const uint64_t t = e().t;
  auto a = rng.vec(e().n, t), b = rng.vec(e().n, t);
  Ciphertext ca = enc_pk(a), cb = enc_sk(b), out;
  std::vector<uint64_t> m(e().n);
  e().ev->add(ca, cb, out);
  for (size_t i = 0; i < e().n; ++i) m[i] = (a[i] + b[i]) % t;
  EXPECT_EQ(dec(out), m);
  e().ev->sub(ca, cb, out);
  for (size_t i = 0; i < e().n; ++i) m[i] = (a[i] + t - b[i]) % t;
  EXPECT_EQ(dec(out), m);
  e().ev->negate(ca, out);
  for (size_t i = 0; i < e().n; ++i) m[i] = (t - a[i]) % t;
  EXPECT_EQ(dec(out), m);
  Plaintext pb = e().enc->encode(b);
  e().ev->add_plain(ca, pb, out);
  for (size_t i = 0; i < e().n; ++i) m[i] = (a[i] + b[i]) % t;
  EXPECT_EQ(dec(out), m);
  e().ev->sub_plain(ca, pb, out);
  for (size_t i = 0; i < e().n; ++i) m[i] = (a[i] + t - b[i]) % t;
  EXPECT_EQ(dec(out), m);
  // Mixed domains: a coefficient-form operand.
  Ciphertext cc = cb;
  e().ev->from_ntt_inplace(cc);
  e().ev->add_inplace(cc, ca);
  for (size_t i = 0; i < e().n; ++i) m[i] = (a[i] + b[i]) % t;
  EXPECT_EQ(dec(cc), m);
}

TEST_P(BfvOps, MultiplyPlainReusablePrepared) {
  TestRng rng(4);
  const uint64_t t = e().t;
  auto p = rng.vec(e().n, t);
  PlaintextNtt pn = e().ev->transform_plain(e().enc->encode(p));
  for (int rep = 0; rep < 2; ++rep) {
    auto a = rng.vec(e().n, t);
    Ciphertext out;
    e().ev->multiply_plain(enc_pk(a), pn, out);
    std::vector<uint64_t> m(e().n);
    for (size_t i = 0; i < e().n; ++i)
      m[i] = static_cast<uint64_t>((static_cast<unsigned __int128>(a[i]) * p[i]) % t);
    EXPECT_EQ(dec(out), m);
    EXPECT_GT(e().dec->invariant_noise_budget(out), 0);
  }
}

TEST_P(BfvOps, MultiplyRelinearizeSquare) {
  TestRng rng(5);
  const uint64_t t = e().t;
  auto a = rng.vec(e().n, t), b = rng.vec(e().n, t);
  Ciphertext ca = enc_pk(a), cb = enc_sk(b), prod, rel;
  e().ev->multiply(ca, cb, prod);
  ASSERT_EQ(prod.size(), 3u);
  std::vector<uint64_t> m(e().n);
  for (size_t i = 0; i < e().n; ++i) m[i] = a[i] * b[i] % t;
  EXPECT_EQ(dec(prod), m);  // size-3 decryption
  e().ev->relinearize(prod, e().rk, rel);
  ASSERT_EQ(rel.size(), 2u);
  EXPECT_EQ(dec(rel), m);
  EXPECT_GT(e().dec->invariant_noise_budget(rel), 0);
  Ciphertext sq;
  e().ev->square(ca, sq);
  e().ev->relinearize_inplace(sq, e().rk);
  for (size_t i = 0; i < e().n; ++i) m[i] = a[i] * a[i] % t;
  EXPECT_EQ(dec(sq), m);
}

TEST_P(BfvOps, RotateRowsColumnsAndHoisted) {
  TestRng rng(6);
  auto a = rng.vec(e().n, e().t);
  Ciphertext ca = enc_sk(a), out;
  for (int step : {1, 3, -1, -7}) {
    e().ev->rotate_rows(ca, step, e().gk, out);
    EXPECT_EQ(dec(out), rotate_model(a, step)) << "step " << step;
  }
  e().ev->rotate_columns(ca, e().gk, out);
  std::vector<uint64_t> sw(e().n);
  const size_t half = e().n / 2;
  for (size_t i = 0; i < e().n; ++i) sw[i] = a[(i + half) % e().n];
  EXPECT_EQ(dec(out), sw);
  const int steps[] = {1, 2, 5, -7};
  auto many = e().ev->rotate_rows_many(ca, steps, e().gk);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(dec(many[i]), rotate_model(a, steps[i])) << "hoisted step " << steps[i];
  EXPECT_THROW(e().ev->rotate_rows(ca, 11, e().gk, out), std::invalid_argument);  // no key
}

TEST_P(BfvOps, SumSlotsAndInnerProducts) {
  TestRng rng(7);
  const uint64_t t = e().t;
  auto a = rng.vec(e().n, t), b = rng.vec(e().n, t);
  Ciphertext ca = enc_pk(a), cb = enc_pk(b), out;
  uint64_t sum = 0, ip = 0;
  for (size_t i = 0; i < e().n; ++i) {
    sum = (sum + a[i]) % t;
    ip = (ip + a[i] * b[i]) % t;
  }
  e().ev->sum_slots(ca, e().gk, out);
  EXPECT_EQ(dec(out), std::vector<uint64_t>(e().n, sum));
  e().ev->inner_product(ca, cb, e().rk, e().gk, out);
  EXPECT_EQ(dec(out), std::vector<uint64_t>(e().n, ip));
  e().ev->inner_product_plain(ca, e().ev->transform_plain(e().enc->encode(b)), e().gk, out);
  EXPECT_EQ(dec(out), std::vector<uint64_t>(e().n, ip));
}

TEST_P(BfvOps, ModulusSwitchingKeepsMessageAndShrinks) {
  TestRng rng(8);
  auto a = rng.vec(e().n, e().t);
  Ciphertext ca = enc_pk(a);
  const size_t before = serialize_ciphertext(e().ctx->rlwe(), ca).size();
  Ciphertext sw;
  e().ev->mod_switch_to_next(ca, sw);
  EXPECT_EQ(sw.num_q(), ca.num_q() - 1);
  EXPECT_EQ(dec(sw), a);
  EXPECT_LT(serialize_ciphertext(e().ctx->rlwe(), sw).size(), before);
  Ciphertext coeff = ca;
  e().ev->from_ntt_inplace(coeff);
  Ciphertext coeff_out;  // out of place, coefficient form: the same ciphertext as in place
  e().ev->mod_switch_to_next(coeff, coeff_out);
  e().ev->mod_switch_to_next(coeff, coeff_out);  // reuses the output's buffers
  e().ev->mod_switch_to_inplace(coeff, coeff.num_q() - 1);
  for (size_t p = 0; p < coeff.size(); ++p) EXPECT_EQ(coeff_out.polys[p].data(), coeff.polys[p].data());
  EXPECT_EQ(dec(coeff_out), a);
  e().ev->mod_switch_to_inplace(coeff, 1);
  EXPECT_EQ(dec(coeff), a);
  // Ops still work at the lower level (key switching on a prefix of the chain).
  if (sw.num_q() >= 1) {
    Ciphertext r;
    e().ev->rotate_rows(sw, 1, e().gk, r);
    EXPECT_EQ(dec(r), rotate_model(a, 1));
  }
}

TEST_P(BfvOps, ChainUntilBudgetSpent) {
  // Repeated squaring with relinearization: the decryption matches the model while the budget is
  // positive; the budget decreases monotonically.
  TestRng rng(9);
  const uint64_t t = e().t;
  auto a = rng.vec(e().n, t);
  Ciphertext c = enc_pk(a);
  int prev = e().dec->invariant_noise_budget(c);
  int verified = 0;
  for (int depth = 1; depth <= 16; ++depth) {
    e().ev->square_inplace(c);
    e().ev->relinearize_inplace(c, e().rk);
    for (auto& x : a) x = x * x % t;
    int budget = e().dec->invariant_noise_budget(c);
    EXPECT_LE(budget, prev);
    prev = budget;
    std::printf("[ info ] %s depth %d budget %d\n", GetParam().c_str(), depth, budget);
    if (budget <= 0) break;
    EXPECT_EQ(dec(c), a) << "depth " << depth << " budget " << budget;
    ++verified;
  }
  EXPECT_GE(verified, 1);
}

TEST_P(BfvOps, CiphertextSerializationRoundTripAndRejection) {
  TestRng rng(10);
  auto a = rng.vec(e().n, e().t);
  const RlweContext& r = e().ctx->rlwe();
  Ciphertext seeded = enc_sk(a), full = enc_pk(a);
  Bytes s1 = serialize_ciphertext(r, seeded), s2 = serialize_ciphertext(r, full);
  EXPECT_LT(s1.size() * 10, s2.size() * 6);  // seeded form is about half
  for (const Bytes* s : {&s1, &s2}) {
    auto back = deserialize_ciphertext(r, *s);
    ASSERT_TRUE(back.is_ok()) << back.message();
    EXPECT_EQ(dec(*back), a);
    EXPECT_EQ(serialize_ciphertext(r, *back), *s);
    // Truncation at every prefix length class is rejected.
    for (size_t cut : {size_t{0}, size_t{3}, size_t{14}, s->size() / 2, s->size() - 1}) {
      EXPECT_FALSE(deserialize_ciphertext(r, ByteSpan(s->data(), cut)).is_ok());
    }
    Bytes extra = *s;
    extra.push_back(0);
    EXPECT_FALSE(deserialize_ciphertext(r, extra).is_ok());
  }
  // Wrong parameter id.
  Bytes bad = s2;
  bad[6] ^= 1;
  auto r1 = deserialize_ciphertext(r, bad);
  EXPECT_FALSE(r1.is_ok());
  EXPECT_NE(r1.message().find("parameter id"), std::string::npos);
  // Out-of-range coefficient: set the first packed value of c0 to all ones (>= q_0).
  bad = s2;
  const size_t first = 4 + 1 + 1 + 8 + 1 + 1 + 8 + 3;
  for (size_t i = 0; i < 8; ++i) bad[first + i] = 0xff;
  auto r2 = deserialize_ciphertext(r, bad);
  EXPECT_FALSE(r2.is_ok());
  EXPECT_NE(r2.message().find("out of range"), std::string::npos);
  // Wrong residue count.
  bad = s2;
  bad[first - 3] = 0;
  EXPECT_FALSE(deserialize_ciphertext(r, bad).is_ok());
  bad[first - 3] = 99;
  EXPECT_FALSE(deserialize_ciphertext(r, bad).is_ok());
}

TEST_P(BfvOps, KeySerializationRoundTrip) {
  const RlweContext& r = e().ctx->rlwe();
  Bytes pk = serialize_public_key(r, e().pk);
  auto pk2 = deserialize_public_key(r, pk);
  ASSERT_TRUE(pk2.is_ok()) << pk2.message();
  EXPECT_EQ(pk2->a.data(), e().pk.a.data());
  EXPECT_EQ(pk2->b.data(), e().pk.b.data());
  Bytes rk = serialize_relin_keys(r, e().rk);
  auto rk2 = deserialize_relin_keys(r, rk);
  ASSERT_TRUE(rk2.is_ok()) << rk2.message();
  EXPECT_EQ(serialize_relin_keys(r, *rk2), rk);
  GaloisKeys small;
  small.param_id = e().gk.param_id;
  small.keys.emplace(galois_elt_for_step(1, e().n), e().gk.at(galois_elt_for_step(1, e().n)));
  Bytes gk = serialize_galois_keys(r, small);
  auto gk2 = deserialize_galois_keys(r, gk);
  ASSERT_TRUE(gk2.is_ok()) << gk2.message();
  // A rotation with the reloaded key is correct.
  TestRng rng(11);
  auto a = rng.vec(e().n, e().t);
  Ciphertext out;
  e().ev->rotate_rows(enc_sk(a), 1, *gk2, out);
  EXPECT_EQ(dec(out), rotate_model(a, 1));
  for (size_t cut : {size_t{5}, pk.size() - 1})
    EXPECT_FALSE(deserialize_public_key(r, ByteSpan(pk.data(), cut)).is_ok());
  EXPECT_FALSE(deserialize_relin_keys(r, ByteSpan(rk.data(), rk.size() - 1)).is_ok());
  EXPECT_FALSE(deserialize_galois_keys(r, ByteSpan(gk.data(), gk.size() - 7)).is_ok());
  EXPECT_FALSE(deserialize_public_key(r, rk).is_ok());  // wrong kind
}

TEST_P(BfvOps, SeededKeyGenerationReproducibleAndDistinct) {
  uint8_t s1[32] = {1}, s2[32] = {2};
  KeyGenerator g1(e().ctx->rlwe_ptr(), s1), g1b(e().ctx->rlwe_ptr(), s1), g2(e().ctx->rlwe_ptr(), s2);
  const RlweContext& r = e().ctx->rlwe();
  EXPECT_EQ(serialize_public_key(r, g1.public_key()), serialize_public_key(r, g1b.public_key()));
  EXPECT_NE(serialize_public_key(r, g1.public_key()), serialize_public_key(r, g2.public_key()));
  EXPECT_EQ(g1.secret_key().s_ntt().data(), g1b.secret_key().s_ntt().data());
  EXPECT_NE(g1.secret_key().s_ntt().data(), g2.secret_key().s_ntt().data());
  // A key from seed 1 decrypts what another holder of seed 1 encrypted.
  Encryptor enc1(e().ctx, g1.public_key());
  Decryptor dec1b(e().ctx, g1b.secret_key());
  TestRng rng(12);
  auto a = rng.vec(e().n, e().t);
  EXPECT_EQ(e().enc->decode(dec1b.decrypt(enc1.encrypt(e().enc->encode(a)))), a);
}

TEST_P(BfvOps, DerandomizedSymmetricEncryptionIsReproducibleAndDecrypts) {
  // encrypt(pt, randomness): the web client's cross-check with the native client needs equal bytes.
  const uint8_t r1[32] = {1}, r2[32] = {2};
  TestRng rng(13);
  auto v = rng.vec(e().n, e().t);
  const auto pt = e().enc->encode(v);
  const RlweContext& r = e().ctx->rlwe();
  const Bytes a = serialize_ciphertext(r, e().sym->encrypt(pt, r1));
  EXPECT_EQ(a, serialize_ciphertext(r, e().sym->encrypt(pt, r1)));
  EXPECT_NE(a, serialize_ciphertext(r, e().sym->encrypt(pt, r2)));
  auto back = deserialize_ciphertext(r, a);
  ASSERT_TRUE(back) << back.message();
  EXPECT_EQ(dec(*back), v);
  EXPECT_EQ(dec(e().sym->encrypt(pt, r2)), v);
}

INSTANTIATE_TEST_SUITE_P(Sets, BfvOps, ::testing::ValuesIn(sets_under_test()));

#ifndef V100_BFV_SLOW_SETS
TEST(BfvParams, SecurityTableRefusal) {
  for (auto name : named_sets()) {
    auto p = named_params(name);
    ASSERT_TRUE(p.is_ok());
    if (p->insecure_test_only) continue;
    EXPECT_LE(total_log_q(*p), max_log_q_128(p->n)) << name;
  }
  auto p = named_params("bfv-meeting-4096");
  RlweParams big = *p;
  big.name = "too-big";
  big.p.push_back(math::generate_ntt_primes(30, big.n, 1)[0]);  // 139 bits > 109
  auto c = BfvContext::create(big);
  EXPECT_FALSE(c.is_ok());
  EXPECT_NE(c.message().find("128-bit"), std::string::npos);
  big.insecure_test_only = true;  // flag without the test-only name is still refused
  EXPECT_FALSE(BfvContext::create(big).is_ok());
  big.name = "insecure-test-big";
  EXPECT_TRUE(BfvContext::create(big).is_ok());
  EXPECT_TRUE(BfvContext::create("insecure-test-bfv-1024").is_ok());
  EXPECT_FALSE(BfvContext::create("no-such-set").is_ok());
}

TEST(BfvEncoders, CoefficientAndBatchRoundTrip) {
  Env& e = env("bfv-meeting-4096");
  TestRng rng(13);
  auto v = rng.vec(e.n, e.t);
  EXPECT_EQ(e.enc->decode(e.enc->encode(v)), v);
  CoefficientEncoder ce(e.ctx);
  EXPECT_EQ(ce.decode(ce.encode(v)), v);
  // Coefficient packing multiplies as negacyclic polynomials: X * X^(N-1) = -1.
  std::vector<uint64_t> x1(e.n, 0), xn(e.n, 0);
  x1[1] = 1;
  xn[e.n - 1] = 5;
  Ciphertext c = e.sym->encrypt(ce.encode(x1)), out;
  e.ev->multiply_plain(c, ce.encode(xn), out);
  auto m = ce.decode(e.dec->decrypt(out));
  EXPECT_EQ(m[0], e.t - 5);
}
#endif

}  // namespace
}  // namespace v100::fhe::bfv::testing
