#include "meeting/protocol/join_proof.h"

#include <openssl/evp.h>

#include <map>
#include <memory>
#include <mutex>
#include <string_view>

namespace v100::meeting::protocol {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::map<JoinScheme, SignatureVerifier>& registry() {
  static std::map<JoinScheme, SignatureVerifier> r;
  return r;
}

}  // namespace

Bytes join_transcript(const Handle& handle, const Nonce& nonce) {
  ByteWriter w;
  w.bytes(as_bytes(std::string_view(kJoinTranscriptLabel)));
  w.bytes(handle);
  w.bytes(nonce);
  return w.take();
}

Bytes remove_transcript(const Handle& handle, const Nonce& nonce, uint16_t slot, ByteSpan new_join_verifier) {
  ByteWriter w;
  w.bytes(as_bytes(std::string_view(kRemoveTranscriptLabel)));
  w.bytes(handle);
  w.bytes(nonce);
  w.u16(slot);
  w.blob(new_join_verifier);
  return w.take();
}

size_t join_verifier_size(JoinScheme scheme) {
  switch (scheme) {
    case JoinScheme::kEd25519:
      return 32;
    case JoinScheme::kMlDsa65:
      return 1952;  // FIPS 204 Table 2
  }
  return 0;
}

size_t join_proof_size(JoinScheme scheme) {
  switch (scheme) {
    case JoinScheme::kEd25519:
      return 64;
    case JoinScheme::kMlDsa65:
      return 3309;  // FIPS 204 Table 2
  }
  return 0;
}

Result<Bytes> ed25519_public_key(ByteSpan seed) {
  if (seed.size() != 32) return Result<Bytes>::error("ed25519: seed must be 32 bytes");
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!key) return Result<Bytes>::error("ed25519: key setup failed");
  Bytes pk(32);
  size_t len = pk.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), pk.data(), &len) != 1 || len != 32)
    return Result<Bytes>::error("ed25519: public key export failed");
  return pk;
}

Result<Bytes> ed25519_sign(ByteSpan seed, ByteSpan msg) {
  if (seed.size() != 32) return Result<Bytes>::error("ed25519: seed must be 32 bytes");
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!key || !ctx) return Result<Bytes>::error("ed25519: key setup failed");
  Bytes sig(64);
  size_t len = sig.size();
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, msg.data(), msg.size()) != 1 || len != 64)
    return Result<Bytes>::error("ed25519: signing failed");
  return sig;
}

bool ed25519_verify(ByteSpan public_key, ByteSpan msg, ByteSpan signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!key || !ctx) return false;
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), msg.data(), msg.size()) == 1;
}

Result<Bytes> make_join_proof_ed25519(ByteSpan join_seed, const Handle& handle, const Nonce& nonce) {
  return ed25519_sign(join_seed, join_transcript(handle, nonce));
}

void register_join_verifier(JoinScheme scheme, SignatureVerifier verifier) {
  std::lock_guard lock(registry_mutex());
  registry()[scheme] = std::move(verifier);
}

bool join_scheme_supported(JoinScheme scheme) {
  if (scheme == JoinScheme::kEd25519) return true;
  std::lock_guard lock(registry_mutex());
  return registry().count(scheme) != 0;
}

bool verify_join_proof(JoinScheme scheme, ByteSpan verifier, const Handle& handle, const Nonce& nonce,
                       ByteSpan proof) {
  if (verifier.size() != join_verifier_size(scheme) || proof.size() != join_proof_size(scheme)) return false;
  const Bytes transcript = join_transcript(handle, nonce);
  if (scheme == JoinScheme::kEd25519) return ed25519_verify(verifier, transcript, proof);
  SignatureVerifier v;
  {
    std::lock_guard lock(registry_mutex());
    auto it = registry().find(scheme);
    if (it == registry().end()) return false;
    v = it->second;
  }
  return v(verifier, transcript, proof);
}

}  // namespace v100::meeting::protocol
