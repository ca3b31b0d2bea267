// The 32-user match against plaintext inner products and masked-equality semantics, and the
// multi-score equality of the look-up against a plaintext model of the masked product.
#include "fhe/bfv/match.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cmath>

#include "bfv_test_util.h"
#include "core/cpu.h"
#include "fhe/common/prg.h"
#include "fhe/common/serialize.h"
#include "math/ntt.h"
#include "math/poly.h"

namespace v100::fhe::bfv::testing {
namespace {

using match::kUsers;
using match::kValues;

std::vector<uint16_t> random_u16(TestRng& rng, size_t n) {
  std::vector<uint16_t> v(n);
  for (auto& x : v) x = static_cast<uint16_t>(rng.u64());
  return v;
}

class Match : public ::testing::Test {
 protected:
  Env& e = env("bfv-meeting-4096");
  match::MatchClient client{e.ctx, e.keygen->secret_key()};
  match::MatchServer server{e.ctx, e.pk};
};

TEST_F(Match, InnerProductsMatchPlaintextModel) {
  TestRng rng(100);
  for (int rep = 0; rep < 3; ++rep) {
    auto x = random_u16(rng, kUsers * kValues);
    auto y = random_u16(rng, kValues);
    Ciphertext roster = client.encrypt_roster(x);
    auto ref = server.prepare_reference(y);
    Ciphertext reply = server.inner_products(roster, ref);
    EXPECT_EQ(reply.num_q(), 1u);  // modulus-switched reply
    auto scores = client.decrypt_scores(reply);
    ASSERT_EQ(scores.size(), kUsers);
    for (size_t k = 0; k < kUsers; ++k) {
      uint64_t want = 0;
      for (size_t j = 0; j < kValues; ++j) want = (want + uint64_t{x[k * kValues + j]} * y[j]) % e.t;
      EXPECT_EQ(scores[k], want) << "user " << k;
    }
  }
}

TEST_F(Match, NonResultCoefficientsAreRerandomized) {
  // Without re-randomization, coefficient 128k + i (i < 127) would be the partial sum
  // sum_{j <= i} x_{k,j} y_{127 - i + j} (plus the wrap from block k-1). Check that the reply
  // decrypts to something else at (almost) every such position.
  TestRng rng(101);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  Ciphertext reply = server.inner_products(client.encrypt_roster(x), server.prepare_reference(y));
  Decryptor dec(e.ctx, e.keygen->secret_key());
  Plaintext pt = dec.decrypt(reply);
  // Plaintext model of the raw negacyclic product x(X) * Y(X).
  std::vector<uint64_t> prod(e.n, 0);
  for (size_t a = 0; a < e.n; ++a) {
    for (size_t b = 0; b < kValues; ++b) {
      uint64_t v = uint64_t{x[a]} * y[kValues - 1 - b] % e.t;
      size_t idx = a + b;
      if (idx < e.n)
        prod[idx] = (prod[idx] + v) % e.t;
      else
        prod[idx - e.n] = (prod[idx - e.n] + e.t - v) % e.t;
    }
  }
  size_t same = 0, others = 0;
  for (size_t i = 0; i < e.n; ++i) {
    if (i % kValues == kValues - 1) {
      EXPECT_EQ(pt.coeffs[i], prod[i]);
    } else {
      ++others;
      same += pt.coeffs[i] == prod[i];
    }
  }
  EXPECT_LT(same, 5u) << "of " << others;
}

TEST_F(Match, MaskedEqualityZeroExactlyOnMatches) {
  TestRng rng(102);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  for (size_t k : {3u, 17u, 31u})
    std::copy(y.begin(), y.end(), x.begin() + static_cast<std::ptrdiff_t>(k * kValues));
  x[5 * kValues] = y[0];  // user 5 matches everywhere but one value
  std::copy(y.begin() + 1, y.end(), x.begin() + 5 * kValues + 1);
  x[5 * kValues + 64] = static_cast<uint16_t>(y[64] + 1);
  Ciphertext roster = client.encrypt_roster(x);
  Ciphertext query = client.encrypt_query(y);
  for (int variant = 0; variant < 2; ++variant) {
    auto replies =
        variant == 0 ? server.masked_equality(roster, query, 2) : server.masked_equality_plain(roster, y, 2);
    ASSERT_EQ(replies.size(), 2u);
    auto s0 = client.decrypt_scores(replies[0]);
    auto s1 = client.decrypt_scores(replies[1]);
    for (size_t k = 0; k < kUsers; ++k) {
      const bool match = k == 3 || k == 17 || k == 31;
      if (match) {
        EXPECT_EQ(s0[k], 0u) << k;
        EXPECT_EQ(s1[k], 0u) << k;
      } else {
        EXPECT_FALSE(s0[k] == 0 && s1[k] == 0) << "false match for user " << k;  // prob ~2^-32
      }
    }
  }
}

TEST_F(Match, BlocksFromSeparateUsersAddIntoOneRoster) {
  TestRng rng(103);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  Evaluator ev(e.ctx);
  Ciphertext roster = client.encrypt_user_block(0, std::span<const uint16_t>(x.data(), kValues));
  for (size_t k = 1; k < kUsers; ++k) {
    ev.add_inplace(roster,
                   client.encrypt_user_block(k, std::span<const uint16_t>(x.data() + k * kValues, kValues)));
  }
  auto scores = client.decrypt_scores(server.inner_products(roster, server.prepare_reference(y)));
  for (size_t k = 0; k < kUsers; ++k) {
    uint64_t want = 0;
    for (size_t j = 0; j < kValues; ++j) want = (want + uint64_t{x[k * kValues + j]} * y[j]) % e.t;
    EXPECT_EQ(scores[k], want);
  }
}

TEST_F(Match, ReplySerializesAndSizesShrink) {
  TestRng rng(104);
  auto x = random_u16(rng, kUsers * kValues);
  auto y = random_u16(rng, kValues);
  Ciphertext roster = client.encrypt_roster(x);
  const RlweContext& r = e.ctx->rlwe();
  Bytes up = serialize_ciphertext(r, roster);
  Ciphertext reply = server.inner_products(roster, server.prepare_reference(y));
  Bytes down = serialize_ciphertext(r, reply);
  auto back = deserialize_ciphertext(r, down);
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(client.decrypt_scores(*back), client.decrypt_scores(reply));
  // Seeded upload: one polynomial over 2 primes; reply: two polynomials over 1 prime.
  EXPECT_LT(up.size(), 2 * 4096 * 37 / 8 + 64);
  EXPECT_LT(down.size(), 2 * 4096 * 37 / 8 + 64);
}

// ---- Multi-score equality (score_reply): the look-up's layout ----

using match::kScoresPerUser;
using match::kTokenValues;
using match::score_index;

// The roster plaintext: every user's token followed by zero padding (user-major, N values).
std::vector<uint16_t> token_layout(const std::vector<std::vector<uint16_t>>& tokens) {
  std::vector<uint16_t> x(kUsers * kValues, 0);
  for (size_t k = 0; k < tokens.size(); ++k)
    std::copy(tokens[k].begin(), tokens[k].end(), x.begin() + static_cast<std::ptrdiff_t>(k * kValues));
  return x;
}

// Independent plaintext model of a reply's scores: the negacyclic product (X - Y) * M mod t,
// computed coefficient by coefficient, read at the score positions. The masks come from the
// documented stream layout of ScoreScratch (first 128 words: r_wi = 1 + floor(word (t-1) / 2^64)).
std::vector<std::array<uint64_t, kScoresPerUser>> model_scores(const std::vector<uint16_t>& x,
                                                               const std::vector<uint16_t>& y_token,
                                                               std::span<const uint8_t> stream_seed,
                                                               uint64_t t, size_t n) {
  Prg prg(Prg::Kind::kAes256Ctr, stream_seed, match::kScoreScratchLabel);
  std::vector<uint64_t> m(kValues);
  for (size_t w = 0; w < kScoresPerUser; ++w) {
    for (size_t i = 0; i < kTokenValues; ++i) {
      m[w * kTokenValues + kTokenValues - 1 - i] =
          1 + static_cast<uint64_t>((static_cast<unsigned __int128>(prg.next_u64()) * (t - 1)) >> 64);
    }
  }
  std::vector<uint64_t> d(n);
  for (size_t a = 0; a < n; ++a) {
    uint64_t y = a % kValues < kTokenValues ? y_token[a % kValues] : 0;
    d[a] = (x[a] + t - y) % t;
  }
  std::vector<std::array<uint64_t, kScoresPerUser>> out(kUsers);
  for (size_t k = 0; k < kUsers; ++k) {
    for (size_t w = 0; w < kScoresPerUser; ++w) {
      const size_t c = score_index(k, w);
      uint64_t acc = 0;
      for (size_t b = 0; b < kValues; ++b) {
        // d_a M_b with a + b = c, or a + b = c + N (negated: X^N = -1).
        const uint64_t prod = d[(c + n - b) % n] * m[b] % t;
        acc = (b <= c ? acc + prod : acc + t - prod) % t;
      }
      out[k][w] = acc;
    }
  }
  return out;
}

class MatchScores : public Match {
 protected:
  // One reply with a known-seed scratch, through the wire form both ways.
  std::vector<std::array<uint64_t, kScoresPerUser>> scores(const Ciphertext& roster,
                                                           std::span<const uint16_t> y,
                                                           std::span<const uint8_t> stream_seed) {
    Ciphertext query = client.encrypt_token_query(y);
    auto parsed = match::deserialize_score_query(*e.ctx, match::serialize_score_query(*e.ctx, query));
    EXPECT_TRUE(parsed.is_ok()) << parsed.message();
    match::ScoreScratch scratch(stream_seed);
    match::ScoreMask mask;
    match::ScoreReply reply;
    server.draw_mask(scratch, mask);
    server.score_reply(roster, *parsed, mask, scratch, reply);
    auto back = match::deserialize_score_reply(*e.ctx, match::serialize_score_reply(*e.ctx, reply));
    EXPECT_TRUE(back.is_ok()) << back.message();
    return client.decrypt_score_reply(*back);
  }
  std::vector<uint8_t> seed = std::vector<uint8_t>(32, 1);
};

bool all_zero(const std::array<uint64_t, kScoresPerUser>& s) {
  for (uint64_t v : s) {
    if (v != 0) return false;
  }
  return true;
}

TEST_F(MatchScores, EveryScoreEqualsThePlaintextModel) {
  TestRng rng(200);
  for (size_t match_at : {0u, 13u, 31u}) {  // first, middle and last user of the block
    std::vector<std::vector<uint16_t>> tokens(kUsers);
    for (auto& tk : tokens) tk = random_u16(rng, kTokenValues);
    auto y = tokens[match_at];
    auto x = token_layout(tokens);
    seed.assign(32, static_cast<uint8_t>(match_at));
    Ciphertext roster = client.encrypt_roster(x);
    auto got = scores(roster, y, seed);
    auto want = model_scores(x, y, seed, e.t, e.n);
    ASSERT_EQ(got.size(), kUsers);
    for (size_t k = 0; k < kUsers; ++k) {
      for (size_t w = 0; w < kScoresPerUser; ++w)
        EXPECT_EQ(got[k][w], want[k][w]) << "user " << k << " score " << w;
      EXPECT_EQ(all_zero(got[k]), k == match_at) << "user " << k;
    }
  }
}

TEST_F(MatchScores, BlocksFromSeparateUploadsAndTwoMatches) {
  // Every slot occupied by its own upload (the roster as members build it); two users hold the
  // queried token; the neighbours of the first differ from it in one value (first / last).
  TestRng rng(201);
  std::vector<std::vector<uint16_t>> tokens(kUsers);
  for (auto& tk : tokens) tk = random_u16(rng, kTokenValues);
  auto y = random_u16(rng, kTokenValues);
  tokens[7] = y;
  tokens[22] = y;
  tokens[6] = y;
  tokens[6][0] ^= 0x8000;
  tokens[8] = y;
  tokens[8][kTokenValues - 1] = static_cast<uint16_t>(y[kTokenValues - 1] + 1);
  Evaluator ev(e.ctx);
  Ciphertext roster = client.encrypt_token_block(0, tokens[0]);
  for (size_t k = 1; k < kUsers; ++k) ev.add_inplace(roster, client.encrypt_token_block(k, tokens[k]));
  auto got = scores(roster, y, seed);
  auto want = model_scores(token_layout(tokens), y, seed, e.t, e.n);
  for (size_t k = 0; k < kUsers; ++k) {
    for (size_t w = 0; w < kScoresPerUser; ++w)
      EXPECT_EQ(got[k][w], want[k][w]) << "user " << k << " score " << w;
    EXPECT_EQ(all_zero(got[k]), k == 7 || k == 22) << "user " << k;
  }
}

TEST_F(MatchScores, AbsentTokenMatchesNobody) {
  TestRng rng(202);
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<std::vector<uint16_t>> tokens(kUsers);
    for (auto& tk : tokens) tk = random_u16(rng, kTokenValues);
    auto y = random_u16(rng, kTokenValues);
    seed.assign(32, static_cast<uint8_t>(40 + rep));
    auto x = token_layout(tokens);
    auto got = scores(client.encrypt_roster(x), y, seed);
    auto want = model_scores(x, y, seed, e.t, e.n);
    for (size_t k = 0; k < kUsers; ++k) {
      EXPECT_EQ(got[k], want[k]) << "user " << k;
      EXPECT_FALSE(all_zero(got[k])) << "false match for user " << k;
    }
  }
}

TEST_F(MatchScores, GarbageInPaddingSpoilsNeighboursButForgesNoMatch) {
  // Padding is zero for honest members. Put garbage in the padding of users 4, 9 and 31 (31's
  // padding reaches user 0 through X^N = -1). The model (which includes the padding) still
  // predicts every score; the affected users are 4, 5, 9, 10, 31 and 0: the matching users 5 and 0
  // lose their match (their neighbour spoiled it), and nobody else gains one.
  TestRng rng(203);
  std::vector<std::vector<uint16_t>> tokens(kUsers);
  for (auto& tk : tokens) tk = random_u16(rng, kTokenValues);
  auto y = random_u16(rng, kTokenValues);
  for (size_t k : {0u, 5u, 12u}) tokens[k] = y;
  auto x = token_layout(tokens);
  for (size_t k : {4u, 9u, 31u}) {
    for (size_t i = kTokenValues; i < kValues; ++i) x[k * kValues + i] = static_cast<uint16_t>(rng.u64());
  }
  auto got = scores(client.encrypt_roster(x), y, seed);
  auto want = model_scores(x, y, seed, e.t, e.n);
  for (size_t k = 0; k < kUsers; ++k) {
    EXPECT_EQ(got[k], want[k]) << "user " << k;
    EXPECT_EQ(all_zero(got[k]), k == 12) << "user " << k;
  }
  // Only a garbage-free neighbourhood keeps scores independent of the padding: users 12 and 20
  // see exactly the scores of the honest roster.
  auto honest = model_scores(token_layout(tokens), y, seed, e.t, e.n);
  EXPECT_EQ(got[12], honest[12]);
  EXPECT_EQ(got[20], honest[20]);
  EXPECT_NE(got[5], honest[5]);
  EXPECT_NE(got[0], honest[0]);
}

TEST_F(MatchScores, NoiseWithinTheAnalyticBound) {
  // Decryption noise at the score positions: flooding in [-2^b, 2^b) plus the switch's rounding
  // (<= (1 + N) / 2) and the Delta mismatch (< t): far below q_0 / (2t), and the flooding is
  // really there (the largest of the 128 noises is above 2^(b-2)).
  TestRng rng(204);
  std::vector<std::vector<uint16_t>> tokens(kUsers);
  for (auto& tk : tokens) tk = random_u16(rng, kTokenValues);
  Ciphertext query = client.encrypt_token_query(tokens[3]);
  match::ScoreScratch scratch;
  match::ScoreMask mask;
  match::ScoreReply reply;
  server.draw_mask(scratch, mask);
  server.score_reply(client.encrypt_roster(token_layout(tokens)), query, mask, scratch, reply);
  auto got = client.decrypt_score_reply(reply);
  // Phase c0 + c1 s mod q_0 at the score positions (s residue 0 is mod q_0, NTT form).
  const math::Modulus& mq0 = e.ctx->rlwe().modulus(0);
  std::vector<uint64_t> c1s(reply.c1.residue(0), reply.c1.residue(0) + e.n);
  math::ntt_forward(c1s.data(), e.ctx->rlwe().ntt(0));
  math::poly_mul(c1s.data(), c1s.data(), e.keygen->secret_key().s_ntt().residue(0), e.n, mq0);
  math::ntt_inverse(c1s.data(), e.ctx->rlwe().ntt(0));
  const uint64_t q0 = e.ctx->rlwe().modulus(0).value(), delta = q0 / e.t;
  const double bound =
      std::ldexp(1.0, server.flood_bits()) + static_cast<double>(e.t) + (1.0 + static_cast<double>(e.n)) / 2;
  ASSERT_LT(bound, static_cast<double>(q0) / (2.0 * static_cast<double>(e.t)));
  double worst = 0;
  for (size_t k = 0; k < kUsers; ++k) {
    for (size_t w = 0; w < kScoresPerUser; ++w) {
      const uint64_t x = math::add_mod(c1s[score_index(k, w)], reply.c0[k * kScoresPerUser + w], mq0);
      const uint64_t dm = static_cast<uint64_t>((static_cast<unsigned __int128>(delta) * got[k][w]) % q0);
      const uint64_t diff = (x + q0 - dm) % q0;
      const double noise = diff > q0 / 2 ? static_cast<double>(q0 - diff) : static_cast<double>(diff);
      EXPECT_LE(noise, bound) << "user " << k << " score " << w;
      worst = std::max(worst, noise);
    }
  }
  EXPECT_GT(worst, std::ldexp(1.0, server.flood_bits() - 2));
}

TEST_F(MatchScores, PortableAndVectorPathsAreBitIdentical) {
  TestRng rng(206);
  std::vector<std::vector<uint16_t>> tokens(kUsers);
  for (auto& tk : tokens) tk = random_u16(rng, kTokenValues);
  Ciphertext roster = client.encrypt_roster(token_layout(tokens));
  Ciphertext query = client.encrypt_token_query(tokens[9]);
  match::ScoreReply replies[2];
  for (int portable = 0; portable < 2; ++portable) {
    cpu::force_portable(portable == 1);
    match::ScoreScratch scratch(seed);
    match::ScoreMask mask;
    server.draw_mask(scratch, mask);
    server.score_reply(roster, query, mask, scratch, replies[portable]);
    server.score_reply(roster, query, mask, scratch, replies[portable]);  // a second block: reused buffers
  }
  cpu::force_portable(false);
  EXPECT_EQ(replies[0].c1.data(), replies[1].c1.data());
  EXPECT_EQ(replies[0].c0, replies[1].c0);
  // The wire parsers: same values, and the same verdict on a value >= q_0 in the vector body
  // (first value) and in the scalar tail (last value).
  Bytes qb = match::serialize_score_query(*e.ctx, query);
  Bytes bad_head = qb, bad_tail = qb;
  std::fill(bad_head.begin() + 13, bad_head.begin() + 18, 0xFF);
  std::fill(bad_tail.end() - 5, bad_tail.end(), 0xFF);
  Ciphertext parsed[2];
  Bytes written[2], reply_bytes[2];
  for (int portable = 0; portable < 2; ++portable) {
    cpu::force_portable(portable == 1);
    written[portable] = match::serialize_score_query(*e.ctx, query);
    reply_bytes[portable] = match::serialize_score_reply(*e.ctx, replies[0]);
    auto p = match::deserialize_score_query(*e.ctx, qb);
    ASSERT_TRUE(p.is_ok());
    parsed[portable] = std::move(p).value();
    EXPECT_FALSE(match::deserialize_score_query(*e.ctx, bad_head).is_ok());
    EXPECT_FALSE(match::deserialize_score_query(*e.ctx, bad_tail).is_ok());
  }
  cpu::force_portable(false);
  EXPECT_EQ(written[0], written[1]);
  EXPECT_EQ(reply_bytes[0], reply_bytes[1]);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(parsed[0].polys[i].data(), parsed[1].polys[i].data());
    EXPECT_EQ(parsed[0].polys[i].data(), query.polys[i].data());
  }
}

