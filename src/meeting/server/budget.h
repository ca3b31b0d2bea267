// The server's memory budget: one thread-safe counter of the bytes that untrusted peers make the
// server hold (partial inbound messages, queued requests and replies, loaded meetings). Every
// holder charges before it allocates and is refused when the budget is spent, so the sum of
// what anonymous clients can pin is bounded by one number (`ServerOptions::memory_budget_bytes`).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace v100::meeting::server {

/// Byte accounting against a fixed limit. Lock-free; safe from any thread.
///
/// Two classes of charge: a *bulk* charge (large inbound messages, whose growth an attacker
/// controls) may use only `bulk_share` of the limit, so small requests (joins, media, replies
/// to them) always find room while bulk holders are at their cap.
class MemoryBudget {
 public:
  /// `limit_bytes` total; bulk charges stop at `limit_bytes * bulk_share`.
  explicit MemoryBudget(size_t limit_bytes, double bulk_share = 0.75);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  /// Adds `n` bytes if the result stays within the limit (the bulk limit when `bulk`); returns
  /// false and changes nothing otherwise. Call before allocating.
  [[nodiscard]] bool try_charge(size_t n, bool bulk = false);
  /// Returns `n` bytes previously charged.
  void release(size_t n);

  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }
  /// Charges refused so far (for stats and tests).
  uint64_t refusals() const { return refusals_.load(std::memory_order_relaxed); }

 private:
  const size_t limit_;
  const size_t bulk_limit_;
  std::atomic<size_t> used_{0};
  std::atomic<uint64_t> refusals_{0};
};

/// A charge that is released when it goes out of scope (move-only). Holds a budget pointer, so
/// the budget must outlive it. An empty charge (default, moved-from, or refused) holds nothing.
class BudgetCharge {
 public:
  BudgetCharge() = default;
  /// Charges `n` (refused: an empty charge; test with ok()).
  BudgetCharge(MemoryBudget& budget, size_t n, bool bulk = false);
  ~BudgetCharge() { reset(); }
  BudgetCharge(BudgetCharge&& o) noexcept : budget_(o.budget_), bytes_(o.bytes_) {
    o.budget_ = nullptr, o.bytes_ = 0;
  }
  BudgetCharge& operator=(BudgetCharge&& o) noexcept;
  BudgetCharge(const BudgetCharge&) = delete;
  BudgetCharge& operator=(const BudgetCharge&) = delete;

  bool ok() const { return budget_ != nullptr; }
  size_t bytes() const { return bytes_; }
  /// Grows or shrinks the charge to `n` bytes (growth can be refused: then nothing changes and
  /// false is returned). Works on an empty charge only if constructed with a budget via attach().
  [[nodiscard]] bool resize(size_t n, bool bulk = false);
  /// Binds an empty charge to `budget` with 0 bytes (so resize() can grow it).
  void attach(MemoryBudget& budget) {
    reset();
    budget_ = &budget;
  }
  /// Releases everything.
  void reset();

 private:
  MemoryBudget* budget_ = nullptr;
  size_t bytes_ = 0;
};

/// The default budget for this machine: a quarter of physical memory, capped at 2 GiB and at
/// least 64 MiB.
size_t default_memory_budget();

}  // namespace v100::meeting::server
