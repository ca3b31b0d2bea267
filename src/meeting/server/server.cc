// The server's lifecycle: start (store, TLS, listening socket, threads), the accept loop with its
// limits, the housekeeping timer, and stop. Connections: session.cc; requests: control_plane.cc;
// media: relay.cc.
#include "meeting/server/server.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <future>

#include "meeting/server/log.h"
#include "meeting/server/server_impl.h"
#include "meeting/server/session.h"

namespace v100::meeting::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using namespace protocol;  // NOLINT: the server speaks the protocol everywhere in this file

namespace {

/// The raw bytes of a peer address: the per-address table's key (memory only, never logged).
std::string address_key(const tcp::socket& s) {
  beast::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return {};
  const auto a = ep.address();
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    return std::string(b.begin(), b.end());
  }
  auto b = a.to_v6().to_bytes();
  return std::string(b.begin(), b.end());
}

}  // namespace

Server::Impl::Impl(ServerOptions o)
    : opts_(std::move(o)),
      budget_(opts_.memory_budget_bytes ? opts_.memory_budget_bytes : default_memory_budget()),
      peers_(opts_.max_connections_per_address, opts_.anon_stores_per_s, opts_.anon_stores_burst),
      ssl_ctx_(ssl::context::tls_server),
      accept_timer_(ioc_),
      housekeeping_timer_(ioc_) {}

Status Server::Impl::start() {
  std::lock_guard lock(lifecycle_mu_);
  if (running_) return Status::error("server: already running");
  if (opts_.data_dir.empty()) return Status::error("server: data_dir required");
  if (opts_.max_message_bytes < 4096 || opts_.max_message_bytes > kMaxMessageBytes)
    return Status::error("server: max_message_bytes out of range");
  if (opts_.mailbox_capacity == 0 || opts_.mailbox_capacity > kMaxMailboxItems ||
      opts_.mailbox_put_items_per_bit == 0 || opts_.mailbox_put_max_bits > kMaxMailboxPutBits ||
      opts_.mailbox_put_base_bits > opts_.mailbox_put_max_bits)
    return Status::error("server: mailbox options out of range");
  auto site = WebSite::create(opts_.web_root, opts_.public_url, opts_.web_max_file_bytes);
  if (!site) return site.status();
  web_ = std::move(*site);
  auto st = store::open_sqlite_store(opts_.data_dir);
  if (!st) return st.status();
  auto guard = std::make_unique<StoreGuard>(std::move(*st), opts_.data_dir, opts_.store_quota_bytes,
                                            opts_.store_reserve_bytes);
  guard_ = guard.get();
  store_ = std::move(guard);
  control_pool_ = std::make_unique<WorkerPool>(1, opts_.control_queue);
  workers_ = std::make_unique<WorkerPool>(std::max(1, opts_.worker_threads), opts_.worker_queue);
  guard_->set_write_timer(&store_write_seconds_);
  control_ =
      std::make_unique<ControlPlane>(opts_, *store_, budget_, services_, [this](std::function<void()> job) {
        const bool queued = workers_->try_submit([this, job = std::move(job)] {
          ScopedTimer t(&fhe_job_seconds_);
          job();
        });
        if (!queued) counters_.fhe_refused.fetch_add(1);
        return queued;
      });
  if (Status s = control_->init(); !s) return s;
  if (opts_.log_to_file) set_log_file(opts_.data_dir + "/server.log");
  auto tls = ensure_tls_material(opts_.data_dir, opts_.cert_file, opts_.key_file);
  if (!tls) return tls.status();
  tls_ = *tls;
  if (Status s = configure_server_tls(ssl_ctx_.native_handle(), tls_); !s) return s;
  try {
    acceptor_ = std::make_unique<tcp::acceptor>(ioc_);
    tcp::endpoint ep(net::ip::make_address(opts_.bind_address), opts_.port);
    acceptor_->open(ep.protocol());
    acceptor_->set_option(net::socket_base::reuse_address(true));
    acceptor_->bind(ep);
    acceptor_->listen(net::socket_base::max_listen_connections);
    acceptor_->native_non_blocking(true);  // on_accept_exhausted() drains it with ::accept4
    port_ = acceptor_->local_endpoint().port();
  } catch (const std::exception& e) {
    return Status::error(std::string("server: ") + e.what());
  }
  if (opts_.admin_enabled) {
    admin_ = std::make_unique<AdminServer>([this](std::string_view path) { return admin_response(path); });
    if (Status a = admin_->start(opts_.admin_bind_address, opts_.admin_port); !a) return a;
  }
  stopping_ = false;
  draining_ = false;
  running_ = true;
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  accept_backoff_ = std::chrono::milliseconds(0);
  do_accept();
  schedule_housekeeping();
  hs_ioc_.restart();  // after a stop(), run() would return at once
  hs_work_.emplace(hs_ioc_.get_executor());
  hs_thread_ = std::thread([this] { hs_ioc_.run(); });
  pthread_setname_np(hs_thread_.native_handle(), "v100-tls");  // names show in top and /proc
  // A flush list goes before its context; ioc_'s stays (a handler of an earlier run may hold it).
  if (flush_lists_.size() > 1) flush_lists_.resize(1);
  more_iocs_.clear();
  io_work_.clear();
  ioc_.restart();
  for (int i = 1; i < std::max(1, opts_.io_threads); ++i)
    more_iocs_.push_back(std::make_unique<net::io_context>(1));
  for (int i = 0; i < std::max(1, opts_.io_threads); ++i) {
    net::io_context& c = i == 0 ? ioc_ : *more_iocs_[static_cast<size_t>(i - 1)];
    if (opts_.media_flush_interval.count() > 0 && flush_lists_.size() <= static_cast<size_t>(i))
      flush_lists_.push_back(std::make_unique<FlushList>(c, opts_.media_flush_interval));
    io_work_.push_back(net::make_work_guard(c));
    io_threads_.emplace_back([&c] { c.run(); });
    pthread_setname_np(io_threads_.back().native_handle(), "v100-io");
  }
  log(LogLevel::kInfo, "listening (io threads %d, worker threads %d)", opts_.io_threads,
      opts_.worker_threads);
  return Status::ok();
}

