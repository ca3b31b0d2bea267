// v100::meeting::client::Client — the SDK an application uses to take part in V100 meetings.
//
// One Client is one person's connection to one server (WebSocket over TLS, certificate pinned) and
// at most one meeting at a time. Typical use:
//
//   auto id = std::make_shared<const Identity>(Identity::generate());     // or load a key file
//   auto c = Client::connect(id, {.transport = {.port = 4433, .pin_sha256 = fp},
//                                 .display_name = "Ada"});
//   // host:   auto ms = (*c)->create_meeting("Design review", /*session=*/1);
//   //         Bytes inv = (*c)->invite(bob_public_identity);   // hand to Bob out of band,
//   //         (*c)->post_invitation(bob_public_identity, inv); // or through the mailbox
//   // guest:  auto opened = open_invitation(*id, inv); (*c)->join(opened->meeting_secret.span(),
//   opened->session);
//   (*c)->set_frame_handler([](const DecryptedFrame& f) { /* f.slot, f.sender_name, f.payload */ });
//   (*c)->send_frame(protocol::MediaKind::kAudio, opus_bytes);
//   auto roster = (*c)->fetch_roster();
//   std::string code = (*c)->security_code();      // compare out loud with the others
//   (*c)->leave();
//
// What the server learns: a random handle per session, that "a member" joined a slot, public FHE
// keys, ciphertexts and AEAD blobs (docs/sdk.md). Everything else stays on the clients.
//
// Group keys: on every join and leave the distributor (the online member with the smallest join
// order: the host while it stays) sends a fresh epoch secret to every member (group.h). The
// Client does this by itself on a background thread; frames are encrypted under the current
// epoch (SFrame, media/sframe_context.h) and frames of an epoch not yet installed are held back
// briefly and released in order once it is.
//
// Threading: every public method is thread-safe. The frame handler runs on the connection's I/O
// thread (or the key thread when held-back frames are released), one call at a time, in order per
// sender; it must be quick and must not call back into this Client's blocking methods.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/client/identity.h"
#include "meeting/client/invitation.h"
#include "meeting/protocol/messages.h"
#include "meeting/protocol/transport_client.h"

