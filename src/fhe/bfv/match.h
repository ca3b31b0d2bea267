// The 32-user encrypted match (issue #2 §4): 32 users x 128 coefficients in ONE N = 4096
// ciphertext, scored against a query without rotations. Two layouts share the ciphertext shape:
//
// Inner products / single-score masked equality (128 values per user): user k's value j is the
// coefficient of X^(128k + j). A reference y is multiplied as the reversed polynomial
// Y(X) = sum_j y_j X^(127 - j); in the product, coefficient 128k + 127 is exactly sum_j x_kj y_j:
// the pairs (a, b) with a + b = 128k + 127 and b < 128 all have a in user k's block, and
// a + b < N + 127 so nothing wraps around X^N = -1. One multiply_plain does all 32 inner products.
// masked_equality multiplies (roster - query) by R(X) = sum_j r_j X^(127 - j), fresh uniform
// nonzero r_j mod t: coefficient 128k + 127 is s_k = sum_j r_j (x_kj - y_j), 0 if user k matches,
// otherwise uniform over Z_t (false match 1/t per score).
//
// Multi-score equality (the directory look-up, services/lookup.h; score_reply): S =
// kScoresPerUser = 4 scores per user from ONE product. User k's token of v = 128 / S = 32 values
// sits at coefficients 128k .. 128k+31; coefficients 128k+32 .. 128k+127 are ZERO padding (uploads
// and query alike). The mask is M(X) = sum_{w<S} X^(w v) R_w(X), R_w(X) = sum_{j<v} r_wj
// X^(v-1-j), every r_wj uniform in [1, t-1] (128 values: M fills coefficients 0..127). With
// d = roster - query, coefficient 128k + (w+1) v - 1 (score w of user k) is
//   sum_j r_wj (x_kj - y_j)  +  sum_{w' != w} sum_j r_w'j d_(128k + (w - w') v + j),
// and every index of the second sum lies in a padding region: user k's own (w' < w: offsets v ..
// 127) or user k-1's (w' > w: offsets 128 - (w'-w) v + j >= v; for k = 0 user 31's, negated
// through X^N = -1). No token coefficient reaches a score position through the wrap (a + b <=
// N + v - 2). So with honest (zero) padding no score mixes two users, and for x_k != y the S
// scores are independent and each is 0 with probability <= 1/(t-1): a false match has
// probability about t^-4 ≈ 2^-64 per user, 2^-59 per block of 32 (the issue asks <= 2^-30 per
// block; two scores would give only 32 t^-2 ≈ 2^-27 per block). A member who writes garbage into
// padding can only spoil its own and its neighbour's scores (it could write into their slots
// anyway); to forge a match it would need to know the query, and then it could upload the queried
// token itself.
//
// What the key holder may learn (and what the server does about it):
//  1. The other coefficients of the product are partial sums of the roster. finalize() (first
//     layout) adds a fresh uniform plaintext mod t at every non-result coefficient; score_reply()
//     does better: its reply carries c0 ONLY at the 128 score positions (c1 in full), so the other
//     coefficients are not decryptable at all, and the reply is half the size.
//  2. c1 = d1 * M would reveal M to whoever knows d1: the server adds a fresh public-key encryption
//     of zero (b u + e0, a u + e1) at the FULL modulus, which makes the reply a fresh-looking RLWE
//     sample, including its residue mod q_1 (so the rounding of step 3 does not depend on M).
//  3. The reply is modulus-switched to the first prime q_0; this divides the M-dependent
//     decryption noise e * M (|e * M| <= 128 * 21 * 33 * t/2 ≈ 2^31.5 for a 32-member roster) by
//     q_1 ≈ 2^36, to at most 2^-4.5 of a unit, so it moves the rounded phase by one unit with
//     probability <= 2^-4.5. The server then floods c0 with uniform noise in [-2^b, 2^b),
//     b = flood_bits() = floor(log2(q_0 / t)) - 3 (16 for bfv-meeting-4096): statistical distance
//     <= 2^-4.5 / 2^17 ≈ 2^-21 per flooded coefficient at worst. Full 40-bit smudging
//     would need q_0 / t >= 2^45, a larger modulus than N = 4096 allows at 128-bit security with
//     depth-1 rotations — a documented limit.
//  One mask serves all 32 users of a ciphertext (a polynomial product cannot apply per-user
//  masks), so two users with identical differences (x_k - y) get identical scores; documented.
//  masked_equality draws fresh masks per call; score_reply takes a drawn ScoreMask, which the
//  caller may apply to several blocks (services/lookup.h shares one per look-up and says why).
// The server learns nothing: it sees ciphertexts only, and the match decision is made by a key
// holder (a server cannot act on a comparison it cannot read).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/common/ciphertext.h"
#include "fhe/common/keys.h"
#include "fhe/common/prg.h"

