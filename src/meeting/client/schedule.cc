#include "meeting/client/schedule.h"

#include <stdexcept>

#include "core/rng.h"
#include "meeting/client/crypto.h"

namespace v100::meeting::client {
namespace {

constexpr std::string_view kExtractSalt = "v100/meeting/v1";

Bytes u64le(uint64_t v) {
  ByteWriter w;
  w.u64(v);
  return w.take();
}

}  // namespace

KeySchedule::KeySchedule(ByteSpan ms) : ms_(ms) {
  if (ms.size() != kMeetingSecretLen)
    throw std::invalid_argument("KeySchedule: meeting secret must be 32 bytes");
}

SecretBytes KeySchedule::generate_secret() {
  return random_seed32();
}

SecretBytes KeySchedule::derive(std::string_view label, ByteSpan context, size_t len) const {
  Bytes info;
  info.reserve(5 + label.size() + 1 + context.size());
  for (char c : std::string_view("v100/")) info.push_back(static_cast<uint8_t>(c));
  for (char c : label) info.push_back(static_cast<uint8_t>(c));
  info.push_back(0);
  info.insert(info.end(), context.begin(), context.end());
  SecretBytes out(len);
  // Full HKDF (extract + expand) per call: the extract is one HMAC, and keeping only `ms` means
  // one secret to wipe.
  hkdf_sha512(out.span(), ms_.span(), as_bytes(kExtractSalt), info);
  return out;
}

std::array<uint8_t, kHandleLen> KeySchedule::handle(uint64_t session) const {
  SecretBytes h = derive("handle", u64le(session), kHandleLen);
  std::array<uint8_t, kHandleLen> out;
  std::copy(h.data(), h.data() + kHandleLen, out.begin());
  return out;
}

SecretBytes KeySchedule::join_key(uint64_t session) const {
  return derive("join-key", u64le(session), 32);
}
SecretBytes KeySchedule::bfv_seed() const {
  return derive("bfv-seed", {}, 32);
}
SecretBytes KeySchedule::ckks_seed() const {
  return derive("ckks-seed", {}, 32);
}
SecretBytes KeySchedule::info_key(uint64_t session) const {
  return derive("info-key", u64le(session), 32);
}
SecretBytes KeySchedule::roster_key(uint64_t session) const {
  return derive("roster-key", u64le(session), 32);
}

SecretBytes KeySchedule::epoch_secret(uint64_t session, uint64_t epoch, ByteSpan fresh) const {
  if (fresh.size() != 32) throw std::invalid_argument("epoch_secret: fresh input must be 32 bytes");
  SecretBytes base = derive("epoch-base", u64le(session), 32);
  Bytes info = {'v', '1', '0', '0', '/', 'e', 'p', 'o', 'c', 'h'};
  Bytes e = u64le(epoch);
  info.insert(info.end(), e.begin(), e.end());
  SecretBytes out(32);
  hkdf_sha512(out.span(), fresh, base.span(), info);
  return out;
}

std::array<uint8_t, 32> membership_proof(ByteSpan join_key, ByteSpan handle, ByteSpan server_nonce) {
  Bytes msg;
  for (char c : std::string_view("v100/join-proof")) msg.push_back(static_cast<uint8_t>(c));
  msg.insert(msg.end(), handle.begin(), handle.end());
  msg.insert(msg.end(), server_nonce.begin(), server_nonce.end());
  return hmac_sha512_256(join_key, msg);
}

}  // namespace v100::meeting::client
