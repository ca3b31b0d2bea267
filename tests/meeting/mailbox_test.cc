// The invitation mailbox against a real server on loopback, attack by attack (hardening issue,
// item 5; docs/protocol.md §4 item 8):
//  * a stranger who knows the owner's public identity cannot list or delete its items: no proof,
//    a proof by the wrong key, a forged signature, a replayed or redirected proof are refused and
//    the items stay;
//  * junk in the mailbox does not stop the owner: the SDK's receive_invitations() (what
//    `v100 join --mailbox` uses) skips and counts it, returns the real invitation, deletes both;
//  * a stranger filling the mailbox pays work that rises with the fill level (the schedule is
//    checked against the server's announcements, short work is refused), is capped per connection
//    and by the capacity, and once the owner clears the junk the host's invitation lands again at
//    the base price.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "hash/sha3.h"
#include "meeting/client/client.h"
#include "meeting/client/invitation.h"
#include "server_test_util.h"

namespace v100::meeting {
namespace {

using namespace testutil;  // NOLINT
namespace fs = std::filesystem;
using client::Client;
using client::Identity;

class MailboxTest : public ::testing::Test {
 protected:
  void SetUp() override { server::set_log_stderr(false); }
  void TearDown() override {
    // Every attack ran beside an honest meeting: its media still flows and newcomers join fast.
    if (honest_) honest_->expect_alive();
    honest_.reset();
    clients_.clear();
    peers_.clear();
    if (srv_) srv_->stop();
    srv_.reset();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void start(server::ServerOptions o) {
    srv_ = std::make_unique<server::Server>(o);
    Status s = srv_->start();
    ASSERT_TRUE(s.is_ok()) << s.message();
    honest_ = HonestMeeting::start(srv_->port(), srv_->fingerprint());
    ASSERT_TRUE(honest_);
  }
  void start() {
    dir_ = temp_dir("mailbox");
    start(test_options(dir_));
  }
  Peer* add_peer() {
    auto p = Peer::connect(srv_->port(), srv_->fingerprint());
    if (!p) return nullptr;
    peers_.push_back(std::move(p));
    return peers_.back().get();
  }
  Client* add_client(std::shared_ptr<const Identity> id) {
    client::ClientOptions o;
    o.transport.port = srv_->port();
    o.transport.pin_sha256 = srv_->fingerprint();
    o.display_name = "mailbox test";
    auto c = Client::connect(std::move(id), o);
    if (!c) {
      ADD_FAILURE() << c.message();
      return nullptr;
    }
    clients_.push_back(std::move(c).value());
    return clients_.back().get();
  }
  size_t held(const MailboxId& box) {
    auto n = srv_->store()->mailbox_count(box);
    EXPECT_TRUE(n.is_ok());
    return n ? *n : 0;
  }

  std::string dir_;
  std::unique_ptr<server::Server> srv_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::unique_ptr<HonestMeeting> honest_;
};

// A MailboxFetch for `box` signed by `signer` over (box, nonce, ids), presenting `key`.
MailboxFetch owner_fetch(const Identity& signer, ByteSpan key, const MailboxId& box, const Nonce& nonce,
                         std::vector<MailboxItemId> ids) {
  MailboxFetch f;
  f.mailbox = box;
  f.nonce = nonce;
  f.owner_key.assign(key.begin(), key.end());
  f.delete_ids = std::move(ids);
  f.signature = signer.sign(mailbox_owner_transcript(box, nonce, f.delete_ids), kMailboxOwnerContext);
  return f;
}

std::shared_ptr<const Identity> new_identity() {
  return std::make_shared<const Identity>(Identity::generate());
}

TEST_F(MailboxTest, StrangerCannotListOrDeleteTheOwnersItems) {
  start();
  const Identity owner = Identity::generate();
  const Identity stranger_id = Identity::generate();
  const Bytes& owner_pk = owner.public_identity().sig_pk;
  const MailboxId box = client::mailbox_id(owner.public_identity());
  Peer* host = add_peer();
  const Bytes inv1 = random_bytes(3000), inv2 = random_bytes(4000);
  ASSERT_EQ(host->mailbox_put(box, inv1), 0);
  ASSERT_EQ(host->mailbox_put(box, inv2), 0);
  ASSERT_EQ(held(box), 2u);

  // The owner lists (deleting nothing) and learns the item ids; its fetch is recorded.
  Peer* own = add_peer();
  auto ch = own->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ch);
  auto listed = own->expect<MailboxItems>(owner_fetch(owner, owner_pk, box, ch->nonce, {}));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->items.size(), 2u);
  EXPECT_EQ(listed->items[0].blob, inv1);
  EXPECT_EQ(listed->items[1].blob, inv2);
  const std::vector<MailboxItemId> ids = {listed->items[0].id, listed->items[1].id};
  // A delete the owner signs but never sends (an attacker who recorded it from the wire).
  auto ch2 = own->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ch2);
  const MailboxFetch recorded = owner_fetch(owner, owner_pk, box, ch2->nonce, ids);

