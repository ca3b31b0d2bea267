// Wire protocol: every message round-trips; every truncation, extension and hostile length/enum
// is rejected without crashing; join proofs match RFC 8032 and reject replays/forgeries; mailbox
// owner proofs bind key, mailbox, nonce and ids; put work is hashcash over the documented digest.
#include <gtest/gtest.h>

#include "core/rng.h"
#include "hash/sha3.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/mailbox_proof.h"
#include "meeting/protocol/messages.h"
#include "pq/mldsa/mldsa.h"

namespace v100::meeting::protocol {
namespace {

template <size_t N>
std::array<uint8_t, N> rand_arr() {
  std::array<uint8_t, N> a;
  random_bytes(a);
  return a;
}

Bytes rand_blob(size_t n) {
  return random_bytes(n);
}

// One sample of every message type with random contents.
std::vector<Message> samples() {
  std::vector<Message> v;
  v.push_back(Hello{1, 3});
  v.push_back(ServerHello{1, 16u << 20, 256u << 10, 1024});
  CreateMeeting cm;
  cm.handle = rand_arr<32>();
  cm.max_members = 64;
  cm.scheme = JoinScheme::kEd25519;
  cm.join_verifier = rand_blob(32);
  cm.info_blob = rand_blob(100);
  cm.keys = {{kKeyBfvPublic, rand_blob(1000)}, {kKeyBfvGalois, rand_blob(3000)}};
  v.push_back(cm);
  v.push_back(JoinChallengeRequest{rand_arr<32>()});
  v.push_back(JoinChallenge{rand_arr<32>()});
  v.push_back(JoinProve{rand_arr<32>(), rand_arr<32>(), rand_blob(64), false, 0, {}});
  v.push_back(JoinProve{rand_arr<32>(), rand_arr<32>(), rand_blob(64), true, 17, rand_arr<32>()});
  v.push_back(JoinAccepted{3, rand_arr<32>(), 7, 4, {{0, 1, true}, {3, 4, true}, {9, 2, false}}});
  v.push_back(GetMeeting{});
  v.push_back(MeetingInfo{64, JoinScheme::kMlDsa65, 5, rand_blob(80), {{1, 1000}, {3, 5000}}});
  v.push_back(GetKeyBlob{3});
  v.push_back(PutKeyBlob{9, rand_blob(500)});
  v.push_back(KeyBlob{3, rand_blob(700)});
  v.push_back(PutRoster{5, rand_blob(2000), rand_blob(40)});
  v.push_back(FetchRoster{0, 10});
  v.push_back(Roster{{{1, rand_blob(50), rand_blob(30)}, {4, rand_blob(60), rand_blob(20)}}, true, 5});
  v.push_back(Roster{{}, false, 0});
  v.push_back(PostEpoch{2, {{0, rand_blob(1200)}, {5, rand_blob(1200)}}});
  v.push_back(FetchEpochKey{});
  v.push_back(EpochKey{2, 0, rand_blob(1200)});
  v.push_back(Subscribe{SubscribeMode::kAll, {}});
  v.push_back(Subscribe{SubscribeMode::kList, {1, 2, 900}});
  v.push_back(MediaFrame{7, MediaKind::kVideo, rand_blob(1200)});
  v.push_back(MediaFrame{8, MediaKind::kScreen, rand_blob(3000), true, 1});
  v.push_back(MediaBundle{
      {MediaFrame{1, MediaKind::kAudio, rand_blob(100)}, MediaFrame{2, MediaKind::kData, rand_blob(10)}}});
  v.push_back(Leave{});
  v.push_back(EndMeeting{});
  v.push_back(MailboxChallengeRequest{rand_arr<32>()});
  v.push_back(MailboxChallenge{rand_arr<32>(), 17});
  v.push_back(MailboxPut{rand_arr<32>(), rand_arr<32>(), random_u64(), rand_blob(6000)});
  v.push_back(MailboxFetch{rand_arr<32>(),
                           rand_arr<32>(),
                           rand_blob(kMailboxOwnerKeyBytes),
                           {},
                           rand_blob(kMailboxOwnerSigBytes)});
  v.push_back(MailboxFetch{rand_arr<32>(),
                           rand_arr<32>(),
                           rand_blob(kMailboxOwnerKeyBytes),
                           {rand_arr<16>(), rand_arr<16>()},
                           rand_blob(kMailboxOwnerSigBytes)});
  v.push_back(MailboxItems{{{rand_arr<16>(), rand_blob(10)}, {rand_arr<16>(), rand_blob(20)}}, true});
  v.push_back(MailboxItems{{}, false});
  v.push_back(ServiceRequest{1, 2, {rand_blob(100), {}, rand_blob(3)}});
  v.push_back(ServiceResponse{1, 2, 0, {rand_blob(50)}});
  v.push_back(Ping{random_u64()});
  v.push_back(Pong{random_u64()});
  v.push_back(Ack{});
  v.push_back(Error{ErrorCode::kBadProof, "membership proof did not verify"});
  v.push_back(MemberEvent{MemberEventKind::kOffline, 12, 3});
  v.push_back(MemberEvent{MemberEventKind::kRemoved, 1023, 99});
  v.push_back(RemoveMember{7, rand_arr<32>(), rand_blob(32), rand_blob(64)});
  v.push_back(RedeemToken{rand_blob(354)});
  return v;
}

TEST(ProtocolMessages, EveryMessageRoundTrips) {
  for (const Message& m : samples()) {
    const uint32_t rid = static_cast<uint32_t>(random_u64());
    Bytes wire = encode(m, rid);
    auto h = decode_header(wire);
    ASSERT_TRUE(h.is_ok());
    EXPECT_EQ(h->request_id, rid);
    auto d = decode(wire);
    ASSERT_TRUE(d.is_ok()) << d.message();
    EXPECT_EQ(d->request_id, rid);
    EXPECT_EQ(d->msg.index(), m.index());
    EXPECT_TRUE(d->msg == m) << msg_type_name(h->type);
    // Re-encoding the decoded value gives identical bytes: the encoding is canonical.
    EXPECT_EQ(encode(d->msg, rid), wire);
  }
}

// The message table (messages.h) generates the enum, the names, the variant and decode(): every
// code it lists decodes to the alternative of that name, and no other code is accepted. The codes
// are the wire format (docs/protocol.md §3), pinned here.
TEST(ProtocolMessages, MessageTableIsConsistent) {
  size_t rows = 0;
  for (int t = 0; t < 256; ++t) {
    const auto flow = message_flow(static_cast<uint8_t>(t));
    Bytes header = {kWireVersion, static_cast<uint8_t>(t), 0, 0, 0, 0};
    EXPECT_EQ(decode_header(header).is_ok(), flow.has_value()) << t;
    if (!flow) {
      EXPECT_STREQ(msg_type_name(static_cast<uint8_t>(t)), "?");
      continue;
    }
    ++rows;
    // Codes 64.. are server -> client; below, client -> server (MediaFrame both ways).
    EXPECT_EQ(*flow == Flow::kToClient, t >= 64) << msg_type_name(static_cast<uint8_t>(t));
  }
  EXPECT_EQ(rows, std::variant_size_v<Message>);
  for (const Message& m : samples()) {
    const Bytes wire = encode(m);
    EXPECT_EQ(std::visit([](const auto& x) { return static_cast<uint8_t>(x.kType); }, m), wire[1]);
  }
  static_assert(
      static_cast<int>(MsgType::kHello) == 1 && static_cast<int>(MsgType::kMailboxChallengeRequest) == 20 &&
      static_cast<int>(MsgType::kRemoveMember) == 30 && static_cast<int>(MsgType::kRedeemToken) == 31 &&
      static_cast<int>(MsgType::kServerHello) == 64 && static_cast<int>(MsgType::kMailboxChallenge) == 78);
  static_assert(kFlowOf<MediaFrame> == Flow::kMedia && kFlowOf<CreateMeeting> == Flow::kStoringRequest &&
                kFlowOf<Ping> == Flow::kPing && kFlowOf<Hello> == Flow::kHello &&
                kFlowOf<Ack> == Flow::kToClient);
  EXPECT_STREQ(msg_type_name(static_cast<uint8_t>(MsgType::kJoinProve)), "JoinProve");
}

TEST(ProtocolMessages, HeaderLayoutIsAsDocumented) {
  Bytes wire = Ping{0x0102030405060708ull}.encode(0xA1B2C3D4u);
  ASSERT_EQ(wire.size(), kHeaderBytes + 8);
  EXPECT_EQ(wire[0], 1);                                     // wire version
  EXPECT_EQ(wire[1], static_cast<uint8_t>(MsgType::kPing));  // type 17
  EXPECT_EQ(wire[1], 17);
  EXPECT_EQ(wire[2], 0xD4);  // request id, little-endian
  EXPECT_EQ(wire[5], 0xA1);
  EXPECT_EQ(wire[6], 0x08);  // token, little-endian
  // MediaFrame: u16 slot, u8 kind, u32 len, payload.
  Bytes f = MediaFrame{0x0203, MediaKind::kVideo, Bytes{9, 9, 9}}.encode();
  Bytes expect = {1, 12, 0, 0, 0, 0, 0x03, 0x02, 1, 3, 0, 0, 0, 9, 9, 9};
  EXPECT_EQ(f, expect);
}

TEST(ProtocolMessages, EveryTruncationAndExtensionIsRejected) {
  for (const Message& m : samples()) {
    Bytes wire = encode(m, 1);
    for (size_t n = 0; n < wire.size(); ++n) {
      auto d = decode(ByteSpan(wire.data(), n));
      // A prefix may only decode if it is itself a complete, distinct valid message — which the
      // format rules out: each body's length is fully determined by its contents.
      EXPECT_FALSE(d.is_ok()) << msg_type_name(wire[1]) << " prefix " << n;
    }
    Bytes longer = wire;
    longer.push_back(0);
    EXPECT_FALSE(decode(longer).is_ok()) << msg_type_name(wire[1]) << " trailing byte";
  }
}

TEST(ProtocolMessages, TypedDecodeChecksTheType) {
  Bytes wire = Ping{1}.encode(3);
  EXPECT_TRUE(Ping::decode(wire).is_ok());
  EXPECT_FALSE(Pong::decode(wire).is_ok());
  EXPECT_FALSE(Ack::decode(wire).is_ok());
}

TEST(ProtocolMessages, HostileHeadersRejected) {
  Bytes wire = Ping{1}.encode(3);
  Bytes bad = wire;
  bad[0] = 2;  // wire version
  EXPECT_FALSE(decode(bad).is_ok());
  for (int t : {0, 21, 63, 79, 200, 255}) {
    bad = wire;
    bad[1] = static_cast<uint8_t>(t);
    EXPECT_FALSE(decode(bad).is_ok()) << t;
  }
  EXPECT_FALSE(decode(Bytes{}).is_ok());
}

TEST(ProtocolMessages, MediaEnvelopeIsOneStrictByte) {
  // Every byte either parses and re-encodes to itself, or is refused; count the valid ones from
  // the rule (kinds 0..4, layers 0..3, keyframe only on video and screen).
  int valid = 0;
  for (int b = 0; b < 256; ++b) {
    auto e = MediaEnvelope::parse(static_cast<uint8_t>(b));
    if (!e) continue;
    ++valid;
    EXPECT_EQ(e->byte(), b);
  }
  EXPECT_EQ(valid, (5 + 2) * 4);
  EXPECT_FALSE(MediaEnvelope::parse(0x08));  // keyframe bit on audio
  EXPECT_FALSE(MediaEnvelope::parse(0x05));  // unknown kind
  EXPECT_FALSE(MediaEnvelope::parse(0x41));  // reserved bit
  // On the wire: MediaFrame and MediaBundle carry it; decoders refuse a bad one.
  MediaEnvelope key{MediaKind::kScreen, true, 2};
  Bytes f = encode_media_frame(3, key, Bytes(40, 1));
  auto v = decode_media_frame_view(f);
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->env, key);
  auto full = decode(f);
  ASSERT_TRUE(full.is_ok());
  EXPECT_EQ(std::get<MediaFrame>(full->msg).envelope(), key);
  f[kHeaderBytes + 2] = 0x0A;  // keyframe bit on data
  EXPECT_FALSE(decode_media_frame_view(f).is_ok());
  EXPECT_FALSE(decode(f).is_ok());
  MediaBundle bundle;
  bundle.frames.push_back({1, MediaKind::kAudio, Bytes(10, 2)});
  bundle.frames.push_back({2, MediaKind::kVideo, Bytes(20, 3), true, 0});
  Bytes bw = bundle.encode();
  auto views = decode_media_bundle_view(bw);
  ASSERT_TRUE(views.is_ok());
  ASSERT_EQ(views->size(), 2u);
  EXPECT_EQ((*views)[1].env, (MediaEnvelope{MediaKind::kVideo, true, 0}));
  EXPECT_EQ((*views)[1].payload.size(), 20u);
  bw.push_back(0);
  EXPECT_FALSE(decode_media_bundle_view(bw).is_ok());
}

TEST(ProtocolMessages, HostileLengthsRejectedBeforeAllocation) {
  // MediaFrame claiming a 4 GiB payload.
  Bytes f = {1, 12, 0, 0, 0, 0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3};
  EXPECT_FALSE(decode(f).is_ok());
  EXPECT_FALSE(decode_media_frame_view(f).is_ok());
  // Payload over the limit but present.
  Bytes big = encode_media_frame(1, MediaKind::kAudio, Bytes(kMaxMediaPayload + 1, 7));
  EXPECT_FALSE(decode(big).is_ok());
  // Empty payload.
  EXPECT_FALSE(decode(encode_media_frame(1, MediaKind::kAudio, Bytes{})).is_ok());
  // MailboxItems claiming 60000 items in a few bytes.
  Bytes mi = {1, 74, 0, 0, 0, 0, 0x60, 0xea, 0, 0, 0, 0};
  EXPECT_FALSE(decode(mi).is_ok());
  // MailboxFetch claiming 100 ids to delete with none present.
  MailboxFetch mf{{}, {}, Bytes(kMailboxOwnerKeyBytes, 1), {}, Bytes(kMailboxOwnerSigBytes, 2)};
  Bytes mfw = mf.encode(1);
  const size_t count_at = kHeaderBytes + 64 + 4 + kMailboxOwnerKeyBytes;
  mfw[count_at] = 100;
  EXPECT_FALSE(decode(mfw).is_ok());
  // Owner key and signature lengths are exact (hostile length prefix included).
  for (size_t n : {size_t{0}, kMailboxOwnerKeyBytes - 1, kMailboxOwnerKeyBytes + 1}) {
    MailboxFetch bad = mf;
    bad.owner_key = Bytes(n, 1);
    EXPECT_FALSE(decode(bad.encode(1)).is_ok()) << n;
    bad = mf;
    bad.signature = Bytes(n == 0 ? 0 : n + kMailboxOwnerSigBytes - kMailboxOwnerKeyBytes, 2);
    EXPECT_FALSE(decode(bad.encode(1)).is_ok()) << n;
  }
  mfw = mf.encode(1);
  mfw[kHeaderBytes + 64 + 3] = 0xff;  // owner key length 0xff0007a0
  EXPECT_FALSE(decode(mfw).is_ok());
  // Duplicate ids (delete list, item list) and more ids than a mailbox holds.
  MailboxItemId same = rand_arr<16>();
  MailboxFetch dup = mf;
  dup.delete_ids = {same, same};
  EXPECT_FALSE(decode(dup.encode(1)).is_ok());
  dup.delete_ids.assign(kMaxMailboxItems + 1, {});
  for (size_t i = 0; i < dup.delete_ids.size(); ++i) dup.delete_ids[i][0] = static_cast<uint8_t>(i);
  EXPECT_FALSE(decode(dup.encode(1)).is_ok());
  EXPECT_FALSE(decode(MailboxItems{{{same, Bytes{1}}, {same, Bytes{2}}}, false}.encode(1)).is_ok());
  EXPECT_FALSE(decode(MailboxItems{{{same, Bytes{}}}, false}.encode(1)).is_ok());  // empty blob
  EXPECT_FALSE(decode(MailboxPut{{}, {}, 0, Bytes(kMaxMailboxBlobBytes + 1, 0)}.encode(1)).is_ok());
  EXPECT_FALSE(decode(MailboxPut{{}, {}, 0, Bytes{}}.encode(1)).is_ok());
  // Difficulty above the protocol's cap; `more` flag other than 0/1.
  EXPECT_FALSE(decode(MailboxChallenge{{}, kMaxMailboxPutBits + 1}.encode(1)).is_ok());
  EXPECT_TRUE(decode(MailboxChallenge{{}, kMaxMailboxPutBits}.encode(1)).is_ok());
  Bytes more = MailboxItems{{}, true}.encode(1);
  more.back() = 2;
  EXPECT_FALSE(decode(more).is_ok());
  // Roster count within bound but far more than the bytes left.
  Bytes ro = {1, 71, 0, 0, 0, 0, 0x00, 0x04, 0, 0};
  EXPECT_FALSE(decode(ro).is_ok());
}

TEST(ProtocolMessages, RangeAndEnumChecks) {
  auto enc = [](const auto& m) { return m.encode(1); };
  EXPECT_FALSE(decode(enc(MediaFrame{kMaxMembers, MediaKind::kAudio, Bytes{1}})).is_ok());
  Bytes k = enc(MediaFrame{1, MediaKind::kAudio, Bytes{1}});
  k[kHeaderBytes + 2] = 5;  // kind out of range (0..4)
  EXPECT_FALSE(decode(k).is_ok());
  EXPECT_FALSE(decode(enc(Hello{3, 1})).is_ok());  // min > max
  EXPECT_FALSE(decode(enc(Hello{0, 1})).is_ok());
  CreateMeeting cm;
  cm.max_members = 0;
  cm.join_verifier = Bytes(32, 1);
  EXPECT_FALSE(decode(enc(cm)).is_ok());
  cm.max_members = kMaxMembers + 1;
  EXPECT_FALSE(decode(enc(cm)).is_ok());
  cm.max_members = 8;
  EXPECT_TRUE(decode(enc(cm)).is_ok());
  cm.keys = {{1, Bytes{1}}, {1, Bytes{2}}};  // duplicate kinds
  EXPECT_FALSE(decode(enc(cm)).is_ok());
  cm.keys.clear();
  Bytes s = enc(cm);
  s[kHeaderBytes + 34] = 9;  // scheme byte
  EXPECT_FALSE(decode(s).is_ok());
  EXPECT_FALSE(decode(enc(PostEpoch{0, {{1, Bytes{1}}}})).is_ok());                 // epoch 0
  EXPECT_FALSE(decode(enc(PostEpoch{1, {}})).is_ok());                              // no recipients
  EXPECT_FALSE(decode(enc(PostEpoch{1, {{1, Bytes{1}}, {1, Bytes{2}}}})).is_ok());  // dup slot
  EXPECT_FALSE(decode(enc(Subscribe{SubscribeMode::kList, {4, 4}})).is_ok());
  EXPECT_FALSE(decode(enc(Roster{{{4, Bytes{1}, Bytes{1}}, {2, Bytes{1}, Bytes{1}}}, false, 0})).is_ok());
  EXPECT_FALSE(decode(enc(Roster{{}, false, 3})).is_ok());
  EXPECT_FALSE(decode(enc(Error{ErrorCode::kBadSlot, "bad\nline"})).is_ok());
  EXPECT_FALSE(decode(enc(PutRoster{1, Bytes{1}, Bytes(kMaxNameBlobBytes + 1, 0)})).is_ok());
  Bytes jp = enc(JoinProve{{}, {}, Bytes{1}, false, 0, {}});
  jp.back() = 2;  // reclaim flag must be 0/1
  EXPECT_FALSE(decode(jp).is_ok());
}

TEST(ProtocolMessages, RandomMutationsNeverCrash) {
  // Seeded SHAKE stream so a failure is reproducible.
  hash::Shake256 xof;
  xof.absorb(as_bytes("protocol-mutation-seed"));
  auto next = [&xof](size_t bound) {
    uint8_t b[8];
    xof.squeeze(b);
    uint64_t x = 0;
    for (int i = 0; i < 8; ++i) x |= static_cast<uint64_t>(b[i]) << (8 * i);
    return static_cast<size_t>(x % bound);
  };
  auto all = samples();
  size_t accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Bytes wire = encode(all[next(all.size())], 1);
    int flips = 1 + static_cast<int>(next(4));
    for (int i = 0; i < flips; ++i) wire[next(wire.size())] = static_cast<uint8_t>(next(256));
    auto d = decode(wire);
    if (d) {
      ++accepted;
      EXPECT_EQ(encode(d->msg, d->request_id), wire);  // anything accepted is canonical
    }
  }
  SUCCEED() << accepted;
}

