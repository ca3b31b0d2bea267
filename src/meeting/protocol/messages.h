// The V100 wire protocol, version 1: every message exchanged between client and server, as a
// struct with encode() -> Bytes and a strict decode(ByteSpan) -> Result<Msg>. docs/protocol.md is
// the normative description; this header and that document must agree.
//
// Framing: one protocol message per WebSocket binary message. Every message starts with a 6-byte
// header  [u8 wire_version = 1][u8 type][u32 request_id, little-endian]  followed by the body.
// Requests carry a client-chosen request_id that the server echoes in the reply (Ack, Error or the
// typed response); server pushes (MediaFrame, MediaBundle, MemberEvent, pushed EpochKey) carry 0.
//
// Every decoder is strict: exact type, every length bounded by the constants below *before* any
// allocation, enums and flags range-checked, reserved bits zero, and no trailing bytes. A decoder
// never throws and never aborts on hostile bytes; it returns an error Result.
//
// The server treats every cryptographic payload (keys, ciphertexts, AEAD blobs, SFrame frames,
// X-Wing encapsulations) as opaque bytes with a size limit: it holds no key that opens them.
//
// Thread safety: all types are plain values; functions are pure and reentrant.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace v100::meeting::protocol {

// ---- constants -------------------------------------------------------------------------------

/// Framing version in byte 0 of every message.
inline constexpr uint8_t kWireVersion = 1;
/// Protocol version negotiated by Hello/ServerHello. The server speaks exactly this one for now.
inline constexpr uint16_t kProtocolVersion = 1;
/// Header: u8 wire version, u8 type, u32 request id.
inline constexpr size_t kHeaderBytes = 6;

inline constexpr size_t kHandleBytes = 32;         ///< meeting handle: random / KDF output
inline constexpr size_t kNonceBytes = 32;          ///< join challenge nonce
inline constexpr size_t kSlotTokenBytes = 32;      ///< secret token to reclaim a slot on reconnect
inline constexpr size_t kMailboxIdBytes = 32;      ///< anonymous mailbox id
inline constexpr size_t kMailboxItemIdBytes = 16;  ///< server-assigned random id of a mailbox item

/// Hard upper bound on one WebSocket message (the server may announce a lower one).
inline constexpr size_t kMaxMessageBytes = 16u << 20;
inline constexpr size_t kMaxKeyBlobBytes = 12u << 20;    ///< one FHE public/evaluation key blob
inline constexpr size_t kMaxKeyBlobs = 16;               ///< key blobs in one CreateMeeting
inline constexpr size_t kMaxVerifierBytes = 4096;        ///< join verifier (public key)
inline constexpr size_t kMaxProofBytes = 8192;           ///< join proof (signature)
inline constexpr size_t kMaxInfoBlobBytes = 64u << 10;   ///< AEAD meeting-info blob
inline constexpr size_t kMaxRosterCtBytes = 2u << 20;    ///< one roster ciphertext
inline constexpr size_t kMaxNameBlobBytes = 1024;        ///< AEAD display-name blob
inline constexpr size_t kMaxEpochBlobBytes = 16u << 10;  ///< one encapsulated epoch secret
inline constexpr size_t kMaxMembers = 1024;              ///< slots per meeting (32 blocks of 32)
inline constexpr size_t kSlotsPerBlock = 32;             ///< roster members per BFV ciphertext
/// One SFrame frame: room for a VP8 keyframe of 1080p at a high quality (an intra frame of
/// 1920x1080 I420 at ~0.4 bit per pixel is ~400 KB; twice that for screen content), docs/protocol.md §5.
inline constexpr size_t kMaxMediaPayload = 1u << 20;
inline constexpr size_t kMaxBundleFrames = 256;  ///< frames in one MediaBundle
inline constexpr size_t kMaxMailboxBlobBytes = 64u << 10;
inline constexpr size_t kMaxMailboxItems = 128;  ///< items held per mailbox (and per list)
/// Mailbox owner proof (MailboxFetch): the owner's ML-DSA-65 public key and FIPS 204 signature.
inline constexpr size_t kMailboxOwnerKeyBytes = 1952;  ///< FIPS 204 Table 2, ML-DSA-65 pk
inline constexpr size_t kMailboxOwnerSigBytes = 3309;  ///< FIPS 204 Table 2, ML-DSA-65 sig
/// Highest proof-of-work difficulty (leading zero bits) a MailboxChallenge may ask for.
inline constexpr uint8_t kMaxMailboxPutBits = 32;
inline constexpr size_t kMaxServiceBlobs = 64;
inline constexpr size_t kMaxServiceBlobBytes = 12u << 20;
inline constexpr size_t kMaxErrorText = 256;
inline constexpr size_t kMaxAdmissionTokenBytes = 1024;  ///< one Privacy Pass token (354 B for type 2)
inline constexpr size_t kMaxRosterEntries = 1024;

