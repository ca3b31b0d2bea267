// The web client served by `v100 serve` (web_serve.h) over real TLS sockets on 127.0.0.1: files
// from the web root with every security header, HEAD, methods, paths that try to leave the root
// (never answered with the outside file's bytes), no web root, the Origin rule for WebSocket
// upgrades (foreign refused, own and absent accepted, with and without a public URL), a request
// that never finishes, a blind log, and meetings that carry on through a burst of page requests.
#include "meeting/server/web_serve.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/beast/http.hpp>
#include <fstream>
#include <iterator>
#include <thread>

#include "server_test_util.h"

namespace v100::meeting {
namespace {

using namespace testutil;  // NOLINT
namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

constexpr std::string_view kSecret = "OUTSIDE-THE-WEB-ROOT-7f3c9a";

void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

template <typename Pred>
bool wait_until(Pred pred, std::chrono::milliseconds t = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + t;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// One HTTPS exchange: TLS (verify none) to 127.0.0.1:port, `raw` written as is, one response read.
struct HttpsReply {
  beast::error_code ec;  // set when no complete response arrived
  http::response<http::string_body> res;
  bool closed_after = false;  // the server closed the connection after the response
};

HttpsReply https_exchange(uint16_t port, const std::string& raw, bool head = false) {
  HttpsReply r;
  net::io_context ioc;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.set_verify_mode(net::ssl::verify_none);
  beast::ssl_stream<tcp::socket> s(ioc, ctx);
  s.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), r.ec);
  if (r.ec) return r;
  timeval tv{5, 0};  // a server that never answers fails the read
  setsockopt(s.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  s.handshake(net::ssl::stream_base::client, r.ec);
  if (r.ec) return r;
  net::write(s, net::buffer(raw), r.ec);
  if (r.ec) return r;
  beast::flat_buffer buf;
  http::response_parser<http::string_body> p;
  p.body_limit(64u << 20);
  p.skip(head);  // a reply to HEAD has a Content-Length but no body
  http::read(s, buf, p, r.ec);
  if (r.ec) return r;
  r.res = p.release();
  // Nothing follows: no body after a HEAD reply, no second response; the server closes.
  char c;
  beast::error_code ec2;
  const size_t extra = buf.size() + s.read_some(net::buffer(&c, 1), ec2);
  r.closed_after = ec2 && extra == 0 && ec2 != net::error::would_block && ec2 != net::error::try_again;
  return r;
}

std::string request(std::string_view method, std::string_view target, uint16_t port,
                    std::string_view extra = "") {
  return std::string(method) + " " + std::string(target) +
         " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n" + std::string(extra) + "\r\n";
}

/// A browser-like WebSocket upgrade request for /v100.
std::string upgrade_request(const std::string& host, const std::string& origin) {
  return "GET /v100 HTTP/1.1\r\nHost: " + host +
         "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
         "Sec-WebSocket-Version: 13\r\nOrigin: " +
         origin + "\r\n\r\n";
}

std::string header(const http::response<http::string_body>& res, std::string_view name) {
  const auto v = res[beast::string_view(name.data(), name.size())];
  return std::string(v.data(), v.size());
}

void expect_security_headers(const http::response<http::string_body>& res, const std::string& wss_origin) {
  EXPECT_EQ(
      header(res, "Content-Security-Policy"),
      "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self' " +
          wss_origin +
          "; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; base-uri 'none'; "
          "form-action 'none'; frame-ancestors 'none'");
  EXPECT_EQ(header(res, "Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(header(res, "Cross-Origin-Embedder-Policy"), "require-corp");
  EXPECT_EQ(header(res, "Cross-Origin-Resource-Policy"), "same-origin");
  EXPECT_EQ(header(res, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(res, "Referrer-Policy"), "no-referrer");
  EXPECT_EQ(header(res, "Strict-Transport-Security"), "max-age=31536000");
  EXPECT_EQ(header(res, "Cache-Control"), "no-store");
  EXPECT_EQ(header(res, "Permissions-Policy"), "camera=(self), microphone=(self), display-capture=(self)");
  EXPECT_EQ(header(res, "Connection"), "close");
}

/// A WebSocket-over-TLS client that sends `origin` (none when empty) and `host` in its upgrade.
struct OriginClient {
  std::unique_ptr<RawWs> raw = std::make_unique<RawWs>();

  beast::error_code connect(uint16_t port, const std::string& host, const std::string& origin) {
    beast::error_code ec;
    beast::get_lowest_layer(*raw->ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return ec;
    timeval tv{5, 0};
    setsockopt(beast::get_lowest_layer(*raw->ws).native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    raw->ws->next_layer().handshake(net::ssl::stream_base::client, ec);
    if (ec) return ec;
    if (!origin.empty())
      raw->ws->set_option(websocket::stream_base::decorator(
          [origin](websocket::request_type& req) { req.set(http::field::origin, origin); }));
    raw->ws->handshake(host, "/v100", ec);
    raw->ws->binary(true);
    return ec;
  }
  /// Hello -> ServerHello, then JoinChallengeRequest -> JoinChallenge for `h`.
  bool round_trip(const Handle& h) {
    if (!raw->send(Hello{}.encode(1))) return false;
    auto sh = raw->read_one();
    if (!sh || !std::holds_alternative<ServerHello>(sh->msg)) return false;
    if (!raw->send(JoinChallengeRequest{h}.encode(2))) return false;
    auto ch = raw->read_one();
    return ch && std::holds_alternative<JoinChallenge>(ch->msg);
  }
};

class WebServeTest : public ServerFixture {
 protected:
  void SetUp() override {
    server::set_log_stderr(false);
    dir_ = temp_dir("web");
    root_ = fs::path(dir_) / "www";
    fs::create_directories(root_ / "sub");
    index_ =
        "<!doctype html><title>V100</title><script src=\"app.js\"></script>\n" + to_hex(random_bytes(64));
    write_file(root_ / "index.html", index_);
    wasm_ = std::string("\0asm\1\0\0\0", 8) + to_hex(random_bytes(32));
    write_file(root_ / "v100.wasm", wasm_);
    write_file(root_ / "sub" / "app.js", "export {};\n");
    write_file(root_ / ".hidden", kSecret);
    write_file(fs::path(dir_) / "secret.txt", kSecret);
    fs::create_symlink(fs::path(dir_) / "secret.txt", root_ / "link.txt");  // a link out of the root
    fs::create_symlink(fs::path(dir_), root_ / "up");                       // a directory link out
    fs::create_symlink(root_ / "index.html", root_ / "alias.html");         // a link inside: served
  }
  server::ServerOptions options(bool web = true, std::string public_url = "") {
    auto o = test_options(dir_ + "/data");
    if (web) o.web_root = root_.string();
    o.public_url = std::move(public_url);
    return o;
  }
  std::string own_wss() const { return "wss://127.0.0.1:" + std::to_string(srv_->port()); }
  HttpsReply get(std::string_view target, std::string_view method = "GET", std::string_view extra = "") {
    return https_exchange(srv_->port(), request(method, target, srv_->port(), extra), method == "HEAD");
  }
  /// A meeting to ask a JoinChallenge for.
  TestMeeting meeting() {
    TestMeeting tm;
    Peer* p = add_peer();
    EXPECT_NE(p, nullptr);
    if (p) {
      EXPECT_TRUE(p->expect<Ack>(tm.create_msg()).has_value());
    }
    return tm;
  }

  fs::path root_;
  std::string index_, wasm_;
};

// ---- pure parts (web_serve.h) ----

TEST(WebServeUnit, NormalizeOrigin) {
  EXPECT_EQ(server::normalize_origin("https://Meet.Example.ORG"), "https://meet.example.org");
  EXPECT_EQ(server::normalize_origin("HTTPS://meet.example.org:443"), "https://meet.example.org");
  EXPECT_EQ(server::normalize_origin("https://meet.example.org:0443"), "https://meet.example.org");
  EXPECT_EQ(server::normalize_origin("https://127.0.0.1:8443"), "https://127.0.0.1:8443");
  EXPECT_EQ(server::normalize_origin("https://[::1]:8443"), "https://[::1]:8443");
  EXPECT_EQ(server::normalize_origin("http://meet.example.org:443"), "http://meet.example.org:443");
  for (const char* bad :
       {"null", "", "https://", "https://a/", "https://u@a", "https://a:0", "https://a:65536",
        "https://a:", "https://a:x", "https://a b", "https://[zz]", "//a", "https://a\r\nX: y"})
    EXPECT_FALSE(server::normalize_origin(bad).has_value()) << bad;
}

TEST(WebServeUnit, ContentTypes) {
  EXPECT_EQ(server::content_type_for("/a/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(server::content_type_for("x.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(server::content_type_for("x.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(server::content_type_for("x.wasm"), "application/wasm");
  EXPECT_EQ(server::content_type_for("x.css"), "text/css; charset=utf-8");
  EXPECT_EQ(server::content_type_for("x.json"), "application/json");
  EXPECT_EQ(server::content_type_for("x.png"), "image/png");
  EXPECT_EQ(server::content_type_for("x.svg"), "image/svg+xml");
  EXPECT_EQ(server::content_type_for("x.ico"), "image/x-icon");
  EXPECT_EQ(server::content_type_for("x.txt"), "application/octet-stream");
  EXPECT_EQ(server::content_type_for(".wasm.bin"), "application/octet-stream");
}

TEST(WebServeUnit, ConfigurationIsChecked) {
  EXPECT_FALSE(server::WebSite::create("/nonexistent-v100-web-root", "", 1).is_ok());
  EXPECT_FALSE(server::WebSite::create("", "http://meet.example.org", 1).is_ok());
  EXPECT_FALSE(server::WebSite::create("", "https://user@meet.example.org", 1).is_ok());
  EXPECT_FALSE(server::WebSite::create("", "meet.example.org", 1).is_ok());
  EXPECT_TRUE(server::WebSite::create("", "https://meet.example.org/app/", 1).is_ok());
  auto o = test_options(temp_dir("web-bad"));
  o.web_root = "/nonexistent-v100-web-root";
  server::Server s(o);
  EXPECT_FALSE(s.start().is_ok());
  std::error_code ec;
  fs::remove_all(o.data_dir, ec);
}

// ---- pages ----

TEST_F(WebServeTest, GetRootServesIndexWithSecurityHeaders) {
  start(options());
  for (const char* target : {"/", "/index.html", "/?x=1", "/alias.html"}) {
    SCOPED_TRACE(target);
    auto r = get(target);
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.res.result(), http::status::ok);
    EXPECT_EQ(r.res.body(), index_);
    EXPECT_EQ(header(r.res, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(header(r.res, "Content-Length"), std::to_string(index_.size()));
    expect_security_headers(r.res, own_wss());
    EXPECT_TRUE(r.closed_after);
  }
  auto js = get("/sub/app.js");
  EXPECT_EQ(js.res.result(), http::status::ok);
  EXPECT_EQ(header(js.res, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(srv_->stats().violations, 0u);  // pages served are not offences
}

TEST_F(WebServeTest, WasmGetsItsType) {
  start(options());
  auto r = get("/v100.wasm");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.res.result(), http::status::ok);
  EXPECT_EQ(header(r.res, "Content-Type"), "application/wasm");
  EXPECT_EQ(r.res.body(), wasm_);
}

TEST_F(WebServeTest, HeadGivesHeadersAndNoBody) {
  start(options());
  auto r = get("/", "HEAD");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.res.result(), http::status::ok);
  EXPECT_EQ(header(r.res, "Content-Length"), std::to_string(index_.size()));
  EXPECT_EQ(header(r.res, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(r.res.body().empty());
  EXPECT_TRUE(r.closed_after) << "bytes followed the HEAD reply";
  expect_security_headers(r.res, own_wss());
}

TEST_F(WebServeTest, OnlyGetAndHead) {
  start(options());
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    SCOPED_TRACE(method);
    auto r = get("/", method, "Content-Length: 0\r\n");
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.res.result(), http::status::method_not_allowed);
    EXPECT_EQ(header(r.res, "Allow"), "GET, HEAD");
    EXPECT_EQ(r.res.body().find("<title>"), std::string::npos);
    expect_security_headers(r.res, own_wss());
  }
}

TEST_F(WebServeTest, PathsOutsideTheRootAreNotFound) {
  start(options());
  int answered = 0;
  for (const char* target : {"/../secret.txt",
                             "/%2e%2e/secret.txt",
                             "/%2E%2E%2Fsecret.txt",
                             "/a/../../secret.txt",
                             "/sub/../../secret.txt",
                             "/..%2fsecret.txt",
                             "/%252e%252e/secret.txt",
                             "/index.html%00",
                             "/index.html%00.png",
                             "/link.txt",
                             "/up/secret.txt",
                             "/up/data/server.log",
                             "/.hidden",
                             "/%2ehidden",
                             "/sub/",
                             "/sub",
                             "//secret.txt",
                             "/%5c..%5csecret.txt",
                             "/./index.html",
                             "/index.html/",
                             "/nope.html",
                             "/%zz",
                             "/%",
                             "secret.txt",
                             "http://127.0.0.1/secret.txt"}) {
    SCOPED_TRACE(target);
    auto r = get(target);
    ASSERT_FALSE(r.ec) << r.ec.message();  // answered, not dropped
    ++answered;
    EXPECT_EQ(r.res.result(), http::status::not_found);
    EXPECT_EQ(r.res.body().find(kSecret), std::string::npos);
    EXPECT_EQ(r.res.body().find("<title>"), std::string::npos);
    expect_security_headers(r.res, own_wss());
  }
  EXPECT_EQ(answered, 25);
  // An absolute path of the outside file, as a target.
  auto abs = get("/" + (fs::path(dir_) / "secret.txt").string());
  EXPECT_EQ(abs.res.result(), http::status::not_found);
  EXPECT_EQ(abs.res.body().find(kSecret), std::string::npos);
}

TEST_F(WebServeTest, NoWebRootMeansNotFound) {
  start(options(false));
  for (const char* target : {"/", "/index.html"}) {
    auto r = get(target);
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.res.result(), http::status::not_found);
    EXPECT_EQ(r.res.body().find("<title>"), std::string::npos);
    expect_security_headers(r.res, own_wss());
  }
}

TEST_F(WebServeTest, FilesOverTheCapAreNotServed) {
  auto o = options();
  o.web_max_file_bytes = index_.size() - 1;
  start(o);
  EXPECT_EQ(get("/").res.result(), http::status::not_found);
  EXPECT_EQ(get("/sub/app.js").res.result(), http::status::ok);
}

TEST_F(WebServeTest, UnfinishedRequestIsClosedAtTheHandshakeDeadline) {
  auto o = options();
  o.handshake_timeout = 1000ms;
  start(o);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = https_exchange(srv_->port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // no end of header
  EXPECT_TRUE(r.ec);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_TRUE(wait_until([&] { return srv_->stats().connections_open == 0; }));
}

TEST_F(WebServeTest, PageRequestsCountAsHandshakes) {
  auto o = options();
  o.max_handshaking = 2;
  start(o);
  // Two page requests that never finish their header hold the two pre-Hello places...
  struct Held {
    net::io_context ioc;
    net::ssl::context ctx{net::ssl::context::tls_client};
    std::unique_ptr<beast::ssl_stream<tcp::socket>> s;
  };
  std::vector<std::unique_ptr<Held>> held;
  for (int i = 0; i < 2; ++i) {
    auto h = std::make_unique<Held>();
    h->ctx.set_verify_mode(net::ssl::verify_none);
    h->s = std::make_unique<beast::ssl_stream<tcp::socket>>(h->ioc, h->ctx);
    h->s->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), srv_->port()));
    h->s->handshake(net::ssl::stream_base::client);
    net::write(*h->s, net::buffer(std::string("GET / HTTP/1.1\r\n")));
    held.push_back(std::move(h));
  }
  // ...so a third connection is turned away at once.
  const uint64_t rejected = srv_->stats().connections_rejected;
  EXPECT_TRUE(get("/").ec);
  EXPECT_EQ(srv_->stats().connections_rejected, rejected + 1);
  held.clear();
  EXPECT_TRUE(wait_until([&] { return srv_->stats().connections_open == 0; }));
  EXPECT_EQ(get("/").res.result(), http::status::ok);
}

// ---- the Origin rule ----

TEST_F(WebServeTest, ForeignOriginUpgradeIsRefused) {
  start(options());
  const std::string host = "127.0.0.1:" + std::to_string(srv_->port());
  for (const std::string& origin : std::vector<std::string>{
           "https://evil.example", "https://127.0.0.1", "http://" + host, "null",
           "https://127.0.0.1:" + std::to_string(srv_->port() + 1), "https://" + host + "/x"}) {
    SCOPED_TRACE(origin);
    const uint64_t before = srv_->stats().violations;
    OriginClient c;
    auto r = https_exchange(srv_->port(), upgrade_request(host, origin));
    ASSERT_FALSE(r.ec) << r.ec.message();
    EXPECT_EQ(r.res.result(), http::status::forbidden);
    EXPECT_TRUE(r.closed_after);
    expect_security_headers(r.res, own_wss());
    EXPECT_EQ(srv_->stats().violations, before + 1);
    EXPECT_EQ(c.connect(srv_->port(), host, origin), websocket::error::upgrade_declined);
    // The meeting protocol is not reachable through the refused connection.
    EXPECT_FALSE(c.raw->send(Hello{}.encode(1)) && c.raw->read_one().has_value());
  }
  EXPECT_TRUE(wait_until([&] { return srv_->stats().connections_open == 0; }));
}

TEST_F(WebServeTest, OwnOriginAndNoOriginUpgrade) {
  start(options());
  const TestMeeting tm = meeting();
  const std::string host = "127.0.0.1:" + std::to_string(srv_->port());
  for (const std::string& origin :
       std::vector<std::string>{"https://" + host, "HTTPS://127.0.0.1:" + std::to_string(srv_->port()), ""}) {
    SCOPED_TRACE(origin);
    OriginClient c;
    ASSERT_FALSE(c.connect(srv_->port(), host, origin));
    EXPECT_TRUE(c.round_trip(tm.handle));
  }
  // A default port is dropped on both sides: Host without a port, Origin with :443.
  OriginClient d;
  ASSERT_FALSE(d.connect(srv_->port(), "Meet.Example.org", "https://meet.example.org:443"));
  EXPECT_TRUE(d.round_trip(tm.handle));
  // The SDK's transport (no Origin) as before.
  EXPECT_NE(add_peer(), nullptr);
}

TEST_F(WebServeTest, PublicUrlIsTheOnlyOrigin) {
  start(options(true, "https://Meet.Example.org/app/"));
  const TestMeeting tm = meeting();
  const std::string host = "127.0.0.1:" + std::to_string(srv_->port());
  OriginClient good;
  ASSERT_FALSE(good.connect(srv_->port(), host, "https://meet.example.org"));
  EXPECT_TRUE(good.round_trip(tm.handle));
  // With a public URL, the Host-derived origin is foreign.
  auto r403 = https_exchange(srv_->port(), upgrade_request(host, "https://" + host));
  EXPECT_EQ(r403.res.result(), http::status::forbidden);
  OriginClient host_derived;
  EXPECT_EQ(host_derived.connect(srv_->port(), host, "https://" + host), websocket::error::upgrade_declined);
  OriginClient none;
  ASSERT_FALSE(none.connect(srv_->port(), host, ""));
  EXPECT_TRUE(none.round_trip(tm.handle));
  // The page names the public wss origin in its CSP.
  auto r = get("/");
  EXPECT_EQ(r.res.result(), http::status::ok);
  expect_security_headers(r.res, "wss://meet.example.org");
}

// ---- blindness and capacity ----

TEST_F(WebServeTest, LogHoldsNoRequestData) {
  server::set_log_level(server::LogLevel::kDebug);  // even the most verbose log stays blind
  start(options());
  const std::vector<std::string> markers = {"marker-page-q7", "marker-query-k2", "marker-header-z9",
                                            "marker-origin-w4", "marker-missing-p1"};
  (void)get("/sub/app.js?marker-query-k2=1", "GET", "X-Probe: marker-header-z9\r\n");
  (void)get("/marker-page-q7.html");
  (void)get("/../marker-missing-p1");
  (void)get("/marker-page-q7.html", "POST", "Content-Length: 0\r\n");
  OriginClient c;
  (void)c.connect(srv_->port(), "127.0.0.1", "https://marker-origin-w4.example");
  c.raw.reset();
  srv_->stop();
  server::set_log_level(server::LogLevel::kInfo);
  const std::string log = read_file(fs::path(dir_) / "data" / "server.log");
  EXPECT_FALSE(log.empty());
  for (const auto& m : markers) EXPECT_EQ(log.find(m), std::string::npos) << m;
  for (const char* s : {"GET", "POST", "/sub/", "app.js", "127.0.0.1", "evil"})
    EXPECT_EQ(log.find(s), std::string::npos) << s;
}

TEST_F(WebServeTest, MeetingsCarryOnThroughAPageBurst) {
  start(options());
  auto h = HonestMeeting::start(srv_->port(), srv_->fingerprint());
  ASSERT_TRUE(h);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        auto r = get(i % 3 == 0 ? "/" : i % 3 == 1 ? "/v100.wasm" : "/../secret.txt", t % 2 ? "HEAD" : "GET");
        if (!r.ec && r.res.result() != http::status::internal_server_error) ok.fetch_add(1);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 60);
  h->expect_alive();
  // Every page connection is gone: only the meeting's peers remain.
  EXPECT_TRUE(wait_until([&] { return srv_->stats().connections_open == 2; }));
}

}  // namespace
}  // namespace v100::meeting
