// `v100 bench-sustained` stays correct: short runs of every service through the real store, worker
// pool and handlers (and once through the TLS server) end with zero errors and checked replies;
// a wrong reply is caught by the client-side model. No timing is asserted here (benchmarks only).
#include "meeting/services/sustained_bench.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/rng.h"
#include "meeting/services/services.h"
#include "meeting/services/sustained_workloads.h"

namespace v100::meeting::services {
namespace {

SustainedResult run(const std::string& service, double seconds, size_t members, size_t meetings,
                    bool network = false) {
  SustainedOptions o;
  o.service = service;
  o.seconds = seconds;
  o.threads = 2;
  o.members = members;
  o.meetings = meetings;
  o.network = network;
  o.check_every = 4;
  auto r = run_sustained_bench(o);
  EXPECT_TRUE(r.is_ok()) << r.message();
  return r.is_ok() ? *r : SustainedResult{};
}

TEST(SustainedBench, LookupFiveSecondsZeroErrors) {
  auto r = run("lookup", 5, 64, 4);
  EXPECT_EQ(r.errors, 0u) << r.first_error;
  EXPECT_GT(r.ops, 0u);
  EXPECT_GT(r.checked, 0u);
  EXPECT_EQ(r.window_ops.size(), 5u);
}

TEST(SustainedBench, BillingAndAnalyticsZeroErrors) {
  for (const char* s : {"billing", "analytics"}) {
    auto r = run(s, 2, s[0] == 'b' ? 0 : 8, 3);
    EXPECT_EQ(r.errors, 0u) << s << ": " << r.first_error;
    EXPECT_GT(r.checked, 0u) << s;
  }
}

TEST(SustainedBench, LookupThroughTheServerZeroErrors) {
  auto r = run("lookup", 2, 40, 3, /*network=*/true);
  EXPECT_EQ(r.transport, "network");
  EXPECT_EQ(r.errors, 0u) << r.first_error;
  EXPECT_GT(r.checked, 0u);
}

TEST(SustainedBench, RefusesBadOptions) {
  SustainedOptions o;
  o.service = "nope";
  EXPECT_FALSE(run_sustained_bench(o).is_ok());
  o.service = "lookup";
  o.meetings = 2;  // fewer than threads + 1
  EXPECT_FALSE(run_sustained_bench(o).is_ok());
}

// The model catches a wrong reply: a member's look-up answer checked as the stranger's, and a bill
// checked against a model that counted one fold twice.
TEST(SustainedBench, WrongRepliesAreErrors) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("v100-sus-" + to_hex(random_bytes(6)))).string();
  auto st = store::open_sqlite_store(dir);
  ASSERT_TRUE(st.is_ok()) << st.message();
  Bytes verifier(32, 7);
  for (const char* name : {"lookup", "billing"}) {
    SustainedOptions o;
    o.service = name;
    o.members = name[0] == 'l' ? 40 : 0;
    o.meetings = 1;
    auto wl = make_workload(o);
    ASSERT_TRUE(wl.is_ok()) << wl.message();
    ASSERT_TRUE((*wl)->setup(**st, verifier).is_ok());
    auto handler = metadata_service_handler(static_cast<ServiceId>((*wl)->service()));
    auto call_of = [&](uint16_t op, std::vector<Bytes> blobs) {
      server::ServiceCall c;
      c.meeting = (*wl)->meeting_handles()[0];
      c.slot = 0;
      c.service = (*wl)->service();
      c.op = op;
      c.blobs = std::move(blobs);
      c.store = st->get();
      return handler(c);
    };
    auto req = (*wl)->request(0, 0);
    auto rep = call_of(req.op, req.blobs);
    ASSERT_TRUE(rep.is_ok()) << rep.message();
    EXPECT_TRUE((*wl)->complete(0, req, *rep, true, call_of).is_ok()) << name;
    if (name[0] == 'l') {
      Workload::Request stranger = (*wl)->request(0, 3);  // variant 3: the stranger, expected absent
      EXPECT_FALSE((*wl)->complete(0, stranger, *rep, true, call_of).is_ok());
    } else {
      EXPECT_FALSE((*wl)->complete(0, req, *rep, true, call_of).is_ok());  // the model now counts it twice
    }
  }
  st->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace v100::meeting::services
