#include "media/aead.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "core/secure.h"

namespace v100::media {
namespace {

// Fetched once per process: implicit fetching by name on every context setup costs a lock and a
// lookup, explicit fetching does not.
EVP_CIPHER* fetch_cipher(const char* name) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name, nullptr);
  if (c == nullptr) throw std::runtime_error(std::string("OpenSSL lacks ") + name);
  return c;
}

const EVP_CIPHER* cipher_for(const SuiteParams& p) {
  static EVP_CIPHER* const aes128_gcm = fetch_cipher("AES-128-GCM");
  static EVP_CIPHER* const aes256_gcm = fetch_cipher("AES-256-GCM");
  static EVP_CIPHER* const aes128_ctr = fetch_cipher("AES-128-CTR");
  static EVP_CIPHER* const aes256_ctr = fetch_cipher("AES-256-CTR");
  if (p.kind == AeadKind::kAesGcm) return p.nka == 16 ? aes128_gcm : aes256_gcm;
  return p.nka == 16 ? aes128_ctr : aes256_ctr;
}

EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL lacks HMAC");
    return m;
  }();
  return mac;
}

inline void put_be64(uint64_t v, uint8_t* out) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(v >> (56 - 8 * i));
}

inline bool update_aad(EVP_CIPHER_CTX* ctx, ByteSpan aad) {
  int outl = 0;
  if (aad.empty()) return true;
  if (aad.size() > (size_t{1} << 30)) return false;  // EVP takes int lengths; no real AAD is this big
  return EVP_CipherUpdate(ctx, nullptr, &outl, aad.data(), static_cast<int>(aad.size())) == 1;
}

// Header and metadata are usually a few bytes each: one GHASH update of a joined copy is cheaper
// than two EVP calls.
inline bool update_aad2(EVP_CIPHER_CTX* ctx, ByteSpan a, ByteSpan b) {
  uint8_t joined[128];
  if (a.size() + b.size() > sizeof joined) return update_aad(ctx, a) && update_aad(ctx, b);
  if (!a.empty()) std::memcpy(joined, a.data(), a.size());
  if (!b.empty()) std::memcpy(joined + a.size(), b.data(), b.size());
  return update_aad(ctx, ByteSpan(joined, a.size() + b.size()));
}

// EVP lengths are int; frames are far below 2 GiB, but feed large inputs in chunks anyway.
inline bool update_data(EVP_CIPHER_CTX* ctx, const uint8_t* in, size_t n, uint8_t* out) {
  constexpr size_t kChunk = size_t{1} << 30;
  while (n > 0) {
    size_t take = n < kChunk ? n : kChunk;
    int outl = 0;
    if (EVP_CipherUpdate(ctx, out, &outl, in, static_cast<int>(take)) != 1) return false;
    in += take;
    out += take;
    n -= take;
  }
  return true;
}

}  // namespace

struct Aead::Impl {
  // GCM: one context per direction, keyed once. CTR+HMAC: one AES-CTR context (encryption and
  // decryption are the same keystream XOR) and one keyed HMAC context.
  EVP_CIPHER_CTX* enc = nullptr;
  EVP_CIPHER_CTX* dec = nullptr;
  EVP_MAC_CTX* mac = nullptr;

  ~Impl() {
    EVP_CIPHER_CTX_free(enc);  // frees (and cleanses) the expanded key
    EVP_CIPHER_CTX_free(dec);
    EVP_MAC_CTX_free(mac);
  }

