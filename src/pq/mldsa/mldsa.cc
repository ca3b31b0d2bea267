// ML-DSA key generation, signing and verification (FIPS 204 §5-§6, Alg. 1-8) and the encodings
// of §7.2 (Alg. 22-28). Decomposition helpers follow §7.4 (Alg. 35-40), written branch-free
// because their inputs are secret while signing.
#include "pq/mldsa/mldsa.h"

#if !V100_NO_OPENSSL
#include <openssl/evp.h>
#endif

#include <cstring>
#include <stdexcept>

#include "core/rng.h"
#include "hash/sha3.h"
#include "pq/mldsa/internal.h"

namespace v100::pq::mldsa {

// The one place that builds and reads the encoded objects (their constructors are private so
// that every key or signature from outside went through parse()).
template <ParameterSet P>
struct Access {
  static PublicKey<P> pk() { return PublicKey<P>(); }
  static SecretKey<P> sk() { return SecretKey<P>(); }
  static Signature<P> sig() { return Signature<P>(); }
  static uint8_t* data(PublicKey<P>& k) { return k.bytes_.data(); }
  static uint8_t* data(SecretKey<P>& k) { return k.bytes_.data(); }
  static uint8_t* data(Signature<P>& s) { return s.bytes_.data(); }
  static const uint8_t* data(const SecretKey<P>& k) { return k.bytes_.data(); }
};

namespace internal {
namespace {

// H = SHAKE256 over a list of pieces (FIPS 204 §3.7).
void shake256_cat(std::span<uint8_t> out, std::initializer_list<ByteSpan> pieces) {
  hash::Shake256 h;
  for (ByteSpan p : pieces) h.absorb(p);
  h.squeeze(out);
}

// 1 iff some |coefficient| >= bound (coefficients are exact small integers), branch-free.
inline uint32_t norm_ge(const Poly& a, int32_t bound) {
  uint32_t flag = 0;
  for (int i = 0; i < kN; ++i) {
    const int32_t x = a.c[i];
    const int32_t abs = x - ((x >> 31) & (2 * x));
    flag |= static_cast<uint32_t>(bound - 1 - abs) >> 31;
  }
  return flag;
}

template <ParameterSet P>
struct Scheme {
  using Pr = Params<P>;
  static constexpr int kK = Pr::kK;
  static constexpr int kL = Pr::kL;
  static constexpr int32_t kGamma1 = Pr::kGamma1;
  static constexpr int32_t kGamma2 = Pr::kGamma2;
  static constexpr int kBeta = Pr::kBeta;
  static constexpr int kOmega = Pr::kOmega;
  static constexpr size_t kCT = Pr::kCTildeBytes;
  static constexpr int kG = kGamma2 == (kQ - 1) / 88 ? 0 : 1;  // backend kernel variant
  static constexpr int kGroups = (kL + kK + 2) / 3;            // PackedSmall3 groups of s1 || s2

  // Byte offsets of skEncode (Alg. 24): rho || K || tr || s1 || s2 || t0.
  static constexpr size_t kSkS1 = 128;
  static constexpr size_t kSkS2 = kSkS1 + kL * Pr::kPolyEtaBytes;
  static constexpr size_t kSkT0 = kSkS2 + kK * Pr::kPolyEtaBytes;
  static_assert(kSkT0 + kK * Pr::kPolyT0Bytes == Pr::kSecretKeyBytes);
  // sigEncode (Alg. 26): c_tilde || z || h.
  static constexpr size_t kSigZ = kCT;
  static constexpr size_t kSigH = kSigZ + kL * Pr::kPolyZBytes;
  static_assert(kSigH + kOmega + kK == Pr::kSignatureBytes);
  static_assert(32 + kK * Pr::kPolyT1Bytes == Pr::kPublicKeyBytes);

