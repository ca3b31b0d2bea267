// The operator's endpoint over a real socket during a meeting: /metrics in the Prometheus text
// format (names, types, counters that only grow, labels that name no meeting, handle, slot or
// address), /healthz, /readyz, and a drain that stops accepting while the meeting goes on.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "server_test_util.h"

namespace v100::meeting {
namespace {

using namespace testutil;  // NOLINT

struct HttpReply {
  int status = 0;
  std::string headers, body;
};

/// One plain HTTP/1.1 request on a fresh connection; reads to EOF (the server closes).
HttpReply http(uint16_t port, const std::string& method, const std::string& path) {
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket s(ioc);
  boost::system::error_code ec;
  s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  const std::string req = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  net::write(s, net::buffer(req), ec);
  std::string raw;
  char buf[4096];
  for (;;) {
    const size_t n = s.read_some(net::buffer(buf), ec);
    raw.append(buf, n);
    if (ec) break;
  }
  HttpReply r;
  const size_t split = raw.find("\r\n\r\n");
  if (raw.size() < 12 || split == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, split);
  r.body = raw.substr(split + 4);
  return r;
}

/// A parsed exposition: TYPE per family and the value of every sample line.
struct Exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, double> samples;  // "name{labels}" -> value
  std::set<std::string> label_names;
};

Exposition parse(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  const std::regex type_re(R"(# TYPE ([a-z_:][a-z0-9_:]*) (counter|gauge|histogram))");
  const std::regex sample_re(R"(([a-z_:][a-z0-9_:]*)(\{([^}]*)\})? (\S+))");
  const std::regex label_re(R"(([a-z_]+)="[^"]*")");
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (std::regex_match(line, m, type_re)) {
      EXPECT_EQ(e.types.count(m[1]), 0u) << "family twice: " << m[1];
      e.types[m[1]] = m[2];
      continue;
    }
    if (!std::regex_match(line, m, sample_re)) {
      ADD_FAILURE() << "not a sample line: " << line;
      continue;
    }
    const std::string labels = m[3];
    for (std::sregex_iterator it(labels.begin(), labels.end(), label_re), end; it != end; ++it)
      e.label_names.insert((*it)[1]);
    e.samples[std::string(m[1]) + std::string(m[2])] = std::stod(m[4]);
  }
  return e;
}

class ServerMetricsTest : public ServerFixture {};

TEST_F(ServerMetricsTest, ScrapedDuringAMeeting) {
  dir_ = temp_dir("metrics");
  auto o = test_options(dir_);
  o.admin_enabled = true;
  start(o);
  ASSERT_NE(srv_->admin_port(), 0);
  ASSERT_NE(srv_->admin_port(), srv_->port());

  auto meeting = HonestMeeting::start(srv_->port(), srv_->fingerprint());
  ASSERT_NE(meeting, nullptr);
  ASSERT_TRUE(meeting->listener().wait_for([](Peer& p) { return p.frames_locked() >= 20; }, 5s));

  const HttpReply first = http(srv_->admin_port(), "GET", "/metrics");
  ASSERT_EQ(first.status, 200);
  EXPECT_NE(first.headers.find("text/plain; version=0.0.4"), std::string::npos) << first.headers;
  const Exposition a = parse(first.body);

  // Every family announced, with its type; histograms complete.
  const std::map<std::string, std::string> expected = {{"v100_connections_accepted_total", "counter"},
                                                       {"v100_connections_rejected_total", "counter"},
                                                       {"v100_connections_dropped_total", "counter"},
                                                       {"v100_connections_open", "gauge"},
                                                       {"v100_frames_in_total", "counter"},
                                                       {"v100_frames_relayed_total", "counter"},
                                                       {"v100_frames_dropped_total", "counter"},
                                                       {"v100_fhe_job_duration_seconds", "histogram"},
                                                       {"v100_fhe_queue_depth", "gauge"},
                                                       {"v100_control_queue_depth", "gauge"},
                                                       {"v100_control_request_duration_seconds", "histogram"},
                                                       {"v100_store_write_duration_seconds", "histogram"},
                                                       {"v100_memory_budget_used_bytes", "gauge"},
                                                       {"v100_memory_budget_limit_bytes", "gauge"},
                                                       {"v100_ready", "gauge"}};
  for (const auto& [name, type] : expected)
    EXPECT_EQ(a.types.count(name) ? a.types.at(name) : "", type) << name;
  for (const auto& [name, type] : a.types) {
    if (type != "histogram") continue;
    EXPECT_TRUE(a.samples.count(name + "_bucket{le=\"+Inf\"}")) << name;
    EXPECT_EQ(a.samples.at(name + "_bucket{le=\"+Inf\"}"), a.samples.at(name + "_count")) << name;
  }
  // Only fixed labels: a drop reason and histogram bounds.
  EXPECT_EQ(a.label_names, (std::set<std::string>{"le", "reason"}));
  EXPECT_GE(a.samples.at("v100_connections_open"), 2);
  EXPECT_GT(a.samples.at("v100_frames_relayed_total"), 0);
  EXPECT_GT(a.samples.at("v100_control_request_duration_seconds_count"), 0);
  EXPECT_GT(a.samples.at("v100_store_write_duration_seconds_count"), 0);  // create, slots, identities
  EXPECT_EQ(a.samples.at("v100_ready"), 1);

  // Nothing that names the meeting: not its handle, nor any long hex string, nor an address.
  const std::string handle_hex = to_hex(meeting->meeting().handle);
  EXPECT_EQ(first.body.find(handle_hex), std::string::npos);
  EXPECT_EQ(first.body.find(handle_hex.substr(0, 16)), std::string::npos);
  EXPECT_FALSE(std::regex_search(first.body, std::regex("[0-9a-fA-F]{16}")));
  EXPECT_EQ(first.body.find("127.0.0.1"), std::string::npos);

  // Counters only grow; the meeting goes on between two scrapes.
  const size_t before = meeting->listener().frame_count();
  ASSERT_TRUE(meeting->listener().wait_for([&](Peer& p) { return p.frames_locked() >= before + 20; }, 5s));
  const Exposition b = parse(http(srv_->admin_port(), "GET", "/metrics").body);
  for (const auto& [key, value] : a.samples) {
    const std::string family = key.substr(0, key.find('{'));
    const bool monotonic = family.ends_with("_total") || family.ends_with("_bucket") ||
                           family.ends_with("_count") || family.ends_with("_sum");
    if (!monotonic) continue;
    ASSERT_TRUE(b.samples.count(key)) << key;
    EXPECT_GE(b.samples.at(key), value) << key;
  }
  EXPECT_GT(b.samples.at("v100_frames_relayed_total"), a.samples.at("v100_frames_relayed_total"));

  // Health, readiness, and nothing else.
  EXPECT_EQ(http(srv_->admin_port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http(srv_->admin_port(), "GET", "/readyz").status, 200);
  EXPECT_EQ(http(srv_->admin_port(), "GET", "/nope").status, 404);
  EXPECT_EQ(http(srv_->admin_port(), "POST", "/metrics").status, 405);

  // Drain: not ready, no new connections, the meeting's media still flows.
  srv_->drain(2s);
  EXPECT_FALSE(srv_->ready());
  const HttpReply readyz = http(srv_->admin_port(), "GET", "/readyz");
  EXPECT_EQ(readyz.status, 503);
  EXPECT_EQ(readyz.body, "draining\n");
  EXPECT_EQ(http(srv_->admin_port(), "GET", "/healthz").status, 200);
  {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s(ioc);
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), srv_->port()}, ec);
    EXPECT_TRUE(ec) << "still accepting while draining";
  }
  const size_t during = meeting->listener().frame_count();
  EXPECT_TRUE(meeting->listener().wait_for([&](Peer& p) { return p.frames_locked() >= during + 20; }, 5s));
  meeting.reset();
}

TEST_F(ServerMetricsTest, AdminPortIsOffByDefault) {
  dir_ = temp_dir("metrics-off");
  start(test_options(dir_));
  EXPECT_EQ(srv_->admin_port(), 0);
  EXPECT_NE(srv_->metrics_text().find("# TYPE v100_frames_relayed_total counter"), std::string::npos);
}

}  // namespace
}  // namespace v100::meeting