net::io_context& Server::Impl::next_io_context() {
  const size_t n = next_ioc_.fetch_add(1, std::memory_order_relaxed) % (more_iocs_.size() + 1);
  return n == 0 ? ioc_ : *more_iocs_[n - 1];
}

Server::Impl::FlushList* Server::Impl::flush_list_for(const net::any_io_executor& ex) {
  auto& ctx = net::query(ex, net::execution::context);
  for (auto& f : flush_lists_)
    if (static_cast<net::execution_context*>(&f->context()) == &ctx) return f.get();
  return nullptr;
}

void Server::Impl::FlushList::add(std::shared_ptr<SessionContext> s) {
  bool arm;
  {
    std::lock_guard lock(mu_);
    arm = due_.empty();
    due_.push_back(std::move(s));
  }
  if (!arm) return;
  net::post(ctx_, [this] {
    timer_.expires_after(interval_);
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec) flush();
    });
  });
}

void Server::Impl::FlushList::flush() {
  std::vector<std::shared_ptr<SessionContext>> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(due_);
  }
  for (auto& s : batch) s->flush_media();
}

void Server::Impl::FlushList::clear() {
  std::lock_guard lock(mu_);
  due_.clear();
}

void Server::Impl::do_accept() {
  // Accepted on the acceptor's own context, then handed to an I/O context: a pending accept never
  // holds a socket of another context (whose service may be gone when the acceptor's context shuts
  // down after a stop; that was a use-after-free).
  acceptor_->async_accept([this](beast::error_code ec, tcp::socket accepted) {
    if (stopping_ || draining_) return;
    if (ec.value() == EMFILE || ec.value() == ENFILE) return on_accept_exhausted();
    if (!ec) {
      accept_backoff_ = std::chrono::milliseconds(0);
      counters_.accepted.fetch_add(1);
      std::string addr = address_key(accepted);  // memory only
      // Global cap, cap on connections still handshaking (all addresses), per-address cap.
      if (counters_.open.load() >= opts_.max_connections || handshaking_.load() >= opts_.max_handshaking ||
          !peers_.admit(addr)) {
        counters_.rejected.fetch_add(1);
        beast::error_code ignored;
        accepted.close(ignored);
      } else {
        tcp::socket socket(net::make_strand(next_io_context()));
        const auto protocol = accepted.local_endpoint(ec).protocol();
        if (!ec) socket.assign(protocol, accepted.release(ec), ec);
        if (ec) {
          counters_.rejected.fetch_add(1);
          accepted.close(ec);
          return do_accept();
        }
        socket.set_option(tcp::no_delay(true), ec);
        // A small kernel send buffer keeps the backlog in the subscriber's media queue, where the
        // relay can still send audio first and drop stale video deltas (media_queue.h).
        if (opts_.socket_send_buffer > 0)
          socket.set_option(net::socket_base::send_buffer_size(static_cast<int>(opts_.socket_send_buffer)),
                            ec);
        const uint64_t id = next_session_id_.fetch_add(1);
        counters_.open.fetch_add(1);  // balanced in Session::finish()
        handshaking_.fetch_add(1);    // balanced at Hello or in Session::finish()
        // Registered under sessions_mu_ before it can close (and unregister itself).
        std::lock_guard lock(sessions_mu_);
        sessions_[id] = start_session(*this, std::move(socket), id, std::move(addr));
      }
    }
    do_accept();
  });
}

