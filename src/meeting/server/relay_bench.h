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
  /// Threads serving the P client connections (a shared TransportIoPool); 0: a thread per client,
  /// as P separate apps would have. The clients stand in for P machines, so by default they cost
  /// this one as little as they can.
  int client_threads = 2;
  /// ServerOptions::media_flush_interval in µs (-1: the server's default; 0: write at once).
  int media_flush_us = -1;
  /// Simulated FHE jobs per second on the worker pool (each ~2 ms of hashing), 0 = none.
  int fhe_jobs_per_s = 0;
  /// "synthetic": `fps` frames of `frame_bytes` each (audio kind). "meeting": what a video call
  /// sends: Opus-sized audio (100 B) at 50 fps and VP8-sized video at 30 fps (3 KB deltas, a
  /// 40 KB keyframe every 2 s, staggered across senders), all to all; fps/frame_bytes unused.
  std::string profile = "synthetic";
  size_t audio_bytes = 100, video_delta_bytes = 3000, video_keyframe_bytes = 40000;
};

/// Benchmark results.
struct RelayBenchResult {
  double frames_per_s = 0;  ///< delivered frames per second (all receivers)
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t sent = 0;      ///< frames sent by all participants
  uint64_t expected = 0;  ///< sent x (participants - 1)
  uint64_t delivered = 0;
  uint64_t lost_frames = 0;  ///< expected - delivered
  uint64_t fhe_jobs_done = 0;
  // The meeting profile, per kind (the synthetic profile fills the audio figures).
  double audio_p50_ms = 0, audio_p99_ms = 0, video_p50_ms = 0, video_p99_ms = 0;
  uint64_t audio_sent = 0, audio_expected = 0, audio_delivered = 0, audio_lost = 0;
  uint64_t video_sent = 0, video_expected = 0, video_delivered = 0;
  uint64_t keyframes_sent = 0, keyframes_expected = 0, keyframes_delivered = 0;
  uint64_t video_deltas_dropped = 0;  ///< by the relay's subscriber queues (ServerStats)
  uint64_t keyframes_dropped = 0;     ///< expected - delivered keyframes
  uint64_t relay_audio_dropped = 0;   ///< ServerStats::audio_dropped
  double server_cpu_s = 0;            ///< CPU time of the whole process during the run
};

/// Runs the benchmark. Error if the server or a client cannot start.
Result<RelayBenchResult> run_relay_bench(const RelayBenchOptions& options);

}  // namespace v100::meeting::server
