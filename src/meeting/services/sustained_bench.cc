#include "meeting/services/sustained_bench.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <memory>
#include <optional>
#include <thread>

#include "core/rng.h"
#include "hash/sha3.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/transport_client.h"
#include "meeting/server/log.h"
#include "meeting/server/server.h"
#include "meeting/server/store_guard.h"
#include "meeting/server/worker_pool.h"
#include "meeting/services/services.h"
#include "meeting/services/sustained_workloads.h"

namespace v100::meeting::services {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double rss_mb() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double loadavg() {
  std::ifstream f("/proc/loadavg");
  double v = 0;
  f >> v;
  return v;
}

double percentile(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// One way of carrying a request to the handlers: straight to a worker pool, or over TLS.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<server::ServiceReply> call(size_t scope, uint16_t op, std::vector<Bytes> blobs) = 0;
};

// The server's dispatch without the network: a ServiceCall with the caller's membership, run on
// a WorkerPool by the registered handler.
class EngineTransport final : public Transport {
 public:
  EngineTransport(store::Store* store, server::ServiceHandler handler, uint16_t service, int threads,
                  std::vector<protocol::Handle> meetings)
      : store_(store),
        handler_(std::move(handler)),
        service_(service),
        pool_(threads, 256),
        meetings_(std::move(meetings)) {}
  Result<server::ServiceReply> call(size_t scope, uint16_t op, std::vector<Bytes> blobs) override {
    auto call = std::make_shared<server::ServiceCall>();
    call->meeting = meetings_[scope];
    call->slot = 0;
    call->service = service_;
    call->op = op;
    call->blobs = std::move(blobs);
    call->store = store_;
    auto done = std::make_shared<std::promise<Result<server::ServiceReply>>>();
    auto fut = done->get_future();
    bool queued = pool_.try_submit([this, call, done] {
      try {
        done->set_value(handler_(*call));
      } catch (const std::exception& e) {
        done->set_value(Result<server::ServiceReply>::error(std::string("handler threw: ") + e.what()));
      }
    });
    if (!queued) return Result<server::ServiceReply>::error("worker queue full");
    return fut.get();
  }

 private:
  store::Store* store_;
  server::ServiceHandler handler_;
  uint16_t service_;
  server::WorkerPool pool_;
  std::vector<protocol::Handle> meetings_;
};

// One joined TLS WebSocket connection per meeting to a started server.
class NetworkTransport final : public Transport {
 public:
  explicit NetworkTransport(uint16_t service) : service_(service) {}
  Status connect(const server::Server& srv, const std::vector<protocol::Handle>& meetings,
                 ByteSpan join_seed) {
    protocol::TransportOptions to;
    to.port = srv.port();
    to.pin_sha256 = srv.fingerprint();
    for (const auto& h : meetings) {
      auto c = protocol::TransportClient::connect(to);
      if (!c) return c.status();
      auto call = [&](const protocol::Message& m) -> Result<protocol::Envelope> {
        auto e = (*c)->call(m, std::chrono::seconds(30));
        if (e && std::holds_alternative<protocol::Error>(e->msg))
          return Result<protocol::Envelope>::error(std::get<protocol::Error>(e->msg).text);
        return e;
      };
      if (auto e = call(protocol::Hello{}); !e) return e.status();
      auto ch = call(protocol::JoinChallengeRequest{h});
      if (!ch) return ch.status();
      const protocol::Nonce nonce = std::get<protocol::JoinChallenge>(ch->msg).nonce;
      auto proof = protocol::make_join_proof_ed25519(join_seed, h, nonce);
      if (!proof) return proof.status();
      if (auto acc = call(protocol::JoinProve{h, nonce, *proof, false, 0, {}}); !acc) return acc.status();
      conns_.push_back(std::move(*c));
    }
    return Status::ok();
  }
  Result<server::ServiceReply> call(size_t scope, uint16_t op, std::vector<Bytes> blobs) override {
    using R = Result<server::ServiceReply>;
    auto e = conns_[scope]->call(protocol::ServiceRequest{service_, op, std::move(blobs)},
                                 std::chrono::seconds(60));
    if (!e) return e.status();
    if (auto* err = std::get_if<protocol::Error>(&e->msg)) return R::error(err->text);
    auto* resp = std::get_if<protocol::ServiceResponse>(&e->msg);
    if (!resp) return R::error("unexpected reply type");
    return server::ServiceReply{resp->status, std::move(resp->blobs)};
  }