TEST(ProtocolMessages, MediaBundleBuilderMatchesStructEncoding) {
  std::vector<MediaFrame> frames = {{3, MediaKind::kAudio, rand_blob(33)},
                                    {8, MediaKind::kVideo, rand_blob(1200)}};
  Bytes bundle;
  begin_media_bundle(bundle);
  for (const auto& f : frames) {
    Bytes one = f.encode();
    auto view = decode_media_frame_view(one);
    ASSERT_TRUE(view.is_ok());
    append_to_media_bundle(bundle, *view);
  }
  finish_media_bundle(bundle, 2);
  EXPECT_EQ(bundle, MediaBundle{frames}.encode(0));
}

// RFC 8032 §7.1, TEST 1 (empty message).
TEST(JoinProof, Ed25519MatchesRfc8032) {
  Bytes seed = *from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  Bytes pk = *from_hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  Bytes sig = *from_hex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
      "b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_EQ(*ed25519_public_key(seed), pk);
  EXPECT_EQ(*ed25519_sign(seed, ByteSpan{}), sig);
  EXPECT_TRUE(ed25519_verify(pk, ByteSpan{}, sig));
  sig[5] ^= 1;
  EXPECT_FALSE(ed25519_verify(pk, ByteSpan{}, sig));
}

TEST(JoinProof, ProofBindsHandleAndNonce) {
  Bytes seed = random_bytes(32);
  Bytes pk = *ed25519_public_key(seed);
  Handle h = rand_arr<32>();
  Nonce n = rand_arr<32>();
  Bytes proof = *make_join_proof_ed25519(seed, h, n);
  EXPECT_TRUE(verify_join_proof(JoinScheme::kEd25519, pk, h, n, proof));
  Nonce n2 = rand_arr<32>();
  EXPECT_FALSE(verify_join_proof(JoinScheme::kEd25519, pk, h, n2, proof));  // replay, new nonce
  Handle h2 = rand_arr<32>();
  EXPECT_FALSE(verify_join_proof(JoinScheme::kEd25519, pk, h2, n, proof));
  Bytes other = *ed25519_public_key(random_bytes(32));
  EXPECT_FALSE(verify_join_proof(JoinScheme::kEd25519, other, h, n, proof));
  EXPECT_FALSE(verify_join_proof(JoinScheme::kEd25519, pk, h, n, ByteSpan(proof).first(63)));
  // ML-DSA-65 is unsupported until a verifier is registered.
  EXPECT_FALSE(verify_join_proof(JoinScheme::kMlDsa65, Bytes(1952), h, n, Bytes(3309)));
  // Transcript layout: label || handle || nonce.
  Bytes t = join_transcript(h, n);
  ASSERT_EQ(t.size(), 12u + 64u);
  EXPECT_EQ(std::string(t.begin(), t.begin() + 12), "V100-join-v1");
}

