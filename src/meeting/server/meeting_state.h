// In-memory state of a loaded meeting (internal to meeting/server): its slots, its epoch and the
// relay's routing table. Owned by the control plane; only the routes are read off its thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/bytes.h"
#include "meeting/protocol/messages.h"
#include "meeting/server/budget.h"
#include "meeting/server/session_context.h"

namespace v100::meeting::server {

/// Relay routing table of one meeting: for each sender slot, the connections subscribed to it.
/// Immutable once published; rebuilt by the control thread on every membership/subscription
/// change and swapped in (readers on I/O threads take a shared_ptr copy).
struct Routes {
  std::vector<std::vector<SessionContextPtr>> by_sender;
};

/// One occupied slot.
struct MemberSlot {
  uint64_t join_seq = 0;
  std::array<uint8_t, 32> token_hash{};
  SessionContextPtr session;  ///< null while the member is offline
  /// Its identity blob is stored: only then is the member announced (MemberEvent kJoined, listed in
  /// JoinAccepted) and counted for the distributor.
  bool identity = false;
  /// When it went offline (or the meeting was loaded), or joined: for the expiry sweep.
  std::chrono::steady_clock::time_point since{};
};

/// A loaded meeting. All fields except the routes are touched only by the control thread.
class MeetingRuntime {
 public:
  protocol::Handle handle{};
  uint16_t max_members = 0;
  protocol::JoinScheme scheme = protocol::JoinScheme::kEd25519;
  Bytes verifier;
  Bytes host_verifier;  ///< Ed25519 public key for RemoveMember; empty: the meeting has no host key
  uint64_t epoch = 0;
  uint64_t next_join_seq = 1;
  std::map<uint16_t, MemberSlot> members;
  /// When the last connected member went away (unset while one is connected); the housekeeping
  /// sweep evicts the meeting from memory meeting_evict_after later.
  std::chrono::steady_clock::time_point unused_since{};
  BudgetCharge charge;  ///< this runtime's estimated footprint

  /// The slot whose member distributes epochs: the online member with a stored identity and the
  /// smallest join_seq (the host while it is there). -1 when there is none. The SDK applies the same
  /// rule to the members it has been told of (docs/protocol.md §4.5).
  int distributor() const {
    int best = -1;
    uint64_t best_seq = UINT64_MAX;
    for (const auto& [slot, ms] : members)
      if (ms.session && ms.identity && ms.join_seq < best_seq) {
        best_seq = ms.join_seq;
        best = slot;
      }
    return best;
  }

  std::shared_ptr<const Routes> routes() const {
    std::lock_guard lock(routes_mu_);
    return routes_;
  }
  void set_routes(std::shared_ptr<const Routes> r) {
    std::lock_guard lock(routes_mu_);
    routes_ = std::move(r);
  }

 private:
  mutable std::mutex routes_mu_;
  std::shared_ptr<const Routes> routes_ = std::make_shared<Routes>();
};

}  // namespace v100::meeting::server
