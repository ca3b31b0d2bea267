// v100_web_ref lookup / lookup-answer: the directory look-up (services/lookup.h) for the web
// client's tests (web/test/lookup.test.ts, the chromium page). A fixed 32-member roster (slots
// 0..31, one block) under a fixed BFV seed, each member's roster ciphertext made by the native
// client (client::RosterCipher); the server half is services::LookupServer with pack_answer, what
// the server's lookup handler (meeting/services/server_services.cc) runs, and the answer travels
// in a ServiceResponse encoded by the C++ protocol codec.
//
//   lookup         the seed, the members (slot, user id), and per query (members at slots 0, 13, 31
//                  and an outsider): the token, fixed randomness, the native query bytes
//                  (LookupClient::encrypt_query(token, randomness)), a native server answer as a
//                  whole ServiceResponse message, and what the native client finds in it; then
//                  hostile answers (packing and reply bytes) with the native refusal message.
//   lookup-answer  reads {"queries": [hex]} on stdin (queries the WebAssembly module made with fresh
//                  randomness) and prints, per query, the native server's ServiceResponse for the
//                  same roster and what the native client finds in it.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "hash/sha3.h"
#include "meeting/client/roster.h"
#include "meeting/client/roster_bfv.h"
#include "meeting/protocol/messages.h"
#include "services/lookup.h"

namespace v100_web_ref {

using nlohmann::json;
using v100::Bytes;
namespace client = v100::meeting::client;
namespace proto = v100::meeting::protocol;
namespace svc = v100::services;

namespace {

constexpr size_t kMembers = 32;
constexpr uint16_t kLookupService = 1, kLookupQuery = 1;  // meeting/services/services.h

Bytes derive(std::string_view label, size_t n) {
  std::string s = "v100-web-ref/lookup/" + std::string(label);
  Bytes out(n);
  v100::hash::shake256(out, v100::as_bytes(s));
  return out;
}

client::UserId user_id(std::string_view label) {
  const Bytes u = derive(label, 32);
  client::UserId id{};
  std::copy(u.begin(), u.end(), id.begin());
  return id;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "v100_web_ref lookup: %s\n", what.c_str());
  std::exit(1);
}

json found_json(const std::optional<uint16_t>& slot) {
  return slot ? json(*slot) : json(nullptr);
}

// The fixed roster and the native halves of the look-up.
struct Fixture {
  Bytes seed = derive("bfv-seed", 32);
  std::vector<client::UserId> members;
  std::shared_ptr<const svc::LookupServer> server;
  std::shared_ptr<const svc::LookupServer::PreparedRoster> roster;
  std::vector<uint16_t> slots;
  svc::LookupClient client{seed};

  Fixture() {
    client::RosterCipher rc(seed);
    auto s = svc::LookupServer::create(rc.public_key_blob());
    if (!s) die(s.message());
    server = *s;
    std::vector<Bytes> uploads;
    for (size_t k = 0; k < kMembers; ++k) {
      members.push_back(user_id("member/" + std::to_string(k)));
      uploads.push_back(rc.encrypt_token(static_cast<uint16_t>(k), members.back(),
                                         derive("roster-randomness/" + std::to_string(k), 32)));
      slots.push_back(static_cast<uint16_t>(k));
    }
    auto block = server->sum_block(std::vector<v100::ByteSpan>(uploads.begin(), uploads.end()));
    if (!block) die(block.message());
    auto prepared = server->prepare({*block});
    if (!prepared) die(prepared.message());
    roster = *prepared;
  }

  // The server's answer to `query` as the lookup handler sends it: a ServiceResponse message.
  proto::ServiceResponse answer(const Bytes& query) const {
    auto replies = server->answer(query, *roster, 1);
    if (!replies) die(replies.message());
    return proto::ServiceResponse{kLookupService, kLookupQuery, 0, svc::pack_answer(*replies, slots)};
  }

  // What the native client (MetadataClient::lookup's path) finds in an answer's two blobs.
  v100::Result<std::optional<uint16_t>> find(const Bytes& packed, const Bytes& slot_list) const {
    auto a = svc::unpack_answer(packed, slot_list);
    if (!a) return a.status();
    return client.find(a->replies, a->slots);
  }
};

json answer_json(const Fixture& f, const Bytes& query, uint32_t request_id) {
  const proto::ServiceResponse resp = f.answer(query);
  auto found = f.find(resp.blobs[0], resp.blobs[1]);
  if (!found) die("native find: " + found.message());
  return {{"request_id", request_id},
          {"response", v100::to_hex(proto::encode(resp, request_id))},
          {"native_slot", found_json(*found)}};
}

// Writes a u32 little-endian at `at`.
void put_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}

}  // namespace