namespace mailbox {

namespace mldsa = pq::mldsa;

Bytes concat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A signed owner fetch for the key pair's mailbox.
MailboxFetch signed_fetch(const mldsa::KeyPair<mldsa::kMlDsa65>& kp, const Nonce& nonce,
                          std::vector<MailboxItemId> ids, std::string_view ctx = kMailboxOwnerContext) {
  MailboxFetch f;
  f.owner_key.assign(kp.public_key.span().begin(), kp.public_key.span().end());
  f.mailbox = mailbox_id_for_owner(f.owner_key);
  f.nonce = nonce;
  f.delete_ids = std::move(ids);
  auto sig = mldsa::sign(kp.secret_key, mailbox_owner_transcript(f.mailbox, nonce, f.delete_ids),
                         mldsa::as_context(ctx));
  f.signature.assign(sig.span().begin(), sig.span().end());
  return f;
}

TEST(MailboxProof, IdAndTranscriptLayout) {
  auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  const MailboxId box = mailbox_id_for_owner(kp.public_key.span());
  EXPECT_EQ(box,
            hash::sha3_256(concat({as_bytes(std::string_view("v100/mailbox/v2")), kp.public_key.span()})));
  const Nonce n = rand_arr<32>();
  const MailboxItemId a = rand_arr<16>(), b = rand_arr<16>();
  const uint8_t count[2] = {2, 0};
  EXPECT_EQ(mailbox_owner_transcript(box, n, std::vector<MailboxItemId>{a, b}),
            concat({as_bytes(std::string_view("v100/mailbox-owner/v1")), box, n, count, a, b}));
}

TEST(MailboxProof, OwnerProofBindsKeyMailboxNonceAndIds) {
  auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  auto other = mldsa::generate_key<mldsa::kMlDsa65>();
  const Nonce n = rand_arr<32>();
  const MailboxItemId a = rand_arr<16>(), b = rand_arr<16>();
  MailboxFetch f = signed_fetch(kp, n, {a, b});
  EXPECT_TRUE(verify_mailbox_owner(f, n).is_ok());
  EXPECT_FALSE(verify_mailbox_owner(f, rand_arr<32>()).is_ok());  // replay under a new nonce
  MailboxFetch g = f;
  g.delete_ids = {a};  // fewer ids than signed
  EXPECT_FALSE(verify_mailbox_owner(g, n).is_ok());
  g.delete_ids = {b, a};  // reordered
  EXPECT_FALSE(verify_mailbox_owner(g, n).is_ok());
  g = f;
  g.mailbox = mailbox_id_for_owner(other.public_key.span());  // someone else's mailbox
  EXPECT_FALSE(verify_mailbox_owner(g, n).is_ok());
  // A stranger's own valid signature does not open the victim's mailbox.
  MailboxFetch s = signed_fetch(other, n, {a});
  s.mailbox = f.mailbox;
  EXPECT_FALSE(verify_mailbox_owner(s, n).is_ok());
  // Another context (a join proof's) or a flipped signature bit does not verify.
  EXPECT_FALSE(verify_mailbox_owner(signed_fetch(kp, n, {}, "v100/join"), n).is_ok());
  g = f;
  g.signature[100] ^= 1;
  EXPECT_FALSE(verify_mailbox_owner(g, n).is_ok());
  g = f;
  g.owner_key.pop_back();
  EXPECT_FALSE(verify_mailbox_owner(g, n).is_ok());
}

TEST(MailboxProof, PutWorkIsHashcashOverTheDocumentedDigest) {
  // leading_zero_bits on digests built by hand.
  std::array<uint8_t, 32> d{};
  EXPECT_EQ(leading_zero_bits(d), 256u);
  d[0] = 0x80;
  EXPECT_EQ(leading_zero_bits(d), 0u);
  d[0] = 0;
  d[2] = 0x10;
  EXPECT_EQ(leading_zero_bits(d), 19u);

  const MailboxId box = rand_arr<32>();
  const Nonce n = rand_arr<32>();
  const Bytes blob = rand_blob(500);
  // The digest, computed here from its definition: SHA3-256(label || mailbox || SHA3-256(blob) ||
  // nonce || u64le work).
  auto digest = [&](ByteSpan b, const Nonce& nn, uint64_t w) {
    uint8_t le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(w >> (8 * i));
    const auto bh = hash::sha3_256(b);
    return hash::sha3_256(concat({as_bytes(std::string_view("v100/mailbox-put/v1")), box, bh, nn, le}));
  };
  const uint64_t w0 = random_u64();
  EXPECT_EQ(mailbox_put_digest(box, hash::sha3_256(blob), n, w0), digest(blob, n, w0));

  constexpr unsigned kBits = 12;
  uint64_t attempts = 0;
  const uint64_t work = solve_mailbox_put_work(box, blob, n, kBits, &attempts);
  const unsigned got = leading_zero_bits(digest(blob, n, work));
  EXPECT_GE(got, kBits);
  EXPECT_EQ(attempts, work + 1);
  MailboxPut p{box, n, work, blob};
  EXPECT_TRUE(mailbox_put_work_ok(p, kBits));
  EXPECT_TRUE(mailbox_put_work_ok(p, got));
  EXPECT_FALSE(mailbox_put_work_ok(p, got + 1));
  // The work is bound to the blob and the nonce: reusing it elsewhere is judged on the new digest.
  MailboxPut q = p;
  q.blob[0] ^= 1;
  EXPECT_EQ(mailbox_put_work_ok(q, kBits), leading_zero_bits(digest(q.blob, n, work)) >= kBits);
  q = p;
  q.nonce = rand_arr<32>();
  EXPECT_EQ(mailbox_put_work_ok(q, kBits), leading_zero_bits(digest(blob, q.nonce, work)) >= kBits);
  EXPECT_THROW(solve_mailbox_put_work(box, blob, n, kMaxMailboxPutBits + 1), std::invalid_argument);
}

}  // namespace mailbox
}  // namespace
}  // namespace v100::meeting::protocol
