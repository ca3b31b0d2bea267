// Membership proof for JoinProve: the meeting's join key is a signing key derived from the meeting
// secret (every member can derive it, the server cannot); CreateMeeting registers its public key
// as the "join verifier". To join, a client asks for a fresh server nonce and signs
// join_transcript(handle, nonce). The server learns "someone holding the join key", not who:
// every member produces proofs under the same key. Replay-proof because the nonce is random,
// bound to one connection and consumed by the first JoinProve on it (see docs/protocol.md §4).
//
// Scheme kEd25519 (RFC 8032, via OpenSSL) is built in on both sides. kMlDsa65 is accepted by the
// protocol; a server verifies it once a verifier is registered with register_join_verifier()
// (the ML-DSA layer plugs in there without the protocol depending on it).
#pragma once

#include <functional>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/protocol/messages.h"

namespace v100::meeting::protocol {

/// Domain-separation label at the start of every join transcript.
inline constexpr char kJoinTranscriptLabel[] = "V100-join-v1";

/// Bytes signed by the joining member: label || handle || nonce.
Bytes join_transcript(const Handle& handle, const Nonce& nonce);

/// Verifier (public key) and proof (signature) sizes of a scheme; 0 for an unknown scheme.
size_t join_verifier_size(JoinScheme scheme);
size_t join_proof_size(JoinScheme scheme);

/// Ed25519 public key (32 bytes) of the key whose RFC 8032 private seed is `seed` (32 bytes).
/// Error if the seed has the wrong size.
Result<Bytes> ed25519_public_key(ByteSpan seed);
/// Ed25519 signature (64 bytes) of `msg` under seed `seed`.
Result<Bytes> ed25519_sign(ByteSpan seed, ByteSpan msg);
/// Verifies an Ed25519 signature; false on any malformed input.
bool ed25519_verify(ByteSpan public_key, ByteSpan msg, ByteSpan signature);

/// Convenience for clients: the proof for JoinProve with an Ed25519 join-key seed.
Result<Bytes> make_join_proof_ed25519(ByteSpan join_seed, const Handle& handle, const Nonce& nonce);

/// Domain-separation label of a host's RemoveMember proof.
inline constexpr char kRemoveTranscriptLabel[] = "V100-remove-v1";

/// Bytes signed by the host to remove a member: label || handle || nonce || u16 slot ||
/// u32 |new_join_verifier| || new_join_verifier.
Bytes remove_transcript(const Handle& handle, const Nonce& nonce, uint16_t slot, ByteSpan new_join_verifier);

/// Signature verifier hook: (public key, message, signature) -> valid.
using SignatureVerifier = std::function<bool(ByteSpan, ByteSpan, ByteSpan)>;

/// Registers a verifier for a scheme (e.g. ML-DSA-65 from the pq layer). Thread-safe; call at
/// start-up. Ed25519 is pre-registered.
void register_join_verifier(JoinScheme scheme, SignatureVerifier verifier);

/// Whether this process can verify proofs of `scheme`.
bool join_scheme_supported(JoinScheme scheme);

/// Verifies a membership proof. False on unsupported scheme, wrong sizes or a bad signature.
bool verify_join_proof(JoinScheme scheme, ByteSpan verifier, const Handle& handle, const Nonce& nonce,
                       ByteSpan proof);

}  // namespace v100::meeting::protocol
