#include "meeting/server/server.h"

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <unordered_map>

#include "core/rng.h"
#include "core/secure.h"
#include "hash/sha3.h"
#include "meeting/admission/privacy_pass.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/mailbox_proof.h"
#include "meeting/server/budget.h"
#include "meeting/server/log.h"
#include "meeting/server/media_queue.h"
#include "meeting/server/peer_table.h"
#include "meeting/server/store_guard.h"
#include "meeting/server/tls.h"
#include "meeting/server/worker_pool.h"

namespace v100::meeting::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using namespace protocol;  // NOLINT: the server speaks the protocol everywhere in this file

namespace {

/// Coalesced MediaBundle writes stay below this size (a few TLS records).
constexpr size_t kMaxBundleBytes = 64u << 10;

/// Inbound buffers up to this capacity are "small" charges; beyond it they are bulk charges,
/// which may use only part of the memory budget (MemoryBudget).
constexpr size_t kSmallBuffer = 64u << 10;

struct Counters {
  std::atomic<uint64_t> accepted{0}, rejected{0}, open{0}, dropped{0}, frames_in{0}, relayed{0},
      frames_dropped{0}, violations{0}, meetings_loaded{0}, meetings_resident{0}, accept_backoffs{0};
  std::array<std::atomic<uint64_t>, kNumDropReasons> drops{};  // by DropReason
};

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

class Session;
using SessionPtr = std::shared_ptr<Session>;

/// Relay routing table of one meeting: for each sender slot, the sessions subscribed to it.
/// Immutable once published; rebuilt by the control thread on every membership/subscription
/// change and swapped in (readers on I/O threads take a shared_ptr copy).
struct Routes {
  std::vector<std::vector<SessionPtr>> by_sender;
};

/// One occupied slot.
struct MemberSlot {
  uint64_t join_seq = 0;
  std::array<uint8_t, 32> token_hash{};
  SessionPtr session;  ///< null while the member is offline
  /// Its identity blob is stored: only then is the member announced (MemberEvent kJoined, listed in
  /// JoinAccepted) and counted for the distributor.
  bool identity = false;
  /// When it went offline (or the meeting was loaded), or joined: for the expiry sweep.
  std::chrono::steady_clock::time_point since{};
};

/// In-memory state of a loaded meeting. All fields except the routes are touched only by the
/// control thread.
class MeetingRuntime {
 public:
  Handle handle{};
  uint16_t max_members = 0;
  JoinScheme scheme = JoinScheme::kEd25519;
  Bytes verifier;
  Bytes host_verifier;  ///< Ed25519 public key for RemoveMember; empty: the meeting has no host key
  uint64_t epoch = 0;
  uint64_t next_join_seq = 1;
  std::map<uint16_t, MemberSlot> members;
  /// When the last connected member went away (unset while one is connected); the housekeeping
  /// sweep evicts the meeting from memory meeting_evict_after later.
  std::chrono::steady_clock::time_point unused_since{};
  BudgetCharge charge;  ///< this runtime's estimated footprint

  /// The slot whose member distributes epochs: the online member with a stored identity and the
  /// smallest join_seq (the host while it is there). -1 when there is none. The SDK applies the same
  /// rule to the members it has been told of (docs/protocol.md §4.5).
  int distributor() const {
    int best = -1;
    uint64_t best_seq = UINT64_MAX;
    for (const auto& [slot, ms] : members)
      if (ms.session && ms.identity && ms.join_seq < best_seq) {
        best_seq = ms.join_seq;
        best = slot;
      }
    return best;
  }

  std::shared_ptr<const Routes> routes() const {
    std::lock_guard lock(routes_mu_);
    return routes_;
  }
  void set_routes(std::shared_ptr<const Routes> r) {
    std::lock_guard lock(routes_mu_);
    routes_ = std::move(r);
  }

 private:
  mutable std::mutex routes_mu_;
  std::shared_ptr<const Routes> routes_ = std::make_shared<Routes>();
};
using MeetingPtr = std::shared_ptr<MeetingRuntime>;

// ------------------------------------------------------------------------------------------------

class Server::Impl {
 public:
  explicit Impl(ServerOptions o)
      : opts_(std::move(o)),
        budget_(opts_.memory_budget_bytes ? opts_.memory_budget_bytes : default_memory_budget()),
        peers_(opts_.max_connections_per_address, opts_.anon_stores_per_s, opts_.anon_stores_burst),
        ioc_(std::max(1, opts_.io_threads)),
        ssl_ctx_(ssl::context::tls_server),
        accept_timer_(ioc_),
        housekeeping_timer_(ioc_) {}
  ~Impl() { stop(); }

  Status start();
  void stop();

  // Called by sessions.
  void on_session_closed(const SessionPtr& s);
  void on_control(const SessionPtr& s, Envelope env);
  bool submit_control(std::function<void()> task, bool force);

  ServerOptions opts_;
  Counters counters_;
  void count_drop(DropReason r, uint64_t n) {
    counters_.frames_dropped.fetch_add(n, std::memory_order_relaxed);
    counters_.drops[static_cast<size_t>(r)].fetch_add(n, std::memory_order_relaxed);
  }
  MemoryBudget budget_;  // before everything that holds a charge (sessions in ioc_, meetings)
  PeerTable peers_;
  std::optional<admission::IssuerPublicKey> admission_key_;  // set: anonymous stores need tokens
  Bytes admission_challenge_;
  std::atomic<size_t> handshaking_{0};
  std::unique_ptr<store::Store> store_;
  StoreGuard* guard_ = nullptr;  // store_ itself
  TlsMaterial tls_;
  net::io_context ioc_;
  // TLS handshakes run here, on their own thread, not on the relay's I/O threads: a handshake
  // flood costs at most this one core and never delays media. Declared after ioc_ so it is
  // destroyed first (its pending handlers hold sessions whose sockets belong to ioc_).
  net::io_context hs_ioc_{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> hs_work_;
  std::thread hs_thread_;
  ssl::context ssl_ctx_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  net::steady_timer accept_timer_;        // back-off when out of descriptors
  std::chrono::milliseconds accept_backoff_{0};
  int reserve_fd_ = -1;                   // spent to accept-and-close when out of descriptors
  net::steady_timer housekeeping_timer_;  // slot expiry, meeting eviction, per-address table sweep
  std::vector<std::thread> io_threads_;
  std::unique_ptr<WorkerPool> control_;
  std::unique_ptr<WorkerPool> workers_;
  std::map<uint16_t, ServiceHandler> services_;
  uint16_t port_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::mutex lifecycle_mu_;

  std::mutex sessions_mu_;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions_;
  std::atomic<uint64_t> next_session_id_{1};

  // Control-thread only.
  std::map<Handle, MeetingPtr> meetings_;

 private:
  void do_accept();
  void on_accept_exhausted();
  void schedule_housekeeping();
  void evict_unused_meetings();
  MeetingPtr find_meeting(const Handle& h);
  void rebuild_routes(MeetingRuntime& m);
  void push_to_members(MeetingRuntime& m, const Bytes& msg, int except_slot);
  void detach_member(const SessionPtr& s);
  Status free_slot(MeetingRuntime& m, uint16_t slot, MemberEventKind event);
  void expire_slots();

  void handle(const SessionPtr& s, uint32_t rid, const CreateMeeting& m);
  void handle(const SessionPtr& s, uint32_t rid, const JoinChallengeRequest& m);
  void handle(const SessionPtr& s, uint32_t rid, const JoinProve& m);
  void handle(const SessionPtr& s, uint32_t rid, const GetMeeting& m);
  void handle(const SessionPtr& s, uint32_t rid, const GetKeyBlob& m);
  void handle(const SessionPtr& s, uint32_t rid, const PutKeyBlob& m);
  void handle(const SessionPtr& s, uint32_t rid, const PutRoster& m);
  void handle(const SessionPtr& s, uint32_t rid, const FetchRoster& m);
  void handle(const SessionPtr& s, uint32_t rid, const PostEpoch& m);
  void handle(const SessionPtr& s, uint32_t rid, const FetchEpochKey& m);
  void handle(const SessionPtr& s, uint32_t rid, const Subscribe& m);
  void handle(const SessionPtr& s, uint32_t rid, const Leave& m);
  void handle(const SessionPtr& s, uint32_t rid, const EndMeeting& m);
  void handle(const SessionPtr& s, uint32_t rid, const MailboxChallengeRequest& m);
  void handle(const SessionPtr& s, uint32_t rid, const MailboxPut& m);
  void handle(const SessionPtr& s, uint32_t rid, const MailboxFetch& m);
  unsigned mailbox_put_bits(size_t items_held) const;
  void handle(const SessionPtr& s, uint32_t rid, const ServiceRequest& m);
  void handle(const SessionPtr& s, uint32_t rid, const RemoveMember& m);
  void handle(const SessionPtr& s, uint32_t rid, const RedeemToken& m);

};

// ------------------------------------------------------------------------------------------------

/// One client connection. Reads and media relay run on its strand; control requests are handed
/// to the control thread; sends from any thread go through a bounded queue.
class Session : public std::enable_shared_from_this<Session> {
 public:
  using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

