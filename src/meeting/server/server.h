// The V100 meeting server: WebSocket over TLS (Boost.Beast), the protocol of docs/protocol.md,
// state in a Store (SQLite by default), media relay by slot, and a worker pool for homomorphic
// services. It holds no key that opens any payload: keys, ciphertexts, AEAD blobs and SFrame
// frames are opaque bytes with size limits.
//
// Threads: `io_threads` run TLS, WebSocket framing and the media relay (a frame is forwarded to
// subscribers on the sender's I/O thread, into each subscriber's bounded send queue). Control
// requests (create, join, roster, epochs, mailbox) run in order on one control thread, which is
// the only writer of meeting state and the store. ServiceRequests run on `worker_threads`.
//
// Hostile input: every message is validated before use; per-connection limits on message size,
// message and byte rate, handshake and idle time, and send-queue bytes; repeated violations, a
// client that does not read, or exceeding a limit closes that connection only. Everything peers
// make the server hold is charged to one memory budget before it is allocated, and the disk to a
// store quota (the resource model: SECURITY.md, "Resource limits").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/protocol/messages.h"
#include "meeting/store/store.h"

namespace v100::meeting::server {

/// Server configuration. Defaults suit `v100 serve` on a small machine.
struct ServerOptions {
  std::string data_dir;  ///< required: database, certificate, log
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;                ///< 0: pick an ephemeral port (see Server::port())
  std::string cert_file, key_file;  ///< empty: self-signed pair in data_dir
  int io_threads = 2;
  int worker_threads = 1;       ///< FHE service pool
  size_t worker_queue = 256;    ///< queued service jobs before kBusy
  size_t control_queue = 4096;  ///< queued control requests (all connections)
  size_t max_message_bytes = protocol::kMaxMessageBytes;
  size_t max_connections = 1024;
  double max_messages_per_s = 2000;                    ///< per connection, token bucket (burst = 2 s worth)
  double max_bytes_per_s = 32.0 * (1 << 20);           ///< per connection (burst = max(2 s, 1 message))
  size_t max_pending_control = 64;                     ///< per connection: requests queued, not yet answered
  std::chrono::milliseconds handshake_timeout{10000};  ///< TCP accept to Hello
  std::chrono::milliseconds idle_timeout{30000};       ///< no traffic and no pong
  size_t send_queue_bytes = 4u << 20;  ///< per connection outbound media: 1/4 audio, 3/4 video
  /// A subscriber whose oldest queued video frame is older than this is behind: its video deltas
  /// are dropped up to the next keyframe (media_queue.h).
  std::chrono::milliseconds max_video_lag{400};
  /// SO_SNDBUF of client sockets (0: the kernel's autotuning). Small, so a backlog stays in the
  /// media queue where audio goes first and stale video can be dropped.
  size_t socket_send_buffer = 256u << 10;
  /// Adaptive coalescing of relayed media. A connection that has not been written to for this
  /// long writes a frame at once; one written to more recently (a dense stream: many senders, or
  /// a backlog) waits for its I/O thread's next flush tick, at most this much later, so the frames
  /// of many senders leave in one write (one TLS record, one syscall, one wake-up of the receiver)
  /// instead of one each. Control replies and pushes never wait. 0: every frame is written at once.
  /// 1 ms cuts the process's CPU per delivered frame by about a quarter at 50 participants (meeting
  /// profile) for at most 1 ms more latency on dense streams (docs/benchmarks.md, "adaptive coalescing").
  std::chrono::microseconds media_flush_interval{1000};
  /// A subscriber whose queue stays full (frames being dropped) this long without one write
  /// completing is a slow consumer and is disconnected.
  std::chrono::milliseconds slow_consumer_timeout{5000};
  int max_violations = 16;  ///< bad/forged/over-rate messages before disconnect
  /// A slot whose member stays offline (connection closed without Leave) this long is freed, as if
  /// it had left: one member cannot fill a meeting with slots and walk away. Kept in memory only
  /// (counted from the meeting's load after a restart).
  std::chrono::milliseconds offline_slot_ttl{300000};
  /// A new member must store its identity blob within this time or its slot is freed and its
  /// connection closed: other members are told of a join only once its identity is readable.
  std::chrono::milliseconds identity_timeout{20000};
  /// How often the housekeeping pass looks for expired slots (at most; see schedule_housekeeping).
  std::chrono::milliseconds sweep_interval{1000};
  bool log_to_file = true;  ///< also log to data_dir/server.log

