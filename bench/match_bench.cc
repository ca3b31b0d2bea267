// The 32-user match (issue #2 §4/§6): client encrypts a query (seeded secret-key encryption),
// server computes masked equality against the roster (one score; re-randomize, flood, mod switch),
// client decrypts 32 scores. Distinct inputs per iteration. Then the look-up's multi-score reply.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "core/rng.h"
#include "fhe/bfv/match.h"

namespace {

using namespace v100::fhe;
using namespace v100::fhe::bfv;
using v100::Bytes;

constexpr size_t kPool = 8;

struct MatchEnv {
  BfvContextPtr ctx;
  std::unique_ptr<KeyGenerator> keygen;
  std::unique_ptr<match::MatchClient> client;
  std::unique_ptr<match::MatchServer> server;
  std::vector<std::vector<uint16_t>> queries;
  std::vector<Ciphertext> rosters, query_cts, replies;
  std::vector<match::PreparedReference> refs;
};

MatchEnv& menv() {
  static std::unique_ptr<MatchEnv> e;
  if (e) return *e;
  e = std::make_unique<MatchEnv>();
  e->ctx = *BfvContext::create("bfv-meeting-4096");
  e->keygen = std::make_unique<KeyGenerator>(KeyGenerator::random(e->ctx->rlwe_ptr()));
  e->client = std::make_unique<match::MatchClient>(e->ctx, e->keygen->secret_key());
  e->server = std::make_unique<match::MatchServer>(e->ctx, e->keygen->public_key());
  for (size_t i = 0; i < kPool; ++i) {
    std::vector<uint16_t> x(match::kUsers * match::kValues), y(match::kValues);
    v100::random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(x.data()), x.size() * 2));
    v100::random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(y.data()), y.size() * 2));
    e->rosters.push_back(e->client->encrypt_roster(x));
    e->query_cts.push_back(e->client->encrypt_query(y));
    e->refs.push_back(e->server->prepare_reference(y));
    e->replies.push_back(e->server->masked_equality(e->rosters.back(), e->query_cts.back(), 1)[0]);
    e->queries.push_back(std::move(y));
  }
  return *e;
}

void BM_ClientEncrypt(benchmark::State& state) {
  auto& e = menv();
  size_t i = 0;
  for (auto _ : state) {
    Ciphertext c = e.client->encrypt_query(e.queries[i++ % kPool]);
    benchmark::DoNotOptimize(c.polys[0].data().data());
  }
}
BENCHMARK(BM_ClientEncrypt)->Name("match32/client_encrypt")->Unit(benchmark::kMicrosecond);

void BM_Server(benchmark::State& state) {
  auto& e = menv();
  size_t i = 0;
  for (auto _ : state) {
    auto r = e.server->masked_equality(e.rosters[i % kPool], e.query_cts[(i + 1) % kPool], 1);
    ++i;
    benchmark::DoNotOptimize(r[0].polys[0].data().data());
  }
}
BENCHMARK(BM_Server)->Name("match32/server")->Unit(benchmark::kMicrosecond);

void BM_Server2(benchmark::State& state) {
  auto& e = menv();
  size_t i = 0;
  for (auto _ : state) {
    auto r = e.server->masked_equality(e.rosters[i % kPool], e.query_cts[(i + 1) % kPool], 2);
    ++i;
    benchmark::DoNotOptimize(r[0].polys[0].data().data());
  }
}
BENCHMARK(BM_Server2)->Name("match32/server_2scores")->Unit(benchmark::kMicrosecond);

void BM_ServerInnerProduct(benchmark::State& state) {
  auto& e = menv();
  size_t i = 0;
  for (auto _ : state) {
    Ciphertext r = e.server->inner_products(e.rosters[i % kPool], e.refs[(i + 1) % kPool]);
    ++i;
    benchmark::DoNotOptimize(r.polys[0].data().data());
  }
}
BENCHMARK(BM_ServerInnerProduct)->Name("match32/server_inner_product")->Unit(benchmark::kMicrosecond);

void BM_ClientDecrypt(benchmark::State& state) {
  auto& e = menv();
  size_t i = 0;
  for (auto _ : state) {
    auto s = e.client->decrypt_scores(e.replies[i++ % kPool]);
    benchmark::DoNotOptimize(s.data());
  }
}
BENCHMARK(BM_ClientDecrypt)->Name("match32/client_decrypt")->Unit(benchmark::kMicrosecond);

