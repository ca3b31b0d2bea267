// The client SDK on the I/O thread: pushes from the server, frames (held for their epoch or their
// sender's identity check), SDK control frames, meeting events.
#include "meeting/client/client_state.h"

namespace v100::meeting::client {

void Client::State::on_message(Bytes msg) {
  auto hdr = proto::decode_header(msg);
  if (!hdr) return;
  auto type = static_cast<proto::MsgType>(hdr->type);
  if (type == proto::MsgType::kMediaFrame) {
    auto v = proto::decode_media_frame_view(msg);
    if (v) on_frame(v->slot, v->env, v->payload);
    return;
  }
  if (type == proto::MsgType::kMediaBundle) {
    auto frames = proto::decode_media_bundle_view(msg);
    if (frames)
      for (const auto& f : *frames) on_frame(f.slot, f.env, f.payload);
    return;
  }
  auto env = proto::decode(msg);
  if (!env) return;
  if (auto* ev = std::get_if<proto::MemberEvent>(&env->msg)) {
    on_member_event(*ev);
  } else if (auto* ek = std::get_if<proto::EpochKey>(&env->msg)) {
    std::lock_guard lk(mu);
    epoch_items.push_back({ek->epoch, ek->from_slot, std::move(ek->blob)});
    cv.notify_all();
  }
}

void Client::State::on_member_event(const proto::MemberEvent& ev) {
  std::lock_guard lk(mu);
  if (!joined) return;
  switch (ev.kind) {
    case proto::MemberEventKind::kJoined: {
      Member m;
      m.join_seq = ev.join_seq;
      m.online = true;
      members[ev.slot] = std::move(m);
      if (identity_wanted.count(ev.slot)) {  // its frames came first: check it now
        identity_check_needed = true;
        cv.notify_all();
      }
      break;
    }
    case proto::MemberEventKind::kLeft:
      depart_locked(ev.slot);
      break;
    case proto::MemberEventKind::kRemoved:
      if (ev.slot == my_slot) {
        // The host removed us: the server no longer counts this connection as a member.
        reset_meeting_locked();
        removed = true;
        post_event_locked(event_of(MeetingEventKind::kRemoved));
        cv.notify_all();
        return;
      }
      depart_locked(ev.slot);
      break;
    case proto::MemberEventKind::kOnline:
      if (auto it = members.find(ev.slot); it != members.end()) it->second.online = true;
      break;
    case proto::MemberEventKind::kOffline:
      if (auto it = members.find(ev.slot); it != members.end()) it->second.online = false;
      break;
    case proto::MemberEventKind::kMeetingEnded:
      joined = false;
      members.clear();
      announced.clear();
      post_event_locked(event_of(MeetingEventKind::kMeetingEnded));
      break;
  }
  rekey_needed = true;
  cv.notify_all();
}

// Caller holds media_mu.
void Client::State::deliver(uint16_t slot, proto::MediaEnvelope env, ByteSpan frame) {
  auto meta = frame_metadata(slot, env);
  auto r = receiver->unprotect(meta, frame);
  if (!r) {
    ++frames_undecryptable;
    return;
  }
  if (env.kind == proto::MediaKind::kControl) {
    on_control(slot, r->payload);
    return;
  }
  ++frames_received;
  if (!handler) return;
  DecryptedFrame f;
  f.slot = slot;
  f.kind = env.kind;
  f.keyframe = env.keyframe;
  f.layer = env.layer;
  f.epoch = r->info.epoch;
  f.counter = r->info.counter;
  f.payload = std::move(r->payload);
  // Behind frames of the same sender still waiting for its identity, to keep the order.
  const bool queued = std::any_of(unchecked.begin(), unchecked.end(),
                                  [&](const Unchecked& u) { return u.frame.slot == slot; });
  if (queued || !label_sender(f)) {
    if (unchecked.size() >= kMaxHeldFrames) {
      unchecked.pop_front();
      ++frames_undecryptable;
    }
    unchecked.push_back({std::move(f), Clock::now()});
    ++frames_identity_wait;
    std::lock_guard lk(mu);
    if (identity_wanted.insert(slot).second) {
      identity_check_needed = true;
      cv.notify_all();
    }
    return;
  }
  announce_track(f);
  handler(f);
}

// Caller holds mu.
void Client::State::depart_locked(uint16_t slot) {
  auto it = members.find(slot);
  if (it == members.end()) return;
  if (it->second.identity) departed[slot] = {*it->second.identity, std::max(epoch, server_epoch)};
  if (announced.erase(slot) && it->second.identity) {
    MeetingEvent ev;
    ev.kind = MeetingEventKind::kParticipantLeft;
    ev.slot = slot;
    ev.user = it->second.identity->user_id;
    ev.display_name = it->second.identity->display_name;
    post_event_locked(std::move(ev));
  }
  members.erase(it);
}

// Caller holds mu. Queued for the worker, which hands events over in order with no lock held.
void Client::State::post_event_locked(MeetingEvent ev) {
  if (!event_handler) return;
  events.push_back(std::move(ev));
  cv.notify_all();
}

// Worker thread, no lock held.
void Client::State::dispatch_events() {
  for (;;) {
    MeetingEvent ev;
    EventHandler h;
    {
      std::lock_guard lk(mu);
      if (events.empty()) return;
      ev = std::move(events.front());
      events.pop_front();
      h = event_handler;
    }
    if (h) h(ev);
  }
}

// Worker thread: a connection that closed or came back (reconnect()) is an event.
void Client::State::watch_connection() {
  auto t = tp();
  const bool open = t && t->is_open();
  if (open == was_connected) return;
  was_connected = open;
  MeetingEvent ev;
  ev.kind = MeetingEventKind::kConnectionChanged;
  ev.connected = open;
  std::lock_guard lk(mu);
  post_event_locked(std::move(ev));
}

// Caller holds media_mu. kTrackSubscribed at the first frame of each (slot, kind), queued after
// the sender's kParticipantJoined (posted when its identity was checked, before any frame of it
// is labelled).
void Client::State::announce_track(const DecryptedFrame& f) {
  if (!tracks.insert(static_cast<uint32_t>(f.slot) << 8 | static_cast<uint8_t>(f.kind)).second) return;
  MeetingEvent ev;
  ev.kind = MeetingEventKind::kTrackSubscribed;
  ev.slot = f.slot;
  ev.track = f.kind;
  ev.user = f.sender;
  ev.display_name = f.sender_name;
  std::lock_guard lk(mu);
  post_event_locked(std::move(ev));
}

// Fills the sender fields of `f` from its checked identity; false if not checked (yet).
bool Client::State::label_sender(DecryptedFrame& f) {
  std::lock_guard lk(mu);
  const IdentityEntry* who = nullptr;
  if (auto d = departed.find(f.slot); d != departed.end() && f.epoch <= d->second.last_epoch) {
    who = &d->second.identity;
  } else if (auto it = members.find(f.slot); it != members.end() && it->second.identity) {
    who = &*it->second.identity;
  }
  if (!who) return false;
  f.identity_verified = true;
  f.sender = who->user_id;
  f.sender_name = who->display_name;
  return true;
}

// Worker thread: checks the identities frames wait for, then hands over, in arrival order, the
// frames whose sender is now checked. A sender still unchecked after hold_back is handed over
// marked unverified (identity_verified false), the app decides; counted in frames_unchecked.
void Client::State::check_waiting_identities() {
  std::vector<uint16_t> slots;
  {
    std::lock_guard lk(mu);
    slots.assign(identity_wanted.begin(), identity_wanted.end());
  }
  for (uint16_t s : slots) (void)ensure_identity(s);
  std::lock_guard mlk(media_mu);
  {
    std::lock_guard lk(mu);
    if (!joined) {  // left (or removed) meanwhile: nothing more is handed to the app
      identity_wanted.clear();
      frames_undecryptable += unchecked.size();
      unchecked.clear();
      return;
    }
  }
  const auto now = Clock::now();
  std::set<uint16_t> expired, blocked;
  std::deque<Unchecked> keep;
  for (auto& u : unchecked) {
    const uint16_t s = u.frame.slot;
    if (!blocked.count(s) && (label_sender(u.frame) || expired.count(s) || now - u.at >= opt.hold_back)) {
      if (!u.frame.identity_verified) {
        expired.insert(s);
        ++frames_unchecked;
      }
      if (handler) {
        announce_track(u.frame);
        handler(u.frame);
      }
    } else {
      blocked.insert(s);  // later frames of this sender stay behind this one
      keep.push_back(std::move(u));
    }
  }
  unchecked.swap(keep);
  std::lock_guard lk(mu);
  identity_wanted = std::move(blocked);
}

// Caller holds media_mu. A decrypted SDK control frame from `from`.
void Client::State::on_control(uint16_t from, ByteSpan payload) {
  ++controls_received;
  if (payload.size() != 4 || payload[0] != kControlKeyframeRequest) return;  // unknown: ignored
  const uint16_t target = static_cast<uint16_t>(payload[1] | (payload[2] << 8));
  auto kind = static_cast<proto::MediaKind>(payload[3]);
  if (kind != proto::MediaKind::kVideo && kind != proto::MediaKind::kScreen) return;
  {
    std::lock_guard lk(mu);
    if (!joined || target != my_slot) return;
  }
  ++keyframe_requests_received;
  if (keyframe_handler) keyframe_handler(from, kind);
}

void Client::State::on_frame(uint16_t slot, proto::MediaEnvelope env, ByteSpan frame) {
  std::lock_guard lk(media_mu);
  if (tap) tap(slot, env, frame);
  if (!receiver) return;
  auto h = media::decode_header(frame);
  if (!h) {
    ++frames_undecryptable;
    return;
  }
  uint64_t e = media::kid_epoch(h->kid);
  auto cur = receiver->current_epoch();
  if (!cur || e > *cur) {
    // Its key is on the way (the distributor's EpochKey push may be processed after the
    // sender's first frames): hold it back, released in order by install_epoch().
    if (held.size() >= kMaxHeldFrames) held.pop_front();
    held.push_back({slot, env, e, Bytes(frame.begin(), frame.end()), Clock::now()});
    ++frames_held;
    return;
  }
  deliver(slot, env, frame);
}

}  // namespace v100::meeting::client