  // The decoded secret key (Alg. 7 lines 1-4). s1, s2, t0 stay in the coefficient domain: every
  // backend multiplies them by the sparse challenge directly, so s1_hat, s2_hat, t0_hat of lines
  // 2-4 are never formed.
  struct ExpandedSecret {
    uint8_t rho[32];
    uint8_t key[32];  // K
    uint8_t tr[64];
    Poly s1[kL];
    Poly s2[kK];
    Poly t0[kK];  // t0_hat (NTT domain) when the backend forms c*t0 as an NTT product
    // s1 || s2 packed three polynomials at a time for the sparse products c*s1, c*s2.
    PackedSmall3 s12[kGroups];
  };

  // skDecode (Alg. 25), the packed s1 || s2 and, for an NTT-product backend, t0_hat (Alg. 7 line
  // 4). rho and tr are public (rho is in pk, tr = H(pk)); they are declassified here so the
  // constant-time test can poison the whole key.
  static void expand_secret(const uint8_t* sk, ExpandedSecret& e, const NttBackend& be) {
    std::memcpy(e.rho, sk, 32);
    std::memcpy(e.key, sk + 32, 32);
    std::memcpy(e.tr, sk + 64, 64);
    declassify(e.rho, sizeof e.rho);
    declassify(e.tr, sizeof e.tr);
    for (int r = 0; r < kL; ++r)
      bit_unpack(e.s1[r], sk + kSkS1 + r * Pr::kPolyEtaBytes, Pr::kEta, Pr::kEtaBits);
    for (int r = 0; r < kK; ++r) {
      bit_unpack(e.s2[r], sk + kSkS2 + r * Pr::kPolyEtaBytes, Pr::kEta, Pr::kEtaBits);
      bit_unpack(e.t0[r], sk + kSkT0 + r * Pr::kPolyT0Bytes, 1 << (kD - 1), kD);
      if (be.ntt_t0) be.ntt(e.t0[r]);
    }
    for (int g = 0; g < kGroups; ++g) {
      const Poly* a[3];
      for (int j = 0; j < 3; ++j) {
        const int r = 3 * g + j;
        a[j] = r < kL ? &e.s1[r] : r < kL + kK ? &e.s2[r - kL] : nullptr;
      }
      pack_small3(e.s12[g], a);
    }
  }

  // ------------------------------------------------------------- Alg. 6 KeyGen_internal
  static void keygen(std::span<const uint8_t, 32> xi, uint8_t* pk, uint8_t* sk) {
    const NttBackend& be = backend();
    uint8_t seed_in[34];
    std::memcpy(seed_in, xi.data(), 32);
    seed_in[32] = static_cast<uint8_t>(kK);  // IntegerToBytes(k, 1) || IntegerToBytes(l, 1)
    seed_in[33] = static_cast<uint8_t>(kL);
    uint8_t expanded[128];  // rho (32) || rho' (64) || K (32)
    shake256_cat(expanded, {ByteSpan(seed_in)});
    declassify(expanded, 32);  // rho is part of the public key
    std::span<const uint8_t, 32> rho(expanded, 32);
    std::span<const uint8_t, 64> rho_prime(expanded + 32, 64);

    auto* a_hat = new Poly[kK * kL];
    expand_a(a_hat, rho, kK, kL);
    Poly s[kL + kK], s1_hat[kL], t;  // (s1, s2) = ExpandS(rho') (line 4)
    expand_s(s, kL + kK, rho_prime, Pr::kEta);
    Poly* s1 = s;
    Poly* s2 = s + kL;
    for (int r = 0; r < kL; ++r) {
      s1_hat[r] = s1[r];
      be.ntt(s1_hat[r]);
    }

    std::memcpy(pk, expanded, 32);
    std::memcpy(sk, expanded, 32);
    std::memcpy(sk + 32, expanded + 96, 32);
    Poly t1, t0;
    for (int r = 0; r < kK; ++r) {
      // t = NTT^-1(A_hat o NTT(s1)) + s2 (line 5), then Power2Round (line 6).
      be.pointwise_acc(t, a_hat + r * kL, s1_hat, kL);
      be.invntt(t);
      be.power2round(t1, t0, t, s2[r]);
      declassify(t1.c, sizeof t1.c);  // t1 is the public key
      pack_bits(pk + 32 + r * Pr::kPolyT1Bytes, reinterpret_cast<const uint32_t*>(t1.c), 10);  // pkEncode
      bit_pack(sk + kSkT0 + r * Pr::kPolyT0Bytes, t0, 1 << (kD - 1), kD);
    }
    delete[] a_hat;
    // tr = H(pk, 64) (line 8), then skEncode (Alg. 24).
    shake256_short(std::span<uint8_t>(sk + 64, 64), ByteSpan(pk, Pr::kPublicKeyBytes));
    for (int r = 0; r < kL; ++r) bit_pack(sk + kSkS1 + r * Pr::kPolyEtaBytes, s1[r], Pr::kEta, Pr::kEtaBits);
    for (int r = 0; r < kK; ++r) bit_pack(sk + kSkS2 + r * Pr::kPolyEtaBytes, s2[r], Pr::kEta, Pr::kEtaBits);

    secure_wipe(seed_in, sizeof seed_in);
    secure_wipe(expanded, sizeof expanded);
    secure_wipe(s, sizeof s);
    secure_wipe(s1_hat, sizeof s1_hat);
    secure_wipe(&t, sizeof t);
    secure_wipe(&t0, sizeof t0);
  }