  /// `addr`: the peer's address key, admitted in the per-address table (released in finish()).
  Session(Server::Impl& srv, tcp::socket&& socket, uint64_t id, std::string addr)
      : srv_(srv),
        id_(id),
        addr_(std::move(addr)),
        ws_(std::move(socket), srv.ssl_ctx_),
        hello_timer_(ws_.get_executor()),
        watchdog_(ws_.get_executor()),
        throttle_timer_(ws_.get_executor()),
        mq_(MediaQueueLimits{.audio_bytes = srv.opts_.send_queue_bytes / 4,
                             .video_bytes = srv.opts_.send_queue_bytes - srv.opts_.send_queue_bytes / 4,
                             .max_video_lag = srv.opts_.max_video_lag}) {
    const auto& o = srv_.opts_;
    msg_bucket_.init(o.max_messages_per_s, 2 * o.max_messages_per_s);
    byte_bucket_.init(o.max_bytes_per_s, std::max(2 * o.max_bytes_per_s, static_cast<double>(o.max_message_bytes)));
    mailbox_puts_.init(o.mailbox_puts_per_s, o.mailbox_put_burst);
    rx_charge_.attach(srv_.budget_);
    tx_charge_.attach(srv_.budget_);
  }

  uint64_t id() const { return id_; }

  void start() {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->on_start(); });
  }

