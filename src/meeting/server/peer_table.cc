#include "meeting/server/peer_table.h"

namespace v100::meeting::server {

PeerTable::Entry& PeerTable::entry(const std::string& addr, std::chrono::steady_clock::time_point now) {
  auto [it, inserted] = entries_.try_emplace(addr);
  if (inserted) it->second.stores.init(stores_per_s_, stores_burst_, now);
  return it->second;
}

bool PeerTable::admit(const std::string& addr) {
  std::lock_guard lock(mu_);
  Entry& e = entry(addr, std::chrono::steady_clock::now());
  if (e.connections >= max_per_address_) return false;
  ++e.connections;
  return true;
}

void PeerTable::release(const std::string& addr) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(addr);
  if (it != entries_.end() && it->second.connections > 0) --it->second.connections;
}

bool PeerTable::take_store_token(const std::string& addr) {
  std::lock_guard lock(mu_);
  return entry(addr, std::chrono::steady_clock::now()).stores.take(1, std::chrono::steady_clock::now());
}

size_t PeerTable::sweep() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    it->second.stores.refill(now);
    if (it->second.connections == 0 && it->second.stores.tokens >= it->second.stores.burst) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return entries_.size();
}

}  // namespace v100::meeting::server
