#include "meeting/client/identity.h"

#include <cstring>
#include <stdexcept>

#include "core/rng.h"
#include "hash/sha3.h"
#include "pq/mldsa/mldsa.h"
#include "pq/xwing/xwing.h"

namespace v100::meeting::client {
namespace {

namespace mldsa = pq::mldsa;
namespace xwing = pq::xwing;

// Secret serialization: magic || ML-DSA-65 seed xi (FIPS 204 Alg. 6) || X-Wing seed (the draft's
// sk). Both key pairs are regenerated from their seeds on load, so a loaded file cannot hold a
// public key that does not match its secret key.
constexpr uint8_t kSecretMagic[8] = {'V', '1', '0', '0', 'I', 'D', 'S', 1};
constexpr size_t kSecretLen = 8 + 32 + 32;

}  // namespace

struct Identity::Secrets {
  SecretBytes xi;
  mldsa::SecretKey65 sig_sk;
  xwing::SecretKey kem_sk;
};

UserId PublicIdentity::user_id() const {
  hash::Sha3_256 h;
  h.update(as_bytes("v100/user-id"));
  h.update(serialize());
  return h.final();
}

Bytes PublicIdentity::serialize() const {
  ByteWriter w;
  // Reserving up front also avoids a GCC 12 -Wstringop-overflow false positive on the inserts.
  w.buffer().reserve(8 + sig_pk.size() + kem_pk.size());
  w.blob(sig_pk);
  w.blob(kem_pk);
  return w.take();
}

Result<PublicIdentity> PublicIdentity::read(ByteReader& r) {
  using R = Result<PublicIdentity>;
  ByteSpan s, k;
  if (!r.blob(s, 1 << 14) || !r.blob(k, 1 << 14)) return R::error("public identity truncated");
  if (s.size() != mldsa::PublicKey65::kBytes) return R::error("ML-DSA-65 public key has the wrong size");
  if (!xwing::PublicKey::from_bytes(k)) return R::error("X-Wing public key is malformed");
  PublicIdentity p;
  p.sig_pk.assign(s.begin(), s.end());
  p.kem_pk.assign(k.begin(), k.end());
  return p;
}

Result<PublicIdentity> PublicIdentity::parse(ByteSpan data) {
  ByteReader r(data);
  auto p = read(r);
  if (p && !r.at_end()) return Result<PublicIdentity>::error("public identity has trailing bytes");
  return p;
}

Encapsulation encapsulate_to(const PublicIdentity& to) {
  auto pk = xwing::PublicKey::from_bytes(to.kem_pk);
  if (!pk) throw std::invalid_argument("encapsulate_to: malformed X-Wing key: " + pk.message());
  auto enc = xwing::encapsulate(*pk);
  if (!enc) throw std::invalid_argument("encapsulate_to: " + enc.message());
  Encapsulation out;
  out.ciphertext.assign(enc->ciphertext.span().begin(), enc->ciphertext.span().end());
  out.shared_secret = SecretBytes(enc->shared_secret.span());
  return out;
}

bool verify_signature(const PublicIdentity& from, ByteSpan msg, std::string_view ctx, ByteSpan sig) {
  auto pk = mldsa::PublicKey65::parse(from.sig_pk);
  if (!pk) return false;
  return mldsa::verify(*pk, msg, sig, mldsa::as_context(ctx)).is_ok();
}

Identity::Identity(PublicIdentity pub, std::unique_ptr<Secrets> secrets)
    : public_(std::move(pub)), user_id_(public_.user_id()), secrets_(std::move(secrets)) {}
Identity::Identity(Identity&&) noexcept = default;
Identity& Identity::operator=(Identity&&) noexcept = default;
Identity::~Identity() = default;

Identity Identity::generate() {
  SecretBytes xi = random_seed32();
  SecretBytes kem_seed = random_seed32();
  SecretBytes all(kSecretLen);
  std::memcpy(all.data(), kSecretMagic, 8);
  std::memcpy(all.data() + 8, xi.data(), 32);
  std::memcpy(all.data() + 40, kem_seed.data(), 32);
  auto id = parse_secret(all.span());
  if (!id) throw std::runtime_error("Identity::generate: " + id.message());
  return std::move(id).value();
}

SecretBytes Identity::serialize_secret() const {
  SecretBytes all(kSecretLen);
  std::memcpy(all.data(), kSecretMagic, 8);
  std::memcpy(all.data() + 8, secrets_->xi.data(), 32);
  auto seed = secrets_->kem_sk.seed();
  std::memcpy(all.data() + 40, seed.data(), 32);
  return all;
}

Result<Identity> Identity::parse_secret(ByteSpan data) {
  using R = Result<Identity>;
  if (data.size() != kSecretLen || std::memcmp(data.data(), kSecretMagic, 8) != 0)
    return R::error("not a V100 identity secret");
  auto kem = xwing::SecretKey::from_seed(data.subspan(40, 32));
  if (!kem) return R::error("identity: " + kem.message());
  std::array<uint8_t, 32> xi;
  std::memcpy(xi.data(), data.data() + 8, 32);
  auto kp = mldsa::generate_key_internal<mldsa::kMlDsa65>(std::span<const uint8_t, 32>(xi));
  PublicIdentity pub;
  pub.sig_pk.assign(kp.public_key.span().begin(), kp.public_key.span().end());
  pub.kem_pk.assign(kem->public_key().span().begin(), kem->public_key().span().end());
  auto secrets = std::unique_ptr<Secrets>(
      new Secrets{SecretBytes(ByteSpan(xi)), std::move(kp.secret_key), std::move(kem).value()});
  secure_wipe(xi.data(), xi.size());
  return Identity(std::move(pub), std::move(secrets));
}

Bytes Identity::sign(ByteSpan msg, std::string_view ctx) const {
  auto sig = mldsa::sign(secrets_->sig_sk, msg, mldsa::as_context(ctx));
  return Bytes(sig.span().begin(), sig.span().end());
}

Result<SecretBytes> Identity::decapsulate(ByteSpan ciphertext) const {
  auto ct = xwing::Ciphertext::from_bytes(ciphertext);
  if (!ct) return Result<SecretBytes>::error("X-Wing ciphertext: " + ct.message());
  auto ss = xwing::decapsulate(secrets_->kem_sk, *ct);
  if (!ss) return Result<SecretBytes>::error("X-Wing decapsulation: " + ss.message());
  return SecretBytes(ss->span());
}

std::string short_id(const UserId& id) {
  std::string h = to_hex(id);
  return h.substr(0, 8) + ".." + h.substr(56, 8);
}

}  // namespace v100::meeting::client