  /// Queues a control reply or push (never dropped; a connection over its hard cap is closed).
  void send_control(Bytes msg) {
    auto buf = std::make_shared<const Bytes>(std::move(msg));
    bool kick = false, overflow = false;
    {
      std::lock_guard lock(send_mu_);
      if (closed_) return;
      // Replies are charged to the memory budget before they are queued; a connection whose
      // replies cannot be held is closed (it is not reading, or the server is at its budget).
      if (out_bytes_ + buf->size() > srv_.opts_.send_queue_bytes + 2 * srv_.opts_.max_message_bytes ||
          !tx_charge_.resize(out_bytes_ + inflight_bytes_ + buf->size())) {
        overflow = true;
      } else {
        out_bytes_ += buf->size();
        ctrlq_.push_back(std::move(buf));
        kick = !writing_;
        writing_ = writing_ || kick;
      }
    }
    if (overflow) return close("send queue overflow", true);
    if (kick) net::post(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  }

  /// Queues a relayed frame by the subscriber queue's policy (media_queue.h: audio first, video
  /// deltas dropped up to the next keyframe while behind). A subscriber that keeps dropping
  /// without one write completing is a slow consumer and is disconnected.
  void send_media(const std::shared_ptr<const Bytes>& frame, uint16_t slot, MediaEnvelope env) {
    bool kick = false, slow = false;
    {
      std::lock_guard lock(send_mu_);
      if (closed_) return;
      const auto now = std::chrono::steady_clock::now();
      MediaQueue::Push r;
      if (!tx_charge_.resize(out_bytes_ + inflight_bytes_ + frame->size())) {
        mq_.note_external_drop(slot, env, DropReason::kBudget);
        r.reason = DropReason::kBudget;
      } else {
        r = mq_.push(frame, slot, env, now);
      }
      out_bytes_ -= r.superseded_bytes;
      if (r.superseded) srv_.count_drop(DropReason::kSuperseded, r.superseded);
      if (!r.queued) {
        srv_.count_drop(r.reason, 1);
        // Video deltas dropped while behind are the policy working; only audio or keyframes that
        // cannot be queued mean the subscriber is not keeping up at all.
        if (r.reason == DropReason::kAudioOverflow || r.reason == DropReason::kKeyframeOverflow ||
            r.reason == DropReason::kBudget) {
          if (!dropping_) {
            dropping_ = true;
            drop_since_ = now;
          } else {
            slow = now - drop_since_ > srv_.opts_.slow_consumer_timeout;
          }
        }
      } else {
        out_bytes_ += frame->size();
        srv_.counters_.relayed.fetch_add(1, std::memory_order_relaxed);
        kick = !writing_;
        writing_ = writing_ || kick;
      }
      (void)tx_charge_.resize(out_bytes_ + inflight_bytes_);
    }
    if (slow) return close("slow consumer", true);
    if (kick) net::post(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  }

  /// Closes the connection from any thread. `misbehaved` counts it as dropped.
  void close(const char* why, bool misbehaved) {
    if (!tls_done_.load()) {
      // Handshaking: only the handshake thread may touch the socket. Closing it there ends the
      // handshake with an error, which comes back to this strand (on_tls -> finish).
      net::post(srv_.hs_ioc_, [self = shared_from_this(), why, misbehaved] {
        if (self->tls_done_.load()) return self->close(why, misbehaved);  // finished meanwhile
        if (self->hs_closed_.exchange(true)) return;
        if (misbehaved) self->srv_.counters_.dropped.fetch_add(1);
        log(LogLevel::kDebug, "connection closed by server: %s", why);
        beast::error_code ec;
        beast::get_lowest_layer(self->ws_).socket().close(ec);
      });
      return;
    }
    net::post(ws_.get_executor(), [self = shared_from_this(), why, misbehaved] {
      if (self->closing_) return;
      self->closing_ = true;
      if (misbehaved) self->srv_.counters_.dropped.fetch_add(1);
      log(LogLevel::kDebug, "connection closed by server: %s", why);
      beast::error_code ec;
      self->hello_timer_.cancel();
      self->watchdog_.cancel();
      self->throttle_timer_.cancel();
      beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(self->ws_).socket().close(ec);
    });
  }

  // Membership, read by the relay on the strand and written by the control thread.
  void set_membership(MeetingPtr m, int slot) {
    std::lock_guard lock(member_mu_);
    meeting_ = std::move(m);
    slot_ = slot;
  }
  std::pair<MeetingPtr, int> membership() const {
    std::lock_guard lock(member_mu_);
    return {meeting_, slot_};
  }

  // Control-thread-only state.
  std::optional<std::pair<Handle, Nonce>> challenge_;
  std::optional<std::pair<MailboxId, Nonce>> mailbox_challenge_;  ///< one MailboxPut/Fetch
  TokenBucket mailbox_puts_;
  std::atomic<uint32_t> admission_credits_{0};  ///< redeemed tokens (control thread adds, strand takes)
  SubscribeMode sub_mode_ = SubscribeMode::kNone;
  std::vector<uint16_t> sub_slots_;
  std::atomic<size_t> pending_control_{0};

 private:
  void on_start() {
    beast::get_lowest_layer(ws_).expires_after(srv_.opts_.handshake_timeout);
    // The whole path to Hello must finish within handshake_timeout.
    hello_timer_.expires_after(srv_.opts_.handshake_timeout);
    hello_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->hello_done_) self->close("no hello in time", true);
    });
    arm_watchdog();
    // The handshake's steps (and its CPU: key exchange, signature) run on the handshake thread: a
    // composed operation runs its intermediate steps on its handler's executor. Until tls_done_,
    // the socket belongs to that thread (close() routes there); then back to this strand.
    ws_.next_layer().async_handshake(
        ssl::stream_base::server, net::bind_executor(srv_.hs_ioc_, [self = shared_from_this()](beast::error_code ec) {
          self->tls_done_.store(true);
          net::dispatch(self->ws_.get_executor(), [self, ec] { self->on_tls(ec); });
        }));
  }

  // The protocol is binary WebSocket at exactly /v100 (docs/protocol.md §1): the upgrade request
  // is read here, its target checked, and only then handed to the WebSocket accept.
  void on_tls(beast::error_code ec) {
    if (ec) return finish();
    upgrade_.emplace();
    upgrade_->header_limit(8 * 1024);
    beast::http::async_read(ws_.next_layer(), buf_, *upgrade_,
                            [self = shared_from_this()](beast::error_code e, size_t) { self->on_upgrade(e); });
  }

  void on_upgrade(beast::error_code ec) {
    if (ec) return finish();
    auto req = upgrade_->release();
    upgrade_.reset();
    buf_.consume(buf_.size());  // a client sends no frame before the 101 response
    if (req.target() != "/v100" || !websocket::is_upgrade(req)) {
      srv_.counters_.violations.fetch_add(1);
      auto res = std::make_shared<beast::http::response<beast::http::string_body>>(beast::http::status::not_found,
                                                                                     req.version());
      res->set(beast::http::field::connection, "close");
      res->body() = "V100 speaks binary WebSocket at /v100\n";
      res->prepare_payload();
      beast::http::async_write(ws_.next_layer(), *res,
                               [self = shared_from_this(), res](beast::error_code, size_t) { self->finish(); });
      return;
    }
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket timeouts take over
    websocket::stream_base::timeout t{};
    t.handshake_timeout = srv_.opts_.handshake_timeout;
    t.idle_timeout = srv_.opts_.idle_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.read_message_max(srv_.opts_.max_message_bytes);
    // Control frames from the client cost a message like any other, so a ping flood is a message
    // flood; they never count as progress (a peer that only pings is closed by the watchdog).
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind != websocket::frame_type::close && !msg_bucket_.take(1, std::chrono::steady_clock::now()))
        violation("control frame flood");
    });
    ws_.auto_fragment(false);
    ws_.binary(true);
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code e) {
      if (e) return self->finish();
      self->do_read();
    });
  }

  // ---- inbound: a message is read piece by piece so that its memory is charged before it is
  // allocated, its limit depends on what it is and who sends it, and its pace is watched.

  /// The limit of the message being read (its type is known once its header has arrived).
  size_t message_limit() const { return msg_limit_ ? msg_limit_ : srv_.opts_.anon_message_bytes; }

  /// Sets the current message's limit from its header: members get max_message_bytes; before
  /// joining, only CreateMeeting and ServiceRequest may be large, and only while the address has
  /// an anonymous-store token and the store has room — otherwise the message is read and dropped
  /// (discarded as it arrives) and answered with an error. Every CreateMeeting takes a token (the
  /// per-address creation rate); an anonymous ServiceRequest only once it outgrows
  /// anon_message_bytes (billing registrations are large, bill fetches small).
  void classify_message() {
    const auto* p = static_cast<const uint8_t*>(buf_.data().data());
    msg_rid_ = static_cast<uint32_t>(p[2]) | static_cast<uint32_t>(p[3]) << 8 | static_cast<uint32_t>(p[4]) << 16 |
               static_cast<uint32_t>(p[5]) << 24;
    const auto type = static_cast<MsgType>(p[1]);
    const bool member = membership().first != nullptr;
    msg_limit_ = member ? srv_.opts_.max_message_bytes : srv_.opts_.anon_message_bytes;
    if (!hello_done_) return;
    if (type == MsgType::kServiceRequest && !member) {
      msg_token_pending_ = true;
      return;
    }
    if (type == MsgType::kCreateMeeting) admit_anonymous_store();
  }

  /// Takes the address's store token for the current message (or marks it refused).
  void admit_anonymous_store() {
    msg_token_pending_ = false;
    if (!srv_.guard_->admits(0)) {
      msg_refusal_ = ErrorCode::kBusy;
    } else if (srv_.admission_key_) {
      // The operator's issuer admits users: one redeemed token per anonymous store, whatever
      // the address (a NAT'd organisation is not throttled; a stranger has no tokens).
      uint32_t c = admission_credits_.load();
      while (c > 0 && !admission_credits_.compare_exchange_weak(c, c - 1)) {
      }
      if (c == 0) msg_refusal_ = ErrorCode::kAdmissionRequired;
      else msg_limit_ = srv_.opts_.max_message_bytes;
    } else if (!srv_.peers_.take_store_token(addr_)) {
      msg_refusal_ = ErrorCode::kRateLimited;
    } else {
      msg_limit_ = srv_.opts_.max_message_bytes;
    }
  }

  /// Grows the inbound buffer to `target` bytes, charging first (old and new buffer both exist
  /// during the copy). False when the budget refuses.
  bool grow_buffer(size_t target) {
    if (!rx_charge_.resize(rx_charge_.bytes() + target, target > kSmallBuffer)) return false;
    beast::flat_buffer next;
    next.reserve(target);  // an empty flat_buffer allocates exactly `target`
    const auto d = buf_.data();
    next.commit(net::buffer_copy(next.prepare(d.size()), d));
    buf_ = std::move(next);
    (void)rx_charge_.resize(buf_.capacity());
    return true;
  }

  void do_read() {
    if (closing_) return finish();
    const size_t have = buf_.size();
    if (buf_.capacity() == have) {
      constexpr size_t kFirstRead = 16u << 10;
      const size_t target = std::min(have == 0 ? kFirstRead : 2 * have, message_limit() + 1);
      if (!grow_buffer(target)) {
        srv_.counters_.dropped.fetch_add(1);
        log(LogLevel::kDebug, "connection closed by server: %s", "memory budget");
        return finish();
      }
    }
    ws_.async_read_some(buf_, buf_.capacity() - buf_.size(),
                        [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, size_t n) {
    if (ec) return finish();
    if (ws_.got_text()) {  // every V100 message is binary: a text frame ends the connection
      buf_.consume(buf_.size());
      violation("text frame");
      srv_.counters_.dropped.fetch_add(1);
      log(LogLevel::kDebug, "connection closed by server: %s", "text frame");
      return finish();
    }
    const auto now = std::chrono::steady_clock::now();
    if (n > 0 && msg_bytes_ == 0) msg_start_ = now;
    msg_bytes_ += n;
    byte_bucket_.spend(static_cast<double>(n), now);  // bytes are charged as they arrive
    if (!msg_limit_ && buf_.size() >= kHeaderBytes) classify_message();
    if (msg_token_pending_ && buf_.size() > message_limit()) admit_anonymous_store();
    if (msg_refusal_) {
      buf_.consume(buf_.size());  // a refused message is not kept
    } else if (buf_.size() > message_limit()) {
      violation("message too large");
      close("message too large", true);
      return finish();
    }
    if (ws_.is_message_done()) end_message();
    const double wait = byte_bucket_.debt_seconds();
    if (wait <= 0 || closing_) return do_read();
    // Over the byte rate: stop reading (TCP pushes back on the sender) until the debt is paid.
    throttle_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(wait)));
    throttle_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
      if (e) return self->finish();
      self->do_read();
    });
  }

  /// A whole message is in buf_: hand it on with its charge, free the buffer.
  void end_message() {
    const std::optional<ErrorCode> refusal = msg_refusal_;
    const uint32_t rid = msg_rid_;
    msg_bytes_ = 0;
    msg_limit_ = 0;
    msg_refusal_.reset();
    msg_token_pending_ = false;
    if (refusal) {
      buf_ = beast::flat_buffer{};
      rx_charge_.reset();
      rx_charge_.attach(srv_.budget_);
      violation("anonymous store refused");
      return reply_error(rid, *refusal, *refusal == ErrorCode::kBusy ? "store quota reached" : "anonymous store rate");
    }
    const auto d = buf_.data();
    const auto* p = static_cast<const uint8_t*>(d.data());
    Bytes msg(p, p + d.size());
    buf_ = beast::flat_buffer{};
    BudgetCharge held = std::move(rx_charge_);  // now covers msg (capacity >= its size)
    (void)held.resize(msg.size());
    rx_charge_.attach(srv_.budget_);
    on_message(std::move(msg), std::move(held));
  }

  // ---- deadlines a drip cannot reset (checked by one timer per connection).

  void arm_watchdog() {
    const auto& o = srv_.opts_;
    const auto tick = std::clamp(std::min(o.transfer_grace, o.anon_progress_timeout) / 4,
                                 std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    watchdog_.expires_after(tick);
    watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closing_) return;
      self->check_deadlines();
      if (!self->closing_) self->arm_watchdog();
    });
  }

  void check_deadlines() {
    const auto& o = srv_.opts_;
    const auto now = std::chrono::steady_clock::now();
    // A transfer of `bytes` so far may have taken transfer_grace + bytes / min rate.
    auto allowed = [&](size_t bytes) {
      return o.transfer_grace + std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(
                                    static_cast<double>(bytes) / o.min_transfer_bytes_per_s));
    };
    if (msg_bytes_ > 0 && now - msg_start_ > allowed(msg_bytes_)) return close("message too slow", true);
    if (write_size_ > 0 && now - write_start_ > allowed(write_size_)) return close("reader too slow", true);
    if (!hello_done_) return;  // hello_timer_ covers the handshake
    const bool member = membership().first != nullptr;
    if (now - last_progress_ > (member ? o.member_progress_timeout : o.anon_progress_timeout))
      close("no progress", true);
  }

  void progress() { last_progress_ = std::chrono::steady_clock::now(); }

  void end_handshake() {
    if (handshaking_) srv_.handshaking_.fetch_sub(1);
    handshaking_ = false;
  }

  void violation(const char* what) {
    srv_.counters_.violations.fetch_add(1);
    log(LogLevel::kDebug, "violation: %s", what);
    if (++violations_ >= srv_.opts_.max_violations) close("too many violations", true);
  }

  void reply_error(uint32_t rid, ErrorCode code, const char* text) {
    send_control(Error{code, text}.encode(rid));
  }

  /// One complete message; `held` is its charge on the memory budget (kept by a queued request
  /// until the control thread has handled it).
  void on_message(Bytes msg, BudgetCharge held) {
    if (!msg_bucket_.take(1, std::chrono::steady_clock::now())) {
      violation("rate limit");
      if (!closing_) reply_error(0, ErrorCode::kRateLimited, "rate limit");
      return;
    }

    auto h = decode_header(msg);
    if (!hello_done_) {
      // The first message must be a valid Hello; anything else ends the connection.
      auto hello = h && h->type == static_cast<uint8_t>(MsgType::kHello) ? Hello::decode(msg)
                                                                        : Result<Hello>::error("not hello");
      if (!hello) {
        srv_.counters_.violations.fetch_add(1);
        reply_error(0, ErrorCode::kHelloRequired, "first message must be Hello");
        close_after_flush();
        return;
      }
      if (hello->min_version > kProtocolVersion || hello->max_version < kProtocolVersion) {
        reply_error(h->request_id, ErrorCode::kUnsupportedVersion, "no common protocol version");
        close_after_flush();
        return;
      }
      hello_done_ = true;
      hello_timer_.cancel();
      end_handshake();
      progress();
      ServerHello sh;
      sh.version = kProtocolVersion;
      sh.max_message_bytes = static_cast<uint32_t>(srv_.opts_.max_message_bytes);
      sh.max_media_payload = static_cast<uint32_t>(std::min(kMaxMediaPayload, srv_.opts_.max_message_bytes - 64));
      sh.max_members = static_cast<uint16_t>(kMaxMembers);
      send_control(sh.encode(h->request_id));
      return;
    }
    if (!h) {
      violation("bad header");
      return reply_error(0, ErrorCode::kBadMessage, "bad header");
    }
    const auto type = static_cast<MsgType>(h->type);
    if (type == MsgType::kMediaFrame) return relay(std::move(msg));
    if (type == MsgType::kPing) {
      auto ping = Ping::decode(msg);
      if (!ping) return violation("bad ping");
      if (membership().first) progress();  // a member's keep-alive; a stranger's ping is not progress
      return send_control(Pong{ping->token}.encode(h->request_id));
    }
    if (h->type >= 64 || type == MsgType::kHello) {
      violation("unexpected type");
      return reply_error(h->request_id, ErrorCode::kBadMessage, "unexpected message type");
    }
    // Full validation here, before the request reaches shared state.
    auto env = decode(msg);
    if (!env) {
      violation("undecodable request");
      return reply_error(h->request_id, ErrorCode::kBadMessage, "malformed request");
    }
    if ((type == MsgType::kCreateMeeting || type == MsgType::kPutKeyBlob || type == MsgType::kMailboxPut ||
         type == MsgType::kServiceRequest) &&
        !srv_.guard_->admits(msg.size())) {
      return reply_error(h->request_id, ErrorCode::kBusy, "store quota reached");
    }
    if (pending_control_.load() >= srv_.opts_.max_pending_control) {
      violation("too many pending requests");
      return reply_error(h->request_id, ErrorCode::kBusy, "too many pending requests");
    }
    pending_control_.fetch_add(1);
    progress();
    auto self = shared_from_this();
    auto charge = std::make_shared<BudgetCharge>(std::move(held));  // std::function needs copyable
    bool queued = srv_.submit_control(
        [self, charge, e = std::move(*env)]() mutable {
          self->srv_.on_control(self, std::move(e));
          self->pending_control_.fetch_sub(1);
          charge->reset();
        },
        false);
    if (!queued) {
      pending_control_.fetch_sub(1);
      reply_error(h->request_id, ErrorCode::kBusy, "server busy");
    }
  }

  void relay(Bytes msg) {
    auto v = decode_media_frame_view(msg);
    if (!v) return violation("bad media frame");
    auto [meeting, slot] = membership();
    if (!meeting) return violation("media from non-member");
    if (v->slot != slot) return violation("forged slot");  // a member speaks only for itself
    srv_.counters_.frames_in.fetch_add(1, std::memory_order_relaxed);
    progress();
    MediaEnvelope env = v->env;
    if (srv_.opts_.test_relay_tamper) {
      // Tests: a hostile relay rewrites the frame (envelope, slot, bytes) before fanning it out.
      srv_.opts_.test_relay_tamper(msg);
      auto t = decode_media_frame_view(msg);
      if (!t) return;
      env = t->env;
    }
    auto routes = meeting->routes();
    if (static_cast<size_t>(slot) >= routes->by_sender.size()) return;
    const auto& subs = routes->by_sender[slot];
    if (subs.empty()) return;
    std::fill(msg.begin() + 2, msg.begin() + 6, 0);  // relayed frames carry request id 0
    auto buf = std::make_shared<const Bytes>(std::move(msg));
    for (const auto& s : subs) s->send_media(buf, slot, env);
  }

  void close_after_flush() {
    {
      std::lock_guard lock(send_mu_);
      close_when_flushed_ = true;
      if (writing_) return;
    }
    close("protocol error", true);
  }

  void do_write() {
    std::shared_ptr<const Bytes> single;
    bool bundled = false;
    {
      std::lock_guard lock(send_mu_);
      if (closed_ || (ctrlq_.empty() && mq_.empty())) {
        writing_ = false;
        inflight_bytes_ = 0;
        (void)tx_charge_.resize(out_bytes_);
        if (close_when_flushed_ && !closed_) {
          close_when_flushed_ = false;
          close("protocol error", true);
        }
        return;
      }
      if (!ctrlq_.empty()) {
        // Replies and pushes (epoch keys among them) leave before media.
        single = std::move(ctrlq_.front());
        ctrlq_.pop_front();
        out_bytes_ -= single->size();
      } else {
        const QueuedFrame* f = mq_.front();
        if (mq_.frames() == 1) {
          single = f->data;
          out_bytes_ -= single->size();
          mq_.pop();
        } else {
          // Frames queued behind a write leave together (audio first): one WebSocket message,
          // one TLS write, gathered from the shared frame buffers (no copy per subscriber).
          begin_media_bundle(bundle_);
          gather_.assign(1, net::const_buffer(bundle_.data(), bundle_.size()));
          gather_frames_.clear();
          size_t bytes = bundle_.size();
          uint16_t count = 0;
          while ((f = mq_.front()) != nullptr && count < kMaxBundleFrames &&
                 (count == 0 || bytes + f->data->size() <= kMaxBundleBytes)) {
            const Bytes& b = *f->data;
            gather_.emplace_back(b.data() + kHeaderBytes, b.size() - kHeaderBytes);
            gather_frames_.push_back(f->data);
            bytes += b.size() - kHeaderBytes;
            out_bytes_ -= b.size();
            mq_.pop();
            ++count;
          }
          finish_media_bundle(bundle_, count);
          bundle_bytes_ = bytes;
          bundled = true;
        }
      }
      // The message being written stays charged until its write completes.
      inflight_bytes_ = bundled ? bundle_bytes_ : single->size();
      (void)tx_charge_.resize(out_bytes_ + inflight_bytes_);
    }
    write_start_ = std::chrono::steady_clock::now();
    write_size_ = bundled ? bundle_bytes_ : single->size();
    if (!bundled) {
      gather_.assign(1, net::const_buffer(single->data(), single->size()));
      gather_frames_.clear();
    }
    ws_.async_write(gather_, [self = shared_from_this(), single](beast::error_code ec, size_t) {
      if (ec) {
        {
          std::lock_guard lock(self->send_mu_);
          self->writing_ = false;
        }
        return self->close("write failed", false);
      }
      {
        std::lock_guard lock(self->send_mu_);
        self->dropping_ = false;  // a write completed: the subscriber is making progress
      }
      self->write_size_ = 0;
      if (self->membership().first) self->progress();  // a member receiving media is active
      self->do_write();
    });
  }

  // Runs once, on the strand, when the read loop ends for any reason.
  void finish() {
    {
      std::lock_guard lock(send_mu_);
      if (closed_) return;
      closed_ = true;
      ctrlq_.clear();
      mq_.clear();
      out_bytes_ = inflight_bytes_ = 0;
      tx_charge_.reset();
    }
    closing_ = true;
    hello_timer_.cancel();
    watchdog_.cancel();
    throttle_timer_.cancel();
    buf_ = beast::flat_buffer{};
    rx_charge_.reset();
    end_handshake();
    srv_.peers_.release(addr_);
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
    srv_.counters_.open.fetch_sub(1);
    srv_.on_session_closed(shared_from_this());
  }

  Server::Impl& srv_;
  const uint64_t id_;
  const std::string addr_;  // memory only: the per-address table's key
  Ws ws_;
  net::steady_timer hello_timer_;
  net::steady_timer watchdog_;        // transfer and progress deadlines
  net::steady_timer throttle_timer_;  // reading paused while over the byte rate
  beast::flat_buffer buf_;
  std::optional<beast::http::request_parser<beast::http::empty_body>> upgrade_;
  BudgetCharge rx_charge_;  // buf_'s capacity

  // Strand-only.
  bool hello_done_ = false;
  std::atomic<bool> tls_done_{false};   // set on the handshake thread when the handshake ends
  std::atomic<bool> hs_closed_{false};  // closed while handshaking
  bool handshaking_ = true;  // counted in srv_.handshaking_ until Hello or close
  bool closing_ = false;
  int violations_ = 0;
  TokenBucket msg_bucket_, byte_bucket_;
  Bytes bundle_;                                           // a bundle's header
  std::vector<net::const_buffer> gather_;                  // the message being written
  std::vector<std::shared_ptr<const Bytes>> gather_frames_;  // keeps its frames alive
  size_t bundle_bytes_ = 0;
  // The message being read: bytes so far, when its first byte came, its limit (0: type not yet
  // known), request id, and the error it gets if it is a refused anonymous store.
  size_t msg_bytes_ = 0;
  std::chrono::steady_clock::time_point msg_start_{};
  size_t msg_limit_ = 0;
  uint32_t msg_rid_ = 0;
  std::optional<ErrorCode> msg_refusal_;
  bool msg_token_pending_ = false;  // an anonymous ServiceRequest: a token is needed if it grows
  std::chrono::steady_clock::time_point last_progress_ = std::chrono::steady_clock::now();
  size_t write_size_ = 0;  // the write in progress (0: none)
  std::chrono::steady_clock::time_point write_start_{};

  // Send queue.
  std::mutex send_mu_;
  std::deque<std::shared_ptr<const Bytes>> ctrlq_;  // replies and pushes, never dropped
  MediaQueue mq_;                                   // relayed frames (media_queue.h)
  size_t out_bytes_ = 0;
  bool dropping_ = false;
  std::chrono::steady_clock::time_point drop_since_{};
  size_t inflight_bytes_ = 0;  // the message being written, still charged
  BudgetCharge tx_charge_;     // out_bytes_ + inflight_bytes_
  bool writing_ = false;
  bool closed_ = false;
  bool close_when_flushed_ = false;

  mutable std::mutex member_mu_;
  MeetingPtr meeting_;
  int slot_ = -1;
};

