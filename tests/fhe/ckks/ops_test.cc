// Every CKKS operation against a long-double plaintext model, for one named parameter set
// (CKKS_SET, set by CMake: ckks-8192 here, ckks-16384 in the slow binary). Each check asserts a
// precision floor in bits (-log2 max |error| over all slots) and prints the bits measured.
#include <gtest/gtest.h>

#include <memory>

#include "ckks_test_util.h"
#include "fhe/ckks/analytics.h"
#include "fhe/ckks/encryptor.h"
#include "fhe/ckks/evaluator.h"
#include "fhe/ckks/serialization.h"

using namespace v100::fhe::ckks;
using namespace v100::fhe::ckks::testing;
using CL = std::complex<long double>;

namespace {

struct Env {
  ContextPtr ctx;
  std::unique_ptr<KeyGenerator> kg;
  std::unique_ptr<CkksEncoder> enc;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<Decryptor> dec;
  std::unique_ptr<Evaluator> ev;
  RelinKey rk;
  GaloisKeys gk;
  size_t slots = 0;
};

Env& env() {
  static std::unique_ptr<Env> e;
  if (!e) {
    e = std::make_unique<Env>();
    e->ctx = CkksContext::create(CKKS_SET);
    std::vector<uint8_t> seed(32);
    for (size_t i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(i * 7 + 1);
    e->kg = std::make_unique<KeyGenerator>(e->ctx, seed);
    e->enc = std::make_unique<CkksEncoder>(e->ctx);
    e->encryptor = std::make_unique<Encryptor>(e->ctx, e->kg->public_key());
    e->dec = std::make_unique<Decryptor>(e->ctx, e->kg->secret_key_ref());
    e->ev = std::make_unique<Evaluator>(e->ctx);
    e->rk = e->kg->relin_key();
    // power-of-two keys + conjugation + a few direct steps (and a negative one) for hoisting.
    e->gk = e->kg->galois_keys_power_of_two();
    std::vector<int64_t> extra{3, 5, 7, -1};
    for (auto& [g, k] : e->kg->galois_keys(extra, false).keys) e->gk.keys.emplace(g, std::move(k));
    e->slots = e->ctx->slot_count();
  }
  return *e;
}

std::string tag(const std::string& op) {
  return std::string(CKKS_SET) + " " + op;
}

std::vector<CL> to_model(const std::vector<std::complex<double>>& v) {
  return {v.begin(), v.end()};
}

Ciphertext encrypt(const std::vector<std::complex<double>>& v, size_t level) {
  Env& e = env();
  return e.encryptor->encrypt(e.enc->encode(v, e.ctx->params().default_scale(), level));
}

double check(const Ciphertext& ct, const std::vector<CL>& want, const std::string& what, double min_bits) {
  Env& e = env();
  auto got = e.dec->decrypt_unflooded(ct);
  double err = max_error(got, want, want.size());
  record(tag(what), err);
  EXPECT_GT(bits(err), min_bits) << what;
  return err;
}

}  // namespace

TEST(CkksOps, EncryptDecrypt) {
  Env& e = env();
  TestRng rng(tag("encdec"));
  auto x = rng.complexes(e.slots, 1.0);
  check(encrypt(x, e.ctx->max_level()), to_model(x), "encrypt pk / decrypt (top level)", 20);
  check(encrypt(x, 0), to_model(x), "encrypt pk / decrypt (level 0)", 20);
  SymmetricEncryptor sym(e.ctx, e.kg->secret_key_ref());
  auto sc = sym.encrypt(e.enc->encode(x, e.ctx->params().default_scale(), e.ctx->max_level()));
  check(sc.ct, to_model(x), "encrypt sk (seeded) / decrypt", 20);
}

TEST(CkksOps, AdditiveAndPlainOps) {
  Env& e = env();
  TestRng rng(tag("add"));
  auto x = rng.complexes(e.slots, 1.0), y = rng.complexes(e.slots, 1.0), p = rng.complexes(e.slots, 1.0);
  const size_t L = e.ctx->max_level();
  const double s = e.ctx->params().default_scale();
  Ciphertext cx = encrypt(x, L), cy = encrypt(y, L);
  Plaintext pp = e.enc->encode(p, s, L);
  std::vector<CL> w(e.slots);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) + CL(y[i]);
  check(e.ev->add(cx, cy), w, "add", 19);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) - CL(y[i]);
  check(e.ev->sub(cx, cy), w, "sub", 19);
  for (size_t i = 0; i < e.slots; ++i) w[i] = -CL(x[i]);
  check(e.ev->negate(cx), w, "negate", 20);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) + CL(p[i]);
  check(e.ev->add_plain(cx, pp), w, "add_plain", 20);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) - CL(p[i]);
  check(e.ev->sub_plain(cx, pp), w, "sub_plain", 20);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) + 0.625L;
  check(e.ev->add_const(cx, 0.625), w, "add_const", 20);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) * -3.0L;
  check(e.ev->multiply_const_int(cx, -3), w, "multiply_const_int", 18);
  // Levels: adding a level-L and a level-(L-1) ciphertext works (mod-down), value unchanged.
  Ciphertext low = e.ev->mod_down_to(cy, L - 1);
  EXPECT_EQ(low.level, L - 1);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) + CL(y[i]);
  Ciphertext mixed = e.ev->add(cx, low);
  EXPECT_EQ(mixed.level, L - 1);
  check(mixed, w, "add across levels (mod-down)", 19);
}

