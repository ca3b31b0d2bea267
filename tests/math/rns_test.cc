// RNS/CRT against GMP big integers; fast and exact base conversion against exact GMP computation.
#include "math/rns.h"

#include <gmp.h>
#include <gtest/gtest.h>

#include <vector>

#include "core/cpu.h"
#include "math/primes.h"
#include "math/test_rng.h"

namespace v100::math {
namespace {

using testing::TestRng;

// RAII mpz.
struct Z {
  mpz_t v;
  Z() { mpz_init(v); }
  ~Z() { mpz_clear(v); }
  Z(const Z&) = delete;
  Z& operator=(const Z&) = delete;
};

void from_words(mpz_t out, const uint64_t* w, size_t k) {
  mpz_import(out, k, -1, 8, 0, 0, w);
}

std::vector<uint64_t> to_words(const mpz_t x, size_t k) {
  std::vector<uint64_t> w(k, 0);
  size_t count = 0;
  mpz_export(w.data(), &count, -1, 8, 0, 0, x);
  EXPECT_LE(count, k);
  return w;
}

std::vector<Modulus> moduli_of(const std::vector<uint64_t>& v) {
  std::vector<Modulus> m;
  for (uint64_t x : v) m.emplace_back(x);
  return m;
}

RnsBase make_base(int bits, size_t k, size_t n = 4096) {
  return RnsBase(moduli_of(generate_ntt_primes(bits, n, k)));
}

void random_below(mpz_t out, const mpz_t bound, TestRng& rng, size_t k) {
  std::vector<uint64_t> w(k + 1);
  for (auto& x : w) x = rng.u64();
  from_words(out, w.data(), k + 1);
  mpz_mod(out, out, bound);
}

TEST(Rns, ConstantsAgainstGmp) {
  RnsBase base = make_base(50, 5);
  Z q, qi, t;
  from_words(q.v, base.product().data(), base.size());
  Z expect;
  mpz_set_ui(expect.v, 1);
  for (size_t i = 0; i < base.size(); ++i) mpz_mul_ui(expect.v, expect.v, base[i].value());
  EXPECT_EQ(mpz_cmp(q.v, expect.v), 0);
  for (size_t i = 0; i < base.size(); ++i) {
    from_words(qi.v, base.punctured_product(i), base.size());
    mpz_mul_ui(t.v, qi.v, base[i].value());
    EXPECT_EQ(mpz_cmp(t.v, q.v), 0);
    EXPECT_EQ(mpz_fdiv_ui(qi.v, base[i].value()) * static_cast<unsigned __int128>(base.inv_punctured(i)) %
                  base[i].value(),
              1u);
  }
  EXPECT_THROW(RnsBase(moduli_of({97, 97})), std::invalid_argument);
  EXPECT_THROW(RnsBase(moduli_of({9, 15})), std::invalid_argument);
  EXPECT_THROW(RnsBase({}), std::invalid_argument);
}

TEST(Rns, ComposeDecomposeRoundTripAgainstGmp) {
  TestRng rng("rns-crt");
  for (auto [bits, k] :
       std::vector<std::pair<int, size_t>>{{30, 1}, {36, 3}, {50, 2}, {55, 4}, {60, 8}, {61, 5}}) {
    RnsBase base = make_base(bits, k);
    Z q, x, y;
    from_words(q.v, base.product().data(), k);
    for (int it = 0; it < 300; ++it) {
      if (it == 0) {
        mpz_set_ui(x.v, 0);
      } else if (it == 1) {
        mpz_sub_ui(x.v, q.v, 1);
      } else {
        random_below(x.v, q.v, rng, k);
      }
      auto words = to_words(x.v, k);
      std::vector<uint64_t> res(k);
      base.decompose(res.data(), words.data(), k);
      for (size_t i = 0; i < k; ++i) ASSERT_EQ(res[i], mpz_fdiv_ui(x.v, base[i].value()));
      std::vector<uint64_t> back(k);
      base.compose(back.data(), res.data());
      ASSERT_EQ(back, words);
    }
    // Arrays, and decompose of a longer-than-k integer.
    const size_t n = 37;
    std::vector<uint64_t> coeffs(n * k), rns(n * k), back(n * k);
    for (size_t c = 0; c < n; ++c) {
      random_below(x.v, q.v, rng, k);
      auto w = to_words(x.v, k);
      std::copy(w.begin(), w.end(), coeffs.begin() + static_cast<ptrdiff_t>(c * k));
    }
    base.decompose_array(rns.data(), coeffs.data(), n);
    base.compose_array(back.data(), rns.data(), n);
    EXPECT_EQ(back, coeffs);
    std::vector<uint64_t> big(k + 3);
    for (auto& w : big) w = rng.u64();
    from_words(y.v, big.data(), big.size());
    std::vector<uint64_t> res(k);
    base.decompose(res.data(), big.data(), big.size());
    for (size_t i = 0; i < k; ++i) ASSERT_EQ(res[i], mpz_fdiv_ui(y.v, base[i].value()));
  }
}

class BaseConvert : public ::testing::TestWithParam<int> {};

TEST_P(BaseConvert, WithinDocumentedErrorAndPathsAgree) {
  const int bits = GetParam();
  TestRng rng("rns-fbc-" + std::to_string(bits));
  for (auto [k, l] : std::vector<std::pair<size_t, size_t>>{{1, 1}, {2, 3}, {3, 4}, {5, 2}, {8, 9}}) {
    auto primes = generate_ntt_primes(bits, 4096, k + l);
    RnsBase from(
        moduli_of(std::vector<uint64_t>(primes.begin(), primes.begin() + static_cast<ptrdiff_t>(k))));
    RnsBase to(moduli_of(std::vector<uint64_t>(primes.begin() + static_cast<ptrdiff_t>(k), primes.end())));
    BaseConverter conv(from, to);
    const size_t n = 301;  // not a multiple of 8: exercises the vector tail
    Z q, x, t;
    from_words(q.v, from.product().data(), k);
    std::vector<Z> xs(n);
    std::vector<uint64_t> in(k * n), out(l * n), out2(l * n), exact(l * n);
    for (size_t c = 0; c < n; ++c) {
      if (c == 0) {
        mpz_set_ui(xs[c].v, 0);
      } else if (c == 1) {
        mpz_sub_ui(xs[c].v, q.v, 1);
      } else if (c < 20) {
        // Small centered values (the FHE use case): x = +-small.
        mpz_set_ui(xs[c].v, rng.below(1000));
        if (c % 2) mpz_sub(xs[c].v, q.v, xs[c].v);
      } else {
        random_below(xs[c].v, q.v, rng, k);
      }
      for (size_t i = 0; i < k; ++i) in[i * n + c] = mpz_fdiv_ui(xs[c].v, from[i].value());
    }
    conv.fast_convert(out.data(), in.data(), n);
    fast_base_convert(out2.data(), in.data(), n, from, to);
    EXPECT_EQ(out, out2);
    conv.exact_convert(exact.data(), in.data(), n);
    {
      // The portable kernel gives the same words (IFMA is used for moduli < 2^50 when available).
      cpu::force_portable(true);
      std::vector<uint64_t> pf(l * n), pe(l * n);
      conv.fast_convert(pf.data(), in.data(), n);
      conv.exact_convert(pe.data(), in.data(), n);
      cpu::force_portable(false);
      EXPECT_EQ(pf, out);
      EXPECT_EQ(pe, exact);
    }
    Z half;
    mpz_fdiv_q_2exp(half.v, q.v, 1);
    for (size_t c = 0; c < n; ++c) {
      // Find a in [0, k-1] with out_j == (x + a q) mod p_j for all j.
      bool found = false;
      for (size_t a = 0; a < k && !found; ++a) {
        mpz_mul_ui(t.v, q.v, a);
        mpz_add(t.v, t.v, xs[c].v);
        bool all = true;
        for (size_t j = 0; j < l; ++j) all = all && out[j * n + c] == mpz_fdiv_ui(t.v, to[j].value());
        found = all;
      }
      ASSERT_TRUE(found) << "coefficient " << c;
      // Exact: centered representative (x > q/2 -> x - q); random x is far from q/2 w.h.p.
      mpz_set(t.v, xs[c].v);
      if (mpz_cmp(t.v, half.v) > 0) mpz_sub(t.v, t.v, q.v);
      for (size_t j = 0; j < l; ++j) ASSERT_EQ(exact[j * n + c], mpz_fdiv_ui(t.v, to[j].value())) << c;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Bits, BaseConvert, ::testing::Values(30, 36, 49, 50, 55, 61));

}  // namespace
}  // namespace v100::math
