// Encoder: the special FFT against a direct long-double evaluation of m(zeta^(5^j)) (independent
// model), round trips, encode/decode error bound, and input validation.
#include "fhe/ckks/encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "ckks_test_util.h"
#include "core/cpu.h"
#include "math/ntt.h"

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

// Runs f() on the portable path, then (if the CPU has them) on the vector paths.
template <class F>
void on_both_paths(F f) {
  v100::cpu::force_portable(true);
  f(true);
  v100::cpu::force_portable(false);
  f(false);
}

bool same_bits(const void* a, const void* b, size_t bytes) {
  return std::memcmp(a, b, bytes) == 0;
}

// Multi-precision unsigned integers (little-endian 64-bit words): just enough to build the CRT
// model of a centered coefficient independently of the encoder.
using Big = std::vector<uint64_t>;
using u128 = unsigned __int128;

Big big_mul_small(const Big& a, uint64_t m) {
  Big out(a.size() + 1, 0);
  u128 carry = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    u128 t = static_cast<u128>(a[i]) * m + carry;
    out[i] = static_cast<uint64_t>(t);
    carry = t >> 64;
  }
  out[a.size()] = static_cast<uint64_t>(carry);
  return out;
}
Big big_shr1(const Big& a) {
  Big out(a.size(), 0);
  for (size_t i = 0; i < a.size(); ++i) {
    out[i] = (a[i] >> 1) | (i + 1 < a.size() ? a[i + 1] << 63 : 0);
  }
  return out;
}
Big big_sub_small(Big a, uint64_t s) {  // a >= s
  for (size_t i = 0; i < a.size() && s; ++i) {
    uint64_t before = a[i];
    a[i] -= s;
    s = before < s ? 1 : 0;
  }
  return a;
}
uint64_t big_mod_small(const Big& a, uint64_t q) {
  u128 r = 0;
  for (size_t i = a.size(); i-- > 0;) r = ((r << 64) | a[i]) % q;
  return static_cast<uint64_t>(r);
}
bool big_less_equal(const Big& a, const Big& b) {
  for (size_t i = std::max(a.size(), b.size()); i-- > 0;) {
    const uint64_t ai = i < a.size() ? a[i] : 0, bi = i < b.size() ? b[i] : 0;
    if (ai != bi) return ai < bi;
  }
  return true;
}
long double big_to_long_double(const Big& a) {
  long double v = 0;
  for (size_t i = a.size(); i-- > 0;) v = v * 0x1p64L + static_cast<long double>(a[i]);
  return v;
}
Big big_add_small(Big a, uint64_t s) {
  a.push_back(0);
  for (size_t i = 0; i < a.size() && s; ++i) {
    a[i] += s;
    s = a[i] < s ? 1 : 0;
  }
  return a;
}
Big pow2_plus(int e, int64_t d) {  // 2^e + d for a small d (|d| < 2^e)
  Big a(e / 64 + 1, 0);
  a[e / 64] = uint64_t{1} << (e % 64);
  return d >= 0 ? big_add_small(a, static_cast<uint64_t>(d)) : big_sub_small(a, static_cast<uint64_t>(-d));
}

}  // namespace

TEST(CkksFft, VectorPathMatchesPortableBitForBit) {
  for (size_t n : {128u, 256u, 4096u, 8192u, 16384u, 65536u}) {
    SpecialFft fft(n);
    TestRng rng("fft-paths-" + std::to_string(n));
    std::vector<double> a = rng.reals(n, -1e6, 1e6);
    auto z = rng.complexes(n / 2, 3.0);
    std::vector<std::complex<double>> slots[2];
    std::vector<double> coeffs[2];
    on_both_paths([&](bool portable) {
      slots[portable].resize(n / 2);
      coeffs[portable].resize(n);
      fft.coeffs_to_slots(slots[portable].data(), a.data(), 0x1p-20);
      fft.slots_to_coeffs(coeffs[portable].data(), z.data(), 0x1p40);
    });
    EXPECT_TRUE(same_bits(slots[0].data(), slots[1].data(), n / 2 * sizeof(slots[0][0]))) << n;
    EXPECT_TRUE(same_bits(coeffs[0].data(), coeffs[1].data(), n * sizeof(double))) << n;
  }
}

