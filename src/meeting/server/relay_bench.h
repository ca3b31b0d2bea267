// The relay benchmark behind `v100 bench-relay`: an in-process server on loopback and P clients
// over real TLS WebSocket connections; every client sends F frames/s of B bytes and subscribes to
// everyone else. Latency is measured per delivered frame from just before the sender encodes it
// to the receiver's handler (client TLS + server relay + client TLS), on one steady clock.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace v100::meeting::server {

/// Benchmark parameters.
struct RelayBenchOptions {
  int participants = 25;
  int fps = 50;
  size_t frame_bytes = 1200;
  double seconds = 5;
  int io_threads = 2;
  /// Simulated FHE jobs per second on the worker pool (each ~2 ms of hashing), 0 = none.
  int fhe_jobs_per_s = 0;
};

/// Benchmark results.
struct RelayBenchResult {
  double frames_per_s = 0;   ///< delivered frames per second (all receivers)
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t sent = 0;         ///< frames sent by all participants
  uint64_t expected = 0;     ///< sent x (participants - 1)
  uint64_t delivered = 0;
  uint64_t lost_frames = 0;  ///< expected - delivered
  uint64_t fhe_jobs_done = 0;
};

/// Runs the benchmark. Error if the server or a client cannot start.
Result<RelayBenchResult> run_relay_bench(const RelayBenchOptions& options);

}  // namespace v100::meeting::server
