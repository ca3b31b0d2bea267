#include <gtest/gtest.h>

#include "fhe/ckks/encryptor.h"
#include "fhe/ckks/evaluator.h"
#include "ckks_test_util.h"

using namespace v100::fhe::ckks;
using namespace v100::fhe::ckks::testing;

TEST(CkksSmoke, Basic) {
  auto ctx = CkksContext::create("ckks-8192");
  std::vector<uint8_t> seed(32, 7);
  KeyGenerator kg(ctx, seed);
  CkksEncoder enc(ctx);
  TestRng rng("smoke");
  auto x = rng.reals(ctx->slot_count(), -1, 1);
  auto y = rng.reals(ctx->slot_count(), -1, 1);
  auto pt = enc.encode(x);
  auto back = enc.decode(pt);
  double e = 0;
  for (size_t i = 0; i < x.size(); ++i) e = std::max(e, std::abs(back[i] - std::complex<double>(x[i], 0)));
  record("smoke encode/decode", e);
  Encryptor encr(ctx, kg.public_key());
  Decryptor dec(ctx, kg.secret_key_ref());
  auto cx = encr.encrypt(pt);
  auto cy = encr.encrypt(enc.encode(y));
  auto d = dec.decrypt_unflooded(cx);
  e = 0;
  for (size_t i = 0; i < x.size(); ++i) e = std::max(e, std::abs(d[i] - std::complex<double>(x[i], 0)));
  record("smoke enc/dec", e);
  Evaluator ev(ctx);
  auto rk = kg.relin_key();
  auto m = ev.multiply_relin_rescale(cx, cy, rk);
  d = dec.decrypt_unflooded(m);
  e = 0;
  for (size_t i = 0; i < x.size(); ++i) e = std::max(e, std::abs(d[i] - std::complex<double>(x[i] * y[i], 0)));
  record("smoke mult", e);
  std::vector<int64_t> steps{1, 5};
  auto gk = kg.galois_keys(steps, true);
  auto r = ev.rotate(cx, 5, gk);
  d = dec.decrypt_unflooded(r);
  e = 0;
  for (size_t i = 0; i < x.size(); ++i) e = std::max(e, std::abs(d[i] - std::complex<double>(x[(i + 5) % x.size()], 0)));
  record("smoke rotate", e);
  EXPECT_LT(e, 1e-5);
}