TEST(MatchScoresOtherSets, FourPrimesAndSixByteValues) {
  // bfv-8192: 64 users per ciphertext, four 43-bit primes (three switching steps, the last two with
  // centered remainders), 6-byte wire values, a 256-point extraction transform.
  Env& e8 = env("bfv-8192");
  match::MatchClient c8(e8.ctx, e8.keygen->secret_key());
  match::MatchServer s8(e8.ctx, e8.pk);
  TestRng rng(207);
  const size_t users = c8.num_users();
  std::vector<uint16_t> x(users * kValues, 0), y = random_u16(rng, kTokenValues);
  for (size_t k = 0; k < users; ++k) {
    auto tk = k == 40 || k == 63 ? y : random_u16(rng, kTokenValues);
    std::copy(tk.begin(), tk.end(), x.begin() + static_cast<std::ptrdiff_t>(k * kValues));
  }
  Ciphertext roster = c8.encrypt_roster(x);
  auto q = match::deserialize_score_query(*e8.ctx,
                                          match::serialize_score_query(*e8.ctx, c8.encrypt_token_query(y)));
  ASSERT_TRUE(q.is_ok()) << q.message();
  match::ScoreScratch scratch;
  match::ScoreMask mask;
  match::ScoreReply reply;
  s8.draw_mask(scratch, mask);
  s8.score_reply(roster, *q, mask, scratch, reply);
  auto back = match::deserialize_score_reply(*e8.ctx, match::serialize_score_reply(*e8.ctx, reply));
  ASSERT_TRUE(back.is_ok()) << back.message();
  auto got = c8.decrypt_score_reply(*back);
  ASSERT_EQ(got.size(), users);
  for (size_t k = 0; k < users; ++k) EXPECT_EQ(all_zero(got[k]), k == 40 || k == 63) << "user " << k;
}

