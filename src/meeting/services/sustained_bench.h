// The sustained-throughput run behind `v100 bench-sustained` (issue #17): many meetings with their
// encrypted state in the server's real store (SQLite behind the server's StoreGuard), service
// requests issued back to back for S seconds through the real handlers (the ones
// register_metadata_services installs), and a sample of the replies decrypted and checked against
// a plaintext model of every meeting. A wrong or failed reply is an error.
//
// Two transports:
//  - engine: ServiceCalls go to a WorkerPool of `threads` workers, exactly as the server's
//    dispatcher hands them over (no sockets, no TLS): the figure of the FHE path itself.
//  - network: a started Server on loopback; one TLS WebSocket connection per meeting, joined as a
//    member, sends ServiceRequests; the server's worker pool has `threads` workers. End to end.
// In both, `threads + 1` requests are outstanding (one driver thread each, owning disjoint
// meetings), so every worker always has the next request waiting; a latency is the time from
// issuing a request to holding its reply.
//
// Setup writes each meeting's keys and roster (look-up), account keys and rate (billing) or
// member reports (analytics) into the store as the server would hold them; only the timed
// operation runs through the handlers. Randomness: SHAKE256 over a fresh seed (core/rng.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace v100::meeting::services {

/// Parameters of a sustained run.
struct SustainedOptions {
  std::string service = "lookup";  ///< lookup | billing | analytics
  double seconds = 120;
  int threads = 2;            ///< worker threads computing (the driver threads sleep meanwhile)
  size_t members = 0;         ///< per meeting; 0: 1024 for lookup, 32 for analytics (billing: 1)
  size_t meetings = 0;        ///< meetings (billing: accounts); 0: 16 lookup, 8 billing/analytics
  bool network = false;       ///< through the TLS server instead of straight to the worker pool
  unsigned check_every = 16;  ///< every Nth reply (per run) is decrypted and checked
};

/// What a run measured. Rates count operations completed inside the S seconds.
struct SustainedResult {
  std::string service, transport;
  double seconds = 0;
  int threads = 0;
  size_t members = 0, meetings = 0;
  uint64_t ops = 0;      ///< operations completed in the timed window
  uint64_t checked = 0;  ///< replies decrypted and compared with the model
  uint64_t errors = 0;   ///< failed requests + wrong replies
  std::string first_error;
  double ops_per_s = 0;      ///< look-ups, folds or reports per second
  double members_per_s = 0;  ///< ops_per_s x members covered per op (billing: 1)
  double per_core = 0;       ///< members_per_s / threads
  double p50_ms = 0, p99_ms = 0;
  double cv_percent = 0;  ///< coefficient of variation of ops over the full 1-second windows
  std::vector<uint64_t> window_ops;
  double rss_setup_mb = 0;  ///< after writing the store, before the first request
  double rss_start_mb = 0;  ///< after one warm-up request per meeting (caches filled)
  double rss_end_mb = 0;    ///< at the end of the timed window
  double setup_s = 0;
  /// CPU seconds the whole process (workers, drivers, checks) used in the timed window, per op:
  /// what a figure costs on a machine shared with other work.
  double cpu_ms_per_op = 0;
  double loadavg_start = 0, loadavg_end = 0;  ///< /proc/loadavg 1-minute figure (other work on the host)
};

/// Runs it. Error on bad options or when the store or server cannot start; errors of individual
/// requests are counted in the result, not returned.
Result<SustainedResult> run_sustained_bench(const SustainedOptions& options);

/// The machine's CPU model line (/proc/cpuinfo "model name", family and model), for reports.
std::string cpu_model();

}  // namespace v100::meeting::services
