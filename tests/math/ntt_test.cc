// NTT: definition (evaluation at odd powers of psi in bit-reversed order), round trip, negacyclic
// convolution against schoolbook, IFMA vs portable bit-identity.
#include "math/ntt.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/cpu.h"
#include "math/modulus.h"
#include "math/poly.h"
#include "math/primes.h"
#include "math/test_rng.h"

namespace v100::math {
namespace {

using testing::TestRng;
using u128 = unsigned __int128;

uint64_t ref_mul(uint64_t a, uint64_t b, uint64_t q) {
  return static_cast<uint64_t>(static_cast<u128>(a) * b % q);
}
uint64_t ref_pow(uint64_t a, uint64_t e, uint64_t q) {
  uint64_t r = 1;
  for (; e; e >>= 1, a = ref_mul(a, a, q))
    if (e & 1) r = ref_mul(r, a, q);
  return r;
}

std::vector<uint64_t> random_poly(TestRng& rng, size_t n, uint64_t q) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng.below(q);
  return v;
}

// Negacyclic schoolbook product mod q: exact 128-bit accumulation, reduced with % every 128 rows
// (products are < 2^122, so 128 of them plus a reduced value stay below 2^128).
std::vector<uint64_t> schoolbook(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b, uint64_t q) {
  const size_t n = a.size();
  std::vector<u128> acc(2 * n, 0);
  for (size_t i = 0; i < n; ++i) {
    const u128 ai = a[i];
    u128* row = acc.data() + i;
    for (size_t j = 0; j < n; ++j) row[j] += ai * b[j];
    if ((i & 127) == 127)
      for (auto& x : acc) x %= q;
  }
  std::vector<uint64_t> out(n);
  for (size_t k = 0; k < n; ++k) {
    uint64_t pos = static_cast<uint64_t>(acc[k] % q), neg = static_cast<uint64_t>(acc[k + n] % q);
    out[k] = (pos + q - neg) % q;
  }
  return out;
}

struct PortableGuard {
  explicit PortableGuard(bool on) { cpu::force_portable(on); }
  ~PortableGuard() { cpu::force_portable(false); }
};

TEST(Ntt, BitReverse) {
  EXPECT_EQ(bit_reverse(1, 3), 4u);
  EXPECT_EQ(bit_reverse(6, 3), 3u);
  EXPECT_EQ(bit_reverse(0, 5), 0u);
  EXPECT_EQ(bit_reverse(1, 12), 2048u);
}

TEST(Ntt, RejectsBadParameters) {
  EXPECT_THROW(NttTables(12, Modulus(97)), std::invalid_argument);      // not a power of two
  EXPECT_THROW(NttTables(64, Modulus(97)), std::invalid_argument);      // 97 != 1 mod 128
  EXPECT_THROW(NttTables(4, Modulus(17 * 41)), std::invalid_argument);  // not prime (697 = 1 mod 8)
}

TEST(Ntt, PsiIsSmallestPrimitiveRoot) {
  for (size_t n : {8u, 64u}) {
    uint64_t q = generate_ntt_primes(30, n, 1)[0];
    NttTables t(n, Modulus(q));
    uint64_t psi = t.psi();
    EXPECT_EQ(ref_pow(psi, n, q), q - 1);
    // No smaller x is a primitive 2n-th root (x^n = -1 characterizes them since 2n is a power of 2).
    for (uint64_t x = 2; x < psi && x < 100000; ++x) ASSERT_NE(ref_pow(x, n, q), q - 1) << x;
  }
}

// Direct definition: out[i] = a(psi^(2*bitrev(i)+1)).
TEST(Ntt, MatchesDefinition) {
  TestRng rng("ntt-definition");
  for (int bits : {30, 50, 60}) {
    for (size_t n : {2u, 4u, 8u, 16u, 32u, 64u}) {
      uint64_t q = generate_ntt_primes(bits, n, 1)[0];
      NttTables t(n, Modulus(q));
      auto a = random_poly(rng, n, q);
      auto out = a;
      ntt_forward(out.data(), t);
      for (size_t i = 0; i < n; ++i) {
        uint64_t x = ref_pow(t.psi(), 2 * bit_reverse(i, t.log_n()) + 1, q);
        uint64_t acc = 0, xp = 1;
        for (size_t j = 0; j < n; ++j) {
          acc = (acc + ref_mul(a[j], xp, q)) % q;
          xp = ref_mul(xp, x, q);
        }
        ASSERT_EQ(out[i], acc) << "n=" << n << " bits=" << bits << " i=" << i;
      }
    }
  }
}

class NttSizes : public ::testing::TestWithParam<std::tuple<size_t, int>> {};

TEST_P(NttSizes, RoundTripAndConvolution) {
  auto [n, bits] = GetParam();
  TestRng rng("ntt-" + std::to_string(n) + "-" + std::to_string(bits));
  uint64_t q = generate_ntt_primes(bits, n, 1)[0];
  Modulus mod(q);
  NttTables t(n, mod);
  for (bool portable : {false, true}) {
    PortableGuard g(portable);
    auto a = random_poly(rng, n, q), b = random_poly(rng, n, q);
    // Edge values too.
    a[0] = q - 1;
    a[n - 1] = 0;
    b[1 % n] = q - 1;
    auto fa = a, fb = b;
    ntt_forward(fa.data(), t);
    for (uint64_t x : fa) ASSERT_LT(x, q);
    std::vector<uint64_t> oop(n);
    ntt_forward_from(oop.data(), a.data(), t);
    ASSERT_EQ(oop, fa) << "out of place, portable=" << portable;
    std::vector<uint64_t> ioop(n);
    ntt_inverse_from(ioop.data(), fa.data(), t);
    ASSERT_EQ(ioop, a) << "inverse out of place, portable=" << portable;
    auto back = fa;
    ntt_inverse(back.data(), t);
    ASSERT_EQ(back, a) << "round trip, portable=" << portable;

    // Lazy variants: ranges and equality mod q.
    auto la = a;
    ntt_forward_lazy(la.data(), t);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_LT(la[i], 4 * q);
      ASSERT_EQ(la[i] % q, fa[i]);
    }
    auto li = fa;
    ntt_inverse_lazy(li.data(), t);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_LT(li[i], 2 * q);
      ASSERT_EQ(li[i] % q, a[i]);
    }

