// Privacy Pass type 0x0002 (RFC 9578 §6, RFC 9577 §2) on blind_rsa.h.
//
// From OpenSSL: SHA-256, the RSAPublicKey DER (i2d_PublicKey), SubjectPublicKeyInfo decoding
// (d2i_PUBKEY of an id-RSASSA-PSS key), PEM armour.
// Written here, because no library on Debian 12 implements Privacy Pass: the TLS-presentation
// wire structures (TokenChallenge, TokenRequest, TokenResponse, Token), the protocol steps that
// tie them to the blind signature, and the outer SPKI bytes of RFC 9578 §6.5 (see
// rsassa_pss_spki: OpenSSL 3.0's own RSA-PSS SPKI differs in two NULLs, hence in token_key_id).
#include "meeting/admission/privacy_pass.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string_view>

#include "core/rng.h"
#include "meeting/admission/testing.h"

namespace v100::meeting::admission {
namespace {

// Big-endian (network order) reader/writer for the TLS presentation language structures.
class BeWriter {
 public:
  void u8(uint8_t v) { b_.push_back(v); }
  void u16(uint16_t v) {
    b_.push_back(static_cast<uint8_t>(v >> 8));
    b_.push_back(static_cast<uint8_t>(v));
  }
  void bytes(ByteSpan s) { b_.insert(b_.end(), s.begin(), s.end()); }
  Bytes take() { return std::move(b_); }

 private:
  Bytes b_;
};

class BeReader {
 public:
  explicit BeReader(ByteSpan d) : d_(d) {}
  [[nodiscard]] bool u8(uint8_t& v) {
    if (d_.size() - pos_ < 1) return false;
    v = d_[pos_++];
    return true;
  }
  [[nodiscard]] bool u16(uint16_t& v) {
    if (d_.size() - pos_ < 2) return false;
    v = static_cast<uint16_t>(d_[pos_] << 8 | d_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  [[nodiscard]] bool bytes(size_t n, ByteSpan& out) {
    if (d_.size() - pos_ < n) return false;
    out = d_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  template <size_t N>
  [[nodiscard]] bool array(std::array<uint8_t, N>& out) {
    ByteSpan s;
    if (!bytes(N, s)) return false;
    std::copy(s.begin(), s.end(), out.begin());
    return true;
  }
  bool at_end() const { return pos_ == d_.size(); }

 private:
  ByteSpan d_;
  size_t pos_ = 0;
};

// RFC 9577 §2.1.1: names are ASCII server names; we accept printable ASCII without spaces.
bool printable_ascii(ByteSpan s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t c) { return c > 0x20 && c < 0x7f; });
}

std::string_view as_text(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Fixed-size layout written in place (GCC 12 -O3 misreports vector::insert growth here).
Bytes token_input_of(uint16_t type, const std::array<uint8_t, kNonceLen>& nonce, const Digest32& digest,
                     const Digest32& key_id) {
  Bytes out(kTokenInputLen);
  out[0] = static_cast<uint8_t>(type >> 8);
  out[1] = static_cast<uint8_t>(type);
  auto it = std::copy(nonce.begin(), nonce.end(), out.begin() + 2);
  it = std::copy(digest.begin(), digest.end(), it);
  std::copy(key_id.begin(), key_id.end(), it);
  return out;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

// DER length octets (definite form) for lengths below 2^16.
void der_length(Bytes& out, size_t len) {
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
  } else if (len < 0x100) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(len));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(len >> 8));
    out.push_back(static_cast<uint8_t>(len));
  }
}

// AlgorithmIdentifier { id-RSASSA-PSS, RSASSA-PSS-params { hashAlgorithm sha384,
// maskGenAlgorithm mgf1(sha384), saltLength 48 } }, the hash AlgorithmIdentifiers with absent
// parameters (RFC 5754 §2), exactly as in RFC 9578 §6.5 and its Appendix A.2 pkS.
constexpr uint8_t kRsassaPssSha384AlgId[] = {
    0x30, 0x3d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,              // rsassaPss
    0x30, 0x30,                                                                                // params
    0xa0, 0x0d, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,  // [0] sha384
    0xa1, 0x1a, 0x30, 0x18, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08,  // [1] mgf1
    0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,              //     sha384
    0xa2, 0x03, 0x02, 0x01, 0x30,                                                              // [2] 48
};
static_assert(sizeof kRsassaPssSha384AlgId == 2 + 0x3d);

// The RFC 9578 §6.5 SPKI of (n, e). The RSAPublicKey inside comes from OpenSSL (i2d_PublicKey);
// the outer SEQUENCE and AlgorithmIdentifier are written here because OpenSSL 3.0 encodes an
// RSA-PSS key's hash AlgorithmIdentifiers with explicit NULL parameters, a different byte string
// and therefore a different token_key_id from the one RFC 9578 specifies (checked by the test
// against the RFC's pkS).
Result<Bytes> rsassa_pss_spki(const blind_rsa::PublicKey& pk) {
  unsigned char* der = nullptr;
  const int len = i2d_PublicKey(pk.evp(), &der);
  if (len <= 0 || !der) return Result<Bytes>::error("OpenSSL could not encode the RSA public key");
  Bytes bit_string = {0x03};
  der_length(bit_string, static_cast<size_t>(len) + 1);
  bit_string.push_back(0x00);  // no unused bits
  bit_string.insert(bit_string.end(), der, der + len);
  OPENSSL_free(der);
  Bytes out = {0x30};
  der_length(out, sizeof kRsassaPssSha384AlgId + bit_string.size());
  out.insert(out.end(), std::begin(kRsassaPssSha384AlgId), std::end(kRsassaPssSha384AlgId));
  out.insert(out.end(), bit_string.begin(), bit_string.end());
  return out;
}

using BlindFn = std::function<Result<blind_rsa::BlindOutput>(ByteSpan token_input)>;

Result<ClientRequest> make_request_core(const IssuerPublicKey& pk, ByteSpan challenge, ByteSpan nonce,
                                        const BlindFn& blind_fn) {
  auto parsed = TokenChallenge::parse(challenge);
  if (!parsed) return Result<ClientRequest>::error("bad challenge: " + parsed.message());
  if (nonce.size() != kNonceLen) return Result<ClientRequest>::error("nonce must be 32 bytes");
  ClientRequest out;
  std::copy(nonce.begin(), nonce.end(), out.state.nonce.begin());
  out.state.challenge_digest = sha256(challenge);
  out.state.token_key_id = pk.token_key_id();
  Bytes input = out.state.token_input();
  auto blinded = blind_fn(input);
  if (!blinded) return blinded.status();
  out.request.token_type = kTokenTypeBlindRsa2048;
  out.request.truncated_token_key_id = pk.truncated_token_key_id();
  out.request.blinded_msg = std::move(blinded->blinded_msg);
  out.state.inv = std::move(blinded->inv);
  return out;
}

}  // namespace

