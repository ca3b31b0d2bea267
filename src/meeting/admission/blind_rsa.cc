// RFC 9474 blind RSA on OpenSSL 3.0.
//
// From OpenSSL: BIGNUM arithmetic (BN_mod_exp_mont_consttime, Montgomery multiplication, the
// constant-time modular inverse), the DRBG (BN_priv_rand_range_ex), SHA-384 (EVP), RSA key
// generation and PKCS#8 coding, the RSA private-key operation (EVP_PKEY_sign with RSA_NO_PADDING:
// CRT, base blinding, constant-time exponentiation) and RSASSA-PSS verification
// (EVP_DigestVerify).
// Written here, because OpenSSL 3.0 has no API for it: the blinding steps of RFC 9474 §4.2-4.4
// (OpenSSL's own blinding is internal to the private-key operation), and EMSA-PSS-ENCODE
// (RFC 8017 §9.1.1) with MGF1 — Blind needs the encoded message itself, with a salt of our
// choosing, and the only OpenSSL functions that produce it (RSA_padding_add_PKCS1_PSS_mgf1,
// PKCS1_MGF1) are deprecated in 3.0 and draw the salt internally.
//
// Secrets: r and inv (the client's blind) are BN_FLG_CONSTTIME, exponentiated with
// BN_mod_exp_mont_consttime, multiplied in Montgomery form, inverted by OpenSSL's constant-time
// inverse, and cleared (BN_clear_free) on every path.
#include "meeting/admission/blind_rsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <cstring>
#include <stdexcept>
#include <string_view>

#include "core/rng.h"
#include "meeting/admission/testing.h"

namespace v100::meeting::admission::blind_rsa {
namespace {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
struct MontFree {
  void operator()(BN_MONT_CTX* m) const { BN_MONT_CTX_free(m); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;
using BnCtx = std::unique_ptr<BN_CTX, BnCtxFree>;
using Mont = std::unique_ptr<BN_MONT_CTX, MontFree>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

Bn bn_new() {
  return Bn(BN_new());
}
Bn bn_from(ByteSpan be) {
  return Bn(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
}

const EVP_MD* sha384_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  return md;
}

void sha384(ByteSpan a, ByteSpan b, ByteSpan c, uint8_t out[kHashLen]) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), sha384_md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), c.data(), c.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), out, &len) != 1 ||
      len != kHashLen)
    throw std::runtime_error("OpenSSL SHA-384 failed");
}

// RFC 8017 §B.2.1 MGF1 with SHA-384: XORs the mask into `out` (so DB ^= dbMask in place).
void mgf1_xor(ByteSpan seed, MutableByteSpan out) {
  uint8_t block[kHashLen];
  size_t done = 0;
  for (uint32_t counter = 0; done < out.size(); ++counter) {
    const uint8_t c[4] = {static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16),
                          static_cast<uint8_t>(counter >> 8), static_cast<uint8_t>(counter)};
    sha384(seed, ByteSpan(c, 4), {}, block);
    for (size_t i = 0; i < kHashLen && done < out.size(); ++i) out[done++] ^= block[i];
  }
}

Status check_public(const BIGNUM* n, const BIGNUM* e) {
  int bits = BN_num_bits(n);
  if (bits < kMinModulusBits || bits > kMaxModulusBits)
    return Status::error("RSA modulus of " + std::to_string(bits) + " bits (need " +
                         std::to_string(kMinModulusBits) + ".." + std::to_string(kMaxModulusBits) + ")");
  if (!BN_is_odd(n)) return Status::error("RSA modulus is even");
  if (!BN_is_odd(e) || BN_is_one(e) || BN_ucmp(e, n) >= 0) return Status::error("bad RSA public exponent");
  return Status::ok();
}

// A fresh plain "RSA" EVP_PKEY holding only (n, e).
EVP_PKEY* evp_from_n_e(const BIGNUM* n, const BIGNUM* e) {
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e) != 1)
    return nullptr;
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return nullptr;
  return pkey;
}

