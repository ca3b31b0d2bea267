// v100_web_ref: the native side of the web client's byte-identity tests (make test-web). Prints, as
// JSON on stdout, fixed inputs and what the native build computes from them; the node tests under
// web/test replay the inputs through the WebAssembly module and the TypeScript SDK and demand the
// same bytes.
//
//   v100_web_ref pq     ML-KEM / ML-DSA / SHA-3 through the C ABI of web/wasm/v100_wasm.h, the
//                       same file the WebAssembly module is built from.
//   v100_web_ref sframe       frames protected by media::SenderContext (suite 5, V100 KIDs and
//                             base keys, the client's slot|envelope metadata) for fixed epoch secrets.
//   v100_web_ref sframe-open  reads {"epoch_secret", "epoch", "frames": [{"slot", "envelope", "frame"}]}
//                             on stdin (frames the TypeScript SDK protected) and prints what
//                             media::ReceiverContext makes of each: the payload hex or an error.
//   v100_web_ref protocol     sample wire messages: the fields (as the TS SDK names them; "hex:" bytes,
//                             "u64:" 64-bit decimals, "str:" text) and the C++ encoding.
//   v100_web_ref protocol-check  reads a JSON list of hex messages (encoded by the TS SDK) on stdin;
//                             prints for each the C++ decode result and whether re-encoding gives
//                             the same bytes.
//   v100_web_ref xwing        X-Wing (pq::xwing, ML-KEM-768 + OpenSSL X25519): keys from seeds,
//                             derandomized encapsulation, decapsulation of the ciphertext, of one
//                             with a flipped ct_M byte, of one with a flipped ct_X byte, and of one
//                             whose ct_X is the low-order point 0 (refused).
//   v100_web_ref xwing-decaps reads {"seed", "cts": [hex]} on stdin (ciphertexts the TS SDK made to
//                             the key of that seed) and prints for each the shared secret or an error.
//   v100_web_ref schedule     the meeting key schedule (client::KeySchedule) for fixed meeting secrets:
//                             handles, join/info/roster keys, BFV/CKKS seeds, epoch secrets, raw
//                             labelled derivations, the HMAC membership proof, and the Ed25519 join
//                             verifier, join proof and remove proof (protocol/join_proof).
//   v100_web_ref identity     identities (client::Identity::parse_secret) from fixed seeds: the secret
//                             serialization, public identity text, user id, short id, identity tokens,
//                             and an ML-DSA-65 signature (hedged, so TS checks it verifies).
//   v100_web_ref roster       name, identity and meeting-info blobs sealed natively (random nonces)
//                             for fixed keys, handles, slots and join_seqs, and what native opening
//                             makes of them and of relabelled / tampered copies.
//   v100_web_ref roster-open  reads {"roster_key", "info_key", "handle", "cases": [{"kind": "name" |
//                             "identity" | "info", "slot", "join_seq", "blob"}]} on stdin (blobs the TS
//                             SDK sealed, possibly relabelled or tampered) and prints what the native
//                             open functions make of each: the fields or an error.
//   v100_web_ref group        epoch blobs (client::make_epoch_blob, random X-Wing coins) for fixed
//                             identities, slots, epochs and fresh bytes, the epoch secret, base key
//                             and an SFrame frame under it, native opens of each blob and of
//                             relabelled / tampered copies; security codes of fixed user-id lists.
//   v100_web_ref group-open   reads {"identities": [secret], "attempts": [{"opener", "slot", "handle",
//                             "distributor", "blob"}]} on stdin (blobs the TS SDK made or altered) and
//                             prints what client::open_epoch_blob makes of each.
//   v100_web_ref invitation   invitations (client::make_invitation) from a fixed host to fixed
//                             invitees, native opens of each and of tampered copies; mailbox ids.
//   v100_web_ref invitation-open  reads {"identities", "attempts": [{"opener", "blob"}]} on stdin and
//                             prints what client::open_invitation makes of each.
//   v100_web_ref bfv          the BFV roster (client::RosterCipher, "bfv-meeting-4096") for fixed BFV
//                             seeds: SHA3-256 and length of the public and relinearization key blobs,
//                             identity tokens encrypted at fixed slots with fixed randomness (the
//                             serialized ciphertexts), each block's decryption, and malformed
//                             ciphertexts with the native refusal.
//   v100_web_ref bfv-open     reads {"seed", "entries": [{"slot", "ct"}]} on stdin (ciphertexts the
//                             WebAssembly module made) and prints what RosterCipher::decrypt_tokens
//                             makes of them: {"ok", "tokens": {slot: [128 values]}} or {"ok", "error"}.
//   v100_web_ref ckks         the CKKS report calls (web_ref_ckks.cc: encoder FFT output, encoded
//                             plaintexts, report ciphertexts and flooded decryptions from fixed
//                             seeds and randomness; a native summed report of three members).
//   v100_web_ref keystore-open reads {"cases": [{"file", "passphrase"}]} on stdin (key files the TS
//                             keystore sealed, possibly altered) and prints what client::keystore_open
//                             and Identity::parse_secret make of each: the user id and public identity
//                             text, or the native error.
//   v100_web_ref lookup / lookup-answer  the directory look-up (services/lookup.h): web_ref_lookup.cc.
//   v100_web_ref media        the inner media header of meeting/client/media_session.h (encodings of
//                             fixed headers, parse results of well-formed and malformed payloads), and
//                             the test pattern and tone of codec/ (SHA3-256 of rendered I420 planes,
//                             tone frequencies) for the module's copy of the same code.
//
// Inputs are derived from SHAKE256 of a label, so they are reproducible without being constants.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/test_pattern.h"
#include "codec/tone.h"
#include "core/bytes.h"
#include "hash/sha3.h"
#include "media/key_schedule.h"
#include "media/sframe_context.h"
#include "meeting/client/crypto.h"
#include "meeting/client/group.h"
#include "meeting/client/identity.h"
#include "meeting/client/invitation.h"
#include "meeting/client/keystore.h"
#include "meeting/client/media_session.h"
#include "meeting/client/roster.h"
#include "meeting/client/roster_bfv.h"
#include "meeting/client/schedule.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/messages.h"
#include "pq/xwing/xwing.h"
#include "v100_wasm.h"

namespace v100_web_ref {
nlohmann::json lookup_cases();   // web_ref_lookup.cc
nlohmann::json lookup_answer();  // web_ref_lookup.cc
}  // namespace v100_web_ref