void BM_Total(benchmark::State& state) {
  auto& e = menv();
  size_t i = 0;
  for (auto _ : state) {
    Ciphertext q = e.client->encrypt_query(e.queries[i % kPool]);
    auto r = e.server->masked_equality(e.rosters[(i + 1) % kPool], q, 1);
    auto s = e.client->decrypt_scores(r[0]);
    ++i;
    benchmark::DoNotOptimize(s.data());
  }
}
BENCHMARK(BM_Total)->Name("match32/total")->Unit(benchmark::kMicrosecond);

// The look-up's multi-score equality (4 scores per user from one product): one reply with a mask
// and a scratch reused across calls (as a look-up reuses them across blocks), one reply with its
// own mask and scratch, the serialization, the query parse (once per look-up) and the client's
// decryption.
struct ScoreEnv {
  std::vector<Ciphertext> rosters, queries;
  std::vector<Bytes> query_bytes, reply_bytes;
};

ScoreEnv& senv() {
  static std::unique_ptr<ScoreEnv> s;
  if (s) return *s;
  auto& e = menv();
  s = std::make_unique<ScoreEnv>();
  for (size_t i = 0; i < kPool; ++i) {
    std::vector<uint16_t> x(match::kUsers * match::kValues, 0), y(match::kTokenValues);
    for (size_t k = 0; k < match::kUsers; ++k) {
      v100::random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(x.data() + k * match::kValues),
                                            match::kTokenValues * 2));
    }
    v100::random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(y.data()), y.size() * 2));
    s->rosters.push_back(e.client->encrypt_roster(x));
    s->queries.push_back(e.client->encrypt_token_query(y));
    s->query_bytes.push_back(match::serialize_score_query(*e.ctx, s->queries.back()));
    match::ScoreScratch scratch;
    match::ScoreMask mask;
    match::ScoreReply reply;
    e.server->draw_mask(scratch, mask);
    e.server->score_reply(s->rosters.back(), s->queries.back(), mask, scratch, reply);
    s->reply_bytes.push_back(match::serialize_score_reply(*e.ctx, reply));
  }
  return *s;
}

void BM_ScoreReply(benchmark::State& state) {
  auto& e = menv();
  auto& s = senv();
  match::ScoreScratch scratch;
  match::ScoreMask mask;
  match::ScoreReply reply;
  e.server->draw_mask(scratch, mask);
  size_t i = 0;
  for (auto _ : state) {
    e.server->score_reply(s.rosters[i % kPool], s.queries[(i + 1) % kPool], mask, scratch, reply);
    ++i;
    benchmark::DoNotOptimize(reply.c0.data());
  }
}
BENCHMARK(BM_ScoreReply)->Name("match32/score_reply")->Unit(benchmark::kMicrosecond);

void BM_ScoreReplySerialize(benchmark::State& state) {
  auto& e = menv();
  auto& s = senv();
  auto reply = *match::deserialize_score_reply(*e.ctx, s.reply_bytes[0]);
  for (auto _ : state) {
    Bytes b = match::serialize_score_reply(*e.ctx, reply);
    benchmark::DoNotOptimize(b.data());
  }
}
BENCHMARK(BM_ScoreReplySerialize)->Name("match32/score_reply_serialize")->Unit(benchmark::kMicrosecond);

void BM_ScoreQueryParse(benchmark::State& state) {
  auto& e = menv();
  auto& s = senv();
  size_t i = 0;
  for (auto _ : state) {
    auto q = match::deserialize_score_query(*e.ctx, s.query_bytes[i++ % kPool]);
    benchmark::DoNotOptimize(q);
  }
}
BENCHMARK(BM_ScoreQueryParse)->Name("match32/score_query_parse")->Unit(benchmark::kMicrosecond);

void BM_ScoreScratch(benchmark::State& state) {
  auto& e = menv();
  auto& s = senv();
  for (auto _ : state) {
    match::ScoreScratch scratch;  // fresh stream + first-use allocation
    match::ScoreMask mask;        // one mask NTT per prime
    match::ScoreReply reply;
    e.server->draw_mask(scratch, mask);
    e.server->score_reply(s.rosters[0], s.queries[1], mask, scratch, reply);
    benchmark::DoNotOptimize(reply.c0.data());
  }
}
BENCHMARK(BM_ScoreScratch)->Name("match32/score_reply_with_mask")->Unit(benchmark::kMicrosecond);

void BM_ScoreDecrypt(benchmark::State& state) {
  auto& e = menv();
  auto& s = senv();
  size_t i = 0;
  for (auto _ : state) {
    auto r = match::deserialize_score_reply(*e.ctx, s.reply_bytes[i++ % kPool]);
    auto scores = e.client->decrypt_score_reply(*r);
    benchmark::DoNotOptimize(scores.data());
  }
}
BENCHMARK(BM_ScoreDecrypt)->Name("match32/score_client_decrypt")->Unit(benchmark::kMicrosecond);

}  // namespace