// Shared state of the three BIGNUM steps: n, e, Montgomery context.
struct Modulus {
  Bn n, e;
  BnCtx ctx;
  Mont mont;
  static Result<Modulus> of(const PublicKey& pk) {
    Modulus m;
    m.n = bn_from(pk.n());
    m.e = bn_from(pk.e());
    m.ctx.reset(BN_CTX_secure_new());
    m.mont.reset(BN_MONT_CTX_new());
    if (!m.n || !m.e || !m.ctx || !m.mont || BN_MONT_CTX_set(m.mont.get(), m.n.get(), m.ctx.get()) != 1)
      return Result<Modulus>::error("OpenSSL BIGNUM allocation failed");
    return m;
  }
  // out = a * b mod n with b secret: b goes to Montgomery form, then one Montgomery product
  // (a * bR * R^-1 = a*b); both inputs must be < n.
  bool mul_secret(BIGNUM* out, const BIGNUM* a, const BIGNUM* b_secret) {
    Bn bm(BN_new());
    if (!bm) return false;
    BN_set_flags(bm.get(), BN_FLG_CONSTTIME);
    return BN_to_montgomery(bm.get(), b_secret, mont.get(), ctx.get()) == 1 &&
           BN_mod_mul_montgomery(out, a, bm.get(), mont.get(), ctx.get()) == 1;
  }
};

// RFC 9474 §4.2 steps 1-12 with a given salt and, if `fixed_r` is set, a given r (tests only).
Result<BlindOutput> blind_core(const PublicKey& pk, ByteSpan msg, ByteSpan salt, const BIGNUM* fixed_r) {
  auto encoded = emsa_pss_encode(msg, static_cast<size_t>(pk.modulus_bits() - 1), salt);
  if (!encoded) return encoded.status();
  auto mod = Modulus::of(pk);
  if (!mod) return mod.status();
  BN_CTX* ctx = mod->ctx.get();
  Bn m = bn_from(*encoded), g = bn_new(), r = bn_new(), inv = bn_new(), x = bn_new(), z = bn_new();
  if (!m || !g || !r || !inv || !x || !z)
    return Result<BlindOutput>::error("OpenSSL BIGNUM allocation failed");
  BN_set_flags(r.get(), BN_FLG_CONSTTIME);
  BN_set_flags(inv.get(), BN_FLG_CONSTTIME);
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  // Steps 3-5. m < 2^(modBits-1) <= n by construction of the encoding.
  if (BN_gcd(g.get(), m.get(), mod->n.get(), ctx) != 1 || !BN_is_one(g.get()))
    return Result<BlindOutput>::error("invalid input: encoded message not coprime with n");
  // Step 6: r uniform in [1, n) — rejection of 0 on top of OpenSSL's uniform [0, n).
  if (fixed_r) {
    if (!BN_copy(r.get(), fixed_r)) return Result<BlindOutput>::error("OpenSSL BN_copy failed");
  } else {
    int tries = 0;
    do {
      if (++tries > 64 || BN_priv_rand_range_ex(r.get(), mod->n.get(), 0, ctx) != 1)
        return Result<BlindOutput>::error("blinding error: random r");
    } while (BN_is_zero(r.get()));
  }
  if (BN_is_zero(r.get()) || BN_ucmp(r.get(), mod->n.get()) >= 0)
    return Result<BlindOutput>::error("blinding error: r out of range");
  // Steps 7-8: BN_mod_inverse takes its constant-time path for a BN_FLG_CONSTTIME input.
  if (!BN_mod_inverse(inv.get(), r.get(), mod->n.get(), ctx))
    return Result<BlindOutput>::error("blinding error: r not invertible");
  // Steps 9-10: x = r^e mod n, z = m * x mod n.
  if (BN_mod_exp_mont_consttime(x.get(), r.get(), mod->e.get(), mod->n.get(), ctx, mod->mont.get()) != 1 ||
      !mod->mul_secret(z.get(), m.get(), x.get()))
    return Result<BlindOutput>::error("OpenSSL BIGNUM operation failed");
  BlindOutput out;
  out.blinded_msg.resize(pk.modulus_len());
  out.inv = SecretBytes(pk.modulus_len());
  const int k = static_cast<int>(pk.modulus_len());
  if (BN_bn2binpad(z.get(), out.blinded_msg.data(), k) != k ||
      BN_bn2binpad(inv.get(), out.inv.data(), k) != k)
    return Result<BlindOutput>::error("OpenSSL BN_bn2binpad failed");
  return out;
}

}  // namespace