  // RFC 9605 §4.5.1 compute_tag: HMAC(auth_key, len64(aad) || len64(ct) || len64(Nt) || nonce ||
  // aad || ct), truncated to Nt. The HMAC context is re-initialised with the key it already holds.
  bool tag(const SuiteParams& p, const uint8_t* nonce, ByteSpan aad_a, ByteSpan aad_b, ByteSpan ct,
           uint8_t out[64]) {
    uint8_t lens[24];
    put_be64(aad_a.size() + aad_b.size(), lens);
    put_be64(ct.size(), lens + 8);
    put_be64(p.nt, lens + 16);
    size_t outl = 0;
    return EVP_MAC_init(mac, nullptr, 0, nullptr) == 1 && EVP_MAC_update(mac, lens, sizeof lens) == 1 &&
           EVP_MAC_update(mac, nonce, p.nn) == 1 && EVP_MAC_update(mac, aad_a.data(), aad_a.size()) == 1 &&
           EVP_MAC_update(mac, aad_b.data(), aad_b.size()) == 1 &&
           EVP_MAC_update(mac, ct.data(), ct.size()) == 1 && EVP_MAC_final(mac, out, &outl, 64) == 1 &&
           outl >= p.nt;
  }

  // AES-CTR with the initial counter block nonce || 0x00000000 (§4.5.1).
  bool ctr_xor(const SuiteParams& p, const uint8_t* nonce, ByteSpan in, uint8_t* out) {
    uint8_t iv[16] = {};
    for (size_t i = 0; i < p.nn; ++i) iv[i] = nonce[i];
    return EVP_EncryptInit_ex(enc, nullptr, nullptr, nullptr, iv) == 1 &&
           update_data(enc, in.data(), in.size(), out);
  }
};

namespace {

// The sizes this implementation can honour. Anything else is refused, never mapped to the nearest
// cipher: an AES key of 24 bytes would otherwise key AES-256 and read 8 bytes past the caller's key.
void check_params(const SuiteParams& p) {
  auto fail = [](const std::string& why) { throw std::invalid_argument("Aead: " + why); };
  if (p.nka != 16 && p.nka != 32)
    fail("AES key size " + std::to_string(p.nka) +
         " bytes is not supported (only 16 = AES-128, 32 = AES-256)");
  if (p.nn != kNonceSize) fail("nonce size " + std::to_string(p.nn) + " is not supported (only 12)");
  if (p.kind == AeadKind::kAesGcm) {
    if (p.nk != p.nka) fail("an AES-GCM key is the AES key alone (nk must equal nka)");
    if (p.nt < 4 || p.nt > kMaxTagSize) fail("AES-GCM tag size " + std::to_string(p.nt) + " is not in 4..16");
  } else {
    const size_t hmac_size = p.hash == HashKind::kSha256 ? 32 : 64;
    if (p.nk <= p.nka) fail("an AES-CTR+HMAC key needs an HMAC part after the AES key (nk > nka)");
    if (p.nt < 4 || p.nt > hmac_size) fail("HMAC tag size " + std::to_string(p.nt) + " is out of range");
  }
}

}  // namespace

Aead::Aead(const SuiteParams& params, ByteSpan key) : params_(params), impl_(std::make_unique<Impl>()) {
  check_params(params);
  if (key.size() != params.nk)
    throw std::invalid_argument("Aead: key is " + std::to_string(key.size()) + " bytes, the suite needs " +
                                std::to_string(params.nk));
  const EVP_CIPHER* cipher = cipher_for(params);
  Impl& m = *impl_;
  m.enc = EVP_CIPHER_CTX_new();
  if (m.enc == nullptr || EVP_EncryptInit_ex(m.enc, cipher, nullptr, key.data(), nullptr) != 1)
    throw std::runtime_error("Aead: cannot set up the cipher context");
  if (params.kind == AeadKind::kAesGcm) {
    m.dec = EVP_CIPHER_CTX_new();
    if (m.dec == nullptr || EVP_DecryptInit_ex(m.dec, cipher, nullptr, key.data(), nullptr) != 1)
      throw std::runtime_error("Aead: cannot set up the cipher context");
  } else {
    m.mac = EVP_MAC_CTX_new(hmac_algorithm());
    // OSSL_PARAM takes char* but only reads the digest name.
    char* digest = const_cast<char*>(params.hash == HashKind::kSha256 ? "SHA256" : "SHA512");
    OSSL_PARAM ps[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                       OSSL_PARAM_construct_end()};
    ByteSpan auth_key = key.subspan(params.nka);
    if (m.mac == nullptr || EVP_MAC_init(m.mac, auth_key.data(), auth_key.size(), ps) != 1)
      throw std::runtime_error("Aead: cannot set up the HMAC context");
  }
}