TEST(CkksOps, MultiplicativeOps) {
  Env& e = env();
  TestRng rng(tag("mul"));
  auto x = rng.complexes(e.slots, 1.0), y = rng.complexes(e.slots, 1.0), p = rng.complexes(e.slots, 1.0);
  const size_t L = e.ctx->max_level();
  Ciphertext cx = encrypt(x, L), cy = encrypt(y, L);
  std::vector<CL> w(e.slots);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) * CL(y[i]);
  Ciphertext m = e.ev->multiply_relin_rescale(cx, cy, e.rk);
  EXPECT_EQ(m.level, L - 1);
  check(m, w, "multiply + relinearize + rescale", 18);
  // Size-3 ciphertext decrypts too (c2 * s^2).
  check(e.ev->rescale(e.ev->multiply(cx, cy)), w, "multiply (size 3, no relin) + rescale", 16);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) * CL(x[i]);
  check(e.ev->rescale(e.ev->square_relin(cx, e.rk)), w, "square + relin + rescale", 18);
  Plaintext pp = e.enc->encode(p, static_cast<double>(e.ctx->modulus(L).value()), L);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) * CL(p[i]);
  Ciphertext mp = e.ev->rescale(e.ev->multiply_plain(cx, pp));
  EXPECT_DOUBLE_EQ(mp.scale, cx.scale);  // plaintext encoded at q_L: the scale comes back exactly
  check(mp, w, "multiply_plain + rescale", 19);
  for (size_t i = 0; i < e.slots; ++i) w[i] = CL(x[i]) * -1.75L;
  check(e.ev->rescale(e.ev->multiply_const(cx, -1.75)), w, "multiply_const + rescale", 19);
}

TEST(CkksOps, ChainToDepthLimit) {
  Env& e = env();
  TestRng rng(tag("chain"));
  const size_t L = e.ctx->max_level();
  auto x = rng.complexes(e.slots, 1.0);
  Ciphertext acc = encrypt(x, L);
  std::vector<CL> w = to_model(x);
  for (size_t d = 1; d <= L; ++d) {
    auto y = rng.complexes(e.slots, 1.0);
    Ciphertext cy = encrypt(y, L);  // fresh at the top: multiply brings it down to acc's level
    acc = e.ev->multiply_relin_rescale(acc, cy, e.rk);
    for (size_t i = 0; i < e.slots; ++i) w[i] *= CL(y[i]);
    EXPECT_EQ(acc.level, L - d);
    check(acc, w, "chain depth " + std::to_string(d), 16);
  }
  EXPECT_EQ(acc.level, 0u);
  EXPECT_THROW(e.ev->rescale(acc), std::invalid_argument);
  EXPECT_THROW(e.ev->multiply_relin(acc, acc, e.rk), std::invalid_argument);  // scale overflow at level 0
}

