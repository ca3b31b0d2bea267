#include "meeting/server/budget.h"

#include <unistd.h>

#include <algorithm>

namespace v100::meeting::server {

MemoryBudget::MemoryBudget(size_t limit_bytes, double bulk_share)
    : limit_(limit_bytes), bulk_limit_(static_cast<size_t>(static_cast<double>(limit_bytes) * bulk_share)) {}

bool MemoryBudget::try_charge(size_t n, bool bulk) {
  const size_t cap = bulk ? bulk_limit_ : limit_;
  size_t cur = used_.load(std::memory_order_relaxed);
  do {
    if (n > cap || cur > cap - n) {
      refusals_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (!used_.compare_exchange_weak(cur, cur + n, std::memory_order_relaxed));
  return true;
}

void MemoryBudget::release(size_t n) {
  used_.fetch_sub(n, std::memory_order_relaxed);
}

BudgetCharge::BudgetCharge(MemoryBudget& budget, size_t n, bool bulk) {
  if (budget.try_charge(n, bulk)) {
    budget_ = &budget;
    bytes_ = n;
  }
}

BudgetCharge& BudgetCharge::operator=(BudgetCharge&& o) noexcept {
  if (this != &o) {
    reset();
    budget_ = o.budget_;
    bytes_ = o.bytes_;
    o.budget_ = nullptr;
    o.bytes_ = 0;
  }
  return *this;
}

bool BudgetCharge::resize(size_t n, bool bulk) {
  if (!budget_) return false;
  if (n > bytes_) {
    if (!budget_->try_charge(n - bytes_, bulk)) return false;
  } else {
    budget_->release(bytes_ - n);
  }
  bytes_ = n;
  return true;
}

void BudgetCharge::reset() {
  if (budget_ && bytes_) budget_->release(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

size_t default_memory_budget() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  const size_t ram =
      pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : (8ull << 30);
  return std::clamp<size_t>(ram / 4, 64u << 20, 2ull << 30);
}

}  // namespace v100::meeting::server