// ------------------------------------------------------------------------------------------------

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
  if (!opts_.admission_issuer_pub.empty()) {
    auto pk = admission::IssuerPublicKey::from_pem_or_der(opts_.admission_issuer_pub);
    if (!pk) return Status::error("server: admission issuer key: " + pk.message());
    if (opts_.admission_issuer_name.empty()) return Status::error("server: admission issuer name required");
    admission_key_ = std::move(pk).value();
    admission_challenge_ = admission::admission_challenge(
        opts_.admission_issuer_name,
        opts_.admission_origin.empty() ? opts_.admission_issuer_name : opts_.admission_origin);
  }
  auto st = store::open_sqlite_store(opts_.data_dir);
  if (!st) return st.status();
  auto guard = std::make_unique<StoreGuard>(std::move(*st), opts_.data_dir, opts_.store_quota_bytes,
                                            opts_.store_reserve_bytes);
  guard_ = guard.get();
  store_ = std::move(guard);
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
  control_ = std::make_unique<WorkerPool>(1, opts_.control_queue);
  workers_ = std::make_unique<WorkerPool>(std::max(1, opts_.worker_threads), opts_.worker_queue);
  stopping_ = false;
  running_ = true;
  reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  accept_backoff_ = std::chrono::milliseconds(0);
  do_accept();
  schedule_housekeeping();
  hs_work_.emplace(hs_ioc_.get_executor());
  hs_thread_ = std::thread([this] { hs_ioc_.run(); });
  pthread_setname_np(hs_thread_.native_handle(), "v100-tls");  // names show in top and /proc
  for (int i = 0; i < std::max(1, opts_.io_threads); ++i) {
    io_threads_.emplace_back([this] { ioc_.run(); });
    pthread_setname_np(io_threads_.back().native_handle(), "v100-io");
  }
  log(LogLevel::kInfo, "listening (io threads %d, worker threads %d)", opts_.io_threads, opts_.worker_threads);
  return Status::ok();
}

