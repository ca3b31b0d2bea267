#include "meeting/server/relay.h"

#include <algorithm>

namespace v100::meeting::server {

using protocol::SubscribeMode;

std::shared_ptr<const Routes> build_routes(const MeetingRuntime& m) {
  auto r = std::make_shared<Routes>();
  r->by_sender.resize(m.max_members);
  for (const auto& [slot, ms] : m.members) {
    if (!ms.session) continue;
    const SessionContext& s = *ms.session;
    if (s.sub_mode_ == SubscribeMode::kAll) {
      for (const auto& [other, os] : m.members)
        if (other != slot) r->by_sender[other].push_back(ms.session);
    } else if (s.sub_mode_ == SubscribeMode::kList) {
      for (uint16_t other : s.sub_slots_)
        if (other != slot && other < m.max_members) r->by_sender[other].push_back(ms.session);
    }
  }
  return r;
}

RelayFrame admit_frame(const SessionContext& from, ByteSpan msg) {
  RelayFrame f;
  auto v = protocol::decode_media_frame_view(msg);
  if (!v) {
    f.violation = "bad media frame";
    return f;
  }
  auto [meeting, slot] = from.membership();
  if (!meeting) {
    f.violation = "media from non-member";
  } else if (v->slot != slot) {
    f.violation = "forged slot";  // a member speaks only for itself
  } else {
    f.meeting = std::move(meeting);
    f.slot = v->slot;
    f.env = v->env;
  }
  return f;
}

void fan_out(const RelayFrame& frame, Bytes msg, const std::function<void(Bytes&)>& tamper) {
  protocol::MediaEnvelope env = frame.env;
  if (tamper) {
    // Tests: a hostile relay rewrites the frame (envelope, slot, bytes) before fanning it out.
    tamper(msg);
    auto t = protocol::decode_media_frame_view(msg);
    if (!t) return;
    env = t->env;
  }
  auto routes = frame.meeting->routes();
  if (frame.slot >= routes->by_sender.size()) return;
  const auto& subs = routes->by_sender[frame.slot];
  if (subs.empty()) return;
  std::fill(msg.begin() + 2, msg.begin() + 6, 0);  // relayed frames carry request id 0
  auto buf = std::make_shared<const Bytes>(std::move(msg));
  for (const auto& s : subs) s->send_media(buf, frame.slot, env);
}

}  // namespace v100::meeting::server
