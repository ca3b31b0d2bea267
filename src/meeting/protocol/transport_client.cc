#include "meeting/protocol/transport_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "meeting/protocol/tls_pin.h"

namespace v100::meeting::protocol {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace ws = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

class TransportIoPool::Impl {
 public:
  explicit Impl(int threads) {
    for (int i = 0; i < threads; ++i) {
      contexts_.push_back(std::make_unique<net::io_context>(1));
      work_.push_back(net::make_work_guard(*contexts_.back()));
    }
    for (auto& c : contexts_) threads_.emplace_back([ctx = c.get()] { ctx->run(); });
  }
  ~Impl() {
    work_.clear();
    for (auto& c : contexts_) c->stop();
    for (auto& t : threads_) t.join();
  }
  /// The context (one thread) for a new connection, round robin.
  net::io_context& next() { return *contexts_[next_.fetch_add(1) % contexts_.size()]; }

 private:
  std::vector<std::unique_ptr<net::io_context>> contexts_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
};

TransportIoPool::TransportIoPool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TransportIoPool::~TransportIoPool() = default;

Result<std::shared_ptr<TransportIoPool>> TransportIoPool::create(int threads) {
  if (threads < 1 || threads > 64) return Status::error("transport: io pool threads must be in [1, 64]");
  return std::shared_ptr<TransportIoPool>(new TransportIoPool(std::make_unique<Impl>(threads)));
}

// All socket operations run on one I/O thread (an io_context run by one thread = implicit strand):
// the connection's own, or one thread of a shared TransportIoPool. Public methods hand work over
// with net::post and synchronize through mu_.
class TransportClient::Impl {
 public:
  Impl(const TransportOptions& o, Handler h)
      : opts_(o),
        handler_(std::move(h)),
        io_(o.io_pool ? &o.io_pool->impl().next() : &own_ioc_),
        ssl_ctx_(ssl::context::tls_client) {}

  ~Impl() { stop_thread(); }