/// Fixed-size byte strings.
using Handle = std::array<uint8_t, kHandleBytes>;
using Nonce = std::array<uint8_t, kNonceBytes>;
using SlotToken = std::array<uint8_t, kSlotTokenBytes>;
using MailboxId = std::array<uint8_t, kMailboxIdBytes>;
using MailboxItemId = std::array<uint8_t, kMailboxItemIdBytes>;

/// How a message travels; the column of the message table that drives the server's dispatch.
enum class Flow : uint8_t {
  kHello,           ///< client -> server: the first message of a connection (ServerHello answers)
  kRequest,         ///< client -> server: validated and applied by the control plane, one reply
  kStoringRequest,  ///< a kRequest that may grow the store: refused early when the store is full
  kMedia,           ///< both ways: relayed by the I/O thread that read it, never answered
  kPing,            ///< client -> server: answered by the I/O thread that read it
  kToClient,        ///< server -> client only: replies and pushes
};

/// The message table: one row per message, `X(Name, type code, Flow)`. Name is the struct below
/// and MsgType::k<Name>. Codes 1..63 are client -> server, 64..127 server -> client; MediaFrame (12)
/// travels both ways. The table generates MsgType, msg_type_name(), message_flow(), the Message
/// variant, decode() and the server's dispatch: a new message is one row, its struct (write/read)
/// and, for a request, one ControlPlane::handle overload (a missing one does not compile).
#define V100_PROTOCOL_MESSAGES(X)          \
  X(Hello, 1, kHello)                      \
  X(CreateMeeting, 2, kStoringRequest)     \
  X(JoinChallengeRequest, 3, kRequest)     \
  X(JoinProve, 4, kRequest)                \
  X(GetMeeting, 5, kRequest)               \
  X(GetKeyBlob, 6, kRequest)               \
  X(PutRoster, 7, kRequest)                \
  X(FetchRoster, 8, kRequest)              \
  X(PostEpoch, 9, kRequest)                \
  X(FetchEpochKey, 10, kRequest)           \
  X(Subscribe, 11, kRequest)               \
  X(MediaFrame, 12, kMedia)                \
  X(Leave, 13, kRequest)                   \
  X(MailboxPut, 14, kStoringRequest)       \
  X(MailboxFetch, 15, kRequest)            \
  X(ServiceRequest, 16, kStoringRequest)   \
  X(Ping, 17, kPing)                       \
  X(EndMeeting, 18, kRequest)              \
  X(PutKeyBlob, 19, kStoringRequest)       \
  X(MailboxChallengeRequest, 20, kRequest) \
  X(RemoveMember, 30, kRequest)            \
  X(RedeemToken, 31, kRequest)             \
  X(ServerHello, 64, kToClient)            \
  X(Ack, 65, kToClient)                    \
  X(Error, 66, kToClient)                  \
  X(JoinChallenge, 67, kToClient)          \
  X(JoinAccepted, 68, kToClient)           \
  X(MeetingInfo, 69, kToClient)            \
  X(KeyBlob, 70, kToClient)                \
  X(Roster, 71, kToClient)                 \
  X(EpochKey, 72, kToClient)               \
  X(MemberEvent, 73, kToClient)            \
  X(MailboxItems, 74, kToClient)           \
  X(ServiceResponse, 75, kToClient)        \
  X(Pong, 76, kToClient)                   \
  X(MediaBundle, 77, kToClient)            \
  X(MailboxChallenge, 78, kToClient)

/// Message type codes (byte 1 of the header), from the message table.
enum class MsgType : uint8_t {
#define V100_MSG_ENUM(Name, code, flow) k##Name = code,
  V100_PROTOCOL_MESSAGES(V100_MSG_ENUM)
#undef V100_MSG_ENUM
};

