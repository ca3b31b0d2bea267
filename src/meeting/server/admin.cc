#include "meeting/server/admin.h"

#include <pthread.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>

namespace v100::meeting::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {
constexpr size_t kMaxConnections = 16;
constexpr auto kDeadline = std::chrono::seconds(5);
}  // namespace

struct AdminServer::State {
  Handler handler;
  std::atomic<size_t> open{0};  // before ioc: pending connections release it when ioc goes
  net::io_context ioc{1};
  std::optional<tcp::acceptor> acceptor;
  std::thread thread;
  uint16_t port = 0;
  bool running = false;

  void accept();
};

namespace {

// One connection: read a request, answer it, close.
class AdminConnection : public std::enable_shared_from_this<AdminConnection> {
 public:
  AdminConnection(tcp::socket&& s, const AdminServer::Handler& h, std::atomic<size_t>& open)
      : stream_(std::move(s)), handler_(h), open_(open) {}
  ~AdminConnection() { open_.fetch_sub(1); }

  void start() {
    stream_.expires_after(kDeadline);
    parser_.header_limit(8 * 1024);
    parser_.body_limit(0);
    http::async_read(stream_, buf_, parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec) self->respond();
    });
  }

 private:
  void respond() {
    const auto& req = parser_.get();
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->keep_alive(false);
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res->result(http::status::method_not_allowed);
      res->set(http::field::allow, "GET, HEAD");
      res->set(http::field::content_type, "text/plain; charset=utf-8");
      res->body() = "GET only\n";
    } else {
      std::string_view target(req.target().data(), req.target().size());
      target = target.substr(0, target.find('?'));
      AdminServer::Response r = handler_(target);
      res->result(static_cast<http::status>(r.status));
      res->set(http::field::content_type, r.content_type);
      res->set(http::field::cache_control, "no-store");
      res->body() = std::move(r.body);
    }
    res->prepare_payload();
    if (req.method() == http::verb::head) res->body().clear();
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code, size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  http::request_parser<http::empty_body> parser_;
  const AdminServer::Handler& handler_;
  std::atomic<size_t>& open_;
};

}  // namespace

void AdminServer::State::accept() {
  acceptor->async_accept([this](beast::error_code ec, tcp::socket s) {
    if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      if (open.fetch_add(1) >= kMaxConnections) {
        open.fetch_sub(1);
        beast::error_code ignored;
        s.close(ignored);  // a scraper retries; the admin port is not a place to queue
      } else {
        std::make_shared<AdminConnection>(std::move(s), handler, open)->start();
      }
    }
    accept();
  });
}

AdminServer::AdminServer(Handler handler) : state_(std::make_unique<State>()) {
  state_->handler = std::move(handler);
}

AdminServer::~AdminServer() {
  stop();
}

Status AdminServer::start(const std::string& address, uint16_t port) {
  State& s = *state_;
  if (s.running) return Status::error("admin: already running");
  try {
    tcp::endpoint ep(net::ip::make_address(address), port);
    s.acceptor.emplace(s.ioc);
    s.acceptor->open(ep.protocol());
    s.acceptor->set_option(net::socket_base::reuse_address(true));
    s.acceptor->bind(ep);
    s.acceptor->listen(64);
    s.port = s.acceptor->local_endpoint().port();
  } catch (const std::exception& e) {
    s.acceptor.reset();
    return Status::error(std::string("admin: ") + e.what());
  }
  s.running = true;
  s.accept();
  s.thread = std::thread([&s] { s.ioc.run(); });
  pthread_setname_np(s.thread.native_handle(), "v100-admin");
  return Status::ok();
}

void AdminServer::stop() {
  State& s = *state_;
  if (!s.running) return;
  s.running = false;
  net::post(s.ioc, [&s] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
  });
  // Connections end by their deadline at the latest; stopping the context ends them at once.
  s.ioc.stop();
  if (s.thread.joinable()) s.thread.join();
  s.acceptor.reset();
}

uint16_t AdminServer::port() const {
  return state_->port;
}

}  // namespace v100::meeting::server
