// Crash and SIGTERM restarts: the server runs in a child process; the parent runs a meeting
// against it, kills it (SIGKILL mid-meeting, or SIGTERM for a graceful stop), starts a new server
// on the same data dir, and checks that every acknowledged request survived and members continue.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "server_test_util.h"

namespace v100::meeting {
namespace {

using namespace testutil;  // NOLINT

struct Child {
  pid_t pid = -1;
  uint16_t port = 0;
  std::string fingerprint;
};

// Forks a child that runs a server on `dir` and reports "port fingerprint" through a pipe. With
// `graceful`, the child stops the server on SIGTERM and exits 0 (like `v100 serve`).
Child spawn_server(const std::string& dir) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    server::set_log_stderr(false);
    server::Server srv(test_options(dir));
    if (!srv.start()) _exit(3);
    std::string line = std::to_string(srv.port()) + " " + srv.fingerprint() + "\n";
    if (write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(4);
    close(fds[1]);
    int sig = 0;
    sigwait(&set, &sig);
    srv.stop();
    _exit(0);
  }
  close(fds[1]);
  Child c;
  c.pid = pid;
  char buf[128] = {};
  size_t got = 0;
  while (got < sizeof(buf) - 1) {
    ssize_t n = read(fds[0], buf + got, sizeof(buf) - 1 - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
    if (buf[got - 1] == '\n') break;
  }
  close(fds[0]);
  char fp[80] = {};
  unsigned port = 0;
  if (std::sscanf(buf, "%u %64s", &port, fp) == 2) {
    c.port = static_cast<uint16_t>(port);
    c.fingerprint = fp;
  }
  return c;
}

class ServerRestartTest : public ::testing::TestWithParam<int> {};

TEST_P(ServerRestartTest, AcknowledgedStateSurvivesAndMembersContinue) {
  const int sig = GetParam();
  const std::string dir = temp_dir("restart");
  Child child = spawn_server(dir);
  ASSERT_GT(child.pid, 0);
  ASSERT_NE(child.port, 0) << "child server did not start";

  TestMeeting tm;
  SlotToken tokens[2];
  Bytes cts[2] = {random_bytes(4000), random_bytes(4000)};
  Bytes epoch_blob = random_bytes(1100);
  {
    auto a = Peer::connect(child.port, child.fingerprint);
    auto b = Peer::connect(child.port, child.fingerprint);
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(a->expect<Ack>(tm.create_msg()));
    auto acc_a = a->join(tm.handle, tm.join_seed);
    auto acc_b = b->join(tm.handle, tm.join_seed);
    ASSERT_TRUE(acc_a && acc_b);
    tokens[0] = acc_a->slot_token;
    tokens[1] = acc_b->slot_token;
    ASSERT_TRUE(a->expect<Ack>(PutRoster{0, cts[0], random_bytes(30)}));
    ASSERT_TRUE(b->expect<Ack>(PutRoster{1, cts[1], random_bytes(30)}));
    ASSERT_TRUE(a->expect<Ack>(PostEpoch{1, {{0, random_bytes(1100)}, {1, epoch_blob}}}));
    ASSERT_TRUE(a->expect<Ack>(Subscribe{SubscribeMode::kAll, {}}));
    ASSERT_TRUE(b->client->send(encode_media_frame(1, MediaKind::kAudio, random_bytes(100))));
    ASSERT_TRUE(a->wait_for([](Peer& p) { return p.frames_locked() == 1; }));
    // Mid-meeting: both members still connected.
    ASSERT_EQ(kill(child.pid, sig), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);
    if (sig == SIGTERM) {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "graceful stop failed";
    } else {
      EXPECT_TRUE(WIFSIGNALED(status));
    }
  }

  server::set_log_stderr(false);
  server::Server srv(test_options(dir));
  ASSERT_TRUE(srv.start().is_ok());
  auto a = Peer::connect(srv.port(), srv.fingerprint());
  auto b = Peer::connect(srv.port(), srv.fingerprint());
  ASSERT_TRUE(a && b);
  auto acc_a = a->join(tm.handle, tm.join_seed, true, 0, tokens[0]);
  auto acc_b = b->join(tm.handle, tm.join_seed, true, 1, tokens[1]);
  ASSERT_TRUE(acc_a && acc_b);
  EXPECT_EQ(acc_b->slot, 1);
  EXPECT_EQ(acc_b->epoch, 1u);
  auto ek = b->expect<EpochKey>(FetchEpochKey{});
  ASSERT_TRUE(ek);
  EXPECT_EQ(ek->blob, epoch_blob);
  auto roster = a->expect<Roster>(FetchRoster{0, 0});
  ASSERT_TRUE(roster);
  ASSERT_EQ(roster->entries.size(), 2u);
  EXPECT_EQ(roster->entries[0].roster_ct, cts[0]);
  EXPECT_EQ(roster->entries[1].roster_ct, cts[1]);
  // The meeting continues: media flows again after re-subscribing.
  ASSERT_TRUE(a->expect<Ack>(Subscribe{SubscribeMode::kAll, {}}));
  ASSERT_TRUE(b->client->send(encode_media_frame(1, MediaKind::kAudio, random_bytes(100))));
  EXPECT_TRUE(a->wait_for([](Peer& p) { return p.frames_locked() == 1; }));
  a.reset();
  b.reset();
  srv.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

INSTANTIATE_TEST_SUITE_P(Signals, ServerRestartTest, ::testing::Values(SIGKILL, SIGTERM), [](const auto& p) {
  return p.param == SIGKILL ? std::string("Sigkill") : std::string("Sigterm");
});

}  // namespace
}  // namespace v100::meeting