  // 1 iff every s1, s2 coefficient of an encoded secret key is in [-eta, eta], constant time.
  static bool secret_key_in_range(const uint8_t* sk) {
    uint32_t bad = 0;
    uint32_t v[kN];
    for (int r = 0; r < kK + kL; ++r) {
      unpack_bits(v, sk + kSkS1 + r * Pr::kPolyEtaBytes, Pr::kEtaBits);
      for (int i = 0; i < kN; ++i) bad |= (static_cast<uint32_t>(2 * Pr::kEta) - v[i]) >> 31;
    }
    secure_wipe(v, sizeof v);
    declassify(bad);  // only "valid or not" is revealed
    return bad == 0;
  }

  // ------------------------------------------------------------- Alg. 7 lines 7-33
  static void sign_mu(const uint8_t* sk, std::span<const uint8_t, 64> mu, std::span<const uint8_t, 32> rnd,
                      uint8_t* sig) {
    const NttBackend& be = backend();
    auto* e = new ExpandedSecret;
    expand_secret(sk, *e, be);
    auto* a_hat = new Poly[kK * kL];
    expand_a(a_hat, std::span<const uint8_t, 32>(e->rho, 32), kK, kL);

    // rho'' = H(K || rnd || mu, 64) (line 7).
    uint8_t rho_pp[64];
    shake256_cat(rho_pp, {ByteSpan(e->key, 32), ByteSpan(rnd), ByteSpan(mu)});

    Poly y[kL], y_hat[kL], z[kL], w[kK], cs[kL + kK], tmp, ct0, c;
    uint32_t w1[kK][kN];
    uint8_t hint[kK][kN];
    uint8_t mu_w1[64 + kK * Pr::kPolyW1Bytes];  // mu || w1Encode(w1), the input of line 15
    std::memcpy(mu_w1, mu.data(), 64);
    uint8_t* w1_enc = mu_w1 + 64;
    uint8_t c_tilde[kCT];
    MaskStream mask(rho_pp, Pr::kGamma1Bits);
    for (;;) {
      // y = ExpandMask(rho'', kappa) (line 11), w = NTT^-1(A_hat o NTT(y)) (line 12).
      mask.next(y, kL);
      for (int r = 0; r < kL; ++r) {
        y_hat[r] = y[r];
        be.ntt(y_hat[r]);
      }
      for (int r = 0; r < kK; ++r) {
        be.pointwise_acc(w[r], a_hat + r * kL, y_hat, kL);
        be.invntt(w[r]);
        be.highbits[kG](w[r], w1[r]);                                  // w1 = HighBits(w) (line 13)
        pack_bits(w1_enc + r * Pr::kPolyW1Bytes, w1[r], Pr::kW1Bits);  // w1Encode (Alg. 28)
      }
      // c_tilde = H(mu || w1Encode(w1), lambda/4) (line 15). It is declassified: SampleInBall
      // branches on it, and a hash of w1 reveals nothing about s1, s2 (the rejected challenges
      // are outputs of a random oracle on values the adversary cannot compute).
      mask.shake256_with_masks(c_tilde, ByteSpan(mu_w1, sizeof mu_w1));
      declassify(c_tilde, sizeof c_tilde);
      sample_in_ball(c, c_tilde, Pr::kTau);  // line 16
      // c * s1 and c * s2 (lines 17-19, 20, 22) as exact sparse products, three polynomials per
      // pass: NTT^-1(c_hat o s_hat) centered mod q is the same polynomial (||c * s|| < q / 2).
      const SparseChallenge c_sparse = to_sparse(c);
      for (int g = 0; g < kGroups; ++g) {
        Poly* out[3];
        for (int j = 0; j < 3; ++j) out[j] = 3 * g + j < kL + kK ? &cs[3 * g + j] : &tmp;
        be.sparse_mul_small3(out, c_sparse, e->s12[g]);
      }
      if (be.ntt_t0) be.ntt(c);  // c_hat for c * t0 (line 25)

      uint32_t reject = 0;
      // z = y + cs1 (line 20); check ||z|| < gamma1 - beta (line 23).
      for (int r = 0; r < kL; ++r) reject |= be.make_z(z[r], y[r], cs[r], kGamma1 - kBeta);
      // The r0 and ct0 bounds and h = MakeHint(-ct0, w - cs2 + ct0) (lines 21-28).
      int32_t hint_count = 0;
      for (int r = 0; r < kK; ++r) {
        if (be.ntt_t0) {
          be.pointwise(ct0, c, e->t0[r]);
          be.invntt(ct0);
        } else {
          sparse_challenge_mul(ct0, c_sparse, e->t0[r], false);
        }
        reject |= be.make_hint[kG](hint[r], &hint_count, w[r], cs[kL + r], ct0, kBeta);
      }
      // ||ct0|| >= gamma2 or more than omega hints (line 28).
      reject |= static_cast<uint32_t>(kOmega - hint_count) >> 31;
      // The one decision FIPS 204 lets leak: whether this iteration is rejected (hence the
      // number of iterations). Everything above ran without secret-dependent branches.
      declassify(reject);
      if (reject) continue;

      // sigEncode(c_tilde, z mod+- q, h) (line 33, Alg. 26); the accepted z and h are public.
      declassify(z, sizeof z);
      declassify(hint, sizeof hint);
      std::memcpy(sig, c_tilde, kCT);
      for (int r = 0; r < kL; ++r) bit_pack(sig + kSigZ + r * Pr::kPolyZBytes, z[r], kGamma1, Pr::kZBits);
      uint8_t* hp = sig + kSigH;  // HintBitPack (Alg. 20)
      std::memset(hp, 0, kOmega + kK);
      int index = 0;
      for (int r = 0; r < kK; ++r) {
        for (int i = 0; i < kN; ++i)
          if (hint[r][i]) hp[index++] = static_cast<uint8_t>(i);
        hp[kOmega + r] = static_cast<uint8_t>(index);
      }
      break;
    }
    secure_wipe(e, sizeof *e);
    delete e;
    delete[] a_hat;
    secure_wipe(rho_pp, sizeof rho_pp);
    secure_wipe(y, sizeof y);
    secure_wipe(y_hat, sizeof y_hat);
    secure_wipe(w, sizeof w);
    secure_wipe(w1, sizeof w1);
    secure_wipe(tmp.c, sizeof tmp.c);
    secure_wipe(cs, sizeof cs);
    secure_wipe(ct0.c, sizeof ct0.c);
    secure_wipe(mu_w1, sizeof mu_w1);
  }

