// Private to the client SDK: the state behind Client (pimpl) shared by client.cc (the public
// methods), client_media.cc (frames, identities of senders, events) and client_keys.cc (the key
// worker: epochs, rekeying).
#pragma once

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
#include "meeting/client/client.h"
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

namespace detail {

// Held-back frames (epoch not installed yet) are bounded so a flood of frames with future KIDs
// cannot grow memory: beyond this the oldest is dropped.
constexpr size_t kMaxHeldFrames = 4096;

inline MeetingEvent event_of(MeetingEventKind kind) {
  MeetingEvent ev;
  ev.kind = kind;
  return ev;
}
// Meeting-info plaintext is padded to a multiple of this, so the blob does not reveal the title's
// exact length.
constexpr size_t kInfoPad = 256;

// SFrame metadata (authenticated, not encrypted): the sender slot and the media envelope (kind,
// keyframe bit, layer), so none of them can be changed by the relay without failing the tag check.
inline std::array<uint8_t, 3> frame_metadata(uint16_t slot, proto::MediaEnvelope env) {
  return {static_cast<uint8_t>(slot), static_cast<uint8_t>(slot >> 8), env.byte()};
}

// SDK control frames (MediaKind::kControl, encrypted like media; the relay cannot tell them apart).
constexpr uint8_t kControlKeyframeRequest = 1;  // | target slot u16 | kind u8
// A receiver asks one sender for a keyframe at most once a second per stream (a keyframe is ~7x a
// delta and goes to every subscriber: requests must not become the congestion they cure).
constexpr std::chrono::milliseconds kKeyframeRequestInterval{1000};

inline Status error_status(const proto::Envelope& env, const char* what) {
  if (const auto* e = std::get_if<proto::Error>(&env.msg))
    return Status::error(std::string(what) + ": server error " + std::to_string(static_cast<int>(e->code)) +
                         " (" + e->text + ")");
  return Status::error(std::string(what) + ": unexpected reply");
}

}  // namespace detail
using namespace detail;  // NOLINT: the SDK's private helpers

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
  uint64_t epoch = 0;         // installed
  uint64_t server_epoch = 0;  // highest seen from the server
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
  EpochHandler epoch_handler;                            // guarded by mu
  std::map<uint32_t, Clock::time_point> keyframe_asked;  // stream (slot << 8 | kind) -> last request
  std::map<uint16_t, Departed> departed;                 // guarded by mu
  // Events (guarded by mu) for the worker to hand over; `announced`: slots whose kParticipantJoined
  // went out (so kParticipantLeft pairs with it); `tracks` (media_mu): (slot << 8 | kind) seen.
  std::deque<MeetingEvent> events;
  EventHandler event_handler;
  std::set<uint16_t> announced;
  std::set<uint32_t> tracks;
  bool was_connected = true;           // worker thread only
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
  void on_message(Bytes msg);

  void on_member_event(const proto::MemberEvent& ev);

  // Caller holds media_mu.
  void deliver(uint16_t slot, proto::MediaEnvelope env, ByteSpan frame);

  // Caller holds mu.
  void depart_locked(uint16_t slot);

  // Caller holds mu. Queued for the worker, which hands events over in order with no lock held.
  void post_event_locked(MeetingEvent ev);

  // Worker thread, no lock held.
  void dispatch_events();

  // Worker thread: a connection that closed or came back (reconnect()) is an event.
  void watch_connection();

  // Caller holds media_mu. kTrackSubscribed at the first frame of each (slot, kind), queued after
  // the sender's kParticipantJoined (posted when its identity was checked, before any frame of it
  // is labelled).
  void announce_track(const DecryptedFrame& f);

  // Fills the sender fields of `f` from its checked identity; false if not checked (yet).
  bool label_sender(DecryptedFrame& f);

  // Worker thread: checks the identities frames wait for, then hands over, in arrival order, the
  // frames whose sender is now checked. A sender still unchecked after hold_back is handed over
  // marked unverified (identity_verified false), the app decides; counted in frames_unchecked.
  void check_waiting_identities();

  // Caller holds media_mu. A decrypted SDK control frame from `from`.
  void on_control(uint16_t from, ByteSpan payload);

  void on_frame(uint16_t slot, proto::MediaEnvelope env, ByteSpan frame);

  // ---- key worker ----------------------------------------------------------------------------
  // Identity of `slot` (fetching and checking its identity blob if needed). Worker or app thread.
  std::optional<IdentityEntry> ensure_identity(uint16_t slot);

  bool i_am_distributor_locked() const;

  void install_epoch(uint64_t e, ByteSpan fresh, const std::vector<uint16_t>& slots);

  void handle_epoch_key(const EpochKeyItem& item);

  void do_fetch_epoch();

  void do_rekey();

  void worker_loop();

  void expire_held();

  void reset_meeting_locked();
};

}  // namespace v100::meeting::client