  // Mailbox (docs/protocol.md §4 item 8, §6). A put costs 2^bits SHA3-256 digests on average,
  // bits = min(max_bits, base_bits + items held / items_per_bit); the owner deletes by id.
  size_t mailbox_capacity = 128;           ///< items per mailbox (1..protocol::kMaxMailboxItems)
  unsigned mailbox_put_base_bits = 16;     ///< work on an empty mailbox
  unsigned mailbox_put_items_per_bit = 4;  ///< one more bit per this many items held
  unsigned mailbox_put_max_bits = 24;      ///< cap (<= protocol::kMaxMailboxPutBits)
  double mailbox_puts_per_s = 1;           ///< per connection, token bucket (in memory)
  double mailbox_put_burst = 32;
  // Resource model (SECURITY.md, "Resource limits"): what untrusted peers can make the server hold.
  /// Sum of partial inbound messages, queued requests, queued replies/media and loaded meetings.
  /// 0: default_memory_budget() (a quarter of RAM, 64 MiB..2 GiB). Large inbound messages may use
  /// 3/4 of it, so small requests always find room.
  size_t memory_budget_bytes = 0;
  /// Per-message limit before a connection has joined a meeting. CreateMeeting and anonymous
  /// ServiceRequests may use max_message_bytes only while the address has a store token.
  size_t anon_message_bytes = 256u << 10;
  /// A message (inbound) or a write (outbound) in progress must move at least this many bytes per
  /// second after `transfer_grace`; a drip cannot keep a large buffer alive.
  double min_transfer_bytes_per_s = 64.0 * 1024;
  std::chrono::milliseconds transfer_grace{5000};
  /// A connection must make application progress this often (a complete valid request; for a
  /// member also media or a completed delivery; WebSocket pings/pongs do not count).
  std::chrono::milliseconds member_progress_timeout{300000};
  std::chrono::milliseconds anon_progress_timeout{15000};  ///< after Hello, before joining
  size_t max_connections_per_address = 32;                 ///< concurrent, in memory only
  size_t max_handshaking = 256;  ///< connections (all addresses) that have not sent Hello
  /// Anonymous stores per address (CreateMeeting, non-member ServiceRequest): rate and burst.
  double anon_stores_per_s = 10.0 / 60;
  double anon_stores_burst = 10;
  /// Loaded meetings with no connected member are dropped from memory after this (the store
  /// keeps them; the next join reloads).
  std::chrono::milliseconds meeting_evict_after{30000};
  /// Bytes the database may hold (live pages); writes beyond it are refused, deletes never are.
  /// 0: no quota.
  uint64_t store_quota_bytes = 4ull << 30;
  /// A file of this size is kept in data_dir and deleted to let deletes run on a full disk.
  uint64_t store_reserve_bytes = 16u << 20;
  /// Anonymous admission (docs/admission.md): when set (the issuer's public key, PEM or DER), an
  /// anonymous store (CreateMeeting, a billing registration) needs one redeemed Privacy Pass token
  /// on the connection instead of the per-address store token. Tokens answer the challenge built
  /// from admission_issuer_name and admission_origin (the origin defaults to the issuer name).
  Bytes admission_issuer_pub;
  std::string admission_issuer_name;
  std::string admission_origin;
  /// Redeemed tokens a connection may hold unspent.
  uint32_t max_admission_credits = 16;
  /// Tests only: a hostile relay. Called with every relayed MediaFrame message (after the
  /// sender's slot was checked) and may rewrite it; receivers must then refuse the frame.
  std::function<void(Bytes& media_frame_message)> test_relay_tamper;
  /// First and last back-off of the accept loop when the process is out of descriptors.
  std::chrono::milliseconds accept_backoff_min{50}, accept_backoff_max{1000};
  /// The operator's endpoint: plain HTTP with /metrics (Prometheus text format 0.0.4, aggregate
  /// counters, gauges and histograms only), /healthz and /readyz. Off unless admin_enabled; bind it
  /// to loopback or a private interface (it has no TLS and no authentication).
  bool admin_enabled = false;
  std::string admin_bind_address = "127.0.0.1";
  uint16_t admin_port = 0;  ///< 0: an ephemeral port (see Server::admin_port())
  /// The web client (docs/protocol.md, "Serving the web client"): a plain GET/HEAD on the meeting
  /// port that is not a WebSocket upgrade gets a file from this directory (`/` is index.html;
  /// nothing outside it, no dot files, no directory listings), with strict security headers.
  /// Empty: no pages (404). Page requests count against the connection, per-address and handshake
  /// limits like any connection; the request's path, query and headers are never logged.
  std::string web_root;
  /// Files larger than this are not served (404). A reply must move at least
  /// min_transfer_bytes_per_s after transfer_grace, like any write.
  size_t web_max_file_bytes = 16u << 20;
  /// The server's public origin, e.g. `https://meet.example.org` (path ignored). A WebSocket
  /// upgrade that carries an Origin header (a browser's) is refused with 403 unless the Origin is
  /// this one; empty: https:// + the request's Host header. Upgrades without Origin are accepted.
  std::string public_url;
};

/// Counters for tests, benchmarks and the shutdown summary. No identities.
struct ServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_rejected = 0;  ///< over max_connections
  uint64_t connections_open = 0;
  uint64_t connections_dropped = 0;  ///< closed by the server for misbehaviour or slowness
  uint64_t frames_in = 0;
  uint64_t frames_relayed = 0;                   ///< frame deliveries queued to subscribers
  uint64_t frames_dropped = 0;                   ///< deliveries dropped (congested subscriber), all reasons
  uint64_t video_deltas_dropped = 0;             ///< the three video-delta reasons below together
  uint64_t video_dropped_behind = 0;             ///< deltas arriving while the subscriber's video lagged
  uint64_t video_dropped_awaiting_keyframe = 0;  ///< later deltas of a stream that lost one
  uint64_t video_dropped_superseded = 0;         ///< queued deltas replaced by their stream's keyframe
  uint64_t keyframes_dropped = 0;                ///< keyframes beyond the hard cap (should stay 0)
  uint64_t audio_dropped = 0;                    ///< audio/data/control beyond their queue (should stay 0)
  uint64_t budget_dropped = 0;                   ///< refused by the memory budget
  uint64_t violations = 0;
  uint64_t meetings_loaded = 0;
  uint64_t meetings_resident = 0;  ///< loaded now (evicted when nobody is connected)
  uint64_t memory_used = 0;        ///< bytes charged to the memory budget now
  uint64_t memory_refusals = 0;    ///< charges refused (the request was refused or closed)
  uint64_t accept_backoffs = 0;    ///< accept loop pauses for lack of descriptors
  uint64_t store_refusals = 0;     ///< writes refused by the store quota or rate
};

