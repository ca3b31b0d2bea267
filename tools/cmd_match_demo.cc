// `v100 match-demo [--query-user K] [--scores S]`: the 32-user encrypted match end to end on
// bfv-meeting-4096. A key holder encrypts a roster of 32 identity tokens (128 x 16-bit pieces) in
// one ciphertext and a query token; the server (public key only) computes masked-equality scores
// and, separately, inner products with a plaintext reference vector; the key holder decrypts.
// Prints what the server saw (sizes only), what the key holder learned, and timings.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "command.h"
#include "core/rng.h"
#include "fhe/bfv/match.h"
#include "fhe/common/serialize.h"

namespace v100::tools {
namespace {

using Clock = std::chrono::steady_clock;
double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

int run_match_demo(const Args& args) {
  using namespace v100::fhe;
  using namespace v100::fhe::bfv;
  const size_t query_user = std::stoul(args.value("--query-user", "13"));
  const size_t num_scores = std::stoul(args.value("--scores", "2"));
  if (query_user >= match::kUsers || num_scores < 1 || num_scores > 4) {
    std::fprintf(stderr, "match-demo: --query-user in [0, 31], --scores in [1, 4]\n");
    return 2;
  }
  auto t0 = Clock::now();
  auto ctx_r = BfvContext::create("bfv-meeting-4096");
  if (!ctx_r) {
    std::fprintf(stderr, "match-demo: %s\n", ctx_r.message().c_str());
    return 1;
  }
  BfvContextPtr ctx = *ctx_r;
  const RlweContext& r = ctx->rlwe();
  // Every meeting member derives the same FHE keys from the meeting secret (here: a fresh one).
  SecretBytes meeting_seed = random_seed32();
  KeyGenerator kg(ctx->rlwe_ptr(), meeting_seed.span());
  PublicKey pk = kg.public_key();
  const double keygen_us = us_since(t0);
  std::printf(
      "V100 32-user encrypted match  (BFV N=%zu, t=%llu, q = %zu primes + 1 special, %0.f-bit total)\n",
      ctx->n(), static_cast<unsigned long long>(ctx->t()), ctx->num_q(), total_log_q(r.params()));
  std::printf("  key generation from the meeting seed: %.0f us\n\n", keygen_us);

  match::MatchClient client(ctx, kg.secret_key());
  match::MatchServer server(ctx, pk);

  // 32 users, each a 2048-bit identity token as 128 16-bit pieces.
  std::vector<uint16_t> roster(match::kUsers * match::kValues);
  random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(roster.data()), roster.size() * 2));
  std::vector<uint16_t> query(
      roster.begin() + static_cast<std::ptrdiff_t>(query_user * match::kValues),
      roster.begin() + static_cast<std::ptrdiff_t>((query_user + 1) * match::kValues));
  std::vector<uint16_t> reference(match::kValues);
  random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(reference.data()), reference.size() * 2));

  t0 = Clock::now();
  Ciphertext roster_ct = client.encrypt_roster(roster);
  const double enc_roster_us = us_since(t0);
  t0 = Clock::now();
  Ciphertext query_ct = client.encrypt_query(query);
  const double enc_query_us = us_since(t0);
  Bytes roster_bytes = serialize_ciphertext(r, roster_ct), query_bytes = serialize_ciphertext(r, query_ct);

  // --- server: deserializes, computes, serializes replies (public key only) ---
  auto roster_in = deserialize_ciphertext(r, roster_bytes);
  auto query_in = deserialize_ciphertext(r, query_bytes);
  if (!roster_in || !query_in) {
    std::fprintf(stderr, "match-demo: server could not parse the upload\n");
    return 1;
  }
  t0 = Clock::now();
  std::vector<Ciphertext> replies = server.masked_equality(*roster_in, *query_in, num_scores);
  const double server_eq_us = us_since(t0);
  auto ref = server.prepare_reference(reference);
  t0 = Clock::now();
  Ciphertext ip_reply = server.inner_products(*roster_in, ref);
  const double server_ip_us = us_since(t0);
  size_t reply_bytes = 0;
  std::vector<Bytes> wire;
  for (const auto& c : replies) {
    wire.push_back(serialize_ciphertext(r, c));
    reply_bytes += wire.back().size();
  }
  Bytes ip_bytes = serialize_ciphertext(r, ip_reply);

  std::printf("What the server saw (ciphertexts only):\n");
  std::printf("  roster upload  : %zu bytes (seeded secret-key encryption: c0 + 32-byte seed)\n",
              roster_bytes.size());
  std::printf("  query upload   : %zu bytes\n", query_bytes.size());
  std::printf("  public key     : %zu bytes (seeded)\n", serialize_public_key(r, pk).size());
  std::printf("  equality reply : %zu ciphertext(s), %zu bytes (re-randomized, %d-bit flooding, 1 prime)\n",
              replies.size(), reply_bytes, server.flood_bits());
  std::printf("  inner-product reply: %zu bytes\n\n", ip_bytes.size());

  // --- key holder ---
  t0 = Clock::now();
  std::vector<std::vector<uint64_t>> scores;
  for (const auto& w : wire) scores.push_back(client.decrypt_scores(*deserialize_ciphertext(r, w)));
  const double dec_us = us_since(t0);
  std::vector<uint64_t> ips = client.decrypt_scores(*deserialize_ciphertext(r, ip_bytes));

  std::printf("What the key holder learned:\n");
  size_t matches = 0;
  for (size_t k = 0; k < match::kUsers; ++k) {
    bool all_zero = true;
    for (const auto& s : scores) all_zero &= s[k] == 0;
    if (all_zero) {
      std::printf("  match: the query token is in slot %zu\n", k);
      ++matches;
    }
  }
  if (matches == 0) std::printf("  no slot matches the query\n");
  std::printf("  masked scores of the other slots are uniform mod t (e.g. slot %zu: %llu)\n",
              (query_user + 1) % match::kUsers,
              static_cast<unsigned long long>(scores[0][(query_user + 1) % match::kUsers]));
  size_t ip_ok = 0;
  for (size_t k = 0; k < match::kUsers; ++k) {
    uint64_t want = 0;
    for (size_t j = 0; j < match::kValues; ++j)
      want = (want + uint64_t{roster[k * match::kValues + j]} * reference[j]) % ctx->t();
    ip_ok += ips[k] == want;
  }
  std::printf(
      "  32 inner products with the reference vector: %zu/32 equal the plaintext computation\n"
      "  (slot 0: %llu, slot 1: %llu, ...)\n\n",
      ip_ok, static_cast<unsigned long long>(ips[0]), static_cast<unsigned long long>(ips[1]));

  std::printf("Timings (single thread, one run; `v100 bench --filter match32` for medians):\n");
  std::printf("  client encrypt roster : %8.0f us\n", enc_roster_us);
  std::printf("  client encrypt query  : %8.0f us\n", enc_query_us);
  std::printf("  server masked equality: %8.0f us (%zu score(s), no rotation)\n", server_eq_us, num_scores);
  std::printf("  server inner products : %8.0f us\n", server_ip_us);
  std::printf("  client decrypt        : %8.0f us\n", dec_us);
  std::printf("  query end to end      : %8.0f us\n", enc_query_us + server_eq_us + dec_us);
  std::printf("\nThe server never sees a token or a score; the match decision is made by a key holder.\n");
  return (matches == 1 && ip_ok == match::kUsers) ? 0 : 1;
}

V100_COMMAND("match-demo", "32-user encrypted match end to end (BFV, coefficient packing)",
             CommandSpec{.usage = "v100 match-demo [--query-user K] [--scores S]",
                         .options = {opt_value("--query-user"), opt_value("--scores")}},
             run_match_demo);

}  // namespace
}  // namespace v100::tools
