// Durations and billing under the ledger BFV set, checked against a plaintext model of the same
// meeting, at the extremes the issue names.
#include "services/ledger.h"

#include <gtest/gtest.h>

#include "test_rng.h"

namespace v100::services {
namespace {

using testing::TestRng;

TEST(Ledger, ParametersAreSecureAndWide) {
  const auto& p = ledger_params();
  EXPECT_EQ(p.n, 8192u);
  EXPECT_GT(p.t, 1ull << 39);
  EXPECT_EQ(p.t % (2 * p.n), 1u);
  // Every exact quantity the services produce fits below t.
  EXPECT_LT(kMaxMeetingSeconds * 1024, p.t);
  EXPECT_LT(1'000'000ull * 10'000ull, p.t);
}

TEST(Ledger, DurationsPerMemberAndTotalMatchModel) {
  TestRng rng("durations");
  LedgerKeys keys(rng.bytes(32));
  const size_t members = 40;
  std::vector<uint64_t> model(members, 0);
  Bytes acc;
  for (size_t slot = 0; slot < members; ++slot) {
    // Up to three sessions per member; times relative to the meeting start, up to 30 days.
    size_t sessions = 1 + rng.below(3);
    uint64_t t0 = 0;
    for (size_t k = 0; k < sessions; ++k) {
      uint64_t join = t0 + rng.below(kMaxMeetingSeconds / 8);
      uint64_t leave = join + rng.below(kMaxMeetingSeconds / 8);
      t0 = leave;
      acc = *ledger_sub(acc, keys.encrypt_at(slot, std::vector<uint64_t>{join}));
      acc = *ledger_add(acc, keys.encrypt_at(slot, std::vector<uint64_t>{leave}));
      model[slot] += leave - join;
    }
  }
  auto got = keys.decrypt(acc, members);
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(*got, model);
  uint64_t sum = 0;
  for (uint64_t d : model) sum += d;
  auto total = ledger_total(acc);
  ASSERT_TRUE(total.is_ok()) << total.message();
  EXPECT_EQ(*keys.decrypt_coefficient(*total, ledger_params().n - 1), sum);
}

TEST(Ledger, ThirtyDayMeetingOf1024MembersDoesNotOverflow) {
  TestRng rng("extreme durations");
  LedgerKeys keys(rng.bytes(32));
  // Every one of 1024 members present for the whole 30 days: total 1024 x 2,592,000 s.
  Bytes joins = keys.encrypt_at(0, std::vector<uint64_t>(1024, 0));
  Bytes leaves = keys.encrypt_at(0, std::vector<uint64_t>(1024, kMaxMeetingSeconds));
  Bytes acc = *ledger_add(*ledger_sub({}, joins), leaves);
  auto total = ledger_total(acc);
  ASSERT_TRUE(total.is_ok());
  EXPECT_EQ(*keys.decrypt_coefficient(*total, ledger_params().n - 1), 1024 * kMaxMeetingSeconds);
}

TEST(Ledger, BillExactToTheCentAtTheExtremes) {
  TestRng rng("billing");
  LedgerKeys account(rng.bytes(32));
  Bytes pk = account.public_key_blob(), rk = account.relin_keys_blob();
  const uint64_t rate = 10'000;  // cents per minute: the upper extreme
  Bytes rate_ct = account.encrypt_at(0, std::vector<uint64_t>{rate});
  // 40 meetings whose minutes add up to exactly 10^6 in the period.
  const size_t meetings = 40;
  uint64_t left = 1'000'000, model = 0;
  Bytes period;
  for (size_t i = 0; i < meetings; ++i) {
    uint64_t minutes = i + 1 == meetings ? left : rng.below(left / 8 + 1);
    left -= minutes;
    auto m = encrypt_to_ledger(pk, 0, minutes);  // the host encrypts to the account's public key
    ASSERT_TRUE(m.is_ok());
    auto folded = ledger_fold_charge(period, *m, rate_ct, rk);
    ASSERT_TRUE(folded.is_ok()) << folded.message();
    period = std::move(folded).value();
    model += minutes * rate;
  }
  EXPECT_EQ(model, 10'000'000'000ull);
  EXPECT_EQ(*account.decrypt_coefficient(period, 0), model);
  // Budget argument for 10,000 meetings: every fold adds an independent product noise, so 10,000
  // folds cost log2(10^4 / 40) < 8 more bits than these 40. Require a wide margin beyond that.
  int budget = *account.noise_budget(period);
  EXPECT_GT(budget, 8 + 20) << "remaining budget after 40 folds: " << budget;
}

TEST(Ledger, RejectsForeignAndMalformedCiphertexts) {
  TestRng rng("hostile");
  LedgerKeys keys(rng.bytes(32));
  Bytes good = keys.encrypt_at(0, std::vector<uint64_t>{5});
  EXPECT_FALSE(ledger_add(good, Bytes{1, 2, 3}).is_ok());
  Bytes truncated(good.begin(), good.begin() + good.size() / 2);
  EXPECT_FALSE(ledger_add(good, truncated).is_ok());
  EXPECT_FALSE(ledger_total(truncated).is_ok());
  // A ciphertext of another parameter set (the roster's) is refused by its parameter id.
  EXPECT_FALSE(ledger_fold_charge({}, good, Bytes(100, 0), keys.relin_keys_blob()).is_ok());
  EXPECT_FALSE(encrypt_to_ledger(Bytes(64, 7), 0, 1).is_ok());
  EXPECT_THROW(keys.encrypt_at(0, std::vector<uint64_t>{ledger_params().t}), std::invalid_argument);
  EXPECT_EQ(billable_minutes(0), 0u);
  EXPECT_EQ(billable_minutes(1), 1u);
  EXPECT_EQ(billable_minutes(60), 1u);
  EXPECT_EQ(billable_minutes(61), 2u);
}

}  // namespace
}  // namespace v100::services
