// TransportClient: a WebSocket-over-TLS client connection to `v100 serve`, for the client SDK
// (src/meeting/client), tests and benchmarks. It moves whole protocol messages (messages.h); it
// does not interpret them beyond the request id in the header.
//
// FOR THE CLIENT SDK: this is the supported way to talk to the server. Typical use:
//   auto c = TransportClient::connect({.port = p, .pin_sha256 = fp}, on_push);
//   auto hello = (*c)->call(Hello{}, 5s);             // -> Envelope holding ServerHello or Error
//   (*c)->send(encode_media_frame(slot, MediaKind::kAudio, sframe_bytes));   // fire and forget
// Replies whose request id matches an outstanding call() complete that call; every other message
// (pushes: MediaFrame, MediaBundle, MemberEvent, EpochKey with id 0; replies to send()) goes to the
// `on_message` handler, or, without a handler, to a queue read by receive().
//
// TLS: the server's certificate is pinned by its SHA-256 fingerprint (printed by `v100 serve`);
// chain validation is not used (the server's certificate is self-signed by default).
// `insecure_no_verify` exists for tests that do not care.
//
// Threading: one internal I/O thread per connection, or, with `io_pool`, one of the pool's threads
// (a process holding many connections: a benchmark, a gateway). send(), call(), receive() and close() are
// thread-safe. `on_message` runs on the I/O thread: it must not block and must not call call()
// (it may call send()). Outbound messages are queued up to `max_send_queue_bytes`; send() fails
// beyond that (back-pressure instead of unbounded memory).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/protocol/messages.h"

namespace v100::meeting::protocol {

/// I/O threads shared by many connections. Each connection is served by exactly one of them, so
/// its handlers never run concurrently; one thread serving many sockets wakes once for all that
/// are ready instead of once per socket. A connection on a pool is closed or destroyed from a
/// thread outside the pool (never from a handler of any of its connections). The pool lives as
/// long as its last connection.
class TransportIoPool {
 public:
  /// `threads` in [1, 64].
  static Result<std::shared_ptr<TransportIoPool>> create(int threads);
  ~TransportIoPool();
  TransportIoPool(const TransportIoPool&) = delete;
  TransportIoPool& operator=(const TransportIoPool&) = delete;

  class Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit TransportIoPool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Connection options.
struct TransportOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  /// Server certificate SHA-256 fingerprint (hex, colons allowed). Required unless
  /// insecure_no_verify.
  std::string pin_sha256;
  bool insecure_no_verify = false;
  size_t max_message_bytes = kMaxMessageBytes;
  size_t max_send_queue_bytes = 64u << 20;
  std::chrono::milliseconds connect_timeout{5000};
  /// Tests and diagnostics: read at most this many bytes per second (0: no limit), with a small
  /// socket receive buffer, as a participant on a slow link would.
  double read_limit_bytes_per_s = 0;
  /// Serve this connection on a shared pool's thread instead of a thread of its own.
  std::shared_ptr<TransportIoPool> io_pool;
};

/// One client connection. Create with connect(); destroy or close() to disconnect.
class TransportClient {
 public:
  /// Receives every message that is not the reply to a pending call().
  using Handler = std::function<void(Bytes message)>;

  /// Connects (TCP, TLS with pinning, WebSocket upgrade at path "/v100"). Does not send Hello.
  static Result<std::unique_ptr<TransportClient>> connect(const TransportOptions& options,
                                                          Handler on_message = nullptr);

  ~TransportClient();
  TransportClient(const TransportClient&) = delete;
  TransportClient& operator=(const TransportClient&) = delete;

  /// Queues one complete protocol message. Error if closed or the send queue is full.
  Status send(Bytes message);

  /// Sends `request` under a fresh request id and waits for the message with that id (the typed
  /// reply, Ack or Error). Error on timeout, disconnect or an undecodable reply.
  Result<Envelope> call(const Message& request, std::chrono::milliseconds timeout);

  /// A fresh request id (never 0) for callers that build messages themselves.
  uint32_t next_request_id();

  /// Next queued message (only when no handler was given). Error on timeout or when closed and
  /// the queue is empty.
  Result<Bytes> receive(std::chrono::milliseconds timeout);

  /// Whether the connection is still open.
  bool is_open() const;

  /// Closes the connection (WebSocket close, then TCP). Idempotent. Do not call from the handler
  /// (from there, a close only shuts the socket) and never destroy the client from the handler.
  void close();

  /// Reason the connection closed (empty while open).
  std::string close_reason() const;

  class Impl;

 private:
  explicit TransportClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v100::meeting::protocol
