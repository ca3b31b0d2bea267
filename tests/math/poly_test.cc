// Element-wise ops against __int128 references, on both code paths, including tails and in-place use.
#include "math/poly.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/cpu.h"
#include "math/primes.h"
#include "math/test_rng.h"

namespace v100::math {
namespace {

using testing::TestRng;
using u128 = unsigned __int128;

TEST(Poly, OpsMatchReferenceOnBothPaths) {
  TestRng rng("poly-ops");
  std::vector<uint64_t> moduli = {3,
                                  97,
                                  generate_ntt_primes(30, 8, 1)[0],
                                  generate_ntt_primes(49, 8, 1)[0],
                                  generate_ntt_primes(50, 8, 1)[0],
                                  generate_ntt_primes(51, 8, 1)[0],
                                  generate_ntt_primes(61, 8, 1)[0],
                                  (1ULL << 50) - 27};
  for (uint64_t qv : moduli) {
    Modulus q(qv);
    for (size_t n : {1u, 7u, 13u, 64u, 4096u}) {
      std::vector<uint64_t> a(n), b(n), c(n);
      for (size_t i = 0; i < n; ++i) {
        a[i] = rng.below(qv);
        b[i] = rng.below(qv);
        c[i] = rng.below(qv);
      }
      if (n > 3) {
        a[0] = 0;
        a[1] = qv - 1;
        b[1] = qv - 1;
        b[2] = 0;
      }
      uint64_t s = rng.u64();
      std::vector<uint64_t> results[2][7];
      for (int path = 0; path < 2; ++path) {
        cpu::force_portable(path == 1);
        auto& r = results[path];
        for (auto& v : r) v.assign(n, 0);
        poly_add(r[0].data(), a.data(), b.data(), n, q);
        poly_sub(r[1].data(), a.data(), b.data(), n, q);
        poly_neg(r[2].data(), a.data(), n, q);
        poly_mul(r[3].data(), a.data(), b.data(), n, q);
        r[4] = c;
        poly_mul_add(r[4].data(), a.data(), b.data(), n, q);
        poly_mul_scalar(r[5].data(), a.data(), s, n, q);
        poly_add_scalar(r[6].data(), a.data(), s, n, q);
        // In place (out == a) gives the same.
        auto ip = a;
        poly_mul(ip.data(), ip.data(), b.data(), n, q);
        ASSERT_EQ(ip, r[3]);
        ip = a;
        poly_sub(ip.data(), ip.data(), b.data(), n, q);
        ASSERT_EQ(ip, r[1]);
        cpu::force_portable(false);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(r[0][i], static_cast<uint64_t>((u128(a[i]) + b[i]) % qv));
          ASSERT_EQ(r[1][i], static_cast<uint64_t>((u128(a[i]) + qv - b[i]) % qv));
          ASSERT_EQ(r[2][i], static_cast<uint64_t>((qv - a[i]) % qv));
          ASSERT_EQ(r[3][i], static_cast<uint64_t>(u128(a[i]) * b[i] % qv))
              << qv << " " << a[i] << " " << b[i];
          ASSERT_EQ(r[4][i], static_cast<uint64_t>((u128(a[i]) * b[i] + c[i]) % qv));
          ASSERT_EQ(r[5][i], static_cast<uint64_t>(u128(a[i]) * (s % qv) % qv));
          ASSERT_EQ(r[6][i], static_cast<uint64_t>((u128(a[i]) + s % qv) % qv));
        }
      }
      for (int k = 0; k < 7; ++k) ASSERT_EQ(results[0][k], results[1][k]) << "op " << k;
    }
  }
}

}  // namespace
}  // namespace v100::math