    // Product via NTT equals the schoolbook negacyclic product.
    ntt_forward(fb.data(), t);
    std::vector<uint64_t> prod(n);
    poly_mul(prod.data(), fa.data(), fb.data(), n, mod);
    ntt_inverse(prod.data(), t);
    ASSERT_EQ(prod, schoolbook(a, b, q)) << "portable=" << portable;
  }
}

INSTANTIATE_TEST_SUITE_P(All, NttSizes,
                         ::testing::Combine(::testing::Values(8, 1024, 4096, 8192),
                                            ::testing::Values(30, 36, 40, 50, 55, 60, 61)));

TEST(Ntt, IfmaMatchesPortableBitForBit) {
  if (!cpu::detected().avx512ifma)
    GTEST_SKIP() << "CPU lacks AVX-512 IFMA: only the portable path exists here";
  if (!cpu::active().avx512ifma) GTEST_SKIP() << "portable path forced (V100_PORTABLE=1): nothing to compare";
  TestRng rng("ntt-ifma-vs-portable");
  // The IFMA kernels process four 16-coefficient blocks at a time: n = 32 stays portable.
  EXPECT_FALSE(ntt_uses_ifma(NttTables(32, Modulus(generate_ntt_primes(40, 32, 1)[0]))));
  for (size_t n : {64u, 128u, 1024u, 4096u, 8192u, 16384u, 32768u}) {
    for (int bits : {20, 30, 36, 40, 45, 49, 50}) {
      uint64_t q = generate_ntt_primes(bits, n, 1)[0];
      NttTables t(n, Modulus(q));
      ASSERT_TRUE(ntt_uses_ifma(t)) << n << " " << bits;
      for (int rep = 0; rep < 3; ++rep) {
        auto a = random_poly(rng, n, q);
        if (rep == 1)
          for (auto& x : a) x = q - 1 - (x & 1);  // near-q edge values
        auto v = a, p = a;
        ntt_forward(v.data(), t);
        ntt_forward_portable(p.data(), t);
        ASSERT_EQ(v, p) << "forward n=" << n << " bits=" << bits;
        // Out of place: same output, input untouched.
        std::vector<uint64_t> o(n, 1);
        const auto a_copy = a;
        ntt_forward_from(o.data(), a.data(), t);
        ASSERT_EQ(o, p) << "forward_from n=" << n << " bits=" << bits;
        ASSERT_EQ(a, a_copy);
        // With a prefetch range (any readable bytes, here the input itself plus a tail that is not
        // a whole cache line): same output, in place and out of place.
        std::vector<uint64_t> o2(n, 2), ip = a;
        ntt_forward_from(o2.data(), a.data(), t, a.data(), n * sizeof(uint64_t) - 3);
        ntt_forward(ip.data(), t, a.data(), n * sizeof(uint64_t));
        ASSERT_EQ(o2, p) << "forward_from (prefetch) n=" << n << " bits=" << bits;
        ASSERT_EQ(ip, p) << "forward (prefetch) n=" << n << " bits=" << bits;
        std::vector<uint64_t> io(n, 3);
        const auto v_copy = v;
        ntt_inverse_from(io.data(), v.data(), t);
        ASSERT_EQ(v, v_copy);
        ntt_inverse(v.data(), t);
        ntt_inverse_portable(p.data(), t);
        ASSERT_EQ(v, p) << "inverse n=" << n << " bits=" << bits;
        ASSERT_EQ(io, v) << "inverse_from n=" << n << " bits=" << bits;
        ASSERT_EQ(v, a);
      }
    }
  }
}