namespace {

using nlohmann::json;
using v100::Bytes;
using v100::to_hex;

// n reproducible bytes: SHAKE256("v100-web-ref/" || label).
Bytes derive(std::string_view label, size_t n) {
  std::string s = "v100-web-ref/" + std::string(label);
  Bytes out(n);
  v100::hash::shake256(out, v100::as_bytes(s));
  return out;
}

std::string hex(const Bytes& b) {
  return to_hex(b);
}

void check(int rc, const char* what) {
  if (rc < 0) {
    std::fprintf(stderr, "v100_web_ref: %s failed (%d)\n", what, rc);
    std::exit(1);
  }
}

json pq_cases() {
  json cases = json::array();
  for (int k : {2, 3, 4}) {
    for (int i = 0; i < 3; ++i) {
      const std::string tag = "mlkem" + std::to_string(k) + "/" + std::to_string(i);
      Bytes d = derive(tag + "/d", 32), z = derive(tag + "/z", 32), m = derive(tag + "/m", 32);
      Bytes ek(v100_mlkem_ek_len(k)), dk(v100_mlkem_dk_len(k)), ct(v100_mlkem_ct_len(k)), ss(32), ss2(32),
          ss3(32);
      check(v100_mlkem_keygen(k, ek.data(), dk.data(), d.data(), z.data()), "mlkem keygen");
      check(v100_mlkem_encaps(k, ct.data(), ss.data(), ek.data(), ek.size(), m.data()), "mlkem encaps");
      check(v100_mlkem_decaps(k, ss2.data(), dk.data(), dk.size(), ct.data(), ct.size()), "mlkem decaps");
      Bytes bad = ct;
      bad[static_cast<size_t>(i) * 7] ^= 1;  // implicit rejection path
      check(v100_mlkem_decaps(k, ss3.data(), dk.data(), dk.size(), bad.data(), bad.size()), "mlkem decaps");
      cases.push_back({{"op", "mlkem"},
                       {"k", k},
                       {"d", hex(d)},
                       {"z", hex(z)},
                       {"m", hex(m)},
                       {"ek", hex(ek)},
                       {"dk", hex(dk)},
                       {"ct", hex(ct)},
                       {"ss", hex(ss)},
                       {"ss_decaps", hex(ss2)},
                       {"ct_bad", hex(bad)},
                       {"ss_bad", hex(ss3)}});
    }
  }
  for (int set : {44, 65, 87}) {
    for (int i = 0; i < 2; ++i) {
      const std::string tag = "mldsa" + std::to_string(set) + "/" + std::to_string(i);
      Bytes xi = derive(tag + "/xi", 32), rnd = derive(tag + "/rnd", 32), zero(32, 0);
      Bytes msg = derive(tag + "/msg", static_cast<size_t>(33 + 500 * i)),
            ctx = derive(tag + "/ctx", i == 0 ? 0 : 17);
      Bytes pk(v100_mldsa_pk_len(set)), sk(v100_mldsa_sk_len(set));
      Bytes sig_det(v100_mldsa_sig_len(set)), sig_hedged(v100_mldsa_sig_len(set));
      check(v100_mldsa_keygen(set, pk.data(), sk.data(), xi.data()), "mldsa keygen");
      check(v100_mldsa_sign(set, sig_det.data(), sk.data(), sk.size(), msg.data(), msg.size(), ctx.data(),
                            ctx.size(), zero.data()),
            "mldsa sign");
      check(v100_mldsa_sign(set, sig_hedged.data(), sk.data(), sk.size(), msg.data(), msg.size(), ctx.data(),
                            ctx.size(), rnd.data()),
            "mldsa sign");
      const int ok = v100_mldsa_verify(set, pk.data(), pk.size(), msg.data(), msg.size(), ctx.data(),
                                       ctx.size(), sig_hedged.data(), sig_hedged.size());
      Bytes bad = msg;
      bad[0] ^= 0x80;
      const int bad_rc = v100_mldsa_verify(set, pk.data(), pk.size(), bad.data(), bad.size(), ctx.data(),
                                           ctx.size(), sig_hedged.data(), sig_hedged.size());
      cases.push_back({{"op", "mldsa"},
                       {"set", set},
                       {"xi", hex(xi)},
                       {"rnd", hex(rnd)},
                       {"msg", hex(msg)},
                       {"ctx", hex(ctx)},
                       {"pk", hex(pk)},
                       {"sk", hex(sk)},
                       {"sig_det", hex(sig_det)},
                       {"sig_hedged", hex(sig_hedged)},
                       {"verify", ok},
                       {"msg_bad", hex(bad)},
                       {"verify_bad", bad_rc}});
    }
  }
  for (size_t len : {0, 1, 135, 136, 137, 1000}) {
    Bytes in = derive("sha3/" + std::to_string(len), len), out(32);
    check(v100_sha3_256(out.data(), in.data(), in.size()), "sha3_256");
    cases.push_back({{"op", "sha3_256"}, {"in", hex(in)}, {"out", hex(out)}});
  }
  for (size_t out_len : {0, 32, 200, 1000}) {
    Bytes in = derive("shake/" + std::to_string(out_len), out_len / 3), out(out_len);
    check(v100_shake256(out.data(), out.size(), in.data(), in.size()), "shake256");
    cases.push_back({{"op", "shake256"}, {"in", hex(in)}, {"out", hex(out)}});
  }
  return cases;
}

namespace proto = v100::meeting::protocol;

// The client's SFrame metadata (src/meeting/client/client.cc frame_metadata): slot u16 LE | envelope.
Bytes frame_metadata(uint16_t slot, proto::MediaEnvelope env) {
  return {static_cast<uint8_t>(slot), static_cast<uint8_t>(slot >> 8), env.byte()};
}

json sframe_cases() {
  json out = json::object();
  const Bytes ms = derive("sframe/meeting-secret", 32);
  out["meeting_secret"] = hex(ms);
  json epochs = json::array();
  for (uint64_t epoch : {uint64_t{0}, uint64_t{3}, uint64_t{4097}}) {
    const v100::SecretBytes es = v100::media::derive_epoch_secret(ms, epoch);
    json e = {{"epoch", epoch}, {"epoch_secret", to_hex(es.span())}, {"senders", json::array()}};
    for (uint16_t slot : {uint16_t{0}, uint16_t{5}, uint16_t{4095}}) {
      const auto suite = v100::media::kDefaultCipherSuite;
      const v100::SecretBytes base = v100::media::derive_base_key(suite, es.span(), epoch, slot);
      v100::media::SenderContext tx(slot);
      tx.set_epoch(epoch, es.span());
      json frames = json::array();
      const proto::MediaEnvelope envs[] = {{proto::MediaKind::kAudio, false, 0},
                                           {proto::MediaKind::kVideo, true, 0},
                                           {proto::MediaKind::kVideo, false, 1},
                                           {proto::MediaKind::kScreen, true, 2},
                                           {proto::MediaKind::kControl, false, 0}};
      size_t i = 0;
      for (const auto& env : envs) {
        // Sizes 0, 1, 17, 300, 1200: empty, short and MTU-sized payloads.
        const size_t len = std::array<size_t, 5>{0, 1, 17, 300, 1200}[i];
        const Bytes payload = derive("sframe/payload/" + std::to_string(epoch) + "/" + std::to_string(slot) +
                                         "/" + std::to_string(i++),
                                     len);
        auto sf = tx.protect(frame_metadata(slot, env), payload);
        if (!sf) {
          std::fprintf(stderr, "v100_web_ref: protect failed: %s\n", sf.message().c_str());
          std::exit(1);
        }
        frames.push_back({{"envelope", env.byte()}, {"payload", hex(payload)}, {"frame", hex(*sf)}});
      }
      e["senders"].push_back({{"slot", slot},
                              {"base_key", to_hex(base.span())},
                              {"kid", v100::media::make_kid(epoch, slot)},
                              {"frames", frames}});
    }
    epochs.push_back(e);
  }
  out["epochs"] = epochs;
  return out;
}

json sframe_open() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  const Bytes es = v100::from_hex(in.at("epoch_secret").get<std::string>()).value();
  v100::media::ReceiverContext rx;
  rx.set_epoch(in.at("epoch").get<uint64_t>(), es);
  json results = json::array();
  for (const auto& f : in.at("frames")) {
    const Bytes frame = v100::from_hex(f.at("frame").get<std::string>()).value();
    const auto env = proto::MediaEnvelope::parse(f.at("envelope").get<uint8_t>());
    if (!env) {
      results.push_back({{"error", "bad envelope"}});
      continue;
    }
    auto r = rx.unprotect(frame_metadata(f.at("slot").get<uint16_t>(), *env), frame);
    if (r)
      results.push_back({{"payload", hex(r->payload)}, {"slot", r->info.slot}, {"counter", r->info.counter}});
    else
      results.push_back({{"error", r.message()}});
  }
  return results;
}

json hx(const Bytes& b) {
  return "hex:" + to_hex(b);
}
template <size_t N>
json hx(const std::array<uint8_t, N>& b) {
  return "hex:" + to_hex(b);
}
json u64s(uint64_t v) {
  return "u64:" + std::to_string(v);
}

json frame_fields(const proto::MediaFrame& f) {
  return {{"slot", f.slot},
          {"envelope", {{"kind", static_cast<int>(f.kind)}, {"keyframe", f.keyframe}, {"layer", f.layer}}},
          {"payload", hx(f.payload)}};
}

