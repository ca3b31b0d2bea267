// The media relay (internal to meeting/server): who receives a member's frames, and the check and
// fan-out of one MediaFrame. Runs on the sender's I/O thread; never blocks, never throws — a bad
// frame is a violation of its sender and is dropped (docs/protocol.md §5).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "core/bytes.h"
#include "meeting/protocol/messages.h"
#include "meeting/server/meeting_state.h"
#include "meeting/server/session_context.h"

namespace v100::meeting::server {

/// The routing table of `m`'s online members and their subscriptions. Control thread.
std::shared_ptr<const Routes> build_routes(const MeetingRuntime& m);

/// A MediaFrame admitted for relay: its meeting, the sender's slot and the envelope.
struct RelayFrame {
  const char* violation = nullptr;  ///< set: refused (and why); the other fields are unset
  MeetingPtr meeting;
  uint16_t slot = 0;
  protocol::MediaEnvelope env;
};

/// Checks a MediaFrame message from `from`: a valid frame, from a member, for its own slot.
RelayFrame admit_frame(const SessionContext& from, ByteSpan msg);

/// Queues an admitted frame (the whole message) to every subscriber of its sender. `tamper`
/// (tests only, may be empty) rewrites the message first, as a hostile relay would.
void fan_out(const RelayFrame& frame, Bytes msg, const std::function<void(Bytes&)>& tamper);

}  // namespace v100::meeting::server
