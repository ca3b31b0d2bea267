// What the control plane and the relay need from one client connection (internal to
// meeting/server). The socket-owning Session (session.h) implements it; tests implement it with a
// recorder, so the control plane runs without sockets (tests/meeting/control_plane_test.cc).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "meeting/protocol/messages.h"
#include "meeting/server/peer_table.h"

namespace v100::meeting::server {

class MeetingRuntime;
using MeetingPtr = std::shared_ptr<MeetingRuntime>;

/// A connection as seen by the control thread and the relay. Thread safety: the three virtual
/// functions and membership() may be called from any thread; the fields below are the control
/// thread's only (admission_credits_ excepted, which is atomic).
class SessionContext {
 public:
  virtual ~SessionContext() = default;

  /// Queues a control reply or push. Never dropped: a connection that cannot hold it is closed.
  virtual void send_control(Bytes msg) = 0;
  /// Queues a relayed frame under the subscriber queue's policy (media_queue.h); may drop it.
  virtual void send_media(const std::shared_ptr<const Bytes>& frame, uint16_t slot,
                          protocol::MediaEnvelope env) = 0;
  /// Closes the connection. `misbehaved` counts it as dropped.
  virtual void close(const char* why, bool misbehaved) = 0;
  /// Writes the media queued since the last flush tick (Server::Impl::FlushList).
  virtual void flush_media() {}

  /// Membership: written by the control thread, read by the relay and the read loop.
  void set_membership(MeetingPtr m, int slot) {
    std::lock_guard lock(member_mu_);
    meeting_ = std::move(m);
    slot_ = slot;
  }
  std::pair<MeetingPtr, int> membership() const {
    std::lock_guard lock(member_mu_);
    return {meeting_, slot_};
  }

  // Control-thread state of the connection.
  std::optional<std::pair<protocol::Handle, protocol::Nonce>> challenge_;  ///< one JoinProve/RemoveMember
  std::optional<std::pair<protocol::MailboxId, protocol::Nonce>>
      mailbox_challenge_;  ///< one MailboxPut/Fetch
  TokenBucket mailbox_puts_;
  std::atomic<uint32_t> admission_credits_{0};  ///< redeemed tokens (control thread adds, reader takes)
  protocol::SubscribeMode sub_mode_ = protocol::SubscribeMode::kNone;
  std::vector<uint16_t> sub_slots_;

 private:
  mutable std::mutex member_mu_;
  MeetingPtr meeting_;
  int slot_ = -1;
};
using SessionContextPtr = std::shared_ptr<SessionContext>;

}  // namespace v100::meeting::server