json protocol_cases() {
  json cases = json::array();
  auto add = [&](const std::string& type, json fields, const proto::Message& m, uint32_t rid) {
    fields["type"] = type;
    cases.push_back({{"request_id", rid}, {"fields", fields}, {"hex", to_hex(proto::encode(m, rid))}});
  };
  auto arr = [](std::string_view label) {
    std::array<uint8_t, 32> a{};
    const Bytes b = derive(label, 32);
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  };
  const Bytes blob1 = derive("proto/blob1", 40), blob2 = derive("proto/blob2", 3),
              blob3 = derive("proto/blob3", 1);
  add("Hello", {{"minVersion", 1}, {"maxVersion", 1}}, proto::Hello{}, 1);
  add("ServerHello",
      {{"version", 1}, {"maxMessageBytes", 16777216}, {"maxMediaPayload", 1048576}, {"maxMembers", 1024}},
      proto::ServerHello{1, 16777216, 1048576, 1024}, 1);
  {
    proto::CreateMeeting m;
    m.handle = arr("proto/handle");
    m.max_members = 64;
    m.scheme = proto::JoinScheme::kMlDsa65;
    m.join_verifier = blob1;
    m.info_blob = {};
    m.keys = {{1, blob2}, {0x7f01, blob3}};
    add("CreateMeeting",
        {{"handle", hx(m.handle)},
         {"maxMembers", 64},
         {"scheme", 2},
         {"joinVerifier", hx(blob1)},
         {"infoBlob", "hex:"},
         {"keys",
          json::array({{{"kind", 1}, {"blob", hx(blob2)}}, {{"kind", 0x7f01}, {"blob", hx(blob3)}}})}},
        m, 2);
  }
  add("JoinChallengeRequest", {{"handle", hx(arr("proto/handle"))}},
      proto::JoinChallengeRequest{arr("proto/handle")}, 3);
  add("JoinChallenge", {{"nonce", hx(arr("proto/nonce"))}}, proto::JoinChallenge{arr("proto/nonce")}, 3);
  for (bool reclaim : {false, true}) {
    proto::JoinProve m;
    m.handle = arr("proto/handle");
    m.nonce = arr("proto/nonce");
    m.proof = blob1;
    m.reclaim = reclaim;
    json rc = nullptr;
    if (reclaim) {
      m.reclaim_slot = 1023;
      m.reclaim_token = arr("proto/token");
      rc = {{"slot", 1023}, {"token", hx(m.reclaim_token)}};
    }
    add("JoinProve",
        {{"handle", hx(m.handle)}, {"nonce", hx(m.nonce)}, {"proof", hx(blob1)}, {"reclaim", rc}}, m, 4);
  }
  {
    proto::JoinAccepted m;
    m.slot = 7;
    m.slot_token = arr("proto/token");
    m.epoch = 0x0123456789abcdefull;
    m.join_seq = 3;
    m.members = {{7, 3, true}, {0, 1, false}, {1000, 0xffffffffffffffffull, true}};
    add("JoinAccepted",
        {{"slot", 7},
         {"slotToken", hx(m.slot_token)},
         {"epoch", u64s(m.epoch)},
         {"joinSeq", "u64:3"},
         {"members",
          json::array({{{"slot", 7}, {"joinSeq", "u64:3"}, {"online", true}},
                       {{"slot", 0}, {"joinSeq", "u64:1"}, {"online", false}},
                       {{"slot", 1000}, {"joinSeq", u64s(0xffffffffffffffffull)}, {"online", true}}})}},
        m, 4);
  }
  add("GetMeeting", json::object(), proto::GetMeeting{}, 5);
  {
    proto::MeetingInfo m;
    m.max_members = 32;
    m.scheme = proto::JoinScheme::kEd25519;
    m.epoch = 9;
    m.info_blob = blob1;
    m.keys = {{1, 123456}, {2, 12u << 20}};
    add("MeetingInfo",
        {{"maxMembers", 32},
         {"scheme", 1},
         {"epoch", "u64:9"},
         {"infoBlob", hx(blob1)},
         {"keys", json::array({{{"kind", 1}, {"size", 123456}}, {{"kind", 2}, {"size", 12u << 20}}})}},
        m, 5);
  }
  add("GetKeyBlob", {{"kind", 0x8005}}, proto::GetKeyBlob{0x8005}, 6);
  add("PutKeyBlob", {{"kind", 0x8005}, {"blob", hx(blob1)}}, proto::PutKeyBlob{0x8005, blob1}, 6);
  add("KeyBlob", {{"kind", 3}, {"blob", hx(blob2)}}, proto::KeyBlob{3, blob2}, 6);
  add("PutRoster", {{"slot", 31}, {"rosterCt", hx(blob1)}, {"nameBlob", hx(blob2)}},
      proto::PutRoster{31, blob1, blob2}, 7);
  add("FetchRoster", {{"firstSlot", 32}, {"maxEntries", 0}}, proto::FetchRoster{32, 0}, 8);
  {
    proto::Roster m;
    m.entries = {{2, blob1, blob2}, {40, blob3, blob3}};
    m.more = true;
    m.next_slot = 41;
    add("Roster",
        {{"entries", json::array({{{"slot", 2}, {"rosterCt", hx(blob1)}, {"nameBlob", hx(blob2)}},
                                  {{"slot", 40}, {"rosterCt", hx(blob3)}, {"nameBlob", hx(blob3)}}})},
         {"more", true},
         {"nextSlot", 41}},
        m, 8);
  }
  {
    proto::PostEpoch m;
    m.epoch = 12;
    m.entries = {{1, blob1}, {0, blob2}};
    add("PostEpoch",
        {{"epoch", "u64:12"},
         {"entries", json::array({{{"slot", 1}, {"blob", hx(blob1)}}, {{"slot", 0}, {"blob", hx(blob2)}}})}},
        m, 9);
  }
  add("FetchEpochKey", json::object(), proto::FetchEpochKey{}, 10);
  add("EpochKey", {{"epoch", "u64:12"}, {"fromSlot", 1}, {"blob", hx(blob1)}}, proto::EpochKey{12, 1, blob1},
      0);
  add("Subscribe", {{"mode", 1}, {"slots", json::array()}}, proto::Subscribe{proto::SubscribeMode::kAll, {}},
      11);
  add("Subscribe", {{"mode", 2}, {"slots", {5, 0, 1023}}},
      proto::Subscribe{proto::SubscribeMode::kList, {5, 0, 1023}}, 11);
  proto::MediaFrame f1{3, proto::MediaKind::kVideo, blob1, true, 2};
  proto::MediaFrame f2{4, proto::MediaKind::kAudio, blob3, false, 0};
  proto::MediaFrame f3{1023, proto::MediaKind::kControl, blob2, false, 0};
  json mf = frame_fields(f1);
  add("MediaFrame", mf, f1, 0);
  add("MediaBundle", {{"frames", json::array({frame_fields(f1), frame_fields(f2), frame_fields(f3)})}},
      proto::MediaBundle{{f1, f2, f3}}, 0);
  add("Leave", json::object(), proto::Leave{}, 13);
  add("EndMeeting", json::object(), proto::EndMeeting{}, 18);
  add("Ping", {{"token", u64s(0xfedcba9876543210ull)}}, proto::Ping{0xfedcba9876543210ull}, 0xffffffffu);
  add("Pong", {{"token", u64s(0xfedcba9876543210ull)}}, proto::Pong{0xfedcba9876543210ull}, 0xffffffffu);
  add("Ack", json::object(), proto::Ack{}, 0x01020304);
  add("Error", {{"code", 11}, {"text", "str:stale epoch (12 <= 12)"}},
      proto::Error{proto::ErrorCode::kStaleEpoch, "stale epoch (12 <= 12)"}, 9);
  add("MemberEvent", {{"kind", 4}, {"slot", 7}, {"joinSeq", "u64:3"}},
      proto::MemberEvent{proto::MemberEventKind::kOffline, 7, 3}, 0);
  {
    proto::RemoveMember m;
    m.slot = 1023;
    m.nonce = arr("proto/nonce");
    m.new_join_verifier = blob1;
    m.proof = blob2;
    add("RemoveMember",
        {{"slot", 1023}, {"nonce", hx(m.nonce)}, {"newJoinVerifier", hx(blob1)}, {"proof", hx(blob2)}}, m,
        30);
  }
  // The mailbox (messages_mailbox.cc): challenge, put with work, owner-signed fetch, items.
  auto item_id = [](std::string_view label) {
    proto::MailboxItemId a{};
    const Bytes b = derive(label, a.size());
    std::copy(b.begin(), b.end(), a.begin());
    return a;
  };
  add("MailboxChallengeRequest", {{"mailbox", hx(arr("proto/mailbox"))}},
      proto::MailboxChallengeRequest{arr("proto/mailbox")}, 20);
  add("MailboxChallenge", {{"nonce", hx(arr("proto/nonce"))}, {"putBits", 17}},
      proto::MailboxChallenge{arr("proto/nonce"), 17}, 20);
  add("MailboxPut",
      {{"mailbox", hx(arr("proto/mailbox"))},
       {"nonce", hx(arr("proto/nonce"))},
       {"work", u64s(0x1122334455667788ull)},
       {"blob", hx(blob1)}},
      proto::MailboxPut{arr("proto/mailbox"), arr("proto/nonce"), 0x1122334455667788ull, blob1}, 14);
  for (size_t n_ids : {size_t{0}, size_t{2}}) {
    proto::MailboxFetch m;
    m.mailbox = arr("proto/mailbox");
    m.nonce = arr("proto/nonce");
    m.owner_key = derive("proto/owner-key", proto::kMailboxOwnerKeyBytes);
    m.signature = derive("proto/owner-sig", proto::kMailboxOwnerSigBytes);
    json ids = json::array();
    for (size_t i = 0; i < n_ids; ++i) {
      m.delete_ids.push_back(item_id("proto/item/" + std::to_string(i)));
      ids.push_back(hx(m.delete_ids.back()));
    }
    add("MailboxFetch",
        {{"mailbox", hx(m.mailbox)},
         {"nonce", hx(m.nonce)},
         {"ownerKey", hx(m.owner_key)},
         {"deleteIds", ids},
         {"signature", hx(m.signature)}},
        m, 15);
  }
  for (bool more : {false, true}) {
    proto::MailboxItems m;
    json items = json::array();
    if (more) {
      m.items = {{item_id("proto/item/0"), blob1}, {item_id("proto/item/1"), blob3}};
      for (const auto& it : m.items) items.push_back({{"id", hx(it.id)}, {"blob", hx(it.blob)}});
    }
    m.more = more;
    add("MailboxItems", {{"items", items}, {"more", more}}, m, 15);
  }
  // The look-up's request and reply (service 1, op 1; meeting/services/services.h), and the other
  // shapes the codec allows: no blobs, an empty blob, a non-zero status.
  add("ServiceRequest", {{"service", 1}, {"op", 1}, {"blobs", json::array({hx(blob1)})}},
      proto::ServiceRequest{1, 1, {blob1}}, 14);
  add("ServiceRequest", {{"service", 0xffff}, {"op", 0}, {"blobs", json::array()}},
      proto::ServiceRequest{0xffff, 0, {}}, 15);
  add("ServiceResponse",
      {{"service", 1}, {"op", 1}, {"status", 0}, {"blobs", json::array({hx(blob2), hx(blob3)})}},
      proto::ServiceResponse{1, 1, 0, {blob2, blob3}}, 14);
  add("ServiceResponse",
      {{"service", 4}, {"op", 3}, {"status", 0x8001}, {"blobs", json::array({"hex:", hx(blob1)})}},
      proto::ServiceResponse{4, 3, 0x8001, {Bytes{}, blob1}}, 16);
  return cases;
}

