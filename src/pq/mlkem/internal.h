// Internal to pq/mlkem: the polynomial ring R_q = Z_q[X]/(X^256 + 1), q = 3329, its NTT, and the
// sampling and coding routines of FIPS 203 §4. Not part of the public API.
//
// Representation: coefficients are int16_t, not necessarily canonical; each function states the
// range it accepts and returns. Multiplication uses Montgomery reduction with R = 2^16, so
// fqmul(a, b) = a * b * R^-1 mod q; the NTT twiddles are stored times R so that they cancel.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>

namespace v100::pq::mlkem::internal {

/// Zeroes n bytes of a transient secret. The empty asm statement that takes the pointer and
/// clobbers memory keeps the compiler from dropping the memset as a dead store; unlike a call to
/// OPENSSL_cleanse it inlines to vector stores, which matters for the many 512-byte polynomials.
inline void wipe(void* p, size_t n) {
  std::memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

/// Wipes a stack object (an array of polynomials, a seed) when it leaves scope.
template <typename T>
class WipeScope {
 public:
  explicit WipeScope(T& obj) : obj_(obj) {}
  WipeScope(const WipeScope&) = delete;
  WipeScope& operator=(const WipeScope&) = delete;
  ~WipeScope() { wipe(&obj_, sizeof(T)); }

 private:
  T& obj_;
};

inline constexpr int kN = 256;
inline constexpr int16_t kQ = 3329;
/// q^-1 mod 2^16, as a signed 16-bit value.
inline constexpr int16_t kQInv = -3327;

/// A polynomial in R_q or T_q (which one is stated by the variable name: f vs f_hat).
struct alignas(64) Poly {
  int16_t c[kN];
};

/// Montgomery reduction: for |a| < q * 2^15 returns r = a * 2^-16 mod q with |r| < q.
inline int16_t montgomery_reduce(int32_t a) {
  int16_t t = static_cast<int16_t>(static_cast<int16_t>(a) * kQInv);
  return static_cast<int16_t>((a - static_cast<int32_t>(t) * kQ) >> 16);
}

/// a * b * 2^-16 mod q, |result| < q for |a * b| < q * 2^15.
inline int16_t fqmul(int16_t a, int16_t b) {
  return montgomery_reduce(static_cast<int32_t>(a) * b);
}

/// Barrett reduction: the representative of a mod q in [-(q-1)/2, (q-1)/2], for any int16 a.
inline int16_t barrett_reduce(int16_t a) {
  constexpr int32_t v = ((1 << 26) + kQ / 2) / kQ;
  int16_t t = static_cast<int16_t>((v * a + (1 << 25)) >> 26);
  return static_cast<int16_t>(a - t * kQ);
}

/// Maps a in (-q, q) to [0, q) without a branch.
inline int16_t to_canonical(int16_t a) {
  return static_cast<int16_t>(a + ((a >> 15) & kQ));
}

namespace detail {
constexpr int bit_rev7(int i) {
  int r = 0;
  for (int b = 0; b < 7; ++b) r |= ((i >> b) & 1) << (6 - b);
  return r;
}
constexpr int32_t pow_mod_q(int32_t base, int e) {
  int64_t r = 1;
  for (int i = 0; i < e; ++i) r = r * base % kQ;
  return static_cast<int32_t>(r);
}
/// 17^e * 2^16 mod q, centered in [-(q-1)/2, (q-1)/2].
constexpr int16_t mont_zeta(int e) {
  int32_t z = static_cast<int32_t>(static_cast<int64_t>(pow_mod_q(17, e)) * 65536 % kQ);
  return static_cast<int16_t>(z > kQ / 2 ? z - kQ : z);
}
constexpr std::array<int16_t, 128> make_zetas(bool gamma) {
  std::array<int16_t, 128> t{};
  for (int i = 0; i < 128; ++i) t[i] = mont_zeta(gamma ? 2 * bit_rev7(i) + 1 : bit_rev7(i));
  return t;
}
}  // namespace detail

/// kZetas[i] = zeta^BitRev7(i) * R mod q, kGammas[i] = zeta^(2*BitRev7(i)+1) * R mod q, zeta = 17
/// (FIPS 203 Appendix A, moved into the Montgomery domain so fqmul by them is a plain product).
alignas(64) inline constexpr std::array<int16_t, 128> kZetas = detail::make_zetas(false);
alignas(64) inline constexpr std::array<int16_t, 128> kGammas = detail::make_zetas(true);
/// R^2 mod q (fqmul by it multiplies by R) and R^2 / 128 mod q (the NTT^-1 scale, Alg. 10 line 14).
inline constexpr int16_t kR2 = 1353;
inline constexpr int16_t kInvNttScale = 1441;
static_assert(kR2 == static_cast<int16_t>(65536LL * 65536 % kQ));
static_assert(kInvNttScale == static_cast<int16_t>(65536LL * 65536 % kQ * 3303 % kQ));
static_assert(kZetas[1] == detail::mont_zeta(64));

/// The parsed encapsulation key (FIPS 203 Alg. 14 lines 2-8, done once per key):
/// at_hat[i*k + j] = A_hat[j, i] and t_hat = ByteDecode_12(ek_PKE[0 : 384k]), canonical.
template <int K>
struct ExpandedEk {
  Poly at_hat[K * K];
  Poly t_hat[K];
};

/// The parsed decapsulation key: s_hat = ByteDecode_12(dk_PKE) (Alg. 15 line 5), canonical.
template <int K>
struct ExpandedDk {
  Poly s_hat[K];
  ExpandedDk() = default;
  ExpandedDk(const ExpandedDk&) = delete;
  ExpandedDk& operator=(const ExpandedDk&) = delete;
  ~ExpandedDk() { wipe(s_hat, sizeof s_hat); }
};

// ---- Portable kernels (ntt.cc, poly.cc). ----
namespace portable {
/// NTT (FIPS 203 Alg. 9). In: |f| < q. Out: bit-reversed order, barrett-reduced (|f| <= q/2).
void ntt(Poly& f);
/// NTT^-1 (Alg. 10) including the Montgomery factor: in any int16 coefficients of a product of
/// basemul outputs (domain R^-1); out: the normal domain, |f| < q.
void inv_ntt(Poly& f);
/// r = sum_{i<num} a[i] o b[i] in T_q (Alg. 11/12), times R^-1. In: |a|, |b| < q (num <= 4).
/// Out: |r| < q.
void basemul_acc(Poly& r, const Poly* a, const Poly* b, int num);
void compress_encode(uint8_t* out, const Poly& f, int d);
void decode_decompress(Poly& f, const uint8_t* in, int d);
void sample_cbd(Poly& f, const uint8_t* bytes, int eta);
}  // namespace portable

// ---- Dispatched entry points (poly.cc): AVX2 when cpu::active().avx2, else portable. ----
void ntt(Poly& f);
void inv_ntt(Poly& f);
void basemul_acc(Poly& r, const Poly* a, const Poly* b, int num);

/// Coefficient-wise reduction to [-(q-1)/2, (q-1)/2].
void poly_reduce(Poly& f);
/// Maps coefficients in (-q, q) to [0, q).
void poly_canonical(Poly& f);
/// f = f * R mod q (undoes the R^-1 of basemul for results that stay in T_q).
void poly_tomont(Poly& f);
void poly_add(Poly& r, const Poly& a, const Poly& b);
void poly_sub(Poly& r, const Poly& a, const Poly& b);

/// ByteEncode_12 (Alg. 5) of canonical coefficients [0, q): 384 bytes. In: |f| < q (canonicalized).
void encode12(uint8_t out[384], const Poly& f);
/// ByteDecode_12 (Alg. 6) reduced mod q (constant time): 384 bytes -> [0, q).
void decode12(Poly& f, const uint8_t in[384]);
/// True iff all 256 encoded 12-bit values are < q (§7.2 modulus check on public data).
bool decode12_all_below_q(const uint8_t in[384]);

/// ByteEncode_d(Compress_d(f)) (Alg. 5, eq. 4.7) for d in {1, 4, 5, 10, 11}: 32*d bytes.
/// In: |f| < q. Rounding division by q is a multiply-shift (no secret-dependent division).
void compress_encode(uint8_t* out, const Poly& f, int d);
/// Decompress_d(ByteDecode_d(in)) (Alg. 6, eq. 4.8) for d in {1, 4, 5, 10, 11}. Out: [0, q).
void decode_decompress(Poly& f, const uint8_t* in, int d);

/// Compress_d of one canonical coefficient x in [0, q): round(2^d * x / q) mod 2^d.
inline uint32_t compress_coeff(uint32_t x, int d) {
  // floor(n / q) = (n * 10321340) >> 35 for every n < 2^23 (checked exhaustively in the tests);
  // n = x * 2^d + (q-1)/2 < 2^23 for d <= 11. As q is odd, 2^d x / q is never a half-integer, so
  // adding (q-1)/2 before the floor rounds to nearest.
  uint64_t n = (static_cast<uint64_t>(x) << d) + (kQ - 1) / 2;
  return static_cast<uint32_t>((n * 10321340ULL) >> 35) & ((1u << d) - 1);
}

/// SamplePolyCBD_eta (Alg. 8) from 64*eta bytes. Out: |f| <= eta.
void sample_cbd(Poly& f, const uint8_t* bytes, int eta);
/// SampleNTT's rejection step (Alg. 7 lines 4-13) on `buf_len` bytes (a multiple of 3) of SHAKE128
/// output: writes at most `needed` accepted values (< q) to out, in order, and returns how many.
/// Branches only on public data (the matrix seed rho). Dispatched like the NTT.
int rej_uniform(int16_t* out, int needed, const uint8_t* buf, size_t buf_len);
/// The portable rejection loop (the AVX2 one finishes its tail with it).
int portable_rej_uniform(int16_t* out, int needed, const uint8_t* buf, size_t buf_len);

/// H(in) = SHA3-256 (FIPS 203 §4.1 eq. 4.4).
void hash_h(uint8_t out[32], std::span<const uint8_t> in);
/// G(a || b) = SHA3-512, split into out1 || out2 (eq. 4.5). a.size() + b.size() <= 64.
void hash_g(uint8_t out1[32], uint8_t out2[32], std::span<const uint8_t> a, std::span<const uint8_t> b);
/// J(z || c) = SHAKE256(z || c, 32) (eq. 4.4). c.size() <= 1568.
void hash_j(uint8_t out[32], const uint8_t z[32], std::span<const uint8_t> c);

/// A_hat (or its transpose) for rank k from rho (Alg. 13 line 3-7; Alg. 14 line 4-8):
/// a[i*k + j] = SampleNTT(rho || j || i), or SampleNTT(rho || i || j) when transposed.
void gen_matrix(Poly* a, const uint8_t rho[32], int k, bool transposed);
/// Samples `num` polynomials CBD_eta(PRF_eta(sigma, nonce0 + i)) (Alg. 13 line 8-15).
void sample_noise(Poly* out, int num, const uint8_t sigma[32], uint8_t nonce0, int eta);

}  // namespace v100::pq::mlkem::internal