/// The flow of a type code, or nullopt for a code that is not in the table.
constexpr std::optional<Flow> message_flow(uint8_t type) {
  switch (type) {
#define V100_MSG_FLOW(Name, code, flow) \
  case code:                            \
    return Flow::flow;
    V100_PROTOCOL_MESSAGES(V100_MSG_FLOW)
#undef V100_MSG_FLOW
  }
  return std::nullopt;
}

/// Short stable name of a type ("Hello", ...), or "?" for an unknown code.
const char* msg_type_name(uint8_t type);

/// Error codes carried by Error messages.
enum class ErrorCode : uint16_t {
  kBadMessage = 1,          ///< undecodable or out-of-range message
  kUnsupportedVersion = 2,  ///< no common protocol version
  kHelloRequired = 3,       ///< first message was not Hello
  kUnknownMeeting = 4,      ///< no meeting with that handle
  kMeetingExists = 5,       ///< CreateMeeting with a handle already in use
  kNotMember = 6,           ///< request needs a joined connection
  kBadProof = 7,            ///< membership proof did not verify
  kNoChallenge = 8,         ///< JoinProve without a fresh challenge (or a replayed one)
  kMeetingFull = 9,
  kBadSlot = 10,     ///< slot out of range, not yours, or not occupied
  kStaleEpoch = 11,  ///< PostEpoch with epoch <= current
  kRateLimited = 12,
  kMailboxFull = 13,
  kUnknownService = 14,
  kServiceError = 15,
  kInternal = 16,
  kUnsupportedScheme = 17,  ///< join scheme not supported by this server
  kNotFound = 18,           ///< key blob / epoch key / record absent
  kAlreadyJoined = 19,      ///< JoinProve on a connection that is already a member
  kBusy = 20,               ///< server overloaded (worker queue full); retry later
  kNotDistributor = 30,     ///< PostEpoch from a member that is not the epoch distributor
  kNotHost = 31,            ///< RemoveMember without a valid host proof (or a meeting without host)
  kAdmissionRequired = 32,  ///< an anonymous store (CreateMeeting, billing registration) needs a
                            ///< redeemed admission token on this connection (RedeemToken)
};

/// Membership-proof schemes. The verifier is a public key registered at CreateMeeting; the proof
/// is a signature over join_transcript(handle, nonce) (see join_proof.h).
enum class JoinScheme : uint8_t {
  kEd25519 = 1,  ///< verifier: 32-byte Ed25519 public key; proof: 64-byte signature (RFC 8032)
  kMlDsa65 = 2,  ///< verifier: 1952-byte ML-DSA-65 public key; proof: 3309-byte signature
                 ///< (FIPS 204 pure ML-DSA, context string "v100/join")
};

/// Key-blob kinds. 1..0x7eff are free for the application (the server does not interpret them;
/// the suggested FHE kinds below). The server reserves the rest:
///  * kKeyHostVerifier: the host's Ed25519 public key (32 bytes), given only in CreateMeeting; it
///    verifies RemoveMember. Never replaced by PutKeyBlob.
///  * identity_key_kind(slot) = 0x8000 | slot: the identity blob of whoever holds `slot`. Only the
///    member in that slot may write it (PutKeyBlob replaces it); it is deleted when the slot is freed.
enum KeyKind : uint16_t {
  kKeyBfvPublic = 1,
  kKeyBfvRelin = 2,
  kKeyBfvGalois = 3,
  kKeyCkksPublic = 4,
  kKeyCkksRelin = 5,
  kKeyCkksGalois = 6,
  kKeyHostVerifier = 0x7f01,
};
/// First reserved key kind (kinds >= this are the server's to police).
inline constexpr uint16_t kFirstReservedKeyKind = 0x7f00;
inline constexpr uint16_t kIdentityKeyKindBase = 0x8000;
/// Key-blob kind of the identity blob of `slot` (< kMaxMembers).
constexpr uint16_t identity_key_kind(uint16_t slot) {
  return static_cast<uint16_t>(kIdentityKeyKindBase | slot);
}
/// The slot of an identity kind, or -1 when `kind` is not one.
constexpr int identity_kind_slot(uint16_t kind) {
  return kind >= kIdentityKeyKindBase && kind < kIdentityKeyKindBase + kMaxMembers
             ? kind - kIdentityKeyKindBase
             : -1;
}

