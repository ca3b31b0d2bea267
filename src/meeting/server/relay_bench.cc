#include "meeting/server/relay_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "hash/sha3.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/transport_client.h"
#include "meeting/server/log.h"
#include "meeting/server/server.h"

namespace v100::meeting::server {
namespace {

using namespace protocol;  // NOLINT
using Clock = std::chrono::steady_clock;
constexpr uint16_t kBurnService = 0xFF00;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Per-receiver tallies, written only by that client's I/O thread until the run ends.
struct Receiver {
  std::mutex mu;
  std::vector<float> latency_ms;
  uint64_t delivered = 0;
  void on_message(const Bytes& m) {
    auto env = decode(m);
    if (!env) return;
    const int64_t now = now_ns();
    auto record = [&](const MediaFrame& f) {
      if (f.payload.size() < 8) return;
      int64_t t = 0;
      for (int i = 0; i < 8; ++i) t |= static_cast<int64_t>(f.payload[i]) << (8 * i);
      std::lock_guard lock(mu);
      latency_ms.push_back(static_cast<float>((now - t) / 1e6));
      ++delivered;
    };
    if (auto* f = std::get_if<MediaFrame>(&env->msg)) record(*f);
    if (auto* b = std::get_if<MediaBundle>(&env->msg))
      for (const auto& f : b->frames) record(f);
  }
};

}  // namespace

Result<RelayBenchResult> run_relay_bench(const RelayBenchOptions& opt) {
  using R = Result<RelayBenchResult>;
  if (opt.participants < 2 || opt.participants > 1024 || opt.fps < 1 || opt.frame_bytes < 16 ||
      opt.frame_bytes > kMaxMediaPayload || opt.seconds <= 0)
    return R::error("bench-relay: parameters out of range");
  namespace fs = std::filesystem;
  const std::string dir = (fs::temp_directory_path() / ("v100-relay-bench-" + to_hex(random_bytes(6)))).string();
  set_log_stderr(false);
  ServerOptions so;
  so.data_dir = dir;
  so.io_threads = opt.io_threads;
  so.log_to_file = false;
  so.max_connections = static_cast<size_t>(opt.participants) + 16;
  std::atomic<uint64_t> burned{0};
  RelayBenchResult res;
  {
    Server server(so);
    server.register_service(kBurnService, [&burned](const ServiceCall&) -> Result<ServiceReply> {
      // Stand-in for an FHE job: ~2 ms of Keccak on this machine class.
      Bytes buf(1 << 20);
      hash::Shake256 x;
      x.absorb(buf);
      x.squeeze(buf);
      burned.fetch_add(1);
      return ServiceReply{};
    });
    Status st = server.start();
    if (!st) return st;

    TransportOptions to;
    to.port = server.port();
    to.pin_sha256 = server.fingerprint();
    Handle handle;
    random_bytes(handle);
    Bytes seed = random_bytes(32);
    std::vector<std::unique_ptr<Receiver>> receivers;
    std::vector<std::unique_ptr<TransportClient>> clients;
    std::vector<uint16_t> slots;
    for (int i = 0; i < opt.participants; ++i) {
      receivers.push_back(std::make_unique<Receiver>());
      receivers.back()->latency_ms.reserve(static_cast<size_t>(opt.fps * opt.seconds * opt.participants) + 64);
      Receiver* r = receivers.back().get();
      auto c = TransportClient::connect(to, [r](Bytes m) { r->on_message(m); });
      if (!c) return c.status();
      auto call = [&](const Message& m) -> Result<Envelope> {
        auto e = (*c)->call(m, std::chrono::seconds(10));
        if (e && std::holds_alternative<Error>(e->msg)) return Result<Envelope>::error(std::get<Error>(e->msg).text);
        return e;
      };
      if (auto e = call(Hello{}); !e) return e.status();
      if (i == 0) {
        CreateMeeting cm;
        cm.handle = handle;
        cm.max_members = static_cast<uint16_t>(std::min<int>(opt.participants, kMaxMembers));
        cm.join_verifier = *ed25519_public_key(seed);
        cm.info_blob = random_bytes(64);
        if (auto e = call(cm); !e) return e.status();
      }
      auto ch = call(JoinChallengeRequest{handle});
      if (!ch) return ch.status();
      const Nonce nonce = std::get<JoinChallenge>(ch->msg).nonce;
      auto acc = call(JoinProve{handle, nonce, *make_join_proof_ed25519(seed, handle, nonce), false, 0, {}});
      if (!acc) return acc.status();
      slots.push_back(std::get<JoinAccepted>(acc->msg).slot);
      if (auto e = call(Subscribe{SubscribeMode::kAll, {}}); !e) return e.status();
      clients.push_back(std::move(*c));
    }

    // Optional FHE load: a separate client keeps the worker pool busy.
    std::atomic<bool> running{true};
    std::thread fhe_thread;
    std::unique_ptr<TransportClient> fhe_client;
    if (opt.fhe_jobs_per_s > 0) {
      auto c = TransportClient::connect(to);
      if (!c) return c.status();
      fhe_client = std::move(*c);
      (void)fhe_client->call(Hello{}, std::chrono::seconds(5));
      fhe_thread = std::thread([&] {
        const auto period = std::chrono::nanoseconds(1000000000LL / opt.fhe_jobs_per_s);
        auto next = Clock::now();
        while (running) {
          (void)fhe_client->send(ServiceRequest{kBurnService, 0, {}}.encode(fhe_client->next_request_id()));
          next += period;
          std::this_thread::sleep_until(next);
        }
      });
    }

    // Senders are spread evenly over each frame period, like independent real clients.
    const int p = opt.participants;
    const auto slot_period = std::chrono::nanoseconds(static_cast<int64_t>(1e9 / (opt.fps * static_cast<double>(p))));
    const int64_t total_ticks = static_cast<int64_t>(opt.seconds * opt.fps) * p;
    Bytes payload = random_bytes(opt.frame_bytes);
    const auto t0 = Clock::now();
    uint64_t sent = 0;
    for (int64_t k = 0; k < total_ticks; ++k) {
      std::this_thread::sleep_until(t0 + slot_period * k);
      const int i = static_cast<int>(k % p);
      const int64_t t = now_ns();
      for (int b = 0; b < 8; ++b) payload[b] = static_cast<uint8_t>(t >> (8 * b));
      if (clients[i]->send(encode_media_frame(slots[i], MediaKind::kAudio, payload))) ++sent;
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    // Drain: wait for stragglers (bounded).
    const uint64_t expected = sent * static_cast<uint64_t>(p - 1);
    auto delivered_now = [&] {
      uint64_t d = 0;
      for (auto& r : receivers) {
        std::lock_guard lock(r->mu);
        d += r->delivered;
      }
      return d;
    };
    const auto drain_deadline = Clock::now() + std::chrono::seconds(3);
    while (delivered_now() < expected && Clock::now() < drain_deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    running = false;
    if (fhe_thread.joinable()) fhe_thread.join();
    fhe_client.reset();
    clients.clear();
    server.stop();

    std::vector<float> all;
    for (auto& r : receivers) {
      std::lock_guard lock(r->mu);
      all.insert(all.end(), r->latency_ms.begin(), r->latency_ms.end());
      res.delivered += r->delivered;
    }
    std::sort(all.begin(), all.end());
    auto pct = [&](double q) {
      if (all.empty()) return 0.0;
      size_t idx = std::min(all.size() - 1, static_cast<size_t>(q * static_cast<double>(all.size() - 1) + 0.5));
      return static_cast<double>(all[idx]);
    };
    res.sent = sent;
    res.expected = expected;
    res.lost_frames = expected > res.delivered ? expected - res.delivered : 0;
    res.frames_per_s = static_cast<double>(res.delivered) / elapsed;
    res.p50_ms = pct(0.50);
    res.p99_ms = pct(0.99);
    res.max_ms = all.empty() ? 0 : all.back();
    res.fhe_jobs_done = burned.load();
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return res;
}

}  // namespace v100::meeting::server