json protocol_check() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  json results = json::array();
  for (const auto& h : in) {
    const Bytes msg = v100::from_hex(h.get<std::string>()).value();
    auto env = proto::decode(msg);
    if (!env) {
      results.push_back({{"error", env.message()}});
      continue;
    }
    const Bytes again = proto::encode(env->msg, env->request_id);
    const auto type = proto::msg_type_name(msg[1]);
    results.push_back({{"type", type}, {"request_id", env->request_id}, {"same", again == msg}});
  }
  return results;
}

namespace xwing = v100::pq::xwing;

// The shared secret of decapsulating `ct` under `sk`, or the error as {"error": ...}.
json xwing_decaps(const xwing::SecretKey& sk, const Bytes& ct) {
  auto c = xwing::Ciphertext::from_bytes(ct);
  if (!c) return {{"error", c.message()}};
  auto ss = xwing::decapsulate(sk, *c);
  if (!ss) return {{"error", ss.message()}};
  return {{"ss", to_hex(ss->span())}};
}

json xwing_cases() {
  json cases = json::array();
  for (int i = 0; i < 4; ++i) {
    const std::string tag = "xwing/" + std::to_string(i);
    const Bytes seed = derive(tag + "/seed", xwing::kSecretKeyBytes);
    const Bytes eseed = derive(tag + "/eseed", xwing::kEncapsSeedBytes);
    const auto sk = xwing::generate_key_pair_derand(seed);
    auto enc = xwing::encapsulate_derand(sk.public_key(), eseed);
    if (!enc) {
      std::fprintf(stderr, "v100_web_ref: X-Wing encapsulation failed: %s\n", enc.message().c_str());
      std::exit(1);
    }
    const Bytes ct(enc->ciphertext.span().begin(), enc->ciphertext.span().end());
    Bytes ct_bad_m = ct, ct_bad_x = ct, ct_low = ct;
    ct_bad_m[static_cast<size_t>(i) * 101] ^= 1;  // ML-KEM implicit rejection
    ct_bad_x[ct.size() - 1 - static_cast<size_t>(i)] ^= 1;
    std::fill(ct_low.end() - 32, ct_low.end(), uint8_t{0});  // u = 0: low order, X25519 output all-zero
    cases.push_back({{"seed", hex(seed)},
                     {"pk", to_hex(sk.public_key().span())},
                     {"eseed", hex(eseed)},
                     {"ct", hex(ct)},
                     {"ss", to_hex(enc->shared_secret.span())},
                     {"decaps", xwing_decaps(sk, ct)},
                     {"ct_bad_m", hex(ct_bad_m)},
                     {"decaps_bad_m", xwing_decaps(sk, ct_bad_m)},
                     {"ct_bad_x", hex(ct_bad_x)},
                     {"decaps_bad_x", xwing_decaps(sk, ct_bad_x)},
                     {"ct_low", hex(ct_low)},
                     {"decaps_low", xwing_decaps(sk, ct_low)}});
  }
  return cases;
}

json xwing_decaps_input() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  const auto sk = xwing::generate_key_pair_derand(v100::from_hex(in.at("seed").get<std::string>()).value());
  json results = json::array();
  for (const auto& h : in.at("cts"))
    results.push_back(xwing_decaps(sk, v100::from_hex(h.get<std::string>()).value()));
  return results;
}

namespace client = v100::meeting::client;

Bytes u64le(uint64_t v) {
  v100::ByteWriter w;
  w.u64(v);
  return w.take();
}

