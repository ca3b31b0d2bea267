// Aggregate metrics in the Prometheus text exposition format 0.0.4 (internal to meeting/server):
// a lock-free latency histogram and a writer for counters, gauges and histograms. Labels carry
// fixed enumerations only (a drop reason), never a meeting, handle, slot or address.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v100::meeting::server {

/// A latency histogram with fixed buckets (0.5 ms .. 10 s). observe() is lock-free and safe from
/// any thread; a scrape may see a bucket a moment ahead of the sum (Prometheus tolerates that).
class Histogram {
 public:
  /// Upper bounds in seconds (the +Inf bucket is implicit).
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  void observe(std::chrono::nanoseconds d);
  /// Cumulative count of observations <= kBounds[i] (i < kBounds.size()), then the total.
  std::array<uint64_t, kBounds.size() + 1> cumulative() const;
  double sum_seconds() const { return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) * 1e-9; }

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // per bucket, not cumulative
  std::atomic<uint64_t> sum_ns_{0};
};

/// Times a scope into a histogram.
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram* h) : h_(h), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    if (h_) h_->observe(std::chrono::steady_clock::now() - start_);
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram* h_;
  std::chrono::steady_clock::time_point start_;
};

/// Builds a text-format 0.0.4 exposition. Names must match [a-z_:][a-z0-9_:]*; label values are
/// fixed strings chosen by the server (escaped anyway).
class PrometheusWriter {
 public:
  void counter(std::string_view name, std::string_view help, uint64_t value);
  void gauge(std::string_view name, std::string_view help, double value);
  /// One metric family with a single label, one sample per (label value, value).
  void counter_by(std::string_view name, std::string_view help, std::string_view label,
                  const std::vector<std::pair<std::string_view, uint64_t>>& samples);
  void histogram(std::string_view name, std::string_view help, const Histogram& h);
  /// The exposition (ends with a newline).
  const std::string& text() const { return out_; }

 private:
  void header(std::string_view name, std::string_view help, std::string_view type);
  std::string out_;
};

/// Content-Type of the text format.
inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace v100::meeting::server
