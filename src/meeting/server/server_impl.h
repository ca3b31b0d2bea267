// The server's parts and their wiring (internal to meeting/server). server.cc runs the lifecycle
// (start, accept, housekeeping, stop); session.cc the connections; control_plane.cc the requests;
// relay.cc the media fan-out.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "meeting/server/admin.h"
#include "meeting/server/budget.h"
#include "meeting/server/control_plane.h"
#include "meeting/server/media_queue.h"
#include "meeting/server/metrics.h"
#include "meeting/server/peer_table.h"
#include "meeting/server/server.h"
#include "meeting/server/session_context.h"
#include "meeting/server/store_guard.h"
#include "meeting/server/tls.h"
#include "meeting/server/web_serve.h"
#include "meeting/server/worker_pool.h"

namespace v100::meeting::server {

/// Aggregate counters (no identities), bumped from any thread.
struct Counters {
  std::atomic<uint64_t> accepted{0}, rejected{0}, open{0}, dropped{0}, frames_in{0}, relayed{0},
      frames_dropped{0}, violations{0}, accept_backoffs{0}, fhe_refused{0};
  /// Replies and pushes queued or being written, all connections (drain waits for 0).
  std::atomic<int64_t> control_out{0};
  std::array<std::atomic<uint64_t>, kNumDropReasons> drops{};  // by DropReason
};

class Server::Impl {
 public:
  explicit Impl(ServerOptions o);
  ~Impl() { stop(); }

  Status start();
  void stop();
  void drain(std::chrono::milliseconds timeout);
  bool ready() const;
  std::string render_metrics() const;                                 // server_metrics.cc
  AdminServer::Response admin_response(std::string_view path) const;  // server_metrics.cc

  // Called by sessions.
  void on_session_closed(uint64_t id, const SessionContextPtr& s);
  void on_control(const SessionContextPtr& s, protocol::Envelope env);
  bool submit_control(std::function<void()> task, bool force);
  bool admission_enabled() const { return control_ && control_->admission_enabled(); }
  void count_drop(DropReason r, uint64_t n) {
    counters_.frames_dropped.fetch_add(n, std::memory_order_relaxed);
    counters_.drops[static_cast<size_t>(r)].fetch_add(n, std::memory_order_relaxed);
  }

  ServerOptions opts_;
  WebSite web_;  // the web root and origin rule (set in start())
  Counters counters_;
  Histogram fhe_job_seconds_;          // a service job's run time on the worker pool
  Histogram control_request_seconds_;  // a control request on the control thread
  Histogram store_write_seconds_;      // one store write or delete (StoreGuard)
  MemoryBudget budget_;                // before everything that holds a charge (sessions in ioc_, meetings)
  PeerTable peers_;
  std::atomic<size_t> handshaking_{0};
  std::unique_ptr<store::Store> store_;
  StoreGuard* guard_ = nullptr;  // store_ itself
  TlsMaterial tls_;
  // One io_context per I/O thread, each run by that thread alone: a connection lives on one of
  // them (round robin at accept), so its handlers never wait for another thread's strand and a
  // thread busy with its sockets is not woken for the other's. ioc_ (thread 0) also holds the
  // acceptor and the timers.
  boost::asio::io_context ioc_{1};
  std::vector<std::unique_ptr<boost::asio::io_context>> more_iocs_;  // threads 1..n-1
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> io_work_;
  /// The connections of one I/O context with media waiting (opts_.media_flush_interval): the first
  /// to join arms the context's timer; when it fires, each writes everything queued for it.
  class FlushList {
   public:
    FlushList(boost::asio::io_context& ctx, std::chrono::microseconds interval)
        : ctx_(ctx), timer_(ctx), interval_(interval) {}
    boost::asio::io_context& context() { return ctx_; }
    void add(std::shared_ptr<SessionContext> s);
    void clear();

   private:
    void flush();
    boost::asio::io_context& ctx_;
    boost::asio::steady_timer timer_;  // the context's thread only
    std::chrono::microseconds interval_;
    std::mutex mu_;
    std::vector<std::shared_ptr<SessionContext>> due_;
  };
  std::vector<std::unique_ptr<FlushList>> flush_lists_;  // one per I/O context, after them
  /// The flush list of the I/O context running `ex`, or nullptr (flushing off).
  FlushList* flush_list_for(const boost::asio::any_io_executor& ex);
  std::atomic<size_t> next_ioc_{0};
  boost::asio::io_context& next_io_context();
  // TLS handshakes run here, on their own thread, not on the relay's I/O threads: a handshake
  // flood costs at most this one core and never delays media. Declared after ioc_ so it is
  // destroyed first (its pending handlers hold sessions whose sockets belong to ioc_).
  boost::asio::io_context hs_ioc_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> hs_work_;
  std::thread hs_thread_;
  boost::asio::ssl::context ssl_ctx_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  boost::asio::steady_timer accept_timer_;  // back-off when out of descriptors
  std::chrono::milliseconds accept_backoff_{0};
  int reserve_fd_ = -1;                           // spent to accept-and-close when out of descriptors
  boost::asio::steady_timer housekeeping_timer_;  // slot expiry, meeting eviction, per-address sweep
  std::vector<std::thread> io_threads_;
  std::unique_ptr<WorkerPool> control_pool_;
  std::unique_ptr<WorkerPool> workers_;
  std::map<uint16_t, ServiceHandler> services_;
  std::unique_ptr<ControlPlane> control_;  // control_pool_'s thread only (after start)
  uint16_t port_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> draining_{false};  // not accepting; /readyz says no
  std::unique_ptr<AdminServer> admin_;
  std::mutex lifecycle_mu_;

  std::mutex sessions_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<SessionContext>> sessions_;
  std::atomic<uint64_t> next_session_id_{1};

 private:
  void do_accept();
  void on_accept_exhausted();
  void schedule_housekeeping();
};

}  // namespace v100::meeting::server