TEST(CkksFft, PartialAndRealSlotsMatchZeroPaddedComplex) {
  // Fewer than N/2 slots means zeros in the rest; real slots mean zero imaginary parts. Both
  // entry points must give exactly the full complex transform of the padded input, on both paths.
  for (size_t n : {64u, 1024u, 8192u}) {
    SpecialFft fft(n);
    TestRng rng("fft-partial-" + std::to_string(n));
    const std::vector<double> re = rng.reals(n / 2, -5, 5);
    for (size_t count : {size_t{0}, size_t{1}, n / 4 + 3, n / 2}) {
      on_both_paths([&](bool portable) {
        std::vector<std::complex<double>> padded(n / 2), part(count);
        for (size_t j = 0; j < count; ++j) padded[j] = part[j] = {re[j], -re[n / 2 - 1 - j]};
        std::vector<double> want(n), got(n);
        fft.slots_to_coeffs(want.data(), padded.data(), 3.0);
        fft.slots_to_coeffs(got.data(), part, 3.0);
        EXPECT_TRUE(same_bits(want.data(), got.data(), n * sizeof(double))) << n << " " << count << portable;
        for (size_t j = 0; j < count; ++j) padded[j] = {re[j], 0.0};
        fft.slots_to_coeffs(want.data(), padded.data(), 3.0);
        fft.real_slots_to_coeffs(got.data(), std::span<const double>(re.data(), count), 3.0);
        EXPECT_TRUE(same_bits(want.data(), got.data(), n * sizeof(double))) << n << " " << count << portable;
      });
    }
    std::vector<double> too_many(n / 2 + 1), out(n);
    EXPECT_THROW(fft.real_slots_to_coeffs(out.data(), too_many, 1.0), std::invalid_argument);
  }
}

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

