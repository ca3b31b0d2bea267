// X-Wing (draft-connolly-cfrg-xwing-kem): key expansion, derandomized encapsulation, decapsulation
// and the SHA3-256 combiner. X25519 comes from OpenSSL's EVP interface.
#include "pq/xwing/xwing.h"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#include "core/rng.h"
#include "hash/sha3.h"

namespace v100::pq::xwing {
namespace {

constexpr size_t kMlKemPkBytes = mlkem::Params<3>::kEncapsulationKeyBytes;
constexpr size_t kMlKemCtBytes = mlkem::Params<3>::kCiphertextBytes;

// The combiner label "\.//^\" (draft §5.3).
constexpr uint8_t kLabel[6] = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};

/// An X25519 private key from 32 raw bytes; OpenSSL derives (and caches) its public value.
PkeyPtr x25519_private(const uint8_t sk[32]) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, sk, 32));
  if (!key) throw std::runtime_error("xwing: OpenSSL X25519 key creation failed");
  return key;
}

void x25519_public_of(uint8_t out[32], EVP_PKEY* key) {
  size_t len = 32;
  if (EVP_PKEY_get_raw_public_key(key, out, &len) != 1 || len != 32)
    throw std::runtime_error("xwing: OpenSSL X25519 public key export failed");
}

/// X25519(key, peer). False when OpenSSL rejects the peer value (low-order point: all-zero output);
/// that depends only on the public peer value.
bool x25519(uint8_t out[32], EVP_PKEY* key, const uint8_t peer[32]) {
  PkeyPtr peer_key(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer, 32));
  if (!peer_key) return false;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new(key, nullptr));
  size_t len = 32;
  return ctx && EVP_PKEY_derive_init(ctx.get()) == 1 &&
         EVP_PKEY_derive_set_peer(ctx.get(), peer_key.get()) == 1 &&
         EVP_PKEY_derive(ctx.get(), out, &len) == 1 && len == 32;
}

/// Combiner (draft §5.3): SHA3-256(ss_M || ss_X || ct_X || pk_X || label).
SharedSecret combine(std::span<const uint8_t, 32> ss_m, const uint8_t ss_x[32], const uint8_t ct_x[32],
                     const uint8_t pk_x[32]) {
  hash::Sha3_256 h;
  h.update(ss_m);
  h.update(std::span<const uint8_t>(ss_x, 32));
  h.update(std::span<const uint8_t>(ct_x, 32));
  h.update(std::span<const uint8_t>(pk_x, 32));
  h.update(kLabel);
  auto d = h.final();
  SharedSecret ss;
  std::memcpy(ss.mutable_span().data(), d.data(), 32);
  secure_wipe(d.data(), d.size());
  return ss;
}

}  // namespace

struct SecretKey::Expanded {
  std::array<uint8_t, kSecretKeyBytes> seed;
  mlkem::DecapsulationKey<3> dk_m;
  PkeyPtr key_x;  // X25519 secret sk_X (OpenSSL wipes it on free)
  PublicKey pk;
  ~Expanded() { secure_wipe(seed.data(), seed.size()); }
};

Result<PublicKey> PublicKey::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kPublicKeyBytes)
    return Result<PublicKey>::error("X-Wing: public key has the wrong length");
  auto ek = mlkem::EncapsulationKey<3>::from_bytes(bytes.first(kMlKemPkBytes));
  if (!ek.is_ok()) return Result<PublicKey>::error("X-Wing: " + ek.message());
  return PublicKey(bytes.data(), std::move(ek).value());
}

PublicKey::PublicKey(const uint8_t* bytes, mlkem::EncapsulationKey<3> ek_m) : ek_m_(std::move(ek_m)) {
  std::memcpy(bytes_.data(), bytes, kPublicKeyBytes);
}

Result<Ciphertext> Ciphertext::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kCiphertextBytes)
    return Result<Ciphertext>::error("X-Wing: ciphertext has the wrong length");
  std::array<uint8_t, kCiphertextBytes> a;
  std::memcpy(a.data(), bytes.data(), kCiphertextBytes);
  return from_array(a);
}

SecretKey::SecretKey(std::unique_ptr<Expanded> x) : x_(std::move(x)) {}
SecretKey::SecretKey(SecretKey&&) noexcept = default;
SecretKey& SecretKey::operator=(SecretKey&&) noexcept = default;
SecretKey::~SecretKey() = default;

