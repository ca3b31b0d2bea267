// The operator's endpoint (internal to meeting/server): plain HTTP for a load balancer and a
// Prometheus scraper (/metrics, /healthz, /readyz), bound to loopback unless the operator says
// otherwise. Deliberately small: GET/HEAD only, one request per connection, 8 KiB of headers, a
// 5 s deadline, at most 16 connections at once; on its own thread, never on the relay's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace v100::meeting::server {

class AdminServer {
 public:
  struct Response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
  };
  /// Answers a GET for `path` (the target without its query). Called on the admin thread.
  using Handler = std::function<Response(std::string_view path)>;

  explicit AdminServer(Handler handler);
  ~AdminServer();  ///< stop()s
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  /// Binds `address`:`port` (0: an ephemeral port) and starts the admin thread.
  Status start(const std::string& address, uint16_t port);
  /// Closes the listener and every admin connection, joins the thread. Idempotent.
  void stop();
  /// The bound port (after start()).
  uint16_t port() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace v100::meeting::server
