// Plain Google Benchmark runner over every suite in bench/ (`v100 bench` is the friendlier front).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
