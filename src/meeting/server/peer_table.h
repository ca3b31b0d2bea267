// Per-address state of the server, in memory only: how many connections an address holds and
// its allowance of anonymous stores (meeting creations, large anonymous messages). Addresses are
// never logged or written anywhere; an entry disappears once the address has no connection and
// its allowance has refilled.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace v100::meeting::server {

/// Token bucket (tokens refill at `rate` per second up to `burst`). Not thread-safe.
struct TokenBucket {
  double tokens = 0, rate = 0, burst = 0;
  std::chrono::steady_clock::time_point last{};
  void init(double r, double b,
            std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    rate = r;
    burst = b;
    tokens = b;
    last = now;
  }
  void refill(std::chrono::steady_clock::time_point now) {
    const double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    tokens = std::min(burst, tokens + rate * dt);
  }
  /// Takes `n` tokens if there are that many.
  bool take(double n, std::chrono::steady_clock::time_point now) {
    refill(now);
    if (tokens < n) return false;
    tokens -= n;
    return true;
  }
  /// Takes `n` tokens unconditionally (the bucket may go into debt, see debt_seconds()).
  void spend(double n, std::chrono::steady_clock::time_point now) {
    refill(now);
    tokens -= n;
  }
  /// Seconds until the bucket is out of debt (0 when not in debt).
  double debt_seconds() const { return tokens >= 0 || rate <= 0 ? 0.0 : -tokens / rate; }
};

/// Thread-safe table of per-address limits. The key is the raw address bytes.
class PeerTable {
 public:
  /// `max_per_address` concurrent connections; anonymous stores at `stores_per_s` (burst
  /// `stores_burst`) per address.
  PeerTable(size_t max_per_address, double stores_per_s, double stores_burst)
      : max_per_address_(max_per_address), stores_per_s_(stores_per_s), stores_burst_(stores_burst) {}

  /// Counts a new connection from `addr`; false (nothing counted) when the address is at its limit.
  bool admit(const std::string& addr);
  /// Un-counts a connection admitted earlier.
  void release(const std::string& addr);
  /// Takes one anonymous-store token of `addr`; false when its allowance is spent.
  bool take_store_token(const std::string& addr);
  /// Drops entries with no connection and a full allowance (bounded memory). Returns the count kept.
  size_t sweep();

 private:
  struct Entry {
    size_t connections = 0;
    TokenBucket stores;
  };
  Entry& entry(const std::string& addr, std::chrono::steady_clock::time_point now);

  const size_t max_per_address_;
  const double stores_per_s_, stores_burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace v100::meeting::server
