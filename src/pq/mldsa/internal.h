// Internals of ML-DSA (not part of the public API): parameters, polynomial arithmetic mod q, the
// NTT backends (portable and AVX2), sampling (FIPS 204 §7.3) and bit packing (§7.1-7.2).
// Names follow FIPS 204: q, d, tau, beta, gamma1, gamma2, eta, omega, lambda; t0, t1, s1_hat, ...
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/secure.h"
#include "pq/mldsa/mldsa.h"

namespace v100::pq::mldsa::internal {

inline constexpr int32_t kQ = 8380417;  // q = 2^23 - 2^13 + 1
inline constexpr int kN = 256;
inline constexpr int kD = 13;               // dropped bits of t (Power2Round)
inline constexpr int32_t kQInv = 58728449;  // q^-1 mod 2^32 (Montgomery, R = 2^32)

/// FIPS 204 Table 1, per parameter set.
template <ParameterSet P>
struct Params : Sizes<P> {
  using S = Sizes<P>;
  static constexpr int kTau = P == kMlDsa44 ? 39 : P == kMlDsa65 ? 49 : 60;
  static constexpr int kBeta = kTau * S::kEta;
  static constexpr int32_t kGamma1 = int32_t{1} << S::kGamma1Bits;
  static constexpr int32_t kGamma2 = P == kMlDsa44 ? (kQ - 1) / 88 : (kQ - 1) / 32;
  static constexpr size_t kCTildeBytes = S::kLambda / 4;
  static constexpr int kEtaBits = S::kEta == 2 ? 3 : 4;
  static constexpr int kZBits = 1 + S::kGamma1Bits;                 // bitlen(gamma1 - 1) + 1
  static constexpr int kW1Bits = kGamma2 == (kQ - 1) / 88 ? 6 : 4;  // bitlen((q-1)/(2 gamma2) - 1)
  static constexpr size_t kPolyEtaBytes = 32 * kEtaBits;
  static constexpr size_t kPolyZBytes = 32 * kZBits;
  static constexpr size_t kPolyW1Bytes = 32 * kW1Bits;
  static constexpr size_t kPolyT1Bytes = 320;
  static constexpr size_t kPolyT0Bytes = 416;
};
static_assert(Params<kMlDsa44>::kBeta == 78 && Params<kMlDsa65>::kBeta == 196 &&
              Params<kMlDsa87>::kBeta == 120);

/// A polynomial of R_q (or T_q in the NTT domain), coefficient i at c[i].
struct alignas(64) Poly {
  int32_t c[kN];
};

// ------------------------------------------------------------------ scalar arithmetic mod q

/// a * 2^-32 mod q, for |a| < 2^31 q; result in (-q, q).
inline int32_t montgomery_reduce(int64_t a) {
  const int32_t t = static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(kQInv));
  return static_cast<int32_t>((a - static_cast<int64_t>(t) * kQ) >> 32);
}
/// A representative of a mod q in [-6283008, 6283008], for a <= 2^31 - 2^22 - 1.
inline int32_t reduce32(int32_t a) {
  return a - ((a + (1 << 22)) >> 23) * kQ;
}
/// Adds q if a is negative (branch-free).
inline int32_t caddq(int32_t a) {
  return a + ((a >> 31) & kQ);
}
/// The representative in [0, q) of any int32 a with |a| < 2^31 - 2^22.
inline int32_t freeze(int32_t a) {
  return caddq(reduce32(a));
}
/// The centered representative in [-(q-1)/2, (q-1)/2] (a mod± q, FIPS 204 §2.3), branch-free.
inline int32_t center(int32_t a) {
  const int32_t r = freeze(a);
  return r - (((((kQ - 1) / 2) - r) >> 31) & kQ);
}

// ------------------------------------------------------------------ NTT (FIPS 204 §7.5)

