// Test helpers for the meeting server: an in-process server on an ephemeral loopback port with
// its own temp data dir, and a Peer (a TransportClient that records every pushed message).
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
  auto p =
      std::filesystem::temp_directory_path() / (std::string("v100-") + tag + "-" + to_hex(random_bytes(8)));
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

  static std::unique_ptr<Peer> connect(uint16_t port, const std::string& fingerprint, bool hello = true,
                                       std::shared_ptr<TransportIoPool> pool = nullptr) {
    auto p = std::make_unique<Peer>();
    TransportOptions o;
    o.port = port;
    o.pin_sha256 = fingerprint;
    o.io_pool = std::move(pool);
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
    if (acc && !reclaim && with_identity &&
        !expect<Ack>(PutKeyBlob{identity_key_kind(acc->slot), random_bytes(2000)}))
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

/// A fixture owning an in-process server (start() with options), its data dir and its peers.
class ServerFixture : public ::testing::Test {
 protected:
  void TearDown() override {
    peers_.clear();
    if (srv_) srv_->stop();
    srv_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void start(server::ServerOptions o) {
    srv_ = std::make_unique<server::Server>(o);
    Status s = srv_->start();
    ASSERT_TRUE(s.is_ok()) << s.message();
  }
  /// A connected peer; on `pool`'s threads when given.
  Peer* add_peer(std::shared_ptr<TransportIoPool> pool = nullptr) {
    auto p = Peer::connect(srv_->port(), srv_->fingerprint(), true, std::move(pool));
    if (!p) return nullptr;
    peers_.push_back(std::move(p));
    return peers_.back().get();
  }

  std::string dir_;
  std::unique_ptr<server::Server> srv_;
  std::vector<std::unique_ptr<Peer>> peers_;
};

/// An honest meeting beside an attack: a talker streams 200-byte audio frames every 5 ms to a
/// listener until destroyed. expect_alive() checks that media still flows and that a newcomer
/// joins in under a second (the hardening issue's bar for every attack test).
class HonestMeeting {
 public:
  static std::unique_ptr<HonestMeeting> start(uint16_t port, const std::string& fingerprint) {
    auto h = std::make_unique<HonestMeeting>();
    h->port_ = port;
    h->fingerprint_ = fingerprint;
    h->talker_ = Peer::connect(port, fingerprint);
    h->listener_ = Peer::connect(port, fingerprint);
    if (!h->talker_ || !h->listener_ || !h->talker_->expect<Ack>(h->tm_.create_msg()) ||
        !h->talker_->join(h->tm_.handle, h->tm_.join_seed) ||
        !h->listener_->join(h->tm_.handle, h->tm_.join_seed) ||
        !h->listener_->expect<Ack>(Subscribe{SubscribeMode::kAll, {}}))
      return nullptr;
    HonestMeeting* raw = h.get();
    h->thread_ = std::thread([raw] {
      for (uint32_t s = 0; raw->run_; ++s) {
        if (!raw->talker_->client->send(encode_media_frame(0, MediaKind::kAudio, random_bytes(200)))) break;
        raw->sent_ = s + 1;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
    return h;
  }
  HonestMeeting() = default;
  ~HonestMeeting() {
    run_ = false;
    if (thread_.joinable()) thread_.join();
  }
  void expect_alive() {
    const size_t before = listener_->frame_count();
    EXPECT_TRUE(listener_->wait_for([&](Peer& p) { return p.frames_locked() >= before + 20; }, 5s))
        << "media stopped flowing";
    auto late = Peer::connect(port_, fingerprint_);
    ASSERT_NE(late, nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(late->join(tm_.handle, tm_.join_seed));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "join took too long";
  }
  Peer& talker() { return *talker_; }
  Peer& listener() { return *listener_; }
  const TestMeeting& meeting() const { return tm_; }
  uint32_t sent() const { return sent_; }

 private:
  uint16_t port_ = 0;
  std::string fingerprint_;
  TestMeeting tm_;
  std::unique_ptr<Peer> talker_, listener_;
  std::atomic<bool> run_{true};
  std::atomic<uint32_t> sent_{0};
  std::thread thread_;
};

/// Seconds until the server closes a raw TCP connection that sends nothing (a read sees EOF or a
/// reset); negative if the server sent data instead.
inline double seconds_until_closed(boost::asio::ip::tcp::socket& s) {
  const auto t0 = std::chrono::steady_clock::now();
  char c;
  boost::system::error_code ec;
  s.read_some(boost::asio::buffer(&c, 1), ec);
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return ec ? t : -t;
}

/// A hand-driven WebSocket-over-TLS client for attacks the SDK transport cannot make: unfinished
/// messages (non-final frames), drips, control-frame floods. Synchronous; one thread.
class RawWs {
 public:
  using Stream = boost::beast::websocket::stream<boost::beast::ssl_stream<boost::asio::ip::tcp::socket>>;

  /// Connects, handshakes TLS and WebSocket, and (if `hello`) exchanges Hello/ServerHello.
  static std::unique_ptr<RawWs> connect(uint16_t port, bool hello = true) {
    auto r = std::make_unique<RawWs>();
    boost::beast::error_code ec;
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), port);
    boost::beast::get_lowest_layer(*r->ws).connect(ep, ec);
    if (!ec) r->ws->next_layer().handshake(boost::asio::ssl::stream_base::client, ec);
    if (!ec) r->ws->handshake("127.0.0.1", "/v100", ec);
    if (ec) return nullptr;
    r->ws->binary(true);
    if (hello) {
      if (!r->send(Hello{}.encode(1))) return nullptr;
      boost::beast::flat_buffer b;
      r->ws->read(b, ec);
      if (ec) return nullptr;
    }
    return r;
  }
  RawWs() : ctx(boost::asio::ssl::context::tls_client), ws(std::make_unique<Stream>(ioc, ctx)) {
    ctx.set_verify_mode(boost::asio::ssl::verify_none);
  }

  /// One whole message.
  bool send(ByteSpan m) {
    boost::beast::error_code ec;
    ws->write(boost::asio::buffer(m.data(), m.size()), ec);
    return !ec;
  }
  /// One frame of a message (`fin`: the last one).
  bool send_part(ByteSpan m, bool fin) {
    boost::beast::error_code ec;
    ws->write_some(fin, boost::asio::buffer(m.data(), m.size()), ec);
    return !ec;
  }
  bool ping() {
    boost::beast::error_code ec;
    ws->ping({}, ec);
    return !ec;
  }
  /// Reads one whole message and decodes it.
  std::optional<Envelope> read_one() {
    boost::beast::error_code ec;
    boost::beast::flat_buffer b;
    ws->read(b, ec);
    if (ec) return std::nullopt;
    auto d = decode(ByteSpan(static_cast<const uint8_t*>(b.data().data()), b.size()));
    if (!d) return std::nullopt;
    return std::move(d).value();
  }
  /// Joins `h` with the Ed25519 join seed (challenge, proof); true on JoinAccepted.
  bool join(const Handle& h, ByteSpan seed) {
    if (!send(JoinChallengeRequest{h}.encode(2))) return false;
    auto ch = read_one();
    if (!ch || !std::holds_alternative<JoinChallenge>(ch->msg)) return false;
    const Nonce n = std::get<JoinChallenge>(ch->msg).nonce;
    JoinProve jp{h, n, *make_join_proof_ed25519(seed, h, n)};
    if (!send(jp.encode(3))) return false;
    auto acc = read_one();
    return acc && std::holds_alternative<JoinAccepted>(acc->msg);
  }
  /// Reads (and drops) until the server closes the connection or `t` passes; true if closed.
  bool closed_within(std::chrono::milliseconds t) {
    auto& sock = boost::beast::get_lowest_layer(*ws);
    const auto deadline = std::chrono::steady_clock::now() + t;
    while (std::chrono::steady_clock::now() < deadline) {
      boost::beast::error_code ec;
      if (!sock.available(ec) && !ec) {
        pollfd p{sock.native_handle(), POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(1, left.count()))) <= 0) continue;
      }
      boost::beast::flat_buffer b;
      ws->read(b, ec);
      if (ec) return true;
    }
    return false;
  }

  boost::asio::io_context ioc;
  boost::asio::ssl::context ctx;
  std::unique_ptr<Stream> ws;
};

/// Resident set size of this process in bytes (/proc/self/statm).
inline size_t rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long pages = 0, resident = 0;
  if (std::fscanf(f, "%lu %lu", &pages, &resident) != 2) resident = 0;
  std::fclose(f);
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace v100::meeting::testutil
