// TEST ONLY. Deterministic variants of the randomized steps, so the RFC 9474 and RFC 9578 test
// vectors can be reproduced byte for byte. Nothing in src/ or tools/ includes this header (the
// policy test enforces it); production code always draws salt, r and nonce from the OS CSPRNG.
#pragma once

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/admission/blind_rsa.h"
#include "meeting/admission/privacy_pass.h"

namespace v100::meeting::admission::testing_only {

/// RFC 9474 §4.2 Blind with the given salt and the given inverse `inv` of the blind r (the RFC's
/// vectors publish inv; r = inv^-1 mod n). Errors as blind_rsa::blind, plus a bad inv.
[[nodiscard]] Result<blind_rsa::BlindOutput> blind_with(const blind_rsa::PublicKey& pk, ByteSpan msg,
                                                        ByteSpan salt, ByteSpan inv);

/// RFC 9474 §4.2 Blind with the given salt and blind r (big-endian, 1 <= r < n).
[[nodiscard]] Result<blind_rsa::BlindOutput> blind_with_r(const blind_rsa::PublicKey& pk, ByteSpan msg,
                                                          ByteSpan salt, ByteSpan r);

/// RFC 9578 §6.1 request with a fixed nonce (32 bytes), salt (48 bytes) and blind r (Nk bytes,
/// "blind" in the RFC's Appendix A.2 vectors).
[[nodiscard]] Result<ClientRequest> make_token_request_with(const IssuerPublicKey& pk, ByteSpan challenge,
                                                            ByteSpan nonce, ByteSpan salt, ByteSpan r);

}  // namespace v100::meeting::admission::testing_only
