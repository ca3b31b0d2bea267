// Client SDK public-key layer: identities (user id formula, key-file round trip), invitations,
// epoch blobs, security codes, roster blobs and identity tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/rng.h"
#include "hash/sha3.h"
#include "meeting/client/group.h"
#include "meeting/client/invitation.h"
#include "meeting/client/keystore.h"
#include "meeting/client/roster.h"
#include "meeting/client/roster_bfv.h"
#include "meeting/client/schedule.h"
#include "meeting/protocol/messages.h"

namespace v100::meeting::client {
namespace {

const Identity& alice() {
  static Identity id = Identity::generate();
  return id;
}
const Identity& bob() {
  static Identity id = Identity::generate();
  return id;
}
const Identity& carol() {
  static Identity id = Identity::generate();
  return id;
}

Bytes to_bytes(const SecretBytes& s) {
  return Bytes(s.span().begin(), s.span().end());
}

TEST(ClientIdentity, UserIdAndSizes) {
  const PublicIdentity& p = alice().public_identity();
  EXPECT_EQ(p.sig_pk.size(), 1952u);
  EXPECT_EQ(p.kem_pk.size(), 1216u);
  // user_id = SHA3-256("v100/user-id" || u32le |sig_pk| || sig_pk || u32le |kem_pk| || kem_pk).
  Bytes m(as_bytes("v100/user-id").begin(), as_bytes("v100/user-id").end());
  for (const Bytes* k : {&p.sig_pk, &p.kem_pk}) {
    uint32_t n = static_cast<uint32_t>(k->size());
    for (int i = 0; i < 4; ++i) m.push_back(static_cast<uint8_t>(n >> (8 * i)));
    m.insert(m.end(), k->begin(), k->end());
  }
  EXPECT_EQ(alice().user_id(), hash::sha3_256(m));
  EXPECT_NE(alice().user_id(), bob().user_id());
  auto parsed = PublicIdentity::parse(p.serialize());
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->user_id(), alice().user_id());
  Bytes bad = p.serialize();
  bad.pop_back();
  EXPECT_FALSE(PublicIdentity::parse(bad).is_ok());
}

TEST(ClientIdentity, KeyFileRoundTrip) {
  Bytes file = keystore_seal(alice().serialize_secret().span(), "pw", ScryptParams{10, 8, 1});
  auto secret = keystore_open(file, "pw");
  ASSERT_TRUE(secret.is_ok());
  auto loaded = Identity::parse_secret(secret->span());
  ASSERT_TRUE(loaded.is_ok()) << loaded.message();
  EXPECT_EQ(loaded->user_id(), alice().user_id());
  // The loaded key signs and decapsulates like the original.
  Bytes sig = loaded->sign(as_bytes("m"), kCtxRoster);
  EXPECT_TRUE(verify_signature(alice().public_identity(), as_bytes("m"), kCtxRoster, sig));
  EXPECT_FALSE(verify_signature(alice().public_identity(), as_bytes("m"), kCtxEpoch, sig));
  EXPECT_FALSE(verify_signature(bob().public_identity(), as_bytes("m"), kCtxRoster, sig));
  Encapsulation enc = encapsulate_to(alice().public_identity());
  auto ss = alice().decapsulate(enc.ciphertext);
  ASSERT_TRUE(ss.is_ok());
  EXPECT_EQ(to_bytes(*ss), to_bytes(enc.shared_secret));
  EXPECT_FALSE(Identity::parse_secret(ByteSpan(secret->data(), 10)).is_ok());
}

TEST(ClientIdentity, SaveLoadAndPublicText) {
  std::string path = ::testing::TempDir() + "/v100-id-" + to_hex(random_bytes(6)) + ".key";
  ASSERT_TRUE(save_identity(path, bob(), "s3cret", ScryptParams{10, 8, 1}).is_ok());
  auto loaded = load_identity(path, "s3cret");
  ASSERT_TRUE(loaded.is_ok()) << loaded.message();
  EXPECT_EQ(loaded->user_id(), bob().user_id());
  EXPECT_FALSE(load_identity(path, "wrong").is_ok());
  EXPECT_FALSE(load_identity(path + ".missing", "s3cret").is_ok());
  std::remove(path.c_str());
  std::string text = public_identity_text(bob().public_identity());
  auto parsed = parse_public_identity_text("  " + text + "\n");
  ASSERT_TRUE(parsed.is_ok()) << parsed.message();
  EXPECT_EQ(parsed->user_id(), bob().user_id());
  EXPECT_FALSE(parse_public_identity_text(text.substr(1)).is_ok());
  EXPECT_FALSE(parse_public_identity_text(text.substr(0, text.size() - 3)).is_ok());
}

TEST(ClientInvitation, RoundTripAndRejections) {
  SecretBytes ms = KeySchedule::generate_secret();
  Bytes inv = make_invitation(alice(), bob().public_identity(), ms.span(), 7, "Weekly sync");
  auto opened = open_invitation(bob(), inv);
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  EXPECT_EQ(to_bytes(opened->meeting_secret), to_bytes(ms));
  EXPECT_EQ(opened->session, 7u);
  EXPECT_EQ(opened->title, "Weekly sync");
  EXPECT_EQ(opened->inviter_id, alice().user_id());
  // Not for carol; any flipped byte is rejected; truncation is rejected.
  EXPECT_FALSE(open_invitation(carol(), inv).is_ok());
  for (size_t i = 0; i < inv.size(); i += 97) {
    Bytes bad = inv;
    bad[i] ^= 0x40;
    EXPECT_FALSE(open_invitation(bob(), bad).is_ok()) << i;
  }
  EXPECT_FALSE(open_invitation(bob(), ByteSpan(inv.data(), inv.size() - 1)).is_ok());
  EXPECT_FALSE(open_invitation(bob(), {}).is_ok());
  // The mailbox id depends on the invitee's ML-DSA key only (the server checks the owner proof
  // against it) and is not the user id itself: SHA3-256("v100/mailbox/v2" || sig_pk).
  Bytes pre(as_bytes(std::string_view("v100/mailbox/v2")).begin(),
            as_bytes(std::string_view("v100/mailbox/v2")).end());
  pre.insert(pre.end(), bob().public_identity().sig_pk.begin(), bob().public_identity().sig_pk.end());
  EXPECT_EQ(mailbox_id(bob().public_identity()), hash::sha3_256(pre));
  EXPECT_NE(mailbox_id(bob().public_identity()), mailbox_id(carol().public_identity()));
  EXPECT_NE(mailbox_id(bob().public_identity()), bob().user_id());
}

TEST(ClientGroup, EpochBlobOpensOnlyForItsRecipient) {
  SecretBytes ms = KeySchedule::generate_secret();
  KeySchedule ks(ms.span());
  auto handle = ks.handle(1);
  Bytes fresh = random_bytes(32);
  std::vector<uint16_t> slots = {0, 3, 9};
  Bytes for_bob = make_epoch_blob(alice(), 0, handle, 4, slots, 3, bob().public_identity(), fresh);
  auto hdr = peek_epoch_blob(for_bob);
  ASSERT_TRUE(hdr.is_ok());
  EXPECT_EQ(hdr->epoch, 4u);
  EXPECT_EQ(hdr->distributor_slot, 0u);
  EXPECT_EQ(hdr->member_slots, slots);
  auto opened = open_epoch_blob(bob(), 3, alice().public_identity(), handle, for_bob);
  ASSERT_TRUE(opened.is_ok()) << opened.message();
  EXPECT_EQ(to_bytes(opened->fresh), fresh);
  // Carol cannot open Bob's blob, even claiming his slot; a wrong distributor key, another
  // meeting's handle, or a flipped byte all fail.
  EXPECT_FALSE(open_epoch_blob(carol(), 3, alice().public_identity(), handle, for_bob).is_ok());
  EXPECT_FALSE(open_epoch_blob(bob(), 9, alice().public_identity(), handle, for_bob).is_ok());
  EXPECT_FALSE(open_epoch_blob(bob(), 3, carol().public_identity(), handle, for_bob).is_ok());
  auto other = ks.handle(2);
  EXPECT_FALSE(open_epoch_blob(bob(), 3, alice().public_identity(), other, for_bob).is_ok());
  for (size_t i = 0; i < for_bob.size(); i += 151) {
    Bytes bad = for_bob;
    bad[i] ^= 2;
    EXPECT_FALSE(open_epoch_blob(bob(), 3, alice().public_identity(), handle, bad).is_ok()) << i;
  }
  EXPECT_THROW(make_epoch_blob(alice(), 0, handle, 4, {0, 3}, 9, bob().public_identity(), fresh),
               std::invalid_argument);
  EXPECT_THROW(make_epoch_blob(alice(), 0, handle, 4, {3, 0, 9}, 3, bob().public_identity(), fresh),
               std::invalid_argument);
}

TEST(ClientGroup, SecurityCode) {
  std::vector<UserId> m = {alice().user_id(), bob().user_id(), carol().user_id()};
  std::string code = security_code(m);
  EXPECT_EQ(code.size(), 23u);
  std::reverse(m.begin(), m.end());
  EXPECT_EQ(security_code(m), code);  // order does not matter
  m.pop_back();
  EXPECT_NE(security_code(m), code);  // membership does
  UserId injected = carol().user_id();
  injected[31] ^= 1;
  EXPECT_NE(security_code({alice().user_id(), bob().user_id(), injected}), code);
}

TEST(ClientRoster, NameAndIdentityBlobs) {
  SecretBytes ms = KeySchedule::generate_secret();
  KeySchedule ks(ms.span());
  auto handle = ks.handle(1);
  SecretBytes rk = ks.roster_key(1);
  Bytes nb = seal_name_blob(rk.span(), handle, 5, "Zoë", bob().user_id());
  EXPECT_LE(nb.size(), 1024u);
  // Constant size: the name's length does not show.
  EXPECT_EQ(seal_name_blob(rk.span(), handle, 5, "A much longer display name", bob().user_id()).size(),
            nb.size());
  auto ne = open_name_blob(rk.span(), handle, 5, nb);
  ASSERT_TRUE(ne.is_ok());
  EXPECT_EQ(ne->display_name, "Zoë");
  EXPECT_EQ(ne->user_id, bob().user_id());
  EXPECT_FALSE(open_name_blob(rk.span(), handle, 6, nb).is_ok());
  EXPECT_THROW(seal_name_blob(rk.span(), handle, 5, std::string(201, 'x'), bob().user_id()),
               std::invalid_argument);

  Bytes ib = seal_identity_blob(bob(), rk.span(), handle, 5, 11, "Zoë");
  auto ie = open_identity_blob(rk.span(), handle, 5, 11, ib);
  ASSERT_TRUE(ie.is_ok()) << ie.message();
  EXPECT_EQ(ie->user_id, bob().user_id());
  EXPECT_EQ(ie->display_name, "Zoë");
  EXPECT_FALSE(open_identity_blob(rk.span(), handle, 5, 12, ib).is_ok());
  EXPECT_FALSE(open_identity_blob(rk.span(), handle, 4, 11, ib).is_ok());
  SecretBytes rk2 = ks.roster_key(2);
  EXPECT_FALSE(open_identity_blob(rk2.span(), handle, 5, 11, ib).is_ok());
  // Kinds are per slot, in the server-policed range, one per slot, none outside it.
  EXPECT_EQ(protocol::identity_kind_slot(protocol::identity_key_kind(5)), 5);
  EXPECT_EQ(protocol::identity_kind_slot(protocol::identity_key_kind(1023)), 1023);
  EXPECT_EQ(protocol::identity_kind_slot(protocol::kKeyHostVerifier), -1);
  EXPECT_EQ(protocol::identity_kind_slot(protocol::kKeyBfvPublic), -1);
  EXPECT_EQ(protocol::identity_kind_slot(static_cast<uint16_t>(protocol::kIdentityKeyKindBase + 1024)), -1);
}

TEST(ClientRoster, TokenIsDeterministicAndDistinct) {
  auto a = identity_token(alice().user_id());
  ASSERT_EQ(a.size(), kTokenCoeffs);
  // A shorter token is a prefix of a longer one.
  auto longer = identity_token(alice().user_id(), 2 * kTokenCoeffs);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), longer.begin()));
  EXPECT_EQ(a, identity_token(alice().user_id()));
  EXPECT_NE(a, identity_token(bob().user_id()));
  // The token is SHAKE256("v100/token/v1" || user id) as little-endian u16s.
  hash::Shake256 x;
  x.absorb(as_bytes("v100/token/v1"));
  x.absorb(alice().user_id());
  uint8_t b[4];
  x.squeeze(b);
  EXPECT_EQ(a[0], b[0] | (b[1] << 8));
  EXPECT_EQ(a[1], b[2] | (b[3] << 8));
}

