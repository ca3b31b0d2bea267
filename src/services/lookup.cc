#include "services/lookup.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "fhe/bfv/evaluator.h"
#include "fhe/bfv/match.h"
#include "fhe/common/keys.h"
#include "fhe/common/serialize.h"

namespace v100::services {

namespace match = fhe::bfv::match;

const fhe::bfv::BfvContextPtr& roster_context() {
  static const fhe::bfv::BfvContextPtr ctx = [] {
    auto c = fhe::bfv::BfvContext::create(kRosterSet);
    if (!c.is_ok()) throw std::logic_error("roster parameter set refused: " + c.message());
    return std::move(c).value();
  }();
  return ctx;
}

struct LookupClient::Impl {
  std::unique_ptr<fhe::KeyGenerator> keygen;
  std::unique_ptr<match::MatchClient> client;
};

LookupClient::LookupClient(ByteSpan bfv_seed32) : impl_(std::make_unique<Impl>()) {
  if (bfv_seed32.size() != 32) throw std::invalid_argument("lookup: seed must be 32 bytes");
  impl_->keygen = std::make_unique<fhe::KeyGenerator>(roster_context()->rlwe_ptr(), bfv_seed32);
  impl_->client = std::make_unique<match::MatchClient>(roster_context(), impl_->keygen->secret_key());
}

LookupClient::~LookupClient() = default;

Bytes LookupClient::encrypt_query(std::span<const uint16_t> token) const {
  if (token.size() != kTokenValues) throw std::invalid_argument("lookup: token must have 32 values");
  return match::serialize_score_query(*roster_context(), impl_->client->encrypt_token_query(token));
}

Bytes LookupClient::encrypt_query(std::span<const uint16_t> token,
                                  std::span<const uint8_t, 32> randomness) const {
  if (token.size() != kTokenValues) throw std::invalid_argument("lookup: token must have 32 values");
  return match::serialize_score_query(*roster_context(),
                                      impl_->client->encrypt_token_query(token, randomness));
}

std::vector<Bytes> pack_answer(const std::vector<Bytes>& replies, std::span<const uint16_t> slots) {
  ByteWriter packed;
  packed.u32(static_cast<uint32_t>(replies.size()));
  for (const auto& r : replies) packed.blob(r);
  ByteWriter list;
  for (uint16_t s : slots) list.u16(s);
  std::vector<Bytes> out;
  out.push_back(packed.take());
  out.push_back(list.take());
  return out;
}

Result<LookupAnswer> unpack_answer(ByteSpan packed, ByteSpan slots) {
  using R = Result<LookupAnswer>;
  LookupAnswer out;
  ByteReader pr(packed);
  uint32_t n = 0;
  if (!pr.u32(n) || n == 0 || n > kMaxAnswerBlocks) return R::error("lookup: malformed answer");
  for (uint32_t i = 0; i < n; ++i) {
    ByteSpan b;
    if (!pr.blob(b, packed.size())) return R::error("lookup: malformed answer");
    out.replies.emplace_back(b.begin(), b.end());
  }
  if (!pr.at_end()) return R::error("lookup: malformed answer");
  ByteReader sr(slots);
  while (!sr.at_end()) {
    uint16_t s = 0;
    if (!sr.u16(s)) return R::error("lookup: malformed slot list");
    out.slots.push_back(s);
  }
  return out;
}

Result<std::optional<uint16_t>> LookupClient::find(const std::vector<Bytes>& reply,
                                                   std::span<const uint16_t> occupied) const {
  using R = Result<std::optional<uint16_t>>;
  if (reply.empty()) return R::error("lookup: empty reply");
  // scores[block][slot-in-block][w]
  std::vector<std::vector<std::array<uint64_t, kScoresPerSlot>>> scores(reply.size());
  for (size_t b = 0; b < reply.size(); ++b) {
    auto r = match::deserialize_score_reply(*roster_context(), reply[b]);
    if (!r.is_ok()) return R::error("lookup reply: " + r.message());
    scores[b] = impl_->client->decrypt_score_reply(*r);  // shape checked by the parser
  }
  std::optional<uint16_t> found;
  for (uint16_t slot : occupied) {
    size_t b = slot / kSlotsPerBlock, k = slot % kSlotsPerBlock;
    if (b >= scores.size()) continue;
    bool all_zero = true;
    for (uint64_t v : scores[b][k]) all_zero = all_zero && v == 0;
    if (all_zero && !found) found = slot;
  }
  return found;
}

// One thread's share of a look-up: a scratch (buffers + randomness) and the reply being built.
// Kept between look-ups (buffers allocated once; secrets wiped and the stream renewed on return).
struct LookupWorker {
  match::ScoreScratch scratch;
  match::ScoreReply reply;
};

struct LookupServer::Impl {
  std::unique_ptr<match::MatchServer> server;
  // Idle workers and query buffers, reused by the next look-up (bounded: at most kMaxIdle each).
  static constexpr size_t kMaxIdle = 8;
  std::mutex mu;
  std::vector<std::unique_ptr<LookupWorker>> workers;
  std::vector<std::unique_ptr<fhe::Ciphertext>> queries;
  std::vector<std::unique_ptr<match::ScoreMask>> masks;

