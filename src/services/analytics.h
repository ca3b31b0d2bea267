// Meeting analytics (DESIGN.md §3 step 8) under the meeting's keys; the host decrypts the report.
//
// - Attention: each member reports a vector of attention scores in [0, 1] (one per interval of
//   the meeting) under CKKS ("ckks-8192", scale 2^40); the server adds the vectors; the host
//   decrypts the sum (flooded decryption, the safe default) and divides by the member count.
// - Speaking time: each member reports, under the ledger BFV set (services/ledger.h), a one-hot
//   vector of its speaking-time bucket in coefficients [0, kSpeakingBuckets) and its speaking
//   seconds at coefficient kSpeakingBuckets + slot; the server adds the reports, the host decrypts
//   the distribution per bucket and each member's seconds (hence shares), exactly.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "services/ledger.h"

namespace v100::services {

/// The CKKS parameter set of attention reports.
inline constexpr const char* kAttentionSet = "ckks-8192";
/// Largest number of attention intervals per report.
inline constexpr size_t kMaxAttentionIntervals = 4096;

/// Speaking-time buckets (upper bounds in seconds; the last bucket is open-ended).
inline constexpr size_t kSpeakingBuckets = 8;
inline constexpr std::array<uint64_t, kSpeakingBuckets - 1> kSpeakingBucketEdges = {10,  30,  60,  120,
                                                                                    300, 600, 1800};
/// Bucket index of a speaking time.
size_t speaking_bucket(uint64_t seconds);
/// Human label of a bucket, e.g. "1-2 min".
std::string speaking_bucket_label(size_t bucket);
/// Highest slot a speaking report can carry.
inline constexpr size_t kMaxReportSlots = 1024;

/// CKKS keys of a meeting's attention reports (members and host share them: derived from the
/// meeting secret). Const methods are thread-safe.
class AttentionKeys {
 public:
  /// Deterministic from a 32-byte seed. Throws std::invalid_argument on a wrong seed size.
  explicit AttentionKeys(ByteSpan seed32);
  ~AttentionKeys();
  AttentionKeys(const AttentionKeys&) = delete;
  AttentionKeys& operator=(const AttentionKeys&) = delete;

  /// Seeded encryption of scores (each clamped to [0, 1]; at most kMaxAttentionIntervals).
  Bytes encrypt(std::span<const double> scores) const;
  /// Decrypts a (summed) report's first `count` slots, with flooding (the safe default).
  Result<std::vector<double>> decrypt(ByteSpan ciphertext, size_t count) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Server: acc + x for attention reports (acc empty = x). Error on bytes that do not parse.
Result<Bytes> attention_add(ByteSpan acc, ByteSpan x);
/// Server: the sum of many attention reports in one pass. Error if empty or one does not parse.
Result<Bytes> attention_sum(const std::vector<ByteSpan>& reports);

/// A member's speaking report under the ledger keys (see the header comment).
/// Throws std::invalid_argument when slot >= kMaxReportSlots or seconds > kMaxMeetingSeconds.
Bytes encrypt_speaking_report(const LedgerKeys& keys, uint16_t slot, uint64_t seconds);

/// What the host learns from the summed speaking reports.
struct SpeakingSummary {
  std::array<uint64_t, kSpeakingBuckets> histogram{};  ///< members per bucket
  std::map<uint16_t, uint64_t> seconds;                ///< per occupied slot
  uint64_t total_seconds = 0;
};

/// Decrypts the summed speaking reports for the listed slots.
Result<SpeakingSummary> decrypt_speaking(const LedgerKeys& keys, ByteSpan summed,
                                         std::span<const uint16_t> slots);

/// The host's report.
struct AnalyticsReport {
  size_t members = 0;
  std::vector<double> mean_attention;  ///< per interval
  double overall_attention = 0;        ///< mean over intervals
  SpeakingSummary speaking;
  std::map<uint16_t, double> speaking_share;  ///< per slot, fractions summing to 1 (when any spoke)
};

/// Builds the report from the decrypted pieces.
AnalyticsReport make_report(size_t members, std::vector<double> attention_sum, SpeakingSummary speaking);

}  // namespace v100::services