  Peer* eve = add_peer();
  const int kNoChallenge = static_cast<int>(ErrorCode::kNoChallenge);
  const int kBadProof = static_cast<int>(ErrorCode::kBadProof);
  // 1. No challenge at all: the recorded proof is refused.
  EXPECT_EQ(eve->error_code(recorded), kNoChallenge);
  // 2. Replayed on a connection with its own (different) challenge: refused.
  ASSERT_TRUE(eve->expect<MailboxChallenge>(MailboxChallengeRequest{box}));
  EXPECT_EQ(eve->error_code(recorded), kNoChallenge);
  // 3. Its own fresh nonce, the owner's public key (public by design), a signature by its own key.
  auto ech = eve->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ech);
  EXPECT_EQ(eve->error_code(owner_fetch(stranger_id, owner_pk, box, ech->nonce, ids)), kBadProof);
  // 4. Its own key and a valid signature by it: the key does not own this mailbox.
  ech = eve->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ech);
  EXPECT_EQ(
      eve->error_code(owner_fetch(stranger_id, stranger_id.public_identity().sig_pk, box, ech->nonce, ids)),
      kBadProof);
  // 5. The owner's signature over other ids than those sent (it signed "delete nothing").
  ech = eve->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ech);
  MailboxFetch widened = owner_fetch(owner, owner_pk, box, ech->nonce, {});
  widened.delete_ids = ids;
  EXPECT_EQ(eve->error_code(widened), kBadProof);
  // 6. A challenge taken for another mailbox does not serve this one.
  MailboxId elsewhere;
  random_bytes(elsewhere);
  ASSERT_TRUE(eve->expect<MailboxChallenge>(MailboxChallengeRequest{elsewhere}));
  EXPECT_EQ(eve->error_code(recorded), kNoChallenge);
  // 7. The nonce is consumed by a failed attempt: a correct retry without a new challenge fails.
  EXPECT_EQ(eve->error_code(recorded), kNoChallenge);
  EXPECT_EQ(held(box), 2u);  // nothing was deleted by any of that

  // The owner's own recorded fetch on its connection is the one that works, once.
  auto done = own->expect<MailboxItems>(recorded);
  ASSERT_TRUE(done);
  EXPECT_TRUE(done->items.empty());
  EXPECT_FALSE(done->more);
  EXPECT_EQ(held(box), 0u);
  EXPECT_EQ(own->error_code(recorded), kNoChallenge);  // replay on the same connection
}

TEST_F(MailboxTest, JunkDoesNotStopTheOwnerFromGettingTheInvitation) {
  start();
  auto host_id = new_identity(), guest_id = new_identity(), carol_id = new_identity();
  Client* host = add_client(host_id);
  Client* guest = add_client(guest_id);
  ASSERT_TRUE(host && guest);
  const MailboxId box = client::mailbox_id(guest_id->public_identity());
  const SecretBytes ms = random_seed32();
  const Bytes real = client::make_invitation(*host_id, guest_id->public_identity(), ms.span(), 7, "standup");

  // Junk before and after the real one: random bytes, a bad magic, a valid invitation for someone
  // else, a truncated copy of the real one, and the real one with a flipped signature bit.
  Peer* eve = add_peer();
  Bytes truncated(real.begin(), real.end() - 10);
  Bytes flipped = real;
  flipped[flipped.size() - 5] ^= 1;
  const Bytes for_carol = client::make_invitation(*host_id, carol_id->public_identity(), ms.span(), 7, "");
  ASSERT_EQ(eve->mailbox_put(box, random_bytes(2000)), 0);
  ASSERT_EQ(eve->mailbox_put(box, Bytes{'V', '1', '0', '0', 'I', 'N', 'V', 9}), 0);
  ASSERT_EQ(eve->mailbox_put(box, for_carol), 0);
  ASSERT_TRUE(host->post_invitation(guest_id->public_identity(), real).is_ok());
  ASSERT_EQ(eve->mailbox_put(box, truncated), 0);
  ASSERT_EQ(eve->mailbox_put(box, flipped), 0);
  ASSERT_EQ(held(box), 6u);

  auto got = guest->receive_invitations();
  ASSERT_TRUE(got.is_ok()) << got.message();
  ASSERT_EQ(got->invitations.size(), 1u);
  EXPECT_EQ(got->junk_skipped, 5u);
  const auto& inv = got->invitations[0];
  EXPECT_EQ(inv.inviter_id, host_id->user_id());
  EXPECT_EQ(inv.session, 7u);
  EXPECT_EQ(inv.title, "standup");
  EXPECT_TRUE(ct_equal(inv.meeting_secret.span(), ms.span()));
  EXPECT_EQ(held(box), 0u);  // the invitation and the junk were deleted, by id

  // Nothing left: a second read finds nothing, no error.
  auto again = guest->receive_invitations();
  ASSERT_TRUE(again.is_ok()) << again.message();
  EXPECT_TRUE(again->invitations.empty());
  EXPECT_EQ(again->junk_skipped, 0u);
}

