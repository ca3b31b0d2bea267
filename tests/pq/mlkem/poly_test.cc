// The ML-KEM kernels: the NTT against a direct evaluation of its definition (FIPS 203 eq. 4.9),
// NTT^-1 as its inverse, the base-case multiply against schoolbook multiplication in R_q, and
// every AVX2 kernel bit-identical to its portable twin on random inputs of the allowed ranges.
#include <gtest/gtest.h>

#include "core/cpu.h"
#include "core/rng.h"
#include "pq/mlkem/internal.h"
#include "pq/mlkem/internal_avx2.h"

namespace v100::pq::mlkem::internal {
namespace {

int32_t mod_q(int64_t x) {
  return static_cast<int32_t>(((x % kQ) + kQ) % kQ);
}

// Uniform coefficients in (-bound, bound).
Poly random_poly(int bound) {
  Poly p;
  for (int i = 0; i < kN; ++i)
    p.c[i] = static_cast<int16_t>(static_cast<int64_t>(random_u64() % (2 * bound - 1)) - (bound - 1));
  return p;
}

int64_t pow_q(int64_t b, int e) {
  int64_t r = 1;
  for (int i = 0; i < e; ++i) r = r * b % kQ;
  return r;
}

TEST(MlKemPoly, NttMatchesDefinition) {
  // f_hat[2i] = sum_j f[2j] zeta^((2 BitRev7(i) + 1) j), f_hat[2i+1] likewise with odd f.
  for (bool portable : {true, false}) {
    cpu::force_portable(portable);
    Poly f = random_poly(kQ);
    Poly g = f;
    ntt(g);
    for (int i = 0; i < 128; ++i) {
      const int64_t gamma = pow_q(17, 2 * detail::bit_rev7(i) + 1);
      int64_t e = 0, o = 0, w = 1;
      for (int j = 0; j < 128; ++j) {
        e = (e + f.c[2 * j] * w) % kQ;
        o = (o + f.c[2 * j + 1] * w) % kQ;
        w = w * gamma % kQ;
      }
      ASSERT_EQ(mod_q(g.c[2 * i]), mod_q(e)) << i;
      ASSERT_EQ(mod_q(g.c[2 * i + 1]), mod_q(o)) << i;
      ASSERT_LE(std::abs(g.c[2 * i]), kQ / 2);
    }
  }
  cpu::force_portable(false);
}

TEST(MlKemPoly, ProductMatchesSchoolbook) {
  // NTT^-1(NTT(a) o NTT(b)) = a * b in Z_q[X]/(X^256 + 1); basemul's R^-1 is undone by NTT^-1.
  for (bool portable : {true, false}) {
    cpu::force_portable(portable);
    Poly a = random_poly(kQ), b = random_poly(kQ);
    int64_t ref[kN] = {};
    for (int i = 0; i < kN; ++i)
      for (int j = 0; j < kN; ++j) {
        const int64_t p = static_cast<int64_t>(a.c[i]) * b.c[j];
        if (i + j < kN)
          ref[i + j] += p;
        else
          ref[i + j - kN] -= p;
      }
    Poly ah = a, bh = b, r;
    ntt(ah);
    ntt(bh);
    basemul_acc(r, &ah, &bh, 1);
    inv_ntt(r);
    for (int i = 0; i < kN; ++i) {
      ASSERT_EQ(mod_q(r.c[i]), mod_q(ref[i])) << i;
      ASSERT_LT(std::abs(r.c[i]), kQ);
    }
  }
  cpu::force_portable(false);
}

TEST(MlKemPoly, Avx2KernelsBitIdenticalToPortable) {
  if (!cpu::detected().avx2) GTEST_SKIP() << "no AVX2";
  for (int iter = 0; iter < 200; ++iter) {
    Poly f = random_poly(kQ);
    Poly g1 = f, g2 = f;
    portable::ntt(g1);
    avx2::ntt(g2);
    for (int i = 0; i < kN; ++i) ASSERT_EQ(g1.c[i], g2.c[i]) << "ntt " << i;

    Poly h1 = random_poly(kQ);
    Poly h2 = h1;
    portable::inv_ntt(h1);
    avx2::inv_ntt(h2);
    for (int i = 0; i < kN; ++i) ASSERT_EQ(h1.c[i], h2.c[i]) << "inv_ntt " << i;

    Poly a[4], b[4];
    for (int n = 0; n < 4; ++n) {
      a[n] = random_poly(kQ);
      b[n] = random_poly(kQ / 2 + 1);
    }
    for (int num = 1; num <= 4; ++num) {
      Poly r1, r2;
      portable::basemul_acc(r1, a, b, num);
      avx2::basemul_acc(r2, a, b, num);
      for (int i = 0; i < kN; ++i) ASSERT_EQ(r1.c[i], r2.c[i]) << "basemul " << num << " " << i;
    }
  }
}

}  // namespace
}  // namespace v100::pq::mlkem::internal

