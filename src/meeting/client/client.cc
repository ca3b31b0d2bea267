#include "meeting/client/client.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/rng.h"
#include "media/sframe_context.h"
#include "media/sframe_header.h"
#include "meeting/client/crypto.h"
#include "meeting/client/group.h"
#include "meeting/client/invitation.h"
#include "meeting/client/roster.h"
#include "meeting/client/roster_bfv.h"
#include "meeting/client/schedule.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/mailbox_proof.h"

namespace v100::meeting::client {

namespace proto = protocol;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

// Held-back frames (epoch not installed yet) are bounded so a flood of frames with future KIDs
// cannot grow memory: beyond this the oldest is dropped.
constexpr size_t kMaxHeldFrames = 4096;

MeetingEvent event_of(MeetingEventKind kind) {
  MeetingEvent ev;
  ev.kind = kind;
  return ev;
}
// Meeting-info plaintext is padded to a multiple of this, so the blob does not reveal the title's
// exact length.
constexpr size_t kInfoPad = 256;

// SFrame metadata (authenticated, not encrypted): the sender slot and the media envelope (kind,
// keyframe bit, layer), so none of them can be changed by the relay without failing the tag check.
std::array<uint8_t, 3> frame_metadata(uint16_t slot, proto::MediaEnvelope env) {
  return {static_cast<uint8_t>(slot), static_cast<uint8_t>(slot >> 8), env.byte()};
}

// SDK control frames (MediaKind::kControl, encrypted like media; the relay cannot tell them apart).
constexpr uint8_t kControlKeyframeRequest = 1;  // | target slot u16 | kind u8
// A receiver asks one sender for a keyframe at most once a second per stream (a keyframe is ~7x a
// delta and goes to every subscriber: requests must not become the congestion they cure).
constexpr std::chrono::milliseconds kKeyframeRequestInterval{1000};

Status error_status(const proto::Envelope& env, const char* what) {
  if (const auto* e = std::get_if<proto::Error>(&env.msg))
    return Status::error(std::string(what) + ": server error " + std::to_string(static_cast<int>(e->code)) + " (" +
                         e->text + ")");
  return Status::error(std::string(what) + ": unexpected reply");
}

}  // namespace

struct Client::State : std::enable_shared_from_this<Client::State> {
  std::shared_ptr<const Identity> id;
  ClientOptions opt;
  // Replaced by reconnect(); users take a reference-counted copy so a call in flight keeps the
  // old connection alive until it returns.
  mutable std::mutex transport_mu;
  std::shared_ptr<proto::TransportClient> transport;
  proto::SlotToken slot_token{};

  // ---- meeting state (mu) ----
  struct Member {
    uint64_t join_seq = 0;
    bool online = true;
    std::optional<IdentityEntry> identity;
  };
  // A member who left or was removed: its frames sent before (the relay may deliver queued media
  // after the event) still name it, up to the last epoch it could hold; a later member of the slot
  // only ever has later epochs.
  struct Departed {
    IdentityEntry identity;
    uint64_t last_epoch = 0;
  };
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool joined = false;
  std::unique_ptr<KeySchedule> ks;
  uint64_t session = 0;
  proto::Handle handle{};
  SecretBytes roster_key;
  std::shared_ptr<RosterCipher> roster_cipher;
  uint16_t my_slot = 0;
  uint64_t my_join_seq = 0;
  std::map<uint16_t, Member> members;
  uint64_t epoch = 0;          // installed
  uint64_t server_epoch = 0;   // highest seen from the server
  std::vector<uint16_t> epoch_slots;
  std::string code;

  // ---- key worker (mu) ----
  struct EpochKeyItem {
    uint64_t epoch;
    uint16_t from_slot;
    Bytes blob;
  };
  std::deque<EpochKeyItem> epoch_items;
  bool rekey_needed = false;
  bool fetch_epoch_needed = false;
  bool stop = false;
  bool removed = false;  // the host removed this member (MemberEvent kRemoved)
  // Host-only: the Ed25519 seed whose public key the server holds as kKeyHostVerifier.
  SecretBytes host_seed;
  // After a removal the host's new join key (not derivable from ms): invitations carry it.
  SecretBytes join_seed_override;
  std::thread worker;

  // ---- media (media_mu; lock order media_mu -> mu) ----
  struct Held {
    uint16_t slot;
    proto::MediaEnvelope env;
    uint64_t epoch;
    Bytes frame;
    Clock::time_point at;
  };
  std::mutex media_mu;
  std::unique_ptr<media::ReceiverContext> receiver;
  std::deque<Held> held;
  // Decrypted frames of a sender whose identity is not checked yet (its MemberEvent or identity
  // blob is still on the way): the worker checks it and releases them in order, so the app is
  // never handed a frame with an unchecked sender while the check is merely late.
  struct Unchecked {
    DecryptedFrame frame;
    Clock::time_point at;
  };
  std::deque<Unchecked> unchecked;
  FrameHandler handler;
  RawFrameTap tap;
  KeyframeRequestHandler keyframe_handler;
  EpochHandler epoch_handler;  // guarded by mu
  std::map<uint32_t, Clock::time_point> keyframe_asked;  // stream (slot << 8 | kind) -> last request
  std::map<uint16_t, Departed> departed;  // guarded by mu
  // Events (guarded by mu) for the worker to hand over; `announced`: slots whose kParticipantJoined
  // went out (so kParticipantLeft pairs with it); `tracks` (media_mu): (slot << 8 | kind) seen.
  std::deque<MeetingEvent> events;
  EventHandler event_handler;
  std::set<uint16_t> announced;
  std::set<uint32_t> tracks;
  bool was_connected = true;  // worker thread only
  std::set<uint16_t> identity_wanted;  // guarded by mu: senders of frames in `unchecked`
  bool identity_check_needed = false;  // guarded by mu: wakes the worker (retries on its 100 ms tick)
  std::mutex send_mu;
  std::unique_ptr<media::SenderContext> sender;
  uint16_t send_slot = 0;

