// Test helpers for the meeting server: an in-process server on an ephemeral loopback port with
// its own temp data dir, and a Peer (a TransportClient that records every pushed message).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/rng.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/mailbox_proof.h"
#include "meeting/protocol/messages.h"
#include "meeting/protocol/transport_client.h"
#include "meeting/server/log.h"
#include "meeting/server/server.h"

namespace v100::meeting::testutil {

using namespace std::chrono_literals;
using namespace protocol;  // NOLINT

inline std::string temp_dir(const char* tag) {
  auto p = std::filesystem::temp_directory_path() / (std::string("v100-") + tag + "-" + to_hex(random_bytes(8)));
  return p.string();
}

/// A connected client that keeps every non-reply message it receives.
class Peer {
 public:
  Peer() = default;
  // The transport's I/O thread calls on_message(): stop it before the members it touches go.
  ~Peer() { client.reset(); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  static std::unique_ptr<Peer> connect(uint16_t port, const std::string& fingerprint, bool hello = true) {
    auto p = std::make_unique<Peer>();
    TransportOptions o;
    o.port = port;
    o.pin_sha256 = fingerprint;
    Peer* raw = p.get();
    auto c = TransportClient::connect(o, [raw](Bytes m) { raw->on_message(std::move(m)); });
    if (!c) {
      ADD_FAILURE() << c.message();
      return nullptr;
    }
    p->client = std::move(*c);
    if (hello) {
      auto r = p->call(Hello{});
      if (!r || !std::holds_alternative<ServerHello>(r->msg)) {
        ADD_FAILURE() << "hello failed: " << r.message();
        return nullptr;
      }
    }
    return p;
  }

  Result<Envelope> call(const Message& m, std::chrono::milliseconds t = 10s) { return client->call(m, t); }

  /// Calls and expects a reply of type T; fails the test otherwise.
  template <typename T>
  std::optional<T> expect(const Message& m) {
    auto r = call(m);
    if (!r) {
      ADD_FAILURE() << "call failed: " << r.message();
      return std::nullopt;
    }
    if (auto* e = std::get_if<Error>(&r->msg)) {
      ADD_FAILURE() << "error reply: " << e->text;
      return std::nullopt;
    }
    if (!std::holds_alternative<T>(r->msg)) {
      ADD_FAILURE() << "unexpected reply type";
      return std::nullopt;
    }
    return std::get<T>(r->msg);
  }

  /// Calls and returns the error code of the reply (0 if it was not an Error).
  int error_code(const Message& m) {
    auto r = call(m);
    if (!r) return -1;
    if (auto* e = std::get_if<Error>(&r->msg)) return static_cast<int>(e->code);
    return 0;
  }

  /// Join with the Ed25519 join seed; returns JoinAccepted. A new member then stores an (opaque,
  /// random) identity blob in its slot, as the SDK does, unless `with_identity` is false: the server
  /// announces a member to the others and counts it for the distributor only once it has one.
  std::optional<JoinAccepted> join(const Handle& h, ByteSpan seed, bool reclaim = false, uint16_t slot = 0,
                                   const SlotToken& token = {}, bool with_identity = true) {
    auto acc = join_only(h, seed, reclaim, slot, token);
    if (acc && !reclaim && with_identity && !expect<Ack>(PutKeyBlob{identity_key_kind(acc->slot), random_bytes(2000)}))
      return std::nullopt;
    return acc;
  }
  std::optional<JoinAccepted> join_only(const Handle& h, ByteSpan seed, bool reclaim, uint16_t slot,
                                        const SlotToken& token) {
    auto ch = expect<JoinChallenge>(JoinChallengeRequest{h});
    if (!ch) return std::nullopt;
    JoinProve jp;
    jp.handle = h;
    jp.nonce = ch->nonce;
    jp.proof = *make_join_proof_ed25519(seed, h, ch->nonce);
    jp.reclaim = reclaim;
    jp.reclaim_slot = slot;
    jp.reclaim_token = token;
    last_prove = jp;
    return expect<JoinAccepted>(jp);
  }

  /// Challenge + proof of work + MailboxPut; returns the reply's error code (0 on Ack).
  int mailbox_put(const MailboxId& box, const Bytes& blob, uint64_t* attempts = nullptr) {
    auto ch = expect<MailboxChallenge>(MailboxChallengeRequest{box});
    if (!ch) return -1;
    MailboxPut p{box, ch->nonce, 0, blob};
    p.work = solve_mailbox_put_work(box, blob, ch->nonce, ch->put_bits, attempts);
    return error_code(p);
  }

  /// All media frames received so far (bundles flattened), in arrival order.
  std::vector<MediaFrame> frames() {
    std::lock_guard lock(mu);
    return frames_;
  }
  size_t frame_count() {
    std::lock_guard lock(mu);
    return frames_.size();
  }
  std::vector<Message> events() {
    std::lock_guard lock(mu);
    return events_;
  }
  /// Waits until pred() over the peer holds or the timeout passes.
  template <typename Pred>
  bool wait_for(Pred pred, std::chrono::milliseconds t = 10s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, t, [&] { return pred(*this); });
  }
  size_t frames_locked() const { return frames_.size(); }
  size_t events_locked() const { return events_.size(); }

  std::unique_ptr<TransportClient> client;
  JoinProve last_prove;
  std::mutex mu;
  std::condition_variable cv;

 private:
  void on_message(Bytes m) {
    auto env = decode(m);
    std::lock_guard lock(mu);
    if (!env) {
      bad_++;
    } else if (auto* f = std::get_if<MediaFrame>(&env->msg)) {
      frames_.push_back(std::move(*f));
    } else if (auto* b = std::get_if<MediaBundle>(&env->msg)) {
      for (auto& f2 : b->frames) frames_.push_back(std::move(f2));
    } else {
      events_.push_back(std::move(env->msg));
    }
    cv.notify_all();
  }
  std::vector<MediaFrame> frames_;
  std::vector<Message> events_;
  size_t bad_ = 0;
};

/// A meeting's client-side secrets for tests (stand-ins for the SDK's derivations).
struct TestMeeting {
  Handle handle{};
  Bytes join_seed = random_bytes(32);
  TestMeeting() { random_bytes(handle); }
  CreateMeeting create_msg(uint16_t max_members = 64) const {
    CreateMeeting cm;
    cm.handle = handle;
    cm.max_members = max_members;
    cm.scheme = JoinScheme::kEd25519;
    cm.join_verifier = *ed25519_public_key(join_seed);
    cm.info_blob = random_bytes(120);
    cm.keys = {{kKeyBfvPublic, random_bytes(4096)}, {kKeyBfvGalois, random_bytes(20000)}};
    return cm;
  }
};

/// Server options for tests: fast timeouts, quiet logs.
inline server::ServerOptions test_options(const std::string& dir) {
  server::ServerOptions o;
  o.data_dir = dir;
  o.port = 0;
  o.io_threads = 2;
  o.handshake_timeout = 3000ms;
  o.idle_timeout = 10000ms;
  o.mailbox_put_base_bits = 8;  // cheap puts under sanitizers; mailbox_test checks the schedule
  return o;
}

}  // namespace v100::meeting::testutil