// Runs a sampler on a fresh stream (seed, label) on the vector and the portable path; both must
// give `want`.
void expect_sampler_on_every_path(const std::vector<int8_t>& want, const std::vector<uint8_t>& seed,
                                  const char* label, void (*sample)(int8_t*, size_t, Prg&)) {
  for (int portable = 0; portable < 2; ++portable) {
    cpu::force_portable(portable == 1);
    Prg prg(Prg::Kind::kAes256Ctr, seed, label);
    std::vector<int8_t> got(want.size());
    sample(got.data(), got.size(), prg);
    EXPECT_EQ(got, want) << label << ", n = " << want.size() << (portable ? " portable" : " vector");
  }
  cpu::force_portable(false);
}

TEST(MatchErrors, DenseCbd21MatchesWordModelOnEveryPath) {
  // Model: 128-byte blocks of 16 words X_0..7, Y_0..7 give, per k, d(X lo, X mid), d(Y lo, Y mid),
  // d(X hi, Y hi) placed at k, 8 + k, 16 + k; fills of 8 blocks (1 KiB), the rest dropped.
  auto pc = [](uint64_t x) { return static_cast<int>(std::bitset<64>(x).count()); };
  const uint64_t m = (uint64_t{1} << 21) - 1;
  const std::vector<uint8_t> seed(32, 0x43);
  for (size_t n : {size_t{1}, size_t{23}, size_t{24}, size_t{200}, size_t{4224}}) {
    Prg model_prg(Prg::Kind::kAes256Ctr, seed, "cbd test");
    std::vector<int8_t> want;
    while (want.size() < n) {
      uint64_t w[128];
      model_prg.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(w), sizeof w));
      for (size_t b = 0; b < 8 && want.size() < n; ++b) {
        int8_t block[24];
        for (size_t k = 0; k < 8; ++k) {
          const uint64_t x = w[16 * b + k], y = w[16 * b + 8 + k];
          block[k] = static_cast<int8_t>(pc(x & m) - pc((x >> 21) & m));
          block[8 + k] = static_cast<int8_t>(pc(y & m) - pc((y >> 21) & m));
          block[16 + k] = static_cast<int8_t>(pc((x >> 42) & m) - pc((y >> 42) & m));
        }
        for (int8_t v : block)
          if (want.size() < n) want.push_back(v);
      }
    }
    expect_sampler_on_every_path(want, seed, "cbd test", match::detail::sample_cbd21_dense);
  }
  // Moments of CBD(21): mean 0, variance 10.5, support [-21, 21].
  Prg prg(Prg::Kind::kAes256Ctr, seed, "cbd moments");
  std::vector<int8_t> e(1 << 18);
  match::detail::sample_cbd21_dense(e.data(), e.size(), prg);
  double sum = 0, sq = 0;
  for (int8_t v : e) {
    ASSERT_LE(std::abs(v), kCbdBound);
    sum += v;
    sq += static_cast<double>(v) * v;
  }
  const double mean = sum / static_cast<double>(e.size()),
               var = sq / static_cast<double>(e.size()) - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.05);
  EXPECT_NEAR(var, kCbdVariance, 0.15);
}