json schedule_cases() {
  json cases = json::array();
  const uint64_t sessions[] = {0, 1, 0xffffffffffffffffull};
  for (int i = 0; i < 3; ++i) {
    const std::string tag = "schedule/" + std::to_string(i);
    const Bytes ms = derive(tag + "/ms", 32);
    const client::KeySchedule ks(ms);
    const uint64_t session = sessions[i];
    const auto handle = ks.handle(session);
    const v100::SecretBytes join_key = ks.join_key(session);
    std::array<uint8_t, 32> nonce{};
    const Bytes n = derive(tag + "/nonce", 32);
    std::copy(n.begin(), n.end(), nonce.begin());
    json epochs = json::array();
    for (uint64_t e : {uint64_t{0}, uint64_t{1}, uint64_t{0x8000000000000001ull}}) {
      const Bytes fresh = derive(tag + "/fresh/" + std::to_string(e), 32);
      epochs.push_back({{"epoch", std::to_string(e)},
                        {"fresh", hex(fresh)},
                        {"secret", to_hex(ks.epoch_secret(session, e, fresh).span())}});
    }
    json raw = json::array();
    // Other labels, contexts and lengths through the raw derive(): 1 byte, one block, several blocks.
    const std::pair<std::string, size_t> raws[] = {{"handle", 1}, {"app/x", 64}, {"", 200}};
    for (const auto& [label, len] : raws) {
      const Bytes ctx = derive(tag + "/ctx/" + label, label.size());
      raw.push_back({{"label", label},
                     {"context", hex(ctx)},
                     {"len", len},
                     {"out", to_hex(ks.derive(label, ctx, len).span())}});
    }
    const auto verifier = proto::ed25519_public_key(join_key.span()).value();
    const auto proof = proto::make_join_proof_ed25519(join_key.span(), handle, nonce).value();
    const Bytes host_seed = derive(tag + "/host", 32), new_verifier = derive(tag + "/new-verifier", 32);
    const uint16_t slot = static_cast<uint16_t>(i * 511);
    const Bytes remove_proof =
        proto::ed25519_sign(host_seed, proto::remove_transcript(handle, nonce, slot, new_verifier)).value();
    cases.push_back({{"ms", hex(ms)},
                     {"session", std::to_string(session)},
                     {"handle", to_hex(handle)},
                     {"join_key", to_hex(join_key.span())},
                     {"info_key", to_hex(ks.info_key(session).span())},
                     {"roster_key", to_hex(ks.roster_key(session).span())},
                     {"epoch_base", to_hex(ks.derive("epoch-base", u64le(session), 32).span())},
                     {"bfv_seed", to_hex(ks.bfv_seed().span())},
                     {"ckks_seed", to_hex(ks.ckks_seed().span())},
                     {"epochs", epochs},
                     {"raw", raw},
                     {"nonce", to_hex(nonce)},
                     {"membership_proof", to_hex(client::membership_proof(join_key.span(), handle, nonce))},
                     {"join_transcript", hex(proto::join_transcript(handle, nonce))},
                     {"join_verifier", hex(verifier)},
                     {"join_proof", hex(proof)},
                     {"join_proof_verifies",
                      proto::verify_join_proof(proto::JoinScheme::kEd25519, verifier, handle, nonce, proof)},
                     {"host_seed", hex(host_seed)},
                     {"host_verifier", hex(proto::ed25519_public_key(host_seed).value())},
                     {"remove_slot", slot},
                     {"new_verifier", hex(new_verifier)},
                     {"remove_transcript", hex(proto::remove_transcript(handle, nonce, slot, new_verifier))},
                     {"remove_proof", hex(remove_proof)}});
  }
  return cases;
}

// The secret serialization of client::Identity: "V100IDS\x01" || xi || X-Wing seed.
Bytes identity_secret(const std::string& tag) {
  Bytes s = {'V', '1', '0', '0', 'I', 'D', 'S', 1};
  const Bytes xi = derive(tag + "/xi", 32), kem = derive(tag + "/kem", 32);
  s.insert(s.end(), xi.begin(), xi.end());
  s.insert(s.end(), kem.begin(), kem.end());
  return s;
}

client::Identity identity_of(const std::string& tag) {
  return client::Identity::parse_secret(identity_secret(tag)).value();
}

json token_json(const client::UserId& id, size_t count) {
  json t = json::array();
  for (uint16_t v : client::identity_token(id, count)) t.push_back(v);
  return t;
}

json identity_cases() {
  json cases = json::array();
  for (int i = 0; i < 3; ++i) {
    const std::string tag = "identity/" + std::to_string(i);
    const Bytes secret = identity_secret(tag);
    const auto id = identity_of(tag);
    const Bytes msg = derive(tag + "/msg", static_cast<size_t>(1 + 300 * i));
    const Bytes sig = id.sign(msg, client::kCtxRoster);
    cases.push_back({{"secret", hex(secret)},
                     {"user_id", to_hex(id.user_id())},
                     {"short_id", client::short_id(id.user_id())},
                     {"public_text", client::public_identity_text(id.public_identity())},
                     {"token32", token_json(id.user_id(), 32)},
                     {"token40", token_json(id.user_id(), 40)},
                     {"msg", hex(msg)},
                     {"sig", hex(sig)}});
  }
  return cases;
}

// The fields of an opened blob, or {"error": ...}; names as hex (a name is bytes, not always UTF-8).
json open_name_json(v100::ByteSpan key, v100::ByteSpan handle, uint16_t slot, v100::ByteSpan blob) {
  auto e = client::open_name_blob(key, handle, slot, blob);
  if (!e) return {{"error", e.message()}};
  return {{"name", hex(Bytes(e->display_name.begin(), e->display_name.end()))},
          {"user_id", to_hex(e->user_id)}};
}

json open_identity_json(v100::ByteSpan key, v100::ByteSpan handle, uint16_t slot, uint64_t join_seq,
                        v100::ByteSpan blob) {
  auto e = client::open_identity_blob(key, handle, slot, join_seq, blob);
  if (!e) return {{"error", e.message()}};
  return {{"name", hex(Bytes(e->display_name.begin(), e->display_name.end()))},
          {"user_id", to_hex(e->user_id)},
          {"public_text", client::public_identity_text(e->identity)}};
}

// The meeting info blob of client.cc (create_meeting / meeting_title): AEAD under info_key_k with
// the handle as AAD of u32 |title| || title, zero-padded to a multiple of 256 bytes.
Bytes seal_info(v100::ByteSpan key, v100::ByteSpan handle, std::string_view title) {
  v100::ByteWriter w;
  w.blob(v100::as_bytes(title));
  while (w.size() % 256 != 0) w.u8(0);
  return client::aead_seal(key, w.buffer(), handle);
}

json open_info_json(v100::ByteSpan key, v100::ByteSpan handle, v100::ByteSpan blob) {
  auto plain = client::aead_open(key, blob, handle);
  if (!plain) return {{"error", "meeting info: " + plain.message()}};
  v100::ByteReader r(plain->span());
  v100::ByteSpan title;
  if (!r.blob(title, plain->size())) return {{"error", "meeting info malformed"}};
  return {{"title", hex(Bytes(title.begin(), title.end()))}};
}

json roster_cases() {
  const client::KeySchedule ks(derive("roster/ms", 32));
  const uint64_t session = 7;
  const auto handle = ks.handle(session);
  const auto other_handle = client::KeySchedule(derive("roster/ms2", 32)).handle(session);
  const v100::SecretBytes rk = ks.roster_key(session), ik = ks.info_key(session);
  const std::string names[] = {"", "Zo\xc3\xab \xf0\x9f\x8e\xa5", std::string(200, 'n')};
  const uint16_t slots[] = {0, 31, 1023};
  const uint64_t seqs[] = {1, 2, 0xffffffffffffffffull};
  json out = {{"roster_key", to_hex(rk.span())},
              {"info_key", to_hex(ik.span())},
              {"handle", to_hex(handle)},
              {"other_handle", to_hex(other_handle)}};
  json cases = json::array();
  for (int i = 0; i < 3; ++i) {
    const std::string tag = "identity/" + std::to_string(i);
    const auto id = identity_of(tag);
    const uint16_t slot = slots[i];
    const uint64_t seq = seqs[i];
    const Bytes nb = client::seal_name_blob(rk.span(), handle, slot, names[i], id.user_id());
    const Bytes ib = client::seal_identity_blob(id, rk.span(), handle, slot, seq, names[i]);
    Bytes nb_flip = nb, ib_flip = ib;
    nb_flip[nb.size() / 2] ^= 0x01;
    ib_flip[ib.size() - 1] ^= 0x80;
    const uint16_t other_slot = static_cast<uint16_t>(slot ^ 1);
    cases.push_back({{"secret", hex(identity_secret(tag))},
                     {"slot", slot},
                     {"join_seq", std::to_string(seq)},
                     {"name", hex(Bytes(names[i].begin(), names[i].end()))},
                     {"name_blob", hex(nb)},
                     {"identity_blob", hex(ib)},
                     {"open_name", open_name_json(rk.span(), handle, slot, nb)},
                     {"open_identity", open_identity_json(rk.span(), handle, slot, seq, ib)},
                     {"name_wrong_slot", open_name_json(rk.span(), handle, other_slot, nb)},
                     {"name_wrong_handle", open_name_json(rk.span(), other_handle, slot, nb)},
                     {"name_flipped", hex(nb_flip)},
                     {"name_flipped_open", open_name_json(rk.span(), handle, slot, nb_flip)},
                     {"identity_wrong_slot", open_identity_json(rk.span(), handle, other_slot, seq, ib)},
                     {"identity_wrong_handle", open_identity_json(rk.span(), other_handle, slot, seq, ib)},
                     {"identity_wrong_seq", open_identity_json(rk.span(), handle, slot, seq ^ 1, ib)},
                     {"identity_flipped", hex(ib_flip)},
                     {"identity_flipped_open", open_identity_json(rk.span(), handle, slot, seq, ib_flip)}});
  }
  out["cases"] = cases;
  json infos = json::array();
  for (const std::string& title :
       {std::string(""), std::string("Weekly sync \xe2\x80\x94 V100"), std::string(300, 't')}) {
    const Bytes blob = seal_info(ik.span(), handle, title);
    infos.push_back({{"title", hex(Bytes(title.begin(), title.end()))},
                     {"blob", hex(blob)},
                     {"open", open_info_json(ik.span(), handle, blob)},
                     {"wrong_handle", open_info_json(ik.span(), other_handle, blob)}});
  }
  out["infos"] = infos;
  return out;
}

