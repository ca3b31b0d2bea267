// Server-side time of the metadata services (issue #7): look-up over 32 and 1024 members, folding
// one meeting into an account's bill, aggregating 32 members' analytics reports.
#include <benchmark/benchmark.h>

#include <thread>

#include "core/rng.h"
#include "fhe/bfv/match.h"
#include "fhe/common/keys.h"
#include "fhe/common/serialize.h"
#include "services/analytics.h"
#include "services/ledger.h"
#include "services/lookup.h"

namespace {

using namespace v100;
using namespace v100::services;

std::vector<uint16_t> random_token() {
  Bytes b = random_bytes(2 * kTokenValues);
  std::vector<uint16_t> t(kTokenValues);
  for (size_t i = 0; i < kTokenValues; ++i) t[i] = static_cast<uint16_t>(b[2 * i] | b[2 * i + 1] << 8);
  return t;
}

struct LookupFixture {
  explicit LookupFixture(size_t members) {
    Bytes seed = random_bytes(32);
    const auto& ctx = roster_context();
    fhe::KeyGenerator kg(ctx->rlwe_ptr(), seed);
    fhe::bfv::match::MatchClient mc(ctx, kg.secret_key());
    server = *LookupServer::create(fhe::serialize_public_key(ctx->rlwe(), kg.public_key()));
    client = std::make_unique<LookupClient>(seed);
    for (size_t b = 0; b < members / kSlotsPerBlock; ++b) {
      std::vector<Bytes> ups;
      for (size_t k = 0; k < kSlotsPerBlock; ++k)
        ups.push_back(fhe::serialize_ciphertext(ctx->rlwe(), mc.encrypt_token_block(k, random_token())));
      std::vector<ByteSpan> spans(ups.begin(), ups.end());
      blocks.push_back(*server->sum_block(spans));
    }
    for (int i = 0; i < 8; ++i) queries.push_back(client->encrypt_query(random_token()));
  }
  std::shared_ptr<const LookupServer> server;
  std::unique_ptr<LookupClient> client;
  std::vector<Bytes> blocks, queries;
};

LookupFixture& lookup_fixture(size_t members) {
  static std::map<size_t, std::unique_ptr<LookupFixture>> cache;
  auto& f = cache[members];
  if (!f) f = std::make_unique<LookupFixture>(members);
  return *f;
}

void run_lookup(benchmark::State& state, size_t members, unsigned threads) {
  LookupFixture* f = &lookup_fixture(members);
  std::vector<ByteSpan> blocks(f->blocks.begin(), f->blocks.end());
  auto roster = *f->server->prepare(blocks);  // kept in memory by the server between look-ups
  size_t i = 0;
  for (auto _ : state) {
    auto r = f->server->answer(f->queries[i++ % f->queries.size()], *roster, threads);
    benchmark::DoNotOptimize(r);
  }
}

void BM_Lookup32(benchmark::State& s) {
  run_lookup(s, 32, 1);
}
void BM_Lookup1024(benchmark::State& s) {
  run_lookup(s, 1024, 1);
}
void BM_Lookup1024_2t(benchmark::State& s) {
  run_lookup(s, 1024, 2);
}
BENCHMARK(BM_Lookup32)->Name("lookup/32")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Lookup1024)->Name("lookup/1024")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Lookup1024_2t)->Name("lookup/1024_2threads")->Unit(benchmark::kMicrosecond)->UseRealTime();

// The member's half over 32 members (the web client runs the same code in WebAssembly; web/README.md
// compares): the query (fresh randomness), and reading an answer (unpack_answer + find).
void BM_LookupQuery(benchmark::State& state) {
  LookupFixture& f = lookup_fixture(32);
  const auto t = random_token();
  for (auto _ : state) benchmark::DoNotOptimize(f.client->encrypt_query(t));
}
void BM_LookupFind(benchmark::State& state) {
  LookupFixture& f = lookup_fixture(32);
  std::vector<ByteSpan> blocks(f.blocks.begin(), f.blocks.end());
  const std::vector<uint16_t> slots = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                       16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
  const auto answer = pack_answer(*f.server->answer(f.queries[0], blocks), slots);
  for (auto _ : state) {
    auto a = unpack_answer(answer[0], answer[1]);
    benchmark::DoNotOptimize(f.client->find(a->replies, a->slots));
  }
}
BENCHMARK(BM_LookupQuery)->Name("lookup/32_client_query")->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LookupFind)->Name("lookup/32_client_find")->Unit(benchmark::kMicrosecond);

void BM_BillingMeeting(benchmark::State& state) {
  LedgerKeys account(random_bytes(32));
  Bytes pk = account.public_key_blob(), rk = account.relin_keys_blob();
  Bytes rate = account.encrypt_at(0, std::vector<uint64_t>{1234});
  std::vector<Bytes> minutes;
  for (int i = 0; i < 8; ++i) minutes.push_back(*encrypt_to_ledger(pk, 0, 10 + i));
  auto acct = *BillingAccountState::create(rk, rate);  // parsed once when the account registers
  Bytes period = *acct->fold({}, minutes[0]);
  size_t i = 0;
  for (auto _ : state) {
    auto r = acct->fold(period, minutes[i++ % minutes.size()]);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_BillingMeeting)->Name("billing/meeting")->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_AnalyticsReport32(benchmark::State& state) {
  AttentionKeys att(random_bytes(32));
  LedgerKeys ledger(random_bytes(32));
  std::vector<Bytes> att_reports, speak_reports;
  for (uint16_t s = 0; s < 32; ++s) {
    att_reports.push_back(att.encrypt(std::vector<double>(20, 0.5 + s / 100.0)));
    speak_reports.push_back(encrypt_speaking_report(ledger, s, 30u * s));
  }
  std::vector<ByteSpan> a_in(att_reports.begin(), att_reports.end());
  std::vector<ByteSpan> s_in(speak_reports.begin(), speak_reports.end());
  for (auto _ : state) {
    auto a = attention_sum(a_in);
    auto b = ledger_sum(s_in);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_AnalyticsReport32)->Name("analytics/report_32")->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