void Server::Impl::do_accept() {
  acceptor_->async_accept(net::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (stopping_) return;
    if (ec.value() == EMFILE || ec.value() == ENFILE) return on_accept_exhausted();
    if (!ec) {
      accept_backoff_ = std::chrono::milliseconds(0);
      counters_.accepted.fetch_add(1);
      std::string addr = address_key(socket);  // memory only
      // Global cap, cap on connections still handshaking (all addresses), per-address cap.
      if (counters_.open.load() >= opts_.max_connections || handshaking_.load() >= opts_.max_handshaking ||
          !peers_.admit(addr)) {
        counters_.rejected.fetch_add(1);
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        // A small kernel send buffer keeps the backlog in the subscriber's media queue, where the
        // relay can still send audio first and drop stale video deltas (media_queue.h).
        if (opts_.socket_send_buffer > 0)
          socket.set_option(net::socket_base::send_buffer_size(static_cast<int>(opts_.socket_send_buffer)), ec);
        const uint64_t id = next_session_id_.fetch_add(1);
        counters_.open.fetch_add(1);        // balanced in Session::finish()
        handshaking_.fetch_add(1);          // balanced at Hello or in Session::finish()
        auto s = std::make_shared<Session>(*this, std::move(socket), id, std::move(addr));
        {
          std::lock_guard lock(sessions_mu_);
          sessions_[id] = s;
        }
        s->start();
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
  log(LogLevel::kWarn, "out of file descriptors: accept paused %lld ms", static_cast<long long>(accept_backoff_.count()));
  accept_timer_.expires_after(accept_backoff_);
  accept_timer_.async_wait([this](beast::error_code ec) {
    if (!ec && !stopping_) do_accept();
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
    (void)submit_control(
        [this] {
          expire_slots();
          evict_unused_meetings();
        },
        false);
    schedule_housekeeping();
  });
}

// Control thread: a loaded meeting with no connected member is dropped from memory once it has
// been unused for meeting_evict_after (its state is in the store; find_meeting reloads it).
void Server::Impl::evict_unused_meetings() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = meetings_.begin(); it != meetings_.end();) {
    MeetingRuntime& m = *it->second;
    const bool online = std::any_of(m.members.begin(), m.members.end(), [](const auto& e) { return e.second.session != nullptr; });
    if (online) {
      m.unused_since = {};
    } else if (m.unused_since == std::chrono::steady_clock::time_point{}) {
      m.unused_since = now;
    } else if (now - m.unused_since >= opts_.meeting_evict_after) {
      it = meetings_.erase(it);
      continue;
    }
    ++it;
  }
  counters_.meetings_resident.store(meetings_.size());
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
  std::vector<SessionPtr> live;
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
  control_->stop();
  workers_->stop();
  meetings_.clear();  // control thread has stopped: safe
  hs_work_.reset();
  hs_ioc_.stop();
  if (hs_thread_.joinable()) hs_thread_.join();
  ioc_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
  reserve_fd_ = -1;
  {
    std::lock_guard l(sessions_mu_);
    sessions_.clear();
  }
  running_ = false;
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
      if (control_->try_submit(task)) return true;
      if (stopping_) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  return control_->try_submit(std::move(task));
}

void Server::Impl::on_session_closed(const SessionPtr& s) {
  {
    std::lock_guard lock(sessions_mu_);
    sessions_.erase(s->id());
  }
  if (stopping_) {
    s->set_membership(nullptr, -1);
    return;
  }
  submit_control([this, s] { detach_member(s); }, true);
}

// Control thread: a connection went away without Leave; its slot stays (offline) for reclaim.
void Server::Impl::detach_member(const SessionPtr& s) {
  auto [meeting, slot] = s->membership();
  s->set_membership(nullptr, -1);
  if (!meeting) return;
  auto it = meeting->members.find(static_cast<uint16_t>(slot));
  if (it == meeting->members.end() || it->second.session != s) return;
  it->second.session.reset();
  it->second.since = std::chrono::steady_clock::now();
  rebuild_routes(*meeting);
  push_to_members(*meeting, MemberEvent{MemberEventKind::kOffline, it->first, it->second.join_seq}.encode(), slot);
}

// Control thread: frees a slot that expired (offline too long, or no identity in time) as Leave
// would, and tells the others if they knew of it.
Status Server::Impl::free_slot(MeetingRuntime& m, uint16_t slot, MemberEventKind event) {
  auto it = m.members.find(slot);
  if (it == m.members.end()) return Status::ok();
  if (Status st = store_->delete_slot(m.handle, slot); !st) return st;
  const MemberSlot gone = it->second;
  m.members.erase(it);
  if (gone.session) {
    gone.session->set_membership(nullptr, -1);
    gone.session->close("slot expired", true);
  }
  rebuild_routes(m);
  if (gone.identity) push_to_members(m, MemberEvent{event, slot, gone.join_seq}.encode(), -1);
  return Status::ok();
}

void Server::Impl::expire_slots() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& [h, m] : meetings_) {
    std::vector<uint16_t> expired;
    for (const auto& [slot, ms] : m->members) {
      const bool offline_too_long = !ms.session && now - ms.since >= opts_.offline_slot_ttl;
      const bool no_identity = ms.session && !ms.identity && now - ms.since >= opts_.identity_timeout;
      if (offline_too_long || no_identity) expired.push_back(slot);
    }
    for (uint16_t slot : expired)
      if (!free_slot(*m, slot, MemberEventKind::kLeft)) log(LogLevel::kWarn, "could not free an expired slot");
  }
}