/// zetas[m] = 1753^BitRev8(m) * 2^32 mod q, centered (Montgomery form), m = 0..255 (Alg. 41/42).
struct ZetaTable {
  int32_t v[kN];
};
constexpr ZetaTable make_zetas() {
  ZetaTable z{};
  auto mulmod = [](int64_t a, int64_t b) { return (a * b) % kQ; };
  for (int m = 0; m < kN; ++m) {
    int br = 0;
    for (int b = 0; b < 8; ++b) br |= ((m >> b) & 1) << (7 - b);
    int64_t p = 1;
    for (int e = 0; e < br; ++e) p = mulmod(p, 1753);
    int64_t mont = mulmod(p, (int64_t{1} << 32) % kQ);
    if (mont > kQ / 2) mont -= kQ;
    z.v[m] = static_cast<int32_t>(mont);
  }
  return z;
}
inline constexpr ZetaTable kZetas = make_zetas();
/// 2^64 / 256 mod q: invntt_tomont's final factor, so that invntt(pointwise(a, b)) = a * b.
inline constexpr int32_t kInvNttF = 41978;

/// The challenge c as a list of its tau non-zero positions and signs (c is public once c_tilde is).
struct SparseChallenge {
  uint8_t pos[kN];  // entries [0, n) are used; room for any c, so filling it needs no bound check
  int8_t sign[kN];
  int n;
};

/// Three polynomials a, b, c with |coefficients| <= 2^8 packed per coefficient into one int32
/// v = a + 2^10 b + 2^20 c, stored twice for the negacyclic sparse product: ext[256 + i] = v_i,
/// ext[i] = -v_i. c * v = c*a + 2^10 c*b + 2^20 c*c exactly while every |c * x| < 2^9 (tau * eta
/// <= 240 for s1, s2), so one product of 32-bit lanes yields three.
struct alignas(32) PackedSmall3 {
  int32_t ext[2 * kN];
};
/// Packs a[0..3) (null = the zero polynomial) into p.
void pack_small3(PackedSmall3& p, const Poly* const a[3]);

/// The arithmetic kernels, portable or AVX2. Contracts (bit-identical across backends):
///  ntt:      input |a| < q; output the NTT of a (Alg. 41), |coefficients| < 9q.
///  invntt:   input |a| < q; output NTT^-1(a) * 2^32 (Alg. 42 times R), |coefficients| < q.
///  pointwise: out = a o b * 2^-32, needs |a * b| < 2^31 q; |out| < q.
///  pointwise_acc: out = sum_i a[i] o b[i] * 2^-32 (one reduction of the 64-bit sum), needs the
///             sum of |a[i] * b[i]| < 2^31 q (A_hat in [0, q) times NTT outputs < 9q, n <= 8).
/// The coefficient kernels of poly_kernels.inc (index [g]: g = 0 for gamma2 = (q-1)/88, 1 for
/// (q-1)/32); their Poly inputs named cs1, cs2, ct0, w (verify) are inverse-NTT outputs:
///  highbits:  w := w mod q in [0, q); w1 := HighBits(w) (Alg. 37).
///  make_z:    z = y + (cs1 mod+- q); returns 1 iff ||z|| >= bound.
///  make_hint: h = MakeHint(-ct0, w - cs2 + ct0) for w in [0, q); returns 1 iff ||LowBits(w -
///             cs2)|| >= gamma2 - beta or ||ct0|| >= gamma2; adds the hint count to *count.
///  use_hint:  w1 = UseHint(h, w mod q) (Alg. 40).
///  power2round: (t1, t0) = Power2Round((t mod q) + s2) (Alg. 35).
struct NttBackend {
  void (*ntt)(Poly& a);
  void (*invntt)(Poly& a);
  void (*pointwise)(Poly& out, const Poly& a, const Poly& b);
  void (*pointwise_acc)(Poly& out, const Poly* a, const Poly* b, int n);
  void (*highbits[2])(Poly& w, uint32_t* w1);
  uint32_t (*make_z)(Poly& z, const Poly& y, const Poly& cs1, int32_t bound);
  uint32_t (*make_hint[2])(uint8_t* h, int32_t* count, const Poly& w, const Poly& cs2, const Poly& ct0,
                           int32_t beta);
  void (*use_hint[2])(uint32_t* w1, const Poly& w, const uint8_t* h);
  void (*power2round)(Poly& t1, Poly& t0, const Poly& t, const Poly& s2);
  /// RejNTTPoly's parser (Alg. 30 lines 4-9): appends the accepted 23-bit candidates of buf
  /// (len bytes, a multiple of 3) to a[ctr..256) and returns the new count; entries at and past
  /// the returned count may be overwritten with scratch values (still within a[0..256)).
  int (*rej_uniform)(int32_t* a, int ctr, const uint8_t* buf, size_t len);
  /// RejBoundedPoly's parser (Alg. 31 lines 4-13 with Alg. 15) on one squeezed block of len <=
  /// 136 bytes: appends the accepted half-bytes (low then high of each byte) as eta - (z mod 5)
  /// (eta = 2) or eta - z (eta = 4) to a[ctr..256) and returns the new count; entries at and past
  /// it may be overwritten (with secret scratch values). The values are secret: no branch or index
  /// depends on them; only the accept bits are declassified (they decide the bytes consumed).
  int (*rej_eta)(int32_t* a, int ctr, const uint8_t* buf, size_t len, int eta);
  /// out[j] = c * a_j (exact integers) for the three polynomials packed in p (all out[j] non-null).
  /// How signing forms c*s1 and c*s2 (Alg. 7 lines 18-19, 22) on every backend: tau shifted
  /// additions per three polynomials cost less than three NTT-domain products and inverse NTTs.
  void (*sparse_mul_small3)(Poly* const out[3], const SparseChallenge& c, const PackedSmall3& p);
  /// ExpandMask's BitUnpack(v, gamma1 - 1, gamma1) (Alg. 34 line 5) of one polynomial, gamma1 =
  /// 2^gamma1_bits (17 or 19): y_i = gamma1 - (value i of gamma1_bits + 1 bits). Reads up to
  /// 5 * 136 bytes of in (the five squeezed blocks), past the 576 or 640 it decodes. Secret.
  void (*unpack_mask)(Poly& y, const uint8_t* in, int gamma1_bits);
  /// How signing forms c*t0 (line 25): true = NTT^-1(NTT(c) o t0_hat) (the vector backend, where
  /// that beats tau additions of 32-bit lanes); false = sparse_challenge_mul (portable).
  bool ntt_t0;
};

