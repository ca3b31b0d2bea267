#include "meeting/server/session.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <mutex>

#include "meeting/server/log.h"
#include "meeting/server/relay.h"
#include "meeting/server/server_impl.h"

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

/// One client connection. Reads and media relay run on its strand; control requests are handed
/// to the control thread; sends from any thread go through a bounded queue.
class Session final : public SessionContext, public std::enable_shared_from_this<Session> {
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
    byte_bucket_.init(o.max_bytes_per_s,
                      std::max(2 * o.max_bytes_per_s, static_cast<double>(o.max_message_bytes)));
    mailbox_puts_.init(o.mailbox_puts_per_s, o.mailbox_put_burst);
    rx_charge_.attach(srv_.budget_);
    tx_charge_.attach(srv_.budget_);
    flush_ = srv_.flush_list_for(ws_.get_executor());
  }

  uint64_t id() const { return id_; }

  void flush_media() override {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  }

  void start() {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->on_start(); });
  }

  /// Queues a control reply or push (never dropped; a connection over its hard cap is closed).
  void send_control(Bytes msg) override {
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
        srv_.counters_.control_out.fetch_add(1, std::memory_order_relaxed);
        // Replies and pushes never wait for a media flush tick: a reply the client waits on
        // leaves ahead of the media gathered so far.
        kick = !writing_ || flush_pending_;
        writing_ = true;
        flush_pending_ = false;
      }
    }
    if (overflow) return close("send queue overflow", true);
    if (kick) net::post(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  }

  /// Queues a relayed frame by the subscriber queue's policy (media_queue.h: audio first, video
  /// deltas dropped up to the next keyframe while behind). A subscriber that keeps dropping
  /// without one write completing is a slow consumer and is disconnected.
  void send_media(const std::shared_ptr<const Bytes>& frame, uint16_t slot, MediaEnvelope env) override {
    bool kick = false, slow = false, defer = false;
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
        // Adaptive coalescing: a connection written to within the last flush interval is in a
        // dense stream, so its frames gather until its thread's next tick (one write for many
        // senders); one that has been quiet that long writes at once (no added latency).
        defer = kick && flush_ != nullptr && now - last_write_ < srv_.opts_.media_flush_interval;
        flush_pending_ = flush_pending_ || defer;
      }
      (void)tx_charge_.resize(out_bytes_ + inflight_bytes_);
    }
    if (slow) return close("slow consumer", true);
    if (!kick) return;
    // The write waits for its I/O thread's flush tick, gathering the frames of other senders on
    // the way (ServerOptions::media_flush_interval).
    if (defer) return flush_->add(shared_from_this());
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->do_write(); });
  }

  /// Closes the connection from any thread. `misbehaved` counts it as dropped.
  void close(const char* why, bool misbehaved) override {
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

  std::atomic<size_t> pending_control_{0};  ///< requests queued, not yet answered

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
        ssl::stream_base::server,
        net::bind_executor(srv_.hs_ioc_, [self = shared_from_this()](beast::error_code ec) {
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
    beast::http::async_read_header(
        ws_.next_layer(), buf_, *upgrade_,
        [self = shared_from_this()](beast::error_code e, size_t) { self->on_upgrade(e); });
  }

  void on_upgrade(beast::error_code ec) {
    if (ec) return finish();
    const bool has_body = !upgrade_->is_done();  // only the header has been read
    auto req = upgrade_->release();
    upgrade_.reset();
    buf_.consume(buf_.size());  // a client sends no frame before the 101 response
    namespace http = beast::http;
    // Not an upgrade: a page of the web client (web_serve.h). The connection stays counted as
    // handshaking and under the handshake deadline; a file's write is under the transfer rule.
    if (!websocket::is_upgrade(req)) {
      auto page = srv_.web_.answer(req);
      if (page.refused) srv_.counters_.violations.fetch_add(1);
      using Text = http::response<http::string_body>;
      if (!page.file) return reply_http(std::make_shared<Text>(std::move(page.other)));
      hello_timer_.cancel();
      write_start_ = std::chrono::steady_clock::now();
      write_size_ = std::max<size_t>(1, page.file->body().size());
      beast::get_lowest_layer(ws_).expires_after(transfer_allowance(write_size_));
      return reply_http(std::make_shared<http::response<http::file_body>>(std::move(*page.file)));
    }
    const bool wrong_target = req.target() != "/v100" || has_body;
    // A browser names the page that opens a socket; only the server's own page may (web_serve.h).
    if (wrong_target || !srv_.web_.upgrade_allowed(req)) {
      srv_.counters_.violations.fetch_add(1);
      auto res = std::make_shared<http::response<http::string_body>>(
          wrong_target ? http::status::not_found : http::status::forbidden, req.version());
      res->set(http::field::content_type, "text/plain; charset=utf-8");
      res->body() =
          wrong_target ? "V100 speaks binary WebSocket at /v100\n" : "cross-origin upgrade refused\n";
      res->prepare_payload();
      res->keep_alive(false);
      srv_.web_.set_security_headers(req, res->base());
      return reply_http(res);
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

  /// Writes one HTTP reply (a page, or a refused upgrade) and ends the connection.
  template <class Response>
  void reply_http(std::shared_ptr<Response> res) {
    beast::http::async_write(ws_.next_layer(), *res,
                             [self = shared_from_this(), res](beast::error_code, size_t) { self->finish(); });
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
    msg_rid_ = static_cast<uint32_t>(p[2]) | static_cast<uint32_t>(p[3]) << 8 |
               static_cast<uint32_t>(p[4]) << 16 | static_cast<uint32_t>(p[5]) << 24;
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
    } else if (srv_.admission_enabled()) {
      // The operator's issuer admits users: one redeemed token per anonymous store, whatever
      // the address (a NAT'd organisation is not throttled; a stranger has no tokens).
      uint32_t c = admission_credits_.load();
      while (c > 0 && !admission_credits_.compare_exchange_weak(c, c - 1)) {
      }
      if (c == 0)
        msg_refusal_ = ErrorCode::kAdmissionRequired;
      else
        msg_limit_ = srv_.opts_.max_message_bytes;
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
    ws_.async_read_some(
        buf_, buf_.capacity() - buf_.size(),
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
    throttle_timer_.expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(wait)));
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
      return reply_error(rid, *refusal,
                         *refusal == ErrorCode::kBusy ? "store quota reached" : "anonymous store rate");
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

  /// A transfer of `bytes` so far may have taken transfer_grace + bytes / min rate.
  std::chrono::milliseconds transfer_allowance(size_t bytes) const {
    const auto& o = srv_.opts_;
    const std::chrono::duration<double> at_min_rate(static_cast<double>(bytes) / o.min_transfer_bytes_per_s);
    return o.transfer_grace + std::chrono::duration_cast<std::chrono::milliseconds>(at_min_rate);
  }

  void check_deadlines() {
    const auto& o = srv_.opts_;
    const auto now = std::chrono::steady_clock::now();
    auto allowed = [this](size_t bytes) { return transfer_allowance(bytes); };
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
      sh.max_media_payload =
          static_cast<uint32_t>(std::min(kMaxMediaPayload, srv_.opts_.max_message_bytes - 64));
      sh.max_members = static_cast<uint16_t>(kMaxMembers);
      send_control(sh.encode(h->request_id));
      return;
    }
    if (!h) {
      violation("bad header");
      return reply_error(0, ErrorCode::kBadMessage, "bad header");
    }
    // Dispatch by the message table's flow (messages.h).
    const Flow flow = *message_flow(h->type);  // decode_header admits table codes only
    if (flow == Flow::kMedia) return relay(std::move(msg));
    if (flow == Flow::kPing) {
      auto ping = Ping::decode(msg);
      if (!ping) return violation("bad ping");
      if (membership().first) progress();  // a member's keep-alive; a stranger's ping is not progress
      return send_control(Pong{ping->token}.encode(h->request_id));
    }
    if (flow != Flow::kRequest && flow != Flow::kStoringRequest) {
      violation("unexpected type");
      return reply_error(h->request_id, ErrorCode::kBadMessage, "unexpected message type");
    }
    // Full validation here, before the request reaches shared state.
    auto env = decode(msg);
    if (!env) {
      violation("undecodable request");
      return reply_error(h->request_id, ErrorCode::kBadMessage, "malformed request");
    }
    if (flow == Flow::kStoringRequest && !srv_.guard_->admits(msg.size()))
      return reply_error(h->request_id, ErrorCode::kBusy, "store quota reached");
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

  // The relay (relay.h): checked here, on this strand, and queued to each subscriber.
  void relay(Bytes msg) {
    const RelayFrame f = admit_frame(*this, msg);
    if (f.violation) return violation(f.violation);
    srv_.counters_.frames_in.fetch_add(1, std::memory_order_relaxed);
    progress();
    fan_out(f, std::move(msg), srv_.opts_.test_relay_tamper);
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
    bool bundled = false, control = false;
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(send_mu_);
      // A flush tick or an early control kick may arrive while the other's write is in flight:
      // that write's completion continues with whatever is queued.
      if (write_in_flight_) return;
      flush_pending_ = false;
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
        control = true;  // counted in control_out until written
        out_bytes_ -= single->size();
      } else {
        const QueuedFrame* f = mq_.front();
        if (mq_.frames() == 1) {
          single = f->data;
          out_bytes_ -= single->size();
          mq_.pop();
        } else {
          // Frames queued behind a write leave together (audio first): one WebSocket message,
          // one TLS write.
          // Gathered from the shared frame buffers: no copy per subscriber.
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
      write_in_flight_ = true;
      last_write_ = now;
      (void)tx_charge_.resize(out_bytes_ + inflight_bytes_);
    }
    write_start_ = now;
    write_size_ = bundled ? bundle_bytes_ : single->size();
    if (!bundled) {
      gather_.assign(1, net::const_buffer(single->data(), single->size()));
      gather_frames_.clear();
    }
    ws_.async_write(gather_, [self = shared_from_this(), single, control](beast::error_code ec, size_t) {
      if (control) self->srv_.counters_.control_out.fetch_sub(1, std::memory_order_relaxed);
      if (ec) {
        {
          std::lock_guard lock(self->send_mu_);
          self->writing_ = false;
          self->write_in_flight_ = false;
        }
        return self->close("write failed", false);
      }
      {
        std::lock_guard lock(self->send_mu_);
        self->dropping_ = false;  // a write completed: the subscriber is making progress
        self->write_in_flight_ = false;
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
      srv_.counters_.control_out.fetch_sub(static_cast<int64_t>(ctrlq_.size()), std::memory_order_relaxed);
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
    srv_.on_session_closed(id_, shared_from_this());
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
  bool handshaking_ = true;             // counted in srv_.handshaking_ until Hello or close
  bool closing_ = false;
  int violations_ = 0;
  TokenBucket msg_bucket_, byte_bucket_;
  Bytes bundle_;                                             // a bundle's header
  std::vector<net::const_buffer> gather_;                    // the message being written
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
  Server::Impl::FlushList* flush_ = nullptr;        // this connection's I/O thread's, or none
  size_t out_bytes_ = 0;
  bool dropping_ = false;
  std::chrono::steady_clock::time_point drop_since_{};
  size_t inflight_bytes_ = 0;     // the message being written, still charged
  BudgetCharge tx_charge_;        // out_bytes_ + inflight_bytes_
  bool writing_ = false;          // a write is in flight or due (kicked, or waiting for a flush tick)
  bool write_in_flight_ = false;  // ws_.async_write started and not completed
  bool flush_pending_ = false;    // writing_ only because media waits for the flush tick
  std::chrono::steady_clock::time_point last_write_{};  // when the last write started
  bool closed_ = false;
  bool close_when_flushed_ = false;
};

}  // namespace

SessionContextPtr start_session(Server::Impl& srv, tcp::socket&& socket, uint64_t id, std::string addr) {
  auto s = std::make_shared<Session>(srv, std::move(socket), id, std::move(addr));
  s->start();
  return s;
}

}  // namespace v100::meeting::server