MeetingPtr Server::Impl::find_meeting(const Handle& h) {
  auto it = meetings_.find(h);
  if (it != meetings_.end()) return it->second;
  // A damaged stored meeting is refused (the store names the rule, never the handle): its
  // requests get kUnknownMeeting and the server keeps serving the others.
  auto rec = store_->get_meeting(h);
  if (!rec) log(LogLevel::kWarn, "meeting refused: %s", rec.message().c_str());
  if (!rec || !rec->has_value()) return nullptr;
  auto slots = store_->list_slots(h);
  if (!slots) log(LogLevel::kWarn, "meeting refused: %s", slots.message().c_str());
  if (!slots) return nullptr;
  auto m = std::make_shared<MeetingRuntime>();
  const auto& r = **rec;
  m->handle = h;
  m->max_members = r.max_members;
  m->scheme = static_cast<JoinScheme>(r.scheme);
  m->verifier = r.join_verifier;
  m->epoch = r.epoch;
  m->next_join_seq = r.next_join_seq;
  auto kinds = store_->list_key_blobs(h);
  if (!kinds) return nullptr;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& sr : *slots)
    if (sr.slot < m->max_members) m->members[sr.slot] = MemberSlot{sr.join_seq, sr.token_hash, nullptr, false, now};
  for (const auto& k : *kinds) {
    const int owner = identity_kind_slot(k.kind);
    if (auto slot_it = m->members.find(static_cast<uint16_t>(owner)); owner >= 0 && slot_it != m->members.end())
      slot_it->second.identity = true;
    if (k.kind == kKeyHostVerifier) {
      auto hv = store_->get_key_blob(h, kKeyHostVerifier);
      if (hv && hv->has_value()) m->host_verifier = std::move(**hv);
    }
  }
  auto routes = std::make_shared<Routes>();
  routes->by_sender.resize(m->max_members);
  m->set_routes(std::move(routes));
  // Charged on the memory budget (an estimate: the runtime, its slots and its routing table).
  m->charge = BudgetCharge(budget_, sizeof(MeetingRuntime) + m->verifier.size() + slots->size() * 128 +
                                        m->max_members * sizeof(std::vector<SessionPtr>));
  if (!m->charge.ok()) return nullptr;
  meetings_[h] = m;
  counters_.meetings_loaded.fetch_add(1);
  counters_.meetings_resident.store(meetings_.size());
  return m;
}

void Server::Impl::rebuild_routes(MeetingRuntime& m) {
  auto r = std::make_shared<Routes>();
  r->by_sender.resize(m.max_members);
  for (const auto& [slot, ms] : m.members) {
    if (!ms.session) continue;
    const Session& s = *ms.session;
    if (s.sub_mode_ == SubscribeMode::kAll) {
      for (const auto& [other, os] : m.members)
        if (other != slot) r->by_sender[other].push_back(ms.session);
    } else if (s.sub_mode_ == SubscribeMode::kList) {
      for (uint16_t other : s.sub_slots_)
        if (other != slot && other < m.max_members) r->by_sender[other].push_back(ms.session);
    }
  }
  m.set_routes(std::move(r));
}

void Server::Impl::push_to_members(MeetingRuntime& m, const Bytes& msg, int except_slot) {
  for (const auto& [slot, ms] : m.members)
    if (ms.session && static_cast<int>(slot) != except_slot) ms.session->send_control(msg);
}

namespace {
void reply(const SessionPtr& s, uint32_t rid, const auto& msg) { s->send_control(msg.encode(rid)); }
void fail(const SessionPtr& s, uint32_t rid, ErrorCode code, const char* text) {
  s->send_control(Error{code, text}.encode(rid));
}
}  // namespace

