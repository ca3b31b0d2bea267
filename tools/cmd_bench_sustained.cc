// `v100 bench-sustained --seconds S --threads T [--members M] [--meetings K] [--service NAME]
//  [--network] [--check-every N] [--json]`: sustained service throughput through the real store,
// worker pool and handlers (meeting/services/sustained_bench.h), sampled replies checked.
#include <cstdio>
#include <string>

#include "command.h"
#include "meeting/services/sustained_bench.h"

namespace v100::tools {
namespace {

int run_bench_sustained(const Args& args) {
  meeting::services::SustainedOptions o;
  o.service = args.value("--service", "lookup");
  o.seconds = std::stod(args.value("--seconds", "120"));
  o.threads = std::stoi(args.value("--threads", "2"));
  o.members = std::stoul(args.value("--members", "0"));
  o.meetings = std::stoul(args.value("--meetings", "0"));
  o.check_every = static_cast<unsigned>(std::stoul(args.value("--check-every", "16")));
  o.network = args.has("--network");
  auto r = meeting::services::run_sustained_bench(o);
  if (!r) {
    std::fprintf(stderr, "v100 bench-sustained: %s\n", r.message().c_str());
    return 1;
  }
  const std::string cpu = meeting::services::cpu_model();
  if (args.has("--json")) {
    std::string windows;
    for (size_t i = 0; i < r->window_ops.size(); ++i) {
      if (i) windows.push_back(',');
      windows.append(std::to_string(r->window_ops[i]));
    }
    std::printf(
        "{\"service\": \"%s\", \"transport\": \"%s\", \"seconds\": %.1f, \"threads\": %d, \"members\": %zu, "
        "\"meetings\": %zu, \"ops\": %llu, \"ops_per_s\": %.1f, \"lookups_per_s\": %.1f, "
        "\"users_matched_per_s\": %.0f, \"per_core\": %.0f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
        "\"cv_percent\": %.2f, \"rss_setup_mb\": %.1f, \"rss_start_mb\": %.1f, \"rss_end_mb\": %.1f, "
        "\"errors\": %llu, \"checked\": %llu, \"check_fraction\": %.4f, \"setup_s\": %.1f, "
        "\"cpu_ms_per_op\": %.3f, \"loadavg_start\": %.2f, \"loadavg_end\": %.2f, "
        "\"cpu\": \"%s\", \"window_ops\": [%s]%s%s%s}\n",
        r->service.c_str(), r->transport.c_str(), r->seconds, r->threads, r->members, r->meetings,
        static_cast<unsigned long long>(r->ops), r->ops_per_s, r->ops_per_s, r->members_per_s, r->per_core,
        r->p50_ms, r->p99_ms, r->cv_percent, r->rss_setup_mb, r->rss_start_mb, r->rss_end_mb,
        static_cast<unsigned long long>(r->errors), static_cast<unsigned long long>(r->checked),
        1.0 / o.check_every, r->setup_s, r->cpu_ms_per_op, r->loadavg_start, r->loadavg_end, cpu.c_str(),
        windows.c_str(), r->errors ? ", \"first_error\": \"" : "", r->errors ? r->first_error.c_str() : "",
        r->errors ? "\"" : "");
  } else {
    const char* unit = r->service == "lookup" ? "look-ups" : r->service == "billing" ? "folds" : "reports";
    std::printf("%s, %s path: %d worker threads, %zu meetings x %zu members, %.0f s (setup %.1f s)\n",
                r->service.c_str(), r->transport.c_str(), r->threads, r->meetings, r->members, r->seconds,
                r->setup_s);
    std::printf("  %s/s %.1f; members covered/s %.0f (%.0f per core)\n", unit, r->ops_per_s, r->members_per_s,
                r->per_core);
    std::printf("  latency p50 %.3f ms, p99 %.3f ms; cv over 1 s windows %.2f%%\n", r->p50_ms, r->p99_ms,
                r->cv_percent);
    std::printf("  RSS setup %.1f MB, start %.1f MB, end %.1f MB\n", r->rss_setup_mb, r->rss_start_mb,
                r->rss_end_mb);
    std::printf("  replies checked against the model: %llu (1 in %u); errors %llu%s%s\n",
                static_cast<unsigned long long>(r->checked), o.check_every,
                static_cast<unsigned long long>(r->errors), r->errors ? ": " : "",
                r->errors ? r->first_error.c_str() : "");
    std::printf("  process CPU per op %.3f ms; load average %.2f -> %.2f\n", r->cpu_ms_per_op,
                r->loadavg_start, r->loadavg_end);
    std::printf("  cpu: %s\n", cpu.c_str());
  }
  return r->errors == 0 ? 0 : 1;
}

}  // namespace

V100_COMMAND("bench-sustained",
             "sustained service throughput: --seconds S --threads T [--members M] [--meetings K] [--service "
             "S] [--json]",
             CommandSpec{
                 .usage = "v100 bench-sustained [--seconds S] [--threads T] [--members M] [--meetings K]\n"
                          "                           [--service lookup|billing|analytics] [--network]\n"
                          "                           [--check-every N] [--json]",
                 .options = {opt_value("--seconds"), opt_value("--threads"), opt_value("--members"),
                             opt_value("--meetings"), opt_value("--service"), opt_value("--check-every"),
                             opt_switch("--network"), opt_switch("--json")}},
             run_bench_sustained);

}  // namespace v100::tools