// ---- keys ----

Result<PublicKey> PublicKey::from_n_e(ByteSpan n_be, ByteSpan e_be) {
  if (n_be.empty() || e_be.empty() || n_be.size() > kMaxModulusBits / 8 + 1 || e_be.size() > n_be.size())
    return Result<PublicKey>::error("bad RSA public key size");
  Bn n = bn_from(n_be), e = bn_from(e_be);
  if (!n || !e) return Result<PublicKey>::error("OpenSSL BIGNUM allocation failed");
  if (Status st = check_public(n.get(), e.get()); !st) return st;
  EVP_PKEY* raw = evp_from_n_e(n.get(), e.get());
  if (!raw) return Result<PublicKey>::error("OpenSSL rejected the RSA public key");
  PublicKey pk;
  pk.pkey_.reset(raw, EVP_PKEY_free);
  pk.modulus_bits_ = BN_num_bits(n.get());
  pk.modulus_len_ = static_cast<size_t>(BN_num_bytes(n.get()));
  pk.n_.resize(pk.modulus_len_);
  pk.e_.resize(static_cast<size_t>(BN_num_bytes(e.get())));
  BN_bn2bin(n.get(), pk.n_.data());
  BN_bn2bin(e.get(), pk.e_.data());
  return pk;
}

Result<PublicKey> PublicKey::from_evp(EVP_PKEY* pkey) {
  if (!pkey || !(EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")))
    return Result<PublicKey>::error("not an RSA key");
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
    BN_free(n);
    BN_free(e);
    return Result<PublicKey>::error("RSA key without n or e");
  }
  Bn nn(n), ee(e);
  Bytes nb(static_cast<size_t>(BN_num_bytes(n))), eb(static_cast<size_t>(BN_num_bytes(e)));
  BN_bn2bin(n, nb.data());
  BN_bn2bin(e, eb.data());
  return from_n_e(nb, eb);
}

void PrivateKey::EvpFree::operator()(EVP_PKEY* p) const {
  EVP_PKEY_free(p);
}

PrivateKey::~PrivateKey() = default;

Result<PrivateKey> PrivateKey::adopt(EVP_PKEY* pkey) {
  std::unique_ptr<EVP_PKEY, EvpFree> owned(pkey);
  if (!EVP_PKEY_is_a(pkey, "RSA")) return Result<PrivateKey>::error("not an RSA private key");
  auto pub = PublicKey::from_evp(pkey);
  if (!pub) return pub.status();
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
    return Result<PrivateKey>::error("RSA private key fails the pairwise consistency check");
  PrivateKey sk;
  sk.pkey_ = std::move(owned);
  sk.public_ = std::move(pub).value();
  return sk;
}

PrivateKey PrivateKey::generate(int bits) {
  if (bits < kMinModulusBits || bits > kMaxModulusBits)
    throw std::invalid_argument("RSA key size out of range");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 || EVP_PKEY_generate(ctx.get(), &pkey) != 1)
    throw std::runtime_error("OpenSSL RSA key generation failed");
  auto sk = adopt(pkey);
  if (!sk) throw std::runtime_error("generated RSA key rejected: " + sk.message());
  return std::move(sk).value();
}

