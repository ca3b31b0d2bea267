// Directory look-up ("FHE routing", DESIGN.md §3 step 5) on the encrypted roster.
//
// The roster is one "bfv-meeting-4096" ciphertext per block of 32 slots: the sum of the members'
// uploads. Slot k of a block owns coefficients 128k .. 128k+127: its 32-value identity token at
// 128k .. 128k+31 and zeros after it (the multi-score layout of fhe/bfv/match.h). A member
// looking for a token sends Enc(token, zero padding) replicated in every block. For each block the
// server returns ONE reply (MatchServer::score_reply): a single product by a mask polynomial with
// fresh uniform nonzero values (per request; see Masks below) carries kScoresPerSlot = 4 independent
// scores per slot, s_kw = sum_j r_wj (x_kj - y_j) at coefficient 128k + 32w + 31. All four are 0
// when slot k holds the token; otherwise each is 0 with probability <= 1/(t-1), t = 65537,
// independently: a false match has probability about 2^-64 per slot, 2^-59 per block (the issue
// asks <= 2^-30 per block).
//
// Each reply is re-randomized with a fresh encryption of zero at the full modulus (fresh u, e per
// block), switched to one prime and flooded, and it carries c0 only at the score positions: the
// other coefficients of the product (partial sums of the roster) cannot be decrypted from it.
//
// Masks: one per look-up, shared by all its blocks (MatchServer::draw_mask; a new one for every
// request). A polynomial product already applies one mask to the 32 slots of a block; sharing it
// across blocks extends that to the whole roster: slots whose differences x_k - y are equal (or
// linearly related) get equal (related) scores, wherever they sit. Who could see that is the key
// holder, a member who can decrypt every roster token with the same key anyway, so it learns
// nothing it could not compute; a mask per block would matter only for a querier who cannot read
// the roster, which this design does not have. The false-match bound is per slot and unchanged.
// Sharing saves one NTT per prime per block (about a fifth of a block's cost); a deployment that
// wants independent blocks draws a mask per block (MatchServer::draw_mask before each reply).
//
// The decision is the key holder's: the server sees ciphertexts only and cannot read, let alone
// act on, the comparison. It learns that a look-up happened, nothing about whom or whether found.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "fhe/bfv/context.h"
#include "fhe/bfv/match.h"

namespace v100::services {

/// Independent masked scores per slot (all in the block's one reply).
inline constexpr size_t kScoresPerSlot = fhe::bfv::match::kScoresPerUser;
/// Slots per roster block.
inline constexpr size_t kSlotsPerBlock = fhe::bfv::match::kUsers;
/// Token values per slot (16 bits each); the slot's other coefficients are zero padding.
inline constexpr size_t kTokenValues = fhe::bfv::match::kTokenValues;
/// The roster's parameter set.
inline constexpr const char* kRosterSet = "bfv-meeting-4096";

/// The shared roster context (thread-safe, built once).
const fhe::bfv::BfvContextPtr& roster_context();

/// Key-holder side of a look-up (a meeting member: the BFV key comes from the meeting secret).
class LookupClient {
 public:
  /// Deterministic from the meeting's 32-byte BFV seed (the same seed as the roster's keys).
  explicit LookupClient(ByteSpan bfv_seed32);
  ~LookupClient();
  LookupClient(const LookupClient&) = delete;
  LookupClient& operator=(const LookupClient&) = delete;

  /// Serialized query: the token (kTokenValues values < 2^16, zero padding) in every block, a
  /// fresh symmetric encryption in the match::serialize_score_query form (82 KB).
  /// Throws std::invalid_argument on a wrong token size.
  Bytes encrypt_query(std::span<const uint16_t> token) const;
  /// As above with explicit randomness (MatchClient::encrypt_token_query(token, randomness)): the
  /// same bytes for the same inputs, natively and in the web client's WebAssembly module. Never
  /// reuse `randomness` (32 fresh random bytes).
  Bytes encrypt_query(std::span<const uint16_t> token, std::span<const uint8_t, 32> randomness) const;
  /// Reads the server's reply (one serialized match::ScoreReply per block, in block order) and
  /// returns the matching slot (all kScoresPerSlot scores zero), or nullopt when the token is
  /// absent. `occupied` lists the slots that hold a member (others are ignored). Error when a
  /// reply does not parse.
  Result<std::optional<uint16_t>> find(const std::vector<Bytes>& reply,
                                       std::span<const uint16_t> occupied) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A look-up answer as the lookup service returns it (meeting/services/services.h): two blobs,
/// the replies packed (u32 count in 1..kMaxAnswerBlocks, then each reply as a u32-length blob) and
/// the occupied slots (u16 each). Little-endian, as everything on the wire.
struct LookupAnswer {
  std::vector<Bytes> replies;   ///< one serialized match::ScoreReply per roster block
  std::vector<uint16_t> slots;  ///< the slots that hold a member
};
/// Most roster blocks an answer may carry.
inline constexpr size_t kMaxAnswerBlocks = 4096;
/// The two answer blobs (server side).
std::vector<Bytes> pack_answer(const std::vector<Bytes>& replies, std::span<const uint16_t> slots);
/// Parses the two answer blobs strictly (count range, lengths within the blob, no trailing bytes,
/// whole u16 slots). Untrusted bytes: never throws. The replies themselves are parsed by find().
Result<LookupAnswer> unpack_answer(ByteSpan packed, ByteSpan slots);

/// Server side: needs only the meeting's BFV public key. Thread-safe.
class LookupServer {
 public:
  /// Error if the public key does not parse under the roster parameters.
  static Result<std::shared_ptr<const LookupServer>> create(ByteSpan public_key_blob);
  ~LookupServer();

  /// Sums member uploads into one block ciphertext (serialized). Error on a bad upload.
  Result<Bytes> sum_block(const std::vector<ByteSpan>& uploads) const;

  /// The roster's block ciphertexts parsed and validated once, kept in memory between look-ups
  /// (the server rebuilds it when the roster changes). Immutable; share freely.
  struct PreparedRoster;
  /// Bytes a prepared roster holds in memory (its block ciphertexts).
  static size_t prepared_bytes(const PreparedRoster& roster);
  /// Parses and validates block ciphertexts. Error on a block that does not parse or is at the
  /// wrong level.
  Result<std::shared_ptr<const PreparedRoster>> prepare(const std::vector<ByteSpan>& blocks) const;
  /// Answers a query: one reply per block, in block order, computed on up to `threads` threads
  /// (the query is parsed once; each thread reuses its buffers across blocks). Error on a query
  /// that does not parse or is at the wrong level.
  Result<std::vector<Bytes>> answer(ByteSpan query, const PreparedRoster& roster, unsigned threads = 1) const;
  /// prepare() then answer().
  Result<std::vector<Bytes>> answer(ByteSpan query, const std::vector<ByteSpan>& blocks,
                                    unsigned threads = 1) const;

 private:
  LookupServer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v100::services