Aead::~Aead() = default;
Aead::Aead(Aead&&) noexcept = default;
Aead& Aead::operator=(Aead&&) noexcept = default;

Status Aead::seal(const uint8_t* nonce, ByteSpan aad_a, ByteSpan aad_b, ByteSpan pt, uint8_t* ct_out,
                  uint8_t* tag_out) {
  Impl& m = *impl_;
  if (params_.kind == AeadKind::kAesGcm) {
    // Setting only the IV keeps the expanded key and resets the GCM state (no key schedule).
    int outl = 0;
    uint8_t no_output[16];  // GCM's final step writes no bytes
    if (EVP_EncryptInit_ex(m.enc, nullptr, nullptr, nullptr, nonce) != 1 ||
        !update_aad2(m.enc, aad_a, aad_b) || !update_data(m.enc, pt.data(), pt.size(), ct_out) ||
        EVP_EncryptFinal_ex(m.enc, no_output, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(m.enc, EVP_CTRL_GCM_GET_TAG, static_cast<int>(params_.nt), tag_out) != 1)
      return Status::error("sframe: AES-GCM encryption failed");
    return Status::ok();
  }
  uint8_t full[64];
  if (!m.ctr_xor(params_, nonce, pt, ct_out) ||
      !m.tag(params_, nonce, aad_a, aad_b, ByteSpan(ct_out, pt.size()), full))
    return Status::error("sframe: AES-CTR/HMAC encryption failed");
  for (size_t i = 0; i < params_.nt; ++i) tag_out[i] = full[i];
  return Status::ok();
}

bool Aead::open(const uint8_t* nonce, ByteSpan aad_a, ByteSpan aad_b, ByteSpan ct, ByteSpan tag,
                uint8_t* pt_out) {
  Impl& m = *impl_;
  if (tag.size() != params_.nt) return false;
  if (params_.kind == AeadKind::kAesGcm) {
    uint8_t tag_copy[kMaxTagSize];
    for (size_t i = 0; i < params_.nt; ++i) tag_copy[i] = tag[i];
    int outl = 0;
    uint8_t no_output[16];
    bool ok = EVP_DecryptInit_ex(m.dec, nullptr, nullptr, nullptr, nonce) == 1 &&
              update_aad2(m.dec, aad_a, aad_b) && update_data(m.dec, ct.data(), ct.size(), pt_out) &&
              EVP_CIPHER_CTX_ctrl(m.dec, EVP_CTRL_GCM_SET_TAG, static_cast<int>(params_.nt), tag_copy) == 1 &&
              EVP_DecryptFinal_ex(m.dec, no_output, &outl) == 1;
    // libsodium's rule: no unauthenticated plaintext leaves, even in the caller's buffer.
    if (!ok && !ct.empty()) secure_wipe(pt_out, ct.size());
    return ok;
  }
  // Encrypt-then-MAC: check the tag over the ciphertext first, decrypt only if it verifies.
  uint8_t full[64];
  if (!m.tag(params_, nonce, aad_a, aad_b, ct, full) || !ct_equal(ByteSpan(full, params_.nt), tag)) {
    if (!ct.empty()) secure_wipe(pt_out, ct.size());
    return false;
  }
  if (!m.ctr_xor(params_, nonce, ct, pt_out)) {
    if (!ct.empty()) secure_wipe(pt_out, ct.size());
    return false;
  }
  return true;
}

}  // namespace v100::media