Digest32 sha256(ByteSpan data) {
  Digest32 d{};
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr) != 1 || len != d.size())
    throw std::runtime_error("OpenSSL SHA-256 failed");
  return d;
}

// ---- wire structures ----

Bytes TokenChallenge::encode() const {
  if (issuer_name.empty() || issuer_name.size() > 0xFFFF || origin_info.size() > 0xFFFF ||
      !(redemption_context.empty() || redemption_context.size() == 32) ||
      !printable_ascii(as_bytes(issuer_name)) || !printable_ascii(as_bytes(origin_info)))
    throw std::invalid_argument("TokenChallenge field out of range (names: printable ASCII, no spaces)");
  BeWriter w;
  w.u16(token_type);
  w.u16(static_cast<uint16_t>(issuer_name.size()));
  w.bytes(as_bytes(issuer_name));
  w.u8(static_cast<uint8_t>(redemption_context.size()));
  w.bytes(redemption_context);
  w.u16(static_cast<uint16_t>(origin_info.size()));
  w.bytes(as_bytes(origin_info));
  return w.take();
}

Result<TokenChallenge> TokenChallenge::parse(ByteSpan bytes) {
  using R = Result<TokenChallenge>;
  BeReader r(bytes);
  TokenChallenge c;
  uint16_t name_len = 0, origin_len = 0;
  uint8_t ctx_len = 0;
  ByteSpan name, ctx, origin;
  if (!r.u16(c.token_type)) return R::error("TokenChallenge truncated (token_type)");
  if (c.token_type != kTokenTypeBlindRsa2048) return R::error("TokenChallenge: unsupported token type");
  if (!r.u16(name_len) || !r.bytes(name_len, name)) return R::error("TokenChallenge truncated (issuer_name)");
  if (name_len == 0) return R::error("TokenChallenge: empty issuer_name");
  if (!printable_ascii(name)) return R::error("TokenChallenge: issuer_name is not a server name");
  if (!r.u8(ctx_len)) return R::error("TokenChallenge truncated (redemption_context)");
  if (ctx_len != 0 && ctx_len != 32)
    return R::error("TokenChallenge: redemption_context must be 0 or 32 bytes");
  if (!r.bytes(ctx_len, ctx)) return R::error("TokenChallenge truncated (redemption_context)");
  if (!r.u16(origin_len) || !r.bytes(origin_len, origin))
    return R::error("TokenChallenge truncated (origin_info)");
  if (!printable_ascii(origin)) return R::error("TokenChallenge: origin_info is not a list of server names");
  if (!r.at_end()) return R::error("TokenChallenge: trailing bytes");
  c.issuer_name = std::string(as_text(name));
  c.redemption_context.assign(ctx.begin(), ctx.end());
  c.origin_info = std::string(as_text(origin));
  return c;
}