json roster_open() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  const Bytes rk = v100::from_hex(in.at("roster_key").get<std::string>()).value();
  const Bytes ik = v100::from_hex(in.at("info_key").get<std::string>()).value();
  json results = json::array();
  for (const auto& c : in.at("cases")) {
    const Bytes handle = v100::from_hex(c.at("handle").get<std::string>()).value();
    const Bytes blob = v100::from_hex(c.at("blob").get<std::string>()).value();
    const std::string kind = c.at("kind").get<std::string>();
    if (kind == "name") {
      results.push_back(open_name_json(rk, handle, c.at("slot").get<uint16_t>(), blob));
    } else if (kind == "identity") {
      results.push_back(open_identity_json(rk, handle, c.at("slot").get<uint16_t>(),
                                           std::stoull(c.at("join_seq").get<std::string>()), blob));
    } else {
      results.push_back(open_info_json(ik, handle, blob));
    }
  }
  return results;
}

// ---- group keys (client/group) and invitations (client/invitation) ----

std::vector<client::Identity> identities_of(const json& secrets) {
  std::vector<client::Identity> ids;
  for (const auto& h : secrets)
    ids.push_back(client::Identity::parse_secret(v100::from_hex(h.get<std::string>()).value()).value());
  return ids;
}

json opened_epoch_json(const v100::Result<client::OpenedEpoch>& o) {
  if (!o) return {{"error", o.message()}};
  json slots = json::array();
  for (uint16_t s : o->header.member_slots) slots.push_back(s);
  return {{"epoch", std::to_string(o->header.epoch)},
          {"distributor_slot", o->header.distributor_slot},
          {"recipient_slot", o->header.recipient_slot},
          {"member_slots", slots},
          {"fresh", to_hex(o->fresh.span())}};
}

// One attempt to open an epoch blob: who opens it at which slot, whose signature it must carry.
json epoch_attempt(const std::vector<client::Identity>& ids, const std::string& what, size_t opener,
                   uint16_t slot, const Bytes& handle, size_t distributor, const Bytes& blob) {
  return {{"what", what},
          {"opener", opener},
          {"slot", slot},
          {"handle", hex(handle)},
          {"distributor", distributor},
          {"blob", hex(blob)},
          {"open", opened_epoch_json(client::open_epoch_blob(
                       ids[opener], slot, ids[distributor].public_identity(), handle, blob))}};
}

json group_cases() {
  const client::KeySchedule ks(derive("group/ms", 32));
  const uint64_t session = 3;
  const auto handle = ks.handle(session);
  const auto h2 = ks.handle(session + 1);  // the same meeting's next session
  const Bytes handle_b(handle.begin(), handle.end()), other_handle(h2.begin(), h2.end());
  // Identities 0..3 are members, 4 is an outsider (knows nothing of the meeting's epochs).
  json secrets = json::array();
  for (int i = 0; i < 5; ++i) secrets.push_back(hex(identity_secret("group/member/" + std::to_string(i))));
  const auto ids = identities_of(secrets);
  struct Case {
    uint64_t epoch;
    size_t distributor;
    std::vector<std::pair<uint16_t, size_t>> members;  // slot -> identity, sorted by slot
  };
  const Case cases[] = {{1, 0, {{0, 0}, {7, 1}, {1023, 2}}},
                        {(uint64_t{1} << 40) + 5, 1, {{7, 1}, {9, 3}, {4095, 0}}},
                        {0xffffffffffffffffull, 3, {{12, 3}}}};
  json out = {{"ms", hex(derive("group/ms", 32))},
              {"session", std::to_string(session)},
              {"handle", hex(handle_b)},
              {"other_handle", hex(other_handle)},
              {"identities", secrets}};
  json jcases = json::array();
  int ci = 0;
  for (const Case& c : cases) {
    const Bytes fresh = derive("group/fresh/" + std::to_string(ci++), 32);
    std::vector<uint16_t> slots;
    for (const auto& [s, i] : c.members) slots.push_back(s);
    uint16_t dist_slot = 0;
    for (const auto& [s, i] : c.members)
      if (i == c.distributor) dist_slot = s;
    const v100::SecretBytes es = ks.epoch_secret(session, c.epoch, fresh);
    const auto suite = v100::media::kDefaultCipherSuite;
    // The epoch secret keys the distributor's SFrame sender (KIDs hold epochs up to 2^52 - 1 only:
    // a blob for a later epoch opens, but no frame can use it).
    const Bytes payload = derive("group/payload/" + std::to_string(ci), 100);
    Bytes frame, base_key;
    if (c.epoch <= v100::media::kMaxEpoch) {
      v100::media::SenderContext tx(dist_slot);
      tx.set_epoch(c.epoch, es.span());
      frame = tx.protect(frame_metadata(dist_slot, {proto::MediaKind::kAudio, false, 0}), payload).value();
      const v100::SecretBytes bk = v100::media::derive_base_key(suite, es.span(), c.epoch, dist_slot);
      base_key.assign(bk.span().begin(), bk.span().end());
    }
    json blobs = json::array(), attempts = json::array();
    for (const auto& [slot, who] : c.members) {
      const Bytes blob = client::make_epoch_blob(ids[c.distributor], dist_slot, handle_b, c.epoch, slots,
                                                 slot, ids[who].public_identity(), fresh);
      blobs.push_back({{"slot", slot}, {"identity", who}, {"blob", hex(blob)}});
      attempts.push_back(epoch_attempt(ids, "as made", who, slot, handle_b, c.distributor, blob));
      if (slot != slots.front()) continue;
      // Relabelled and tampered copies of the first member's blob, opened by the native code.
      const uint16_t other_slot = slots.size() > 1 ? slots[1] : static_cast<uint16_t>(slot + 1);
      attempts.push_back(epoch_attempt(ids, "other slot", who, other_slot, handle_b, c.distributor, blob));
      attempts.push_back(
          epoch_attempt(ids, "other handle (next session)", who, slot, other_handle, c.distributor, blob));
      attempts.push_back(epoch_attempt(ids, "wrong signer", who, slot, handle_b, 4, blob));
      attempts.push_back(
          epoch_attempt(ids, "addressed to someone else", 4, slot, handle_b, c.distributor, blob));
      Bytes e = blob;
      e[8] ^= 1;  // u64 epoch, low byte
      attempts.push_back(epoch_attempt(ids, "other epoch", who, slot, handle_b, c.distributor, e));
      Bytes f = blob;
      f[f.size() / 2] ^= 0x10;
      attempts.push_back(epoch_attempt(ids, "flipped byte", who, slot, handle_b, c.distributor, f));
      Bytes t(blob.begin(), blob.end() - 1);
      attempts.push_back(epoch_attempt(ids, "truncated", who, slot, handle_b, c.distributor, t));
      if (slots.size() > 1) {
        Bytes r = blob;  // recipient slot field rewritten to another member's, opened there
        r[18] = static_cast<uint8_t>(other_slot);
        r[19] = static_cast<uint8_t>(other_slot >> 8);
        attempts.push_back(
            epoch_attempt(ids, "recipient slot relabelled", who, other_slot, handle_b, c.distributor, r));
      }
    }
    json jslots = json::array();
    for (uint16_t s : slots) jslots.push_back(s);
    jcases.push_back({{"epoch", std::to_string(c.epoch)},
                      {"distributor", c.distributor},
                      {"distributor_slot", dist_slot},
                      {"member_slots", jslots},
                      {"fresh", hex(fresh)},
                      {"epoch_secret", to_hex(es.span())},
                      {"base_key", hex(base_key)},
                      {"payload", hex(payload)},
                      {"frame", hex(frame)},
                      {"blobs", blobs},
                      {"attempts", attempts}});
  }
  out["cases"] = jcases;
  // Security codes over lists of user ids: empty, one, the members in two orders, many with a repeat.
  json codes = json::array();
  std::vector<std::vector<client::UserId>> lists(5);
  lists[1].push_back(ids[0].user_id());
  for (int i = 0; i < 4; ++i) lists[2].push_back(ids[static_cast<size_t>(i)].user_id());
  for (int i = 3; i >= 0; --i) lists[3].push_back(ids[static_cast<size_t>(i)].user_id());
  for (int i = 0; i < 300; ++i) {
    client::UserId u{};
    const Bytes b = derive("group/uid/" + std::to_string(i % 299), 32);
    std::copy(b.begin(), b.end(), u.begin());
    lists[4].push_back(u);
  }
  for (const auto& l : lists) {
    json jl = json::array();
    for (const auto& u : l) jl.push_back(to_hex(u));
    codes.push_back({{"ids", jl}, {"code", client::security_code(l)}});
  }
  out["codes"] = codes;
  return out;
}