  Status start() {
    std::string pin;
    if (!opts_.insecure_no_verify) {
      auto fp = normalize_fingerprint(opts_.pin_sha256);
      if (!fp) return Status::error("transport: " + fp.message());
      pin = *fp;
    }
    ssl_ctx_.set_options(ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1);
    if (opts_.insecure_no_verify) {
      ssl_ctx_.set_verify_mode(ssl::verify_none);
    } else {
      ssl_ctx_.set_verify_mode(ssl::verify_peer);
      // Pin the leaf: accept exactly the certificate whose SHA-256 matches, whatever its chain.
      ssl_ctx_.set_verify_callback([pin](bool, ssl::verify_context& vc) {
        X509_STORE_CTX* st = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(st) != 0) return true;
        return certificate_fingerprint(X509_STORE_CTX_get_current_cert(st)) == pin;
      });
    }
    stream_ = std::make_unique<Stream>(*io_, ssl_ctx_);
    throttle_.emplace(*io_);
    // Connect step by step, each bounded by the tcp_stream timer. Own thread: the io_context runs
    // here (no I/O thread yet, so nothing races with the stream). Pool: each step starts on the
    // connection's pool thread and this thread waits for its handler.
    beast::error_code ec;
    std::promise<void> step;
    auto done = [&](beast::error_code e) {
      ec = e;
      if (pooled()) step.set_value();
    };
    auto run_step = [&](auto&& initiate) {
      ec = {};
      if (pooled()) {
        step = std::promise<void>();
        auto finished = step.get_future();
        net::post(*io_, [&] { initiate(); });
        finished.wait();
      } else {
        initiate();
        own_ioc_.restart();
        own_ioc_.run();
      }
      return !ec;
    };
    auto& lowest = beast::get_lowest_layer(*stream_);
    tcp::resolver resolver(*io_);
    auto results = resolver.resolve(opts_.host, std::to_string(opts_.port), ec);
    bool ok = !ec;
    ok = ok && run_step([&] {
           lowest.expires_after(opts_.connect_timeout);
           lowest.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) { done(e); });
         });
    ok = ok && run_step([&] {
           SSL_set_tlsext_host_name(stream_->next_layer().native_handle(), opts_.host.c_str());
           lowest.expires_after(opts_.connect_timeout);
           stream_->next_layer().async_handshake(ssl::stream_base::client,
                                                 [&](beast::error_code e) { done(e); });
         });
    ok = ok && run_step([&] {
           lowest.expires_after(opts_.connect_timeout);
           stream_->binary(true);
           stream_->read_message_max(opts_.max_message_bytes);
           stream_->async_handshake(opts_.host, "/v100", [&](beast::error_code e) { done(e); });
         });
    if (!ok) {
      set_closed("connect failed: " + ec.message());
      return Status::error("transport: connect failed: " + ec.message());
    }
    lowest.expires_never();
    if (opts_.read_limit_bytes_per_s > 0) {
      // A slow link: the kernel holds little, so the server's queue sees the backlog.
      lowest.socket().set_option(net::socket_base::receive_buffer_size(32 << 10), ec);
    }
    stream_->set_option(ws::stream_base::timeout::suggested(beast::role_type::client));
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    if (!pooled()) {
      own_ioc_.restart();
      work_.emplace(net::make_work_guard(own_ioc_));
      thread_ = std::thread([this] { own_ioc_.run(); });
    }
    started_ = true;
    net::post(stream_->get_executor(), [self = this, t = OpToken(this)] { self->do_read(); });
    return Status::ok();
  }

  Status send(Bytes msg) {
    {
      std::lock_guard lock(mu_);
      if (!open_) return Status::error("transport: closed");
      if (queued_bytes_ + msg.size() > opts_.max_send_queue_bytes)
        return Status::error("transport: send queue full");
      queued_bytes_ += msg.size();
      outq_.push_back(std::move(msg));
      if (writing_) return Status::ok();
      writing_ = true;
    }
    net::post(stream_->get_executor(), [self = this, t = OpToken(this)] { self->do_write(); });
    return Status::ok();
  }

  Result<Envelope> call(const Message& req, std::chrono::milliseconds timeout) {
    const uint32_t rid = next_id();
    auto prom = std::make_shared<std::promise<Bytes>>();
    auto fut = prom->get_future();
    {
      std::lock_guard lock(mu_);
      pending_[rid] = prom;
    }
    Status s = send(encode(req, rid));
    if (!s) {
      std::lock_guard lock(mu_);
      pending_.erase(rid);
      return s;
    }
    if (fut.wait_for(timeout) != std::future_status::ready) {
      std::lock_guard lock(mu_);
      pending_.erase(rid);
      return Result<Envelope>::error("transport: call timed out");
    }
    Bytes reply = fut.get();
    if (reply.empty()) return Result<Envelope>::error("transport: closed: " + close_reason());
    return decode(reply);
  }

  uint32_t next_id() {
    uint32_t id = next_id_.fetch_add(1);
    if (id == 0) id = next_id_.fetch_add(1);
    return id;
  }

  Result<Bytes> receive(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    inq_cv_.wait_for(lock, timeout, [&] { return !inq_.empty() || !open_; });
    if (inq_.empty())
      return Result<Bytes>::error(open_ ? "transport: receive timed out" : "transport: closed");
    Bytes b = std::move(inq_.front());
    inq_.pop_front();
    return b;
  }

  bool is_open() const {
    std::lock_guard lock(mu_);
    return open_;
  }

  std::string close_reason() const {
    std::lock_guard lock(mu_);
    return reason_;
  }

  void close() {
    bool was_open;
    {
      std::lock_guard lock(mu_);
      was_open = open_;
    }
    if (was_open && stream_ && started_ && !on_io_thread()) {
      // Polite WebSocket close, bounded in time; the socket is shut either way.
      auto done = std::make_shared<std::promise<void>>();
      auto fut = done->get_future();
      net::post(stream_->get_executor(), [this, done, t = OpToken(this)] {
        stream_->async_close(ws::close_code::normal, [this, done, t2 = OpToken(this)](beast::error_code) {
          beast::error_code ec;
          beast::get_lowest_layer(*stream_).socket().close(ec);
          done->set_value();
        });
      });
      fut.wait_for(std::chrono::seconds(3));
    }
    set_closed("closed by client");
    stop_thread();
  }

 private:
  using Stream = ws::stream<beast::ssl_stream<beast::tcp_stream>>;

  bool pooled() const { return io_ != &own_ioc_; }
  bool on_io_thread() const { return io_->get_executor().running_in_this_thread(); }

  // Handlers capture a raw `this` and an OpToken, which counts them until they are destroyed (run
  // or dropped). Own thread: it is joined here before the Impl (and its io_context, which owns any
  // pending handler) is destroyed. Pool: the socket is shut on the connection's thread and this
  // waits until no handler of this connection is left.
  struct OpToken {
    Impl* impl;
    explicit OpToken(Impl* i) : impl(i) {
      std::lock_guard lock(impl->ops_mu_);
      ++impl->ops_;
    }
    OpToken(OpToken&& o) noexcept : impl(std::exchange(o.impl, nullptr)) {}
    OpToken(const OpToken&) = delete;
    OpToken& operator=(const OpToken&) = delete;
    OpToken& operator=(OpToken&&) = delete;
    ~OpToken() {
      if (!impl) return;
      std::lock_guard lock(impl->ops_mu_);  // notified under the lock: the waiter frees the Impl
      if (--impl->ops_ == 0) impl->ops_cv_.notify_all();
    }
  };

  void shut_socket() {
    beast::error_code ec;
    if (stream_) beast::get_lowest_layer(*stream_).socket().close(ec);
    if (throttle_) throttle_->cancel();
  }

  void stop_thread() {
    if (!started_) return;
    if (on_io_thread()) {
      // Called from a handler: shut the socket; the owner's destructor finishes later.
      shut_socket();
      return;
    }
    if (pooled()) {
      net::post(*io_, [self = this, t = OpToken(this)] { self->shut_socket(); });
      std::unique_lock lock(ops_mu_);
      ops_cv_.wait(lock, [&] { return ops_ == 0; });
      return;
    }
    if (!thread_.joinable()) return;
    work_.reset();
    own_ioc_.stop();
    thread_.join();
  }

  void set_closed(const std::string& why) {
    std::map<uint32_t, std::shared_ptr<std::promise<Bytes>>> pending;
    {
      std::lock_guard lock(mu_);
      if (!open_ && !reason_.empty()) return;
      open_ = false;
      if (reason_.empty()) reason_ = why;
      pending.swap(pending_);
    }
    inq_cv_.notify_all();
    for (auto& [id, p] : pending) p->set_value(Bytes{});
  }

  void do_read() {
    stream_->async_read(buf_, [self = this, t = OpToken(this)](beast::error_code ec, size_t) {
      if (ec) {
        self->set_closed(ec.message());
        return;
      }
      auto data = self->buf_.data();
      Bytes msg(static_cast<const uint8_t*>(data.data()),
                static_cast<const uint8_t*>(data.data()) + data.size());
      self->buf_.consume(self->buf_.size());
      const size_t n = msg.size();
      self->deliver(std::move(msg));
      if (self->opts_.read_limit_bytes_per_s > 0) {
        // Throttled reads: pause as long as these bytes take at the configured rate.
        self->throttle_->expires_after(std::chrono::microseconds(
            static_cast<int64_t>(1e6 * static_cast<double>(n) / self->opts_.read_limit_bytes_per_s)));
        self->throttle_->async_wait([self, t2 = OpToken(self)](beast::error_code e) {
          if (!e) self->do_read();
        });
        return;
      }
      self->do_read();
    });
  }

  void deliver(Bytes msg) {
    auto h = decode_header(msg);
    if (h && h->request_id != 0) {
      std::shared_ptr<std::promise<Bytes>> p;
      {
        std::lock_guard lock(mu_);
        auto it = pending_.find(h->request_id);
        if (it != pending_.end()) {
          p = it->second;
          pending_.erase(it);
        }
      }
      if (p) {
        p->set_value(std::move(msg));
        return;
      }
    }
    if (handler_) {
      handler_(std::move(msg));
      return;
    }
    {
      std::lock_guard lock(mu_);
      inq_.push_back(std::move(msg));
    }
    inq_cv_.notify_one();
  }

  void do_write() {
    Bytes* front;
    {
      std::lock_guard lock(mu_);
      if (outq_.empty() || !open_) {
        writing_ = false;
        return;
      }
      front = &outq_.front();  // deque: stable while only this thread pops
    }
    stream_->async_write(net::buffer(*front), [self = this, t = OpToken(this)](beast::error_code ec, size_t) {
      {
        std::lock_guard lock(self->mu_);
        self->queued_bytes_ -= self->outq_.front().size();
        self->outq_.pop_front();
      }
      if (ec) {
        {
          std::lock_guard lock(self->mu_);
          self->writing_ = false;
        }
        self->set_closed(ec.message());
        return;
      }
      self->do_write();
    });
  }

  TransportOptions opts_;
  Handler handler_;
  // Before the io_context: handlers it destroys still count themselves out.
  std::mutex ops_mu_;
  std::condition_variable ops_cv_;
  size_t ops_ = 0;
  net::io_context own_ioc_;  // unused with a pool
  net::io_context* io_;
  ssl::context ssl_ctx_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::unique_ptr<Stream> stream_;
  std::thread thread_;
  bool started_ = false;
  beast::flat_buffer buf_;
  std::optional<net::steady_timer> throttle_;

  mutable std::mutex mu_;
  bool open_ = false;
  std::string reason_;
  std::deque<Bytes> outq_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  std::deque<Bytes> inq_;
  std::condition_variable inq_cv_;
  std::map<uint32_t, std::shared_ptr<std::promise<Bytes>>> pending_;
  std::atomic<uint32_t> next_id_{1};
};

TransportClient::TransportClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TransportClient::~TransportClient() {
  if (impl_) impl_->close();
}

Result<std::unique_ptr<TransportClient>> TransportClient::connect(const TransportOptions& options,
                                                                  Handler on_message) {
  auto impl = std::make_unique<Impl>(options, std::move(on_message));
  Status s = impl->start();
  if (!s) return s;
  return std::unique_ptr<TransportClient>(new TransportClient(std::move(impl)));
}

Status TransportClient::send(Bytes message) {
  return impl_->send(std::move(message));
}

Result<Envelope> TransportClient::call(const Message& request, std::chrono::milliseconds timeout) {
  return impl_->call(request, timeout);
}

uint32_t TransportClient::next_request_id() {
  return impl_->next_id();
}

Result<Bytes> TransportClient::receive(std::chrono::milliseconds timeout) {
  return impl_->receive(timeout);
}

bool TransportClient::is_open() const {
  return impl_->is_open();
}

void TransportClient::close() {
  impl_->close();
}

std::string TransportClient::close_reason() const {
  return impl_->close_reason();
}

}  // namespace v100::meeting::protocol
