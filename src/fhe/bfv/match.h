// The 32-user encrypted match (issue #2 §4): 32 users x 128 values (16-bit pieces of an identity
// token or a feature vector) in ONE N = 4096 ciphertext, scored against a query without rotations.
//
// Layout (coefficient packing): user k's value j is the coefficient of X^(128k + j). A reference
// y is multiplied as the reversed polynomial Y(X) = sum_j y_j X^(127 - j); in the product,
// coefficient 128k + 127 is exactly sum_j x_kj y_j: the pairs (a, b) with a + b = 128k + 127 and
// b < 128 all have a in user k's block, and a + b < N + 127 so nothing wraps around X^N = -1.
// One multiply_plain with a precomputed NTT-form plaintext does all 32 inner products.
//
// Masked equality: the client sends Enc(y) replicated in every block; the server computes
// (roster - query) * R(X), R(X) = sum_j r_j X^(127 - j) with fresh uniform nonzero r_j mod t, so
// coefficient 128k + 127 is s_k = sum_j r_j (x_kj - y_j): 0 if user k matches, otherwise uniform
// over Z_t (false match 1/t per score; num_scores independent R give t^-num_scores, ~2^-32 for 2).
//
// What the key holder may learn (and what the server does about it), see finalize():
//  1. The other coefficients of the product are partial sums of the roster (sum over j >= i of
//     x_kj r_(j-i) ...): the server adds a fresh uniform plaintext mod t at every non-result
//     coefficient, so they decrypt to uniform noise.
//  2. c1 = a * R would reveal R (hence r) to whoever knows a: the server adds a fresh public-key
//     encryption of zero (b u, a u + e1), which makes (c0, c1) a fresh-looking RLWE sample.
//  3. The reply is modulus-switched to the first prime q_0 (half the size); this divides the
//     R-dependent decryption noise e * R (|e * R| <= 128 * 21 * t/2 ≈ 2^26.4) by q_1 ≈ 2^36, so it
//     is below one unit. The server then floods c0 with uniform noise in [-2^b, 2^b),
//     b = flood_bits() = floor(log2(q_0 / t)) - 3 (16 for bfv-meeting-4096): statistical distance
//     about 2^-25 per coefficient between replies for different masks. Full 40-bit smudging would
//     need q_0 / t >= 2^45, i.e. a larger modulus than N = 4096 allows at 128-bit security with
//     depth-1 rotations — a documented limit.
//  Across blocks the same r_j are used (a polynomial product cannot apply per-block masks), so two
//  users with identical differences (x_k - y) get identical scores; documented.
// The server learns nothing: it sees ciphertexts only, and the match decision is made by a key
// holder (a server cannot act on a comparison it cannot read).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/common/ciphertext.h"
#include "fhe/common/keys.h"

namespace v100::fhe::bfv::match {

/// Values per user block.
inline constexpr size_t kValues = 128;
/// Users per ciphertext at N = 4096.
inline constexpr size_t kUsers = 32;

/// Coefficient index holding user k's score.
inline size_t result_index(size_t user) { return kValues * user + kValues - 1; }

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

 private:
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
};

}  // namespace v100::fhe::bfv::match
