// `v100 serve --port P --data-dir DIR [...]` or `v100 serve --config FILE [...]`: runs the meeting
// server until SIGTERM/SIGINT, then drains (stops accepting, lets the requests already received
// finish, at most --drain-seconds) and stops gracefully (every acknowledged request is in the
// database; a restart resumes from it). Every option is also a config-file key (docs/deploy.md).
#include <pthread.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>

#include "command.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/server/log.h"
#include "meeting/server/server.h"
#include "meeting/services/services.h"
#include "pq/mldsa/mldsa.h"

namespace v100::tools {
namespace {

// --test-hostile-relay (tests only, loopback only): the relay rewrites relayed media frames in turn
// four ways, so a test can show that clients never hand over a forged frame: of each frame's six
// fates (a fixed mix of its number) one flips its last byte (the SFrame tag), one relabels the sender
// slot ((s + 1) % 3), one changes the media kind (Data <-> Audio), one replaces it by the same
// sender's previous untampered frame (a replay), two let it pass. Counts go to stdout at the stop.
struct HostileRelay {
  std::atomic<uint64_t> seen{0};
  std::array<std::atomic<uint64_t>, 4> done{};
  std::mutex mu;
  std::array<Bytes, 3> last;  // per slot 0..2: the previous untampered message

  void operator()(Bytes& m) {
    // Frame layout after the header: slot u16 | envelope u8 | len u32 | sframe.
    const size_t at = meeting::protocol::kHeaderBytes;
    if (m.size() < at + 8) return;
    const uint16_t slot = static_cast<uint16_t>(m[at] | (m[at + 1] << 8));
    if (slot >= last.size()) return;
    // The choice is a fixed mix of the frame's number (SplitMix64's finalizer), not n % 6: senders that
    // send at the same rate would otherwise each meet one kind of tampering only.
    uint64_t r = seen++ + 0x9e3779b97f4a7c15ull;
    r = (r ^ (r >> 30)) * 0xbf58476d1ce4e5b9ull;
    r = (r ^ (r >> 27)) * 0x94d049bb133111ebull;
    const uint64_t n = (r ^ (r >> 31)) % 6;
    switch (n) {
      case 1:
        m.back() ^= 0x01;
        break;
      case 2: {
        const uint16_t to = static_cast<uint16_t>((slot + 1) % last.size());
        m[at] = static_cast<uint8_t>(to);
        m[at + 1] = static_cast<uint8_t>(to >> 8);
        break;
      }
      case 3: {
        const uint8_t kind = m[at + 2] & 0x07;
        if (kind != 0 && kind != 2) return;  // audio and data only: both carry no keyframe bit
        m[at + 2] = static_cast<uint8_t>((m[at + 2] & ~0x07) | (kind == 0 ? 2 : 0));
        break;
      }
      case 4: {
        std::lock_guard lk(mu);
        if (last[slot].empty()) return;
        m = last[slot];
        break;
      }
      default: {
        std::lock_guard lk(mu);
        last[slot] = m;
        return;
      }
    }
    ++done[n - 1];
  }
};

int run_serve(const Args& args) {
  meeting::server::ServerOptions o;
  o.data_dir = args.value("--data-dir");
  o.port = static_cast<uint16_t>(args.uint_value("--port", 8443, 0, 65535));
  o.bind_address = args.value("--bind", "127.0.0.1");
  o.cert_file = args.value("--cert");
  o.key_file = args.value("--key");
  o.io_threads = static_cast<int>(args.uint_value("--io-threads", 2, 1, 256));
  o.worker_threads = static_cast<int>(args.uint_value("--workers", 1, 1, 256));
  // Resource model (SECURITY.md): memory the peers can pin, disk they can fill, slots they hold.
  o.memory_budget_bytes = args.uint_value("--memory-budget", 0, 0, 1u << 20) << 20;
  o.store_quota_bytes = args.uint_value("--store-quota", o.store_quota_bytes >> 20, 0, 1ull << 30) << 20;
  o.max_connections_per_address =
      args.uint_value("--max-per-address", o.max_connections_per_address, 1, 1u << 20);
  // The operator's endpoint (metrics, health, readiness): plain HTTP, loopback unless told.
  if (const uint64_t admin = args.uint_value("--admin-port", 0, 0, 65535); admin != 0) {
    o.admin_enabled = true;
    o.admin_port = static_cast<uint16_t>(admin);
    o.admin_bind_address = args.value("--admin-bind", "127.0.0.1");
  }
  // The web client over HTTPS on this port, and the origin a browser's WebSocket must come from.
  o.web_root = args.value("--web-root");
  o.public_url = args.value("--public-url");
  const auto drain = std::chrono::seconds(args.uint_value("--drain-seconds", 10, 0, 3600));
  if (args.has("--admission-issuer-pub")) {
    // Anonymous stores need a Privacy Pass token from this issuer (docs/admission.md).
    std::ifstream f(args.value("--admission-issuer-pub"), std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "v100 serve: cannot read %s\n", args.value("--admission-issuer-pub").c_str());
      return 1;
    }
    o.admission_issuer_pub.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    o.admission_issuer_name = args.value("--admission-issuer-name");
    o.admission_origin = args.value("--admission-origin");
  }
  if (args.has("--verbose")) meeting::server::set_log_level(meeting::server::LogLevel::kDebug);
  auto hostile = std::make_shared<HostileRelay>();
  if (args.has("--test-hostile-relay")) {
    if (o.bind_address != "127.0.0.1" && o.bind_address != "::1") {
      std::fprintf(stderr, "v100 serve: --test-hostile-relay is for tests on loopback only\n");
      return 1;
    }
    o.test_relay_tamper = [hostile](Bytes& m) { (*hostile)(m); };
    std::printf("v100 serve: TEST MODE: the relay tampers with media frames (--test-hostile-relay)\n");
  }

