// The ledger: exact integer metadata under BFV — meeting durations (seconds), billing (cents) and
// speaking-time statistics — in the parameter set "bfv-ledger-8192".
//
// Why not the meeting set: t = 65537 cannot hold 30 days in seconds (2,592,000) nor a period's bill
// (10^6 minutes x 10,000 cents = 10^10). The ledger set reuses bfv-8192's primes (4 x 43-bit +
// a 46-bit special prime, 218 bits: 128-bit secure at N = 8192) with a 40-bit plaintext prime t, so
// every value below t > 2^39 ≈ 5.5 x 10^11 is exact: a bill up to $5.5 billion, summed durations
// up to 17,000 years. One ct x ct product (minutes x rate) fits the noise budget with > 40 bits left.
//
// Values live in COEFFICIENTS (coefficient encoding), not batching slots: member slot s writes
// coefficient s, a meeting total is one multiply_plain by the all-ones reversed polynomial (its
// coefficient N-1 is the sum of all coefficients: no rotation, no Galois key), and a bill is
// coefficient 0 of minutes x rate.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "fhe/bfv/context.h"
#include "fhe/common/keys.h"

namespace v100::services {

/// Name of the ledger parameter set.
inline constexpr const char* kLedgerSet = "bfv-ledger-8192";
/// Longest meeting the duration service supports (30 days), in seconds.
inline constexpr uint64_t kMaxMeetingSeconds = 30ull * 24 * 3600;
/// Largest per-minute rate accepted by the SDK (cents).
inline constexpr uint64_t kMaxRateCents = 1'000'000;
/// Largest minutes of one meeting accepted for billing (30 days x 1024 members).
inline constexpr uint64_t kMaxBilledMinutes = 30ull * 24 * 60 * 1024;

/// The ledger parameters (bfv-8192 primes, 40-bit plaintext prime t ≡ 1 mod 2N).
const fhe::RlweParams& ledger_params();
/// The shared, immutable ledger context (built once; thread-safe).
const fhe::bfv::BfvContextPtr& ledger_context();

/// A key holder of a ledger: the meeting's members (seed derived from the meeting secret) for
/// durations and speaking statistics, or a billing account's owner (seed from the account key
/// file). Holds the secret key; wiped on destruction. Const methods are thread-safe.
class LedgerKeys {
 public:
  /// Deterministic from a 32-byte seed. Throws std::invalid_argument on a wrong seed size.
  explicit LedgerKeys(ByteSpan seed32);
  ~LedgerKeys();
  LedgerKeys(const LedgerKeys&) = delete;
  LedgerKeys& operator=(const LedgerKeys&) = delete;

  /// Serialized public key (for anyone who must encrypt to this ledger, e.g. a host billing an
  /// account) and relinearization keys (for the server's minutes x rate product).
  Bytes public_key_blob() const;
  Bytes relin_keys_blob() const;
  /// Seeded secret-key encryption of `values` placed at coefficients first, first+1, ...
  /// Throws std::invalid_argument if a value is >= t or the range exceeds N.
  Bytes encrypt_at(size_t first, std::span<const uint64_t> values) const;
  /// Decrypts a serialized ledger ciphertext and returns its first `count` coefficients (exact).
  Result<std::vector<uint64_t>> decrypt(ByteSpan ciphertext, size_t count) const;
  /// Decrypts and returns coefficient `index` only.
  Result<uint64_t> decrypt_coefficient(ByteSpan ciphertext, size_t index) const;
  /// Remaining invariant noise budget (bits) of a ciphertext; error if it does not parse.
  Result<int> noise_budget(ByteSpan ciphertext) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Public-key encryption of `value` at coefficient `index` to a ledger (e.g. a host encrypting a
/// meeting's billed minutes to the paying account). Error if the key does not parse or value >= t.
Result<Bytes> encrypt_to_ledger(ByteSpan public_key_blob, size_t index, uint64_t value);

// ---- Server side: pure functions over serialized ciphertexts (thread-safe) ----

/// acc + x (acc empty = start from x). Errors on ciphertexts that do not parse under the ledger
/// parameters (wrong key material is not detectable here; it decrypts to garbage for the holder).
Result<Bytes> ledger_add(ByteSpan acc, ByteSpan x);
/// acc - x (acc empty = start from -x).
Result<Bytes> ledger_sub(ByteSpan acc, ByteSpan x);
/// sum(adds) - sum(subs) in one pass (one parse per input, one serialization). Error if both are
/// empty or an input does not parse.
Result<Bytes> ledger_sum(const std::vector<ByteSpan>& adds, const std::vector<ByteSpan>& subs = {});
/// The sum of all coefficients of `x`, placed at coefficient N-1 (one multiply_plain by
/// sum_i X^(N-1-i)); the other coefficients carry partial sums of the same values.
Result<Bytes> ledger_total(ByteSpan x);
/// Folds one meeting into a billing period: acc + minutes x rate (ct x ct, relinearized with the
/// account's relinearization keys). acc empty = start a period.
Result<Bytes> ledger_fold_charge(ByteSpan acc, ByteSpan minutes, ByteSpan rate, ByteSpan relin_keys_blob);

/// A billing account as the server holds it: relinearization keys and the encrypted rate, parsed
/// once. Thread-safe.
class BillingAccountState {
 public:
  /// Error if the keys or the rate do not parse under the ledger parameters.
  static Result<std::shared_ptr<const BillingAccountState>> create(ByteSpan relin_keys_blob, ByteSpan rate);
  ~BillingAccountState();
  /// acc + minutes x rate, as ledger_fold_charge.
  Result<Bytes> fold(ByteSpan acc, ByteSpan minutes) const;

 private:
  BillingAccountState();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Billable minutes of a meeting: ceil(seconds / 60). The rounding rule is part of the product.
inline uint64_t billable_minutes(uint64_t seconds) {
  return (seconds + 59) / 60;
}

}  // namespace v100::services