  template <class T>
  std::unique_ptr<T> take(std::vector<std::unique_ptr<T>>& pool) {
    std::lock_guard<std::mutex> lock(mu);
    if (pool.empty()) return std::make_unique<T>();
    auto p = std::move(pool.back());
    pool.pop_back();
    return p;
  }
  template <class T>
  void give(std::vector<std::unique_ptr<T>>& pool, std::unique_ptr<T> p) {
    std::lock_guard<std::mutex> lock(mu);
    if (pool.size() < kMaxIdle) pool.push_back(std::move(p));
  }
};

LookupServer::LookupServer() : impl_(std::make_unique<Impl>()) {}
LookupServer::~LookupServer() = default;

Result<std::shared_ptr<const LookupServer>> LookupServer::create(ByteSpan public_key_blob) {
  auto pk = fhe::deserialize_public_key(roster_context()->rlwe(), public_key_blob);
  if (!pk.is_ok())
    return Result<std::shared_ptr<const LookupServer>>::error("lookup public key: " + pk.message());
  std::shared_ptr<LookupServer> s(new LookupServer());
  s->impl_->server = std::make_unique<match::MatchServer>(roster_context(), std::move(pk).value());
  return std::shared_ptr<const LookupServer>(std::move(s));
}

Result<Bytes> LookupServer::sum_block(const std::vector<ByteSpan>& uploads) const {
  if (uploads.empty()) return Result<Bytes>::error("lookup: empty block");
  const auto& ctx = roster_context();
  fhe::bfv::Evaluator ev(ctx);
  fhe::Ciphertext acc;
  for (size_t i = 0; i < uploads.size(); ++i) {
    auto ct = fhe::deserialize_ciphertext(ctx->rlwe(), uploads[i], 2);
    if (!ct.is_ok()) return Result<Bytes>::error("lookup roster entry: " + ct.message());
    if (ct->num_q() != ctx->num_q()) return Result<Bytes>::error("lookup roster entry: wrong level");
    fhe::Ciphertext c = std::move(ct).value();
    c.clear_seed();
    if (!c.is_ntt()) ev.to_ntt_inplace(c);
    if (i == 0) {
      acc = std::move(c);
    } else {
      ev.add_inplace(acc, c);
    }
  }
  return fhe::serialize_ciphertext(ctx->rlwe(), acc);
}

struct LookupServer::PreparedRoster {
  std::vector<fhe::Ciphertext> blocks;  // size 2, full level, NTT form
};

size_t LookupServer::prepared_bytes(const PreparedRoster& roster) {
  size_t bytes = sizeof(PreparedRoster);
  for (const auto& b : roster.blocks) bytes += b.size() * b.num_q() * b.n() * sizeof(uint64_t);
  return bytes;
}

Result<std::shared_ptr<const LookupServer::PreparedRoster>> LookupServer::prepare(
    const std::vector<ByteSpan>& blocks) const {
  using R = Result<std::shared_ptr<const PreparedRoster>>;
  const auto& ctx = roster_context();
  fhe::bfv::Evaluator ev(ctx);
  auto out = std::make_shared<PreparedRoster>();
  for (ByteSpan b : blocks) {
    auto ct = fhe::deserialize_ciphertext(ctx->rlwe(), b, 2);
    if (!ct.is_ok()) return R::error("lookup block: " + ct.message());
    if (ct->num_q() != ctx->num_q()) return R::error("lookup block: wrong level");
    if (!ct->is_ntt()) ev.to_ntt_inplace(*ct);
    out->blocks.push_back(std::move(ct).value());
  }
  return std::shared_ptr<const PreparedRoster>(std::move(out));
}

Result<std::vector<Bytes>> LookupServer::answer(ByteSpan query, const std::vector<ByteSpan>& blocks,
                                                unsigned threads) const {
  auto roster = prepare(blocks);
  if (!roster.is_ok()) return roster.status();
  return answer(query, **roster, threads);
}

Result<std::vector<Bytes>> LookupServer::answer(ByteSpan query, const PreparedRoster& roster,
                                                unsigned threads) const {
  using R = Result<std::vector<Bytes>>;
  const auto& ctx = roster_context();
  Impl& im = *impl_;
  // Parsed once per look-up (full level, NTT form by construction), into a reused buffer.
  std::unique_ptr<fhe::Ciphertext> q = im.take(im.queries);
  if (Status st = match::deserialize_score_query_into(*ctx, query, *q); !st)
    return R::error("lookup query: " + st.message());
  const auto& blocks = roster.blocks;
  std::vector<Bytes> out(blocks.size());
  if (blocks.empty()) {
    im.give(im.queries, std::move(q));
    return out;
  }
  // One mask for the whole look-up, drawn from the calling thread's stream (see lookup.h).
  std::unique_ptr<LookupWorker> first = im.take(im.workers);
  std::unique_ptr<match::ScoreMask> mask = im.take(im.masks);
  im.server->draw_mask(first->scratch, *mask);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&](std::unique_ptr<LookupWorker> w) {
    try {
      for (size_t b = next++; b < blocks.size(); b = next++) {
        im.server->score_reply(blocks[b], *q, *mask, w->scratch, w->reply);
        out[b] = match::serialize_score_reply(*ctx, w->reply);
      }
      w->scratch.renew();  // wipe this look-up's noise; fresh stream for the next
      im.give(im.workers, std::move(w));
    } catch (const std::exception&) {
      failed = true;
    }
  };
  unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(blocks.size())));
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < n; ++i) pool.emplace_back(work, im.take(im.workers));
  work(std::move(first));
  for (auto& t : pool) t.join();
  im.give(im.queries, std::move(q));
  mask->wipe();  // the masks are secret: not kept past the look-up
  im.give(im.masks, std::move(mask));
  if (failed) return R::error("lookup: evaluation failed (mismatched ciphertexts)");
  return out;
}

}  // namespace v100::services
