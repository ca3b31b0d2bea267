// Hardening of `v100 serve` against the outside attacks of the hardening issue, each performed
// against a real server on loopback (or its store on disk) and asserted to hold:
//  - TLS: only ECDHE groups (no ffdhe CPU burn), TLS 1.2 only with ECDHE + AEAD suites;
//  - only binary WebSocket at exactly /v100: another upgrade target or a text frame is refused;
//  - a damaged or hand-edited database is refused per meeting, never a crash;
//  - deleted blobs are gone from both the database file and its -wal, without a clean stop;
//  - a data dir missing exactly one of cert.pem / key.pem is refused (no silent new pin).
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fstream>
#include <iterator>
#include <thread>

#include "meeting/server/tls.h"
#include "meeting/store/store.h"
#include "server_test_util.h"

namespace v100::meeting {
namespace {

using namespace testutil;  // NOLINT
namespace fs = std::filesystem;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server::set_log_stderr(false);
    dir_ = temp_dir("hardening");
  }
  void TearDown() override {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Every refused connection is torn down (the open counter returns to the honest meeting's
  // connections), not left half-open.
  bool all_connections_closed(uint64_t expected_open = kHonestConnections) {
    for (int i = 0; i < 200 && srv_->stats().connections_open > expected_open; ++i)
      std::this_thread::sleep_for(10ms);
    return srv_->stats().connections_open == expected_open;
  }
  // Every attack runs beside an honest meeting (two connections) that must keep working.
  static constexpr uint64_t kHonestConnections = 2;
  std::unique_ptr<HonestMeeting> honest() {
    auto h = HonestMeeting::start(srv_->port(), srv_->fingerprint());
    EXPECT_TRUE(h) << "honest meeting did not start";
    return h;
  }
  Status start() {
    srv_ = std::make_unique<server::Server>(test_options(dir_));
    return srv_->start();
  }
  void stop() {
    if (srv_) srv_->stop();
    srv_.reset();
  }
  std::string dir_;
  std::unique_ptr<server::Server> srv_;
};

// ---- TLS: a raw OpenSSL client with chosen versions, groups and suites ----

struct TlsOutcome {
  bool ok = false;
  std::string version, cipher;
  int group_nid = 0;
};

// Handshakes with the server at 127.0.0.1:port. Empty strings keep OpenSSL's client defaults.
TlsOutcome tls_handshake(uint16_t port, int max_version, const char* groups, const char* tls12_ciphers) {
  TlsOutcome out;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  EXPECT_NE(ctx, nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  if (groups) {
    EXPECT_EQ(SSL_CTX_set1_groups_list(ctx, groups), 1) << groups;
  }
  if (tls12_ciphers) {
    EXPECT_EQ(SSL_CTX_set_cipher_list(ctx, tls12_ciphers), 1) << tls12_ciphers;
  }
  net::io_context ioc;
  tcp::socket sock(ioc);
  sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  timeval tv{5, 0};
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, sock.native_handle());
  out.ok = SSL_connect(ssl) == 1;
  if (out.ok) {
    out.version = SSL_get_version(ssl);
    out.cipher = SSL_get_cipher_name(ssl);
    out.group_nid = SSL_get_negotiated_group(ssl);
    SSL_shutdown(ssl);
  }
  ERR_clear_error();
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return out;
}

TEST_F(HardeningTest, TlsRefusesFiniteFieldGroupsAndCbcSuites) {
  ASSERT_TRUE(start().is_ok());
  auto h = honest();
  ASSERT_TRUE(h);
  const uint16_t port = srv_->port();
  // The CPU-burn attack: a TLS 1.3 ClientHello offering only ffdhe8192.
  EXPECT_FALSE(tls_handshake(port, TLS1_3_VERSION, "ffdhe8192", nullptr).ok);
  EXPECT_FALSE(tls_handshake(port, TLS1_3_VERSION, "ffdhe2048:ffdhe3072", nullptr).ok);
  // TLS 1.2 with only CBC-SHA1 suites (ECDHE-ECDSA-AES128-SHA matches the server's key type, so
  // only the suite policy can refuse it) and with a non-ECDHE AEAD suite.
  EXPECT_FALSE(
      tls_handshake(port, TLS1_2_VERSION, nullptr, "AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA")
          .ok);
  EXPECT_FALSE(
      tls_handshake(port, TLS1_2_VERSION, nullptr, "AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256").ok);
  // TLS 1.2 ECDHE with an ffdhe-only group list has no common group either.
  EXPECT_FALSE(tls_handshake(port, TLS1_2_VERSION, "ffdhe2048", "ECDHE-ECDSA-AES128-GCM-SHA256").ok);

  // What is allowed still works, and is what was asked for.
  TlsOutcome x = tls_handshake(port, TLS1_3_VERSION, "X25519", nullptr);
  ASSERT_TRUE(x.ok);
  EXPECT_EQ(x.version, "TLSv1.3");
  EXPECT_EQ(x.group_nid, NID_X25519);
  TlsOutcome p = tls_handshake(port, TLS1_3_VERSION, "P-384", nullptr);
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.group_nid, NID_secp384r1);
  // Offered ffdhe first, the server still picks an ECDHE group.
  TlsOutcome mixed = tls_handshake(port, TLS1_3_VERSION, "ffdhe8192:P-256", nullptr);
  ASSERT_TRUE(mixed.ok);
  EXPECT_EQ(mixed.group_nid, NID_X9_62_prime256v1);
  for (const char* suite :
       {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
    TlsOutcome t = tls_handshake(port, TLS1_2_VERSION, nullptr, suite);
    ASSERT_TRUE(t.ok) << suite;
    EXPECT_EQ(t.version, "TLSv1.2");
    EXPECT_EQ(t.cipher, suite);
  }
  // The SDK's own transport still connects and says Hello.
  EXPECT_NE(Peer::connect(port, srv_->fingerprint()), nullptr);
  h->expect_alive();
}

// ---- WebSocket: binary at exactly /v100 ----

using RawWs = websocket::stream<beast::ssl_stream<tcp::socket>>;

struct RawClient {
  net::io_context ioc;
  net::ssl::context ctx{net::ssl::context::tls_client};
  std::unique_ptr<RawWs> ws;

  // TLS (verify none) to 127.0.0.1:port, then the WebSocket upgrade at `target`.
  beast::error_code connect(uint16_t port, const std::string& target) {
    ctx.set_verify_mode(net::ssl::verify_none);
    ws = std::make_unique<RawWs>(ioc, ctx);
    auto& sock = beast::get_lowest_layer(*ws);
    sock.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    timeval tv{5, 0};  // a read the server never answers fails after 5 s (checked below)
    setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    beast::error_code ec;
    ws->next_layer().handshake(net::ssl::stream_base::client, ec);
    if (ec) return ec;
    ws->handshake("127.0.0.1", target, ec);
    return ec;
  }
  // One message; error when the server closed the connection.
  beast::error_code read(Bytes& out) {
    beast::flat_buffer b;
    beast::error_code ec;
    ws->read(b, ec);
    auto d = b.data();
    out.assign(static_cast<const uint8_t*>(d.data()), static_cast<const uint8_t*>(d.data()) + d.size());
    return ec;
  }
};

bool is_timeout(const beast::error_code& ec) {
  return ec == net::error::would_block || ec == net::error::try_again || ec == net::error::timed_out;
}

TEST_F(HardeningTest, UpgradeOnlyAtV100) {
  ASSERT_TRUE(start().is_ok());
  auto h = honest();
  ASSERT_TRUE(h);
  for (const char* target : {"/", "/v100/", "/V100", "/v1000", "/v100?x=1", "/chat", "/../v100"}) {
    RawClient c;
    beast::error_code ec = c.connect(srv_->port(), target);
    EXPECT_TRUE(ec) << target << " was accepted";
    EXPECT_FALSE(is_timeout(ec)) << target << ": the server did not answer";
  }
  EXPECT_GE(srv_->stats().violations, 7u);
  EXPECT_TRUE(all_connections_closed());
  // The right path works, and a binary Hello gets a ServerHello.
  RawClient good;
  ASSERT_FALSE(good.connect(srv_->port(), "/v100"));
  good.ws->binary(true);
  Bytes hello = protocol::Hello{}.encode(7);
  good.ws->write(net::buffer(hello));
  Bytes reply;
  ASSERT_FALSE(good.read(reply));
  auto env = protocol::decode(reply);
  ASSERT_TRUE(env.is_ok()) << env.message();
  EXPECT_TRUE(std::holds_alternative<protocol::ServerHello>(env->msg));
  h->expect_alive();
}

TEST_F(HardeningTest, TextFrameClosesTheConnection) {
  ASSERT_TRUE(start().is_ok());
  auto h = honest();
  ASSERT_TRUE(h);
  const Bytes hello = protocol::Hello{}.encode(1);
  // A text frame first, and a text frame after a valid binary Hello: both end the connection.
  for (bool after_hello : {false, true}) {
    SCOPED_TRACE(after_hello);
    const uint64_t dropped = srv_->stats().connections_dropped;
    RawClient c;
    ASSERT_FALSE(c.connect(srv_->port(), "/v100"));
    Bytes reply;
    if (after_hello) {
      c.ws->binary(true);
      c.ws->write(net::buffer(hello));
      ASSERT_FALSE(c.read(reply));
    }
    c.ws->text(true);
    // The same bytes as a valid Hello / Ping, sent as text: the frame type alone is the offence.
    beast::error_code ec;
    c.ws->write(net::buffer(after_hello ? protocol::Ping{}.encode(2) : hello), ec);
    ASSERT_FALSE(ec);
    const auto t0 = std::chrono::steady_clock::now();
    ec = c.read(reply);
    EXPECT_TRUE(ec) << "the server answered a text frame";
    EXPECT_FALSE(is_timeout(ec)) << "the server kept the connection open";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << ec.message();
    EXPECT_GT(srv_->stats().connections_dropped, dropped);
  }
  // Both sessions were torn down, not left half-open.
  EXPECT_TRUE(all_connections_closed());
  h->expect_alive();
}

// ---- the store: damaged rows, deleted bytes ----

sqlite3* open_raw(const std::string& dir) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((dir + "/" + store::kDatabaseFile).c_str(), &db), SQLITE_OK);
  return db;
}