void Server::Impl::on_control(const SessionPtr& s, Envelope env) {
  // The request-handler registry: one overload of handle() per request type. New request kinds
  // (issue #7 services) arrive through ServiceRequest and the service registry instead.
  std::visit(
      [&](auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, CreateMeeting> || std::is_same_v<T, JoinChallengeRequest> ||
                      std::is_same_v<T, JoinProve> || std::is_same_v<T, GetMeeting> ||
                      std::is_same_v<T, GetKeyBlob> || std::is_same_v<T, PutKeyBlob> ||
                      std::is_same_v<T, PutRoster> || std::is_same_v<T, FetchRoster> ||
                      std::is_same_v<T, PostEpoch> || std::is_same_v<T, FetchEpochKey> ||
                      std::is_same_v<T, Subscribe> || std::is_same_v<T, Leave> ||
                      std::is_same_v<T, EndMeeting> || std::is_same_v<T, MailboxPut> ||
                      std::is_same_v<T, MailboxFetch> || std::is_same_v<T, ServiceRequest> ||
                      std::is_same_v<T, MailboxChallengeRequest> || std::is_same_v<T, RemoveMember> ||
                      std::is_same_v<T, RedeemToken>) {
          handle(s, env.request_id, m);
        } else {
          fail(s, env.request_id, ErrorCode::kBadMessage, "unexpected message type");
        }
      },
      env.msg);
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const CreateMeeting& m) {
  if (!join_scheme_supported(m.scheme)) return fail(s, rid, ErrorCode::kUnsupportedScheme, "join scheme not supported");
  if (m.join_verifier.size() != join_verifier_size(m.scheme))
    return fail(s, rid, ErrorCode::kBadMessage, "join verifier has the wrong size");
  for (const auto& k : m.keys) {
    if (k.kind == kKeyHostVerifier && k.blob.size() != join_verifier_size(JoinScheme::kEd25519))
      return fail(s, rid, ErrorCode::kBadMessage, "host verifier must be an Ed25519 public key");
    if (k.kind >= kFirstReservedKeyKind && k.kind != kKeyHostVerifier)
      return fail(s, rid, ErrorCode::kBadMessage, "reserved key kind");
  }
  if (find_meeting(m.handle)) return fail(s, rid, ErrorCode::kMeetingExists, "handle in use");
  store::MeetingRecord rec;
  rec.handle = m.handle;
  rec.max_members = m.max_members;
  rec.scheme = static_cast<uint8_t>(m.scheme);
  rec.join_verifier = m.join_verifier;
  rec.info_blob = m.info_blob;
  Status st = store_->create_meeting(rec, m.keys);
  if (!st) return fail(s, rid, ErrorCode::kInternal, "store error");
  log(LogLevel::kInfo, "meeting created");
  reply(s, rid, Ack{});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const JoinChallengeRequest& m) {
  if (!find_meeting(m.handle)) return fail(s, rid, ErrorCode::kUnknownMeeting, "unknown meeting");
  Nonce n;
  random_bytes(n);
  s->challenge_ = std::make_pair(m.handle, n);
  reply(s, rid, JoinChallenge{n});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const JoinProve& m) {
  // The challenge is consumed by this attempt whatever happens: one nonce, one try.
  auto ch = std::move(s->challenge_);
  s->challenge_.reset();
  if (!ch || !ct_equal(ch->first, m.handle) || !ct_equal(ch->second, m.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching challenge");
  if (s->membership().first) return fail(s, rid, ErrorCode::kAlreadyJoined, "already a member");
  MeetingPtr meeting = find_meeting(m.handle);
  if (!meeting) return fail(s, rid, ErrorCode::kUnknownMeeting, "unknown meeting");
  // A new slot needs the join key; a reclaim is proven by the slot's own random token alone (the
  // join key may have changed since: RemoveMember replaces it), so its proof is not checked.
  if (!m.reclaim && !verify_join_proof(meeting->scheme, meeting->verifier, m.handle, m.nonce, m.proof))
    return fail(s, rid, ErrorCode::kBadProof, "membership proof did not verify");
  const auto now = std::chrono::steady_clock::now();

  uint16_t slot = 0;
  SlotToken token{};
  MemberEventKind event = MemberEventKind::kJoined;
  if (m.reclaim) {
    auto it = meeting->members.find(m.reclaim_slot);
    const auto h = hash::sha3_256(m.reclaim_token);
    if (it == meeting->members.end() || !ct_equal(h, it->second.token_hash))
      return fail(s, rid, ErrorCode::kBadSlot, "cannot reclaim that slot");
    slot = m.reclaim_slot;
    token = m.reclaim_token;
    if (it->second.session && it->second.session != s) {
      // The member reconnected before its old connection timed out: the new one takes over.
      it->second.session->set_membership(nullptr, -1);
      it->second.session->close("replaced by reconnect", false);
    }
    it->second.session = s;
    it->second.since = now;
    event = MemberEventKind::kOnline;
  } else {
    bool found = false;
    for (uint16_t i = 0; i < meeting->max_members; ++i) {
      if (!meeting->members.count(i)) {
        slot = i;
        found = true;
        break;
      }
    }
    if (!found) return fail(s, rid, ErrorCode::kMeetingFull, "meeting full");
    random_bytes(token);
    store::SlotRecord rec{slot, hash::sha3_256(token), meeting->next_join_seq};
    if (!store_->add_slot(meeting->handle, rec, meeting->next_join_seq + 1))
      return fail(s, rid, ErrorCode::kInternal, "store error");
    meeting->members[slot] = MemberSlot{rec.join_seq, rec.token_hash, s, false, now};
    meeting->next_join_seq++;
  }
  s->set_membership(meeting, slot);
  s->sub_mode_ = SubscribeMode::kNone;
  s->sub_slots_.clear();
  rebuild_routes(*meeting);

  JoinAccepted acc;
  acc.slot = slot;
  acc.slot_token = token;
  acc.epoch = meeting->epoch;
  acc.join_seq = meeting->members[slot].join_seq;
  // Members are told of a new slot once its identity blob is stored (PutKeyBlob), not before.
  for (const auto& [sl, ms] : meeting->members)
    if (ms.identity || sl == slot) acc.members.push_back({sl, ms.join_seq, ms.session != nullptr});
  reply(s, rid, acc);
  if (event == MemberEventKind::kOnline && meeting->members[slot].identity)
    push_to_members(*meeting, MemberEvent{event, slot, acc.join_seq}.encode(), slot);
}

namespace {
// The joined meeting of a session, or an error reply.
MeetingPtr require_member(const SessionPtr& s, uint32_t rid, int* slot) {
  auto [m, sl] = s->membership();
  if (!m) fail(s, rid, ErrorCode::kNotMember, "join first");
  *slot = sl;
  return m;
}
}  // namespace

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const GetMeeting&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  auto rec = store_->get_meeting(m->handle);
  auto keys = store_->list_key_blobs(m->handle);
  if (!rec || !rec->has_value() || !keys) return fail(s, rid, ErrorCode::kInternal, "store error");
  MeetingInfo info;
  info.max_members = m->max_members;
  info.scheme = m->scheme;
  info.epoch = m->epoch;
  info.info_blob = (*rec)->info_blob;
  info.keys = *keys;
  reply(s, rid, info);
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const GetKeyBlob& k) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  auto blob = store_->get_key_blob(m->handle, k.kind);
  if (!blob) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!blob->has_value()) return fail(s, rid, ErrorCode::kNotFound, "no such key");
  reply(s, rid, KeyBlob{k.kind, std::move(**blob)});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const PutKeyBlob& k) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (const int owner = identity_kind_slot(k.kind); owner >= 0) {
    // An identity blob lives under its writer's own slot: nobody can plant one for another slot,
    // and a slot's blob goes with the slot (free_slot). The member may replace its own.
    if (owner != slot) return fail(s, rid, ErrorCode::kBadSlot, "identity blob of another slot");
    if (!store_->put_key_blob(m->handle, k.kind, k.blob)) return fail(s, rid, ErrorCode::kInternal, "store error");
    MemberSlot& ms = m->members[static_cast<uint16_t>(slot)];
    const bool announce = !ms.identity;
    ms.identity = true;
    reply(s, rid, Ack{});
    if (announce)
      push_to_members(*m, MemberEvent{MemberEventKind::kJoined, static_cast<uint16_t>(slot), ms.join_seq}.encode(), slot);
    return;
  }
  if (k.kind >= kFirstReservedKeyKind) return fail(s, rid, ErrorCode::kBadMessage, "reserved key kind");
  auto added = store_->add_key_blob(m->handle, k.kind, k.blob);
  if (!added) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!*added) return fail(s, rid, ErrorCode::kBadMessage, "key kind already stored");
  reply(s, rid, Ack{});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const PutRoster& r) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (r.slot != slot) return fail(s, rid, ErrorCode::kBadSlot, "not your slot");
  if (!store_->put_roster(m->handle, store::RosterRecord{r.slot, r.roster_ct, r.name_blob}))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  reply(s, rid, Ack{});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const FetchRoster& f) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  bool more = false;
  const size_t budget = opts_.max_message_bytes - std::min<size_t>(opts_.max_message_bytes / 2, 64u << 10);
  auto entries = store_->get_roster(m->handle, f.first_slot, f.max_entries, budget, &more);
  if (!entries) return fail(s, rid, ErrorCode::kInternal, "store error");
  Roster out;
  for (auto& e : *entries) out.entries.push_back({e.slot, std::move(e.roster_ct), std::move(e.name_blob)});
  out.more = more && !out.entries.empty();
  out.next_slot = out.more ? static_cast<uint16_t>(out.entries.back().slot + 1) : 0;
  reply(s, rid, out);
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const PostEpoch& p) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  // Only the distributor numbers epochs, and only one step at a time: a member cannot jump the
  // counter (to 2^64-1, ending rekeying) or overwrite another member's blob with its own epoch.
  if (m->distributor() != slot) return fail(s, rid, ErrorCode::kNotDistributor, "not the epoch distributor");
  if (m->epoch == UINT64_MAX || p.epoch != m->epoch + 1)
    return fail(s, rid, ErrorCode::kStaleEpoch, "epoch must be the current one plus one");
  for (const auto& e : p.entries)
    if (!m->members.count(e.slot)) return fail(s, rid, ErrorCode::kBadSlot, "recipient slot not occupied");
  if (!store_->put_epoch(m->handle, p.epoch, static_cast<uint16_t>(slot), p.entries))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  m->epoch = p.epoch;
  for (const auto& e : p.entries) {
    const auto& ms = m->members[e.slot];
    if (ms.session) ms.session->send_control(EpochKey{p.epoch, static_cast<uint16_t>(slot), e.blob}.encode(0));
  }
  reply(s, rid, Ack{});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const FetchEpochKey&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  auto rec = store_->get_epoch_blob(m->handle, static_cast<uint16_t>(slot));
  if (!rec) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!rec->has_value()) return fail(s, rid, ErrorCode::kNotFound, "no epoch key for this slot");
  reply(s, rid, EpochKey{(*rec)->epoch, (*rec)->from_slot, std::move((*rec)->blob)});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const Subscribe& sub) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  for (uint16_t x : sub.slots)
    if (x >= m->max_members) return fail(s, rid, ErrorCode::kBadSlot, "slot out of range");
  s->sub_mode_ = sub.mode;
  s->sub_slots_ = sub.slots;
  rebuild_routes(*m);
  reply(s, rid, Ack{});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const Leave&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (!store_->delete_slot(m->handle, static_cast<uint16_t>(slot))) return fail(s, rid, ErrorCode::kInternal, "store error");
  const MemberSlot ms = m->members[static_cast<uint16_t>(slot)];
  m->members.erase(static_cast<uint16_t>(slot));
  s->set_membership(nullptr, -1);
  s->sub_mode_ = SubscribeMode::kNone;
  s->sub_slots_.clear();
  rebuild_routes(*m);
  reply(s, rid, Ack{});
  if (ms.identity)
    push_to_members(*m, MemberEvent{MemberEventKind::kLeft, static_cast<uint16_t>(slot), ms.join_seq}.encode(), slot);
}