Result<PrivateKey> PrivateKey::from_pkcs8(ByteSpan pem_or_der) {
  if (pem_or_der.empty() || pem_or_der.size() > 16384)
    return Result<PrivateKey>::error("bad private key size");
  const std::string_view text(reinterpret_cast<const char*>(pem_or_der.data()), pem_or_der.size());
  const bool pem = text.starts_with("-----BEGIN");
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, pem ? "PEM" : "DER", "PrivateKeyInfo", "RSA",
                                                         EVP_PKEY_KEYPAIR, nullptr, nullptr);
  if (!dctx) return Result<PrivateKey>::error("OpenSSL decoder unavailable");
  const unsigned char* p = pem_or_der.data();
  size_t len = pem_or_der.size();
  int ok = OSSL_DECODER_from_data(dctx, &p, &len);
  OSSL_DECODER_CTX_free(dctx);
  if (ok != 1 || !pkey) return Result<PrivateKey>::error("not an unencrypted PKCS#8 RSA private key");
  return adopt(pkey);
}

SecretBytes PrivateKey::to_pkcs8_pem() const {
  OSSL_ENCODER_CTX* ectx =
      OSSL_ENCODER_CTX_new_for_pkey(pkey_.get(), EVP_PKEY_KEYPAIR, "PEM", "PrivateKeyInfo", nullptr);
  unsigned char* data = nullptr;
  size_t len = 0;
  int ok = ectx ? OSSL_ENCODER_to_data(ectx, &data, &len) : 0;
  OSSL_ENCODER_CTX_free(ectx);
  if (ok != 1 || !data) throw std::runtime_error("OpenSSL PKCS#8 encoding failed");
  SecretBytes out(ByteSpan(data, len));
  OPENSSL_clear_free(data, len);
  return out;
}

// ---- RFC 8017 §9.1.1 ----

Result<Bytes> emsa_pss_encode(ByteSpan msg, size_t em_bits, ByteSpan salt) {
  const size_t em_len = (em_bits + 7) / 8;
  if (em_len < kHashLen + salt.size() + 2) return Result<Bytes>::error("encoding error: modulus too small");
  uint8_t m_hash[kHashLen], h[kHashLen];
  sha384(msg, {}, {}, m_hash);                                       // step 2
  static constexpr uint8_t kZeros[8] = {0, 0, 0, 0, 0, 0, 0, 0};     // step 5: M' = 0^8 || mHash || salt
  sha384(ByteSpan(kZeros, 8), ByteSpan(m_hash, kHashLen), salt, h);  // step 6
  Bytes em(em_len, 0);
  const size_t db_len = em_len - kHashLen - 1;
  // steps 7-8: DB = PS || 0x01 || salt
  em[db_len - salt.size() - 1] = 0x01;
  if (!salt.empty()) std::memcpy(em.data() + db_len - salt.size(), salt.data(), salt.size());
  mgf1_xor(ByteSpan(h, kHashLen), MutableByteSpan(em.data(), db_len));  // steps 9-10
  em[0] &= static_cast<uint8_t>(0xFF >> (8 * em_len - em_bits));        // step 11
  std::memcpy(em.data() + db_len, h, kHashLen);                         // step 12
  em[em_len - 1] = 0xbc;
  return em;
}

// ---- RFC 9474 §4 ----

Result<BlindOutput> blind(const PublicKey& pk, ByteSpan msg) {
  uint8_t salt[kSaltLen];
  random_bytes(std::span<uint8_t>(salt, kSaltLen));
  return blind_core(pk, msg, ByteSpan(salt, kSaltLen), nullptr);
}

Result<Bytes> blind_sign(const PrivateKey& sk, ByteSpan blinded_msg) {
  const PublicKey& pk = sk.public_key();
  const size_t k = pk.modulus_len();
  if (blinded_msg.size() != k) return Result<Bytes>::error("unexpected input size: blinded_msg");
  Bn m = bn_from(blinded_msg), n = bn_from(pk.n());
  if (!m || !n) return Result<Bytes>::error("OpenSSL BIGNUM allocation failed");
  if (BN_ucmp(m.get(), n.get()) >= 0) return Result<Bytes>::error("message representative out of range");
  // Step 2: s = RSASP1(sk, m) by OpenSSL's private-key operation.
  Bytes s(k);
  size_t s_len = k;
  PkeyCtx sctx(EVP_PKEY_CTX_new_from_pkey(nullptr, sk.evp(), nullptr));
  if (!sctx || EVP_PKEY_sign_init(sctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(sctx.get(), RSA_NO_PADDING) != 1 ||
      EVP_PKEY_sign(sctx.get(), s.data(), &s_len, blinded_msg.data(), k) != 1 || s_len != k)
    return Result<Bytes>::error("signing failure");
  // Steps 3-4: m' = RSAVP1(pk, s) must equal m (catches faults in the private-key operation).
  Bytes m2(k);
  size_t m2_len = k;
  PkeyCtx vctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pk.evp(), nullptr));
  if (!vctx || EVP_PKEY_encrypt_init(vctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(vctx.get(), RSA_NO_PADDING) != 1 ||
      EVP_PKEY_encrypt(vctx.get(), m2.data(), &m2_len, s.data(), k) != 1 || m2_len != k ||
      !ct_equal(m2, blinded_msg))
    return Result<Bytes>::error("signing failure");
  return s;
}