void exec_raw(sqlite3* db, const std::string& sql) {
  char* msg = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg), SQLITE_OK)
      << sql << ": " << (msg ? msg : "");
  sqlite3_free(msg);
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Creates a meeting with one occupied slot through the store API, as the server would.
void store_meeting_with_slot(const std::string& dir, const TestMeeting& tm) {
  auto st = store::open_sqlite_store(dir);
  ASSERT_TRUE(st.is_ok()) << st.message();
  CreateMeeting cm = tm.create_msg(64);
  const store::MeetingRecord rec{.handle = tm.handle,
                                 .max_members = cm.max_members,
                                 .scheme = static_cast<uint8_t>(cm.scheme),
                                 .join_verifier = cm.join_verifier,
                                 .info_blob = cm.info_blob};
  ASSERT_TRUE((*st)->create_meeting(rec, cm.keys).is_ok());
  store::SlotRecord slot;
  slot.slot = 1;
  slot.join_seq = 1;
  random_bytes(slot.token_hash);
  ASSERT_TRUE((*st)->add_slot(tm.handle, slot, 2).is_ok());
}

TEST_F(HardeningTest, DamagedSlotRowIsRefusedNotACrash) {
  TestMeeting tm;
  store_meeting_with_slot(dir_, tm);
  // The operator-side attack: slot 5000 in a meeting of 2 (it used to write out of bounds on load).
  sqlite3* db = open_raw(dir_);
  exec_raw(db, "UPDATE slots SET slot=5000");
  exec_raw(db, "UPDATE meetings SET max_members=2");
  sqlite3_close(db);

  ASSERT_TRUE(start().is_ok());
  auto h = honest();
  ASSERT_TRUE(h);
  auto p = Peer::connect(srv_->port(), srv_->fingerprint());
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->error_code(JoinChallengeRequest{tm.handle}), static_cast<int>(ErrorCode::kUnknownMeeting));
  // Asked again (and by another connection): still refused, and the server keeps serving.
  auto q = Peer::connect(srv_->port(), srv_->fingerprint());
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->error_code(JoinChallengeRequest{tm.handle}), static_cast<int>(ErrorCode::kUnknownMeeting));
  TestMeeting other;
  EXPECT_TRUE(q->expect<Ack>(other.create_msg(4)).has_value());
  EXPECT_TRUE(q->join(other.handle, other.join_seed).has_value());
  h->expect_alive();
  h.reset();
  stop();
  // The operator learns why from the log, which names neither the meeting nor the values.
  const std::string log = read_all(dir_ + "/server.log");
  EXPECT_NE(log.find("meeting refused: store: damaged slot record"), std::string::npos) << log;
  EXPECT_EQ(log.find(to_hex(tm.handle)), std::string::npos);
  EXPECT_EQ(log.find("5000"), std::string::npos);
}