// Reads {"identities": [secret hex], "attempts": [{"opener", "slot", "handle", "distributor", "blob"}]}
// (epoch blobs the TS SDK made, possibly relabelled or tampered) and opens each natively.
json group_open() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  const auto ids = identities_of(in.at("identities"));
  json results = json::array();
  for (const auto& a : in.at("attempts")) {
    const Bytes handle = v100::from_hex(a.at("handle").get<std::string>()).value();
    const Bytes blob = v100::from_hex(a.at("blob").get<std::string>()).value();
    results.push_back(opened_epoch_json(
        client::open_epoch_blob(ids[a.at("opener").get<size_t>()], a.at("slot").get<uint16_t>(),
                                ids[a.at("distributor").get<size_t>()].public_identity(), handle, blob)));
  }
  return results;
}

json opened_invitation_json(const v100::Result<client::OpenedInvitation>& o) {
  if (!o) return {{"error", o.message()}};
  return {{"ms", to_hex(o->meeting_secret.span())},
          {"session", std::to_string(o->session)},
          {"title", hex(Bytes(o->title.begin(), o->title.end()))},
          {"join_seed", to_hex(o->join_seed.span())},
          {"inviter_id", to_hex(o->inviter_id)}};
}

json invitation_attempt(const std::vector<client::Identity>& ids, const std::string& what, size_t opener,
                        const Bytes& blob) {
  return {{"what", what},
          {"opener", opener},
          {"blob", hex(blob)},
          {"open", opened_invitation_json(client::open_invitation(ids[opener], blob))}};
}

json invitation_cases() {
  // Identity 0 is the host, 1..3 invitees, 4 an outsider.
  json secrets = json::array();
  for (int i = 0; i < 5; ++i) secrets.push_back(hex(identity_secret("invitation/" + std::to_string(i))));
  const auto ids = identities_of(secrets);
  const std::string titles[] = {"", "Weekly sync \xe2\x80\x94 V100", std::string(4096, 'T')};
  const uint64_t sessions[] = {0, 0xffffffffffffffffull, 42};
  json cases = json::array(), mailboxes = json::array();
  for (const auto& id : ids) mailboxes.push_back(to_hex(client::mailbox_id(id.public_identity())));
  for (size_t i = 0; i < 3; ++i) {
    const size_t who = i + 1;
    const Bytes ms = derive("invitation/ms/" + std::to_string(i), 32);
    const Bytes seed = i == 0 ? Bytes{} : derive("invitation/join-seed/" + std::to_string(i), 32);
    const Bytes blob =
        client::make_invitation(ids[0], ids[who].public_identity(), ms, sessions[i], titles[i], seed);
    json attempts = json::array();
    attempts.push_back(invitation_attempt(ids, "as made", who, blob));
    attempts.push_back(invitation_attempt(ids, "addressed to someone else", 4, blob));
    const size_t pub_len = ids[0].public_identity().serialize().size();
    Bytes to = blob;
    to[8 + pub_len] ^= 1;  // the invitee user id
    attempts.push_back(invitation_attempt(ids, "invitee id altered", who, to));
    Bytes f = blob;
    f[8 + pub_len + 32 + 4 + 10] ^= 0x40;  // inside ct
    attempts.push_back(invitation_attempt(ids, "flipped ciphertext byte", who, f));
    Bytes g = blob;
    g[g.size() - 7] ^= 0x02;  // inside the signature
    attempts.push_back(invitation_attempt(ids, "flipped signature byte", who, g));
    // Another inviter's public identity in place of the host's: the signature no longer verifies.
    Bytes w(blob.begin(), blob.begin() + 8);
    const Bytes other = ids[4].public_identity().serialize();
    w.insert(w.end(), other.begin(), other.end());
    w.insert(w.end(), blob.begin() + 8 + static_cast<std::ptrdiff_t>(pub_len), blob.end());
    attempts.push_back(invitation_attempt(ids, "wrong signer", who, w));
    Bytes t(blob.begin(), blob.end() - 1);
    attempts.push_back(invitation_attempt(ids, "truncated", who, t));
    Bytes x = blob;
    x.push_back(0);
    attempts.push_back(invitation_attempt(ids, "trailing byte", who, x));
    cases.push_back({{"invitee", who},
                     {"ms", hex(ms)},
                     {"session", std::to_string(sessions[i])},
                     {"title", hex(Bytes(titles[i].begin(), titles[i].end()))},
                     {"join_seed", hex(seed)},
                     {"attempts", attempts}});
  }
  return {{"identities", secrets}, {"mailbox_ids", mailboxes}, {"cases", cases}};
}

// Reads {"identities": [secret hex], "attempts": [{"opener", "blob"}]} (invitations the TS SDK made,
// possibly tampered) and opens each natively.
json invitation_open() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  const auto ids = identities_of(in.at("identities"));
  json results = json::array();
  for (const auto& a : in.at("attempts"))
    results.push_back(opened_invitation_json(client::open_invitation(
        ids[a.at("opener").get<size_t>()], v100::from_hex(a.at("blob").get<std::string>()).value())));
  return results;
}

// ---- BFV roster ----

json bfv_decrypt_json(const client::RosterCipher& rc,
                      const std::vector<std::pair<uint16_t, Bytes>>& entries) {
  std::vector<std::pair<uint16_t, v100::ByteSpan>> spans;
  for (const auto& [slot, ct] : entries) spans.emplace_back(slot, ct);
  auto r = rc.decrypt_tokens(spans);
  if (!r) return json{{"ok", false}, {"error", r.message()}};
  json tokens = json::object();
  for (const auto& [slot, values] : *r) tokens[std::to_string(slot)] = values;
  return json{{"ok", true}, {"tokens", tokens}};
}

