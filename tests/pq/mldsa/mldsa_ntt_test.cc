// The NTT kernels: the portable NTT against the O(n^2) definition of FIPS 204 §7.5 (evaluation at
// the odd powers zeta^(2 BitRev8(i) + 1)), the round trip, and the AVX2 kernels bit-identical to
// the portable ones on random inputs at the edges of their documented input ranges.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/cpu.h"
#include "core/rng.h"
#include "pq/mldsa/internal.h"

namespace v100::pq::mldsa::internal {
namespace {

constexpr int64_t kZeta = 1753;

int64_t powmod(int64_t b, int64_t e) {
  int64_t r = 1;
  b %= kQ;
  for (; e; e >>= 1, b = b * b % kQ)
    if (e & 1) r = r * b % kQ;
  return r;
}
int64_t mod_q(int64_t a) {
  return ((a % kQ) + kQ) % kQ;
}
int bitrev8(int x) {
  int r = 0;
  for (int b = 0; b < 8; ++b) r |= ((x >> b) & 1) << (7 - b);
  return r;
}

// Uniform int32 in (-bound, bound) from the CSPRNG.
Poly random_poly(int32_t bound) {
  Poly p;
  for (int i = 0; i < kN; ++i) {
    const uint64_t r = random_u64();
    p.c[i] = static_cast<int32_t>(r % (2 * static_cast<uint64_t>(bound) - 1)) - (bound - 1);
  }
  return p;
}

TEST(MlDsaNtt, PortableMatchesDefinition) {
  const NttBackend& be = portable_backend();
  Poly a = random_poly(kQ);
  Poly a_hat = a;
  be.ntt(a_hat);
  // NTT(a)[2i], NTT(a)[2i+1] are a mod (X^2 - zeta^(2 brv(i) + 1)) in the Kyber-style pairing;
  // for ML-DSA (a full 512th root) a_hat[i] = a(zeta^(2 BitRev8(i) + 1)).
  for (int i = 0; i < kN; ++i) {
    const int64_t x = powmod(kZeta, 2 * bitrev8(i) + 1);
    int64_t v = 0, xp = 1;
    for (int j = 0; j < kN; ++j) {
      v = (v + mod_q(a.c[j]) * xp) % kQ;
      xp = xp * x % kQ;
    }
    ASSERT_EQ(mod_q(a_hat.c[i]), v) << i;
    ASSERT_LT(std::abs(int64_t{a_hat.c[i]}), 9 * int64_t{kQ});
  }
  // Round trip: invntt(ntt(a)) = a * 2^32 (the Montgomery factor the pointwise product removes).
  Poly b = a_hat;
  for (int i = 0; i < kN; ++i) b.c[i] = reduce32(b.c[i]);
  be.invntt(b);
  const int64_t r = powmod(2, 32);
  for (int i = 0; i < kN; ++i) ASSERT_EQ(mod_q(b.c[i]), mod_q(a.c[i]) * r % kQ) << i;
}

TEST(MlDsaNtt, PointwiseIsProductInNttDomain) {
  const NttBackend& be = portable_backend();
  Poly a = random_poly(kQ), b = random_poly(kQ);
  Poly a_hat = a, b_hat = b, c;
  be.ntt(a_hat);
  be.ntt(b_hat);
  for (int i = 0; i < kN; ++i) a_hat.c[i] = reduce32(a_hat.c[i]);
  be.pointwise(c, a_hat, b_hat);
  be.invntt(c);
  // c = a * b mod (X^256 + 1).
  std::vector<int64_t> ref(kN, 0);
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) {
      const int64_t p = mod_q(a.c[i]) * mod_q(b.c[j]) % kQ;
      if (i + j < kN)
        ref[i + j] = (ref[i + j] + p) % kQ;
      else
        ref[i + j - kN] = mod_q(ref[i + j - kN] - p);
    }
  for (int i = 0; i < kN; ++i) ASSERT_EQ(mod_q(c.c[i]), ref[i]) << i;
}

TEST(MlDsaNtt, Avx2BitIdenticalToPortable) {
  const NttBackend* v = avx2_backend();
  if (!v || !cpu::detected().avx2) GTEST_SKIP() << "no AVX2";
  const NttBackend& p = portable_backend();
  for (int trial = 0; trial < 200; ++trial) {
    Poly a = random_poly(kQ);
    if (trial == 0)
      for (int i = 0; i < kN; ++i) a.c[i] = (i & 1) ? kQ - 1 : -(kQ - 1);  // range edges
    Poly x = a, y = a;
    p.ntt(x);
    v->ntt(y);
    ASSERT_EQ(0, std::memcmp(x.c, y.c, sizeof x.c)) << "ntt, trial " << trial;
    Poly u = a, w = a;
    p.invntt(u);
    v->invntt(w);
    ASSERT_EQ(0, std::memcmp(u.c, w.c, sizeof u.c)) << "invntt, trial " << trial;
    // Products: A_hat in [0, q) times NTT outputs (< 9q), up to 8 terms.
    Poly as[8], bs[8];
    for (int i = 0; i < 8; ++i) {
      as[i] = random_poly(kQ);
      for (int j = 0; j < kN; ++j) as[i].c[j] = as[i].c[j] < 0 ? -as[i].c[j] : as[i].c[j];
      bs[i] = random_poly(9 * kQ);
    }
    Poly o1, o2;
    p.pointwise(o1, as[0], bs[0]);
    v->pointwise(o2, as[0], bs[0]);
    ASSERT_EQ(0, std::memcmp(o1.c, o2.c, sizeof o1.c)) << "pointwise";
    const int n = 1 + trial % 8;
    p.pointwise_acc(o1, as, bs, n);
    v->pointwise_acc(o2, as, bs, n);
    ASSERT_EQ(0, std::memcmp(o1.c, o2.c, sizeof o1.c)) << "pointwise_acc " << n;
  }
}

TEST(MlDsaNtt, SparseChallengeProductEqualsNttProduct) {
  const NttBackend& be = portable_backend();
  for (int trial = 0; trial < 50; ++trial) {
    Poly c;
    const Bytes c_tilde = random_bytes(48);
    sample_in_ball(c, c_tilde, 49);
    const SparseChallenge sc = to_sparse(c);
    ASSERT_EQ(sc.n, 49);
    for (int32_t bound : {4, 4096}) {
      Poly a = random_poly(bound + 1);
      Poly sparse, c_hat = c, a_hat = a, prod;
      sparse_challenge_mul(sparse, sc, a, bound == 4);
      be.ntt(c_hat);
      be.ntt(a_hat);
      be.pointwise(prod, c_hat, a_hat);
      be.invntt(prod);
      for (int i = 0; i < kN; ++i) ASSERT_EQ(sparse.c[i], center(prod.c[i])) << i;
    }
  }
}

TEST(MlDsaNtt, Avx2RejectionParserMatchesPortable) {
  const NttBackend* v = avx2_backend();
  if (!v || !cpu::detected().avx2) GTEST_SKIP() << "no AVX2";
  for (int trial = 0; trial < 200; ++trial) {
    Bytes buf = random_bytes(840);
    // Make rejections frequent in some trials: top bits set gives candidates >= q.
    if (trial % 2)
      for (size_t i = 2; i < buf.size(); i += 3) buf[i] |= 0x7f;
    const int start = trial % 3 == 0 ? 0 : static_cast<int>(random_u64() % 256);
    Poly a, b;
    std::memset(a.c, 0, sizeof a.c);
    std::memset(b.c, 0, sizeof b.c);
    const int n1 = portable_backend().rej_uniform(a.c, start, buf.data(), buf.size());
    const int n2 = v->rej_uniform(b.c, start, buf.data(), buf.size());
    ASSERT_EQ(n1, n2);
    ASSERT_EQ(0, std::memcmp(a.c, b.c, sizeof(int32_t) * static_cast<size_t>(n1)));
  }
}

// The packed sparse product c * (a, b, c) equals three separate exact products, on both backends,
// for coefficients at the eta = 4 edge, and the AVX2 kernel equals the portable one.
TEST(MlDsaNtt, PackedSparseProductEqualsSeparateProducts) {
  const NttBackend* v = avx2_backend();
  const bool have_avx2 = v != nullptr && cpu::detected().avx2;
  for (int trial = 0; trial < 100; ++trial) {
    Poly c;
    const Bytes c_tilde = random_bytes(48);
    const int tau = trial % 3 == 0 ? 39 : trial % 3 == 1 ? 49 : 60;
    sample_in_ball(c, c_tilde, tau);
    const SparseChallenge sc = to_sparse(c);
    ASSERT_EQ(sc.n, tau);
    Poly in[3];
    for (Poly& p : in) p = random_poly(5);
    if (trial == 0) {
      for (int i = 0; i < kN; ++i) in[i % 3].c[i] = (i & 1) ? 4 : -4;
    }
    PackedSmall3 packed;
    const Poly* ins[3] = {&in[0], &in[1], &in[2]};
    pack_small3(packed, ins);
    Poly out_p[3], out_v[3];
    Poly* outs_p[3] = {&out_p[0], &out_p[1], &out_p[2]};
    Poly* outs_v[3] = {&out_v[0], &out_v[1], &out_v[2]};
    portable_backend().sparse_mul_small3(outs_p, sc, packed);
    if (have_avx2) {
      v->sparse_mul_small3(outs_v, sc, packed);
    }
    for (int j = 0; j < 3; ++j) {
      Poly ref;
      sparse_challenge_mul(ref, sc, in[j], true);
      ASSERT_EQ(0, std::memcmp(ref.c, out_p[j].c, sizeof ref.c)) << "portable, poly " << j;
      if (have_avx2) {
        ASSERT_EQ(0, std::memcmp(ref.c, out_v[j].c, sizeof ref.c)) << "avx2, poly " << j;
      }
    }
  }
}

TEST(MlDsaNtt, Avx2BoundedRejectionParserMatchesPortable) {
  const NttBackend* v = avx2_backend();
  if (!v || !cpu::detected().avx2) GTEST_SKIP() << "no AVX2";
  for (int trial = 0; trial < 400; ++trial) {
    const int eta = trial % 2 ? 2 : 4;
    Bytes buf = random_bytes(136);
    if (trial % 4 >= 2)  // many rejections: half-bytes >= 9 or 15
      for (size_t i = 0; i < buf.size(); i += 2) buf[i] |= 0xf0;
    const int start = trial % 5 == 0 ? 0 : static_cast<int>(random_u64() % 257);
    Poly a, b;
    std::memset(a.c, 0, sizeof a.c);
    std::memset(b.c, 0, sizeof b.c);
    const int n1 = portable_backend().rej_eta(a.c, start, buf.data(), buf.size(), eta);
    const int n2 = v->rej_eta(b.c, start, buf.data(), buf.size(), eta);
    ASSERT_EQ(n1, n2) << "trial " << trial;
    ASSERT_EQ(0, std::memcmp(a.c, b.c, sizeof(int32_t) * static_cast<size_t>(n1))) << "trial " << trial;
  }
}

TEST(MlDsaNtt, Avx2MaskUnpackMatchesPortable) {
  const NttBackend* v = avx2_backend();
  if (!v || !cpu::detected().avx2) GTEST_SKIP() << "no AVX2";
  for (int gamma1_bits : {17, 19}) {
    for (int trial = 0; trial < 50; ++trial) {
      Bytes buf = random_bytes(5 * 136);
      if (trial == 0) std::memset(buf.data(), 0xff, buf.size());  // every value 2^bits - 1
      Poly a, b;
      portable_backend().unpack_mask(a, buf.data(), gamma1_bits);
      v->unpack_mask(b, buf.data(), gamma1_bits);
      ASSERT_EQ(0, std::memcmp(a.c, b.c, sizeof a.c)) << gamma1_bits;
    }
  }
}

}  // namespace
}  // namespace v100::pq::mldsa::internal
