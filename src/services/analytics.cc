#include "services/analytics.h"

#include <algorithm>
#include <stdexcept>

#include "fhe/ckks/context.h"
#include "fhe/ckks/encoder.h"
#include "fhe/ckks/encryptor.h"
#include "fhe/ckks/evaluator.h"
#include "fhe/ckks/keys.h"
#include "fhe/ckks/serialization.h"

namespace v100::services {

namespace ckks = fhe::ckks;

namespace {

const ckks::ContextPtr& attention_context() {
  static const ckks::ContextPtr ctx = ckks::CkksContext::create(kAttentionSet);
  return ctx;
}

}  // namespace

size_t speaking_bucket(uint64_t seconds) {
  size_t b = 0;
  while (b < kSpeakingBucketEdges.size() && seconds >= kSpeakingBucketEdges[b]) ++b;
  return b;
}

std::string speaking_bucket_label(size_t bucket) {
  auto fmt = [](uint64_t s) {
    std::string out = std::to_string(s < 60 ? s : s / 60);
    out.append(s < 60 ? "s" : "m");
    return out;
  };
  std::string label;
  if (bucket == 0) {
    label.append("<").append(fmt(kSpeakingBucketEdges[0]));
  } else if (bucket >= kSpeakingBucketEdges.size()) {
    label.append(">=").append(fmt(kSpeakingBucketEdges.back()));
  } else {
    label.append(fmt(kSpeakingBucketEdges[bucket - 1])).append("-").append(fmt(kSpeakingBucketEdges[bucket]));
  }
  return label;
}

struct AttentionKeys::Impl {
  std::unique_ptr<ckks::KeyGenerator> keygen;
};

AttentionKeys::AttentionKeys(ByteSpan seed32) : impl_(std::make_unique<Impl>()) {
  if (seed32.size() != 32) throw std::invalid_argument("attention: seed must be 32 bytes");
  impl_->keygen = std::make_unique<ckks::KeyGenerator>(attention_context(), seed32);
}

AttentionKeys::~AttentionKeys() = default;

Bytes AttentionKeys::encrypt(std::span<const double> scores) const {
  if (scores.size() > kMaxAttentionIntervals) throw std::invalid_argument("attention: too many intervals");
  std::vector<double> v(scores.begin(), scores.end());
  for (double& x : v) x = std::clamp(x, 0.0, 1.0);
  const auto& ctx = attention_context();
  ckks::CkksEncoder enc(ctx);
  ckks::SymmetricEncryptor sym(ctx, impl_->keygen->secret_key_ref());
  return ckks::serialize(*ctx, sym.encrypt(enc.encode(std::span<const double>(v))));
}

Result<std::vector<double>> AttentionKeys::decrypt(ByteSpan ciphertext, size_t count) const {
  const auto& ctx = attention_context();
  if (count > ctx->slot_count()) return Result<std::vector<double>>::error("attention: count too large");
  auto ct = ckks::deserialize_ciphertext(*ctx, ciphertext);
  if (!ct.is_ok()) return Result<std::vector<double>>::error("attention: " + ct.message());
  try {
    ckks::Decryptor dec(ctx, impl_->keygen->secret_key_ref());
    return dec.decrypt_values(*ct, count);
  } catch (const std::exception& e) {
    return Result<std::vector<double>>::error(std::string("attention: ") + e.what());
  }
}

Result<Bytes> attention_add(ByteSpan acc, ByteSpan x) {
  const auto& ctx = attention_context();
  auto b = ckks::deserialize_ciphertext(*ctx, x);
  if (!b.is_ok()) return Result<Bytes>::error("attention report: " + b.message());
  if (acc.empty()) return ckks::serialize(*ctx, *b);
  auto a = ckks::deserialize_ciphertext(*ctx, acc);
  if (!a.is_ok()) return Result<Bytes>::error("attention accumulator: " + a.message());
  try {
    ckks::Evaluator ev(ctx);
    ckks::Ciphertext sum = std::move(a).value();
    ev.add_inplace(sum, *b);
    return ckks::serialize(*ctx, sum);
  } catch (const std::exception& e) {
    return Result<Bytes>::error(std::string("attention add: ") + e.what());
  }
}

Result<Bytes> attention_sum(const std::vector<ByteSpan>& reports) {
  const auto& ctx = attention_context();
  if (reports.empty()) return Result<Bytes>::error("attention: nothing to sum");
  try {
    ckks::Evaluator ev(ctx);
    ckks::Ciphertext sum;
    for (size_t i = 0; i < reports.size(); ++i) {
      auto x = ckks::deserialize_ciphertext(*ctx, reports[i]);
      if (!x.is_ok()) return Result<Bytes>::error("attention report: " + x.message());
      if (i == 0) {
        sum = std::move(x).value();
      } else {
        ev.add_inplace(sum, *x);
      }
    }
    return ckks::serialize(*ctx, sum);
  } catch (const std::exception& e) {
    return Result<Bytes>::error(std::string("attention sum: ") + e.what());
  }
}

Bytes encrypt_speaking_report(const LedgerKeys& keys, uint16_t slot, uint64_t seconds) {
  if (slot >= kMaxReportSlots) throw std::invalid_argument("speaking report: slot out of range");
  if (seconds > kMaxMeetingSeconds) throw std::invalid_argument("speaking report: seconds out of range");
  std::vector<uint64_t> coeffs(kSpeakingBuckets + slot + 1, 0);
  coeffs[speaking_bucket(seconds)] = 1;
  coeffs[kSpeakingBuckets + slot] = seconds;
  return keys.encrypt_at(0, coeffs);
}

Result<SpeakingSummary> decrypt_speaking(const LedgerKeys& keys, ByteSpan summed,
                                         std::span<const uint16_t> slots) {
  auto v = keys.decrypt(summed, kSpeakingBuckets + kMaxReportSlots);
  if (!v.is_ok()) return v.status();
  SpeakingSummary s;
  for (size_t b = 0; b < kSpeakingBuckets; ++b) s.histogram[b] = (*v)[b];
  for (uint16_t slot : slots) {
    if (slot >= kMaxReportSlots) return Result<SpeakingSummary>::error("speaking: slot out of range");
    uint64_t sec = (*v)[kSpeakingBuckets + slot];
    s.seconds[slot] = sec;
    s.total_seconds += sec;
  }
  return s;
}

AnalyticsReport make_report(size_t members, std::vector<double> attention_sum, SpeakingSummary speaking) {
  AnalyticsReport r;
  r.members = members;
  r.mean_attention = std::move(attention_sum);
  double total = 0;
  for (double& x : r.mean_attention) {
    x = members ? x / static_cast<double>(members) : 0.0;
    total += x;
  }
  r.overall_attention = r.mean_attention.empty() ? 0.0 : total / static_cast<double>(r.mean_attention.size());
  for (const auto& [slot, sec] : speaking.seconds)
    r.speaking_share[slot] =
        speaking.total_seconds ? static_cast<double>(sec) / static_cast<double>(speaking.total_seconds) : 0.0;
  r.speaking = std::move(speaking);
  return r;
}

}  // namespace v100::services