TEST(ClientRoster, BfvSlotHoldsTokenThenZeroPadding) {
  // Two members of one block and one of the next: each slot decrypts to its token followed by
  // kSlotCoeffs - kTokenCoeffs zeros (the look-up's layout), whatever its neighbours hold.
  Bytes seed = random_bytes(32);
  RosterCipher rc(seed);
  Bytes c0 = rc.encrypt_token(0, alice().user_id());
  Bytes c1 = rc.encrypt_token(1, bob().user_id());
  Bytes c33 = rc.encrypt_token(33, alice().user_id());
  auto tokens = rc.decrypt_tokens({{0, c0}, {1, c1}, {33, c33}});
  ASSERT_TRUE(tokens.is_ok()) << tokens.message();
  const UserId a = alice().user_id(), b = bob().user_id();
  for (auto [slot, who] : {std::pair<uint16_t, UserId>{0, a}, {1, b}, {33, a}}) {
    const auto& got = tokens->at(slot);
    ASSERT_EQ(got.size(), kSlotCoeffs);
    auto want = identity_token(who, kTokenCoeffs);
    for (size_t i = 0; i < kSlotCoeffs; ++i)
      EXPECT_EQ(got[i], i < kTokenCoeffs ? want[i] : 0u) << slot << ":" << i;
  }
}

}  // namespace
}  // namespace v100::meeting::client
