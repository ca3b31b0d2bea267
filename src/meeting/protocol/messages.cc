// Framing (header, type names, decode() and encode() of any message) and the bodies of the
// control messages: hello, meeting creation and join, info and key blobs, roster, epochs, leave and
// end, services, keep-alive, errors and events, removal, admission. Media bodies are in
// messages_media.cc, mailbox bodies in messages_mailbox.cc.

#include "meeting/protocol/messages.h"

#include <set>

#include "meeting/protocol/messages_internal.h"

namespace v100::meeting::protocol {

using namespace internal;  // NOLINT: the shared body readers and writers of every message

namespace {

bool is_known_type(uint8_t t) {
  return message_flow(t).has_value();
}

bool valid_scheme(uint8_t s) {
  return s == 1 || s == 2;
}

bool valid_error_code(uint16_t c) {
  return (c >= 1 && c <= static_cast<uint16_t>(ErrorCode::kBusy)) ||
         c == static_cast<uint16_t>(ErrorCode::kNotDistributor) ||
         c == static_cast<uint16_t>(ErrorCode::kNotHost) ||
         c == static_cast<uint16_t>(ErrorCode::kAdmissionRequired);
}

bool read_blob_list(ByteReader& r, std::vector<Bytes>& out, size_t max_count, size_t min_len,
                    size_t max_len) {
  size_t n = 0;
  if (!read_count(r, n, max_count, 4)) return false;
  out.resize(n);
  for (auto& b : out)
    if (!read_blob(r, b, min_len, max_len)) return false;
  return true;
}

void write_blob_list(ByteWriter& w, const std::vector<Bytes>& v) {
  write_u16_count(w, v.size());
  for (const auto& b : v) w.blob(b);
}

}  // namespace

const char* msg_type_name(uint8_t type) {
  switch (type) {
#define V100_MSG_NAME(Name, code, flow) \
  case code:                            \
    return #Name;
    V100_PROTOCOL_MESSAGES(V100_MSG_NAME)
#undef V100_MSG_NAME
  }
  return "?";
}

Result<Header> decode_header(ByteSpan msg) {
  ByteReader r(msg);
  uint8_t version = 0, type = 0;
  uint32_t rid = 0;
  if (!r.u8(version) || !r.u8(type) || !r.u32(rid)) return Result<Header>::error("message: truncated header");
  if (version != kWireVersion) return Result<Header>::error("message: unsupported wire version");
  if (!is_known_type(type)) return Result<Header>::error("message: unknown type");
  return Header{type, rid};
}

// ---- Hello / ServerHello ----

void Hello::write(ByteWriter& w) const {
  w.u16(min_version);
  w.u16(max_version);
}
Result<Hello> Hello::read(ByteReader& r) {
  Hello m;
  if (!r.u16(m.min_version) || !r.u16(m.max_version) || m.min_version == 0 || m.min_version > m.max_version)
    return fail<Hello>("Hello", "version range");
  return m;
}
V100_MESSAGE_CODEC(Hello)

void ServerHello::write(ByteWriter& w) const {
  w.u16(version);
  w.u32(max_message_bytes);
  w.u32(max_media_payload);
  w.u16(max_members);
}
Result<ServerHello> ServerHello::read(ByteReader& r) {
  ServerHello m;
  if (!r.u16(m.version) || m.version == 0) return fail<ServerHello>("ServerHello", "version");
  if (!r.u32(m.max_message_bytes) || m.max_message_bytes < 1024 || m.max_message_bytes > kMaxMessageBytes)
    return fail<ServerHello>("ServerHello", "max_message_bytes");
  if (!r.u32(m.max_media_payload) || m.max_media_payload == 0 || m.max_media_payload > kMaxMediaPayload)
    return fail<ServerHello>("ServerHello", "max_media_payload");
  if (!r.u16(m.max_members) || m.max_members == 0 || m.max_members > kMaxMembers)
    return fail<ServerHello>("ServerHello", "max_members");
  return m;
}
V100_MESSAGE_CODEC(ServerHello)

// ---- CreateMeeting ----

void CreateMeeting::write(ByteWriter& w) const {
  w.bytes(handle);
  w.u16(max_members);
  w.u8(static_cast<uint8_t>(scheme));
  w.blob(join_verifier);
  w.blob(info_blob);
  write_u16_count(w, keys.size());
  for (const auto& k : keys) {
    w.u16(k.kind);
    w.blob(k.blob);
  }
}
Result<CreateMeeting> CreateMeeting::read(ByteReader& r) {
  CreateMeeting m;
  constexpr const char* kN = "CreateMeeting";
  if (!read_fixed(r, m.handle)) return fail<CreateMeeting>(kN, "handle");
  if (!r.u16(m.max_members) || m.max_members == 0 || m.max_members > kMaxMembers)
    return fail<CreateMeeting>(kN, "max_members");
  uint8_t s = 0;
  if (!r.u8(s) || !valid_scheme(s)) return fail<CreateMeeting>(kN, "scheme");
  m.scheme = static_cast<JoinScheme>(s);
  if (!read_blob(r, m.join_verifier, 1, kMaxVerifierBytes)) return fail<CreateMeeting>(kN, "join_verifier");
  if (!read_blob(r, m.info_blob, 0, kMaxInfoBlobBytes)) return fail<CreateMeeting>(kN, "info_blob");
  size_t n = 0;
  if (!read_count(r, n, kMaxKeyBlobs, 6)) return fail<CreateMeeting>(kN, "key count");
  m.keys.resize(n);
  std::set<uint16_t> kinds;
  for (auto& k : m.keys) {
    if (!r.u16(k.kind) || !kinds.insert(k.kind).second) return fail<CreateMeeting>(kN, "key kind");
    if (!read_blob(r, k.blob, 1, kMaxKeyBlobBytes)) return fail<CreateMeeting>(kN, "key blob");
  }
  return m;
}
V100_MESSAGE_CODEC(CreateMeeting)

// ---- Join ----

void JoinChallengeRequest::write(ByteWriter& w) const {
  w.bytes(handle);
}
Result<JoinChallengeRequest> JoinChallengeRequest::read(ByteReader& r) {
  JoinChallengeRequest m;
  if (!read_fixed(r, m.handle)) return fail<JoinChallengeRequest>("JoinChallengeRequest", "handle");
  return m;
}
V100_MESSAGE_CODEC(JoinChallengeRequest)

void JoinChallenge::write(ByteWriter& w) const {
  w.bytes(nonce);
}
Result<JoinChallenge> JoinChallenge::read(ByteReader& r) {
  JoinChallenge m;
  if (!read_fixed(r, m.nonce)) return fail<JoinChallenge>("JoinChallenge", "nonce");
  return m;
}
V100_MESSAGE_CODEC(JoinChallenge)

void JoinProve::write(ByteWriter& w) const {
  w.bytes(handle);
  w.bytes(nonce);
  w.blob(proof);
  w.u8(reclaim ? 1 : 0);
  if (reclaim) {
    w.u16(reclaim_slot);
    w.bytes(reclaim_token);
  }
}
Result<JoinProve> JoinProve::read(ByteReader& r) {
  JoinProve m;
  constexpr const char* kN = "JoinProve";
  if (!read_fixed(r, m.handle)) return fail<JoinProve>(kN, "handle");
  if (!read_fixed(r, m.nonce)) return fail<JoinProve>(kN, "nonce");
  if (!read_blob(r, m.proof, 1, kMaxProofBytes)) return fail<JoinProve>(kN, "proof");
  if (!read_bool(r, m.reclaim)) return fail<JoinProve>(kN, "reclaim flag");
  if (m.reclaim) {
    if (!r.u16(m.reclaim_slot) || m.reclaim_slot >= kMaxMembers) return fail<JoinProve>(kN, "reclaim_slot");
    if (!read_fixed(r, m.reclaim_token)) return fail<JoinProve>(kN, "reclaim_token");
  }
  return m;
}
V100_MESSAGE_CODEC(JoinProve)

void JoinAccepted::write(ByteWriter& w) const {
  w.u16(slot);
  w.bytes(slot_token);
  w.u64(epoch);
  w.u64(join_seq);
  write_u16_count(w, members.size());
  for (const auto& mi : members) {
    w.u16(mi.slot);
    w.u64(mi.join_seq);
    w.u8(mi.online ? 1 : 0);
  }
}
Result<JoinAccepted> JoinAccepted::read(ByteReader& r) {
  JoinAccepted m;
  constexpr const char* kN = "JoinAccepted";
  if (!r.u16(m.slot) || m.slot >= kMaxMembers) return fail<JoinAccepted>(kN, "slot");
  if (!read_fixed(r, m.slot_token)) return fail<JoinAccepted>(kN, "slot_token");
  if (!r.u64(m.epoch) || !r.u64(m.join_seq)) return fail<JoinAccepted>(kN, "epoch");
  size_t n = 0;
  if (!read_count(r, n, kMaxMembers, 11)) return fail<JoinAccepted>(kN, "member count");
  m.members.resize(n);
  std::set<uint16_t> seen;
  for (auto& mi : m.members) {
    if (!r.u16(mi.slot) || mi.slot >= kMaxMembers || !seen.insert(mi.slot).second)
      return fail<JoinAccepted>(kN, "member slot");
    if (!r.u64(mi.join_seq) || !read_bool(r, mi.online)) return fail<JoinAccepted>(kN, "member");
  }
  return m;
}
V100_MESSAGE_CODEC(JoinAccepted)

// ---- meeting info and keys ----

void GetMeeting::write(ByteWriter&) const {}
Result<GetMeeting> GetMeeting::read(ByteReader&) {
  return GetMeeting{};
}
V100_MESSAGE_CODEC(GetMeeting)

void MeetingInfo::write(ByteWriter& w) const {
  w.u16(max_members);
  w.u8(static_cast<uint8_t>(scheme));
  w.u64(epoch);
  w.blob(info_blob);
  write_u16_count(w, keys.size());
  for (const auto& k : keys) {
    w.u16(k.kind);
    w.u32(k.size);
  }
}
Result<MeetingInfo> MeetingInfo::read(ByteReader& r) {
  MeetingInfo m;
  constexpr const char* kN = "MeetingInfo";
  if (!r.u16(m.max_members) || m.max_members == 0 || m.max_members > kMaxMembers)
    return fail<MeetingInfo>(kN, "max_members");
  uint8_t s = 0;
  if (!r.u8(s) || !valid_scheme(s)) return fail<MeetingInfo>(kN, "scheme");
  m.scheme = static_cast<JoinScheme>(s);
  if (!r.u64(m.epoch)) return fail<MeetingInfo>(kN, "epoch");
  if (!read_blob(r, m.info_blob, 0, kMaxInfoBlobBytes)) return fail<MeetingInfo>(kN, "info_blob");
  size_t n = 0;
  if (!read_count(r, n, 1024, 6)) return fail<MeetingInfo>(kN, "key count");
  m.keys.resize(n);
  for (auto& k : m.keys)
    if (!r.u16(k.kind) || !r.u32(k.size) || k.size == 0 || k.size > kMaxKeyBlobBytes)
      return fail<MeetingInfo>(kN, "key info");
  return m;
}
V100_MESSAGE_CODEC(MeetingInfo)

void GetKeyBlob::write(ByteWriter& w) const {
  w.u16(kind);
}
Result<GetKeyBlob> GetKeyBlob::read(ByteReader& r) {
  GetKeyBlob m;
  if (!r.u16(m.kind)) return fail<GetKeyBlob>("GetKeyBlob", "kind");
  return m;
}
V100_MESSAGE_CODEC(GetKeyBlob)

void PutKeyBlob::write(ByteWriter& w) const {
  w.u16(kind);
  w.blob(blob);
}
Result<PutKeyBlob> PutKeyBlob::read(ByteReader& r) {
  PutKeyBlob m;
  if (!r.u16(m.kind)) return fail<PutKeyBlob>("PutKeyBlob", "kind");
  if (!read_blob(r, m.blob, 1, kMaxKeyBlobBytes)) return fail<PutKeyBlob>("PutKeyBlob", "blob");
  return m;
}
V100_MESSAGE_CODEC(PutKeyBlob)

void KeyBlob::write(ByteWriter& w) const {
  w.u16(kind);
  w.blob(blob);
}
Result<KeyBlob> KeyBlob::read(ByteReader& r) {
  KeyBlob m;
  if (!r.u16(m.kind)) return fail<KeyBlob>("KeyBlob", "kind");
  if (!read_blob(r, m.blob, 1, kMaxKeyBlobBytes)) return fail<KeyBlob>("KeyBlob", "blob");
  return m;
}
V100_MESSAGE_CODEC(KeyBlob)

// ---- roster ----

void PutRoster::write(ByteWriter& w) const {
  w.u16(slot);
  w.blob(roster_ct);
  w.blob(name_blob);
}
Result<PutRoster> PutRoster::read(ByteReader& r) {
  PutRoster m;
  constexpr const char* kN = "PutRoster";
  if (!r.u16(m.slot) || m.slot >= kMaxMembers) return fail<PutRoster>(kN, "slot");
  if (!read_blob(r, m.roster_ct, 1, kMaxRosterCtBytes)) return fail<PutRoster>(kN, "roster_ct");
  if (!read_blob(r, m.name_blob, 1, kMaxNameBlobBytes)) return fail<PutRoster>(kN, "name_blob");
  return m;
}
V100_MESSAGE_CODEC(PutRoster)

void FetchRoster::write(ByteWriter& w) const {
  w.u16(first_slot);
  w.u16(max_entries);
}
Result<FetchRoster> FetchRoster::read(ByteReader& r) {
  FetchRoster m;
  if (!r.u16(m.first_slot) || m.first_slot >= kMaxMembers)
    return fail<FetchRoster>("FetchRoster", "first_slot");
  if (!r.u16(m.max_entries) || m.max_entries > kMaxRosterEntries)
    return fail<FetchRoster>("FetchRoster", "max_entries");
  return m;
}
V100_MESSAGE_CODEC(FetchRoster)

void Roster::write(ByteWriter& w) const {
  write_u16_count(w, entries.size());
  for (const auto& e : entries) {
    w.u16(e.slot);
    w.blob(e.roster_ct);
    w.blob(e.name_blob);
  }
  w.u8(more ? 1 : 0);
  w.u16(next_slot);
}
Result<Roster> Roster::read(ByteReader& r) {
  Roster m;
  constexpr const char* kN = "Roster";
  size_t n = 0;
  if (!read_count(r, n, kMaxRosterEntries, 10)) return fail<Roster>(kN, "entry count");
  m.entries.resize(n);
  int prev = -1;
  for (auto& e : m.entries) {
    // Strictly increasing slots: no duplicates, canonical order.
    if (!r.u16(e.slot) || e.slot >= kMaxMembers || static_cast<int>(e.slot) <= prev)
      return fail<Roster>(kN, "entry slot");
    prev = e.slot;
    if (!read_blob(r, e.roster_ct, 1, kMaxRosterCtBytes)) return fail<Roster>(kN, "roster_ct");
    if (!read_blob(r, e.name_blob, 1, kMaxNameBlobBytes)) return fail<Roster>(kN, "name_blob");
  }
  if (!read_bool(r, m.more)) return fail<Roster>(kN, "more");
  if (!r.u16(m.next_slot) || m.next_slot >= kMaxMembers || (!m.more && m.next_slot != 0))
    return fail<Roster>(kN, "next_slot");
  return m;
}
V100_MESSAGE_CODEC(Roster)

// ---- epochs ----

void PostEpoch::write(ByteWriter& w) const {
  w.u64(epoch);
  write_u16_count(w, entries.size());
  for (const auto& e : entries) {
    w.u16(e.slot);
    w.blob(e.blob);
  }
}
Result<PostEpoch> PostEpoch::read(ByteReader& r) {
  PostEpoch m;
  constexpr const char* kN = "PostEpoch";
  if (!r.u64(m.epoch) || m.epoch == 0) return fail<PostEpoch>(kN, "epoch");
  size_t n = 0;
  if (!read_count(r, n, kMaxMembers, 6) || n == 0) return fail<PostEpoch>(kN, "entry count");
  m.entries.resize(n);
  std::set<uint16_t> seen;
  for (auto& e : m.entries) {
    if (!r.u16(e.slot) || e.slot >= kMaxMembers || !seen.insert(e.slot).second)
      return fail<PostEpoch>(kN, "entry slot");
    if (!read_blob(r, e.blob, 1, kMaxEpochBlobBytes)) return fail<PostEpoch>(kN, "entry blob");
  }
  return m;
}
V100_MESSAGE_CODEC(PostEpoch)

void FetchEpochKey::write(ByteWriter&) const {}
Result<FetchEpochKey> FetchEpochKey::read(ByteReader&) {
  return FetchEpochKey{};
}
V100_MESSAGE_CODEC(FetchEpochKey)

void EpochKey::write(ByteWriter& w) const {
  w.u64(epoch);
  w.u16(from_slot);
  w.blob(blob);
}
Result<EpochKey> EpochKey::read(ByteReader& r) {
  EpochKey m;
  constexpr const char* kN = "EpochKey";
  if (!r.u64(m.epoch) || m.epoch == 0) return fail<EpochKey>(kN, "epoch");
  if (!r.u16(m.from_slot) || m.from_slot >= kMaxMembers) return fail<EpochKey>(kN, "from_slot");
  if (!read_blob(r, m.blob, 1, kMaxEpochBlobBytes)) return fail<EpochKey>(kN, "blob");
  return m;
}
V100_MESSAGE_CODEC(EpochKey)

// ---- leave / end ----

void Leave::write(ByteWriter&) const {}
Result<Leave> Leave::read(ByteReader&) {
  return Leave{};
}
V100_MESSAGE_CODEC(Leave)

void EndMeeting::write(ByteWriter&) const {}
Result<EndMeeting> EndMeeting::read(ByteReader&) {
  return EndMeeting{};
}
V100_MESSAGE_CODEC(EndMeeting)

// ---- services ----

void ServiceRequest::write(ByteWriter& w) const {
  w.u16(service);
  w.u16(op);
  write_blob_list(w, blobs);
}
Result<ServiceRequest> ServiceRequest::read(ByteReader& r) {
  ServiceRequest m;
  if (!r.u16(m.service) || !r.u16(m.op)) return fail<ServiceRequest>("ServiceRequest", "service");
  if (!read_blob_list(r, m.blobs, kMaxServiceBlobs, 0, kMaxServiceBlobBytes))
    return fail<ServiceRequest>("ServiceRequest", "blobs");
  return m;
}
V100_MESSAGE_CODEC(ServiceRequest)

void ServiceResponse::write(ByteWriter& w) const {
  w.u16(service);
  w.u16(op);
  w.u16(status);
  write_blob_list(w, blobs);
}
Result<ServiceResponse> ServiceResponse::read(ByteReader& r) {
  ServiceResponse m;
  if (!r.u16(m.service) || !r.u16(m.op) || !r.u16(m.status))
    return fail<ServiceResponse>("ServiceResponse", "service");
  if (!read_blob_list(r, m.blobs, kMaxServiceBlobs, 0, kMaxServiceBlobBytes))
    return fail<ServiceResponse>("ServiceResponse", "blobs");
  return m;
}
V100_MESSAGE_CODEC(ServiceResponse)

// ---- small messages ----

void Ping::write(ByteWriter& w) const {
  w.u64(token);
}
Result<Ping> Ping::read(ByteReader& r) {
  Ping m;
  if (!r.u64(m.token)) return fail<Ping>("Ping", "token");
  return m;
}
V100_MESSAGE_CODEC(Ping)

void Pong::write(ByteWriter& w) const {
  w.u64(token);
}
Result<Pong> Pong::read(ByteReader& r) {
  Pong m;
  if (!r.u64(m.token)) return fail<Pong>("Pong", "token");
  return m;
}
V100_MESSAGE_CODEC(Pong)

void Ack::write(ByteWriter&) const {}
Result<Ack> Ack::read(ByteReader&) {
  return Ack{};
}
V100_MESSAGE_CODEC(Ack)

void Error::write(ByteWriter& w) const {
  w.u16(static_cast<uint16_t>(code));
  w.blob(as_bytes(text));
}
Result<Error> Error::read(ByteReader& r) {
  Error m;
  uint16_t c = 0;
  if (!r.u16(c) || !valid_error_code(c)) return fail<Error>("Error", "code");
  m.code = static_cast<ErrorCode>(c);
  ByteSpan t;
  if (!r.blob(t, kMaxErrorText)) return fail<Error>("Error", "text");
  // Printable ASCII only: an error text is never a channel for arbitrary bytes.
  for (uint8_t ch : t)
    if (ch < 0x20 || ch > 0x7e) return fail<Error>("Error", "text");
  m.text.assign(t.begin(), t.end());
  return m;
}
V100_MESSAGE_CODEC(Error)

void MemberEvent::write(ByteWriter& w) const {
  w.u8(static_cast<uint8_t>(kind));
  w.u16(slot);
  w.u64(join_seq);
}
Result<MemberEvent> MemberEvent::read(ByteReader& r) {
  MemberEvent m;
  uint8_t k = 0;
  if (!r.u8(k) || k == 0 || k > 6) return fail<MemberEvent>("MemberEvent", "kind");
  m.kind = static_cast<MemberEventKind>(k);
  if (!r.u16(m.slot) || m.slot >= kMaxMembers) return fail<MemberEvent>("MemberEvent", "slot");
  if (!r.u64(m.join_seq)) return fail<MemberEvent>("MemberEvent", "join_seq");
  return m;
}
V100_MESSAGE_CODEC(MemberEvent)

// ---- RemoveMember ----

void RemoveMember::write(ByteWriter& w) const {
  w.u16(slot);
  w.bytes(nonce);
  w.blob(new_join_verifier);
  w.blob(proof);
}
Result<RemoveMember> RemoveMember::read(ByteReader& r) {
  RemoveMember m;
  constexpr const char* kN = "RemoveMember";
  if (!r.u16(m.slot) || m.slot >= kMaxMembers) return fail<RemoveMember>(kN, "slot");
  if (!read_fixed(r, m.nonce)) return fail<RemoveMember>(kN, "nonce");
  if (!read_blob(r, m.new_join_verifier, 1, kMaxVerifierBytes))
    return fail<RemoveMember>(kN, "new_join_verifier");
  if (!read_blob(r, m.proof, 1, kMaxProofBytes)) return fail<RemoveMember>(kN, "proof");
  return m;
}
V100_MESSAGE_CODEC(RemoveMember)

void RedeemToken::write(ByteWriter& w) const {
  w.blob(token);
}
Result<RedeemToken> RedeemToken::read(ByteReader& r) {
  RedeemToken m;
  if (!read_blob(r, m.token, 1, kMaxAdmissionTokenBytes)) return fail<RedeemToken>("RedeemToken", "token");
  return m;
}
V100_MESSAGE_CODEC(RedeemToken)

// ---- any message ----

namespace {
template <typename M>
Result<Envelope> decode_as(ByteSpan msg, uint32_t rid) {
  auto m = decode_full<M>(msg);
  if (!m) return m.status();
  return Envelope{rid, Message(std::move(*m))};
}
}  // namespace

Result<Envelope> decode(ByteSpan msg) {
  auto h = decode_header(msg);
  if (!h) return h.status();
  const uint32_t rid = h->request_id;
  switch (h->type) {
#define V100_MSG_DECODE(Name, code, flow) \
  case code:                              \
    return decode_as<Name>(msg, rid);
    V100_PROTOCOL_MESSAGES(V100_MSG_DECODE)
#undef V100_MSG_DECODE
  }
  return Result<Envelope>::error("message: unknown type");
}

Bytes encode(const Message& msg, uint32_t request_id) {
  return std::visit([&](const auto& m) { return m.encode(request_id); }, msg);
}

}  // namespace v100::meeting::protocol