namespace v100::meeting::client {

/// How to reach the server and how to appear in meetings.
struct ClientOptions {
  protocol::TransportOptions transport;
  /// Shown to the other members (sealed; the server never sees it). At most 200 bytes of UTF-8.
  std::string display_name;
  /// Timeout of each request to the server.
  std::chrono::milliseconds request_timeout{10000};
  /// Subscribe to every member's media on join (otherwise call subscribe()).
  bool subscribe_all = true;
  /// How long frames of a not-yet-installed epoch are held back before being dropped.
  std::chrono::milliseconds hold_back{3000};
};

/// A decrypted media frame handed to the application.
struct DecryptedFrame {
  uint16_t slot = 0;  ///< sender's slot
  protocol::MediaKind kind = protocol::MediaKind::kAudio;
  bool keyframe = false;           ///< envelope bit, authenticated
  uint8_t layer = 0;               ///< envelope layer, authenticated
  uint64_t epoch = 0;              ///< key epoch it was encrypted under
  uint64_t counter = 0;            ///< SFrame counter (per sender and epoch)
  Bytes payload;                   ///< the codec bytes the sender passed
  bool identity_verified = false;  ///< sender's identity blob checked
  UserId sender{};                 ///< meaningful when identity_verified
  std::string sender_name;         ///< from the sender's sealed identity
};

/// One member as this client sees it.
struct MemberView {
  uint16_t slot = 0;
  uint64_t join_seq = 0;
  bool online = false;
  bool identity_verified = false;  ///< identity blob opened, signature and name blob consistent
  bool token_verified = false;     ///< BFV roster token equals the identity's token (fetch_roster)
  UserId user_id{};
  std::string display_name;
};

/// What happened in the meeting, in the manner of LiveKit's `Room` events, so an app need not poll.
enum class MeetingEventKind : uint8_t {
  kParticipantJoined,  ///< another member's identity was checked (slot, user, name): once per member
  kParticipantLeft,    ///< a member announced by kParticipantJoined left or was removed
  kTrackSubscribed,    ///< the first frame of a member's track (slot, track) was delivered
  kEpochChanged,       ///< a new epoch was installed (epoch, security code, members)
  kConnectionChanged,  ///< the connection to the server closed or opened again (connected)
  kRemoved,            ///< the host removed this client from the meeting
  kMeetingEnded,       ///< the meeting ended
};
const char* meeting_event_name(MeetingEventKind kind);

struct MeetingEvent {
  MeetingEventKind kind = MeetingEventKind::kParticipantJoined;
  uint16_t slot = 0;                                        ///< joined, left, track
  UserId user{};                                            ///< joined, left: the checked identity
  std::string display_name;                                 ///< joined, left
  protocol::MediaKind track = protocol::MediaKind::kAudio;  ///< track
  uint64_t epoch = 0;                                       ///< epoch
  std::string security_code;                                ///< epoch
  std::vector<uint16_t> members;                            ///< epoch: slots keyed in
  bool connected = false;                                   ///< connection
};

/// Counters for diagnostics and the demo.
struct ClientStats {
  uint64_t frames_sent = 0;
  uint64_t frames_received = 0;       ///< decrypted and delivered
  uint64_t frames_undecryptable = 0;  ///< failed authentication, unknown/expired key, replay
  uint64_t frames_held_back = 0;      ///< waited for their epoch (then delivered or dropped)
  uint64_t frames_identity_wait = 0;  ///< waited for their sender's identity check
  uint64_t frames_unchecked = 0;      ///< delivered unverified: the sender's identity failed its check
  uint64_t epochs_installed = 0;
  uint64_t epochs_distributed = 0;          ///< PostEpoch sent by this client as distributor
  uint64_t keyframe_requests_sent = 0;      ///< request_keyframe() calls that went out
  uint64_t keyframe_requests_received = 0;  ///< requests from others for our keyframes
};

/// What receive_invitations() found and removed from this identity's mailbox.
struct MailboxReceipt {
  std::vector<OpenedInvitation> invitations;  ///< opened and verified, oldest first
  size_t junk_skipped = 0;                    ///< items that did not open as an invitation to us
};

/// The meeting created by create_meeting(): keep the secret to invite people.
struct CreatedMeeting {
  SecretBytes meeting_secret;
  uint64_t session = 0;
  protocol::Handle handle{};
  /// The host key (Ed25519 seed, random, never derived from ms): its public key is registered with
  /// the meeting and authorizes remove_member(). Only the host holds it.
  SecretBytes host_key;
};

class Client {
 public:
  /// Called for every decrypted frame (see the threading note above).
  using FrameHandler = std::function<void(const DecryptedFrame&)>;
  /// Called when another member asks for a keyframe of our `kind` stream (I/O thread; quick).
  using KeyframeRequestHandler = std::function<void(uint16_t from_slot, protocol::MediaKind kind)>;
  /// Called on the key thread after each new epoch is installed (senders send a keyframe).
  using EpochHandler = std::function<void(uint64_t epoch)>;
  /// Meeting events, on the key thread, in order (a member's kParticipantJoined before its
  /// kTrackSubscribed before its kParticipantLeft), with no lock held: the handler may call this
  /// Client's methods, but should return soon (key work waits for it). A track's first frames may
  /// reach the frame handler a moment before its kTrackSubscribed.
  using EventHandler = std::function<void(const MeetingEvent&)>;

