// `v100 bench-relay --participants P --fps F --frame-bytes B --seconds S [--fhe-jobs N]
//  [--io-threads N] [--json]`: a loopback meeting over real TLS WebSockets; prints relayed
// frames/s, p50/p99 relay latency and lost frames.
#include <cstdio>
#include <string>

#include "command.h"
#include "meeting/server/relay_bench.h"

namespace v100::tools {
namespace {

int run_bench_relay(const Args& args) {
  meeting::server::RelayBenchOptions o;
  o.participants = std::stoi(args.value("--participants", "25"));
  o.fps = std::stoi(args.value("--fps", "50"));
  o.frame_bytes = std::stoul(args.value("--frame-bytes", "1200"));
  o.seconds = std::stod(args.value("--seconds", "5"));
  o.io_threads = std::stoi(args.value("--io-threads", "2"));
  o.fhe_jobs_per_s = std::stoi(args.value("--fhe-jobs", "0"));
  auto r = meeting::server::run_relay_bench(o);
  if (!r) {
    std::fprintf(stderr, "v100 bench-relay: %s\n", r.message().c_str());
    return 1;
  }
  if (args.has("--json")) {
    std::printf("{\"frames_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"lost_frames\": %llu, "
                "\"max_ms\": %.3f, \"participants\": %d, \"fps\": %d, \"frame_bytes\": %zu, "
                "\"fhe_jobs_done\": %llu}\n",
                r->frames_per_s, r->p50_ms, r->p99_ms, static_cast<unsigned long long>(r->lost_frames), r->max_ms,
                o.participants, o.fps, o.frame_bytes, static_cast<unsigned long long>(r->fhe_jobs_done));
  } else {
    std::printf("relay: %d participants x %d fps x %zu B, %.1f s\n", o.participants, o.fps, o.frame_bytes, o.seconds);
    std::printf("  frames relayed/s  %.1f (target %d)\n", r->frames_per_s, o.participants * (o.participants - 1) * o.fps);
    std::printf("  latency p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", r->p50_ms, r->p99_ms, r->max_ms);
    std::printf("  frames sent %llu, delivered %llu of %llu, lost %llu\n", static_cast<unsigned long long>(r->sent),
                static_cast<unsigned long long>(r->delivered), static_cast<unsigned long long>(r->expected),
                static_cast<unsigned long long>(r->lost_frames));
    if (o.fhe_jobs_per_s) std::printf("  simulated FHE jobs done: %llu\n", static_cast<unsigned long long>(r->fhe_jobs_done));
  }
  return 0;
}

}  // namespace

V100_COMMAND("bench-relay", "loopback media relay benchmark: --participants P --fps F --frame-bytes B --seconds S [--json]",
             CommandSpec{.usage = "v100 bench-relay [--participants P] [--fps F] [--frame-bytes B] [--seconds S]\n"
                                  "                       [--io-threads N] [--fhe-jobs N] [--json]",
                         .options = {opt_value("--participants"), opt_value("--fps"), opt_value("--frame-bytes"),
                                     opt_value("--seconds"), opt_value("--io-threads"), opt_value("--fhe-jobs"),
                                     opt_switch("--json")}},
             run_bench_relay);

}  // namespace v100::tools