/// Media kinds in MediaFrame (lets a congested relay send audio first and drop video deltas).
/// kControl carries the SDK's own encrypted control messages (keyframe requests); the relay
/// treats it as it treats data and cannot tell one control message from another.
enum class MediaKind : uint8_t { kAudio = 0, kVideo = 1, kData = 2, kScreen = 3, kControl = 4 };
inline constexpr uint8_t kMaxMediaKind = 4;
inline constexpr uint8_t kMaxMediaLayer = 3;

/// The media envelope: everything the relay may know about a frame, one byte on the wire
/// (bits 0-2 kind, bit 3 keyframe, bits 4-5 layer, bits 6-7 zero). It travels in the clear and
/// is authenticated as SFrame metadata (AAD) together with the sender's slot, so a relay that
/// changes it makes the frame fail to decrypt (docs/protocol.md §5).
struct MediaEnvelope {
  MediaKind kind = MediaKind::kAudio;
  bool keyframe = false;  ///< a video/screen frame that decodes on its own
  uint8_t layer = 0;      ///< 0..kMaxMediaLayer (simulcast/SVC layer; 0 today)
  uint8_t byte() const {
    return static_cast<uint8_t>(static_cast<uint8_t>(kind) | (keyframe ? 0x08 : 0) | (layer << 4));
  }
  /// nullopt for a byte no sender may produce (unknown kind, reserved bits, a keyframe bit on a
  /// kind without keyframes).
  static std::optional<MediaEnvelope> parse(uint8_t b) {
    const uint8_t kind = b & 0x07;
    const bool key = (b & 0x08) != 0;
    if (kind > kMaxMediaKind || (b & 0xc0) != 0) return std::nullopt;
    if (key && kind != static_cast<uint8_t>(MediaKind::kVideo) &&
        kind != static_cast<uint8_t>(MediaKind::kScreen))
      return std::nullopt;
    return MediaEnvelope{static_cast<MediaKind>(kind), key, static_cast<uint8_t>((b >> 4) & 0x03)};
  }
  bool is_video() const { return kind == MediaKind::kVideo || kind == MediaKind::kScreen; }
  bool operator==(const MediaEnvelope&) const = default;
};

/// MemberEvent kinds.
enum class MemberEventKind : uint8_t {
  kJoined = 1,        ///< a slot was newly assigned
  kLeft = 2,          ///< the slot was released by Leave
  kOnline = 3,        ///< a member reclaimed its slot (reconnect)
  kOffline = 4,       ///< a member's connection closed without Leave (slot kept)
  kMeetingEnded = 5,  ///< EndMeeting: all state deleted; slot field is the ender's
  kRemoved = 6,       ///< the host removed this slot's member (RemoveMember), or it expired
};

/// Subscribe modes.
enum class SubscribeMode : uint8_t { kNone = 0, kAll = 1, kList = 2 };

// ---- header ----------------------------------------------------------------------------------

/// Parsed header of any message.
struct Header {
  uint8_t type = 0;
  uint32_t request_id = 0;
};

/// Reads and checks the header (wire version, known type). Error on short input.
Result<Header> decode_header(ByteSpan msg);

// ---- message structs -------------------------------------------------------------------------
// Each struct: kType; write(ByteWriter&) appends the body; read(ByteReader&) parses a body (strict);
// encode(request_id) -> full message; decode(ByteSpan) -> Result (checks header type, no trailing).

#define V100_PROTOCOL_MESSAGE(Name)                  \
  static constexpr MsgType kType = MsgType::k##Name; \
  void write(ByteWriter& w) const;                   \
  static Result<Name> read(ByteReader& r);           \
  Bytes encode(uint32_t request_id = 0) const;       \
  static Result<Name> decode(ByteSpan msg);          \
  bool operator==(const Name&) const = default

/// Client's first message. The server answers ServerHello with max(min..max ∩ supported) or Error.
struct Hello {
  uint16_t min_version = kProtocolVersion;
  uint16_t max_version = kProtocolVersion;
  V100_PROTOCOL_MESSAGE(Hello);
};

/// Server's answer to Hello, announcing limits the client must respect.
struct ServerHello {
  uint16_t version = kProtocolVersion;
  uint32_t max_message_bytes = 0;  ///< this server's per-message limit (<= kMaxMessageBytes)
  uint32_t max_media_payload = 0;  ///< largest SFrame payload relayed
  uint16_t max_members = 0;        ///< largest meeting this server accepts
  V100_PROTOCOL_MESSAGE(ServerHello);
};