 private:
  uint16_t service_;
  std::vector<std::unique_ptr<protocol::TransportClient>> conns_;
};

// Per-driver tallies, merged at the end.
struct DriverStats {
  std::vector<float> latency_ms;
  uint64_t ops = 0, checked = 0, errors = 0;
  std::string first_error;
  void error(const std::string& m) {
    if (errors++ == 0) first_error = m;
  }
};

}  // namespace

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line, name, family, model;
  auto value = [](const std::string& l) {
    auto p = l.find(':');
    return p == std::string::npos ? std::string() : l.substr(std::min(l.size(), p + 2));
  };
  while (std::getline(f, line) && (name.empty() || family.empty() || model.empty())) {
    if (line.rfind("model name", 0) == 0 && name.empty()) name = value(line);
    if (line.rfind("cpu family", 0) == 0 && family.empty()) family = value(line);
    if (line.rfind("model\t", 0) == 0 && model.empty()) model = value(line);
  }
  return name + " (family " + family + " model " + model + ", " +
         std::to_string(std::thread::hardware_concurrency()) + " logical CPUs)";
}

Result<SustainedResult> run_sustained_bench(const SustainedOptions& opt) {
  using R = Result<SustainedResult>;
  auto workload = make_workload(opt);
  if (!workload) return workload.status();
  Workload& wl = **workload;
  const int drivers = opt.threads + 1;
  if (opt.threads < 1 || opt.threads > 64 || opt.seconds <= 0 || opt.check_every < 1)
    return R::error("bench-sustained: parameters out of range");
  if (wl.scopes() < static_cast<size_t>(drivers))
    return R::error("bench-sustained: needs at least threads + 1 meetings (each driver owns its own)");

  const std::string dir =
      (fs::temp_directory_path() / ("v100-sustained-" + to_hex(random_bytes(6)))).string();
  struct DirGuard {
    std::string d;
    ~DirGuard() {
      std::error_code ec;
      fs::remove_all(d, ec);
    }
  } guard{dir};
  server::set_log_stderr(false);
  SustainedResult res;
  res.service = opt.service;
  res.transport = opt.network ? "network" : "engine";
  res.seconds = opt.seconds;
  res.threads = opt.threads;
  res.members = wl.members();
  res.meetings = wl.scopes();

  const auto t_setup = Clock::now();
  Bytes join_seed = random_bytes(32);
  auto join_verifier = protocol::ed25519_public_key(join_seed);
  if (!join_verifier) return join_verifier.status();
  std::unique_ptr<store::Store> engine_store;
  std::unique_ptr<server::Server> srv;
  std::unique_ptr<Transport> transport;
  {
    // The server's store as the server opens it: SQLite behind the quota guard, server defaults.
    const server::ServerOptions defaults;
    auto inner = store::open_sqlite_store(dir);
    if (!inner) return inner.status();
    auto st = std::make_unique<server::StoreGuard>(std::move(inner).value(), dir, defaults.store_quota_bytes,
                                                   defaults.store_reserve_bytes);
    if (Status s = wl.setup(*st, *join_verifier); !s) return s;
    if (!opt.network) {
      engine_store = std::move(st);
      transport = std::make_unique<EngineTransport>(
          engine_store.get(), metadata_service_handler(static_cast<ServiceId>(wl.service())), wl.service(),
          opt.threads, wl.meeting_handles());
    }
  }
  if (opt.network) {
    server::ServerOptions so;
    so.data_dir = dir;
    so.worker_threads = opt.threads;
    so.log_to_file = false;
    // The members written at setup never connect: keep their slots (and roster entries) for the run.
    so.offline_slot_ttl = std::chrono::hours(24);
    so.identity_timeout = std::chrono::hours(24);
    srv = std::make_unique<server::Server>(so);
    register_metadata_services(*srv);
    if (Status s = srv->start(); !s) return s;
    auto nt = std::make_unique<NetworkTransport>(wl.service());
    if (Status s = nt->connect(*srv, wl.meeting_handles(), join_seed); !s) return s;
    transport = std::move(nt);
  }
  res.setup_s = std::chrono::duration<double>(Clock::now() - t_setup).count();
  res.rss_setup_mb = rss_mb();

  // Drivers: driver d owns meetings d, d + D, d + 2D, ... so a meeting (an account) has at most
  // one request in flight and the model of its state is exact.
  const size_t windows = static_cast<size_t>(std::ceil(opt.seconds)) + 1;
  std::vector<std::atomic<uint64_t>> window_ops(windows);
  std::vector<DriverStats> stats(static_cast<size_t>(drivers));
  std::atomic<uint64_t> replies{0};
  std::latch warmed(drivers), go(1);
  Clock::time_point start, end;
  auto drive = [&](int d) {
    DriverStats& ds = stats[static_cast<size_t>(d)];
    ds.latency_ms.reserve(static_cast<size_t>(opt.seconds * 4000) + 1024);
    std::vector<size_t> mine;
    for (size_t s = static_cast<size_t>(d); s < wl.scopes(); s += static_cast<size_t>(drivers))
      mine.push_back(s);
    auto one = [&](size_t scope, uint64_t n, bool timed) {
      Workload::Request req = wl.request(scope, n);
      const auto t0 = Clock::now();
      auto rep = transport->call(scope, req.op, req.blobs);
      const auto t1 = Clock::now();
      if (timed && t1 < end) {
        ++ds.ops;
        ds.latency_ms.push_back(
            static_cast<float>(std::chrono::duration<double, std::milli>(t1 - t0).count()));
        size_t w = static_cast<size_t>(std::chrono::duration<double>(t1 - start).count());
        if (w < windows) window_ops[w].fetch_add(1, std::memory_order_relaxed);
      }
      if (!rep || rep->status != 0) {
        ds.error(rep ? "reply status " + std::to_string(rep->status) : rep.message());
        wl.failed(scope, req);
        return;
      }
      const bool check = replies.fetch_add(1, std::memory_order_relaxed) % opt.check_every == 0;
      Workload::Caller caller = [&](uint16_t op, std::vector<Bytes> blobs) {
        return transport->call(scope, op, std::move(blobs));
      };
      if (Status s = wl.complete(scope, req, *rep, check, caller); !s) ds.error(s.message());
      if (check) ++ds.checked;
    };
    uint64_t n = 0;
    for (size_t s : mine) one(s, n++, false);  // warm-up: caches filled, every path checked once
    warmed.count_down();
    go.wait();
    for (size_t i = 0; Clock::now() < end; ++i) one(mine[i % mine.size()], n++, true);
  };
  std::vector<std::thread> threads;
  for (int d = 0; d < drivers; ++d) threads.emplace_back(drive, d);
  warmed.wait();
  res.rss_start_mb = rss_mb();
  res.loadavg_start = loadavg();
  const double cpu0 = cpu_seconds();
  start = Clock::now();
  end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.seconds));
  go.count_down();
  std::this_thread::sleep_until(end);
  res.rss_end_mb = rss_mb();
  const double cpu1 = cpu_seconds();
  res.loadavg_end = loadavg();
  for (auto& t : threads) t.join();
  if (srv) srv->stop();

  std::vector<float> lat;
  for (auto& ds : stats) {
    res.ops += ds.ops;
    res.checked += ds.checked;
    if (ds.errors && res.errors == 0) res.first_error = ds.first_error;
    res.errors += ds.errors;
    lat.insert(lat.end(), ds.latency_ms.begin(), ds.latency_ms.end());
  }
  res.ops_per_s = static_cast<double>(res.ops) / opt.seconds;
  res.cpu_ms_per_op = res.ops ? 1e3 * (cpu1 - cpu0) / static_cast<double>(res.ops) : 0;
  res.members_per_s = res.ops_per_s * static_cast<double>(wl.members_per_op());
  res.per_core = res.members_per_s / opt.threads;
  res.p50_ms = percentile(lat, 0.50);
  res.p99_ms = percentile(lat, 0.99);
  const size_t full = static_cast<size_t>(std::floor(opt.seconds));
  for (size_t w = 0; w < full; ++w) res.window_ops.push_back(window_ops[w].load());
  if (full >= 2) {
    double mean = 0, var = 0;
    for (uint64_t v : res.window_ops) mean += static_cast<double>(v);
    mean /= static_cast<double>(full);
    for (uint64_t v : res.window_ops)
      var += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
    var /= static_cast<double>(full - 1);
    res.cv_percent = mean > 0 ? 100.0 * std::sqrt(var) / mean : 0;
  }
  return res;
}

}  // namespace v100::meeting::services
