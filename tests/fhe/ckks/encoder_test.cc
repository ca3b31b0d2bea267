// Encoder: the special FFT against a direct long-double evaluation of m(zeta^(5^j)) (independent
// model), round trips, encode/decode error bound, and input validation.
#include <gtest/gtest.h>

#include <cmath>

#include "ckks_test_util.h"
#include "fhe/ckks/encoder.h"

using namespace v100::fhe::ckks;
using namespace v100::fhe::ckks::testing;

namespace {

// Direct O(N^2) canonical embedding in long double: slot j = sum_k a_k zeta^(k * 5^j), zeta = e^(i pi / N).
std::vector<std::complex<long double>> naive_embed(const std::vector<double>& a) {
  const size_t n = a.size(), m = 2 * n;
  const long double pi = 3.141592653589793238462643383279502884L;
  std::vector<std::complex<long double>> out(n / 2);
  size_t g = 1;
  for (size_t j = 0; j < n / 2; ++j) {
    std::complex<long double> s = 0;
    for (size_t k = 0; k < n; ++k) {
      size_t e = (k * g) % m;
      long double ang = pi * static_cast<long double>(e) / static_cast<long double>(n);
      s += static_cast<long double>(a[k]) * std::complex<long double>(cosl(ang), sinl(ang));
    }
    out[j] = s;
    g = (g * 5) % m;
  }
  return out;
}

}  // namespace

TEST(CkksFft, MatchesDirectEmbedding) {
  for (size_t n : {16u, 256u, 2048u}) {
    SpecialFft fft(n);
    TestRng rng("fft-direct-" + std::to_string(n));
    std::vector<double> a = rng.reals(n, -1, 1);
    std::vector<std::complex<double>> z(n / 2);
    fft.coeffs_to_slots(z.data(), a.data());
    auto want = naive_embed(a);
    double err = max_error(z, want, n / 2);
    record("fft vs direct embedding N=" + std::to_string(n), err);
    EXPECT_GT(bits(err), 40);
  }
}

TEST(CkksFft, RoundTrip) {
  for (size_t n : {4u, 1024u, 8192u, 16384u}) {
    SpecialFft fft(n);
    TestRng rng("fft-rt-" + std::to_string(n));
    auto z = rng.complexes(n / 2, 1.0);
    std::vector<double> a(n);
    fft.slots_to_coeffs(a.data(), z.data());
    std::vector<std::complex<double>> back(n / 2);
    fft.coeffs_to_slots(back.data(), a.data());
    std::vector<std::complex<long double>> want(z.begin(), z.end());
    double err = max_error(back, want, n / 2);
    record("fft round trip N=" + std::to_string(n), err);
    EXPECT_GT(bits(err), 44);
  }
  EXPECT_THROW(SpecialFft(12), std::invalid_argument);
}

TEST(CkksEncoder, EncodeDecodeErrorBound) {
  for (const char* name : {"ckks-8192", "ckks-16384"}) {
    auto ctx = CkksContext::create(name);
    CkksEncoder enc(ctx);
    TestRng rng(std::string("enc-") + name);
    auto z = rng.complexes(ctx->slot_count(), 8.0);
    for (size_t level : {size_t{0}, ctx->max_level()}) {
      Plaintext pt = enc.encode(z, ctx->params().default_scale(), level);
      auto back = enc.decode(pt);
      double err = max_error(back, std::vector<std::complex<long double>>(z.begin(), z.end()), z.size());
      record(std::string("encode/decode ") + name + " level " + std::to_string(level), err);
      // Rounding each coefficient to an integer moves a slot by at most N/2 * 2^-40 (worst case);
      // the typical max is about sqrt(N) * 2^-41.
      EXPECT_LT(err, static_cast<double>(ctx->n()) * 0.5 * std::ldexp(1.0, -40));
      EXPECT_GT(bits(err), 30);
    }
  }
}

