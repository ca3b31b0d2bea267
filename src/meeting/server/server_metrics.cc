// What the operator sees (admin.h): /metrics in the Prometheus text format, /healthz, /readyz.
// Aggregates only: counts, gauges and latency histograms of the whole server, with no label that
// names a meeting, a handle, a slot or an address (the blindness the server keeps on disk and in
// its log holds for its metrics too).
#include "meeting/server/server_impl.h"

namespace v100::meeting::server {

std::string Server::Impl::render_metrics() const {
  const Counters& c = counters_;
  PrometheusWriter w;
  w.counter("v100_connections_accepted_total", "TCP connections accepted.", c.accepted.load());
  w.counter("v100_connections_rejected_total",
            "Connections closed at accept (global, handshake or per-address limit, no descriptors).",
            c.rejected.load());
  w.counter("v100_connections_dropped_total",
            "Connections closed by the server for misbehaviour or slowness.", c.dropped.load());
  w.gauge("v100_connections_open", "Connections open now.", static_cast<double>(c.open.load()));
  w.gauge("v100_connections_handshaking", "Connections that have not completed Hello.",
          static_cast<double>(handshaking_.load()));
  w.counter("v100_violations_total", "Protocol violations (bad, forged or over-rate messages).",
            c.violations.load());
  w.counter("v100_accept_backoffs_total", "Accept loop pauses for lack of file descriptors.",
            c.accept_backoffs.load());

  w.counter("v100_frames_in_total", "Media frames received from members.", c.frames_in.load());
  w.counter("v100_frames_relayed_total", "Media frame deliveries queued to subscribers.", c.relayed.load());
  auto drops = [&](DropReason r) { return c.drops[static_cast<size_t>(r)].load(); };
  w.counter_by("v100_frames_dropped_total", "Media frame deliveries dropped, by reason (media_queue.h).",
               "reason",
               {{"video_behind", drops(DropReason::kVideoBehind)},
                {"awaiting_keyframe", drops(DropReason::kAwaitingKeyframe)},
                {"superseded", drops(DropReason::kSuperseded)},
                {"keyframe_overflow", drops(DropReason::kKeyframeOverflow)},
                {"audio_overflow", drops(DropReason::kAudioOverflow)},
                {"memory_budget", drops(DropReason::kBudget)}});

  w.histogram("v100_control_request_duration_seconds", "Control requests, handled on the control thread.",
              control_request_seconds_);
  w.gauge("v100_control_queue_depth", "Control requests queued or running.",
          static_cast<double>(control_pool_ ? control_pool_->pending() : 0));
  w.gauge("v100_control_replies_queued", "Replies and pushes waiting to be written, all connections.",
          static_cast<double>(std::max<int64_t>(0, c.control_out.load())));
  w.histogram("v100_fhe_job_duration_seconds", "Homomorphic service jobs, run time on the worker pool.",
              fhe_job_seconds_);
  w.gauge("v100_fhe_queue_depth", "Service jobs queued or running.",
          static_cast<double>(workers_ ? workers_->pending() : 0));
  w.counter("v100_fhe_jobs_refused_total", "Service jobs refused because the worker queue was full.",
            c.fhe_refused.load());

  w.histogram("v100_store_write_duration_seconds", "Store writes and deletes.", store_write_seconds_);
  w.gauge("v100_store_used_bytes", "Live bytes in the store.",
          static_cast<double>(guard_ ? guard_->used() : 0));
  w.gauge("v100_store_quota_bytes", "Store quota (0: none).",
          static_cast<double>(guard_ ? guard_->quota() : 0));
  w.counter("v100_store_refusals_total", "Writes refused by the store quota or a missing reserve.",
            guard_ ? guard_->refusals() : 0);

  w.gauge("v100_memory_budget_used_bytes", "Bytes charged to the memory budget.",
          static_cast<double>(budget_.used()));
  w.gauge("v100_memory_budget_limit_bytes", "The memory budget.", static_cast<double>(budget_.limit()));
  w.counter("v100_memory_refusals_total", "Charges the memory budget refused.", budget_.refusals());

  w.counter("v100_meetings_loaded_total", "Meetings loaded from the store into memory.",
            control_ ? control_->meetings_loaded() : 0);
  w.gauge("v100_meetings_resident", "Meetings in memory now.",
          static_cast<double>(control_ ? control_->meetings_resident() : 0));
  w.gauge("v100_ready", "1 when accepting and the store admits writes (/readyz).", ready() ? 1 : 0);
  w.gauge("v100_draining", "1 while draining before a stop.", draining_.load() ? 1 : 0);
  return w.text();
}

AdminServer::Response Server::Impl::admin_response(std::string_view path) const {
  if (path == "/metrics") return {200, kPrometheusContentType, render_metrics()};
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/readyz") {
    if (ready()) return {200, "text/plain; charset=utf-8", "ready\n"};
    return {503, "text/plain; charset=utf-8", draining_.load() ? "draining\n" : "not ready\n"};
  }
  return {404, "text/plain; charset=utf-8", "/metrics, /healthz, /readyz\n"};
}

}  // namespace v100::meeting::server