namespace v100::math {
namespace {

TEST(Poly, DotProductMatchesReferenceOnBothPaths) {
  testing::TestRng rng("poly-dot");
  for (int bits : {20, 30, 36, 49, 50, 55, 61}) {
    const uint64_t qv = generate_ntt_primes(bits, 8, 1)[0];
    Modulus q(qv);
    for (size_t count : {0u, 1u, 2u, 3u, 8u, 9u, 17u, 70u}) {
      for (size_t n : {7u, 64u, 4096u}) {
        if (n == 4096 && count > 9) continue;
        std::vector<std::vector<uint64_t>> av(count, std::vector<uint64_t>(n)),
            bv(count, std::vector<uint64_t>(n));
        std::vector<const uint64_t*> ap, bp;
        for (size_t d = 0; d < count; ++d) {
          for (size_t i = 0; i < n; ++i) {
            av[d][i] = (i % 5 == 0) ? qv - 1 : rng.below(qv);
            bv[d][i] = (i % 7 == 0) ? qv - 1 : rng.below(qv);
          }
          ap.push_back(av[d].data());
          bp.push_back(bv[d].data());
        }
        std::vector<uint64_t> fast(n, 123), slow(n, 456);
        poly_dot(fast.data(), ap.data(), bp.data(), count, n, q);
        cpu::force_portable(true);
        poly_dot(slow.data(), ap.data(), bp.data(), count, n, q);
        cpu::force_portable(false);
        ASSERT_EQ(fast, slow) << bits << " " << count << " " << n;
        for (size_t i = 0; i < n; ++i) {
          u128 acc = 0;
          for (size_t d = 0; d < count; ++d) acc = (acc + u128(av[d][i]) * bv[d][i]) % qv;
          ASSERT_EQ(fast[i], static_cast<uint64_t>(acc)) << bits << " " << count << " " << n << " " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace v100::math

namespace v100::math {
namespace {

TEST(Poly, ScalarAddAndReduceOnBothPaths) {
  testing::TestRng rng("poly-reduce");
  for (int bits : {20, 36, 49, 50, 55, 61}) {
    const uint64_t qv = generate_ntt_primes(bits, 8, 1)[0];
    Modulus q(qv);
    for (size_t n : {5u, 64u, 1001u}) {
      std::vector<uint64_t> a(n), in(n), base(n);
      for (size_t i = 0; i < n; ++i) {
        a[i] = rng.below(qv);
        base[i] = rng.below(qv);
        in[i] = (i % 3 == 0) ? ~uint64_t{0} - i : rng.u64() >> (i % 64);
      }
      const uint64_t s = rng.u64();
      std::vector<uint64_t> r1[2], r2[2];
      for (int path = 0; path < 2; ++path) {
        cpu::force_portable(path == 1);
        r1[path] = base;
        poly_mul_scalar_add(r1[path].data(), a.data(), s, n, q);
        r2[path] = in;
        poly_reduce(r2[path].data(), r2[path].data(), n, q);
        // Bounded inputs (the residues of another prime): every bound class, both paths.
        for (int bb : {bits - 3, bits + 1, 50, 52}) {
          const uint64_t bound = uint64_t{1} << bb;
          std::vector<uint64_t> small(n), got(n);
          for (size_t i = 0; i < n; ++i) small[i] = (i % 4 == 0) ? bound - 1 - i : rng.below(bound);
          poly_reduce_below(got.data(), small.data(), bound, n, q);
          for (size_t i = 0; i < n; ++i) ASSERT_EQ(got[i], small[i] % qv) << bits << " " << bb << " " << i;
        }
        cpu::force_portable(false);
      }
      ASSERT_EQ(r1[0], r1[1]);
      ASSERT_EQ(r2[0], r2[1]);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(r1[0][i], static_cast<uint64_t>((u128(a[i]) * (s % qv) + base[i]) % qv));
        ASSERT_EQ(r2[0][i], in[i] % qv) << bits << " " << in[i];
      }
    }
  }
}

}  // namespace
}  // namespace v100::math

namespace v100::math {
namespace {

// The IFMA dyadic product estimates the quotient in double precision; stress it where the error
// bound is tightest (q just below 2^50, operands near q) and on random operands.
TEST(Poly, MulStressNearTheQuotientBound) {
  testing::TestRng rng("poly-mul-stress");
  const size_t n = 1 << 16;
  for (uint64_t qv : {(uint64_t{1} << 50) - 27, generate_ntt_primes(50, 8, 1)[0],
                      generate_ntt_primes(48, 8, 1)[0], generate_ntt_primes(33, 8, 1)[0], uint64_t{3}}) {
    Modulus q(qv);
    std::vector<uint64_t> a(n), b(n), out(n);
    for (size_t i = 0; i < n; ++i) {
      switch (i % 4) {
        case 0:
          a[i] = rng.below(qv);
          b[i] = rng.below(qv);
          break;
        case 1:
          a[i] = qv - 1 - rng.below(std::min<uint64_t>(qv, 1024));
          b[i] = qv - 1 - rng.below(std::min<uint64_t>(qv, 1024));
          break;
        case 2:
          a[i] = qv - 1;
          b[i] = rng.below(qv);
          break;
        default:
          a[i] = rng.below(qv);
          b[i] = (qv - 1) / (1 + rng.below(8));
          break;
      }
    }
    poly_mul(out.data(), a.data(), b.data(), n, q);
    for (size_t i = 0; i < n; ++i)
      ASSERT_EQ(out[i], static_cast<uint64_t>(u128(a[i]) * b[i] % qv)) << qv << " " << a[i] << " " << b[i];
  }
}

}  // namespace
}  // namespace v100::math

namespace v100::math {
namespace {

// The fused modulus-down kernels against __int128 references, on both paths.
TEST(Poly, FusedModDownKernelsOnBothPaths) {
  testing::TestRng rng("poly-fused");
  for (int bits : {20, 36, 40, 49, 50, 55}) {
    const uint64_t qv = generate_ntt_primes(bits, 8, 1)[0];
    Modulus q(qv);
    for (size_t n : {5u, 64u, 1003u}) {
      std::vector<uint64_t> x(n), v(n), a(n), b(n), c0(n), c1(n), base(n);
      for (size_t i = 0; i < n; ++i) {
        x[i] = rng.below(qv);
        v[i] = (i % 9 == 0) ? x[i] : rng.below(qv);
        a[i] = (i % 5 == 0) ? (uint64_t{1} << 52) - 1 - i : rng.below(uint64_t{1} << 52);
        b[i] = (i % 7 == 0) ? (uint64_t{1} << 52) - 1 : rng.below(uint64_t{1} << 52);
        c0[i] = rng.below(qv);
        c1[i] = (i % 3 == 0) ? qv - 1 : rng.below(qv);
        base[i] = rng.below(qv);
      }
      const uint64_t s = rng.u64(), c = rng.u64(), e = rng.u64();
      const uint64_t* xs[2] = {c0.data(), c1.data()};
      const uint64_t* ys[2] = {c1.data(), x.data()};
      std::vector<uint64_t> r[2][4];
      for (int path = 0; path < 2; ++path) {
        cpu::force_portable(path == 1);
        for (auto& t : r[path]) t.assign(n, 0);
        poly_sub_mul_scalar(r[path][0].data(), x.data(), v.data(), s, n, q);
        poly_lift_combine(r[path][1].data(), a.data(), b.data(), c, e, n, q);
        poly_lift_combine(r[path][2].data(), a.data(), nullptr, c, e, n, q);
        r[path][3] = base;
        poly_dot_scalar_add(r[path][3].data(), xs, ys, 2, s, n, q);
        cpu::force_portable(false);
      }
      for (int k = 0; k < 4; ++k) ASSERT_EQ(r[0][k], r[1][k]) << "kernel " << k << " bits " << bits;
      for (size_t i = 0; i < n; ++i) {
        const u128 sm = s % qv, cm = c % qv, em = e % qv;
        ASSERT_EQ(r[0][0][i], static_cast<uint64_t>((u128(x[i]) + qv - v[i]) % qv * sm % qv));
        ASSERT_EQ(r[0][1][i], static_cast<uint64_t>((u128(a[i]) % qv + u128(b[i] % qv) * cm + em) % qv));
        ASSERT_EQ(r[0][2][i], static_cast<uint64_t>((u128(a[i]) % qv + em) % qv));
        const u128 dot = (u128(c0[i]) * c1[i] + u128(c1[i]) * x[i] % qv) % qv;
        ASSERT_EQ(r[0][3][i], static_cast<uint64_t>((base[i] + dot * sm) % qv));
      }
    }
  }
}

}  // namespace
}  // namespace v100::math

namespace v100::math {
namespace {

// Random permutations (scalar blocks), block-structured ones like the Galois permutations of NTT
// slots (aligned 8-blocks to aligned 8-blocks, lanes shuffled: the vector path), and a mix where
// one lane of a block-structured permutation leaves its block.
TEST(Poly, PermuteAndPermuteAddOnBothPaths) {
  testing::TestRng rng("poly-permute");
  for (int kind = 0; kind < 3; ++kind)
    for (size_t n : {1u, 7u, 64u, 4096u, 4099u}) {
      std::vector<uint64_t> in(n);
      std::vector<uint32_t> perm(n);
      for (size_t i = 0; i < n; ++i) {
        in[i] = rng.u64();
        perm[i] = static_cast<uint32_t>(i);
      }
      if (kind == 0 || n % 8 != 0) {
        for (size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.below(i)]);
      } else {
        std::vector<uint32_t> blocks(n / 8);
        for (size_t b = 0; b < blocks.size(); ++b) blocks[b] = static_cast<uint32_t>(b);
        for (size_t b = blocks.size(); b > 1; --b) std::swap(blocks[b - 1], blocks[rng.below(b)]);
        for (size_t b = 0; b < blocks.size(); ++b) {
          uint32_t lanes[8] = {0, 1, 2, 3, 4, 5, 6, 7};
          for (size_t t = 8; t > 1; --t) std::swap(lanes[t - 1], lanes[rng.below(t)]);
          for (size_t t = 0; t < 8; ++t) perm[8 * b + t] = 8 * blocks[b] + lanes[t];
        }
        if (kind == 2) std::swap(perm[3], perm[n - 2]);  // blocks 0 and last no longer block-structured
      }
      for (int path = 0; path < 2; ++path) {
        cpu::force_portable(path == 1);
        std::vector<uint64_t> out(n, 0);
        permute(out.data(), in.data(), perm.data(), n);
        cpu::force_portable(false);
        for (size_t i = 0; i < n; ++i) ASSERT_EQ(out[i], in[perm[i]]) << n << " " << i;
      }
      // permute_add against (x + in[perm]) mod q, out separate and out aliasing x, with values at q - 1.
      for (int bits : {30, 50, 60}) {
        const uint64_t qv = generate_ntt_primes(bits, 8, 1)[0];
        Modulus q(qv);
        std::vector<uint64_t> inq(n), x(n);
        for (size_t i = 0; i < n; ++i) {
          inq[i] = (i % 5 == 0) ? qv - 1 : in[i] % qv;
          x[i] = (i % 3 == 0) ? qv - 1 : rng.below(qv);
        }
        for (int path = 0; path < 2; ++path) {
          for (int alias = 0; alias < 2; ++alias) {
            cpu::force_portable(path == 1);
            std::vector<uint64_t> out = alias ? x : std::vector<uint64_t>(n, 7);
            permute_add(out.data(), alias ? out.data() : x.data(), inq.data(), perm.data(), n, q);
            cpu::force_portable(false);
            for (size_t i = 0; i < n; ++i) {
              ASSERT_EQ(out[i],
                        static_cast<uint64_t>((static_cast<unsigned __int128>(x[i]) + inq[perm[i]]) % qv))
                  << n << " " << i << " bits " << bits << " path " << path << " alias " << alias;
            }
          }
        }
      }
    }
}

}  // namespace
}  // namespace v100::math

namespace v100::math {
namespace {

TEST(Poly, TensorFoldOnBothPaths) {
  testing::TestRng rng("poly-tensor");
  for (int bits : {20, 40, 49, 50, 55}) {
    const uint64_t qv = generate_ntt_primes(bits, 8, 1)[0];
    Modulus q(qv);
    for (size_t n : {3u, 64u, 1001u}) {
      std::vector<uint64_t> a0(n), a1(n), b0(n), b1(n);
      for (size_t i = 0; i < n; ++i) {
        a0[i] = (i % 4 == 0) ? qv - 1 : rng.below(qv);
        a1[i] = rng.below(qv);
        b0[i] = (i % 5 == 0) ? qv - 1 : rng.below(qv);
        b1[i] = (i % 6 == 0) ? qv - 1 : rng.below(qv);
      }
      const uint64_t s = rng.u64();
      std::vector<uint64_t> r[2][3];
      for (int path = 0; path < 2; ++path) {
        cpu::force_portable(path == 1);
        for (auto& t : r[path]) t.assign(n, 0);
        poly_tensor_fold(r[path][0].data(), r[path][1].data(), r[path][2].data(), a0.data(), a1.data(),
                         b0.data(), b1.data(), s, n, q);
        cpu::force_portable(false);
      }
      for (int k = 0; k < 3; ++k) ASSERT_EQ(r[0][k], r[1][k]) << "output " << k << " bits " << bits;
      for (size_t i = 0; i < n; ++i) {
        const u128 sm = s % qv;
        ASSERT_EQ(r[0][0][i], static_cast<uint64_t>(u128(a1[i]) * b1[i] % qv));
        ASSERT_EQ(r[0][1][i], static_cast<uint64_t>(u128(a0[i]) * b0[i] % qv * sm % qv));
        const u128 cross = (u128(a0[i]) * b1[i] % qv + u128(a1[i]) * b0[i] % qv) % qv;
        ASSERT_EQ(r[0][2][i], static_cast<uint64_t>(cross * sm % qv));
      }
    }
  }
}

// The key-switching dot products against a digit-interleaved key block, set and accumulate, both
// paths, against an __int128 model; strides above count (lower levels use the first digits only);
// for q < 2^40 also the 40-bit packed key layout.
TEST(Poly, InterleavedDot2MatchesModelOnBothPaths) {
  testing::TestRng rng("poly-dot2-interleaved");
  for (int bits : {20, 39, 40, 49, 50, 55, 61}) {
    const uint64_t qv = generate_ntt_primes(bits, 8, 1)[0];
    Modulus q(qv);
    for (size_t count : {0u, 1u, 2u, 3u, 8u, 9u, 17u}) {
      for (size_t extra : {0u, 2u}) {
        const size_t stride = count + extra;
        for (size_t n : {8u, 64u, 4096u}) {
          if (n == 4096 && count > 9) continue;
          std::vector<std::vector<uint64_t>> av(count, std::vector<uint64_t>(n));
          std::vector<const uint64_t*> ap;
          for (size_t d = 0; d < count; ++d) {
            for (size_t i = 0; i < n; ++i) av[d][i] = (i % 5 == 0) ? qv - 1 : rng.below(qv);
            ap.push_back(av[d].data());
          }
          std::vector<uint64_t> key(n / 8 * stride * 16);
          for (size_t i = 0; i < key.size(); ++i) key[i] = (i % 7 == 0) ? qv - 1 : rng.below(qv);
          std::vector<uint64_t> base0(n), base1(n);
          for (size_t i = 0; i < n; ++i) {
            base0[i] = rng.below(qv);
            base1[i] = rng.below(qv);
          }
          std::vector<uint64_t> r[2][4];
          for (int path = 0; path < 2; ++path) {
            cpu::force_portable(path == 1);
            r[path][0].assign(n, 5);
            r[path][1].assign(n, 6);
            poly_dot2_interleaved(r[path][0].data(), r[path][1].data(), ap.data(), key.data(), count, stride,
                                  n, q, false);
            r[path][2] = base0;
            r[path][3] = base1;
            poly_dot2_interleaved(r[path][2].data(), r[path][3].data(), ap.data(), key.data(), count, stride,
                                  n, q, true);
            cpu::force_portable(false);
          }
          for (int k = 0; k < 4; ++k) ASSERT_EQ(r[0][k], r[1][k]) << "output " << k << " bits " << bits;
          if (qv < (uint64_t{1} << 40)) {
            // The same key packed at 40 bits per word (plus the kernel's read slack) gives the same sums.
            std::vector<uint8_t> packed(n / 8 * stride * 80 + kPacked40Slack, 0xEE);
            for (size_t j = 0; j < n / 8; ++j) {
              for (size_t d = 0; d < stride; ++d) {
                for (size_t w = 0; w < 16; ++w) {
                  const uint64_t v = key[(j * stride + d) * 16 + w];
                  for (size_t b = 0; b < 5; ++b) {  // by hand, independently of math::store40
                    packed[(j * stride + d) * 80 + w * 5 + b] = static_cast<uint8_t>(v >> (8 * b));
                  }
                }
              }
            }
            for (int path = 0; path < 2; ++path) {
              cpu::force_portable(path == 1);
              std::vector<uint64_t> p0(n, 5), p1(n, 6), p2 = base0, p3 = base1;
              const uint8_t* kp = packed.data();
              poly_dot2_interleaved_packed40(p0.data(), p1.data(), ap.data(), kp, count, stride, n, q, false);
              poly_dot2_interleaved_packed40(p2.data(), p3.data(), ap.data(), kp, count, stride, n, q, true);
              cpu::force_portable(false);
              ASSERT_EQ(p0, r[0][0]) << "packed, path " << path << " bits " << bits << " count " << count;
              ASSERT_EQ(p1, r[0][1]) << "packed, path " << path;
              ASSERT_EQ(p2, r[0][2]) << "packed, path " << path;
              ASSERT_EQ(p3, r[0][3]) << "packed, path " << path;
            }
          }
          // Key words are in Montgomery form: the model multiplies by 2^-52 mod q (Fermat, q prime).
          u128 rinv = 1, base = (u128{1} << 52) % qv;
          for (uint64_t e = qv - 2; e; e >>= 1, base = base * base % qv) {
            if (e & 1) rinv = rinv * base % qv;
          }
          for (size_t i = 0; i < n; ++i) {
            u128 s0 = 0, s1 = 0;
            for (size_t d = 0; d < count; ++d) {
              const uint64_t* blk = key.data() + ((i / 8) * stride + d) * 16 + i % 8;
              s0 = (s0 + u128(av[d][i]) * blk[0] % qv * rinv) % qv;
              s1 = (s1 + u128(av[d][i]) * blk[8] % qv * rinv) % qv;
            }
            ASSERT_EQ(r[0][0][i], static_cast<uint64_t>(s0)) << bits << " " << count << " " << n << " " << i;
            ASSERT_EQ(r[0][1][i], static_cast<uint64_t>(s1));
            ASSERT_EQ(r[0][2][i], static_cast<uint64_t>((base0[i] + s0) % qv));
            ASSERT_EQ(r[0][3][i], static_cast<uint64_t>((base1[i] + s1) % qv));
          }
        }
      }
    }
  }
  std::vector<uint64_t> out(12), key(16 * 4);
  const uint64_t* one[1] = {out.data()};
  EXPECT_THROW(poly_dot2_interleaved(out.data(), out.data(), one, key.data(), 1, 1, 12, Modulus(97), false),
               std::invalid_argument);  // n not a multiple of 8
  EXPECT_THROW(poly_dot2_interleaved(out.data(), out.data(), one, key.data(), 2, 1, 8, Modulus(97), false),
               std::invalid_argument);  // count > stride
  std::vector<uint8_t> packed(80 * 4 + kPacked40Slack);
  EXPECT_THROW(poly_dot2_interleaved_packed40(out.data(), out.data(), one, packed.data(), 1, 1, 8,
                                              Modulus(generate_ntt_primes(41, 8, 1)[0]), false),
               std::invalid_argument);  // key words above 40 bits
  EXPECT_THROW(
      poly_dot2_interleaved_packed40(out.data(), out.data(), one, packed.data(), 2, 1, 8, Modulus(97), false),
      std::invalid_argument);  // count > stride
}

}  // namespace
}  // namespace v100::math

namespace v100::math {
namespace {

// The modulus-switch step against an __int128 reference of (x - centered(c)) / q_l mod q_j, on both
// paths, with q_l above and below q_j and c at the rounding boundary.
TEST(Poly, DropPrimeOnBothPaths) {
  testing::TestRng rng("poly-drop-prime");
  for (int bits : {36, 43, 50}) {
    const auto primes = generate_ntt_primes(bits, 8, 2);
    for (int order = 0; order < 2; ++order) {
      const uint64_t qjv = primes[order], qlv = primes[1 - order];
      Modulus qj(qjv), ql(qlv);
      const uint64_t inv = inv_mod(reduce(qlv, qj), qj);
      for (size_t n : {5u, 64u, 1003u}) {
        std::vector<uint64_t> x(n), c(n), r[2];
        for (size_t i = 0; i < n; ++i) {
          x[i] = rng.below(qjv);
          c[i] = i % 4 == 0 ? qlv / 2 + (i % 8 == 0) : i % 4 == 1 ? qlv - 1 : rng.below(qlv);
        }
        for (int path = 0; path < 2; ++path) {
          cpu::force_portable(path == 1);
          r[path].assign(n, 0);
          poly_drop_prime(r[path].data(), x.data(), c.data(), qlv, inv, n, qj);
          cpu::force_portable(false);
        }
        ASSERT_EQ(r[0], r[1]) << bits;
        for (size_t i = 0; i < n; ++i) {
          const u128 lift = c[i] > qlv / 2 ? (u128(c[i]) + qjv * 4 - qlv % qjv) % qjv : c[i] % qjv;
          ASSERT_EQ(r[0][i], static_cast<uint64_t>((u128(x[i]) + qjv - lift) % qjv * inv % qjv));
        }
      }
    }
  }
}

}  // namespace
}  // namespace v100::math
