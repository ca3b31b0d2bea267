// libFuzzer target: the look-up's wire forms (fhe/bfv/match.h: multi-score query "V1MQ" and
// compact reply "V1MR") on arbitrary bytes against the bfv-meeting-4096 context. Loaders must
// return an error, never crash, throw or read out of bounds; accepted objects re-serialize to the
// same bytes (the encoding is canonical); an accepted query goes through score_reply against a
// fixed roster block, an accepted reply through the client's decryption.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fhe/bfv/context.h"
#include "fhe/bfv/match.h"
#include "fhe/common/keys.h"

using namespace v100::fhe;
using namespace v100::fhe::bfv;

namespace {
// Server scratch first (no context needed), then the keys and one roster block.
struct FuzzEnv {
  match::ScoreScratch scratch{std::vector<uint8_t>(32, 0x5c)};
  match::ScoreMask mask;
  match::ScoreReply reply;
  BfvContextPtr ctx = *BfvContext::create("bfv-meeting-4096");
  KeyGenerator keygen{ctx->rlwe_ptr(), std::vector<uint8_t>(32, 0x5b)};
  match::MatchClient client{ctx, keygen.secret_key()};
  match::MatchServer server{ctx, keygen.public_key()};
  Ciphertext roster = client.encrypt_token_block(3, std::vector<uint16_t>(match::kTokenValues, 7));
  FuzzEnv() { server.draw_mask(scratch, mask); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzEnv* env = new FuzzEnv();
  v100::ByteSpan in(data, size);
  v100::Bytes original(data, data + size);
  if (auto q = match::deserialize_score_query(*env->ctx, in); q.is_ok()) {
    if (match::serialize_score_query(*env->ctx, *q) != original) abort();
    env->server.score_reply(env->roster, *q, env->mask, env->scratch, env->reply);
  }
  if (auto r = match::deserialize_score_reply(*env->ctx, in); r.is_ok()) {
    if (match::serialize_score_reply(*env->ctx, *r) != original) abort();
    (void)env->client.decrypt_score_reply(*r);
  }
  return 0;
}