TEST_F(HardeningTest, DamagedRowsAreRefusedByTheStore) {
  TestMeeting tm;
  store_meeting_with_slot(dir_, tm);
  struct Edit {
    const char* sql;
    const char* expect;  // in the error
  };
  const Edit edits[] = {
      {"UPDATE meetings SET max_members=5000", "damaged meeting record"},
      {"UPDATE meetings SET max_members=0", "damaged meeting record"},
      {"UPDATE meetings SET max_members=-1", "damaged meeting record"},
      {"UPDATE meetings SET join_verifier=zeroblob(5000)", "damaged meeting record"},
      {"UPDATE meetings SET info_blob=zeroblob(70000)", "damaged meeting record"},
      {"UPDATE meetings SET epoch=-5", "damaged meeting record"},
      {"UPDATE slots SET slot=64", "damaged slot record"},
      {"UPDATE slots SET slot=-1", "damaged slot record"},
      {"UPDATE slots SET token_hash=zeroblob(31)", "damaged slot record"},
      {"UPDATE slots SET token_hash=zeroblob(33)", "damaged slot record"},
  };
  for (const Edit& e : edits) {
    SCOPED_TRACE(e.sql);
    sqlite3* db = open_raw(dir_);
    exec_raw(db, "SAVEPOINT s");
    exec_raw(db, e.sql);
    exec_raw(db, "RELEASE s");
    sqlite3_close(db);
    {
      auto st = store::open_sqlite_store(dir_);
      ASSERT_TRUE(st.is_ok());
      auto m = (*st)->get_meeting(tm.handle);
      auto s = (*st)->list_slots(tm.handle);
      const std::string msg = !m.is_ok() ? m.message() : !s.is_ok() ? s.message() : "";
      EXPECT_NE(msg.find(e.expect), std::string::npos) << "accepted or wrong error: " << msg;
    }
    // Restore the original row values for the next edit.
    fs::remove(dir_ + "/" + store::kDatabaseFile);
    fs::remove(dir_ + "/" + store::kDatabaseFile + std::string("-wal"));
    fs::remove(dir_ + "/" + store::kDatabaseFile + std::string("-shm"));
    store_meeting_with_slot(dir_, tm);
  }
  // Unedited, everything loads.
  auto st = store::open_sqlite_store(dir_);
  ASSERT_TRUE(st.is_ok());
  EXPECT_TRUE((*st)->get_meeting(tm.handle).is_ok());
  auto slots = (*st)->list_slots(tm.handle);
  ASSERT_TRUE(slots.is_ok()) << slots.message();
  EXPECT_EQ(slots->size(), 1u);
}