TEST(MatchTernary, ChunkedSamplerMatchesByteModelOnEveryPath) {
  // Model: read the stream in 64-byte chunks; each byte other than 255 gives b mod 3 as
  // {0, 1, 2} -> {0, 1, -1}; stop at n values (the rest of the chunk is dropped).
  const std::vector<uint8_t> seed(32, 0x42);
  for (size_t n : {size_t{1}, size_t{63}, size_t{64}, size_t{100}, size_t{4096}}) {
    Prg model_prg(Prg::Kind::kAes256Ctr, seed, "ternary test");
    std::vector<int8_t> want;
    while (want.size() < n) {
      uint8_t chunk[64];
      model_prg.fill(chunk);
      for (uint8_t b : chunk) {
        if (want.size() == n) break;
        if (b == 255) continue;
        const int r = b % 3;
        want.push_back(static_cast<int8_t>(r == 2 ? -1 : r));
      }
    }
    expect_sampler_on_every_path(want, seed, "ternary test", match::detail::sample_ternary_chunked);
  }
  // Uniform: each value about a third of 3 * 2^16 draws (within 6 standard deviations).
  Prg prg(Prg::Kind::kAes256Ctr, seed, "ternary histogram");
  std::vector<int8_t> u(3 << 16);
  match::detail::sample_ternary_chunked(u.data(), u.size(), prg);
  for (int v : {-1, 0, 1}) {
    const double count = static_cast<double>(std::count(u.begin(), u.end(), static_cast<int8_t>(v)));
    EXPECT_NEAR(count, 65536.0, 6 * std::sqrt(65536.0 * 2 / 3)) << v;
  }
}