Bytes admission_challenge(const std::string& issuer_name, const std::string& origin) {
  if (origin.empty()) throw std::invalid_argument("admission challenge: empty origin");
  TokenChallenge c;
  c.issuer_name = issuer_name;
  c.origin_info = origin;
  return c.encode();
}

Bytes TokenRequest::encode() const {
  BeWriter w;
  w.u16(token_type);
  w.u8(truncated_token_key_id);
  w.bytes(blinded_msg);
  return w.take();
}

Result<TokenRequest> TokenRequest::parse(ByteSpan bytes) {
  using R = Result<TokenRequest>;
  if (bytes.size() != kTokenRequestLen)
    return R::error("TokenRequest must be " + std::to_string(kTokenRequestLen) + " bytes, got " +
                    std::to_string(bytes.size()));
  BeReader r(bytes);
  TokenRequest t;
  ByteSpan msg;
  if (!r.u16(t.token_type) || !r.u8(t.truncated_token_key_id) || !r.bytes(kNk, msg) || !r.at_end())
    return R::error("TokenRequest truncated");
  if (t.token_type != kTokenTypeBlindRsa2048) return R::error("TokenRequest: unsupported token type");
  t.blinded_msg.assign(msg.begin(), msg.end());
  return t;
}

Bytes TokenResponse::encode() const {
  return blind_sig;
}

Result<TokenResponse> TokenResponse::parse(ByteSpan bytes) {
  if (bytes.size() != kTokenResponseLen)
    return Result<TokenResponse>::error("TokenResponse must be " + std::to_string(kTokenResponseLen) +
                                        " bytes, got " + std::to_string(bytes.size()));
  return TokenResponse{Bytes(bytes.begin(), bytes.end())};
}

Bytes Token::encode() const {
  Bytes out = token_input();
  out.resize(kTokenInputLen + authenticator.size());
  std::copy(authenticator.begin(), authenticator.end(), out.begin() + kTokenInputLen);
  return out;
}

Bytes Token::token_input() const {
  return token_input_of(token_type, nonce, challenge_digest, token_key_id);
}

Result<Token> Token::parse(ByteSpan bytes) {
  using R = Result<Token>;
  if (bytes.size() != kTokenLen)
    return R::error("Token must be " + std::to_string(kTokenLen) + " bytes, got " +
                    std::to_string(bytes.size()));
  BeReader r(bytes);
  Token t;
  ByteSpan auth;
  if (!r.u16(t.token_type) || !r.array(t.nonce) || !r.array(t.challenge_digest) || !r.array(t.token_key_id) ||
      !r.bytes(kNk, auth) || !r.at_end())
    return R::error("Token truncated");
  if (t.token_type != kTokenTypeBlindRsa2048) return R::error("Token: unsupported token type");
  t.authenticator.assign(auth.begin(), auth.end());
  return t;
}

