// `v100 bench-relay --participants P [--profile synthetic|meeting] --fps F --frame-bytes B --seconds S
//  [--fhe-jobs N] [--io-threads N] [--json]`: a loopback meeting over real TLS WebSockets; prints
// relayed frames/s, p50/p99 relay latency and lost frames (per kind with the meeting profile).
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
  o.client_threads = std::stoi(args.value("--client-threads", "2"));
  o.media_flush_us = std::stoi(args.value("--flush-us", "-1"));
  o.fhe_jobs_per_s = std::stoi(args.value("--fhe-jobs", "0"));
  o.profile = args.value("--profile", "synthetic");
  auto r = meeting::server::run_relay_bench(o);
  if (!r) {
    std::fprintf(stderr, "v100 bench-relay: %s\n", r.message().c_str());
    return 1;
  }
  using ull = unsigned long long;
  if (args.has("--json")) {
    std::printf(
        "{\"profile\": \"%s\", \"frames_per_s\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
        "\"lost_frames\": %llu, \"max_ms\": %.3f, \"participants\": %d, \"fps\": %d, \"frame_bytes\": %zu, "
        "\"fhe_jobs_done\": %llu, \"audio_p50_ms\": %.3f, \"audio_p99_ms\": %.3f, \"video_p50_ms\": %.3f, "
        "\"video_p99_ms\": %.3f, \"audio_lost\": %llu, \"video_deltas_dropped\": %llu, "
        "\"keyframes_dropped\": %llu, \"audio_delivered\": %llu, \"video_delivered\": %llu, "
        "\"video_expected\": %llu, \"cpu_s\": %.2f, \"seconds\": %.1f, \"client_threads\": %d}\n",
        o.profile.c_str(), r->frames_per_s, r->p50_ms, r->p99_ms, static_cast<ull>(r->lost_frames), r->max_ms,
        o.participants, o.fps, o.frame_bytes, static_cast<ull>(r->fhe_jobs_done), r->audio_p50_ms,
        r->audio_p99_ms, r->video_p50_ms, r->video_p99_ms, static_cast<ull>(r->audio_lost),
        static_cast<ull>(r->video_deltas_dropped), static_cast<ull>(r->keyframes_dropped),
        static_cast<ull>(r->audio_delivered), static_cast<ull>(r->video_delivered),
        static_cast<ull>(r->video_expected), r->server_cpu_s, o.seconds, o.client_threads);
  } else if (o.profile == "meeting") {
    std::printf("relay: %d participants, meeting profile (audio 50 fps, video 30 fps), %.1f s\n",
                o.participants, o.seconds);
    std::printf("  frames relayed/s  %.1f\n", r->frames_per_s);
    std::printf("  audio p50 %.3f ms, p99 %.3f ms; delivered %llu of %llu, lost %llu\n", r->audio_p50_ms,
                r->audio_p99_ms, static_cast<ull>(r->audio_delivered), static_cast<ull>(r->audio_expected),
                static_cast<ull>(r->audio_lost));
    std::printf(
        "  video p50 %.3f ms, p99 %.3f ms; delivered %llu of %llu, deltas dropped by the relay %llu\n",
        r->video_p50_ms, r->video_p99_ms, static_cast<ull>(r->video_delivered),
        static_cast<ull>(r->video_expected), static_cast<ull>(r->video_deltas_dropped));
    std::printf("  keyframes delivered %llu of %llu (dropped %llu); process CPU %.2f s\n",
                static_cast<ull>(r->keyframes_delivered), static_cast<ull>(r->keyframes_expected),
                static_cast<ull>(r->keyframes_dropped), r->server_cpu_s);
  } else {
    std::printf("relay: %d participants x %d fps x %zu B, %.1f s\n", o.participants, o.fps, o.frame_bytes,
                o.seconds);
    std::printf("  frames relayed/s  %.1f (target %d)\n", r->frames_per_s,
                o.participants * (o.participants - 1) * o.fps);
    std::printf("  latency p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", r->p50_ms, r->p99_ms, r->max_ms);
    std::printf("  frames sent %llu, delivered %llu of %llu, lost %llu\n", static_cast<ull>(r->sent),
                static_cast<ull>(r->delivered), static_cast<ull>(r->expected),
                static_cast<ull>(r->lost_frames));
    if (o.fhe_jobs_per_s)
      std::printf("  simulated FHE jobs done: %llu\n", static_cast<ull>(r->fhe_jobs_done));
  }
  return 0;
}

}  // namespace

V100_COMMAND(
    "bench-relay",
    "loopback media relay benchmark: --participants P --fps F --frame-bytes B --seconds S [--json]",
    CommandSpec{
        .usage =
            "v100 bench-relay [--participants P] [--profile synthetic|meeting] [--fps F]\n"
            "                       [--frame-bytes B] [--seconds S] [--io-threads N] [--client-threads N]\n"
            "                       [--flush-us US]\n"
            "                       [--fhe-jobs N] [--json]",
        .options = {opt_value("--participants"), opt_value("--fps"), opt_value("--frame-bytes"),
                    opt_value("--seconds"), opt_value("--io-threads"), opt_value("--fhe-jobs"),
                    opt_value("--profile"), opt_value("--client-threads"), opt_value("--flush-us"),
                    opt_switch("--json")}},
    run_bench_relay);

}  // namespace v100::tools