/// One opaque FHE key blob (public key, relinearization keys, Galois keys...).
struct KeyBlobEntry {
  uint16_t kind = 0;
  Bytes blob;
  bool operator==(const KeyBlobEntry&) const = default;
};

/// Registers a new meeting under a client-chosen random handle. Reply: Ack or Error.
/// The creator is not joined by this; it joins like everyone else (JoinChallengeRequest...).
struct CreateMeeting {
  Handle handle{};
  uint16_t max_members = 0;  ///< 1..kMaxMembers
  JoinScheme scheme = JoinScheme::kEd25519;
  Bytes join_verifier;             ///< public key of the join key; size fixed by scheme
  Bytes info_blob;                 ///< AEAD(meeting info) under a key from the secret
  std::vector<KeyBlobEntry> keys;  ///< distinct kinds, <= kMaxKeyBlobs
  V100_PROTOCOL_MESSAGE(CreateMeeting);
};

/// Asks for a fresh single-use challenge nonce for `handle`. Reply: JoinChallenge or Error.
struct JoinChallengeRequest {
  Handle handle{};
  V100_PROTOCOL_MESSAGE(JoinChallengeRequest);
};

/// A fresh random nonce, bound to this connection and handle, valid for one JoinProve.
struct JoinChallenge {
  Nonce nonce{};
  V100_PROTOCOL_MESSAGE(JoinChallenge);
};

/// Membership proof: signature under the join key over join_transcript(handle, nonce). With
/// `reclaim`, the member asks for its previous slot back (reconnect, server restart).
/// Reply: JoinAccepted or Error (kBadProof, kNoChallenge, kMeetingFull, kBadSlot...).
struct JoinProve {
  Handle handle{};
  Nonce nonce{};
  Bytes proof;
  bool reclaim = false;
  uint16_t reclaim_slot = 0;  ///< meaningful when reclaim
  SlotToken reclaim_token{};  ///< meaningful when reclaim; zero otherwise
  V100_PROTOCOL_MESSAGE(JoinProve);
};

/// One member slot as the server sees it (no identity: a slot, an order, and presence).
struct MemberInfo {
  uint16_t slot = 0;
  uint64_t join_seq = 0;  ///< order of first join in this meeting (1, 2, ...), not a time
  bool online = false;
  bool operator==(const MemberInfo&) const = default;
};

/// The slot assigned to this connection, its reclaim token (keep it secret), the current epoch,
/// and the occupied slots. `join_seq` is this member's position in join order.
struct JoinAccepted {
  uint16_t slot = 0;
  SlotToken slot_token{};
  uint64_t epoch = 0;
  uint64_t join_seq = 0;
  std::vector<MemberInfo> members;  ///< includes this member; <= kMaxMembers
  V100_PROTOCOL_MESSAGE(JoinAccepted);
};

/// Member-only: fetch the meeting's info blob and the list of key blobs. Reply: MeetingInfo.
struct GetMeeting {
  V100_PROTOCOL_MESSAGE(GetMeeting);
};

/// Kind and size of a stored key blob.
struct KeyBlobInfo {
  uint16_t kind = 0;
  uint32_t size = 0;
  bool operator==(const KeyBlobInfo&) const = default;
};

/// Reply to GetMeeting.
struct MeetingInfo {
  uint16_t max_members = 0;
  JoinScheme scheme = JoinScheme::kEd25519;
  uint64_t epoch = 0;
  Bytes info_blob;
  std::vector<KeyBlobInfo> keys;
  V100_PROTOCOL_MESSAGE(MeetingInfo);
};

/// Member-only: fetch one key blob by kind. Reply: KeyBlob or Error(kNotFound).
struct GetKeyBlob {
  uint16_t kind = 0;
  V100_PROTOCOL_MESSAGE(GetKeyBlob);
};

/// Member-only: add a key blob of a kind not yet stored (never overwrites). Reply: Ack.
struct PutKeyBlob {
  uint16_t kind = 0;
  Bytes blob;
  V100_PROTOCOL_MESSAGE(PutKeyBlob);
};

/// Reply to GetKeyBlob.
struct KeyBlob {
  uint16_t kind = 0;
  Bytes blob;
  V100_PROTOCOL_MESSAGE(KeyBlob);
};

