// Files of the out-of-band issuance (`v100 token-request / token-issue / token-finalize`): a batch
// of RFC 9578 TokenRequests, the matching TokenResponses, the client's secret state between the
// two, and the finished tokens ("wallet"). RFC 9578 has one token per HTTP exchange; these files
// only concatenate its messages, behind an 8-byte magic and a big-endian u16 count, so an operator
// can carry them on any channel. Every parser is strict (magic, counts, exact sizes, no trailing
// bytes) and never throws.
#pragma once

#include <vector>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/admission/privacy_pass.h"

namespace v100::meeting::admission {

/// Most tokens in one batch.
inline constexpr size_t kMaxBatch = 1024;

Bytes encode_request_batch(const std::vector<TokenRequest>& requests);
[[nodiscard]] Result<std::vector<TokenRequest>> parse_request_batch(ByteSpan bytes);

Bytes encode_response_batch(const std::vector<TokenResponse>& responses);
[[nodiscard]] Result<std::vector<TokenResponse>> parse_response_batch(ByteSpan bytes);

/// The client's state for one batch: the challenge the tokens are for, the issuer key (SPKI), and
/// per token the nonce and the unblinding inverse. Secret (links tokens to the issuance).
struct ClientBatchState {
  Bytes challenge;
  Bytes issuer_spki;
  std::vector<PendingToken> pending;
};
/// Throws std::invalid_argument on an inconsistent state (caller bug: empty, > kMaxBatch, or a
/// pending token for another key or challenge).
SecretBytes encode_client_state(const ClientBatchState& state);
/// Parses and re-derives challenge_digest and token_key_id of every pending token.
[[nodiscard]] Result<ClientBatchState> parse_client_state(ByteSpan bytes);

/// Finished tokens and the challenge they answer (what a client presents to the server).
struct TokenWallet {
  Bytes challenge;
  std::vector<Token> tokens;
};
Bytes encode_wallet(const TokenWallet& wallet);
[[nodiscard]] Result<TokenWallet> parse_wallet(ByteSpan bytes);

}  // namespace v100::meeting::admission
