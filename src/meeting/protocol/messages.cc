#include "meeting/protocol/messages.h"

#include <algorithm>
#include <set>

namespace v100::meeting::protocol {
namespace {

// Each read_* helper fails closed: the caller turns `false` into a typed error naming the field.
template <size_t N>
bool read_fixed(ByteReader& r, std::array<uint8_t, N>& out) {
  ByteSpan s;
  if (!r.bytes(N, s)) return false;
  std::copy(s.begin(), s.end(), out.begin());
  return true;
}

bool read_blob(ByteReader& r, Bytes& out, size_t min_len, size_t max_len) {
  ByteSpan s;
  if (!r.blob(s, max_len) || s.size() < min_len) return false;
  out.assign(s.begin(), s.end());
  return true;
}

bool read_bool(ByteReader& r, bool& out) {
  uint8_t b = 0;
  if (!r.u8(b) || b > 1) return false;
  out = b != 0;
  return true;
}

void write_u16_count(ByteWriter& w, size_t n) { w.u16(static_cast<uint16_t>(n)); }

// A list count is checked against its bound *and* against the bytes left (every element takes at
// least `min_elem_bytes`), so a hostile count never triggers a large reserve().
bool read_count(ByteReader& r, size_t& out, size_t max_count, size_t min_elem_bytes) {
  uint16_t n = 0;
  if (!r.u16(n) || n > max_count) return false;
  if (min_elem_bytes > 0 && static_cast<size_t>(n) > r.remaining() / min_elem_bytes) return false;
  out = n;
  return true;
}

template <typename T>
Result<T> fail(const char* msg_name, const char* field) {
  return Result<T>::error(std::string(msg_name) + ": bad " + field);
}

void write_header(ByteWriter& w, MsgType t, uint32_t request_id) {
  w.u8(kWireVersion);
  w.u8(static_cast<uint8_t>(t));
  w.u32(request_id);
}

template <typename M>
Bytes encode_full(const M& m, uint32_t request_id) {
  ByteWriter w;
  write_header(w, M::kType, request_id);
  m.write(w);
  return w.take();
}

template <typename M>
Result<M> decode_full(ByteSpan msg) {
  auto h = decode_header(msg);
  if (!h) return h.status();
  if (h->type != static_cast<uint8_t>(M::kType))
    return Result<M>::error(std::string("expected ") + msg_type_name(static_cast<uint8_t>(M::kType)) +
                            ", got " + msg_type_name(h->type));
  ByteReader r(msg.subspan(kHeaderBytes));
  auto m = M::read(r);
  if (!m) return m;
  if (!r.at_end())
    return Result<M>::error(std::string(msg_type_name(h->type)) + ": trailing bytes");
  return m;
}

bool is_known_type(uint8_t t) { return message_flow(t).has_value(); }

bool valid_scheme(uint8_t s) { return s == 1 || s == 2; }

bool valid_error_code(uint16_t c) {
  return (c >= 1 && c <= static_cast<uint16_t>(ErrorCode::kBusy)) || c == static_cast<uint16_t>(ErrorCode::kNotDistributor) ||
         c == static_cast<uint16_t>(ErrorCode::kNotHost) || c == static_cast<uint16_t>(ErrorCode::kAdmissionRequired);
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

// Generates encode()/decode() members for every message from its write()/read().
#define V100_MESSAGE_CODEC(Name)                                                       \
  Bytes Name::encode(uint32_t request_id) const { return encode_full(*this, request_id); } \
  Result<Name> Name::decode(ByteSpan msg) { return decode_full<Name>(msg); }

// ---- Hello / ServerHello ----

void Hello::write(ByteWriter& w) const {
  w.u16(min_version);
  w.u16(max_version);
}
Result<Hello> Hello::read(ByteReader& r) {
  Hello m;
  if (!r.u16(m.min_version) || !r.u16(m.max_version) || m.min_version == 0 ||
      m.min_version > m.max_version)
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

void JoinChallengeRequest::write(ByteWriter& w) const { w.bytes(handle); }
Result<JoinChallengeRequest> JoinChallengeRequest::read(ByteReader& r) {
  JoinChallengeRequest m;
  if (!read_fixed(r, m.handle)) return fail<JoinChallengeRequest>("JoinChallengeRequest", "handle");
  return m;
}
V100_MESSAGE_CODEC(JoinChallengeRequest)

void JoinChallenge::write(ByteWriter& w) const { w.bytes(nonce); }
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
Result<GetMeeting> GetMeeting::read(ByteReader&) { return GetMeeting{}; }
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

void GetKeyBlob::write(ByteWriter& w) const { w.u16(kind); }
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
  if (!r.u16(m.first_slot) || m.first_slot >= kMaxMembers) return fail<FetchRoster>("FetchRoster", "first_slot");
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
Result<FetchEpochKey> FetchEpochKey::read(ByteReader&) { return FetchEpochKey{}; }
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

// ---- media ----

void Subscribe::write(ByteWriter& w) const {
  w.u8(static_cast<uint8_t>(mode));
  if (mode == SubscribeMode::kList) {
    write_u16_count(w, slots.size());
    for (uint16_t s : slots) w.u16(s);
  }
}
Result<Subscribe> Subscribe::read(ByteReader& r) {
  Subscribe m;
  constexpr const char* kN = "Subscribe";
  uint8_t mode = 0;
  if (!r.u8(mode) || mode > 2) return fail<Subscribe>(kN, "mode");
  m.mode = static_cast<SubscribeMode>(mode);
  if (m.mode == SubscribeMode::kList) {
    size_t n = 0;
    if (!read_count(r, n, kMaxMembers, 2)) return fail<Subscribe>(kN, "slot count");
    m.slots.resize(n);
    std::set<uint16_t> seen;
    for (auto& s : m.slots)
      if (!r.u16(s) || s >= kMaxMembers || !seen.insert(s).second) return fail<Subscribe>(kN, "slot");
  }
  return m;
}
V100_MESSAGE_CODEC(Subscribe)

namespace {
bool read_frame_body(ByteReader& r, uint16_t& slot, MediaEnvelope& env, ByteSpan& payload) {
  uint8_t b = 0;
  if (!r.u16(slot) || slot >= kMaxMembers) return false;
  if (!r.u8(b)) return false;
  auto e = MediaEnvelope::parse(b);
  if (!e) return false;
  env = *e;
  if (!r.blob(payload, kMaxMediaPayload) || payload.empty()) return false;
  return true;
}
}  // namespace

void MediaFrame::write(ByteWriter& w) const {
  w.u16(slot);
  w.u8(envelope().byte());
  w.blob(payload);
}
Result<MediaFrame> MediaFrame::read(ByteReader& r) {
  MediaFrame m;
  ByteSpan p;
  MediaEnvelope env;
  if (!read_frame_body(r, m.slot, env, p)) return fail<MediaFrame>("MediaFrame", "frame");
  m.kind = env.kind;
  m.keyframe = env.keyframe;
  m.layer = env.layer;
  m.payload.assign(p.begin(), p.end());
  return m;
}
V100_MESSAGE_CODEC(MediaFrame)

Result<MediaFrameView> decode_media_frame_view(ByteSpan msg) {
  auto h = decode_header(msg);
  if (!h) return h.status();
  if (h->type != static_cast<uint8_t>(MsgType::kMediaFrame))
    return Result<MediaFrameView>::error("expected MediaFrame");
  ByteReader r(msg.subspan(kHeaderBytes));
  MediaFrameView v;
  if (!read_frame_body(r, v.slot, v.env, v.payload) || !r.at_end())
    return Result<MediaFrameView>::error("MediaFrame: bad frame");
  return v;
}

Result<std::vector<MediaFrameView>> decode_media_bundle_view(ByteSpan msg) {
  using R = Result<std::vector<MediaFrameView>>;
  auto h = decode_header(msg);
  if (!h) return h.status();
  if (h->type != static_cast<uint8_t>(MsgType::kMediaBundle)) return R::error("expected MediaBundle");
  ByteReader r(msg.subspan(kHeaderBytes));
  size_t n = 0;
  if (!read_count(r, n, kMaxBundleFrames, 8) || n == 0) return R::error("MediaBundle: bad count");
  std::vector<MediaFrameView> out(n);
  for (auto& v : out)
    if (!read_frame_body(r, v.slot, v.env, v.payload)) return R::error("MediaBundle: bad frame");
  if (!r.at_end()) return R::error("MediaBundle: trailing bytes");
  return out;
}

Bytes encode_media_frame(uint16_t slot, MediaEnvelope env, ByteSpan payload, uint32_t request_id) {
  ByteWriter w;
  w.buffer().reserve(kHeaderBytes + 7 + payload.size());
  write_header(w, MsgType::kMediaFrame, request_id);
  w.u16(slot);
  w.u8(env.byte());
  w.blob(payload);
  return w.take();
}

void MediaBundle::write(ByteWriter& w) const {
  write_u16_count(w, frames.size());
  for (const auto& f : frames) f.write(w);
}
Result<MediaBundle> MediaBundle::read(ByteReader& r) {
  MediaBundle m;
  size_t n = 0;
  if (!read_count(r, n, kMaxBundleFrames, 8) || n == 0) return fail<MediaBundle>("MediaBundle", "count");
  m.frames.resize(n);
  for (auto& f : m.frames) {
    auto fr = MediaFrame::read(r);
    if (!fr) return fr.status();
    f = std::move(*fr);
  }
  return m;
}
V100_MESSAGE_CODEC(MediaBundle)

void begin_media_bundle(Bytes& bundle) {
  bundle.clear();
  ByteWriter w;
  write_header(w, MsgType::kMediaBundle, 0);
  w.u16(0);  // patched by finish_media_bundle
  bundle = w.take();
}

void append_to_media_bundle(Bytes& bundle, const MediaFrameView& f) {
  const size_t n = f.payload.size();
  bundle.push_back(static_cast<uint8_t>(f.slot));
  bundle.push_back(static_cast<uint8_t>(f.slot >> 8));
  bundle.push_back(f.env.byte());
  for (int i = 0; i < 4; ++i) bundle.push_back(static_cast<uint8_t>(n >> (8 * i)));
  bundle.insert(bundle.end(), f.payload.begin(), f.payload.end());
}

void finish_media_bundle(Bytes& bundle, uint16_t num_frames) {
  bundle[kHeaderBytes] = static_cast<uint8_t>(num_frames);
  bundle[kHeaderBytes + 1] = static_cast<uint8_t>(num_frames >> 8);
}

// ---- leave / end ----

void Leave::write(ByteWriter&) const {}
Result<Leave> Leave::read(ByteReader&) { return Leave{}; }
V100_MESSAGE_CODEC(Leave)

void EndMeeting::write(ByteWriter&) const {}
Result<EndMeeting> EndMeeting::read(ByteReader&) { return EndMeeting{}; }
V100_MESSAGE_CODEC(EndMeeting)

// ---- mailbox ----

void MailboxChallengeRequest::write(ByteWriter& w) const { w.bytes(mailbox); }
Result<MailboxChallengeRequest> MailboxChallengeRequest::read(ByteReader& r) {
  MailboxChallengeRequest m;
  if (!read_fixed(r, m.mailbox)) return fail<MailboxChallengeRequest>("MailboxChallengeRequest", "mailbox");
  return m;
}
V100_MESSAGE_CODEC(MailboxChallengeRequest)

void MailboxChallenge::write(ByteWriter& w) const {
  w.bytes(nonce);
  w.u8(put_bits);
}
Result<MailboxChallenge> MailboxChallenge::read(ByteReader& r) {
  MailboxChallenge m;
  if (!read_fixed(r, m.nonce)) return fail<MailboxChallenge>("MailboxChallenge", "nonce");
  if (!r.u8(m.put_bits) || m.put_bits > kMaxMailboxPutBits) return fail<MailboxChallenge>("MailboxChallenge", "put_bits");
  return m;
}
V100_MESSAGE_CODEC(MailboxChallenge)

void MailboxPut::write(ByteWriter& w) const {
  w.bytes(mailbox);
  w.bytes(nonce);
  w.u64(work);
  w.blob(blob);
}
Result<MailboxPut> MailboxPut::read(ByteReader& r) {
  MailboxPut m;
  constexpr const char* kN = "MailboxPut";
  if (!read_fixed(r, m.mailbox)) return fail<MailboxPut>(kN, "mailbox");
  if (!read_fixed(r, m.nonce)) return fail<MailboxPut>(kN, "nonce");
  if (!r.u64(m.work)) return fail<MailboxPut>(kN, "work");
  if (!read_blob(r, m.blob, 1, kMaxMailboxBlobBytes)) return fail<MailboxPut>(kN, "blob");
  return m;
}
V100_MESSAGE_CODEC(MailboxPut)

namespace {
// A list of distinct item ids; the count is bounded before anything is allocated.
bool read_item_ids(ByteReader& r, std::vector<MailboxItemId>& out) {
  size_t n = 0;
  if (!read_count(r, n, kMaxMailboxItems, kMailboxItemIdBytes)) return false;
  out.resize(n);
  std::set<MailboxItemId> seen;
  for (auto& id : out)
    if (!read_fixed(r, id) || !seen.insert(id).second) return false;
  return true;
}
}  // namespace

void MailboxFetch::write(ByteWriter& w) const {
  w.bytes(mailbox);
  w.bytes(nonce);
  w.blob(owner_key);
  write_u16_count(w, delete_ids.size());
  for (const auto& id : delete_ids) w.bytes(id);
  w.blob(signature);
}
Result<MailboxFetch> MailboxFetch::read(ByteReader& r) {
  MailboxFetch m;
  constexpr const char* kN = "MailboxFetch";
  if (!read_fixed(r, m.mailbox)) return fail<MailboxFetch>(kN, "mailbox");
  if (!read_fixed(r, m.nonce)) return fail<MailboxFetch>(kN, "nonce");
  if (!read_blob(r, m.owner_key, kMailboxOwnerKeyBytes, kMailboxOwnerKeyBytes)) return fail<MailboxFetch>(kN, "owner_key");
  if (!read_item_ids(r, m.delete_ids)) return fail<MailboxFetch>(kN, "delete_ids");
  if (!read_blob(r, m.signature, kMailboxOwnerSigBytes, kMailboxOwnerSigBytes))
    return fail<MailboxFetch>(kN, "signature");
  return m;
}
V100_MESSAGE_CODEC(MailboxFetch)

void MailboxItems::write(ByteWriter& w) const {
  write_u16_count(w, items.size());
  for (const auto& it : items) {
    w.bytes(it.id);
    w.blob(it.blob);
  }
  w.u8(more ? 1 : 0);
}
Result<MailboxItems> MailboxItems::read(ByteReader& r) {
  MailboxItems m;
  constexpr const char* kN = "MailboxItems";
  size_t n = 0;
  if (!read_count(r, n, kMaxMailboxItems, kMailboxItemIdBytes + 5)) return fail<MailboxItems>(kN, "item count");
  m.items.resize(n);
  std::set<MailboxItemId> seen;
  for (auto& it : m.items) {
    if (!read_fixed(r, it.id) || !seen.insert(it.id).second) return fail<MailboxItems>(kN, "item id");
    if (!read_blob(r, it.blob, 1, kMaxMailboxBlobBytes)) return fail<MailboxItems>(kN, "item blob");
  }
  if (!read_bool(r, m.more)) return fail<MailboxItems>(kN, "more");
  return m;
}
V100_MESSAGE_CODEC(MailboxItems)

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

void Ping::write(ByteWriter& w) const { w.u64(token); }
Result<Ping> Ping::read(ByteReader& r) {
  Ping m;
  if (!r.u64(m.token)) return fail<Ping>("Ping", "token");
  return m;
}
V100_MESSAGE_CODEC(Ping)

void Pong::write(ByteWriter& w) const { w.u64(token); }
Result<Pong> Pong::read(ByteReader& r) {
  Pong m;
  if (!r.u64(m.token)) return fail<Pong>("Pong", "token");
  return m;
}
V100_MESSAGE_CODEC(Pong)

void Ack::write(ByteWriter&) const {}
Result<Ack> Ack::read(ByteReader&) { return Ack{}; }
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
  if (!read_blob(r, m.new_join_verifier, 1, kMaxVerifierBytes)) return fail<RemoveMember>(kN, "new_join_verifier");
  if (!read_blob(r, m.proof, 1, kMaxProofBytes)) return fail<RemoveMember>(kN, "proof");
  return m;
}
V100_MESSAGE_CODEC(RemoveMember)

void RedeemToken::write(ByteWriter& w) const { w.blob(token); }
Result<RedeemToken> RedeemToken::read(ByteReader& r) {
  RedeemToken m;
  if (!read_blob(r, m.token, 1, kMaxAdmissionTokenBytes)) return fail<RedeemToken>("RedeemToken", "token");
  return m;
}
V100_MESSAGE_CODEC(RedeemToken)

#undef V100_MESSAGE_CODEC

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