// Out of descriptors (EMFILE/ENFILE): the connection stays in the backlog and accept fails again at
// once, so retrying immediately would spin the I/O threads. Spend the reserve descriptor to
// accept-and-close what is waiting (those clients get a prompt close instead of a timeout), take
// it back, and retry after a back-off doubling from accept_backoff_min to accept_backoff_max.
void Server::Impl::on_accept_exhausted() {
  counters_.accept_backoffs.fetch_add(1);
  if (reserve_fd_ >= 0) {
    ::close(reserve_fd_);
    reserve_fd_ = -1;
    for (int i = 0; i < 64; ++i) {
      const int fd = ::accept4(acceptor_->native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) break;
      ::close(fd);
      counters_.accepted.fetch_add(1);
      counters_.rejected.fetch_add(1);
    }
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  accept_backoff_ = accept_backoff_.count() == 0 ? opts_.accept_backoff_min
                                                 : std::min(2 * accept_backoff_, opts_.accept_backoff_max);
  log(LogLevel::kWarn, "out of file descriptors: accept paused %lld ms",
      static_cast<long long>(accept_backoff_.count()));
  accept_timer_.expires_after(accept_backoff_);
  accept_timer_.async_wait([this](beast::error_code ec) {
    if (!ec && !stopping_ && !draining_) do_accept();
  });
}

// Per-address table sweep, slot expiry and meeting eviction, every sweep_interval or a quarter of
// meeting_evict_after, whichever is shorter (10 ms..1 s).
void Server::Impl::schedule_housekeeping() {
  // One periodic pass for everything that expires: per-address entries (here), expired member
  // slots and unused meetings (on the control thread, the owner of meeting state).
  const auto period = std::clamp(std::min(opts_.meeting_evict_after / 4, opts_.sweep_interval),
                                 std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  housekeeping_timer_.expires_after(period);
  housekeeping_timer_.async_wait([this](beast::error_code ec) {
    if (ec || stopping_) return;
    peers_.sweep();
    (void)submit_control([this] { control_->housekeeping(std::chrono::steady_clock::now()); }, false);
    schedule_housekeeping();
  });
}

void Server::Impl::stop() {
  std::lock_guard lock(lifecycle_mu_);
  if (!running_) return;
  stopping_ = true;
  {
    std::promise<void> closed;
    net::post(acceptor_->get_executor(), [this, &closed] {
      beast::error_code ec;
      acceptor_->close(ec);
      accept_timer_.cancel();
      housekeeping_timer_.cancel();
      closed.set_value();
    });
    closed.get_future().wait_for(std::chrono::seconds(2));
  }
  std::vector<SessionContextPtr> live;
  {
    std::lock_guard l(sessions_mu_);
    for (auto& [id, w] : sessions_)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->close("shutdown", false);
  live.clear();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (counters_.open.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  // Finish what was acknowledged or queued; nothing new gets in (stopping_).
  control_pool_->stop();
  workers_->stop();
  control_->clear();  // the control thread has stopped: safe
  hs_work_.reset();
  hs_ioc_.stop();
  if (hs_thread_.joinable()) hs_thread_.join();
  io_work_.clear();
  ioc_.stop();
  for (auto& c : more_iocs_) c->stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  for (auto& f : flush_lists_) f->clear();  // the sessions they still hold
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
  reserve_fd_ = -1;
  {
    std::lock_guard l(sessions_mu_);
    sessions_.clear();
  }
  running_ = false;
  if (admin_) admin_->stop();  // last: /healthz answers while the server stops
  admin_.reset();
  const uint64_t dropped = counters_.dropped.load(), viol = counters_.violations.load();
  log(LogLevel::kInfo, "stopped (connections dropped %llu, violations %llu)",
      static_cast<unsigned long long>(dropped), static_cast<unsigned long long>(viol));
  set_log_file("");
}

bool Server::Impl::submit_control(std::function<void()> task, bool force) {
  if (stopping_ && !force) return false;
  if (force) {
    // Internal bookkeeping (a closed connection) must not be lost to a full queue: retry briefly.
    for (int i = 0; i < 1000; ++i) {
      if (control_pool_->try_submit(task)) return true;
      if (stopping_) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  return control_pool_->try_submit(std::move(task));
}

void Server::Impl::on_session_closed(uint64_t id, const SessionContextPtr& s) {
  {
    std::lock_guard lock(sessions_mu_);
    sessions_.erase(id);
  }
  if (stopping_) {
    s->set_membership(nullptr, -1);
    return;
  }
  submit_control([this, s] { control_->on_closed(s); }, true);
}

void Server::Impl::on_control(const SessionContextPtr& s, Envelope env) {
  ScopedTimer t(&control_request_seconds_);
  control_->handle(s, std::move(env));
}

// Stop accepting (the listener closes: a load balancer's next connection fails over), let the
// requests already received finish and their replies reach the wire, then return; stop() follows.
void Server::Impl::drain(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(lifecycle_mu_);
    if (!running_ || draining_) return;
    draining_ = true;
    std::promise<void> closed;
    net::post(acceptor_->get_executor(), [this, &closed] {
      beast::error_code ec;
      acceptor_->close(ec);
      accept_timer_.cancel();
      closed.set_value();
    });
    closed.get_future().wait_for(std::chrono::seconds(2));
  }
  log(LogLevel::kInfo, "draining: not accepting, finishing requests");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline &&
         (control_pool_->pending() > 0 || workers_->pending() > 0 || counters_.control_out.load() > 0))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

bool Server::Impl::ready() const {
  return running_ && !stopping_ && !draining_ && guard_ != nullptr && guard_->admits(0);
}

// ------------------------------------------------------------------------------------------------

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() {
  impl_->stop();
}

void Server::register_service(uint16_t service, ServiceHandler handler) {
  impl_->services_[service] = std::move(handler);
}

Status Server::start() {
  return impl_->start();
}
void Server::stop() {
  impl_->stop();
}
uint16_t Server::port() const {
  return impl_->port_;
}
uint16_t Server::admin_port() const {
  return impl_->admin_ ? impl_->admin_->port() : 0;
}
std::string Server::metrics_text() const {
  return impl_->render_metrics();
}
bool Server::ready() const {
  return impl_->ready();
}
void Server::drain(std::chrono::milliseconds timeout) {
  impl_->drain(timeout);
}
std::string Server::fingerprint() const {
  return impl_->tls_.fingerprint;
}
store::Store* Server::store() {
  return impl_->store_.get();
}

ServerStats Server::stats() const {
  const Counters& c = impl_->counters_;
  ServerStats s;
  s.connections_accepted = c.accepted.load();
  s.connections_rejected = c.rejected.load();
  s.connections_open = c.open.load();
  s.connections_dropped = c.dropped.load();
  s.frames_in = c.frames_in.load();
  s.frames_relayed = c.relayed.load();
  s.frames_dropped = c.frames_dropped.load();
  auto d = [&](DropReason r) { return c.drops[static_cast<size_t>(r)].load(); };
  s.video_deltas_dropped =
      d(DropReason::kVideoBehind) + d(DropReason::kAwaitingKeyframe) + d(DropReason::kSuperseded);
  s.video_dropped_behind = d(DropReason::kVideoBehind);
  s.video_dropped_awaiting_keyframe = d(DropReason::kAwaitingKeyframe);
  s.video_dropped_superseded = d(DropReason::kSuperseded);
  s.keyframes_dropped = d(DropReason::kKeyframeOverflow);
  s.audio_dropped = d(DropReason::kAudioOverflow);
  s.budget_dropped = d(DropReason::kBudget);
  s.violations = c.violations.load();
  s.meetings_loaded = impl_->control_ ? impl_->control_->meetings_loaded() : 0;
  s.meetings_resident = impl_->control_ ? impl_->control_->meetings_resident() : 0;
  s.memory_used = impl_->budget_.used();
  s.memory_refusals = impl_->budget_.refusals();
  s.accept_backoffs = c.accept_backoffs.load();
  s.store_refusals = impl_->guard_ ? impl_->guard_->refusals() : 0;
  return s;
}

}  // namespace v100::meeting::server
