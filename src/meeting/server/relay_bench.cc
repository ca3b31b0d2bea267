#include "meeting/server/relay_bench.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
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
  std::vector<float> audio_ms, video_ms;
  uint64_t audio = 0, video = 0, keyframes = 0;
  void on_message(const Bytes& m) {
    const int64_t now = now_ns();
    auto record = [&](const MediaFrameView& f) {
      if (f.payload.size() < 8) return;
      int64_t t = 0;
      for (int i = 0; i < 8; ++i) t |= static_cast<int64_t>(f.payload[i]) << (8 * i);
      const auto ms = static_cast<float>((now - t) / 1e6);
      std::lock_guard lock(mu);
      if (f.env.is_video()) {
        video_ms.push_back(ms);
        ++video;
        keyframes += f.env.keyframe;
      } else {
        audio_ms.push_back(ms);
        ++audio;
      }
    };
    if (auto f = decode_media_frame_view(m)) return record(*f);
    if (auto b = decode_media_bundle_view(m))
      for (const auto& f : *b) record(f);
  }
};

// One send of the schedule: who, when (ns from the start), what.
struct Event {
  int64_t at_ns;
  int who;
  MediaEnvelope env;
  size_t bytes;
};

std::vector<Event> schedule(const RelayBenchOptions& o) {
  std::vector<Event> ev;
  const int p = o.participants;
  const auto horizon = static_cast<int64_t>(o.seconds * 1e9);
  auto periodic = [&](int64_t period, int who, int64_t offset, auto make) {
    int64_t n = 0;
    for (int64_t t = offset; t < horizon; t += period, ++n) {
      auto [env, bytes] = make(n);
      ev.push_back({t, who, env, bytes});
    }
  };
  for (int i = 0; i < p; ++i) {
    if (o.profile == "meeting") {
      // Senders are spread evenly over each period, like independent real clients.
      periodic(20'000'000, i, 20'000'000LL * i / p, [&](int64_t) {
        return std::pair{MediaEnvelope{MediaKind::kAudio}, o.audio_bytes};
      });
      const int64_t vperiod = 1'000'000'000LL / 30;
      periodic(vperiod, i, vperiod * i / p, [&](int64_t n) {
        // A keyframe every 60 frames (2 s), each sender at its own phase.
        const bool key = (n + (60LL * i) / p) % 60 == 0 || n == 0;
        return std::pair{MediaEnvelope{MediaKind::kVideo, key},
                         key ? o.video_keyframe_bytes : o.video_delta_bytes};
      });
    } else {
      const int64_t period = 1'000'000'000LL / o.fps;
      periodic(period, i, period * i / p, [&](int64_t) {
        return std::pair{MediaEnvelope{MediaKind::kAudio}, o.frame_bytes};
      });
    }
  }
  std::sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.at_ns < b.at_ns; });
  return ev;
}

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double percentile(std::vector<float>& v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  size_t idx = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5));
  return static_cast<double>(v[idx]);
}

}  // namespace

