// End-to-end harness: an in-process server on a loopback port with its own data dir, and
// participants (Client SDK instances with fresh identities) that record every frame they decrypt.
// Frames carry a self-describing payload (sender index, sequence number, SHAKE256 filler) so a
// receiver checks "intact and in order per sender" against an independent model.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/rng.h"
#include "hash/sha3.h"
#include "meeting/client/client.h"
#include "meeting/client/group.h"
#include "meeting/client/invitation.h"
#include "meeting/server/server.h"

namespace v100::meeting::e2e {

using namespace std::chrono_literals;
using client::Client;
using client::ClientOptions;
using client::DecryptedFrame;
using client::Identity;

inline std::string temp_dir(const char* tag) {
  auto p = std::filesystem::temp_directory_path() /
           (std::string("v100-e2e-") + tag + "-" + to_hex(random_bytes(8)));
  return p.string();
}

/// The payload participant `sender` sends as frame `seq`: u16 sender || u32 seq || filler, where the
/// filler is SHAKE256("e2e" || sender || seq) and the length varies with seq (40..1239 bytes).
inline Bytes model_payload(uint16_t sender, uint32_t seq) {
  size_t len = 40 + (seq * 7919u) % 1200;
  Bytes p(len);
  p[0] = static_cast<uint8_t>(sender);
  p[1] = static_cast<uint8_t>(sender >> 8);
  for (int i = 0; i < 4; ++i) p[2 + i] = static_cast<uint8_t>(seq >> (8 * i));
  hash::Shake256 x;
  x.absorb(as_bytes("e2e"));
  x.absorb(ByteSpan(p.data(), 6));
  x.squeeze(MutableByteSpan(p.data() + 6, len - 6));
  return p;
}

/// One participant: identity, client, and what it decrypted per sender slot.
struct Participant {
  std::string name;
  uint16_t index = 0;  ///< position in the test's list (goes into payloads)
  std::shared_ptr<const Identity> id;
  std::unique_ptr<Client> client;

  std::mutex mu;
  std::condition_variable cv;
  std::map<uint16_t, std::vector<uint32_t>> seqs;  ///< per sender slot, in arrival order
  size_t corrupt = 0;                              ///< payload not equal to the model
  size_t unverified = 0;                           ///< frames without a verified sender identity
  size_t total = 0;

  void on_frame(const DecryptedFrame& f) {
    std::lock_guard lk(mu);
    ++total;
    if (f.payload.size() < 6) {
      ++corrupt;
      return;
    }
    uint16_t sender = static_cast<uint16_t>(f.payload[0] | (f.payload[1] << 8));
    uint32_t seq = 0;
    for (int i = 0; i < 4; ++i) seq |= uint32_t{f.payload[2 + i]} << (8 * i);
    if (f.payload != model_payload(sender, seq)) ++corrupt;
    if (!f.identity_verified) ++unverified;
    seqs[f.slot].push_back(seq);
    cv.notify_all();
  }

  ~Participant() { client.reset(); }  // stop deliveries before the counters below are destroyed

  size_t received_total() {
    std::lock_guard lk(mu);
    return total;
  }

  bool wait_total(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lk(mu);
    return cv.wait_for(lk, timeout, [&] { return total >= n; });
  }
};

/// Server + participants.
class Harness {
 public:
  /// `tweak` adjusts the server options (short expiry times in tests).
  explicit Harness(const char* tag, std::string data_dir = "",
                   std::function<void(server::ServerOptions&)> tweak = {}) {
    dir_ = data_dir.empty() ? temp_dir(tag) : data_dir;
    std::filesystem::create_directories(dir_);
    server::ServerOptions o;
    o.data_dir = dir_;
    o.port = 0;
    if (tweak) tweak(o);
    server_ = std::make_unique<server::Server>(o);
    Status st = server_->start();
    if (!st) throw std::runtime_error("server start: " + st.message());
  }
  ~Harness() {
    // Clients first: a client's I/O thread may still be handing a frame to its participant, whose
    // counters must outlive it (a Participant's own members would otherwise go before its client).
    for (auto& p : people) p->client.reset();
    people.clear();
    if (server_) server_->stop();
    if (remove_dir_) std::filesystem::remove_all(dir_);
  }

  const std::string& dir() const { return dir_; }
  void keep_dir() { remove_dir_ = false; }
  server::Server& server() { return *server_; }
  void stop_server() { server_->stop(); }
  /// Stops the server and starts a new one on the same data dir (and port, when it is free).
  void restart_server() {
    uint16_t port = server_->port();
    server_->stop();
    server_.reset();
    server::ServerOptions o;
    o.data_dir = dir_;
    o.port = port;
    server_ = std::make_unique<server::Server>(o);
    Status st = server_->start();
    if (!st) {  // the old port is taken: any port will do, clients are told the new one
      o.port = 0;
      server_ = std::make_unique<server::Server>(o);
      st = server_->start();
    }
    if (!st) throw std::runtime_error("server restart: " + st.message());
  }
  /// Transport options for the current server.
  protocol::TransportOptions transport() const {
    protocol::TransportOptions t;
    t.port = server_->port();
    t.pin_sha256 = server_->fingerprint();
    return t;
  }

  /// A new participant with a fresh identity, connected (not yet in a meeting).
  Participant& add(const std::string& name) {
    auto p = std::make_unique<Participant>();
    p->name = name;
    p->index = static_cast<uint16_t>(people.size());
    p->id = std::make_shared<const Identity>(Identity::generate());
    ClientOptions o;
    o.transport.port = server_->port();
    o.transport.pin_sha256 = server_->fingerprint();
    o.display_name = name;
    auto c = Client::connect(p->id, o);
    if (!c) throw std::runtime_error("connect: " + c.message());
    p->client = std::move(c).value();
    Participant* raw = p.get();
    p->client->set_frame_handler([raw](const DecryptedFrame& f) { raw->on_frame(f); });
    people.push_back(std::move(p));
    return *people.back();
  }

  std::vector<std::unique_ptr<Participant>> people;

 private:
  std::string dir_;
  bool remove_dir_ = true;
  std::unique_ptr<server::Server> server_;
};

}  // namespace v100::meeting::e2e