  // ---- stats ----
  std::atomic<uint64_t> frames_sent{0}, frames_received{0}, frames_undecryptable{0}, frames_held{0},
      epochs_installed{0}, epochs_distributed{0}, controls_received{0}, keyframe_requests_sent{0},
      keyframe_requests_received{0}, frames_identity_wait{0}, frames_unchecked{0};

  // ------------------------------------------------------------------------------------------
  std::shared_ptr<proto::TransportClient> tp() const {
    std::lock_guard lk(transport_mu);
    return transport;
  }

  // Encrypts and sends one frame (media or SDK control) under the current epoch.
  Status send_sealed(proto::MediaEnvelope env, ByteSpan payload);

  Result<proto::Envelope> call(const proto::Message& m) {
    auto t = tp();
    if (!t) return Result<proto::Envelope>::error("not connected");
    return t->call(m, opt.request_timeout);
  }

  // Opens a connection whose pushes come to this state, and says Hello.
  Result<std::shared_ptr<proto::TransportClient>> open_transport() {
    std::weak_ptr<State> weak = weak_from_this();
    auto t = proto::TransportClient::connect(opt.transport, [weak](Bytes m) {
      if (auto s = weak.lock()) s->on_message(std::move(m));
    });
    if (!t) return Result<std::shared_ptr<proto::TransportClient>>::error("connect: " + t.message());
    std::shared_ptr<proto::TransportClient> sp = std::move(t).value();
    auto hello = sp->call(proto::Hello{}, opt.request_timeout);
    if (!hello) return hello.status();
    if (!std::holds_alternative<proto::ServerHello>(hello->msg)) return error_status(*hello, "Hello");
    return sp;
  }

  template <typename T>
  Result<T> call_expect(const proto::Message& m, const char* what) {
    auto env = call(m);
    if (!env) return Result<T>::error(std::string(what) + ": " + env.message());
    if (auto* t = std::get_if<T>(&env->msg)) return std::move(*t);
    return error_status(*env, what);
  }

  Status call_ack(const proto::Message& m, const char* what) {
    auto r = call_expect<proto::Ack>(m, what);
    return r.status();
  }