namespace v100::pq::mlkem::internal {
namespace {

// Reference ByteEncode_d(Compress_d(.)) bit by bit (Alg. 5) from compress_coeff, itself checked
// against exact rounding in mlkem_test.cc.
Bytes reference_compress_encode(const Poly& f, int d) {
  Bytes out(32 * static_cast<size_t>(d), 0);
  for (int i = 0; i < kN; ++i) {
    const uint32_t x = static_cast<uint32_t>(((f.c[i] % kQ) + kQ) % kQ);
    const uint32_t v = compress_coeff(x, d);
    for (int b = 0; b < d; ++b)
      if ((v >> b) & 1)
        out[static_cast<size_t>(i * d + b) / 8] |= static_cast<uint8_t>(1u << ((i * d + b) % 8));
  }
  return out;
}

TEST(MlKemPoly, CompressEncodeAllInputsBothPaths) {
  // Every x in (-q, q) goes through every d on both paths.
  for (int d : {1, 4, 5, 10, 11}) {
    for (int start = -(kQ - 1); start < kQ; start += kN) {
      Poly f;
      for (int i = 0; i < kN; ++i) f.c[i] = static_cast<int16_t>(std::min(start + i, kQ - 1));
      const Bytes ref = reference_compress_encode(f, d);
      Bytes p(ref.size()), v(ref.size());
      portable::compress_encode(p.data(), f, d);
      ASSERT_EQ(p, ref) << "portable d=" << d << " start=" << start;
      if (cpu::detected().avx2) {
        avx2::compress_encode(v.data(), f, d);
        ASSERT_EQ(v, ref) << "avx2 d=" << d << " start=" << start;
      }
    }
  }
}

TEST(MlKemPoly, DecodeDecompressBothPaths) {
  for (int d : {1, 4, 5, 10, 11}) {
    for (int iter = 0; iter < 20; ++iter) {
      Bytes in = random_bytes(32 * static_cast<size_t>(d));
      Poly ref;
      for (int i = 0; i < kN; ++i) {
        uint32_t y = 0;
        for (int b = 0; b < d; ++b)
          y |= ((in[static_cast<size_t>(i * d + b) / 8] >> ((i * d + b) % 8)) & 1u) << b;
        // round(q y / 2^d), exactly, with q y / 2^d never a half-integer tie broken the other way.
        ref.c[i] = static_cast<int16_t>((2 * kQ * y + (1u << d)) / (2u << d));
      }
      Poly p, v;
      portable::decode_decompress(p, in.data(), d);
      for (int i = 0; i < kN; ++i) ASSERT_EQ(p.c[i], ref.c[i]) << d << " " << i;
      if (cpu::detected().avx2) {
        avx2::decode_decompress(v, in.data(), d);
        for (int i = 0; i < kN; ++i) ASSERT_EQ(v.c[i], ref.c[i]) << d << " " << i;
      }
    }
  }
}

}  // namespace
}  // namespace v100::pq::mlkem::internal

namespace v100::pq::mlkem::internal {
namespace {

TEST(MlKemPoly, Avx2RejectionSamplingAndCoding12MatchPortable) {
  if (!cpu::detected().avx2) GTEST_SKIP() << "no AVX2";
  for (int iter = 0; iter < 300; ++iter) {
    const size_t len = 3 * (1 + random_u64() % 200);
    Bytes buf = random_bytes(len);
    const int needed = static_cast<int>(random_u64() % 257);
    int16_t a[kN + 16] = {}, b[kN + 16] = {};
    const int na = portable_rej_uniform(a, needed, buf.data(), len);
    const int nb = avx2::rej_uniform(b, needed, buf.data(), len);
    ASSERT_EQ(na, nb) << len << " " << needed;
    ASSERT_LE(na, needed);
    for (int i = 0; i < na; ++i) ASSERT_EQ(a[i], b[i]) << i;
    for (int i = needed; i < kN + 16; ++i) ASSERT_EQ(b[i], 0) << "wrote past needed at " << i;

    // ByteEncode_12 of values in (-q, q), both paths, and the round trip through decode.
    Poly g = random_poly(kQ);
    Bytes e1(384), e2(384);
    cpu::force_portable(true);
    encode12(e1.data(), g);
    cpu::force_portable(false);
    avx2::encode12(e2.data(), g);
    ASSERT_EQ(e1, e2);
    Poly back;
    avx2::decode12(back, e2.data());
    for (int i = 0; i < kN; ++i) ASSERT_EQ(back.c[i], (g.c[i] + kQ) % kQ) << i;

    Bytes enc = random_bytes(384);
    Poly p, v;
    cpu::force_portable(true);
    decode12(p, enc.data());
    cpu::force_portable(false);
    avx2::decode12(v, enc.data());
    for (int i = 0; i < kN; ++i) {
      ASSERT_EQ(p.c[i], v.c[i]) << i;
      ASSERT_GE(p.c[i], 0);
      ASSERT_LT(p.c[i], kQ);
    }
  }
}

}  // namespace
}  // namespace v100::pq::mlkem::internal