SparseChallenge to_sparse(const Poly& c);
/// out = c * a in R_q as exact integers (negacyclic), for |a| <= 2^12 so that |out| <= tau * 2^12;
/// `small` promises |a| <= 4 (s1, s2), which allows 16-bit lanes. Public positions, secret a: no
/// branch or index depends on a.
void sparse_challenge_mul(Poly& out, const SparseChallenge& c, const Poly& a, bool small);
int rej_uniform_portable(int32_t* a, int ctr, const uint8_t* buf, size_t len);
int rej_eta_portable(int32_t* a, int ctr, const uint8_t* buf, size_t len, int eta);
const NttBackend& portable_backend();
const NttBackend* avx2_backend();  // nullptr when not compiled in
/// The backend for this call: AVX2 when cpu::active() has it, else portable.
const NttBackend& backend();

// ------------------------------------------------------------------ sampling (FIPS 204 §7.3)

/// RejNTTPoly(rho || s || r) (Alg. 30), the (r, s) entry of ExpandA (Alg. 32). Public input.
void rej_ntt_poly(Poly& a_hat, std::span<const uint8_t, 32> rho, uint8_t s, uint8_t r);
/// ExpandA for a k x l matrix, row-major into a_hat[r * l + s].
void expand_a(Poly* a_hat, std::span<const uint8_t, 32> rho, int k, int l);
/// RejBoundedPoly(rho' || IntegerToBytes(index, 2)) (Alg. 31) for eta in {2, 4}. Secret input;
/// only which samples were rejected is declassified (they are independent of accepted ones).
void rej_bounded_poly(Poly& a, std::span<const uint8_t, 64> rho_prime, uint16_t index, int eta);
/// ExpandS (Alg. 33) as one call: s[r] = RejBoundedPoly(rho' || IntegerToBytes(r, 2)) for
/// r = 0..n-1 (s1 = s[0..l), s2 = s[l..l+k)), four at a time on the 4-way Keccak.
void expand_s(Poly* s, int n, std::span<const uint8_t, 64> rho_prime, int eta);
/// ExpandMask (Alg. 34) for the successive kappa = 0, l, 2l, ... of the signing loop. With a
/// vector 4-way Keccak no lane idles: the polynomials are squeezed four consecutive indices at a
/// time across iterations (l = 5 for ML-DSA-65), and shake256_with_masks hashes c_tilde on one
/// lane while the other three squeeze the next three indices (a mask sponge needs 5
/// permutations, the c_tilde hash at least 7). Without one, one polynomial at a time. Up to three
/// polynomials past the accepted iteration are computed and never used. Holds rho'' and mask
/// polynomials: wiped on destruction.
class MaskStream {
 public:
  MaskStream(std::span<const uint8_t, 64> rho_pp, int gamma1_bits);
  ~MaskStream();
  MaskStream(const MaskStream&) = delete;
  MaskStream& operator=(const MaskStream&) = delete;
  /// y[0..l) = ExpandMask(rho'', kappa) for the next kappa (0 on the first call, then += l).
  void next(Poly* y, int l);
  /// out = SHAKE256(in) (out <= 136 bytes), plus, on a vector backend, the next three mask
  /// polynomials not yet squeezed on the other lanes.
  void shake256_with_masks(std::span<uint8_t> out, ByteSpan in);