// Bytes of the database and its -wal, as a reader of the disk would see them while the server runs.
bool on_disk(const std::string& dir, const Bytes& canary) {
  const std::string needle(canary.begin(), canary.end());
  for (const char* suffix : {"", "-wal"}) {
    if (read_all(dir + "/" + store::kDatabaseFile + suffix).find(needle) != std::string::npos) return true;
  }
  return false;
}

// A blob of `size` random bytes with a fresh 24-byte random canary in its middle.
Bytes with_canary(size_t size, Bytes& canary) {
  canary = random_bytes(24);
  Bytes b = random_bytes(size);
  std::copy(canary.begin(), canary.end(), b.begin() + static_cast<std::ptrdiff_t>(size / 2));
  return b;
}

TEST_F(HardeningTest, DeletedBlobsLeaveTheDatabaseAndTheWal) {
  auto st = store::open_sqlite_store(dir_);
  ASSERT_TRUE(st.is_ok());
  store::Store& s = **st;
  // Mailbox: a small blob (stored in the b-tree page) and a large one (overflow pages).
  for (size_t size : {200u, 20000u}) {
    SCOPED_TRACE(size);
    Bytes canary, other_canary;
    protocol::MailboxId box{}, other_box{};
    random_bytes(box);
    random_bytes(other_box);
    protocol::MailboxItemId item{}, other_item{};
    random_bytes(item);
    random_bytes(other_item);
    ASSERT_TRUE(*s.mailbox_put(box, item, with_canary(size, canary), 8));
    ASSERT_TRUE(*s.mailbox_put(other_box, other_item, with_canary(size, other_canary), 8));
    ASSERT_TRUE(on_disk(dir_, canary)) << "the scan cannot see a stored blob";
    auto deleted = s.mailbox_delete(box, {item});
    ASSERT_TRUE(deleted.is_ok());
    ASSERT_EQ(*deleted, 1u);
    EXPECT_FALSE(on_disk(dir_, canary)) << "a deleted mailbox blob is still on disk";
    EXPECT_TRUE(on_disk(dir_, other_canary)) << "an undeleted blob vanished";
  }
  // Meeting delete (its info blob) and slot delete (the member's roster name blob).
  TestMeeting tm;
  CreateMeeting cm = tm.create_msg(8);
  Bytes info_canary, name_canary;
  store::MeetingRecord rec;
  rec.handle = tm.handle;
  rec.max_members = 8;
  rec.join_verifier = cm.join_verifier;
  rec.info_blob = with_canary(600, info_canary);
  ASSERT_TRUE(s.create_meeting(rec, {}).is_ok());
  store::SlotRecord slot;
  slot.slot = 3;
  ASSERT_TRUE(s.add_slot(tm.handle, slot, 2).is_ok());
  ASSERT_TRUE(s.put_roster(tm.handle, {3, random_bytes(3000), with_canary(500, name_canary)}).is_ok());
  ASSERT_TRUE(on_disk(dir_, name_canary));
  ASSERT_TRUE(s.delete_slot(tm.handle, 3).is_ok());
  EXPECT_FALSE(on_disk(dir_, name_canary)) << "a deleted slot's roster blob is still on disk";
  ASSERT_TRUE(on_disk(dir_, info_canary));
  ASSERT_TRUE(s.delete_meeting(tm.handle).is_ok());
  EXPECT_FALSE(on_disk(dir_, info_canary)) << "a deleted meeting's info blob is still on disk";
}