  // sigDecode (Alg. 27) with HintBitUnpack (Alg. 21) and the z bound of Alg. 8 line 13.
  static Status decode_signature(const uint8_t* sig, Poly* z, uint8_t (*hint)[kN]) {
    for (int r = 0; r < kL; ++r) {
      bit_unpack(z[r], sig + kSigZ + r * Pr::kPolyZBytes, kGamma1, Pr::kZBits);
      if (norm_ge(z[r], kGamma1 - kBeta)) return Status::error("ML-DSA signature: z out of range");
    }
    const uint8_t* y = sig + kSigH;
    std::memset(hint, 0, sizeof(uint8_t) * kK * kN);
    int index = 0;
    for (int i = 0; i < kK; ++i) {
      const int limit = y[kOmega + i];
      if (limit < index || limit > kOmega)
        return Status::error("ML-DSA signature: malformed hint (bad count)");
      const int first = index;
      for (; index < limit; ++index) {
        if (index > first && y[index - 1] >= y[index])
          return Status::error("ML-DSA signature: malformed hint (positions not increasing)");
        hint[i][y[index]] = 1;
      }
    }
    for (int i = index; i < kOmega; ++i)
      if (y[i] != 0) return Status::error("ML-DSA signature: malformed hint (non-zero padding)");
    return Status::ok();
  }