// The fused modulus-down step against its definition: v built coefficient by coefficient with
// __int128 arithmetic, transformed by the (separately tested) forward NTT, then (x - V) s per slot
// in __int128; both paths, with and without b, out aliasing x, inputs up to 2^52 - 1.
TEST(Ntt, LiftSubMulMatchesDefinition) {
  TestRng rng("ntt-lift-sub-mul");
  for (size_t n : {64u, 128u, 1024u, 8192u, 16384u}) {
    for (int bits : {30, 40, 49, 50, 55}) {
      const uint64_t qv = generate_ntt_primes(bits, n, 1)[0];
      NttTables t(n, Modulus(qv));
      std::vector<uint64_t> a(n), b(n), x = random_poly(rng, n, qv);
      for (size_t i = 0; i < n; ++i) {
        a[i] = i % 9 == 0 ? (uint64_t{1} << 52) - 1 : rng.u64() >> 12;
        b[i] = i % 7 == 0 ? (uint64_t{1} << 52) - 1 : rng.u64() >> 12;
      }
      const uint64_t c = rng.u64(), e = rng.u64(), s = rng.u64();
      for (bool with_b : {false, true}) {
        std::vector<uint64_t> v(n);
        for (size_t i = 0; i < n; ++i) {
          u128 val = u128(a[i]) % qv + u128(e % qv);
          if (with_b) val += u128(b[i] % qv) * (c % qv) % qv;
          v[i] = static_cast<uint64_t>(val % qv);
        }
        ntt_forward_portable(v.data(), t);
        std::vector<uint64_t> want(n);
        for (size_t i = 0; i < n; ++i)
          want[i] = static_cast<uint64_t>(u128((x[i] + qv - v[i]) % qv) * (s % qv) % qv);
        for (int path = 0; path < 2; ++path) {
          cpu::force_portable(path == 1);
          std::vector<uint64_t> out(n, 5), inplace = x;
          ntt_lift_sub_mul(out.data(), x.data(), a.data(), with_b ? b.data() : nullptr, c, e, s, t);
          ntt_lift_sub_mul(inplace.data(), inplace.data(), a.data(), with_b ? b.data() : nullptr, c, e, s, t);
          cpu::force_portable(false);
          ASSERT_EQ(out, want) << "n=" << n << " bits=" << bits << " b=" << with_b << " path=" << path;
          ASSERT_EQ(inplace, want) << "n=" << n << " bits=" << bits << " (out == x)";
        }
      }
    }
  }
}

TEST(Ntt, LargeNRoundTrip) {
  TestRng rng("ntt-large");
  for (size_t n : {size_t{1} << 15, size_t{1} << 17}) {
    uint64_t q = generate_ntt_primes(60, n, 1)[0];
    NttTables t(n, Modulus(q));
    auto a = random_poly(rng, n, q), b = a;
    ntt_forward(b.data(), t);
    ntt_inverse(b.data(), t);
    EXPECT_EQ(a, b);
  }
}

}  // namespace
}  // namespace v100::math