 private:
  static constexpr uint32_t kSlots = 16;  // > l - 1 + 4 for every parameter set
  void refill();
  Poly& slot(uint32_t index) { return buf_[index % kSlots]; }
  uint8_t rho_pp_[64];
  int gamma1_bits_;
  uint32_t kappa_ = 0;
  uint32_t end_ = 0;  // indices [kappa_, end_) are squeezed, in slot(index)
  Poly* buf_;         // kSlots polynomials
};
/// True when one lane of the 4-way Keccak costs less than the scalar permutation (AVX-512VL:
/// measured ~650 cycles for four permutations against ~880 for one scalar).
bool x4_beats_scalar();
/// SHAKE256 of `in` into out (<= 136 bytes), on a lane of the 4-way Keccak when that is faster.
void shake256_short(std::span<uint8_t> out, ByteSpan in);
/// One polynomial of ExpandMask (Alg. 34): BitUnpack(H(rho'' || IntegerToBytes(mu_index, 2)),
/// gamma1 - 1, gamma1) with gamma1 = 2^gamma1_bits.
void expand_mask_poly(Poly& y, std::span<const uint8_t, 64> rho_pp, uint16_t mu_index, int gamma1_bits);
/// SampleInBall(c_tilde) (Alg. 29): tau coefficients +-1. c_tilde must be public (declassified).
void sample_in_ball(Poly& c, ByteSpan c_tilde, int tau);

// ------------------------------------------------------------------ bit packing (FIPS 204 §7.1)

/// Packs 256 values, each < 2^bits, little-endian bit order (SimpleBitPack, Alg. 16).
void pack_bits(uint8_t* out, const uint32_t* v, int bits);
/// Inverse of pack_bits (SimpleBitUnpack, Alg. 18); every value < 2^bits.
void unpack_bits(uint32_t* v, const uint8_t* in, int bits);
/// BitPack(w, a, b) (Alg. 17): packs b - w_i in `bits` bits.
void bit_pack(uint8_t* out, const Poly& w, int32_t b, int bits);
/// BitUnpack(v, a, b) (Alg. 19): w_i = b - (value in `bits` bits).
void bit_unpack(Poly& w, const uint8_t* in, int32_t b, int bits);

/// Declassify a value for the constant-time checker (Valgrind): the caller states that FIPS 204
/// lets this value be public (the rejection decision, a public output).
template <typename T>
inline void declassify(T& v) {
  V100_CT_UNPOISON(&v, sizeof(T));
}
inline void declassify(void* p, size_t n) {
  V100_CT_UNPOISON(p, n);
}

}  // namespace v100::pq::mldsa::internal