Bytes PendingToken::token_input() const {
  return token_input_of(kTokenTypeBlindRsa2048, nonce, challenge_digest, token_key_id);
}

// ---- keys ----

IssuerPublicKey::IssuerPublicKey(blind_rsa::PublicKey rsa, Bytes spki)
    : rsa_(std::move(rsa)), spki_(std::move(spki)), token_key_id_(sha256(spki_)) {}

Result<IssuerPublicKey> IssuerPublicKey::from_rsa(const blind_rsa::PublicKey& pk) {
  if (pk.modulus_len() != kNk || pk.modulus_bits() != 8 * static_cast<int>(kNk))
    return Result<IssuerPublicKey>::error("token type 2 needs a 2048-bit RSA key");
  auto spki = rsassa_pss_spki(pk);
  if (!spki) return spki.status();
  return IssuerPublicKey(pk, std::move(spki).value());
}

Result<IssuerPublicKey> IssuerPublicKey::from_spki(ByteSpan der) {
  using R = Result<IssuerPublicKey>;
  if (der.empty() || der.size() > 1024) return R::error("issuer public key: bad SPKI size");
  const unsigned char* p = der.data();
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pkey) return R::error("issuer public key: not a DER SubjectPublicKeyInfo");
  if (p != der.data() + der.size()) return R::error("issuer public key: trailing bytes");
  if (!EVP_PKEY_is_a(pkey.get(), "RSA-PSS")) return R::error("issuer public key: not an id-RSASSA-PSS key");
  auto rsa = blind_rsa::PublicKey::from_evp(pkey.get());
  if (!rsa) return R::error("issuer public key: " + rsa.message());
  auto key = from_rsa(*rsa);
  if (!key) return key.status();
  // One key, one encoding, one token_key_id: anything but the canonical SPKI (other PSS
  // parameters, a different DER form) is refused.
  if (key->spki() != Bytes(der.begin(), der.end()))
    return R::error("issuer public key: RSASSA-PSS parameters are not SHA-384/MGF1-SHA-384/48");
  return key;
}

Result<IssuerPublicKey> IssuerPublicKey::from_pem_or_der(ByteSpan bytes) {
  if (!as_text(bytes).starts_with("-----BEGIN")) return from_spki(bytes);
  if (bytes.size() > 4096) return Result<IssuerPublicKey>::error("issuer public key: PEM too large");
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (!bio || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1)
    return Result<IssuerPublicKey>::error("issuer public key: bad PEM");
  const bool is_pub = std::string_view(name) == "PUBLIC KEY" && header && header[0] == '\0';
  Bytes der(data, data + len);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  if (!is_pub) return Result<IssuerPublicKey>::error("issuer public key: PEM is not a PUBLIC KEY");
  return from_spki(der);
}

std::string IssuerPublicKey::pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio(bio.get(), "PUBLIC KEY", "", spki_.data(), static_cast<long>(spki_.size())) <= 0)
    throw std::runtime_error("OpenSSL PEM encoding failed");
  char* p = nullptr;
  long n = BIO_get_mem_data(bio.get(), &p);
  return std::string(p, static_cast<size_t>(n));
}

IssuerKey IssuerKey::generate() {
  blind_rsa::PrivateKey sk = blind_rsa::PrivateKey::generate(8 * kNk);
  auto pub = IssuerPublicKey::from_rsa(sk.public_key());
  if (!pub) throw std::runtime_error("issuer key: " + pub.message());
  return IssuerKey(std::move(sk), std::move(pub).value());
}

Result<IssuerKey> IssuerKey::from_pkcs8(ByteSpan pem_or_der) {
  auto sk = blind_rsa::PrivateKey::from_pkcs8(pem_or_der);
  if (!sk) return Result<IssuerKey>::error("issuer key: " + sk.message());
  auto pub = IssuerPublicKey::from_rsa(sk->public_key());
  if (!pub) return Result<IssuerKey>::error("issuer key: " + pub.message());
  return IssuerKey(std::move(sk).value(), std::move(pub).value());
}

// ---- protocol ----