namespace v100::fhe::bfv::match {

/// Values per user block.
inline constexpr size_t kValues = 128;
/// Users per ciphertext at N = 4096.
inline constexpr size_t kUsers = 32;

/// Coefficient index holding user k's score (first layout).
inline size_t result_index(size_t user) {
  return kValues * user + kValues - 1;
}

/// Independent masked scores per user in the multi-score layout.
inline constexpr size_t kScoresPerUser = 4;
/// Token values per user in the multi-score layout (the rest of the user's 128 coefficients is
/// zero padding). 32 x 16 bits = 512 bits of identity: collisions are not a concern.
inline constexpr size_t kTokenValues = kValues / kScoresPerUser;
static_assert(kTokenValues * kScoresPerUser == kValues, "the S masks must tile a user's 128 coefficients");
/// Coefficient index of score `which` (< kScoresPerUser) of user k in the multi-score layout:
/// 128k + 31, + 63, + 95, + 127.
inline size_t score_index(size_t user, size_t which) {
  return kValues * user + kTokenValues * (which + 1) - 1;
}

/// The compact reply of score_reply(): c1 mod q_0 in coefficient form, and c0 only at the score
/// positions (score_index(k, w), k-major, N / 32 of them), also mod q_0. Decrypts to the scores
/// and nothing else.
struct ScoreReply {
  RnsPoly c1;
  std::vector<uint64_t> c0;
};
/// Wire form: "V1MR", version 1, the parameter id, the value width B = ceil(bits(q_0) / 8), then
/// the N values of c1 and a u16 count and the c0 values, each value B bytes little-endian (byte
/// aligned: 11% above bit packing for a 36-bit q_0, and a plain copy to write and read).
Bytes serialize_score_reply(const BfvContext& ctx, const ScoreReply& reply);
/// Parses and validates a reply (header, parameter id, one coefficient-form residue, count =
/// kScoresPerUser N / 128, every value below q_0, no trailing bytes). Never throws.
Result<ScoreReply> deserialize_score_reply(const BfvContext& ctx, ByteSpan in);

/// Key-holder side: encrypts rosters, blocks and queries (seeded secret-key encryption: half the
/// upload), decrypts scores. Keeps a reference to the secret key (must outlive the client).
class MatchClient {
 public:
  /// Throws std::invalid_argument unless N is a multiple of 128 and t > 2^16.
  MatchClient(BfvContextPtr ctx, const SecretKey& sk);
  /// Number of user blocks (N / 128).
  size_t num_users() const { return num_users_; }
  /// values: num_users() * 128, user-major. Throws std::invalid_argument on a wrong size.
  Ciphertext encrypt_roster(std::span<const uint16_t> values) const;
  /// One user's 128 values in block `user` (other blocks zero): the server adds blocks together.
  Ciphertext encrypt_user_block(size_t user, std::span<const uint16_t> values) const;
  /// The query y (128 values) replicated into every block (for masked_equality).
  Ciphertext encrypt_query(std::span<const uint16_t> y) const;
  /// The num_users() scores of one reply ciphertext (coefficients 128k + 127), each in [0, t).
  std::vector<uint64_t> decrypt_scores(const Ciphertext& reply) const;

  /// Multi-score layout: one user's 32-value token in block `user`, zero padding, other blocks zero.
  /// Throws std::invalid_argument on a bad user or token size.
  Ciphertext encrypt_token_block(size_t user, std::span<const uint16_t> token) const;
  /// As above with explicit randomness (SymmetricEncryptor::encrypt(pt, randomness)): deterministic.
  Ciphertext encrypt_token_block(size_t user, std::span<const uint16_t> token,
                                 std::span<const uint8_t, 32> randomness) const;
  /// Multi-score layout: the 32-value token with zero padding in every block (for score_reply).
  Ciphertext encrypt_token_query(std::span<const uint16_t> token) const;
  /// As above with explicit randomness (SymmetricEncryptor::encrypt(pt, randomness)): deterministic
  /// (the web client's cross-check with the native bytes). Never reuse `randomness`.
  Ciphertext encrypt_token_query(std::span<const uint16_t> token,
                                 std::span<const uint8_t, 32> randomness) const;
  /// The scores of every user ([k][w] = coefficient score_index(k, w)), each in [0, t). Throws
  /// std::invalid_argument on a reply of the wrong shape (deserialize_score_reply rules them out).
  std::vector<std::array<uint64_t, kScoresPerUser>> decrypt_score_reply(const ScoreReply& reply) const;