// Privacy Pass redemption (docs/admission.md): verify against the issuer key and the server's
// challenge, then record SHA-256(nonce) in the store (a second redemption, even after a restart,
// is refused). The issuer signed a blinded value, so nothing here links the token to the user it
// was issued to.
void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const RedeemToken& r) {
  if (!admission_key_) return fail(s, rid, ErrorCode::kBadMessage, "this server takes no admission tokens");
  if (s->admission_credits_.load() >= opts_.max_admission_credits)
    return fail(s, rid, ErrorCode::kRateLimited, "unspent admission tokens on this connection");
  auto token = admission::Token::parse(r.token);
  if (!token || !admission::verify_token(*token, admission_challenge_, *admission_key_))
    return fail(s, rid, ErrorCode::kBadProof, "admission token did not verify");
  const admission::Digest32 h = admission::nonce_hash(*token);
  auto fresh = store_->add_spent_token(h);
  if (!fresh) return fail(s, rid, ErrorCode::kBusy, "store refused");
  if (!*fresh) return fail(s, rid, ErrorCode::kBadProof, "admission token already redeemed");
  s->admission_credits_.fetch_add(1);
  reply(s, rid, Ack{});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const RemoveMember& r) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  // The challenge (JoinChallengeRequest for the own handle) is consumed whatever happens.
  auto ch = std::move(s->challenge_);
  s->challenge_.reset();
  if (!ch || !ct_equal(ch->first, m->handle) || !ct_equal(ch->second, r.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching challenge");
  if (m->host_verifier.empty()) return fail(s, rid, ErrorCode::kNotHost, "meeting has no host key");
  if (r.new_join_verifier.size() != join_verifier_size(m->scheme))
    return fail(s, rid, ErrorCode::kBadMessage, "new join verifier has the wrong size");
  if (!ed25519_verify(m->host_verifier, remove_transcript(m->handle, r.nonce, r.slot, r.new_join_verifier), r.proof))
    return fail(s, rid, ErrorCode::kNotHost, "host proof did not verify");
  if (r.slot == slot || !m->members.count(r.slot)) return fail(s, rid, ErrorCode::kBadSlot, "no other member in that slot");
  if (!store_->remove_member(m->handle, r.slot, r.new_join_verifier))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  m->verifier = r.new_join_verifier;
  const MemberSlot gone = m->members[r.slot];
  m->members.erase(r.slot);
  const Bytes event = MemberEvent{MemberEventKind::kRemoved, r.slot, gone.join_seq}.encode();
  if (gone.session) {
    gone.session->set_membership(nullptr, -1);
    gone.session->sub_mode_ = SubscribeMode::kNone;
    gone.session->sub_slots_.clear();
    gone.session->send_control(event);  // the removed member learns it, then is a stranger
  }
  rebuild_routes(*m);
  log(LogLevel::kInfo, "member removed by the host");
  reply(s, rid, Ack{});
  push_to_members(*m, event, -1);  // the host too: the distributor (maybe the host) rekeys on it
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const EndMeeting&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (!store_->delete_meeting(m->handle)) return fail(s, rid, ErrorCode::kInternal, "store error");
  push_to_members(*m, MemberEvent{MemberEventKind::kMeetingEnded, static_cast<uint16_t>(slot), 0}.encode(), slot);
  for (auto& [sl, ms] : m->members)
    if (ms.session) ms.session->set_membership(nullptr, -1);
  m->members.clear();
  m->set_routes(std::make_shared<Routes>());
  meetings_.erase(m->handle);
  log(LogLevel::kInfo, "meeting ended");
  reply(s, rid, Ack{});
}

unsigned Server::Impl::mailbox_put_bits(size_t items_held) const {
  return static_cast<unsigned>(std::min<size_t>(
      opts_.mailbox_put_max_bits, opts_.mailbox_put_base_bits + items_held / opts_.mailbox_put_items_per_bit));
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const MailboxChallengeRequest& m) {
  auto held = store_->mailbox_count(m.mailbox);
  if (!held) return fail(s, rid, ErrorCode::kInternal, "store error");
  MailboxChallenge ch;
  random_bytes(ch.nonce);
  ch.put_bits = static_cast<uint8_t>(mailbox_put_bits(*held));
  s->mailbox_challenge_ = std::make_pair(m.mailbox, ch.nonce);  // replaces an unused one
  reply(s, rid, ch);
}

namespace {
// Consumes the connection's mailbox challenge whatever happens next: one nonce, one try.
bool take_mailbox_challenge(const SessionPtr& s, const MailboxId& box, const Nonce& nonce) {
  auto ch = std::move(s->mailbox_challenge_);
  s->mailbox_challenge_.reset();
  return ch && ct_equal(ch->first, box) && ct_equal(ch->second, nonce);
}
}  // namespace

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const MailboxPut& p) {
  if (!take_mailbox_challenge(s, p.mailbox, p.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching mailbox challenge");
  // Spent before the work is checked, so failed puts cost the connection its budget too.
  if (!s->mailbox_puts_.take(1, std::chrono::steady_clock::now()))
    return fail(s, rid, ErrorCode::kRateLimited, "mailbox put budget spent");
  auto held = store_->mailbox_count(p.mailbox);
  if (!held) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (*held >= opts_.mailbox_capacity) return fail(s, rid, ErrorCode::kMailboxFull, "mailbox full");
  // The difficulty of the fill level now, not when the challenge was issued: work solved on many
  // connections while the mailbox was empty cannot all land at the empty price.
  if (!mailbox_put_work_ok(p, mailbox_put_bits(*held)))
    return fail(s, rid, ErrorCode::kBadProof, "not enough mailbox put work");
  MailboxItemId item;
  random_bytes(item);
  auto ok = store_->mailbox_put(p.mailbox, item, p.blob, opts_.mailbox_capacity);
  if (!ok) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!*ok) return fail(s, rid, ErrorCode::kMailboxFull, "mailbox full");
  reply(s, rid, Ack{});
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const MailboxFetch& f) {
  if (!take_mailbox_challenge(s, f.mailbox, f.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching mailbox challenge");
  if (!verify_mailbox_owner(f, f.nonce)) return fail(s, rid, ErrorCode::kBadProof, "mailbox owner proof did not verify");
  if (!f.delete_ids.empty() && !store_->mailbox_delete(f.mailbox, f.delete_ids))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  MailboxItems out;
  const size_t budget = opts_.max_message_bytes - std::min<size_t>(opts_.max_message_bytes / 2, 64u << 10);
  auto items = store_->mailbox_list(f.mailbox, kMaxMailboxItems, budget, &out.more);
  if (!items) return fail(s, rid, ErrorCode::kInternal, "store error");
  out.items = std::move(*items);
  reply(s, rid, out);
}

void Server::Impl::handle(const SessionPtr& s, uint32_t rid, const ServiceRequest& r) {
  auto it = services_.find(r.service);
  if (it == services_.end()) return fail(s, rid, ErrorCode::kUnknownService, "unknown service");
  ServiceCall call;
  auto [m, slot] = s->membership();
  if (m) {
    call.meeting = m->handle;
    call.slot = static_cast<uint16_t>(slot);
  }
  call.service = r.service;
  call.op = r.op;
  call.blobs = r.blobs;
  call.store = store_.get();
  ServiceHandler handler = it->second;
  bool queued = workers_->try_submit([s, rid, handler, call = std::move(call)] {
    auto res = handler(call);
    if (!res) {
      std::string text = res.message().substr(0, kMaxErrorText);
      for (char& c : text)
        if (c < 0x20 || c > 0x7e) c = '?';
      return s->send_control(Error{ErrorCode::kServiceError, text}.encode(rid));
    }
    s->send_control(ServiceResponse{call.service, call.op, res->status, std::move(res->blobs)}.encode(rid));
  });
  if (!queued) fail(s, rid, ErrorCode::kBusy, "service queue full");
}

// ------------------------------------------------------------------------------------------------

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() { impl_->stop(); }

void Server::register_service(uint16_t service, ServiceHandler handler) {
  impl_->services_[service] = std::move(handler);
}

Status Server::start() { return impl_->start(); }
void Server::stop() { impl_->stop(); }
uint16_t Server::port() const { return impl_->port_; }
std::string Server::fingerprint() const { return impl_->tls_.fingerprint; }
store::Store* Server::store() { return impl_->store_.get(); }

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
  s.video_deltas_dropped = d(DropReason::kVideoBehind) + d(DropReason::kAwaitingKeyframe) + d(DropReason::kSuperseded);
  s.video_dropped_behind = d(DropReason::kVideoBehind);
  s.video_dropped_awaiting_keyframe = d(DropReason::kAwaitingKeyframe);
  s.video_dropped_superseded = d(DropReason::kSuperseded);
  s.keyframes_dropped = d(DropReason::kKeyframeOverflow);
  s.audio_dropped = d(DropReason::kAudioOverflow);
  s.budget_dropped = d(DropReason::kBudget);
  s.violations = c.violations.load();
  s.meetings_loaded = c.meetings_loaded.load();
  s.meetings_resident = c.meetings_resident.load();
  s.memory_used = impl_->budget_.used();
  s.memory_refusals = impl_->budget_.refusals();
  s.accept_backoffs = c.accept_backoffs.load();
  s.store_refusals = impl_->guard_ ? impl_->guard_->refusals() : 0;
  return s;
}

}  // namespace v100::meeting::server