  // ---- I/O thread ----------------------------------------------------------------------------
  void on_message(Bytes msg) {
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

  void on_member_event(const proto::MemberEvent& ev) {
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
  void deliver(uint16_t slot, proto::MediaEnvelope env, ByteSpan frame) {
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
  void depart_locked(uint16_t slot) {
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
  void post_event_locked(MeetingEvent ev) {
    if (!event_handler) return;
    events.push_back(std::move(ev));
    cv.notify_all();
  }

  // Worker thread, no lock held.
  void dispatch_events() {
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
  void watch_connection() {
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
  void announce_track(const DecryptedFrame& f) {
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
  bool label_sender(DecryptedFrame& f) {
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
  void check_waiting_identities() {
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
  void on_control(uint16_t from, ByteSpan payload) {
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

  void on_frame(uint16_t slot, proto::MediaEnvelope env, ByteSpan frame) {
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

  // ---- key worker ----------------------------------------------------------------------------
  // Identity of `slot` (fetching and checking its identity blob if needed). Worker or app thread.
  std::optional<IdentityEntry> ensure_identity(uint16_t slot) {
    uint64_t join_seq = 0;
    Bytes rk;
    proto::Handle h;
    {
      std::lock_guard lk(mu);
      auto it = members.find(slot);
      if (it == members.end()) return std::nullopt;
      if (it->second.identity) return it->second.identity;
      join_seq = it->second.join_seq;
      rk.assign(roster_key.span().begin(), roster_key.span().end());
      h = handle;
    }
    auto blob = call_expect<proto::KeyBlob>(proto::GetKeyBlob{proto::identity_key_kind(slot)}, "GetKeyBlob");
    std::optional<IdentityEntry> out;
    if (blob) {
      auto e = open_identity_blob(rk, h, slot, join_seq, blob->blob);
      if (e) out = std::move(e).value();
    }
    secure_wipe(rk);
    if (!out) return std::nullopt;
    std::lock_guard lk(mu);
    auto it = members.find(slot);
    if (it != members.end() && it->second.join_seq == join_seq) {
      it->second.identity = out;
      if (slot != my_slot && joined && announced.insert(slot).second) {
        MeetingEvent ev;
        ev.kind = MeetingEventKind::kParticipantJoined;
        ev.slot = slot;
        ev.user = out->user_id;
        ev.display_name = out->display_name;
        post_event_locked(std::move(ev));
      }
    }
    return out;
  }

  bool i_am_distributor_locked() const {
    if (!joined) return false;
    uint64_t best = UINT64_MAX;
    uint16_t best_slot = 0;
    for (const auto& [s, m] : members) {
      if (!m.online && s != my_slot) continue;
      if (m.join_seq < best) {
        best = m.join_seq;
        best_slot = s;
      }
    }
    return best != UINT64_MAX && best_slot == my_slot;
  }

  void install_epoch(uint64_t e, ByteSpan fresh, const std::vector<uint16_t>& slots) {
    SecretBytes secret;
    {
      std::lock_guard lk(mu);
      if (!joined || e <= epoch) return;
      secret = ks->epoch_secret(session, e, fresh);
    }
    // Security code over the members' user ids (identities fetched as needed).
    std::vector<UserId> ids;
    for (uint16_t s : slots) {
      if (auto idn = ensure_identity(s)) ids.push_back(idn->user_id);
    }
    std::string c = client::security_code(ids);
    {
      std::lock_guard slk(send_mu);
      if (sender) sender->set_epoch(e, secret.span());
    }
    std::lock_guard mlk(media_mu);
    {
      std::lock_guard lk(mu);
      if (e <= epoch) return;
      epoch = e;
      server_epoch = std::max(server_epoch, e);
      epoch_slots = slots;
      code = c;
    }
    receiver->set_epoch(e, secret.span());
    ++epochs_installed;
    // Release held-back frames now decryptable, in arrival order; drop stale ones.
    auto now = Clock::now();
    std::deque<Held> keep;
    for (auto& f : held) {
      if (f.epoch <= e) {
        deliver(f.slot, f.env, f.frame);
      } else if (now - f.at < opt.hold_back) {
        keep.push_back(std::move(f));
      } else {
        ++frames_undecryptable;
      }
    }
    held.swap(keep);
    cv.notify_all();
    EpochHandler eh;
    {
      std::lock_guard lk(mu);
      eh = epoch_handler;
    }
    if (eh) eh(e);  // e.g. senders send a keyframe under each new epoch
    MeetingEvent ev;
    ev.kind = MeetingEventKind::kEpochChanged;
    ev.epoch = e;
    ev.security_code = c;
    ev.members = slots;
    std::lock_guard lk(mu);
    post_event_locked(std::move(ev));
  }

  void handle_epoch_key(const EpochKeyItem& item) {
    uint16_t slot_mine;
    Bytes h;
    {
      std::lock_guard lk(mu);
      if (!joined || item.epoch <= epoch) return;
      server_epoch = std::max(server_epoch, item.epoch);
      slot_mine = my_slot;
      h.assign(handle.begin(), handle.end());
    }
    auto hdr = peek_epoch_blob(item.blob);
    if (!hdr || hdr->distributor_slot != item.from_slot || hdr->epoch != item.epoch) return;
    auto dist = ensure_identity(item.from_slot);
    if (!dist) return;
    auto opened = open_epoch_blob(*id, slot_mine, dist->identity, h, item.blob);
    if (!opened) return;
    install_epoch(opened->header.epoch, opened->fresh.span(), opened->header.member_slots);
  }

  void do_fetch_epoch() {
    auto r = call_expect<proto::EpochKey>(proto::FetchEpochKey{}, "FetchEpochKey");
    if (r) handle_epoch_key({r->epoch, r->from_slot, std::move(r->blob)});
  }

  void do_rekey() {
    // Snapshot the occupied slots; wait (bounded) for identities of brand-new members.
    std::vector<uint16_t> slots;
    {
      std::lock_guard lk(mu);
      if (!i_am_distributor_locked()) return;
      for (const auto& [s, m] : members) slots.push_back(s);
    }
    // The server announces a member only once its identity blob is stored, so every listed slot
    // has one; a blob that does not open or verify (a member that uploaded garbage) leaves that
    // slot out of the epoch, without waiting or retrying: the others are not held up by it.
    std::map<uint16_t, IdentityEntry> ids;
    for (uint16_t s : slots)
      if (auto e = ensure_identity(s)) ids.emplace(s, std::move(*e));
    std::vector<uint16_t> member_slots;
    for (const auto& [s, e] : ids) member_slots.push_back(s);
    uint16_t me_slot;
    Bytes h;
    uint64_t next;
    {
      std::lock_guard lk(mu);
      if (!joined) return;
      me_slot = my_slot;
      if (!ids.count(me_slot)) return;  // our own identity blob not readable yet: retry later
      h.assign(handle.begin(), handle.end());
      next = std::max(epoch, server_epoch) + 1;
    }
    for (int attempt = 0; attempt < 4; ++attempt) {
      SecretBytes fresh = random_seed32();
      proto::PostEpoch post;
      post.epoch = next;
      for (uint16_t s : member_slots)
        post.entries.push_back({s, make_epoch_blob(*id, me_slot, h, next, member_slots, s, ids.at(s).identity,
                                                   fresh.span())});
      auto r = call(post);
      if (r && std::holds_alternative<proto::Ack>(r->msg)) {
        ++epochs_distributed;
        install_epoch(next, fresh.span(), member_slots);
        return;
      }
      if (r) {
        if (auto* err = std::get_if<proto::Error>(&r->msg); err && err->code == proto::ErrorCode::kStaleEpoch) {
          // The server takes exactly its epoch + 1.
          auto info = call_expect<proto::MeetingInfo>(proto::GetMeeting{}, "GetMeeting");
          if (!info) return;
          next = info->epoch + 1;
          continue;
        }
        if (auto* err = std::get_if<proto::Error>(&r->msg); err && err->code == proto::ErrorCode::kBadSlot) {
          // Someone in our list left meanwhile; the member event triggers another rekey.
          return;
        }
      }
      return;
    }
  }

  void worker_loop() {
    std::unique_lock lk(mu);
    for (;;) {
      cv.wait_for(lk, milliseconds(100), [&] {
        return stop || !epoch_items.empty() || rekey_needed || fetch_epoch_needed || identity_check_needed || !events.empty();
      });
      if (stop) return;
      while (!epoch_items.empty()) {
        EpochKeyItem item = std::move(epoch_items.front());
        epoch_items.pop_front();
        lk.unlock();
        handle_epoch_key(item);
        lk.lock();
        if (stop) return;
      }
      if (fetch_epoch_needed) {
        fetch_epoch_needed = false;
        lk.unlock();
        do_fetch_epoch();
        lk.lock();
      }
      if (rekey_needed) {
        rekey_needed = false;
        bool mine = i_am_distributor_locked();
        if (mine) {
          lk.unlock();
          do_rekey();
          lk.lock();
        }
      }
      const bool waiting = identity_check_needed || !identity_wanted.empty();
      identity_check_needed = false;
      lk.unlock();
      if (waiting) check_waiting_identities();
      expire_held();
      watch_connection();
      dispatch_events();
      lk.lock();
    }
  }

  void expire_held() {
    std::lock_guard mlk(media_mu);
    auto now = Clock::now();
    while (!held.empty() && now - held.front().at >= opt.hold_back) {
      held.pop_front();
      ++frames_undecryptable;
    }
  }

  void reset_meeting_locked() {
    joined = false;
    epoch = 0;
    server_epoch = 0;
    members.clear();
    departed.clear();
    announced.clear();
    epoch_slots.clear();
    code.clear();
    epoch_items.clear();
    host_seed = SecretBytes();
    join_seed_override = SecretBytes();
  }
};

// ------------------------------------------------------------------------------------------------

Client::Client(std::shared_ptr<State> state) : s_(std::move(state)) {}

Client::~Client() {
  {
    std::lock_guard lk(s_->mu);
    s_->stop = true;
    s_->cv.notify_all();
  }
  if (s_->worker.joinable()) s_->worker.join();
  if (auto t = s_->tp()) t->close();
}

Result<std::unique_ptr<Client>> Client::connect(std::shared_ptr<const Identity> identity, ClientOptions options) {
  using R = Result<std::unique_ptr<Client>>;
  if (!identity) throw std::invalid_argument("Client::connect: null identity");
  if (options.display_name.size() > kMaxDisplayName) throw std::invalid_argument("display name longer than 200 bytes");
  auto st = std::make_shared<State>();
  st->id = std::move(identity);
  st->opt = std::move(options);
  auto t = st->open_transport();
  if (!t) return R::error(t.message());
  st->transport = std::move(t).value();
  st->worker = std::thread([raw = st.get()] { raw->worker_loop(); });
  return std::unique_ptr<Client>(new Client(std::move(st)));
}

Result<CreatedMeeting> Client::create_meeting(std::string_view title, uint64_t session, uint16_t max_members) {
  using R = Result<CreatedMeeting>;
  CreatedMeeting out;
  out.meeting_secret = KeySchedule::generate_secret();
  out.session = session;
  KeySchedule ks(out.meeting_secret.span());
  out.handle = ks.handle(session);
  SecretBytes join_seed = ks.join_key(session);
  auto verifier = proto::ed25519_public_key(join_seed.span());
  if (!verifier) return R::error("join verifier: " + verifier.message());
  // Meeting info: u32 |title| || title, zero-padded to a multiple of 256 bytes.
  ByteWriter info;
  info.blob(as_bytes(title));
  while (info.size() % kInfoPad != 0) info.u8(0);
  SecretBytes info_key = ks.info_key(session);
  proto::CreateMeeting cm;
  cm.handle = out.handle;
  cm.max_members = max_members;
  cm.scheme = proto::JoinScheme::kEd25519;
  cm.join_verifier = std::move(verifier).value();
  cm.info_blob = aead_seal(info_key.span(), info.buffer(), out.handle);
  secure_wipe(info.buffer());
  SecretBytes bfv_seed = ks.bfv_seed();
  RosterCipher rc(bfv_seed.span());
  cm.keys.push_back({proto::kKeyBfvPublic, rc.public_key_blob()});
  // Only the public key: no server computation on the roster multiplies ciphertexts (the look-up
  // is ct x mask), so relinearization keys (112 KB, 75% of a meeting's key bytes) are not stored;
  // any member can regenerate them from the BFV seed should a service need them.
  out.host_key = random_seed32();
  auto host_verifier = proto::ed25519_public_key(out.host_key.span());
  if (!host_verifier) return R::error("host verifier: " + host_verifier.message());
  cm.keys.push_back({proto::kKeyHostVerifier, std::move(host_verifier).value()});
  if (Status st = s_->call_ack(cm, "CreateMeeting"); !st) return st;
  if (Status st = join(out.meeting_secret.span(), session); !st) return st;
  set_host_key(out.host_key.span());
  return out;
}

Status Client::redeem_admission_token(ByteSpan token) {
  return s_->call_ack(proto::RedeemToken{Bytes(token.begin(), token.end())}, "RedeemToken");
}

void Client::set_host_key(ByteSpan host_key) {
  std::lock_guard lk(s_->mu);
  s_->host_seed = SecretBytes(host_key);
}

bool Client::was_removed() const {
  std::lock_guard lk(s_->mu);
  return s_->removed;
}

Status Client::remove_member(uint16_t slot) {
  proto::Handle handle;
  SecretBytes host_seed;
  {
    std::lock_guard lk(s_->mu);
    if (!s_->joined) return Status::error("remove_member: not in a meeting");
    if (s_->host_seed.empty()) return Status::error("remove_member: this client does not hold the host key");
    handle = s_->handle;
    host_seed = s_->host_seed.clone();
  }
  auto ch = s_->call_expect<proto::JoinChallenge>(proto::JoinChallengeRequest{handle}, "JoinChallengeRequest");
  if (!ch) return ch.status();
  SecretBytes join_seed = random_seed32();
  auto verifier = proto::ed25519_public_key(join_seed.span());
  if (!verifier) return Status::error("join verifier: " + verifier.message());
  proto::RemoveMember rm;
  rm.slot = slot;
  rm.nonce = ch->nonce;
  rm.new_join_verifier = std::move(verifier).value();
  auto proof = proto::ed25519_sign(host_seed.span(), proto::remove_transcript(handle, rm.nonce, slot, rm.new_join_verifier));
  if (!proof) return Status::error("host proof: " + proof.message());
  rm.proof = std::move(proof).value();
  if (Status st = s_->call_ack(rm, "RemoveMember"); !st) return st;
  std::lock_guard lk(s_->mu);
  s_->join_seed_override = std::move(join_seed);
  return Status::ok();
}

Status Client::join(ByteSpan meeting_secret, uint64_t session, ByteSpan join_seed_in) {
  if (!join_seed_in.empty() && join_seed_in.size() != 32) return Status::error("join: join seed must be 32 bytes");
  auto ks = std::make_unique<KeySchedule>(meeting_secret);
  proto::Handle handle = ks->handle(session);
  {
    std::lock_guard lk(s_->mu);
    if (s_->joined) return Status::error("join: already in a meeting");
  }
  auto ch = s_->call_expect<proto::JoinChallenge>(proto::JoinChallengeRequest{handle}, "JoinChallengeRequest");
  if (!ch) return ch.status();
  SecretBytes join_seed = join_seed_in.empty() ? ks->join_key(session) : SecretBytes(join_seed_in);
  auto proof = proto::make_join_proof_ed25519(join_seed.span(), handle, ch->nonce);
  if (!proof) return Status::error("join proof: " + proof.message());
  proto::JoinProve jp;
  jp.handle = handle;
  jp.nonce = ch->nonce;
  jp.proof = std::move(proof).value();
  auto acc = s_->call_expect<proto::JoinAccepted>(jp, "JoinProve");
  if (!acc) return acc.status();

  SecretBytes bfv_seed = ks->bfv_seed();
  auto rc = std::make_shared<RosterCipher>(bfv_seed.span());
  SecretBytes roster_key = ks->roster_key(session);
  {
    std::scoped_lock lk(s_->media_mu, s_->mu);
    s_->joined = true;
    s_->session = session;
    s_->handle = handle;
    s_->roster_key = roster_key.clone();
    s_->roster_cipher = rc;
    s_->my_slot = acc->slot;
    s_->my_join_seq = acc->join_seq;
    s_->slot_token = acc->slot_token;
    s_->members.clear();
    for (const auto& m : acc->members) s_->members[m.slot] = State::Member{m.join_seq, m.online, std::nullopt};
    s_->members[acc->slot].join_seq = acc->join_seq;
    s_->members[acc->slot].online = true;
    s_->epoch = 0;
    s_->server_epoch = acc->epoch;
    s_->epoch_slots.clear();
    s_->code.clear();
    s_->ks = std::move(ks);
    s_->removed = false;
    if (!join_seed_in.empty()) s_->join_seed_override = SecretBytes(join_seed_in);
    // A sender's audio, video and control share one SFrame counter; the relay sends audio ahead
    // of queued video, so a video frame may arrive a few hundred counters late.
    s_->receiver = std::make_unique<media::ReceiverContext>(media::ReceiverOptions{.replay_window = 2048});
    s_->held.clear();
    s_->unchecked.clear();
    s_->tracks.clear();
  }
  {
    std::lock_guard lk(s_->send_mu);
    s_->sender = std::make_unique<media::SenderContext>(acc->slot);
    s_->send_slot = acc->slot;
  }
  // Identity blob first (the distributor needs it to send us the epoch key), then the roster.
  Bytes ib = seal_identity_blob(*s_->id, roster_key.span(), handle, acc->slot, acc->join_seq, s_->opt.display_name);
  // The server refuses an identity blob for any slot but ours; a refusal here is an error, not
  // something to carry on without (no one could key us).
  if (Status st = s_->call_ack(proto::PutKeyBlob{proto::identity_key_kind(acc->slot), std::move(ib)}, "PutKeyBlob");
      !st)
    return st;
  proto::PutRoster pr;
  pr.slot = acc->slot;
  pr.roster_ct = rc->encrypt_token(acc->slot, s_->id->user_id());
  pr.name_blob = seal_name_blob(roster_key.span(), handle, acc->slot, s_->opt.display_name, s_->id->user_id());
  if (Status st = s_->call_ack(pr, "PutRoster"); !st) return st;
  if (s_->opt.subscribe_all) {
    if (Status st = subscribe(proto::SubscribeMode::kAll); !st) return st;
  }
  {
    std::lock_guard lk(s_->mu);
    s_->rekey_needed = true;
    s_->fetch_epoch_needed = acc->epoch > 0;
    s_->cv.notify_all();
  }
  return Status::ok();
}

Status Client::leave() {
  {
    std::lock_guard lk(s_->mu);
    if (!s_->joined) return Status::error("leave: not in a meeting");
  }
  Status st = s_->call_ack(proto::Leave{}, "Leave");
  {
    std::lock_guard lk(s_->mu);
    s_->reset_meeting_locked();
  }
  {
    std::lock_guard lk(s_->send_mu);
    s_->sender.reset();
  }
  return st;
}

Result<Bytes> Client::invite(const PublicIdentity& invitee) const {
  std::lock_guard lk(s_->mu);
  if (!s_->ks) return Result<Bytes>::error("invite: not in a meeting");
  return make_invitation(*s_->id, invitee, s_->ks->secret(), s_->session, "", s_->join_seed_override.span());
}

Status Client::post_invitation(const PublicIdentity& invitee, ByteSpan invitation) {
  proto::MailboxPut mp;
  mp.mailbox = mailbox_id(invitee);
  mp.blob.assign(invitation.begin(), invitation.end());
  // A second try covers a put that raced other puts past a difficulty step (kBadProof).
  for (int attempt = 0;; ++attempt) {
    auto ch = s_->call_expect<proto::MailboxChallenge>(proto::MailboxChallengeRequest{mp.mailbox},
                                                      "MailboxChallengeRequest");
    if (!ch) return ch.status();
    // A server may ask up to 2^32 digests; past 2^26 (minutes of CPU) the SDK declines instead.
    constexpr unsigned kMaxBitsWePay = 26;
    if (ch->put_bits > kMaxBitsWePay) return Status::error("MailboxPut: the server asks for too much work");
    mp.nonce = ch->nonce;
    mp.work = proto::solve_mailbox_put_work(mp.mailbox, mp.blob, mp.nonce, ch->put_bits);
    auto env = s_->call(mp);
    if (!env) return Status::error(std::string("MailboxPut: ") + env.message());
    if (std::holds_alternative<proto::Ack>(env->msg)) return Status::ok();
    const auto* e = std::get_if<proto::Error>(&env->msg);
    if (attempt == 0 && e && e->code == proto::ErrorCode::kBadProof) continue;
    return error_status(*env, "MailboxPut");
  }
}

Result<MailboxReceipt> Client::receive_invitations() {
  using R = Result<MailboxReceipt>;
  // Each round deletes what the previous round processed and lists what is left; a bounded
  // number of rounds so a stream of new junk cannot keep the caller here.
  constexpr int kMaxRounds = 4;
  const PublicIdentity& me = s_->id->public_identity();
  const proto::MailboxId box = mailbox_id(me);
  MailboxReceipt out;
  std::vector<proto::MailboxItemId> processed;
  auto fetch = [&](const std::vector<proto::MailboxItemId>& del) -> Result<proto::MailboxItems> {
    auto ch = s_->call_expect<proto::MailboxChallenge>(proto::MailboxChallengeRequest{box}, "MailboxChallengeRequest");
    if (!ch) return ch.status();
    proto::MailboxFetch mf;
    mf.mailbox = box;
    mf.nonce = ch->nonce;
    mf.owner_key = me.sig_pk;
    mf.delete_ids = del;
    mf.signature = s_->id->sign(proto::mailbox_owner_transcript(box, mf.nonce, del), proto::kMailboxOwnerContext);
    return s_->call_expect<proto::MailboxItems>(mf, "MailboxFetch");
  };
  for (int round = 0; round < kMaxRounds; ++round) {
    auto items = fetch(processed);
    if (!items) return R::error(items.message());
    processed.clear();
    for (const auto& item : items->items) {
      auto opened = open_invitation(*s_->id, item.blob);
      if (opened) out.invitations.push_back(std::move(opened).value());
      else ++out.junk_skipped;  // someone else's bytes: skipped, deleted with the rest
      processed.push_back(item.id);
    }
    if (processed.empty()) break;
  }
  if (!processed.empty()) {  // the last round's deletions (what it lists stays for next time)
    auto items = fetch(processed);
    if (!items) return R::error(items.message());
  }
  return out;
}

Result<std::string> Client::meeting_title() {
  using R = Result<std::string>;
  auto info = s_->call_expect<proto::MeetingInfo>(proto::GetMeeting{}, "GetMeeting");
  if (!info) return info.status();
  SecretBytes key;
  proto::Handle h;
  {
    std::lock_guard lk(s_->mu);
    if (!s_->ks) return R::error("not in a meeting");
    key = s_->ks->info_key(s_->session);
    h = s_->handle;
  }
  auto plain = aead_open(key.span(), info->info_blob, h);
  if (!plain) return R::error("meeting info: " + plain.message());
  ByteReader r(plain->span());
  ByteSpan title;
  if (!r.blob(title, plain->size())) return R::error("meeting info malformed");
  return std::string(title.begin(), title.end());
}

void Client::set_frame_handler(FrameHandler handler) {
  std::lock_guard lk(s_->media_mu);
  s_->handler = std::move(handler);
}

void Client::set_raw_frame_tap(RawFrameTap tap) {
  std::lock_guard lk(s_->media_mu);
  s_->tap = std::move(tap);
}

Status Client::subscribe(proto::SubscribeMode mode, std::vector<uint16_t> slots) {
  proto::Subscribe sub;
  sub.mode = mode;
  sub.slots = std::move(slots);
  return s_->call_ack(sub, "Subscribe");
}

Status Client::send_frame(proto::MediaKind kind, ByteSpan payload) {
  return send_frame(proto::MediaEnvelope{kind}, payload);
}

Status Client::send_frame(proto::MediaEnvelope env, ByteSpan payload) {
  if (env.kind == proto::MediaKind::kControl) return Status::error("send_frame: kControl is the SDK's own");
  if (!proto::MediaEnvelope::parse(env.byte()) || env.layer > proto::kMaxMediaLayer)
    return Status::error("send_frame: invalid media envelope");
  return s_->send_sealed(env, payload);
}

Status Client::request_keyframe(uint16_t slot, proto::MediaKind kind) {
  if (kind != proto::MediaKind::kVideo && kind != proto::MediaKind::kScreen)
    return Status::error("request_keyframe: video or screen only");
  {
    std::lock_guard lk(s_->media_mu);
    const uint32_t stream = (uint32_t{slot} << 8) | static_cast<uint8_t>(kind);
    auto now = Clock::now();
    auto it = s_->keyframe_asked.find(stream);
    if (it != s_->keyframe_asked.end() && now - it->second < kKeyframeRequestInterval) return Status::ok();
    s_->keyframe_asked[stream] = now;
  }
  const uint8_t req[4] = {kControlKeyframeRequest, static_cast<uint8_t>(slot), static_cast<uint8_t>(slot >> 8),
                          static_cast<uint8_t>(kind)};
  Status st = s_->send_sealed(proto::MediaEnvelope{proto::MediaKind::kControl}, ByteSpan(req, sizeof req));
  if (st) ++s_->keyframe_requests_sent;
  return st;
}

void Client::set_keyframe_request_handler(KeyframeRequestHandler handler) {
  std::lock_guard lk(s_->media_mu);
  s_->keyframe_handler = std::move(handler);
}

void Client::set_epoch_handler(EpochHandler handler) {
  std::lock_guard lk(s_->mu);
  s_->epoch_handler = std::move(handler);
}

void Client::set_event_handler(EventHandler handler) {
  std::lock_guard lk(s_->mu);
  s_->event_handler = std::move(handler);
}

const char* meeting_event_name(MeetingEventKind kind) {
  switch (kind) {
    case MeetingEventKind::kParticipantJoined: return "participant joined";
    case MeetingEventKind::kParticipantLeft: return "participant left";
    case MeetingEventKind::kTrackSubscribed: return "track subscribed";
    case MeetingEventKind::kEpochChanged: return "epoch changed";
    case MeetingEventKind::kConnectionChanged: return "connection changed";
    case MeetingEventKind::kRemoved: return "removed";
    case MeetingEventKind::kMeetingEnded: return "meeting ended";
  }
  return "unknown";
}

Status Client::State::send_sealed(proto::MediaEnvelope env, ByteSpan payload) {
  Bytes msg;
  {
    std::lock_guard lk(send_mu);
    if (!sender) return Status::error("send_frame: not in a meeting");
    if (!sender->has_key()) return Status::error("send_frame: no epoch key yet");
    auto meta = frame_metadata(send_slot, env);
    auto sf = sender->protect(meta, payload);
    if (!sf) return sf.status();
    msg = proto::encode_media_frame(send_slot, env, *sf);
  }
  auto t = tp();
  if (!t) return Status::error("send_frame: not connected");
  if (Status st = t->send(std::move(msg)); !st) return st;
  ++frames_sent;
  return Status::ok();
}

Result<std::vector<MemberView>> Client::fetch_roster() {
  using R = Result<std::vector<MemberView>>;
  std::vector<proto::RosterEntry> entries;
  uint16_t next = 0;
  for (int page = 0; page < 1100; ++page) {
    auto r = s_->call_expect<proto::Roster>(proto::FetchRoster{next, 0}, "FetchRoster");
    if (!r) return r.status();
    for (auto& e : r->entries) entries.push_back(std::move(e));
    if (!r->more) break;
    next = r->next_slot;
  }
  Bytes rk;
  proto::Handle h;
  std::shared_ptr<RosterCipher> rc;
  std::map<uint16_t, State::Member> members;
  {
    std::lock_guard lk(s_->mu);
    if (!s_->joined) return R::error("fetch_roster: not in a meeting");
    rk.assign(s_->roster_key.span().begin(), s_->roster_key.span().end());
    h = s_->handle;
    rc = s_->roster_cipher;
    members = s_->members;
  }
  std::vector<std::pair<uint16_t, ByteSpan>> cts;
  for (const auto& e : entries) cts.emplace_back(e.slot, e.roster_ct);
  auto tokens = rc->decrypt_tokens(cts);
  if (!tokens) {
    secure_wipe(rk);
    return R::error("roster: " + tokens.message());
  }
  std::vector<MemberView> out;
  for (const auto& e : entries) {
    MemberView v;
    v.slot = e.slot;
    if (auto it = members.find(e.slot); it != members.end()) {
      v.join_seq = it->second.join_seq;
      v.online = it->second.online;
    }
    auto name = open_name_blob(rk, h, e.slot, e.name_blob);
    if (name) {
      v.display_name = name->display_name;
      v.user_id = name->user_id;
    }
    auto idn = s_->ensure_identity(e.slot);
    if (idn && name && idn->user_id == name->user_id && idn->display_name == name->display_name) {
      v.identity_verified = true;
      // The slot holds the member's token followed by zero padding (the look-up's layout).
      auto expect = identity_token(idn->user_id, kTokenCoeffs);
      expect.resize(kSlotCoeffs, 0);
      auto it = tokens->find(e.slot);
      v.token_verified = it != tokens->end() && std::equal(it->second.begin(), it->second.end(), expect.begin(),
                                                           expect.end());
    }
    out.push_back(std::move(v));
  }
  secure_wipe(rk);
  return out;
}

std::vector<MemberView> Client::members() const {
  std::lock_guard lk(s_->mu);
  std::vector<MemberView> out;
  for (const auto& [slot, m] : s_->members) {
    MemberView v;
    v.slot = slot;
    v.join_seq = m.join_seq;
    v.online = m.online;
    if (m.identity) {
      v.identity_verified = true;
      v.user_id = m.identity->user_id;
      v.display_name = m.identity->display_name;
    }
    out.push_back(std::move(v));
  }
  return out;
}

std::optional<uint16_t> Client::slot() const {
  std::lock_guard lk(s_->mu);
  if (!s_->joined) return std::nullopt;
  return s_->my_slot;
}

uint64_t Client::epoch() const {
  std::lock_guard lk(s_->mu);
  return s_->epoch;
}

std::vector<uint16_t> Client::epoch_members() const {
  std::lock_guard lk(s_->mu);
  return s_->epoch_slots;
}

std::string Client::security_code() const {
  std::lock_guard lk(s_->mu);
  return s_->code;
}

bool Client::wait_for_epoch(size_t num_members, milliseconds timeout) const {
  std::unique_lock lk(s_->mu);
  return s_->cv.wait_for(lk, timeout, [&] {
    return s_->epoch > 0 && (num_members == 0 || s_->epoch_slots.size() == num_members);
  });
}

bool Client::wait_for_epoch_at_least(uint64_t e, milliseconds timeout) const {
  std::unique_lock lk(s_->mu);
  return s_->cv.wait_for(lk, timeout, [&] { return s_->epoch >= e; });
}

Result<Bytes> Client::try_decrypt(uint16_t slot, proto::MediaEnvelope env, ByteSpan sframe) {
  std::lock_guard lk(s_->media_mu);
  if (!s_->receiver) return Result<Bytes>::error("no keys");
  auto meta = frame_metadata(slot, env);
  auto r = s_->receiver->unprotect(meta, sframe);
  if (!r) return r.status();
  return std::move(r->payload);
}

Result<proto::ServiceResponse> Client::call_service(uint16_t service, uint16_t op, std::vector<Bytes> blobs) {
  proto::ServiceRequest req;
  req.service = service;
  req.op = op;
  req.blobs = std::move(blobs);
  return s_->call_expect<proto::ServiceResponse>(req, "ServiceRequest");
}

Status Client::put_key_blob(uint16_t kind, Bytes blob) {
  return s_->call_ack(proto::PutKeyBlob{kind, std::move(blob)}, "PutKeyBlob");
}

Result<Bytes> Client::get_key_blob(uint16_t kind) {
  auto r = s_->call_expect<proto::KeyBlob>(proto::GetKeyBlob{kind}, "GetKeyBlob");
  if (!r) return r.status();
  return std::move(r->blob);
}

Result<SecretBytes> Client::derive_meeting_key(std::string_view label, ByteSpan context, size_t len) const {
  std::lock_guard lk(s_->mu);
  if (!s_->ks) return Result<SecretBytes>::error("not in a meeting");
  return s_->ks->derive(label, context, len);
}

Result<SecretBytes> Client::bfv_seed() const {
  std::lock_guard lk(s_->mu);
  if (!s_->ks) return Result<SecretBytes>::error("not in a meeting");
  return s_->ks->bfv_seed();
}

Result<SecretBytes> Client::ckks_seed() const {
  std::lock_guard lk(s_->mu);
  if (!s_->ks) return Result<SecretBytes>::error("not in a meeting");
  return s_->ks->ckks_seed();
}

uint64_t Client::session() const {
  std::lock_guard lk(s_->mu);
  return s_->session;
}

proto::Handle Client::handle() const {
  std::lock_guard lk(s_->mu);
  return s_->handle;
}

ClientStats Client::stats() const {
  ClientStats st;
  st.frames_sent = s_->frames_sent;
  st.frames_received = s_->frames_received;
  st.frames_undecryptable = s_->frames_undecryptable;
  st.frames_held_back = s_->frames_held;
  st.frames_identity_wait = s_->frames_identity_wait;
  st.frames_unchecked = s_->frames_unchecked;
  st.epochs_installed = s_->epochs_installed;
  st.epochs_distributed = s_->epochs_distributed;
  st.keyframe_requests_sent = s_->keyframe_requests_sent;
  st.keyframe_requests_received = s_->keyframe_requests_received;
  return st;
}

const Identity& Client::identity() const { return *s_->id; }

bool Client::connected() const {
  auto t = s_->tp();
  return t && t->is_open();
}

void Client::disconnect() {
  if (auto t = s_->tp()) t->close();
}

Status Client::reconnect(std::optional<protocol::TransportOptions> transport) {
  if (transport) s_->opt.transport = std::move(*transport);
  auto t = s_->open_transport();
  if (!t) return t.status();
  std::shared_ptr<proto::TransportClient> fresh = std::move(t).value();
  std::shared_ptr<proto::TransportClient> old;
  {
    std::lock_guard lk(s_->transport_mu);
    old = std::move(s_->transport);
    s_->transport = fresh;
  }
  if (old) old->close();
  proto::JoinProve jp;
  uint64_t session = 0;
  SecretBytes join_seed;
  {
    std::lock_guard lk(s_->mu);
    if (!s_->joined) return Status::ok();  // not in a meeting: the new connection is all we need
    jp.handle = s_->handle;
    jp.reclaim = true;
    jp.reclaim_slot = s_->my_slot;
    jp.reclaim_token = s_->slot_token;
    session = s_->session;
    join_seed = s_->ks->join_key(session);
  }
  // Same membership proof as a first join, plus the slot token: we get our slot back and keep
  // our keys, so media continues under the current epoch.
  auto ch = s_->call_expect<proto::JoinChallenge>(proto::JoinChallengeRequest{jp.handle}, "JoinChallengeRequest");
  if (!ch) return ch.status();
  jp.nonce = ch->nonce;
  auto proof = proto::make_join_proof_ed25519(join_seed.span(), jp.handle, ch->nonce);
  if (!proof) return Status::error("join proof: " + proof.message());
  jp.proof = std::move(proof).value();
  auto acc = s_->call_expect<proto::JoinAccepted>(jp, "JoinProve (reclaim)");
  if (!acc) return acc.status();
  {
    std::lock_guard lk(s_->mu);
    s_->slot_token = acc->slot_token;
    std::map<uint16_t, State::Member> fresh_members;
    for (const auto& m : acc->members) {
      State::Member mm{m.join_seq, m.online, std::nullopt};
      auto it = s_->members.find(m.slot);
      if (it != s_->members.end() && it->second.join_seq == m.join_seq) mm.identity = it->second.identity;
      fresh_members[m.slot] = std::move(mm);
    }
    fresh_members[acc->slot].online = true;
    s_->members = std::move(fresh_members);
    s_->server_epoch = std::max(s_->server_epoch, acc->epoch);
  }
  if (s_->opt.subscribe_all) {
    if (Status st = subscribe(proto::SubscribeMode::kAll); !st) return st;
  }
  std::lock_guard lk(s_->mu);
  s_->fetch_epoch_needed = true;
  s_->rekey_needed = true;
  s_->cv.notify_all();
  return Status::ok();
}

}  // namespace v100::meeting::client