TEST(CkksOps, ScaleAndLevelRules) {
  Env& e = env();
  TestRng rng(tag("rules"));
  const size_t L = e.ctx->max_level();
  auto x = rng.complexes(e.slots, 1.0);
  Ciphertext a = encrypt(x, L);
  Ciphertext b = e.ev->multiply_const_int(a, 1);
  b.scale *= 2;  // a different scale
  try {
    (void)e.ev->add(a, b);
    FAIL() << "expected scale mismatch";
  } catch (const std::invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find("scale mismatch"), std::string::npos);
  }
  Plaintext p = e.enc->encode(x, 1 << 20, L);
  EXPECT_THROW(e.ev->add_plain(a, p), std::invalid_argument);
  EXPECT_THROW(e.ev->mod_down_to(e.ev->mod_down_to(a, 0), 1), std::invalid_argument);
  Ciphertext m = e.ev->multiply(a, a);
  EXPECT_THROW(e.ev->multiply(m, a), std::invalid_argument);  // size 3 must be relinearized
  EXPECT_THROW(e.ev->rotate(m, 1, e.gk), std::invalid_argument);
  // Plaintext below the ciphertext level is refused.
  Plaintext low = e.enc->encode(x, e.ctx->params().default_scale(), 0);
  EXPECT_THROW(e.ev->multiply_plain(a, low), std::invalid_argument);
  // Transparent (all-zero, key-free) results are refused.
  EXPECT_THROW(e.ev->multiply_const_int(a, 0), std::invalid_argument);
  EXPECT_THROW(e.ev->multiply_const(a, 0.0), std::invalid_argument);
  std::vector<double> constant{3.0, 0.0};
  EXPECT_THROW(evaluate_polynomial(*e.ev, a, constant, e.rk), std::invalid_argument);
  // Rescale divides the scale by exactly q_L.
  Ciphertext r = e.ev->rescale(e.ev->multiply_relin(a, a, e.rk));
  EXPECT_DOUBLE_EQ(r.scale, a.scale * a.scale / static_cast<double>(e.ctx->modulus(L).value()));
}

TEST(CkksOps, RotationsAndConjugation) {
  Env& e = env();
  TestRng rng(tag("rot"));
  const size_t L = e.ctx->max_level(), n = e.slots;
  auto x = rng.complexes(n, 1.0);
  Ciphertext cx = encrypt(x, L);
  for (int64_t k : std::vector<int64_t>{1, 3, -1, 6, static_cast<int64_t>(n) - 2}) {
    std::vector<CL> w(n);
    for (size_t i = 0; i < n; ++i)
      w[i] = CL(x[(i + static_cast<size_t>((k % static_cast<int64_t>(n) + n))) % n]);
    check(e.ev->rotate(cx, k, e.gk), w, "rotate " + std::to_string(k), 16);
  }
  std::vector<int64_t> steps{1, 3, 5, 7};
  auto rots = e.ev->rotate_hoisted(cx, steps, e.gk);
  ASSERT_EQ(rots.size(), steps.size());
  for (size_t s = 0; s < steps.size(); ++s) {
    std::vector<CL> w(n);
    for (size_t i = 0; i < n; ++i) w[i] = CL(x[(i + static_cast<size_t>(steps[s])) % n]);
    check(rots[s], w, "rotate hoisted " + std::to_string(steps[s]), 16);
  }
  std::vector<CL> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = std::conj(CL(x[i]));
  check(e.ev->conjugate(cx, e.gk), w, "conjugate", 16);
  // Rotation at a lower level.
  Ciphertext low = e.ev->mod_down_to(cx, 0);
  for (size_t i = 0; i < n; ++i) w[i] = CL(x[(i + 1) % n]);
  check(e.ev->rotate(low, 1, e.gk), w, "rotate 1 at level 0", 16);
  GaloisKeys none;
  EXPECT_THROW(e.ev->rotate(cx, 1, none), std::invalid_argument);
  EXPECT_THROW(e.ev->conjugate(cx, none), std::invalid_argument);
}