Result<RelayBenchResult> run_relay_bench(const RelayBenchOptions& opt) {
  using R = Result<RelayBenchResult>;
  if (opt.participants < 2 || opt.participants > 1024 || opt.client_threads < 0 || opt.client_threads > 64 ||
      opt.media_flush_us > 100000 || opt.fps < 1 || opt.frame_bytes < 16 ||
      opt.frame_bytes > kMaxMediaPayload || opt.seconds <= 0 || opt.audio_bytes < 16 ||
      opt.video_delta_bytes < 16 || opt.video_keyframe_bytes > kMaxMediaPayload ||
      opt.video_keyframe_bytes < 16)
    return R::error("bench-relay: parameters out of range");
  if (opt.profile != "synthetic" && opt.profile != "meeting")
    return R::error("bench-relay: profile must be synthetic or meeting");
  namespace fs = std::filesystem;
  const std::string dir =
      (fs::temp_directory_path() / ("v100-relay-bench-" + to_hex(random_bytes(6)))).string();
  set_log_stderr(false);
  ServerOptions so;
  so.data_dir = dir;
  so.io_threads = opt.io_threads;
  if (opt.media_flush_us >= 0) so.media_flush_interval = std::chrono::microseconds(opt.media_flush_us);
  so.log_to_file = false;
  so.max_connections = static_cast<size_t>(opt.participants) + 16;
  so.max_connections_per_address = so.max_connections;  // every client is on loopback
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
    if (opt.client_threads > 0) {
      auto pool = TransportIoPool::create(opt.client_threads);
      if (!pool) return pool.status();
      to.io_pool = *pool;
    }
    Handle handle;
    random_bytes(handle);
    Bytes seed = random_bytes(32);
    std::vector<std::unique_ptr<Receiver>> receivers;
    std::vector<std::unique_ptr<TransportClient>> clients;
    std::vector<uint16_t> slots;
    for (int i = 0; i < opt.participants; ++i) {
      receivers.push_back(std::make_unique<Receiver>());
      Receiver* r = receivers.back().get();
      auto c = TransportClient::connect(to, [r](Bytes m) { r->on_message(m); });
      if (!c) return c.status();
      auto call = [&](const Message& m) -> Result<Envelope> {
        auto e = (*c)->call(m, std::chrono::seconds(10));
        if (e && std::holds_alternative<Error>(e->msg))
          return Result<Envelope>::error(std::get<Error>(e->msg).text);
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

    const std::vector<Event> events = schedule(opt);
    Bytes pool = random_bytes(std::max({opt.frame_bytes, opt.video_keyframe_bytes, opt.audio_bytes}));
    const int p = opt.participants;
    const double cpu0 = process_cpu_s();
    const auto t0 = Clock::now();
    for (const Event& e : events) {
      std::this_thread::sleep_until(t0 + std::chrono::nanoseconds(e.at_ns));
      const int64_t t = now_ns();
      for (int b = 0; b < 8; ++b) pool[b] = static_cast<uint8_t>(t >> (8 * b));
      if (!clients[e.who]->send(encode_media_frame(slots[e.who], e.env, ByteSpan(pool.data(), e.bytes))))
        continue;
      if (e.env.is_video()) {
        ++res.video_sent;
        res.keyframes_sent += e.env.keyframe;
      } else {
        ++res.audio_sent;
      }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto fanout = static_cast<uint64_t>(p - 1);
    res.audio_expected = res.audio_sent * fanout;
    res.video_expected = res.video_sent * fanout;
    res.keyframes_expected = res.keyframes_sent * fanout;
    // Drain: wait for stragglers (bounded). Video deltas may be dropped by design, so wait for
    // audio and keyframes.
    auto tallies = [&] {
      uint64_t a = 0, k = 0;
      for (auto& r : receivers) {
        std::lock_guard lock(r->mu);
        a += r->audio;
        k += r->keyframes;
      }
      return std::pair{a, k};
    };
    const auto drain_deadline = Clock::now() + std::chrono::seconds(3);
    while (Clock::now() < drain_deadline) {
      auto [a, k] = tallies();
      if (a >= res.audio_expected && k >= res.keyframes_expected) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    res.server_cpu_s = process_cpu_s() - cpu0;
    running = false;
    if (fhe_thread.joinable()) fhe_thread.join();
    fhe_client.reset();
    const ServerStats ss = server.stats();
    clients.clear();
    server.stop();

    std::vector<float> audio_ms, video_ms;
    for (auto& r : receivers) {
      std::lock_guard lock(r->mu);
      audio_ms.insert(audio_ms.end(), r->audio_ms.begin(), r->audio_ms.end());
      video_ms.insert(video_ms.end(), r->video_ms.begin(), r->video_ms.end());
      res.audio_delivered += r->audio;
      res.video_delivered += r->video;
      res.keyframes_delivered += r->keyframes;
    }
    res.sent = res.audio_sent + res.video_sent;
    res.expected = res.audio_expected + res.video_expected;
    res.delivered = res.audio_delivered + res.video_delivered;
    res.lost_frames = res.expected > res.delivered ? res.expected - res.delivered : 0;
    res.audio_lost = res.audio_expected > res.audio_delivered ? res.audio_expected - res.audio_delivered : 0;
    res.keyframes_dropped = res.keyframes_expected > res.keyframes_delivered
                                ? res.keyframes_expected - res.keyframes_delivered
                                : 0;
    res.video_deltas_dropped = ss.video_deltas_dropped;
    res.relay_audio_dropped = ss.audio_dropped;
    res.frames_per_s = static_cast<double>(res.delivered) / elapsed;
    res.audio_p50_ms = percentile(audio_ms, 0.50);
    res.audio_p99_ms = percentile(audio_ms, 0.99);
    res.video_p50_ms = percentile(video_ms, 0.50);
    res.video_p99_ms = percentile(video_ms, 0.99);
    std::vector<float> all = std::move(audio_ms);
    all.insert(all.end(), video_ms.begin(), video_ms.end());
    res.p50_ms = percentile(all, 0.50);
    res.p99_ms = percentile(all, 0.99);
    res.max_ms = all.empty() ? 0 : all.back();
    res.fhe_jobs_done = burned.load();
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return res;
}

}  // namespace v100::meeting::server