/// What a service handler sees: the caller's membership (if joined) and the request.
struct ServiceCall {
  std::optional<protocol::Handle> meeting;  ///< set when the caller is a joined member
  std::optional<uint16_t> slot;
  uint16_t service = 0;
  uint16_t op = 0;
  std::vector<Bytes> blobs;
  store::Store* store = nullptr;  ///< thread-safe
};

/// A service's answer (status 0 = ok).
struct ServiceReply {
  uint16_t status = 0;
  std::vector<Bytes> blobs;
};

/// A homomorphic service (issue #7). Runs on the worker pool; must be thread-safe. An error
/// Result becomes Error(kServiceError) with its message (keep messages free of user data).
using ServiceHandler = std::function<Result<ServiceReply>(const ServiceCall&)>;

/// The meeting server. Construct, optionally register services, start(), stop().
class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  ///< stop()s if running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Registers a service handler for `service` id (before start()). Replaces any previous one.
  void register_service(uint16_t service, ServiceHandler handler);

  /// Opens the store, loads/creates TLS material, binds and starts the threads.
  Status start();

  /// Graceful stop: stops accepting, closes every connection, finishes queued control and
  /// service jobs, joins threads. The store stays consistent (every acknowledged request was
  /// committed). Idempotent; safe from any thread except the server's own.
  void stop();

  /// Graceful drain before stop(): stops accepting connections (the listener closes; /readyz
  /// answers 503), then waits until the requests already received have been handled and their
  /// replies written, or `timeout`. Connections stay open; media keeps flowing. Idempotent.
  void drain(std::chrono::milliseconds timeout);

  /// Bound port (after start()).
  uint16_t port() const;
  /// Bound admin port (after start() with admin_enabled), else 0.
  uint16_t admin_port() const;
  /// The /metrics exposition (Prometheus text format 0.0.4). No label names a meeting, handle,
  /// slot or address.
  std::string metrics_text() const;
  /// What /readyz answers: running, not draining, and the store admits writes.
  bool ready() const;
  /// SHA-256 fingerprint of the TLS certificate (after start()).
  std::string fingerprint() const;
  /// Current counters.
  ServerStats stats() const;
  /// The store (after start()), e.g. for the audit.
  store::Store* store();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace v100::meeting::server