TEST(CkksEncoder, DecodeMatchesCrtModelAtEveryLevel) {
  // Centered coefficients of chosen magnitudes (around the fast path's 2^62 limit, the 2^127 limit
  // of the wide path, the edge +-floor(Q/2) where the overflow estimate is closest to a tie, and
  // uniform ones) written as residues from a multi-precision model, decoded on both paths:
  // bit-identical results, equal to the model (exactly below 2^53, else within 2^-50 relative).
  for (const char* name : {"insecure-test-ckks-1024", "ckks-8192", "ckks-16384"}) {
    auto ctx = CkksContext::create(name);
    CkksEncoder enc(ctx);
    const size_t n = ctx->n();
    TestRng rng(std::string("crt-model-") + name);
    for (size_t l = 0; l <= ctx->max_level(); ++l) {
      Big q_all{1};
      for (size_t i = 0; i <= l; ++i) q_all = big_mul_small(q_all, ctx->modulus(i).value());
      const Big half = big_shr1(q_all);  // Q is odd: the centered range is [-half, half]
      size_t half_bits = 64 * half.size();
      while (half_bits > 0 && !((half[(half_bits - 1) / 64] >> ((half_bits - 1) % 64)) & 1)) --half_bits;
      std::vector<Big> mags;
      for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{12345}, (uint64_t{1} << 40) + 17})
        mags.push_back(Big{v});
      for (int e : {52, 53, 61, 62, 63, 64, 65, 100, 126, 127, 128, 129, 200, 300}) {
        for (int64_t d : {-1, 0, 1, 12345}) {
          Big m = pow2_plus(e, d);
          if (big_less_equal(m, half)) mags.push_back(m);
        }
      }
      for (uint64_t d : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 40}) mags.push_back(big_sub_small(half, d));
      Plaintext pt;
      pt.n = n;
      pt.level = l;
      pt.scale = 0x1p40;
      pt.data.resize((l + 1) * n);
      std::vector<long double> want(n);
      for (size_t k = 0; k < n; ++k) {
        Big m;
        if (k % 3 == 2) {  // uniform below 2^(bits(half) - 1) <= half
          m.assign(half.size(), 0);
          for (size_t b = 0; b + 1 < half_bits; b += 64) {
            uint64_t w = rng.u64();
            if (half_bits - 1 - b < 64) w &= (uint64_t{1} << (half_bits - 1 - b)) - 1;
            m[b / 64] = w;
          }
        } else {
          m = mags[(k / 3 * 2 + k % 3) % mags.size()];
        }
        const bool negative = rng.u64() & 1;
        for (size_t i = 0; i <= l; ++i) {
          const uint64_t q = ctx->modulus(i).value();
          uint64_t r = big_mod_small(m, q);
          pt.residue(i)[k] = negative && r != 0 ? q - r : r;
        }
        want[k] = negative ? -big_to_long_double(m) : big_to_long_double(m);
      }
      for (size_t i = 0; i <= l; ++i) v100::math::ntt_forward(pt.residue(i), ctx->ntt(i));
      std::vector<double> got[2];
      std::vector<std::complex<double>> slots[2];
      on_both_paths([&](bool portable) {
        got[portable] = enc.to_coefficients(pt);
        slots[portable] = enc.decode(pt);
      });
      const std::string where = std::string(name) + " level " + std::to_string(l);
      ASSERT_TRUE(same_bits(got[0].data(), got[1].data(), n * sizeof(double))) << where;
      ASSERT_TRUE(same_bits(slots[0].data(), slots[1].data(), n / 2 * sizeof(slots[0][0]))) << where;
      for (size_t k = 0; k < n; ++k) {
        const long double w = want[k], g = got[0][k];
        if (std::fabs(w) < 0x1p53L) {
          ASSERT_EQ(g, w) << where << " coefficient " << k;
        } else {
          ASSERT_LE(std::fabs(g - w), std::fabs(w) * 0x1p-50L) << where << " coefficient " << k;
        }
      }
    }
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
  // The real entry point is the complex one with zero imaginary parts, to the last bit.
  std::vector<std::complex<double>> few_complex{{1.5, 0.0}, {-2.5, 0.0}};
  EXPECT_EQ(enc.encode(few, 0x1p35, 2).data, enc.encode(few_complex, 0x1p35, 2).data);
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
  for (double bad : {std::nan(""), -std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    std::vector<double> reals{1.0, 2.0, bad};
    EXPECT_THROW(enc.encode(reals), std::invalid_argument) << bad;
    std::vector<std::complex<double>> in_real{{1.0, 0.0}, {bad, 1.0}}, in_imag{{1.0, 0.0}, {1.0, bad}};
    EXPECT_THROW(enc.encode(in_real, 0x1p30, 1), std::invalid_argument) << bad;
    EXPECT_THROW(enc.encode(in_imag, 0x1p30, 1), std::invalid_argument) << bad;
  }
  std::vector<double> coeffs(ctx->n(), 1.0);
  coeffs[17] = -HUGE_VAL;
  EXPECT_THROW(enc.from_coefficients(coeffs, 1.0, 0), std::invalid_argument);
  coeffs[17] = -0x1p60;  // finite, but not below q_0 / 2 at level 0
  EXPECT_THROW(enc.from_coefficients(coeffs, 1.0, 0), std::invalid_argument);
  std::vector<double> huge{1e50};
  EXPECT_THROW(enc.encode(huge), std::invalid_argument);
  std::vector<double> ok{1.0};
  EXPECT_THROW(enc.encode(ok, 0.5, 0), std::invalid_argument);
  EXPECT_THROW(enc.encode(ok, 1 << 20, 9), std::invalid_argument);
}