TEST_F(MatchScores, WireFormsRejectHostileBytes) {
  TestRng rng(205);
  auto y = random_u16(rng, kTokenValues);
  Ciphertext query = client.encrypt_token_query(y);
  Bytes qb = match::serialize_score_query(*e.ctx, query);
  match::ScoreScratch scratch;
  match::ScoreMask mask;
  match::ScoreReply reply;
  EXPECT_TRUE(mask.empty());
  EXPECT_THROW(server.score_reply(client.encrypt_roster(token_layout({y})), query, mask, scratch, reply),
               std::invalid_argument);
  server.draw_mask(scratch, mask);
  EXPECT_FALSE(mask.empty());
  mask.wipe();
  EXPECT_TRUE(mask.empty());
  EXPECT_THROW(server.score_reply(client.encrypt_roster(token_layout({y})), query, mask, scratch, reply),
               std::invalid_argument);
  server.draw_mask(scratch, mask);
  server.score_reply(client.encrypt_roster(token_layout({y})), query, mask, scratch, reply);
  Bytes rb = match::serialize_score_reply(*e.ctx, reply);
  // Sizes: the query is two polynomials, the reply c1 + 128 values, 5 bytes per value.
  EXPECT_EQ(qb.size(), 13u + 4 * e.n * 5);
  EXPECT_EQ(rb.size(), 13u + 1u + e.n * 5 + 2 + kUsers * kScoresPerUser * 5);
  ASSERT_TRUE(match::deserialize_score_query(*e.ctx, qb).is_ok());
  ASSERT_TRUE(match::deserialize_score_reply(*e.ctx, rb).is_ok());
  for (const Bytes* good : {&qb, &rb}) {
    const bool is_query = good == &qb;
    auto parses = [&](const Bytes& b) {
      return is_query ? match::deserialize_score_query(*e.ctx, b).is_ok()
                      : match::deserialize_score_reply(*e.ctx, b).is_ok();
    };
    Bytes b = *good;
    b.pop_back();
    EXPECT_FALSE(parses(b)) << "truncated";
    b = *good;
    b.push_back(0);
    EXPECT_FALSE(parses(b)) << "trailing byte";
    b = *good;
    b[0] ^= 1;
    EXPECT_FALSE(parses(b)) << "magic";
    b = *good;
    b[5] ^= 1;
    EXPECT_FALSE(parses(b)) << "parameter id";
    b = *good;
    // A value >= q_0 in the first coefficient (5 bytes of 0xFF).
    const size_t first = is_query ? 13 : 14;
    std::fill(b.begin() + static_cast<std::ptrdiff_t>(first),
              b.begin() + static_cast<std::ptrdiff_t>(first + 5), 0xFF);
    EXPECT_FALSE(parses(b)) << "out of range";
    EXPECT_FALSE(parses(Bytes{})) << "empty";
  }
  // The other wire form's bytes are refused (magic).
  EXPECT_FALSE(match::deserialize_score_reply(*e.ctx, qb).is_ok());
  EXPECT_FALSE(match::deserialize_score_query(*e.ctx, rb).is_ok());
  // A wrong-shape reply is a caller error on the client.
  match::ScoreReply bad = reply;
  bad.c0.pop_back();
  EXPECT_THROW(client.decrypt_score_reply(bad), std::invalid_argument);
}

}  // namespace
}  // namespace v100::fhe::bfv::testing