 private:
  // randomness: nullptr for fresh randomness, else 32 bytes.
  Ciphertext encrypt_token_block_impl(size_t user, std::span<const uint16_t> token,
                                      const uint8_t* randomness) const;
  Ciphertext encrypt_token_query_impl(std::span<const uint16_t> token, const uint8_t* randomness) const;
  // Encodes the coefficients `c` and encrypts them (randomness as above); wipes `c` and the plaintext.
  Ciphertext encrypt_coeffs(std::vector<uint64_t>& c, const uint8_t* randomness) const;
  BfvContextPtr ctx_;
  CoefficientEncoder enc_;
  SymmetricEncryptor sym_;
  Decryptor dec_;
  size_t num_users_;
};

/// A reference vector prepared once (NTT form of the reversed polynomial), reusable.
struct PreparedReference {
  PlaintextNtt poly;
};

/// Wire form of a multi-score query (MatchClient::encrypt_token_query): "V1MQ", version 1, the
/// parameter id, then c0 and c1 in NTT form, every residue at the full level, each value
/// ceil(bits(q_j) / 8) bytes little-endian. c1 is sent in full rather than as a 32-byte seed:
/// expanding it costs the server about 17 µs of AES per look-up (a fifth of a 32-member look-up)
/// against 41 KB more upload (a 1024-member look-up downloads 650 KB anyway). Throws
/// std::invalid_argument unless the ciphertext has size 2, NTT form and the full level.
Bytes serialize_score_query(const BfvContext& ctx, const Ciphertext& query);
/// Parses and validates a query (header, parameter id, sizes, every value below its prime, no
/// trailing bytes). Never throws.
Result<Ciphertext> deserialize_score_query(const BfvContext& ctx, ByteSpan in);
/// As deserialize_score_query, into `out`, reusing its polynomials when they already have the
/// query's shape (a server parses one query per look-up into the same buffers). On error `out`
/// holds garbage. Never throws.
Status deserialize_score_query_into(const BfvContext& ctx, ByteSpan in, Ciphertext& out);

/// Label of the deterministic ScoreScratch stream.
inline constexpr const char* kScoreScratchLabel = "v100/match/score-scratch/test";

/// Scratch space of score_reply(), reused across the blocks of a look-up by one thread: buffers
/// allocated once and a randomness stream. The secret buffers (mask values, u, errors, flooding)
/// are wiped on destruction and by renew(). Not thread-safe: one per thread.
///
/// Stream layout (a contract, so tests can model the masks exactly): draw_mask() takes the next
/// 128 little-endian 64-bit words — word w v + i gives r_wi = 1 + floor(word (t - 1) / 2^64);
/// each score_reply() takes the next kScoresPerUser * N / 128 words (flooding), then u (uniform
/// ternary, 64-byte chunks) and the errors (CBD(21), three per 16 bytes).
class ScoreScratch {
 public:
  /// Fresh stream: Prg::fresh() (OS CSPRNG seed). What every server uses.
  ScoreScratch();
  /// Deterministic stream Prg(kAes256Ctr, seed, kScoreScratchLabel), for tests and known-answer
  /// runs only: replies from two scratches with the same seed share masks and noise. Throws
  /// std::invalid_argument unless the seed has 32 bytes.
  explicit ScoreScratch(std::span<const uint8_t> seed);
  ~ScoreScratch();
  /// Wipes the secret buffers and restarts with a fresh stream (Prg::fresh()); the buffers stay
  /// allocated. For a server that keeps scratches between look-ups.
  void renew();
  ScoreScratch(const ScoreScratch&) = delete;
  ScoreScratch& operator=(const ScoreScratch&) = delete;

 private:
  friend class MatchServer;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A drawn mask M(X) = sum_w X^(w v) R_w(X) of the multi-score layout, ready to apply to any
/// number of roster blocks (MatchServer::draw_mask): M in NTT form and M times the c0 extraction
/// weights, at every prime. Secret: wiped on destruction and overwritten by the next draw.
/// Read-only once drawn: threads may share it.
class ScoreMask {
 public:
  ScoreMask();
  ~ScoreMask();
  ScoreMask(const ScoreMask&) = delete;
  ScoreMask& operator=(const ScoreMask&) = delete;
  /// True until draw_mask() has filled it, and after wipe().
  bool empty() const;
  /// Wipes the mask (the buffers stay allocated for the next draw_mask()).
  void wipe();

