#include "meeting/client/roster_bfv.h"

#include <stdexcept>

#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/bfv/match.h"
#include "fhe/common/keys.h"
#include "fhe/common/serialize.h"
#include "meeting/client/roster.h"

namespace v100::meeting::client {

static_assert(kRosterBlockMembers == fhe::bfv::match::kUsers && kSlotCoeffs == fhe::bfv::match::kValues &&
                  kTokenCoeffs == fhe::bfv::match::kTokenValues,
              "the roster layout is the look-up's multi-score layout");

struct RosterCipher::Impl {
  fhe::bfv::BfvContextPtr ctx;
  std::unique_ptr<fhe::KeyGenerator> keygen;
};

RosterCipher::RosterCipher(ByteSpan bfv_seed) : impl_(std::make_unique<Impl>()) {
  auto ctx = fhe::bfv::BfvContext::create(kRosterBfvParams);
  if (!ctx) throw std::runtime_error(std::string("roster BFV parameters: ") + ctx.message());
  impl_->ctx = *ctx;
  if (impl_->ctx->n() < kRosterBlockMembers * kSlotCoeffs)
    throw std::runtime_error("roster BFV ring too small");
  impl_->keygen = std::make_unique<fhe::KeyGenerator>(impl_->ctx->rlwe_ptr(), bfv_seed);
}

RosterCipher::~RosterCipher() = default;

uint64_t RosterCipher::t() const {
  return impl_->ctx->t();
}

Bytes RosterCipher::encrypt_token(uint16_t slot, const UserId& user_id) const {
  fhe::bfv::match::MatchClient mc(impl_->ctx, impl_->keygen->secret_key());
  auto ct = mc.encrypt_token_block(slot % kRosterBlockMembers, identity_token(user_id, kTokenCoeffs));
  return fhe::serialize_ciphertext(impl_->ctx->rlwe(), ct);
}

Bytes RosterCipher::encrypt_token(uint16_t slot, const UserId& user_id, ByteSpan randomness) const {
  if (randomness.size() != 32) throw std::invalid_argument("encrypt_token: randomness must be 32 bytes");
  fhe::bfv::match::MatchClient mc(impl_->ctx, impl_->keygen->secret_key());
  auto ct = mc.encrypt_token_block(slot % kRosterBlockMembers, identity_token(user_id, kTokenCoeffs),
                                   std::span<const uint8_t, 32>(randomness.data(), 32));
  return fhe::serialize_ciphertext(impl_->ctx->rlwe(), ct);
}

Result<std::map<uint16_t, std::vector<uint64_t>>> RosterCipher::decrypt_tokens(
    const std::vector<std::pair<uint16_t, ByteSpan>>& entries) const {
  using R = Result<std::map<uint16_t, std::vector<uint64_t>>>;
  std::map<uint16_t, fhe::Ciphertext> sums;  // by block
  fhe::bfv::Evaluator eval(impl_->ctx);
  for (const auto& [slot, bytes] : entries) {
    auto ct = fhe::deserialize_ciphertext(impl_->ctx->rlwe(), bytes, 2);
    if (!ct) return R::error("roster ciphertext of slot " + std::to_string(slot) + ": " + ct.message());
    if (ct->size() != 2) return R::error("roster ciphertext has the wrong size");
    uint16_t block = static_cast<uint16_t>(slot / kRosterBlockMembers);
    auto it = sums.find(block);
    if (it == sums.end()) {
      sums.emplace(block, std::move(ct).value());
    } else {
      if (ct->num_q() != it->second.num_q() || ct->is_ntt() != it->second.is_ntt())
        return R::error("roster ciphertexts of one block have different shapes");
      eval.add_inplace(it->second, *ct);
    }
  }
  fhe::bfv::Decryptor dec(impl_->ctx, impl_->keygen->secret_key());
  fhe::bfv::CoefficientEncoder enc(impl_->ctx);
  std::map<uint16_t, std::vector<uint64_t>> out;
  std::map<uint16_t, std::vector<uint64_t>> plain_by_block;
  for (const auto& [block, ct] : sums) plain_by_block[block] = enc.decode(dec.decrypt(ct));
  for (const auto& [slot, bytes] : entries) {
    (void)bytes;
    const auto& coeffs = plain_by_block[static_cast<uint16_t>(slot / kRosterBlockMembers)];
    size_t pos = (slot % kRosterBlockMembers) * kSlotCoeffs;
    out[slot] = std::vector<uint64_t>(coeffs.begin() + static_cast<std::ptrdiff_t>(pos),
                                      coeffs.begin() + static_cast<std::ptrdiff_t>(pos + kSlotCoeffs));
  }
  return out;
}

Bytes RosterCipher::public_key_blob() const {
  return fhe::serialize_public_key(impl_->ctx->rlwe(), impl_->keygen->public_key());
}

Bytes RosterCipher::relin_keys_blob() const {
  return fhe::serialize_relin_keys(impl_->ctx->rlwe(), impl_->keygen->relin_keys());
}

}  // namespace v100::meeting::client