  /// Connects and says Hello. Error if the server is unreachable, the pin does not match or the
  /// protocol version is not supported. Throws std::invalid_argument on a display name > 200 bytes.
  static Result<std::unique_ptr<Client>> connect(std::shared_ptr<const Identity> identity,
                                                 ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Host: makes a fresh meeting secret, registers session `session`'s handle with the join
  /// verifier, the BFV public keys and the sealed meeting info (title), then joins it.
  Result<CreatedMeeting> create_meeting(std::string_view title, uint64_t session = 1,
                                        uint16_t max_members = 256);

  /// Joins session `session` of the meeting whose secret is `meeting_secret` (from an invitation):
  /// membership proof, roster upload (BFV token + sealed name + sealed identity), subscription.
  /// Returns once joined; the first epoch key arrives asynchronously (wait_for_epoch()).
  /// `join_seed`: empty (the join key is KDF(ms, "join")), or the replacement join key an
  /// invitation carries after the host removed someone (OpenedInvitation::join_seed).
  Status join(ByteSpan meeting_secret, uint64_t session, ByteSpan join_seed = {});

  /// Redeems one anonymous admission token (docs/admission.md) on this connection: on a server
  /// that requires them, each create_meeting() (and billing registration) spends one. Error if
  /// the token does not verify, was already redeemed, or the server takes none.
  Status redeem_admission_token(ByteSpan token);

  /// Host only (the client that created the meeting, or one given its host key with
  /// set_host_key()): removes the member in `slot`. The server frees the slot and replaces the join
  /// verifier with a fresh random join key's (the removed member could derive the old one from ms);
  /// the distributor then rekeys without the member, so it opens no later frame. Invitations made
  /// by this client afterwards carry the new join key. Error if not host, not joined, or no member
  /// in `slot` (other than ourselves).
  Status remove_member(uint16_t slot);
  /// Gives this client the host key of the meeting it is in (e.g. a host that restarted).
  void set_host_key(ByteSpan host_key);
  /// Whether the host removed this client from its meeting.
  bool was_removed() const;

  /// Leaves the meeting (the server deletes the slot; the others rekey without us). The client
  /// keeps its last keys so tests can show they no longer open new frames.
  Status leave();

  /// An invitation to the current meeting for `invitee` (X-Wing + ML-DSA-65, invitation.h).
  /// Error if not in a meeting.
  Result<Bytes> invite(const PublicIdentity& invitee) const;
  /// Posts an invitation into the invitee's anonymous mailbox on the server, paying the proof of
  /// work the server asks for (2^bits SHA3-256 digests; about 0.2 s at the default 16 bits on an
  /// empty mailbox, more on a crowded one). Retries once if the mailbox filled up meanwhile.
  /// Error on kMailboxFull (the owner has not cleared it), kRateLimited, a demand above 26 bits
  /// of work, or a connection failure.
  Status post_invitation(const PublicIdentity& invitee, ByteSpan invitation);
  /// Reads this identity's mailbox with an owner proof (ML-DSA-65 signature over a fresh server
  /// nonce) and deletes, by id, every item it processed: the invitations it opened (returned) and
  /// the junk that did not open (counted, skipped). Junk never stops it: it keeps going through
  /// every item (up to a few pages, the rest stays for the next call).
  Result<MailboxReceipt> receive_invitations();

  /// The meeting title, decrypted from the sealed info blob the server holds.
  Result<std::string> meeting_title();

  /// Receives every decrypted frame from now on (replaces the previous handler).
  void set_frame_handler(FrameHandler handler);
  /// Chooses whose media to receive (all, or a list of slots).
  Status subscribe(protocol::SubscribeMode mode, std::vector<uint16_t> slots = {});
  /// Encrypts `payload` (any codec's bytes) under the current epoch and sends it. Error if not
  /// joined, no epoch key yet, or the connection's send queue is full.
  Status send_frame(protocol::MediaKind kind, ByteSpan payload);
  /// The same with the whole media envelope (keyframe bit, layer): the relay reads it to queue
  /// and drop (audio first, video deltas up to the next keyframe); it is authenticated with the
  /// frame. kControl is reserved for the SDK.
  Status send_frame(protocol::MediaEnvelope env, ByteSpan payload);
  /// Asks the member in `slot` for a keyframe of its `kind` stream (video or screen), through an
  /// encrypted control frame the server relays without knowing what it is. At most one request
  /// per stream a second goes out (more calls return ok and do nothing).
  Status request_keyframe(uint16_t slot, protocol::MediaKind kind);
  /// Receives other members' keyframe requests for this client's streams.
  void set_keyframe_request_handler(KeyframeRequestHandler handler);
  /// Called after each new epoch is installed.
  void set_epoch_handler(EpochHandler handler);
  /// Receives meeting events from now on (replaces the previous handler). Members already
  /// announced are not announced again; call members() for the current state.
  void set_event_handler(EventHandler handler);

  /// Fetches the roster: name blobs and BFV tokens of every occupied slot, decrypted and checked
  /// against the members' sealed identities.
  Result<std::vector<MemberView>> fetch_roster();

  /// Members as currently known (from join, member events and fetched identities).
  std::vector<MemberView> members() const;
  /// This client's slot (meaningful while joined).
  std::optional<uint16_t> slot() const;
  /// Current epoch (0 before the first key).
  uint64_t epoch() const;
  /// Slots of the current epoch's members.
  std::vector<uint16_t> epoch_members() const;
  /// The security code of the current epoch (group.h); empty before the first key.
  std::string security_code() const;
  /// Waits until the installed epoch has exactly `num_members` members (or any epoch if 0).
  bool wait_for_epoch(size_t num_members, std::chrono::milliseconds timeout) const;
  /// Waits until the installed epoch is at least `epoch`.
  bool wait_for_epoch_at_least(uint64_t epoch, std::chrono::milliseconds timeout) const;

  /// Tries to decrypt one relayed frame with this client's current keys, without delivering it.
  /// For tests: a member that has left cannot open frames of later epochs.
  Result<Bytes> try_decrypt(uint16_t slot, protocol::MediaEnvelope env, ByteSpan sframe);
  /// Test and diagnostics hook: sees every relayed frame as received, before decryption.
  using RawFrameTap = std::function<void(uint16_t slot, protocol::MediaEnvelope env, ByteSpan sframe)>;
  void set_raw_frame_tap(RawFrameTap tap);

  // ---- for services built on the SDK (issue #7: look-up, durations, billing, analytics) ----

  /// Sends a ServiceRequest and waits for its ServiceResponse. Error on an Error reply.
  Result<protocol::ServiceResponse> call_service(uint16_t service, uint16_t op, std::vector<Bytes> blobs);
  /// Adds a meeting key blob of a new kind (e.g. evaluation keys a service needs).
  Status put_key_blob(uint16_t kind, Bytes blob);
  /// Fetches a meeting key blob by kind.
  Result<Bytes> get_key_blob(uint16_t kind);
  /// A labelled key from the meeting secret (schedule.h derive(): HKDF-SHA-512 with info
  /// "v100/" label 0x00 context). Services use their own labels. Error if not in a meeting.
  Result<SecretBytes> derive_meeting_key(std::string_view label, ByteSpan context, size_t len) const;
  /// The 32-byte BFV seed of the meeting (every member derives the same BFV secret key from it).
  Result<SecretBytes> bfv_seed() const;
  /// The 32-byte CKKS seed of the meeting.
  Result<SecretBytes> ckks_seed() const;
  /// Session number and handle of the current meeting (meaningful while joined).
  uint64_t session() const;
  protocol::Handle handle() const;

  ClientStats stats() const;
  const Identity& identity() const;
  /// Whether the connection is open.
  bool connected() const;
  /// Closes the connection without Leave (the server keeps the slot, "offline").
  void disconnect();
  /// Opens a new connection (optionally to new transport options, e.g. a restarted server's
  /// port) and, if in a meeting, reclaims this member's slot with its secret slot token. The
  /// client keeps its keys, so media continues; a rekey follows if the membership changed.
  Status reconnect(std::optional<protocol::TransportOptions> transport = std::nullopt);

  struct State;

 private:
  explicit Client(std::shared_ptr<State> state);
  std::shared_ptr<State> s_;
};

}  // namespace v100::meeting::client