TEST(CkksEncoder, DecodesHugeCoefficients) {
  // Scale 2^150 at the top level of ckks-16384: coefficients beyond 2^127 take the Garner fallback
  // of the fast CRT; scale 2^60 takes the fast path. Both must decode to the encoded values.
  auto ctx = CkksContext::create("ckks-16384");
  CkksEncoder enc(ctx);
  TestRng rng("huge");
  auto z = rng.complexes(ctx->slot_count(), 8.0);
  for (double scale : {0x1p60, 0x1p150}) {
    auto back = enc.decode(enc.encode(z, scale, ctx->max_level()));
    double err = max_error(back, std::vector<std::complex<long double>>(z.begin(), z.end()), z.size());
    EXPECT_GT(bits(err), 40) << scale;
  }
}

TEST(CkksEncoder, ConstantAndPartialVectors) {
  auto ctx = CkksContext::create("insecure-test-ckks-1024");
  CkksEncoder enc(ctx);
  auto c = enc.decode(enc.encode_constant(-3.25, ctx->params().default_scale(), 2));
  for (auto& v : c) EXPECT_NEAR(v.real(), -3.25, 1e-9);
  std::vector<double> few{1.5, -2.5};
  auto d = enc.decode_real(enc.encode(few), 4);
  EXPECT_NEAR(d[0], 1.5, 1e-9);
  EXPECT_NEAR(d[1], -2.5, 1e-9);
  EXPECT_NEAR(d[2], 0, 1e-9);
}

TEST(CkksEncoder, LargeValuesExactResidues) {
  // Values above 2^63 take the mantissa * 2^e path; compare with long double reduction.
  v100::math::Modulus q((uint64_t{1} << 49) - 0x3fff + 0x4000);  // any odd modulus works here
  for (double x : {0x1.8p70, -0x1.234567p90, 12345.0, -1.0, 0.49, -0.51}) {
    uint64_t r = round_to_residue(x, q);
    long double xr = std::nearbyint(static_cast<long double>(x));
    long double m = fmodl(xr, static_cast<long double>(q.value()));
    if (m < 0) m += q.value();
    EXPECT_EQ(r, static_cast<uint64_t>(m)) << x;
  }
}

TEST(CkksEncoder, CoefficientRoundingIsExact) {
  // from_coefficients rounds half to even and reduces exactly, on both the fast (< 2^51) and the
  // general path; to_coefficients must give back exactly the rounded integers.
  auto ctx = CkksContext::create("insecure-test-ckks-1024");
  CkksEncoder enc(ctx);
  TestRng rng("rounding");
  for (double mag : {0x1p20, 0x1p45, 0x1p50, 0x1p60, 0x1p100}) {
    std::vector<double> co(ctx->n());
    for (size_t i = 0; i < co.size(); ++i) {
      double v = std::ldexp(std::floor(rng.uniform(-1, 1) * 0x1p20), static_cast<int>(std::log2(mag)) - 20);
      co[i] = (i % 3 == 0) ? v + 0.5 : (i % 3 == 1 ? -v - 0.5 : v);  // exact halves where representable
    }
    auto back = enc.to_coefficients(enc.from_coefficients(co, 1.0, ctx->max_level()));
    for (size_t i = 0; i < co.size(); ++i) ASSERT_EQ(back[i], std::nearbyint(co[i])) << mag << " " << i;
  }
}

TEST(CkksEncoder, RejectsBadInput) {
  auto ctx = CkksContext::create("insecure-test-ckks-1024");
  CkksEncoder enc(ctx);
  std::vector<double> too_many(ctx->slot_count() + 1, 0.0);
  EXPECT_THROW(enc.encode(too_many), std::invalid_argument);
  std::vector<double> nan{std::nan("")};
  EXPECT_THROW(enc.encode(nan), std::invalid_argument);
  std::vector<double> huge{1e50};
  EXPECT_THROW(enc.encode(huge), std::invalid_argument);
  std::vector<double> ok{1.0};
  EXPECT_THROW(enc.encode(ok, 0.5, 0), std::invalid_argument);
  EXPECT_THROW(enc.encode(ok, 1 << 20, 9), std::invalid_argument);
}