 private:
  friend class MatchServer;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Server side: needs only the public key. Thread-safe.
class MatchServer {
 public:
  MatchServer(BfvContextPtr ctx, PublicKey pk);
  /// Precomputes Y(X) = sum_j y_j X^(127 - j) in NTT form (y: 128 values).
  PreparedReference prepare_reference(std::span<const uint16_t> y) const;
  /// Reply whose coefficient 128k + 127 is sum_j x_kj y_j mod t (re-randomized, flooded, switched
  /// down to one prime). roster: a size-2 ciphertext at the full level.
  Ciphertext inner_products(const Ciphertext& roster, const PreparedReference& ref) const;
  /// num_scores replies (fresh masks each): coefficient 128k + 127 of reply i is
  /// sum_j r_ij (x_kj - y_j) mod t. query: MatchClient::encrypt_query output.
  std::vector<Ciphertext> masked_equality(const Ciphertext& roster, const Ciphertext& query,
                                          size_t num_scores) const;
  /// As masked_equality with a plaintext query y (128 values).
  std::vector<Ciphertext> masked_equality_plain(const Ciphertext& roster, std::span<const uint16_t> y,
                                                size_t num_scores) const;
  /// Draws fresh masks r_wi (uniform in [1, t-1], from the scratch's stream) into `mask`: one NTT
  /// per prime. A look-up draws one mask and applies it to all its blocks (services/lookup.h says
  /// what that shares); drawing one per block gives blocks independent scores.
  void draw_mask(ScoreScratch& scratch, ScoreMask& mask) const;
  /// Multi-score equality of one roster block against a query (both size-2, full level, NTT form;
  /// multi-score layout): the reply's scores are [k][w] = sum_j r_wj (x_kj - y_j) mod t with the
  /// masks of `mask` (see the top of this file). Per call: a fresh encryption of zero (one u NTT
  /// per prime), two inverse NTTs for c1, c0 at the score positions only, a switch to q_0, fresh
  /// flooding. `out` is reused (its buffers are resized, not reallocated, on the next call).
  /// Throws std::invalid_argument on mismatched shapes or an empty mask.
  void score_reply(const Ciphertext& roster, const Ciphertext& query, const ScoreMask& mask,
                   ScoreScratch& scratch, ScoreReply& out) const;
  /// Re-randomizes a product (NTT or coefficient form, full level) into a reply: + Enc_pk(0),
  /// mod switch to one prime, uniform plaintext at non-result coefficients, flooded c0 noise.
  Ciphertext finalize(Ciphertext product) const;
  /// The flooding width in bits (uniform in [-2^b, 2^b), added after the switch to q_0).
  int flood_bits() const { return flood_bits_; }

 private:
  BfvContextPtr ctx_;
  PublicKey pk_;
  Evaluator ev_;
  size_t num_users_;
  int flood_bits_;
  struct ScoreTables;  // score_reply's per-prime constants (match.cc)
  static std::shared_ptr<const ScoreTables> make_score_tables(const BfvContext& ctx, const PublicKey& pk);
  std::shared_ptr<const ScoreTables> score_tables_;
};

namespace detail {
/// The u sampler of score_reply (public for tests): n values uniform in {-1, 0, 1} from 64-byte
/// chunks of the stream; byte b < 255 gives b mod 3 mapped {0, 1, 2} -> {0, 1, -1}, byte 255 is
/// skipped, the unused rest of the last chunk is dropped. Same output on every CPU path.
void sample_ternary_chunked(int8_t* out, size_t n, Prg& prg);
/// The error sampler of score_reply (public for tests): n values from CBD(21), the distribution
/// of fhe::sample_cbd21, with 16 stream bytes per 3 values. The stream is read in 128-byte blocks
/// of 16 little-endian words X_0..X_7, Y_0..Y_7, each giving 24 values in order
/// d(X_k & m, X_k >> 21 & m), d(Y_k & m, Y_k >> 21 & m), d(X_k >> 42 & m, Y_k >> 42 & m) (k < 8,
/// m = 2^21 - 1, d(a, b) = popcount(a) - popcount(b)); fills of 8 blocks, the unused rest of the
/// last fill is dropped. Constant time; same output on every CPU path.
void sample_cbd21_dense(int8_t* out, size_t n, Prg& prg);
}  // namespace detail

}  // namespace v100::fhe::bfv::match