json lookup_cases() {
  const Fixture f;
  json members = json::array();
  for (size_t k = 0; k < kMembers; ++k)
    members.push_back({{"slot", k}, {"user_id", v100::to_hex(f.members[k])}});
  json queries = json::array();
  struct Q {
    std::string what;
    client::UserId who;
  };
  const Q qs[] = {{"member at slot 0", f.members[0]},
                  {"member at slot 13", f.members[13]},
                  {"member at slot 31 (last)", f.members[31]},
                  {"outsider", user_id("outsider")}};
  Bytes good_packed, good_slots;
  uint32_t rid = 100;
  for (const auto& q : qs) {
    const auto token = client::identity_token(q.who, svc::kTokenValues);
    const Bytes rnd = derive("query-randomness/" + q.what, 32);
    const Bytes query = f.client.encrypt_query(token, std::span<const uint8_t, 32>(rnd.data(), 32));
    json a = answer_json(f, query, ++rid);
    a["what"] = q.what;
    a["user_id"] = v100::to_hex(q.who);
    a["token"] = token;
    a["randomness"] = v100::to_hex(rnd);
    a["query"] = v100::to_hex(query);
    queries.push_back(a);
    if (good_packed.empty()) {
      const proto::ServiceResponse resp = f.answer(query);
      good_packed = resp.blobs[0];
      good_slots = resp.blobs[1];
    }
  }
  // Hostile answers: the packing (count, lengths, trailing bytes, slot list) and the reply inside
  // (flipped magic, cut, a trailing byte, a value above q_0). Reply 0 starts at byte 8 of the
  // packed blob (u32 count, u32 length).
  std::vector<std::pair<std::string, std::pair<Bytes, Bytes>>> bad;
  auto packed_with = [&](auto edit) {
    Bytes p = good_packed;
    edit(p);
    bad.push_back({"", {p, good_slots}});
  };
  bad.push_back({"empty packed blob", {Bytes{}, good_slots}});
  bad.push_back({"count 0", {Bytes{0, 0, 0, 0}, good_slots}});
  packed_with([&](Bytes& p) { put_u32(p, 0, 4097); });
  bad.back().first = "count 4097";
  packed_with([&](Bytes& p) { put_u32(p, 0, 2); });
  bad.back().first = "count 2, one reply";
  packed_with([&](Bytes& p) { p.pop_back(); });
  bad.back().first = "packed blob cut by one byte";
  packed_with([&](Bytes& p) { p.push_back(0); });
  bad.back().first = "trailing byte after the replies";
  bad.push_back({"slot list of odd length", {good_packed, Bytes(good_slots.begin(), good_slots.end() - 1)}});
  packed_with([&](Bytes& p) { p[8] ^= 0x01; });
  bad.back().first = "reply magic flipped";
  packed_with([&](Bytes& p) {
    put_u32(p, 4, static_cast<uint32_t>(p.size() - 9));
    p.pop_back();
  });
  bad.back().first = "reply cut by one byte";
  packed_with([&](Bytes& p) {
    put_u32(p, 4, static_cast<uint32_t>(p.size() - 7));
    p.push_back(0);
  });
  bad.back().first = "reply with a trailing byte";
  packed_with([&](Bytes& p) {
    for (size_t i = p.size() - 8; i < p.size(); ++i) p[i] = 0xff;
  });
  bad.back().first = "reply value above q_0";
  json hostile = json::array();
  for (const auto& [what, blobs] : bad) {
    auto r = f.find(blobs.first, blobs.second);
    if (r) die("native find accepted hostile answer: " + what);
    hostile.push_back({{"what", what},
                       {"packed", v100::to_hex(blobs.first)},
                       {"slots", v100::to_hex(blobs.second)},
                       {"error", r.message()}});
  }
  return {{"seed", v100::to_hex(f.seed)}, {"service", kLookupService}, {"op", kLookupQuery},
          {"members", members},           {"queries", queries},        {"hostile", hostile}};
}

json lookup_answer() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  const Fixture f;
  json out = json::array();
  uint32_t rid = 0;
  for (const auto& q : in.at("queries")) {
    auto query = v100::from_hex(q.get<std::string>());
    if (!query) die("query is not hex");
    out.push_back(answer_json(f, *query, ++rid));
  }
  return out;
}

}  // namespace v100_web_ref
