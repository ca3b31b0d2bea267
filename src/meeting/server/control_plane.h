// The control plane (internal to meeting/server): validates each decoded control request against
// the meeting state and applies it to the meetings and the store, answering on the requesting
// connection and pushing events to the others. It owns every loaded meeting.
//
// It knows connections only as SessionContext (session_context.h), so it runs without sockets:
// the server drives it from its control thread, tests drive it directly with recording contexts.
//
// Thread safety: not thread-safe. Every call except the counters must come from one thread (the
// server's control thread), which makes it the only writer of meeting state and of the store.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "core/status.h"
#include "meeting/admission/privacy_pass.h"
#include "meeting/protocol/messages.h"
#include "meeting/server/budget.h"
#include "meeting/server/meeting_state.h"
#include "meeting/server/server.h"
#include "meeting/server/session_context.h"
#include "meeting/store/store.h"

namespace v100::meeting::server {

class ControlPlane {
 public:
  /// Runs a service job off the control thread (the worker pool); false when it cannot be queued.
  using ServiceRunner = std::function<bool(std::function<void()>)>;

  /// `opts`, `store` and `budget` must outlive the control plane; `store` must be thread-safe
  /// (service jobs use it from their own threads).
  ControlPlane(const ServerOptions& opts, store::Store& store, MemoryBudget& budget,
               std::map<uint16_t, ServiceHandler> services, ServiceRunner run_service);
  ~ControlPlane();  ///< clear()s
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  /// Parses the admission options (issuer key and name). Error: a bad key or a missing name.
  Status init();
  /// Anonymous stores need a redeemed admission token (an issuer key is configured).
  bool admission_enabled() const { return admission_key_.has_value(); }

  /// Applies one decoded request from `s` and answers it (reply, error, pushes to others). A
  /// message that is not a control request (Hello, media, server-to-client types) gets
  /// Error(kBadMessage).
  void handle(const SessionContextPtr& s, protocol::Envelope env);

  /// `s` went away without Leave: its slot stays, offline, for a reclaim; the others are told.
  void on_closed(const SessionContextPtr& s);

  /// Frees slots offline for offline_slot_ttl or without an identity after identity_timeout, and
  /// drops from memory meetings unused for meeting_evict_after (the store keeps them).
  void housekeeping(std::chrono::steady_clock::time_point now);

  /// Drops every loaded meeting and detaches its members' connections (the server has stopped).
  void clear();

  /// Meetings loaded from the store so far / in memory now. Any thread.
  uint64_t meetings_loaded() const { return meetings_loaded_.load(); }
  uint64_t meetings_resident() const { return meetings_resident_.load(); }

 private:
  MeetingPtr find_meeting(const protocol::Handle& h);
  void rebuild_routes(MeetingRuntime& m);
  void push_to_members(MeetingRuntime& m, const Bytes& msg, int except_slot);
  Status free_slot(MeetingRuntime& m, uint16_t slot, protocol::MemberEventKind event);
  void expire_slots(std::chrono::steady_clock::time_point now);
  void evict_unused_meetings(std::chrono::steady_clock::time_point now);
  unsigned mailbox_put_bits(size_t items_held) const;

  // One handler per control request (the message table's kRequest and kStoringRequest entries).
  using Ctx = SessionContextPtr;
  void handle(const Ctx& s, uint32_t rid, const protocol::CreateMeeting& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::JoinChallengeRequest& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::JoinProve& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::GetMeeting& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::GetKeyBlob& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::PutKeyBlob& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::PutRoster& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::FetchRoster& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::PostEpoch& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::FetchEpochKey& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::Subscribe& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::Leave& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::EndMeeting& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::MailboxChallengeRequest& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::MailboxPut& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::MailboxFetch& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::ServiceRequest& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::RemoveMember& m);
  void handle(const Ctx& s, uint32_t rid, const protocol::RedeemToken& m);

  const ServerOptions& opts_;
  store::Store* store_;
  MemoryBudget& budget_;
  std::map<uint16_t, ServiceHandler> services_;
  ServiceRunner run_service_;
  std::optional<admission::IssuerPublicKey> admission_key_;  // set: anonymous stores need tokens
  Bytes admission_challenge_;
  std::map<protocol::Handle, MeetingPtr> meetings_;
  std::atomic<uint64_t> meetings_loaded_{0}, meetings_resident_{0};
};

}  // namespace v100::meeting::server
