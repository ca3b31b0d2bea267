// Directory look-up ("FHE routing", DESIGN.md §3 step 5) on the encrypted roster.
//
// The roster is one "bfv-meeting-4096" ciphertext per block of 32 slots: the sum of the members'
// uploads, each holding its 128-value identity token in its slot's coefficients (the 32-user match
// layout, fhe/bfv/match.h). A member looking for a token sends Enc(token) replicated in every block;
// for each block the server returns kScoresPerBlock independent masked scores
// s_k = sum_j r_j (x_kj - y_j) (fresh nonzero r per score and per request), re-randomized, flooded
// and switched down to one prime. s_k is 0 for every score exactly when slot k holds the token;
// otherwise each score is uniform mod t = 65537, so a false match has probability t^-2 ≈ 2^-32
// per slot (the issue asks <= 2^-30 per block).
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

namespace v100::services {

/// Independent masked scores per block.
inline constexpr size_t kScoresPerBlock = 2;
/// Slots per roster block.
inline constexpr size_t kSlotsPerBlock = 32;
/// Token values per slot.
inline constexpr size_t kTokenValues = 128;
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

  /// Serialized query: the token (128 values < 2^16) in every block. Throws std::invalid_argument
  /// on a wrong token size.
  Bytes encrypt_query(std::span<const uint16_t> token) const;
  /// Reads the server's reply (kScoresPerBlock ciphertexts per block, block-major) and returns the
  /// matching slot, or nullopt when the token is absent. `occupied` lists the slots that hold a
  /// member (others are ignored). Error when a reply does not parse or has the wrong count.
  Result<std::optional<uint16_t>> find(const std::vector<Bytes>& reply, std::span<const uint16_t> occupied) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

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
  /// Parses and validates block ciphertexts. Error on a block that does not parse or is at the
  /// wrong level.
  Result<std::shared_ptr<const PreparedRoster>> prepare(const std::vector<ByteSpan>& blocks) const;
  /// Answers a query: kScoresPerBlock replies per block, block-major, computed on up to `threads`
  /// threads. Error on a query that does not parse.
  Result<std::vector<Bytes>> answer(ByteSpan query, const PreparedRoster& roster, unsigned threads = 1) const;
  /// prepare() then answer().
  Result<std::vector<Bytes>> answer(ByteSpan query, const std::vector<ByteSpan>& blocks, unsigned threads = 1) const;

 private:
  LookupServer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v100::services
