// Money must be exact (issue #3, DESIGN.md flow 7). Decision: billing runs in BFV (exact integer
// arithmetic mod t), not CKKS. This test shows why, at the extremes: 10^4 meetings, each
// up to 10^6 minutes at up to 10^4 cents per minute (charges up to 10^10 cents each, 10^14 total).
// Half a cent of 10^14 is a relative precision of 2^-47.5; CKKS at scale 2^40 delivers about
// 2^-20 to 2^-30 relative, so the computed total misses by far more than half a cent.
#include <gtest/gtest.h>

#include "ckks_test_util.h"
#include "fhe/ckks/encryptor.h"
#include "fhe/ckks/evaluator.h"

using namespace v100::fhe::ckks;
using namespace v100::fhe::ckks::testing;

TEST(CkksBilling, CkksAloneCannotBillExactlyAtTheExtremes) {
  auto ctx = CkksContext::create("ckks-8192");
  KeyGenerator kg(ctx, std::vector<uint8_t>(32, 0x42));
  CkksEncoder enc(ctx);
  Encryptor encr(ctx, kg.public_key());
  Decryptor dec(ctx, kg.secret_key_ref());
  Evaluator ev(ctx);
  RelinKey rk = kg.relin_key();
  GaloisKeys gk = kg.galois_keys_power_of_two();
  const size_t kMeetings = 10000, slots = ctx->slot_count();
  const double kMaxMinutes = 1e6, kMaxRate = 1e4;
  TestRng rng("billing");
  // Integer minutes and rates near the extremes; normalized into [0, 1] so they fit the scale.
  std::vector<int64_t> minutes(kMeetings), rates(kMeetings);
  long double exact_total = 0;  // exact: < 2^47 fits a long double mantissa (64 bits)
  for (size_t i = 0; i < kMeetings; ++i) {
    minutes[i] = static_cast<int64_t>(kMaxMinutes) - static_cast<int64_t>(rng.u64() % 1000);
    rates[i] = static_cast<int64_t>(kMaxRate) - static_cast<int64_t>(rng.u64() % 100);
    exact_total += static_cast<long double>(minutes[i]) * rates[i];
  }
  Ciphertext total;
  bool have = false;
  for (size_t start = 0; start < kMeetings; start += slots) {
    size_t cnt = std::min(slots, kMeetings - start);
    std::vector<double> m(cnt), r(cnt);
    for (size_t i = 0; i < cnt; ++i) {
      m[i] = static_cast<double>(minutes[start + i]) / kMaxMinutes;
      r[i] = static_cast<double>(rates[start + i]) / kMaxRate;
    }
    Ciphertext cm = encr.encrypt(enc.encode(m)), cr = encr.encrypt(enc.encode(r));
    Ciphertext charge = ev.multiply_relin_rescale(cm, cr, rk);
    Ciphertext s = ev.sum_slots(charge, gk);
    if (!have) {
      total = s;
      have = true;
    } else {
      ev.add_inplace(total, s);
    }
  }
  // Key-holder decryption without flooding: the best case for CKKS.
  long double got = static_cast<long double>(dec.decrypt_unflooded(total)[0].real()) * kMaxMinutes * kMaxRate;
  long double err_cents = fabsl(got - exact_total);
  std::printf("[billing] exact total %.0Lf cents, CKKS total %.3Lf, error %.3Lf cents (2^%.1f)\n",
              exact_total, got, err_cents, std::log2(static_cast<double>(err_cents)));
  // The CKKS result is a good approximation (relative error far below 2^-20) ...
  EXPECT_LT(err_cents / exact_total, std::ldexp(1.0L, -20));
  // ... but nowhere near exact to the cent: billing must not rely on CKKS alone.
  EXPECT_GT(err_cents, 0.5L);
  // The requirement in bits: half a cent of the total needs this relative precision, beyond the
  // 53-bit double the decoder even returns, let alone the scale 2^40.
  double needed_bits = std::log2(static_cast<double>(exact_total) / 0.5);
  std::printf("[billing] exactness needs %.1f bits of relative precision; CKKS delivered %.1f\n", needed_bits,
              std::log2(static_cast<double>(exact_total / err_cents)));
  EXPECT_GT(needed_bits, 40.0);
}