  // Block the stop signals in every thread (the server's threads inherit this mask) and wait for
  // them here, so shutdown runs in an ordinary thread, not in a signal handler.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  // ML-DSA-65 membership proofs (join scheme 2): the server layer does not depend on the PQ
  // layer, so the tool plugs the verifier in. Context string per docs/protocol.md §4.
  meeting::protocol::register_join_verifier(
      meeting::protocol::JoinScheme::kMlDsa65, [](ByteSpan pk, ByteSpan msg, ByteSpan sig) {
        auto key = pq::mldsa::PublicKey65::parse(pk);
        return key.is_ok() && pq::mldsa::verify(*key, msg, sig, pq::mldsa::as_context("v100/join")).is_ok();
      });

  meeting::server::Server server(o);
  meeting::services::register_metadata_services(server);  // issue #7: look-up, durations, billing, analytics
  Status s = server.start();
  if (!s) {
    std::fprintf(stderr, "v100 serve: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("v100 serve: listening on %s:%u\n", o.bind_address.c_str(), server.port());
  if (!o.web_root.empty()) std::printf("v100 serve: web client served from %s\n", o.web_root.c_str());
  if (o.admin_enabled)
    std::printf("v100 serve: admin (metrics, healthz, readyz) on http://%s:%u\n",
                o.admin_bind_address.c_str(), server.admin_port());
  std::printf("certificate SHA-256 fingerprint (pin this): %s\n", server.fingerprint().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  std::printf("v100 serve: %s received, draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  std::fflush(stdout);
  server.drain(drain);
  server.stop();
  if (args.has("--test-hostile-relay"))
    std::printf(
        "v100 serve: hostile relay: %llu frames, %llu tags flipped, %llu slots relabelled, %llu kinds "
        "changed, %llu replayed\n",
        static_cast<unsigned long long>(hostile->seen.load()),
        static_cast<unsigned long long>(hostile->done[0].load()),
        static_cast<unsigned long long>(hostile->done[1].load()),
        static_cast<unsigned long long>(hostile->done[2].load()),
        static_cast<unsigned long long>(hostile->done[3].load()));
  std::printf("v100 serve: stopped cleanly\n");
  return 0;
}

}  // namespace

V100_COMMAND(
    "serve", "run the meeting server: --port P --data-dir DIR [--cert F --key F] or --config FILE",
    CommandSpec{
        .usage = "v100 serve --port P --data-dir DIR [--cert FILE --key FILE] [--bind ADDR]\n"
                 "                  [--io-threads N] [--workers N] [--memory-budget MB]\n"
                 "                  [--store-quota MB (0: none)] [--max-per-address N]\n"
                 "                  [--admin-port P (0: off) [--admin-bind ADDR]] [--drain-seconds S]\n"
                 "                  [--admission-issuer-pub FILE --admission-issuer-name NAME\n"
                 "                   [--admission-origin NAME]] [--web-root DIR]\n"
                 "                  [--public-url URL] [--verbose] [--test-hostile-relay (tests)]\n"
                 "       v100 serve --config FILE [options]   (every option is a key of FILE, without\n"
                 "                  the dashes: `port = 8443`; the command line overrides the file)",
        .options = {opt_value("--port"),
                    opt_required("--data-dir"),
                    opt_value("--cert"),
                    opt_value("--key"),
                    opt_value("--bind"),
                    opt_value("--io-threads"),
                    opt_value("--workers"),
                    opt_value("--memory-budget"),
                    opt_value("--store-quota"),
                    opt_value("--max-per-address"),
                    opt_value("--admin-port"),
                    opt_value("--admin-bind"),
                    opt_value("--drain-seconds"),
                    opt_value("--admission-issuer-pub"),
                    opt_value("--admission-issuer-name"),
                    opt_value("--admission-origin"),
                    opt_value("--web-root"),
                    opt_value("--public-url"),
                    opt_switch("--verbose"),
                    opt_switch("--test-hostile-relay")},
        .config_file = true},
    run_serve);

}  // namespace v100::tools
