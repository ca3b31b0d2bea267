// Analytics against a plaintext model of the same meeting.
#include "services/analytics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "services/chart.h"
#include "test_rng.h"

namespace v100::services {
namespace {

using testing::TestRng;

TEST(Analytics, BucketsCoverTheLine) {
  EXPECT_EQ(speaking_bucket(0), 0u);
  EXPECT_EQ(speaking_bucket(9), 0u);
  EXPECT_EQ(speaking_bucket(10), 1u);
  EXPECT_EQ(speaking_bucket(1799), kSpeakingBuckets - 2);
  EXPECT_EQ(speaking_bucket(kMaxMeetingSeconds), kSpeakingBuckets - 1);
  for (size_t b = 0; b < kSpeakingBuckets; ++b) EXPECT_FALSE(speaking_bucket_label(b).empty());
}

TEST(Analytics, ReportMatchesPlaintextModel) {
  TestRng rng("analytics");
  Bytes seed_a = rng.bytes(32), seed_l = rng.bytes(32);
  AttentionKeys att(seed_a);
  LedgerKeys ledger(seed_l);
  const size_t members = 32, intervals = 20;
  std::vector<double> sum_model(intervals, 0.0);
  std::array<uint64_t, kSpeakingBuckets> hist_model{};
  std::map<uint16_t, uint64_t> secs_model;
  Bytes att_acc, speak_acc;
  std::vector<uint16_t> slots;
  for (uint16_t s = 0; s < members; ++s) {
    std::vector<double> scores(intervals);
    for (size_t i = 0; i < intervals; ++i) {
      scores[i] = static_cast<double>(rng.below(1'000'001)) / 1e6;
      sum_model[i] += scores[i];
    }
    uint64_t sec = rng.below(3600);
    hist_model[speaking_bucket(sec)]++;
    secs_model[s] = sec;
    slots.push_back(s);
    att_acc = *attention_add(att_acc, att.encrypt(scores));
    speak_acc = *ledger_add(speak_acc, encrypt_speaking_report(ledger, s, sec));
  }
  auto sum = att.decrypt(att_acc, intervals);
  ASSERT_TRUE(sum.is_ok()) << sum.message();
  double max_err = 0;
  for (size_t i = 0; i < intervals; ++i) max_err = std::max(max_err, std::abs((*sum)[i] - sum_model[i]));
  // Stated precision: the mean attention is good to 2^-10 (flooding is 2^-16 per slot, x32 members).
  EXPECT_LT(max_err / members, std::ldexp(1.0, -10)) << "error bits: " << -std::log2(max_err / members);
  auto speaking = decrypt_speaking(ledger, speak_acc, slots);
  ASSERT_TRUE(speaking.is_ok()) << speaking.message();
  EXPECT_EQ(speaking->histogram, hist_model);
  EXPECT_EQ(speaking->seconds, secs_model);
  AnalyticsReport r = make_report(members, *sum, *speaking);
  double share_sum = 0;
  for (const auto& [slot, share] : r.speaking_share) share_sum += share;
  EXPECT_NEAR(share_sum, 1.0, 1e-12);
  EXPECT_NEAR(r.mean_attention[3], sum_model[3] / members, 1e-3);
  std::string svg = speaking_chart_svg(r.speaking);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find(xml_escape(speaking_bucket_label(0))), std::string::npos);  // escaped: "&lt;10s"
}

TEST(Analytics, HostileReportsRejected) {
  TestRng rng("analytics hostile");
  AttentionKeys att(rng.bytes(32));
  Bytes good = att.encrypt(std::vector<double>{0.5});
  EXPECT_FALSE(attention_add(good, Bytes{9, 9}).is_ok());
  EXPECT_FALSE(attention_add({}, Bytes(good.begin(), good.begin() + 40)).is_ok());
  LedgerKeys ledger(rng.bytes(32));
  // A ledger ciphertext is not an attention report.
  EXPECT_FALSE(attention_add(good, ledger.encrypt_at(0, std::vector<uint64_t>{1})).is_ok());
  EXPECT_THROW(encrypt_speaking_report(ledger, kMaxReportSlots, 1), std::invalid_argument);
}

}  // namespace
}  // namespace v100::services

namespace v100::services {
namespace {

TEST(Analytics, BatchSumsEqualPairwiseFolds) {
  testing::TestRng rng("batch sums");
  AttentionKeys att(rng.bytes(32));
  LedgerKeys ledger(rng.bytes(32));
  std::vector<Bytes> a, l;
  std::vector<double> model(3, 0.0);
  for (int i = 0; i < 5; ++i) {
    std::vector<double> v = {0.1 * i, 0.2, 1.0 - 0.1 * i};
    for (size_t k = 0; k < 3; ++k) model[k] += v[k];
    a.push_back(att.encrypt(v));
    l.push_back(ledger.encrypt_at(3, std::vector<uint64_t>{100u + i}));
  }
  auto as = attention_sum({a.begin(), a.end()});
  ASSERT_TRUE(as.is_ok()) << as.message();
  auto got = *att.decrypt(*as, 3);
  for (size_t k = 0; k < 3; ++k) EXPECT_NEAR(got[k], model[k], 1e-3);
  // adds minus subs: (l0 + l1 + l2) - (l3 + l4)
  auto ls = ledger_sum({l[0], l[1], l[2]}, {l[3], l[4]});
  ASSERT_TRUE(ls.is_ok()) << ls.message();
  EXPECT_EQ(*ledger.decrypt_coefficient(*ls, 3), 100u + 101u + 102u - 103u - 104u);
  auto neg = ledger_sum({l[0]}, {l[3], l[4]});  // negative results wrap mod t
  EXPECT_EQ(*ledger.decrypt_coefficient(*neg, 3), ledger_params().t + 100u - 103u - 104u);
  EXPECT_FALSE(attention_sum({}).is_ok());
  EXPECT_FALSE(ledger_sum({}, {}).is_ok());
}

}  // namespace
}  // namespace v100::services