// ---- TLS material: no silent new certificate ----

TEST_F(HardeningTest, HalfOfTheTlsPairMissingIsRefused) {
  ASSERT_TRUE(start().is_ok());
  const std::string pin = srv_->fingerprint();
  stop();
  for (const char* missing : {"key.pem", "cert.pem"}) {
    SCOPED_TRACE(missing);
    const std::string path = dir_ + "/" + missing, saved = dir_ + "/saved.pem";
    fs::rename(path, saved);
    Status s = start();
    EXPECT_FALSE(s.is_ok()) << "started with " << missing << " gone";
    EXPECT_NE(s.message().find(path + " is missing"), std::string::npos) << s.message();
    EXPECT_FALSE(fs::exists(path)) << "a new " << missing << " was written";
    stop();
    fs::rename(saved, path);
    // Restored, the server starts with the same pin.
    ASSERT_TRUE(start().is_ok());
    EXPECT_EQ(srv_->fingerprint(), pin);
    stop();
  }
  // Both gone: a fresh pair (and pin), as on a first start.
  fs::remove(dir_ + "/key.pem");
  fs::remove(dir_ + "/cert.pem");
  ASSERT_TRUE(start().is_ok());
  EXPECT_NE(srv_->fingerprint(), pin);
}

}  // namespace
}  // namespace v100::meeting