json bfv_cases() {
  json cases = json::array();
  // Slots: both ends of block 0, the middle of block 1, the last slot of a 16-bit slot number.
  const uint16_t slots[] = {0, 31, 45, 65535};
  for (int i = 0; i < 2; ++i) {
    const std::string tag = "bfv/" + std::to_string(i);
    const Bytes seed = derive(tag + "/seed", 32);
    client::RosterCipher rc(seed);
    const Bytes pk = rc.public_key_blob(), rk = rc.relin_keys_blob();
    const auto pk_hash = v100::hash::sha3_256(pk), rk_hash = v100::hash::sha3_256(rk);
    json c{{"seed", hex(seed)},           {"t", rc.t()},
           {"public_key_len", pk.size()}, {"public_key_sha3", hex(Bytes(pk_hash.begin(), pk_hash.end()))},
           {"relin_keys_len", rk.size()}, {"relin_keys_sha3", hex(Bytes(rk_hash.begin(), rk_hash.end()))}};
    json encs = json::array();
    std::map<uint16_t, std::vector<std::pair<uint16_t, Bytes>>> by_block;
    for (uint16_t slot : slots) {
      const std::string etag = tag + "/slot/" + std::to_string(slot);
      client::UserId uid{};
      const Bytes u = derive(etag + "/user", 32);
      std::copy(u.begin(), u.end(), uid.begin());
      const Bytes rnd = derive(etag + "/randomness", 32);
      const Bytes ct = rc.encrypt_token(slot, uid, rnd);
      encs.push_back(json{{"slot", slot},
                          {"user_id", hex(u)},
                          {"token", client::identity_token(uid, client::kTokenCoeffs)},
                          {"randomness", hex(rnd)},
                          {"ct", hex(ct)}});
      by_block[static_cast<uint16_t>(slot / client::kRosterBlockMembers)].emplace_back(slot, ct);
    }
    c["encryptions"] = encs;
    json blocks = json::array();
    for (const auto& [block, entries] : by_block) {
      json slots_json = json::array();
      for (const auto& e : entries) slots_json.push_back(e.first);
      blocks.push_back(
          json{{"block", block}, {"slots", slots_json}, {"result", bfv_decrypt_json(rc, entries)}});
    }
    c["blocks"] = blocks;
    // Malformed: truncated, one trailing byte, a flipped first (magic/version) byte, empty.
    const Bytes& good = by_block.begin()->second.front().second;
    std::vector<std::pair<std::string, Bytes>> bad = {{"truncated", Bytes(good.begin(), good.end() - 1)},
                                                      {"trailing",
                                                       [&] {
                                                         Bytes b = good;
                                                         b.push_back(0);
                                                         return b;
                                                       }()},
                                                      {"flipped-header",
                                                       [&] {
                                                         Bytes b = good;
                                                         b[0] ^= 1;
                                                         return b;
                                                       }()},
                                                      {"empty", Bytes{}}};
    json malformed = json::array();
    for (const auto& [name, b] : bad) {
      malformed.push_back(json{{"name", name}, {"ct", hex(b)}, {"result", bfv_decrypt_json(rc, {{0, b}})}});
    }
    c["malformed"] = malformed;
    cases.push_back(c);
  }
  return cases;
}

json bfv_open() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  const Bytes seed = v100::from_hex(in.at("seed").get<std::string>()).value();
  client::RosterCipher rc(seed);
  std::vector<std::pair<uint16_t, Bytes>> entries;
  for (const auto& e : in.at("entries")) {
    entries.emplace_back(e.at("slot").get<uint16_t>(), v100::from_hex(e.at("ct").get<std::string>()).value());
  }
  return bfv_decrypt_json(rc, entries);
}

// Key files the TS keystore sealed (or altered): what client::keystore_open and
// Identity::parse_secret make of each, with the native error message when refused.
json keystore_open_input() {
  const json in = json::parse(std::string(std::istreambuf_iterator<char>(std::cin), {}));
  json results = json::array();
  for (const auto& c : in.at("cases")) {
    const auto file = v100::from_hex(c.at("file").get<std::string>()).value();
    auto secret = client::keystore_open(file, c.at("passphrase").get<std::string>());
    if (!secret) {
      results.push_back({{"ok", false}, {"error", secret.message()}});
      continue;
    }
    auto id = client::Identity::parse_secret(secret->span());
    if (!id) {
      results.push_back({{"ok", false}, {"error", id.message()}});
      continue;
    }
    results.push_back({{"ok", true},
                       {"user_id", to_hex(id->public_identity().user_id())},
                       {"public_text", client::public_identity_text(id->public_identity())}});
  }
  return results;
}

json media_cases() {
  namespace mc = v100::meeting::client;
  json out = {{"headers", json::array()},
              {"parses", json::array()},
              {"patterns", json::array()},
              {"tones", json::array()}};
  const struct {
    uint8_t codec;
    uint32_t seq;
    uint64_t capture_us;
    size_t len;
  } headers[] = {{1, 0, 0, 1}, {2, 1, 1733590000123456ULL, 80}, {1, 0xffffffffU, 0xffffffffffffffffULL, 300}};
  for (const auto& h : headers) {
    const Bytes body = derive("media/" + std::to_string(h.seq), h.len);
    out["headers"].push_back(
        {{"codec", h.codec},
         {"seq", h.seq},
         {"capture_us", std::to_string(h.capture_us)},
         {"body", hex(body)},
         {"payload", hex(mc::encode_media_payload({h.codec, h.seq, h.capture_us}, body))}});
  }
  const std::string parses[] = {"",
                                "01",
                                "0100000000000000000000000000",
                                "010000000000000000000000",
                                "01000000000000000000000000ff",
                                "03000000000000000000000000ff",
                                "00000000000000000000000000ff",
                                "020100000002000000000000000a0b"};
  for (const auto& p : parses) {
    const Bytes b = v100::from_hex(p).value();
    auto r = mc::parse_media_payload(b);
    if (!r) {
      out["parses"].push_back({{"payload", p}, {"error", r.message()}});
    } else {
      out["parses"].push_back({{"payload", p},
                               {"codec", r->first.codec},
                               {"seq", r->first.seq},
                               {"capture_us", std::to_string(r->first.capture_us)},
                               {"body", hex(Bytes(r->second.begin(), r->second.end()))}});
    }
  }
  const struct {
    uint16_t sender;
    uint32_t frame;
    int w, h;
  } pats[] = {{0, 0, 640, 360}, {1, 29, 640, 360}, {7, 123456, 640, 360}, {65535, 0xffffffffU, 320, 180}};
  for (const auto& q : pats) {
    const auto pic = v100::codec::render_test_pattern(q.sender, q.frame, q.w, q.h);
    out["patterns"].push_back({{"sender", q.sender},
                               {"frame", q.frame},
                               {"width", q.w},
                               {"height", q.h},
                               {"y", to_hex(v100::hash::sha3_256(pic.y))},
                               {"u", to_hex(v100::hash::sha3_256(pic.u))},
                               {"v", to_hex(v100::hash::sha3_256(pic.v))}});
  }
  for (uint16_t s : {0, 1, 15, 16, 100}) {
    std::vector<int16_t> pcm(24000);
    v100::codec::render_tone(v100::codec::tone_frequency(s), 0, pcm);
    out["tones"].push_back({{"sender", s},
                            {"frequency", v100::codec::tone_frequency(s)},
                            {"pcm_sha3", to_hex(v100::hash::sha3_256(std::span<const uint8_t>(
                                             reinterpret_cast<const uint8_t*>(pcm.data()), pcm.size() * 2)))},
                            {"dominant", v100::codec::dominant_frequency(pcm)}});
  }
  return out;
}

}  // namespace

json ckks_cases();  // web_ref_ckks.cc

int main(int argc, char** argv) {
  const std::string_view what = argc > 1 ? argv[1] : "";
  json out;
  if (what == "pq") {
    out = pq_cases();
  } else if (what == "sframe") {
    out = sframe_cases();
  } else if (what == "sframe-open") {
    out = sframe_open();
  } else if (what == "protocol") {
    out = protocol_cases();
  } else if (what == "protocol-check") {
    out = protocol_check();
  } else if (what == "xwing") {
    out = xwing_cases();
  } else if (what == "xwing-decaps") {
    out = xwing_decaps_input();
  } else if (what == "schedule") {
    out = schedule_cases();
  } else if (what == "identity") {
    out = identity_cases();
  } else if (what == "roster") {
    out = roster_cases();
  } else if (what == "roster-open") {
    out = roster_open();
  } else if (what == "group") {
    out = group_cases();
  } else if (what == "group-open") {
    out = group_open();
  } else if (what == "invitation") {
    out = invitation_cases();
  } else if (what == "invitation-open") {
    out = invitation_open();
  } else if (what == "bfv") {
    out = bfv_cases();
  } else if (what == "bfv-open") {
    out = bfv_open();
  } else if (what == "keystore-open") {
    out = keystore_open_input();
  } else if (what == "media") {
    out = media_cases();
  } else if (what == "ckks") {
    out = ckks_cases();
  } else if (what == "lookup") {
    out = v100_web_ref::lookup_cases();
  } else if (what == "lookup-answer") {
    out = v100_web_ref::lookup_answer();
  } else {
    std::fprintf(
        stderr,
        "usage: v100_web_ref pq | sframe | sframe-open | protocol | protocol-check | xwing | xwing-decaps |\n"
        "       schedule | identity | roster | roster-open | group | group-open | invitation | "
        "invitation-open | bfv | bfv-open | keystore-open | media | ckks | lookup | lookup-answer\n");
    return 2;
  }
  std::puts(out.dump(1).c_str());
  return 0;
}