/// Member-only: store this member's roster ciphertext (BFV(identity token) placed in the slot's
/// position of block slot/32) and its AEAD display-name blob. `slot` must be the caller's own.
/// Replaces a previous upload. Reply: Ack.
struct PutRoster {
  uint16_t slot = 0;
  Bytes roster_ct;
  Bytes name_blob;
  V100_PROTOCOL_MESSAGE(PutRoster);
};

/// Member-only: fetch roster entries for slots >= first_slot, at most max_entries (0 = no limit);
/// the server also stops at a byte budget. Reply: Roster.
struct FetchRoster {
  uint16_t first_slot = 0;
  uint16_t max_entries = 0;
  V100_PROTOCOL_MESSAGE(FetchRoster);
};

/// One roster entry.
struct RosterEntry {
  uint16_t slot = 0;
  Bytes roster_ct;
  Bytes name_blob;
  bool operator==(const RosterEntry&) const = default;
};

/// Reply to FetchRoster, in increasing slot order. If `more`, fetch again from next_slot.
struct Roster {
  std::vector<RosterEntry> entries;
  bool more = false;
  uint16_t next_slot = 0;
  V100_PROTOCOL_MESSAGE(Roster);
};

/// One recipient of a new epoch secret: an opaque X-Wing encapsulation (+AEAD, signature) blob.
struct EpochEntry {
  uint16_t slot = 0;
  Bytes blob;
  bool operator==(const EpochEntry&) const = default;
};

/// Member-only: start epoch `epoch` (> current). The server stores each blob for its recipient
/// slot (replacing the previous epoch's), pushes EpochKey to online recipients, and answers Ack.
/// Recipients must be occupied slots, distinct.
struct PostEpoch {
  uint64_t epoch = 0;
  std::vector<EpochEntry> entries;
  V100_PROTOCOL_MESSAGE(PostEpoch);
};

/// Member-only: fetch the latest epoch blob addressed to the caller's slot. Reply: EpochKey or
/// Error(kNotFound).
struct FetchEpochKey {
  V100_PROTOCOL_MESSAGE(FetchEpochKey);
};

/// An epoch secret blob for the receiving member, from member `from_slot`. Sent as reply to
/// FetchEpochKey, or pushed (request_id 0) when a member posts a new epoch.
struct EpochKey {
  uint64_t epoch = 0;
  uint16_t from_slot = 0;
  Bytes blob;
  V100_PROTOCOL_MESSAGE(EpochKey);
};

/// Member-only: choose which slots' media to receive. Replaces the previous choice. Reply: Ack.
/// A new member is subscribed to nothing.
struct Subscribe {
  SubscribeMode mode = SubscribeMode::kNone;
  std::vector<uint16_t> slots;  ///< only with kList; each < kMaxMembers, <= kMaxMembers entries
  V100_PROTOCOL_MESSAGE(Subscribe);
};

/// One SFrame-protected media frame. Client -> server: `slot` must be the sender's own slot (a
/// frame with a forged slot is dropped). Server -> client: relayed unchanged to subscribers.
/// No reply (media is fire-and-forget; the relay may drop under congestion).
struct MediaFrame {
  uint16_t slot = 0;
  MediaKind kind = MediaKind::kAudio;
  Bytes payload;          ///< opaque SFrame bytes, 1..kMaxMediaPayload
  bool keyframe = false;  ///< envelope bits (MediaEnvelope), validated on decode
  uint8_t layer = 0;
  MediaEnvelope envelope() const { return {kind, keyframe, layer}; }
  V100_PROTOCOL_MESSAGE(MediaFrame);
};

/// Server -> client: several relayed frames coalesced into one WebSocket message (the relay does
/// this when frames queue up behind a write). Equivalent to the frames in order.
struct MediaBundle {
  std::vector<MediaFrame> frames;  ///< 1..kMaxBundleFrames
  V100_PROTOCOL_MESSAGE(MediaBundle);
};

/// Member-only: leave the meeting; the slot, its roster entry and epoch blob are deleted.
/// Reply: Ack (the connection stays open, no longer a member).
struct Leave {
  V100_PROTOCOL_MESSAGE(Leave);
};

/// Member-only: end the meeting for everyone; all its state is deleted. Reply: Ack.
struct EndMeeting {
  V100_PROTOCOL_MESSAGE(EndMeeting);
};

// The mailbox (docs/protocol.md §4 item 8). Anyone may drop an invitation into a mailbox, paying
// a proof of work whose difficulty rises with the mailbox's fill level; only the owner (the holder
// of the ML-DSA-65 key whose mailbox_id_for_owner() is the mailbox id, mailbox_proof.h) may list
// items and delete them, by id. Both need a fresh MailboxChallenge, consumed by the next
// MailboxPut or MailboxFetch on the connection whatever its outcome.