// The work a put needs at fill level n under `o`, computed here from the documented rule.
unsigned expected_bits(const server::ServerOptions& o, size_t n) {
  return std::min<unsigned>(o.mailbox_put_max_bits,
                            o.mailbox_put_base_bits + static_cast<unsigned>(n / o.mailbox_put_items_per_bit));
}

TEST_F(MailboxTest, FillingCostsRisingWorkIsBoundedAndTheHostStillGetsIn) {
  dir_ = temp_dir("mailbox-fill");
  server::ServerOptions o = test_options(dir_);
  o.mailbox_capacity = 24;
  o.mailbox_put_base_bits = 6;
  o.mailbox_put_items_per_bit = 3;
  o.mailbox_put_max_bits = 12;
  o.mailbox_put_burst = 8;            // per connection...
  o.mailbox_puts_per_s = 1.0 / 3600;  // ...and practically no refill during the test
  start(o);
  auto host_id = new_identity(), guest_id = new_identity();
  const MailboxId box = client::mailbox_id(guest_id->public_identity());

  // The stranger fills the mailbox, 8 puts per connection. At each level the server announces the
  // rule's difficulty; a counter one bit short of it is refused (and costs a put of the budget).
  std::vector<uint64_t> attempts_per_item;
  double expected_work = 0;
  Peer* eve = nullptr;
  size_t on_this_connection = 0, connections = 0;
  while (held(box) < o.mailbox_capacity) {
    if (!eve || on_this_connection == o.mailbox_put_burst) {
      if (eve) {  // this connection's budget is spent
        auto ch = eve->expect<MailboxChallenge>(MailboxChallengeRequest{box});
        ASSERT_TRUE(ch);
        MailboxPut p{box, ch->nonce, 0, Bytes{1}};
        p.work = solve_mailbox_put_work(box, p.blob, p.nonce, ch->put_bits);
        EXPECT_EQ(eve->error_code(p), static_cast<int>(ErrorCode::kRateLimited));
      }
      eve = add_peer();
      ASSERT_TRUE(eve);
      on_this_connection = 0;
      ++connections;
    }
    const size_t n = held(box);
    const Bytes junk = random_bytes(100 + n);
    auto ch = eve->expect<MailboxChallenge>(MailboxChallengeRequest{box});
    ASSERT_TRUE(ch);
    const unsigned bits = expected_bits(o, n);
    ASSERT_EQ(ch->put_bits, bits) << "fill level " << n;
    if (n % 5 == 0 && bits > 0) {
      // Short work: the first counter with exactly bits-1 leading zero bits.
      const auto bh = hash::sha3_256(junk);
      uint64_t w = 0;
      while (leading_zero_bits(mailbox_put_digest(box, bh, ch->nonce, w)) != bits - 1) ++w;
      EXPECT_EQ(eve->error_code(MailboxPut{box, ch->nonce, w, junk}), static_cast<int>(ErrorCode::kBadProof));
      EXPECT_EQ(held(box), n);
      ++on_this_connection;
      if (on_this_connection == o.mailbox_put_burst) continue;
      ch = eve->expect<MailboxChallenge>(MailboxChallengeRequest{box});
      ASSERT_TRUE(ch);
    }
    uint64_t attempts = 0;
    MailboxPut p{box, ch->nonce, 0, junk};
    p.work = solve_mailbox_put_work(box, junk, ch->nonce, ch->put_bits, &attempts);
    ASSERT_EQ(eve->error_code(p), 0) << "fill level " << n;
    ++on_this_connection;
    attempts_per_item.push_back(attempts);
    expected_work += std::ldexp(1.0, static_cast<int>(bits));
  }
  // Bounded: the capacity holds, however much more work is offered.
  ASSERT_EQ(held(box), o.mailbox_capacity);
  ASSERT_EQ(eve->mailbox_put(box, Bytes{2}), static_cast<int>(ErrorCode::kMailboxFull));
  EXPECT_EQ(held(box), o.mailbox_capacity);
  // Needed more than one connection: the per-connection budget binds.
  EXPECT_GE(connections, (o.mailbox_capacity + o.mailbox_put_burst - 1) / o.mailbox_put_burst);
  // The price of the last item is 2^(max-base) times that of the first, and the whole fill costs
  // more than capacity * 2^base: growth, from the schedule the server enforced above.
  EXPECT_EQ(expected_bits(o, o.mailbox_capacity - 1) - expected_bits(o, 0),
            o.mailbox_put_max_bits - o.mailbox_put_base_bits);
  EXPECT_GT(expected_work, 10.0 * static_cast<double>(o.mailbox_capacity) *
                               std::ldexp(1.0, static_cast<int>(o.mailbox_put_base_bits)));
  uint64_t first = 0, last = 0;
  for (size_t i = 0; i < 6; ++i) {
    first += attempts_per_item[i];
    last += attempts_per_item[attempts_per_item.size() - 1 - i];
  }
  std::printf(
      "fill of %zu items: expected %.0f digests (%.1fx the flat base price), measured first 6 "
      "items %llu, last 6 items %llu digests, %zu connections\n",
      o.mailbox_capacity, expected_work,
      expected_work / (static_cast<double>(o.mailbox_capacity) *
                       std::ldexp(1.0, static_cast<int>(o.mailbox_put_base_bits))),
      static_cast<unsigned long long>(first), static_cast<unsigned long long>(last), connections);

  // The host's invitation is refused while the mailbox is full...
  Client* host = add_client(host_id);
  Client* guest = add_client(guest_id);
  ASSERT_TRUE(host && guest);
  const SecretBytes ms = random_seed32();
  const Bytes real = client::make_invitation(*host_id, guest_id->public_identity(), ms.span(), 1, "");
  Status refused = host->post_invitation(guest_id->public_identity(), real);
  EXPECT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("server error 13"), std::string::npos)
      << refused.message();  // kMailboxFull
  // ...until the owner's next read judges the stranger's items junk and deletes them; then the
  // price is back to the base and the invitation lands and is received.
  auto cleared = guest->receive_invitations();
  ASSERT_TRUE(cleared.is_ok()) << cleared.message();
  EXPECT_EQ(cleared->junk_skipped, o.mailbox_capacity);
  EXPECT_TRUE(cleared->invitations.empty());
  EXPECT_EQ(held(box), 0u);
  Peer* probe = add_peer();
  auto ch = probe->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->put_bits, o.mailbox_put_base_bits);
  ASSERT_TRUE(host->post_invitation(guest_id->public_identity(), real).is_ok());
  auto got = guest->receive_invitations();
  ASSERT_TRUE(got.is_ok()) << got.message();
  ASSERT_EQ(got->invitations.size(), 1u);
  EXPECT_EQ(got->invitations[0].inviter_id, host_id->user_id());
  EXPECT_TRUE(ct_equal(got->invitations[0].meeting_secret.span(), ms.span()));
}