Result<Bytes> finalize(const PublicKey& pk, ByteSpan msg, ByteSpan blind_sig, const SecretBytes& inv_bytes) {
  const size_t k = pk.modulus_len();
  if (blind_sig.size() != k) return Result<Bytes>::error("unexpected input size: blind_sig");
  if (inv_bytes.size() != k) return Result<Bytes>::error("unexpected input size: inv");
  auto mod = Modulus::of(pk);
  if (!mod) return mod.status();
  Bn z = bn_from(blind_sig), inv = bn_from(inv_bytes.span()), s = bn_new();
  if (!z || !inv || !s) return Result<Bytes>::error("OpenSSL BIGNUM allocation failed");
  BN_set_flags(inv.get(), BN_FLG_CONSTTIME);
  if (BN_ucmp(z.get(), mod->n.get()) >= 0) return Result<Bytes>::error("invalid signature: blind_sig >= n");
  if (BN_ucmp(inv.get(), mod->n.get()) >= 0) return Result<Bytes>::error("invalid blinding state: inv >= n");
  if (!mod->mul_secret(s.get(), z.get(), inv.get()))
    return Result<Bytes>::error("OpenSSL BIGNUM operation failed");
  Bytes sig(k);
  if (BN_bn2binpad(s.get(), sig.data(), static_cast<int>(k)) != static_cast<int>(k))
    return Result<Bytes>::error("OpenSSL BN_bn2binpad failed");
  if (!verify(pk, msg, sig)) return Result<Bytes>::error("invalid signature");
  return sig;
}

bool verify(const PublicKey& pk, ByteSpan msg, ByteSpan sig) {
  if (sig.size() != pk.modulus_len()) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> mctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by mctx
  if (!mctx ||
      EVP_DigestVerifyInit_ex(mctx.get(), &pctx, "SHA384", nullptr, nullptr, pk.evp(), nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA384", nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(kSaltLen)) != 1)
    return false;
  return EVP_DigestVerify(mctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

}  // namespace v100::meeting::admission::blind_rsa

// ---- test hooks (testing.h) ----

namespace v100::meeting::admission::testing_only {

Result<blind_rsa::BlindOutput> blind_with(const blind_rsa::PublicKey& pk, ByteSpan msg, ByteSpan salt,
                                          ByteSpan inv) {
  using namespace blind_rsa;
  Bn inv_bn = bn_from(inv), n = bn_from(pk.n()), r = bn_new();
  BnCtx ctx(BN_CTX_new());
  if (!inv_bn || !n || !r || !ctx || !BN_mod_inverse(r.get(), inv_bn.get(), n.get(), ctx.get()))
    return Result<BlindOutput>::error("test hook: inv not invertible");
  return blind_core(pk, msg, salt, r.get());
}

Result<blind_rsa::BlindOutput> blind_with_r(const blind_rsa::PublicKey& pk, ByteSpan msg, ByteSpan salt,
                                            ByteSpan r) {
  using namespace blind_rsa;
  Bn r_bn = bn_from(r);
  if (!r_bn) return Result<BlindOutput>::error("OpenSSL BIGNUM allocation failed");
  return blind_core(pk, msg, salt, r_bn.get());
}

}  // namespace v100::meeting::admission::testing_only