TEST(CkksOps, SumsInnerProductsAndStatistics) {
  Env& e = env();
  TestRng rng(tag("sum"));
  const size_t L = e.ctx->max_level(), n = e.slots;
  auto x = rng.complexes(n, 1.0), y = rng.complexes(n, 1.0);
  std::vector<double> xr(n), yr(n), wts(n);
  for (size_t i = 0; i < n; ++i) {
    xr[i] = x[i].real();
    yr[i] = y[i].real();
    wts[i] = rng.uniform(0, 1);
  }
  const double s = e.ctx->params().default_scale();
  Ciphertext cx = e.encryptor->encrypt(e.enc->encode(xr, s, L));
  Ciphertext cy = e.encryptor->encrypt(e.enc->encode(yr, s, L));
  long double sum = 0, ip = 0, ws = 0, sq = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += xr[i];
    ip += static_cast<long double>(xr[i]) * yr[i];
    ws += static_cast<long double>(xr[i]) * wts[i];
    sq += static_cast<long double>(xr[i]) * xr[i];
  }
  check(e.ev->sum_slots(cx, e.gk), std::vector<CL>(n, CL(sum)), "sum_slots", 12);
  check(e.ev->inner_product(cx, cy, e.rk, e.gk), std::vector<CL>(n, CL(ip)), "inner_product", 12);
  Plaintext pw = e.enc->encode(wts, static_cast<double>(e.ctx->modulus(L).value()), L);
  Ciphertext ipp = e.ev->inner_product_plain(cx, pw, e.gk);
  ipp.scale = cx.scale;
  check(ipp, std::vector<CL>(n, CL(ws)), "inner_product_plain", 12);
  check(weighted_sum(*e.ev, cx, wts, e.gk), std::vector<CL>(n, CL(ws)), "weighted_sum", 12);
  // mean / variance of the first `count` slots (others zero).
  const size_t count = n / 2 + 3;
  std::vector<double> part(xr.begin(), xr.begin() + static_cast<long>(count));
  Ciphertext cp = e.encryptor->encrypt(e.enc->encode(part, s, L));
  long double mu = 0, m2 = 0;
  for (double v : part) {
    mu += v;
    m2 += static_cast<long double>(v) * v;
  }
  mu /= count;
  m2 /= count;
  check(mean(*e.ev, cp, count, e.gk), std::vector<CL>(n, CL(mu)), "mean", 16);
  check(variance(*e.ev, cp, count, e.rk, e.gk), std::vector<CL>(n, CL(m2 - mu * mu)), "variance", 14);
  // p(x) = 0.5 - 1.25 x + 0.75 x^2 + 0.25 x^3 - 0.5 x^4 (needs 3 levels).
  std::vector<double> c{0.5, -1.25, 0.75, 0.25, -0.5};
  std::vector<CL> w(n);
  for (size_t i = 0; i < n; ++i) {
    long double v = xr[i], pv = 0;
    for (size_t k = c.size(); k-- > 0;) pv = pv * v + c[k];
    w[i] = pv;
  }
  check(evaluate_polynomial(*e.ev, cx, c, e.rk), w, "polynomial degree 4", 14);
  std::vector<double> lin{2.0, 3.0};
  for (size_t i = 0; i < n; ++i) w[i] = 2.0L + 3.0L * xr[i];
  check(evaluate_polynomial(*e.ev, cx, lin, e.rk), w, "polynomial degree 1", 16);
}

TEST(CkksOps, NoiseFloodingIsDefaultAndBounded) {
  Env& e = env();
  TestRng rng(tag("flood"));
  auto x = rng.complexes(e.slots, 1.0);
  std::vector<double> xr(e.slots);
  for (size_t i = 0; i < e.slots; ++i) xr[i] = x[i].real();
  Ciphertext c = e.encryptor->encrypt(e.enc->encode(xr));
  auto raw = e.dec->decrypt_unflooded(c);
  auto a = e.dec->decrypt_values(c, e.slots);  // default: flooded
  auto b = e.dec->decrypt_values(c, e.slots);
  double diff_ab = 0, err = 0, diff_raw = 0;
  for (size_t i = 0; i < e.slots; ++i) {
    diff_ab = std::max(diff_ab, std::abs(a[i] - b[i]));
    diff_raw = std::max(diff_raw, std::abs(a[i] - raw[i].real()));
    err = std::max(err, std::abs(a[i] - xr[i]));
  }
  record(tag("flooded decrypt (16 bits requested)"), err);
  EXPECT_GT(diff_ab, 0);  // fresh noise per decryption
  // Flooding noise dominates the raw decryption noise (raw is ~2^-23 here) ...
  EXPECT_GT(diff_raw, std::ldexp(1.0, -20));
  // ... and keeps about the requested precision (slot std 2^-16; max over N/2 slots < 2^-11).
  EXPECT_LT(err, std::ldexp(1.0, -11));
  EXPECT_THROW(e.dec->decrypt_values(c, e.slots, FloodingOptions{0}), std::invalid_argument);
}

TEST(CkksOps, KeysAreDeterministicFromSeed) {
  Env& e = env();
  std::vector<uint8_t> seed(32);
  for (size_t i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(i * 7 + 1);
  KeyGenerator again(e.ctx, seed);
  EXPECT_EQ(serialize(*e.ctx, again.public_key()), serialize(*e.ctx, e.kg->public_key()));
  seed[0] ^= 1;
  KeyGenerator other(e.ctx, seed);
  EXPECT_NE(serialize(*e.ctx, other.public_key()), serialize(*e.ctx, e.kg->public_key()));
  EXPECT_THROW(KeyGenerator(e.ctx, std::vector<uint8_t>(31)), std::invalid_argument);
}