TEST_F(MailboxTest, PutNeedsAFreshChallengeForThatMailbox) {
  start();
  Peer* p = add_peer();
  MailboxId box, other;
  random_bytes(box);
  random_bytes(other);
  const Bytes blob = random_bytes(300);
  const int kNoChallenge = static_cast<int>(ErrorCode::kNoChallenge);
  // No challenge.
  EXPECT_EQ(p->error_code(MailboxPut{box, {}, 0, blob}), kNoChallenge);
  // A challenge for another mailbox, with work solved for this one under that nonce.
  auto ch = p->expect<MailboxChallenge>(MailboxChallengeRequest{other});
  ASSERT_TRUE(ch);
  MailboxPut put{box, ch->nonce, 0, blob};
  put.work = solve_mailbox_put_work(box, blob, ch->nonce, ch->put_bits);
  EXPECT_EQ(p->error_code(put), kNoChallenge);
  // A valid put, then the same bytes again: the nonce was consumed.
  ch = p->expect<MailboxChallenge>(MailboxChallengeRequest{box});
  ASSERT_TRUE(ch);
  put.nonce = ch->nonce;
  put.work = solve_mailbox_put_work(box, blob, ch->nonce, ch->put_bits);
  EXPECT_EQ(p->error_code(put), 0);
  EXPECT_EQ(p->error_code(put), kNoChallenge);
  EXPECT_EQ(held(box), 1u);
  EXPECT_EQ(held(other), 0u);
}

}  // namespace
}  // namespace v100::meeting