  // ------------------------------------------------------------- Alg. 8 lines 7-13
  static Status verify_mu(const uint8_t* pk, std::span<const uint8_t, 64> mu, const uint8_t* sig) {
    const NttBackend& be = backend();
    Poly z[kL];
    uint8_t hint[kK][kN];
    if (Status s = decode_signature(sig, z, hint); !s) return s;
    auto* a_hat = new Poly[kK * kL];
    expand_a(a_hat, std::span<const uint8_t, 32>(pk, 32), kK, kL);
    Poly c;
    sample_in_ball(c, ByteSpan(sig, kCT), Pr::kTau);
    be.ntt(c);
    for (int r = 0; r < kL; ++r) be.ntt(z[r]);
    uint8_t mu_w1[64 + kK * Pr::kPolyW1Bytes];  // mu || w1Encode(w1')
    std::memcpy(mu_w1, mu.data(), 64);
    uint8_t* w1_enc = mu_w1 + 64;
    for (int r = 0; r < kK; ++r) {
      // w'_approx = NTT^-1(A_hat o NTT(z) - NTT(c) o NTT(t1 * 2^d)) (line 9).
      Poly t1, w, ct1;
      uint32_t v[kN];
      unpack_bits(v, pk + 32 + r * Pr::kPolyT1Bytes, 10);  // pkDecode (Alg. 23)
      for (int i = 0; i < kN; ++i) t1.c[i] = static_cast<int32_t>(v[i]) << kD;
      be.ntt(t1);
      be.pointwise_acc(w, a_hat + r * kL, z, kL);
      be.pointwise(ct1, c, t1);
      for (int i = 0; i < kN; ++i) w.c[i] = reduce32(w.c[i] - ct1.c[i]);
      be.invntt(w);
      // w1' = UseHint(h, w'_approx) (line 10), then w1Encode.
      be.use_hint[kG](v, w, hint[r]);
      pack_bits(w1_enc + r * Pr::kPolyW1Bytes, v, Pr::kW1Bits);
    }
    delete[] a_hat;
    uint8_t c_tilde2[kCT];
    shake256_short(c_tilde2, ByteSpan(mu_w1, sizeof mu_w1));  // line 12
    if (!ct_equal(ByteSpan(c_tilde2, kCT), ByteSpan(sig, kCT)))
      return Status::error("ML-DSA signature does not verify");
    return Status::ok();
  }
};

// A streaming mu = H(tr || M', 64) where M' may be given in pieces (Alg. 7 line 6).
void mu_from_pieces(std::span<uint8_t, 64> mu, ByteSpan tr, std::initializer_list<ByteSpan> m_prime) {
  hash::Shake256 h;
  h.absorb(tr);
  for (ByteSpan p : m_prime) h.absorb(p);
  h.squeeze(mu);
}

void check_context(ByteSpan ctx) {
  if (ctx.size() > kMaxContextBytes)
    throw std::invalid_argument("ML-DSA: context string longer than 255 bytes");
}

std::array<uint8_t, 32> signing_randomness(SigningMode mode) {
  std::array<uint8_t, 32> rnd{};  // deterministic variant: rnd = {0}^32 (Alg. 2 line 5 note)
  if (mode == SigningMode::kHedged) random_bytes(rnd);
  return rnd;
}

}  // namespace
}  // namespace internal

using internal::Scheme;

// ------------------------------------------------------------------------------------ parsing

template <ParameterSet P>
Result<PublicKey<P>> PublicKey<P>::parse(ByteSpan encoded) {
  if (encoded.size() != kBytes) return Result<PublicKey>::error("ML-DSA public key: wrong length");
  PublicKey k;
  std::memcpy(k.bytes_.data(), encoded.data(), kBytes);
  return k;
}

template <ParameterSet P>
Result<SecretKey<P>> SecretKey<P>::parse(ByteSpan encoded) {
  if (encoded.size() != kBytes) return Result<SecretKey>::error("ML-DSA secret key: wrong length");
  if (!Scheme<P>::secret_key_in_range(encoded.data()))
    return Result<SecretKey>::error("ML-DSA secret key: s1/s2 coefficient outside [-eta, eta]");
  SecretKey k;
  std::memcpy(k.bytes_.data(), encoded.data(), kBytes);
  return k;
}

template <ParameterSet P>
Result<Signature<P>> Signature<P>::parse(ByteSpan encoded) {
  if (encoded.size() != kBytes) return Result<Signature>::error("ML-DSA signature: wrong length");
  internal::Poly z[Sizes<P>::kL];
  uint8_t hint[Sizes<P>::kK][internal::kN];
  if (Status s = Scheme<P>::decode_signature(encoded.data(), z, hint); !s) return s;
  Signature sig;
  std::memcpy(sig.bytes_.data(), encoded.data(), kBytes);
  return sig;
}

// ------------------------------------------------------------------------------- key generation

template <ParameterSet P>
KeyPair<P> generate_key_internal(std::span<const uint8_t, kSeedBytes> xi) {
  KeyPair<P> kp{Access<P>::pk(), Access<P>::sk()};
  Scheme<P>::keygen(xi, Access<P>::data(kp.public_key), Access<P>::data(kp.secret_key));
  return kp;
}

template <ParameterSet P>
KeyPair<P> generate_key() {
  std::array<uint8_t, kSeedBytes> xi;
  random_bytes(xi);
  KeyPair<P> kp = generate_key_internal<P>(xi);
  secure_wipe(xi.data(), xi.size());
  return kp;
}

// ------------------------------------------------------------------------------- signing

template <ParameterSet P>
Signature<P> sign_mu(const SecretKey<P>& sk, std::span<const uint8_t, kMuBytes> mu, SigningMode mode) {
  auto rnd = internal::signing_randomness(mode);
  Signature<P> sig = Access<P>::sig();
  Scheme<P>::sign_mu(Access<P>::data(sk), mu, rnd, Access<P>::data(sig));
  secure_wipe(rnd.data(), rnd.size());
  return sig;
}

template <ParameterSet P>
Signature<P> sign_internal(const SecretKey<P>& sk, ByteSpan m_prime,
                           std::span<const uint8_t, kSeedBytes> rnd) {
  std::array<uint8_t, kMuBytes> mu;
  internal::mu_from_pieces(mu, ByteSpan(Access<P>::data(sk) + 64, 64), {m_prime});
  Signature<P> sig = Access<P>::sig();
  Scheme<P>::sign_mu(Access<P>::data(sk), mu, rnd, Access<P>::data(sig));
  return sig;
}

template <ParameterSet P>
Signature<P> sign(const SecretKey<P>& sk, ByteSpan message, ByteSpan context, SigningMode mode) {
  internal::check_context(context);
  // M' = IntegerToBytes(0, 1) || IntegerToBytes(|ctx|, 1) || ctx || M (Alg. 2 line 10).
  const uint8_t header[2] = {0, static_cast<uint8_t>(context.size())};
  std::array<uint8_t, kMuBytes> mu;
  internal::mu_from_pieces(mu, ByteSpan(Access<P>::data(sk) + 64, 64), {ByteSpan(header), context, message});
  return sign_mu<P>(sk, mu, mode);
}

std::array<uint8_t, 11> prehash_oid(PreHash ph) {
  // id-<hash> = 2.16.840.1.101.3.4.2.<n> (NIST CSOR), DER-encoded.
  static constexpr uint8_t kNumber[] = {4, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12};
  return {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, kNumber[static_cast<int>(ph)]};
}

Bytes prehash_digest(PreHash ph, ByteSpan message) {
  auto sponge = [&](size_t rate, uint8_t pad, size_t out_len) {
    hash::KeccakSponge s(rate, pad);
    s.absorb(message);
    Bytes out(out_len);
    s.squeeze(out);
    return out;
  };
  switch (ph) {
    case PreHash::kSha3_224:
      return sponge(144, 0x06, 28);
    case PreHash::kSha3_256:
      return sponge(136, 0x06, 32);
    case PreHash::kSha3_384:
      return sponge(104, 0x06, 48);
    case PreHash::kSha3_512:
      return sponge(72, 0x06, 64);
    case PreHash::kShake128:
      return sponge(168, 0x1f, 32);  // 256-bit output (Alg. 4 line 19)
    case PreHash::kShake256:
      return sponge(136, 0x1f, 64);  // 512-bit output (Alg. 4 line 21)
    default:
      break;
  }
#if V100_NO_OPENSSL
  // The WebAssembly build has no OpenSSL; a browser pre-hashes SHA-2 with WebCrypto.
  throw std::invalid_argument("ML-DSA: SHA-2 pre-hash is not available in this build");
#else
  const EVP_MD* md = nullptr;
  switch (ph) {
    case PreHash::kSha224:
      md = EVP_sha224();
      break;
    case PreHash::kSha256:
      md = EVP_sha256();
      break;
    case PreHash::kSha384:
      md = EVP_sha384();
      break;
    case PreHash::kSha512:
      md = EVP_sha512();
      break;
    case PreHash::kSha512_224:
      md = EVP_sha512_224();
      break;
    case PreHash::kSha512_256:
      md = EVP_sha512_256();
      break;
    default:
      throw std::invalid_argument("ML-DSA: unknown pre-hash function");
  }
  Bytes out(static_cast<size_t>(EVP_MD_get_size(md)));
  unsigned int len = 0;
  if (EVP_Digest(message.data(), message.size(), out.data(), &len, md, nullptr) != 1 || len != out.size())
    throw std::runtime_error("ML-DSA: OpenSSL digest failed");
  return out;
#endif
}

template <ParameterSet P>
Signature<P> sign_prehash(const SecretKey<P>& sk, ByteSpan message, PreHash ph, ByteSpan context,
                          SigningMode mode) {
  internal::check_context(context);
  // M' = IntegerToBytes(1, 1) || IntegerToBytes(|ctx|, 1) || ctx || OID || PH_M (Alg. 4 line 23).
  const uint8_t header[2] = {1, static_cast<uint8_t>(context.size())};
  const auto oid = prehash_oid(ph);
  const Bytes digest = prehash_digest(ph, message);
  std::array<uint8_t, kMuBytes> mu;
  internal::mu_from_pieces(mu, ByteSpan(Access<P>::data(sk) + 64, 64),
                           {ByteSpan(header), context, ByteSpan(oid), ByteSpan(digest)});
  return sign_mu<P>(sk, mu, mode);
}

// ------------------------------------------------------------------------------- verification

template <ParameterSet P>
std::array<uint8_t, kMuBytes> compute_mu_internal(const PublicKey<P>& pk, ByteSpan m_prime) {
  std::array<uint8_t, 64> tr, mu;
  internal::shake256_short(tr, pk.span());  // tr = H(pk, 64) (Alg. 8 line 6)
  internal::mu_from_pieces(mu, tr, {m_prime});
  return mu;
}

template <ParameterSet P>
std::array<uint8_t, kMuBytes> compute_mu(const PublicKey<P>& pk, ByteSpan message, ByteSpan context) {
  internal::check_context(context);
  std::array<uint8_t, 64> tr, mu;
  internal::shake256_short(tr, pk.span());
  const uint8_t header[2] = {0, static_cast<uint8_t>(context.size())};
  internal::mu_from_pieces(mu, tr, {ByteSpan(header), context, message});
  return mu;
}

template <ParameterSet P>
Status verify_mu(const PublicKey<P>& pk, std::span<const uint8_t, kMuBytes> mu, const Signature<P>& sig) {
  return Scheme<P>::verify_mu(pk.bytes().data(), mu, sig.bytes().data());
}

template <ParameterSet P>
Status verify_internal(const PublicKey<P>& pk, ByteSpan m_prime, const Signature<P>& sig) {
  return verify_mu<P>(pk, compute_mu_internal<P>(pk, m_prime), sig);
}

template <ParameterSet P>
Status verify(const PublicKey<P>& pk, ByteSpan message, const Signature<P>& sig, ByteSpan context) {
  if (context.size() > kMaxContextBytes)
    return Status::error("ML-DSA: context string longer than 255 bytes");  // Alg. 3 line 2
  return verify_mu<P>(pk, compute_mu<P>(pk, message, context), sig);
}

template <ParameterSet P>
Status verify(const PublicKey<P>& pk, ByteSpan message, ByteSpan signature, ByteSpan context) {
  auto sig = Signature<P>::parse(signature);
  if (!sig) return sig.status();
  return verify<P>(pk, message, *sig, context);
}

template <ParameterSet P>
Status verify_prehash(const PublicKey<P>& pk, ByteSpan message, PreHash ph, const Signature<P>& sig,
                      ByteSpan context) {
  if (context.size() > kMaxContextBytes)
    return Status::error("ML-DSA: context string longer than 255 bytes");  // Alg. 5 line 2
  std::array<uint8_t, 64> tr, mu;
  internal::shake256_short(tr, pk.span());
  const uint8_t header[2] = {1, static_cast<uint8_t>(context.size())};
  const auto oid = prehash_oid(ph);
  const Bytes digest = prehash_digest(ph, message);
  internal::mu_from_pieces(mu, tr, {ByteSpan(header), context, ByteSpan(oid), ByteSpan(digest)});
  return verify_mu<P>(pk, mu, sig);
}

// ------------------------------------------------------------------------------- instantiation

#define V100_MLDSA_INSTANTIATE(P)                                                                           \
  template class PublicKey<P>;                                                                              \
  template class SecretKey<P>;                                                                              \
  template class Signature<P>;                                                                              \
  template KeyPair<P> generate_key<P>();                                                                    \
  template KeyPair<P> generate_key_internal<P>(std::span<const uint8_t, kSeedBytes>);                       \
  template Signature<P> sign<P>(const SecretKey<P>&, ByteSpan, ByteSpan, SigningMode);                      \
  template Status verify<P>(const PublicKey<P>&, ByteSpan, const Signature<P>&, ByteSpan);                  \
  template Status verify<P>(const PublicKey<P>&, ByteSpan, ByteSpan, ByteSpan);                             \
  template Signature<P> sign_prehash<P>(const SecretKey<P>&, ByteSpan, PreHash, ByteSpan, SigningMode);     \
  template Status verify_prehash<P>(const PublicKey<P>&, ByteSpan, PreHash, const Signature<P>&, ByteSpan); \
  template std::array<uint8_t, kMuBytes> compute_mu<P>(const PublicKey<P>&, ByteSpan, ByteSpan);            \
  template std::array<uint8_t, kMuBytes> compute_mu_internal<P>(const PublicKey<P>&, ByteSpan);             \
  template Signature<P> sign_mu<P>(const SecretKey<P>&, std::span<const uint8_t, kMuBytes>, SigningMode);   \
  template Status verify_mu<P>(const PublicKey<P>&, std::span<const uint8_t, kMuBytes>,                     \
                               const Signature<P>&);                                                        \
  template Signature<P> sign_internal<P>(const SecretKey<P>&, ByteSpan,                                     \
                                         std::span<const uint8_t, kSeedBytes>);                             \
  template Status verify_internal<P>(const PublicKey<P>&, ByteSpan, const Signature<P>&);

V100_MLDSA_INSTANTIATE(ParameterSet::kMlDsa44)
V100_MLDSA_INSTANTIATE(ParameterSet::kMlDsa65)
V100_MLDSA_INSTANTIATE(ParameterSet::kMlDsa87)

}  // namespace v100::pq::mldsa
