// `v100 bench [--json] [--filter REGEX] [--repetitions N]`: runs the Google Benchmark suites in
// bench/ and prints each benchmark's median (µs), as a table or as
// {"cpu": "...", "results": [{"name": "...", "median_us": ...}, ...]}.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "command.h"
#include "core/cpu.h"

namespace v100::tools {
namespace {

struct Median {
  std::string name;
  double median_us;
};

class MedianReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Aggregate || r.aggregate_name != "median") continue;
      double t = r.GetAdjustedRealTime();  // in r.time_unit
      double us = t * 1e6 / benchmark::GetTimeUnitMultiplier(r.time_unit);
      std::string name = r.run_name.function_name;
      medians.push_back({name, us});
      if (!quiet) std::fprintf(stderr, "  %-40s %12.2f us\n", name.c_str(), us);
    }
  }
  std::vector<Median> medians;
  bool quiet = false;
};

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') o.push_back('\\');
    o.push_back(c);
  }
  return o;
}

int run_bench(const Args& args) {
  bool json = args.has("--json");
  std::string filter = args.value("--filter", ".");
  std::string reps = args.value("--repetitions", "5");
  std::string min_time = args.value("--min-time", "0.05");
  std::vector<std::string> bargs = {"v100-bench", "--benchmark_filter=" + filter,
                                    "--benchmark_repetitions=" + reps, "--benchmark_min_time=" + min_time,
                                    "--benchmark_report_aggregates_only=true"};
  std::vector<char*> argv;
  for (auto& a : bargs) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  MedianReporter rep;
  rep.quiet = json;
  if (!json) std::printf("CPU: %s\n", cpu::model_name());
  benchmark::RunSpecifiedBenchmarks(&rep);
  if (json) {
    std::printf("{\"cpu\": \"%s\", \"results\": [", json_escape(cpu::model_name()).c_str());
    for (size_t i = 0; i < rep.medians.size(); ++i)
      std::printf("%s{\"name\": \"%s\", \"median_us\": %.3f}", i ? ", " : "",
                  json_escape(rep.medians[i].name).c_str(), rep.medians[i].median_us);
    std::printf("]}\n");
  } else {
    std::printf("%-40s %12s\n", "benchmark", "median µs");
    for (const auto& m : rep.medians) std::printf("%-40s %12.2f\n", m.name.c_str(), m.median_us);
  }
  benchmark::Shutdown();
  return 0;
}

}  // namespace

V100_COMMAND("bench", "run the benchmark suites; --json, --filter REGEX, --repetitions N",
             CommandSpec{
                 .usage = "v100 bench [--json] [--filter REGEX] [--repetitions N] [--min-time SECONDS]",
                 .options = {opt_switch("--json"), opt_value("--filter"), opt_value("--repetitions"),
                             opt_value("--min-time")}},
             run_bench);

}  // namespace v100::tools