Result<ClientRequest> make_token_request(const IssuerPublicKey& pk, ByteSpan challenge) {
  std::array<uint8_t, kNonceLen> nonce{};
  random_bytes(nonce);
  auto out = make_request_core(pk, challenge, nonce,
                               [&pk](ByteSpan input) { return blind_rsa::blind(pk.rsa(), input); });
  secure_wipe(nonce.data(), nonce.size());
  return out;
}

Result<Token> finalize_token(const IssuerPublicKey& pk, const PendingToken& state,
                             const TokenResponse& response) {
  if (state.token_key_id != pk.token_key_id())
    return Result<Token>::error("token state was made for another issuer key");
  if (response.blind_sig.size() != kNk) return Result<Token>::error("TokenResponse: wrong blind_sig size");
  auto sig = blind_rsa::finalize(pk.rsa(), state.token_input(), response.blind_sig, state.inv);
  if (!sig) return Result<Token>::error("token finalize: " + sig.message());
  Token t;
  t.nonce = state.nonce;
  t.challenge_digest = state.challenge_digest;
  t.token_key_id = state.token_key_id;
  t.authenticator = std::move(sig).value();
  return t;
}

Result<TokenResponse> issue(const IssuerKey& key, const TokenRequest& request) {
  if (request.token_type != kTokenTypeBlindRsa2048)
    return Result<TokenResponse>::error("unsupported token type");
  if (request.truncated_token_key_id != key.public_key().truncated_token_key_id())
    return Result<TokenResponse>::error("TokenRequest is for another issuer key");
  if (request.blinded_msg.size() != kNk)
    return Result<TokenResponse>::error("TokenRequest: wrong blinded_msg size");
  auto sig = blind_rsa::blind_sign(key.rsa(), request.blinded_msg);
  if (!sig) return sig.status();
  return TokenResponse{std::move(sig).value()};
}

Status verify_token(const Token& token, ByteSpan challenge, const IssuerPublicKey& pk) {
  if (token.token_type != kTokenTypeBlindRsa2048) return Status::error("token: unsupported token type");
  if (token.challenge_digest != sha256(challenge))
    return Status::error("token was issued for another challenge");
  if (token.token_key_id != pk.token_key_id())
    return Status::error("token was issued under another issuer key");
  if (token.authenticator.size() != kNk) return Status::error("token: wrong authenticator size");
  if (!blind_rsa::verify(pk.rsa(), token.token_input(), token.authenticator))
    return Status::error("token: invalid authenticator");
  return Status::ok();
}

// ---- double spending ----

size_t SpentTokenSet::Hash::operator()(const Digest32& d) const {
  size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);  // SHA-256 output: already uniform
  return h;
}

Status SpentTokenSet::insert(const Digest32& nonce_hash) {
  std::lock_guard lock(mu_);
  if (seen_.count(nonce_hash)) return Status::error("token already redeemed");
  if (seen_.size() >= capacity_) return Status::error("spent-token set full: rotate the issuer key");
  seen_.insert(nonce_hash);
  return Status::ok();
}

bool SpentTokenSet::contains(const Digest32& nonce_hash) const {
  std::lock_guard lock(mu_);
  return seen_.count(nonce_hash) != 0;
}

size_t SpentTokenSet::size() const {
  std::lock_guard lock(mu_);
  return seen_.size();
}

Digest32 nonce_hash(const Token& token) {
  return sha256(token.nonce);
}

Result<Digest32> redeem(ByteSpan token_bytes, ByteSpan challenge, const IssuerPublicKey& pk,
                        SpentTokenSet& spent) {
  auto token = Token::parse(token_bytes);
  if (!token) return token.status();
  if (Status st = verify_token(*token, challenge, pk); !st) return st;
  Digest32 h = nonce_hash(*token);
  if (Status st = spent.insert(h); !st) return st;
  return h;
}

}  // namespace v100::meeting::admission

// ---- test hook (testing.h) ----

namespace v100::meeting::admission::testing_only {

Result<ClientRequest> make_token_request_with(const IssuerPublicKey& pk, ByteSpan challenge, ByteSpan nonce,
                                              ByteSpan salt, ByteSpan r) {
  return make_request_core(pk, challenge, nonce,
                           [&](ByteSpan input) { return blind_with_r(pk.rsa(), input, salt, r); });
}

}  // namespace v100::meeting::admission::testing_only