std::span<const uint8_t, kSecretKeyBytes> SecretKey::seed() const {
  return x_->seed;
}
const PublicKey& SecretKey::public_key() const {
  return x_->pk;
}

Result<SecretKey> SecretKey::from_seed(ByteSpan seed) {
  if (seed.size() != kSecretKeyBytes)
    return Result<SecretKey>::error("X-Wing: secret key seed must be 32 bytes");
  // expandDecapsulationKey (draft §5.2): SHAKE256(sk, 96) = d || z || sk_X.
  std::array<uint8_t, 96> expanded;
  WipeOnExit<decltype(expanded)> wipe(expanded);
  hash::shake256(expanded, seed);
  auto kp = mlkem::keygen_internal<3>(std::span<const uint8_t, 32>(expanded.data(), 32),
                                      std::span<const uint8_t, 32>(expanded.data() + 32, 32));
  PkeyPtr key_x = x25519_private(expanded.data() + 64);
  std::array<uint8_t, kPublicKeyBytes> pk_bytes;
  std::memcpy(pk_bytes.data(), kp.ek.span().data(), kMlKemPkBytes);
  x25519_public_of(pk_bytes.data() + kMlKemPkBytes, key_x.get());
  auto x = std::unique_ptr<Expanded>(
      new Expanded{{}, std::move(kp.dk), std::move(key_x), PublicKey(pk_bytes.data(), std::move(kp.ek))});
  std::memcpy(x->seed.data(), seed.data(), kSecretKeyBytes);
  return SecretKey(std::move(x));
}

SecretKey generate_key_pair() {
  std::array<uint8_t, kSecretKeyBytes> seed;
  WipeOnExit<decltype(seed)> wipe(seed);
  random_bytes(seed);
  return std::move(SecretKey::from_seed(seed)).value();
}

SecretKey generate_key_pair_derand(ByteSpan seed) {
  if (seed.size() != kSecretKeyBytes) throw std::invalid_argument("X-Wing: seed must be 32 bytes");
  return std::move(SecretKey::from_seed(seed)).value();
}

Result<Encapsulation> encapsulate_derand(const PublicKey& pk, ByteSpan eseed) {
  if (eseed.size() != kEncapsSeedBytes) throw std::invalid_argument("X-Wing: eseed must be 64 bytes");
  const uint8_t* pk_x = pk.bytes().data() + kMlKemPkBytes;
  // pk_M passed the §7.2 check when pk was parsed (or was produced by key generation).
  auto enc_m = mlkem::encaps_internal<3>(pk.mlkem_key(), std::span<const uint8_t, 32>(eseed.data(), 32));

  PkeyPtr ek_x = x25519_private(eseed.data() + 32);
  std::array<uint8_t, kCiphertextBytes> ct;
  std::memcpy(ct.data(), enc_m.ciphertext.span().data(), kMlKemCtBytes);
  uint8_t* ct_x = ct.data() + kMlKemCtBytes;
  x25519_public_of(ct_x, ek_x.get());
  uint8_t ss_x[32];
  WipeOnExit<uint8_t[32]> wipe(ss_x);
  if (!x25519(ss_x, ek_x.get(), pk_x))
    return Result<Encapsulation>::error("X-Wing: X25519 rejected the public key");
  return Encapsulation{combine(enc_m.key.span(), ss_x, ct_x, pk_x), Ciphertext::from_array(ct)};
}

Result<Encapsulation> encapsulate(const PublicKey& pk) {
  std::array<uint8_t, kEncapsSeedBytes> eseed;
  WipeOnExit<decltype(eseed)> wipe(eseed);
  random_bytes(eseed);
  return encapsulate_derand(pk, eseed);
}

Result<SharedSecret> decapsulate(const SecretKey& sk, const Ciphertext& ct) {
  const auto& x = sk.expanded();
  auto ct_m = mlkem::Ciphertext<3>::from_bytes(ct.span().first(kMlKemCtBytes)).value();
  SharedSecret ss_m = mlkem::decaps<3>(x.dk_m, ct_m);
  const uint8_t* ct_x = ct.bytes().data() + kMlKemCtBytes;
  uint8_t ss_x[32];
  WipeOnExit<uint8_t[32]> wipe(ss_x);
  if (!x25519(ss_x, x.key_x.get(), ct_x))
    return Result<SharedSecret>::error("X-Wing: X25519 rejected the ciphertext");
  return combine(ss_m.span(), ss_x, ct_x, x.pk.bytes().data() + kMlKemPkBytes);
}

}  // namespace v100::pq::xwing