/// Anonymous: asks for a single-use nonce for `mailbox` and the work a put costs there now.
/// Reply: MailboxChallenge.
struct MailboxChallengeRequest {
  MailboxId mailbox{};
  V100_PROTOCOL_MESSAGE(MailboxChallengeRequest);
};

/// A fresh random nonce bound to this connection and mailbox, valid for one MailboxPut or
/// MailboxFetch, and the proof-of-work difficulty (leading zero bits) a MailboxPut needs now.
struct MailboxChallenge {
  Nonce nonce{};
  uint8_t put_bits = 0;  ///< 0..kMaxMailboxPutBits
  V100_PROTOCOL_MESSAGE(MailboxChallenge);
};

/// Anonymous: drop an opaque blob (an invitation) into a mailbox. `work` is a counter such that
/// mailbox_put_digest(mailbox, SHA3-256(blob), nonce, work) has at least the challenge's put_bits
/// leading zero bits. Reply: Ack, or Error (kNoChallenge, kBadProof: not enough work,
/// kRateLimited: this connection's put budget is spent, kMailboxFull).
struct MailboxPut {
  MailboxId mailbox{};
  Nonce nonce{};
  uint64_t work = 0;
  Bytes blob;  ///< 1..kMaxMailboxBlobBytes
  V100_PROTOCOL_MESSAGE(MailboxPut);
};

/// Owner only: delete the listed items (those the owner has processed; unknown ids are ignored),
/// then list what is left, oldest first. `owner_key` is the owner's ML-DSA-65 public key (the
/// mailbox id must be mailbox_id_for_owner(owner_key)), `signature` its FIPS 204 signature with
/// context "v100/mailbox" over mailbox_owner_transcript(mailbox, nonce, delete_ids).
/// Reply: MailboxItems, or Error (kNoChallenge, kBadProof).
struct MailboxFetch {
  MailboxId mailbox{};
  Nonce nonce{};
  Bytes owner_key;                        ///< exactly kMailboxOwnerKeyBytes
  std::vector<MailboxItemId> delete_ids;  ///< distinct, <= kMaxMailboxItems
  Bytes signature;                        ///< exactly kMailboxOwnerSigBytes
  V100_PROTOCOL_MESSAGE(MailboxFetch);
};

/// One stored mailbox item: its server-assigned random id and the opaque blob.
struct MailboxItem {
  MailboxItemId id{};
  Bytes blob;
  bool operator==(const MailboxItem&) const = default;
};

/// Reply to MailboxFetch: items oldest first (distinct ids), within the server's reply budget;
/// `more` when further items wait (delete these and fetch again to see them).
struct MailboxItems {
  std::vector<MailboxItem> items;  ///< <= kMaxMailboxItems
  bool more = false;
  V100_PROTOCOL_MESSAGE(MailboxItems);
};

/// Generic envelope for server-side homomorphic services (issue #7: directory look-up,
/// durations, billing, analytics). `service` selects a registered handler, `op` an operation of
/// it; blobs are opaque ciphertexts. Runs on the server's worker pool. Reply: ServiceResponse or
/// Error(kUnknownService / kServiceError / kBusy).
struct ServiceRequest {
  uint16_t service = 0;
  uint16_t op = 0;
  std::vector<Bytes> blobs;
  V100_PROTOCOL_MESSAGE(ServiceRequest);
};

/// Reply to ServiceRequest. status 0 = ok; other values are service-defined.
struct ServiceResponse {
  uint16_t service = 0;
  uint16_t op = 0;
  uint16_t status = 0;
  std::vector<Bytes> blobs;
  V100_PROTOCOL_MESSAGE(ServiceResponse);
};

/// Application keep-alive / round-trip probe. Reply: Pong with the same token.
struct Ping {
  uint64_t token = 0;
  V100_PROTOCOL_MESSAGE(Ping);
};

/// Reply to Ping.
struct Pong {
  uint64_t token = 0;
  V100_PROTOCOL_MESSAGE(Pong);
};

/// Generic success reply to a request that returns nothing.
struct Ack {
  V100_PROTOCOL_MESSAGE(Ack);
};

