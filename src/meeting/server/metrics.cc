#include "meeting/server/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace v100::meeting::server {

void Histogram::observe(std::chrono::nanoseconds d) {
  const double s = std::chrono::duration<double>(d).count();
  size_t i = 0;
  while (i < kBounds.size() && s > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, d.count())), std::memory_order_relaxed);
}

std::array<uint64_t, Histogram::kBounds.size() + 1> Histogram::cumulative() const {
  std::array<uint64_t, kBounds.size() + 1> out{};
  uint64_t acc = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

namespace {
// Integers (byte counts, bucket bounds like 10) print exactly; other values to 9 digits.
std::string number(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

void PrometheusWriter::header(std::string_view name, std::string_view help, std::string_view type) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void PrometheusWriter::counter(std::string_view name, std::string_view help, uint64_t value) {
  header(name, help, "counter");
  out_.append(name).append(" ").append(std::to_string(value)).append("\n");
}

void PrometheusWriter::gauge(std::string_view name, std::string_view help, double value) {
  header(name, help, "gauge");
  out_.append(name).append(" ").append(number(value)).append("\n");
}

void PrometheusWriter::counter_by(std::string_view name, std::string_view help, std::string_view label,
                                  const std::vector<std::pair<std::string_view, uint64_t>>& samples) {
  header(name, help, "counter");
  for (const auto& [value, n] : samples)
    out_.append(name)
        .append("{")
        .append(label)
        .append("=\"")
        .append(escape_label(value))
        .append("\"} ")
        .append(std::to_string(n))
        .append("\n");
}

void PrometheusWriter::histogram(std::string_view name, std::string_view help, const Histogram& h) {
  header(name, help, "histogram");
  const auto c = h.cumulative();
  for (size_t i = 0; i < Histogram::kBounds.size(); ++i)
    out_.append(name)
        .append("_bucket{le=\"")
        .append(number(Histogram::kBounds[i]))
        .append("\"} ")
        .append(std::to_string(c[i]))
        .append("\n");
  out_.append(name).append("_bucket{le=\"+Inf\"} ").append(std::to_string(c.back())).append("\n");
  out_.append(name).append("_sum ").append(number(h.sum_seconds())).append("\n");
  out_.append(name).append("_count ").append(std::to_string(c.back())).append("\n");
}

}  // namespace v100::meeting::server