/// Failure reply. `text` is short printable ASCII for humans (never contains user data).
struct Error {
  ErrorCode code = ErrorCode::kBadMessage;
  std::string text;
  V100_PROTOCOL_MESSAGE(Error);
};

/// Pushed to online members when the membership changes. No identities: a slot and an order.
struct MemberEvent {
  MemberEventKind kind = MemberEventKind::kJoined;
  uint16_t slot = 0;
  uint64_t join_seq = 0;
  V100_PROTOCOL_MESSAGE(MemberEvent);
};

/// Host-only: removes the member in `slot` (RemoveMember), and replaces the join verifier so that
/// the old join key (which every member, the removed one included, could derive) stops admitting
/// anyone. `nonce` comes from JoinChallengeRequest(own handle) on this connection (single use);
/// `proof` = Ed25519 signature under the host key over remove_transcript(handle, nonce, slot,
/// new_join_verifier) (join_proof.h). The server frees the slot (roster, epoch blob, identity blob,
/// token), detaches the removed connection and pushes MemberEvent(kRemoved); the distributor then
/// rekeys without it. Reply: Ack or Error(kNotHost / kBadSlot / kNoChallenge).
struct RemoveMember {
  uint16_t slot = 0;
  Nonce nonce{};
  Bytes new_join_verifier;  ///< public key of the new join key (size fixed by the scheme)
  Bytes proof;              ///< 64-byte Ed25519 signature
  V100_PROTOCOL_MESSAGE(RemoveMember);
};

/// Redeems one anonymous admission token (Privacy Pass type 2, docs/admission.md) on a server
/// configured with an issuer: the connection gains one credit for an anonymous store
/// (CreateMeeting, or a billing registration). Reply: Ack, or Error(kBadProof: does not verify
/// or already redeemed; kBadMessage: this server takes no tokens).
struct RedeemToken {
  Bytes token;  ///< 1..kMaxAdmissionTokenBytes
  V100_PROTOCOL_MESSAGE(RedeemToken);
};

#undef V100_PROTOCOL_MESSAGE

namespace detail {
template <typename First, typename... Rest>
struct VariantOfRest {
  using type = std::variant<Rest...>;
};
}  // namespace detail

/// Any message: one alternative per row of the message table, in table order.
#define V100_MSG_TYPE(Name, code, flow) , Name
using Message = detail::VariantOfRest<void V100_PROTOCOL_MESSAGES(V100_MSG_TYPE)>::type;
#undef V100_MSG_TYPE

/// The flow of message type M (from the message table).
template <typename M>
inline constexpr Flow kFlowOf = *message_flow(static_cast<uint8_t>(M::kType));

/// A decoded message with its request id.
struct Envelope {
  uint32_t request_id = 0;
  Message msg;
};

/// Decodes any message (strict). Error on unknown type, bad sizes or trailing bytes.
Result<Envelope> decode(ByteSpan msg);

/// Encodes any message.
Bytes encode(const Message& msg, uint32_t request_id = 0);

/// Zero-copy view of a MediaFrame for the relay's hot path: validates exactly like
/// MediaFrame::decode but borrows the payload from `msg`.
struct MediaFrameView {
  uint16_t slot = 0;
  MediaEnvelope env;
  ByteSpan payload;
};
Result<MediaFrameView> decode_media_frame_view(ByteSpan msg);
/// Zero-copy views of a MediaBundle's frames (validated like MediaBundle::decode).
Result<std::vector<MediaFrameView>> decode_media_bundle_view(ByteSpan msg);

/// Encodes a MediaFrame from borrowed parts (no intermediate copy).
Bytes encode_media_frame(uint16_t slot, MediaEnvelope env, ByteSpan payload, uint32_t request_id = 0);
inline Bytes encode_media_frame(uint16_t slot, MediaKind kind, ByteSpan payload, uint32_t request_id = 0) {
  return encode_media_frame(slot, MediaEnvelope{kind}, payload, request_id);
}

/// Appends one MediaFrame body (slot, kind, payload) to a MediaBundle under construction; used by
/// the relay to coalesce already-validated frames. `bundle` must start with
/// begin_media_bundle(); finish_media_bundle() patches the frame count.
void begin_media_bundle(Bytes& bundle);
void append_to_media_bundle(Bytes& bundle, const MediaFrameView& frame);
void finish_media_bundle(Bytes& bundle, uint16_t num_frames);

}  // namespace v100::meeting::protocol
