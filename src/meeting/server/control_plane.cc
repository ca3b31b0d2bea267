#include "meeting/server/control_plane.h"

#include <algorithm>
#include <string>

#include "core/rng.h"
#include "core/secure.h"
#include "hash/sha3.h"
#include "meeting/protocol/join_proof.h"
#include "meeting/protocol/mailbox_proof.h"
#include "meeting/server/log.h"
#include "meeting/server/relay.h"

namespace v100::meeting::server {

using namespace protocol;  // NOLINT: the control plane speaks the protocol everywhere in this file

ControlPlane::ControlPlane(const ServerOptions& opts, store::Store& store, MemoryBudget& budget,
                           std::map<uint16_t, ServiceHandler> services, ServiceRunner run_service)
    : opts_(opts),
      store_(&store),
      budget_(budget),
      services_(std::move(services)),
      run_service_(std::move(run_service)) {}

Status ControlPlane::init() {
  if (opts_.admission_issuer_pub.empty()) return Status::ok();
  auto pk = admission::IssuerPublicKey::from_pem_or_der(opts_.admission_issuer_pub);
  if (!pk) return Status::error("server: admission issuer key: " + pk.message());
  if (opts_.admission_issuer_name.empty()) return Status::error("server: admission issuer name required");
  admission_key_ = std::move(pk).value();
  admission_challenge_ = admission::admission_challenge(
      opts_.admission_issuer_name,
      opts_.admission_origin.empty() ? opts_.admission_issuer_name : opts_.admission_origin);
  return Status::ok();
}

ControlPlane::~ControlPlane() {
  clear();
}

void ControlPlane::clear() {
  // A member's connection and its meeting point at each other (membership, slot): break that.
  for (auto& [h, m] : meetings_) {
    for (auto& [slot, ms] : m->members)
      if (ms.session && ms.session->membership().first == m) ms.session->set_membership(nullptr, -1);
    m->members.clear();
    m->set_routes(std::make_shared<Routes>());
  }
  meetings_.clear();
  meetings_resident_.store(0);
}

void ControlPlane::housekeeping(std::chrono::steady_clock::time_point now) {
  expire_slots(now);
  evict_unused_meetings(now);
}

// A loaded meeting with no connected member is dropped from memory once it has been unused for
// meeting_evict_after (its state is in the store; find_meeting reloads it).
void ControlPlane::evict_unused_meetings(std::chrono::steady_clock::time_point now) {
  for (auto it = meetings_.begin(); it != meetings_.end();) {
    MeetingRuntime& m = *it->second;
    const bool online = std::any_of(m.members.begin(), m.members.end(),
                                    [](const auto& e) { return e.second.session != nullptr; });
    if (online) {
      m.unused_since = {};
    } else if (m.unused_since == std::chrono::steady_clock::time_point{}) {
      m.unused_since = now;
    } else if (now - m.unused_since >= opts_.meeting_evict_after) {
      it = meetings_.erase(it);
      continue;
    }
    ++it;
  }
  meetings_resident_.store(meetings_.size());
}

// Control thread: a connection went away without Leave; its slot stays (offline) for reclaim.
void ControlPlane::on_closed(const SessionContextPtr& s) {
  auto [meeting, slot] = s->membership();
  s->set_membership(nullptr, -1);
  if (!meeting) return;
  auto it = meeting->members.find(static_cast<uint16_t>(slot));
  if (it == meeting->members.end() || it->second.session != s) return;
  it->second.session.reset();
  it->second.since = std::chrono::steady_clock::now();
  rebuild_routes(*meeting);
  push_to_members(*meeting, MemberEvent{MemberEventKind::kOffline, it->first, it->second.join_seq}.encode(),
                  slot);
}

// Control thread: frees a slot that expired (offline too long, or no identity in time) as Leave
// would, and tells the others if they knew of it.
Status ControlPlane::free_slot(MeetingRuntime& m, uint16_t slot, MemberEventKind event) {
  auto it = m.members.find(slot);
  if (it == m.members.end()) return Status::ok();
  if (Status st = store_->delete_slot(m.handle, slot); !st) return st;
  const MemberSlot gone = it->second;
  m.members.erase(it);
  if (gone.session) {
    gone.session->set_membership(nullptr, -1);
    gone.session->close("slot expired", true);
  }
  rebuild_routes(m);
  if (gone.identity) push_to_members(m, MemberEvent{event, slot, gone.join_seq}.encode(), -1);
  return Status::ok();
}

void ControlPlane::expire_slots(std::chrono::steady_clock::time_point now) {
  for (auto& [h, m] : meetings_) {
    std::vector<uint16_t> expired;
    for (const auto& [slot, ms] : m->members) {
      const bool offline_too_long = !ms.session && now - ms.since >= opts_.offline_slot_ttl;
      const bool no_identity = ms.session && !ms.identity && now - ms.since >= opts_.identity_timeout;
      if (offline_too_long || no_identity) expired.push_back(slot);
    }
    for (uint16_t slot : expired)
      if (!free_slot(*m, slot, MemberEventKind::kLeft))
        log(LogLevel::kWarn, "could not free an expired slot");
  }
}

MeetingPtr ControlPlane::find_meeting(const Handle& h) {
  auto it = meetings_.find(h);
  if (it != meetings_.end()) return it->second;
  // A damaged stored meeting is refused (the store names the rule, never the handle): its
  // requests get kUnknownMeeting and the server keeps serving the others.
  auto rec = store_->get_meeting(h);
  if (!rec) log(LogLevel::kWarn, "meeting refused: %s", rec.message().c_str());
  if (!rec || !rec->has_value()) return nullptr;
  auto slots = store_->list_slots(h);
  if (!slots) log(LogLevel::kWarn, "meeting refused: %s", slots.message().c_str());
  if (!slots) return nullptr;
  auto m = std::make_shared<MeetingRuntime>();
  const auto& r = **rec;
  m->handle = h;
  m->max_members = r.max_members;
  m->scheme = static_cast<JoinScheme>(r.scheme);
  m->verifier = r.join_verifier;
  m->epoch = r.epoch;
  m->next_join_seq = r.next_join_seq;
  auto kinds = store_->list_key_blobs(h);
  if (!kinds) return nullptr;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& sr : *slots)
    if (sr.slot < m->max_members)
      m->members[sr.slot] = MemberSlot{sr.join_seq, sr.token_hash, nullptr, false, now};
  for (const auto& k : *kinds) {
    const int owner = identity_kind_slot(k.kind);
    if (auto slot_it = m->members.find(static_cast<uint16_t>(owner));
        owner >= 0 && slot_it != m->members.end())
      slot_it->second.identity = true;
    if (k.kind == kKeyHostVerifier) {
      auto hv = store_->get_key_blob(h, kKeyHostVerifier);
      if (hv && hv->has_value()) m->host_verifier = std::move(**hv);
    }
  }
  auto routes = std::make_shared<Routes>();
  routes->by_sender.resize(m->max_members);
  m->set_routes(std::move(routes));
  // Charged on the memory budget (an estimate: the runtime, its slots and its routing table).
  m->charge = BudgetCharge(budget_, sizeof(MeetingRuntime) + m->verifier.size() + slots->size() * 128 +
                                        m->max_members * sizeof(std::vector<SessionContextPtr>));
  if (!m->charge.ok()) return nullptr;
  meetings_[h] = m;
  meetings_loaded_.fetch_add(1);
  meetings_resident_.store(meetings_.size());
  return m;
}

void ControlPlane::rebuild_routes(MeetingRuntime& m) {
  m.set_routes(build_routes(m));
}

void ControlPlane::push_to_members(MeetingRuntime& m, const Bytes& msg, int except_slot) {
  for (const auto& [slot, ms] : m.members)
    if (ms.session && static_cast<int>(slot) != except_slot) ms.session->send_control(msg);
}

namespace {
void reply(const SessionContextPtr& s, uint32_t rid, const auto& msg) {
  s->send_control(msg.encode(rid));
}
void fail(const SessionContextPtr& s, uint32_t rid, ErrorCode code, const char* text) {
  s->send_control(Error{code, text}.encode(rid));
}
}  // namespace

void ControlPlane::handle(const SessionContextPtr& s, Envelope env) {
  // Dispatch by the message table (messages.h): every request row has a handle() overload here.
  std::visit(
      [&](auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (kFlowOf<T> == Flow::kRequest || kFlowOf<T> == Flow::kStoringRequest) {
          handle(s, env.request_id, m);
        } else {
          fail(s, env.request_id, ErrorCode::kBadMessage, "unexpected message type");
        }
      },
      env.msg);
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const CreateMeeting& m) {
  if (!join_scheme_supported(m.scheme))
    return fail(s, rid, ErrorCode::kUnsupportedScheme, "join scheme not supported");
  if (m.join_verifier.size() != join_verifier_size(m.scheme))
    return fail(s, rid, ErrorCode::kBadMessage, "join verifier has the wrong size");
  for (const auto& k : m.keys) {
    if (k.kind == kKeyHostVerifier && k.blob.size() != join_verifier_size(JoinScheme::kEd25519))
      return fail(s, rid, ErrorCode::kBadMessage, "host verifier must be an Ed25519 public key");
    if (k.kind >= kFirstReservedKeyKind && k.kind != kKeyHostVerifier)
      return fail(s, rid, ErrorCode::kBadMessage, "reserved key kind");
  }
  if (find_meeting(m.handle)) return fail(s, rid, ErrorCode::kMeetingExists, "handle in use");
  store::MeetingRecord rec;
  rec.handle = m.handle;
  rec.max_members = m.max_members;
  rec.scheme = static_cast<uint8_t>(m.scheme);
  rec.join_verifier = m.join_verifier;
  rec.info_blob = m.info_blob;
  Status st = store_->create_meeting(rec, m.keys);
  if (!st) return fail(s, rid, ErrorCode::kInternal, "store error");
  log(LogLevel::kInfo, "meeting created");
  reply(s, rid, Ack{});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const JoinChallengeRequest& m) {
  if (!find_meeting(m.handle)) return fail(s, rid, ErrorCode::kUnknownMeeting, "unknown meeting");
  Nonce n;
  random_bytes(n);
  s->challenge_ = std::make_pair(m.handle, n);
  reply(s, rid, JoinChallenge{n});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const JoinProve& m) {
  // The challenge is consumed by this attempt whatever happens: one nonce, one try.
  auto ch = std::move(s->challenge_);
  s->challenge_.reset();
  if (!ch || !ct_equal(ch->first, m.handle) || !ct_equal(ch->second, m.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching challenge");
  if (s->membership().first) return fail(s, rid, ErrorCode::kAlreadyJoined, "already a member");
  MeetingPtr meeting = find_meeting(m.handle);
  if (!meeting) return fail(s, rid, ErrorCode::kUnknownMeeting, "unknown meeting");
  // A new slot needs the join key; a reclaim is proven by the slot's own random token alone (the
  // join key may have changed since: RemoveMember replaces it), so its proof is not checked.
  if (!m.reclaim && !verify_join_proof(meeting->scheme, meeting->verifier, m.handle, m.nonce, m.proof))
    return fail(s, rid, ErrorCode::kBadProof, "membership proof did not verify");
  const auto now = std::chrono::steady_clock::now();

  uint16_t slot = 0;
  SlotToken token{};
  MemberEventKind event = MemberEventKind::kJoined;
  if (m.reclaim) {
    auto it = meeting->members.find(m.reclaim_slot);
    const auto h = hash::sha3_256(m.reclaim_token);
    if (it == meeting->members.end() || !ct_equal(h, it->second.token_hash))
      return fail(s, rid, ErrorCode::kBadSlot, "cannot reclaim that slot");
    slot = m.reclaim_slot;
    token = m.reclaim_token;
    if (it->second.session && it->second.session != s) {
      // The member reconnected before its old connection timed out: the new one takes over.
      it->second.session->set_membership(nullptr, -1);
      it->second.session->close("replaced by reconnect", false);
    }
    it->second.session = s;
    it->second.since = now;
    event = MemberEventKind::kOnline;
  } else {
    bool found = false;
    for (uint16_t i = 0; i < meeting->max_members; ++i) {
      if (!meeting->members.count(i)) {
        slot = i;
        found = true;
        break;
      }
    }
    if (!found) return fail(s, rid, ErrorCode::kMeetingFull, "meeting full");
    random_bytes(token);
    store::SlotRecord rec{slot, hash::sha3_256(token), meeting->next_join_seq};
    if (!store_->add_slot(meeting->handle, rec, meeting->next_join_seq + 1))
      return fail(s, rid, ErrorCode::kInternal, "store error");
    meeting->members[slot] = MemberSlot{rec.join_seq, rec.token_hash, s, false, now};
    meeting->next_join_seq++;
  }
  s->set_membership(meeting, slot);
  s->sub_mode_ = SubscribeMode::kNone;
  s->sub_slots_.clear();
  rebuild_routes(*meeting);

  JoinAccepted acc;
  acc.slot = slot;
  acc.slot_token = token;
  acc.epoch = meeting->epoch;
  acc.join_seq = meeting->members[slot].join_seq;
  // Members are told of a new slot once its identity blob is stored (PutKeyBlob), not before.
  for (const auto& [sl, ms] : meeting->members)
    if (ms.identity || sl == slot) acc.members.push_back({sl, ms.join_seq, ms.session != nullptr});
  reply(s, rid, acc);
  if (event == MemberEventKind::kOnline && meeting->members[slot].identity)
    push_to_members(*meeting, MemberEvent{event, slot, acc.join_seq}.encode(), slot);
}

namespace {
// The joined meeting of a session, or an error reply.
MeetingPtr require_member(const SessionContextPtr& s, uint32_t rid, int* slot) {
  auto [m, sl] = s->membership();
  if (!m) fail(s, rid, ErrorCode::kNotMember, "join first");
  *slot = sl;
  return m;
}
}  // namespace

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const GetMeeting&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  auto rec = store_->get_meeting(m->handle);
  auto keys = store_->list_key_blobs(m->handle);
  if (!rec || !rec->has_value() || !keys) return fail(s, rid, ErrorCode::kInternal, "store error");
  MeetingInfo info;
  info.max_members = m->max_members;
  info.scheme = m->scheme;
  info.epoch = m->epoch;
  info.info_blob = (*rec)->info_blob;
  info.keys = *keys;
  reply(s, rid, info);
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const GetKeyBlob& k) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  auto blob = store_->get_key_blob(m->handle, k.kind);
  if (!blob) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!blob->has_value()) return fail(s, rid, ErrorCode::kNotFound, "no such key");
  reply(s, rid, KeyBlob{k.kind, std::move(**blob)});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const PutKeyBlob& k) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (const int owner = identity_kind_slot(k.kind); owner >= 0) {
    // An identity blob lives under its writer's own slot: nobody can plant one for another slot,
    // and a slot's blob goes with the slot (free_slot). The member may replace its own.
    if (owner != slot) return fail(s, rid, ErrorCode::kBadSlot, "identity blob of another slot");
    if (!store_->put_key_blob(m->handle, k.kind, k.blob))
      return fail(s, rid, ErrorCode::kInternal, "store error");
    MemberSlot& ms = m->members[static_cast<uint16_t>(slot)];
    const bool announce = !ms.identity;
    ms.identity = true;
    reply(s, rid, Ack{});
    if (announce)
      push_to_members(
          *m, MemberEvent{MemberEventKind::kJoined, static_cast<uint16_t>(slot), ms.join_seq}.encode(), slot);
    return;
  }
  if (k.kind >= kFirstReservedKeyKind) return fail(s, rid, ErrorCode::kBadMessage, "reserved key kind");
  auto added = store_->add_key_blob(m->handle, k.kind, k.blob);
  if (!added) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!*added) return fail(s, rid, ErrorCode::kBadMessage, "key kind already stored");
  reply(s, rid, Ack{});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const PutRoster& r) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (r.slot != slot) return fail(s, rid, ErrorCode::kBadSlot, "not your slot");
  if (!store_->put_roster(m->handle, store::RosterRecord{r.slot, r.roster_ct, r.name_blob}))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  reply(s, rid, Ack{});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const FetchRoster& f) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  bool more = false;
  const size_t budget = opts_.max_message_bytes - std::min<size_t>(opts_.max_message_bytes / 2, 64u << 10);
  auto entries = store_->get_roster(m->handle, f.first_slot, f.max_entries, budget, &more);
  if (!entries) return fail(s, rid, ErrorCode::kInternal, "store error");
  Roster out;
  for (auto& e : *entries) out.entries.push_back({e.slot, std::move(e.roster_ct), std::move(e.name_blob)});
  out.more = more && !out.entries.empty();
  out.next_slot = out.more ? static_cast<uint16_t>(out.entries.back().slot + 1) : 0;
  reply(s, rid, out);
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const PostEpoch& p) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  // Only the distributor numbers epochs, and only one step at a time: a member cannot jump the
  // counter (to 2^64-1, ending rekeying) or overwrite another member's blob with its own epoch.
  if (m->distributor() != slot) return fail(s, rid, ErrorCode::kNotDistributor, "not the epoch distributor");
  if (m->epoch == UINT64_MAX || p.epoch != m->epoch + 1)
    return fail(s, rid, ErrorCode::kStaleEpoch, "epoch must be the current one plus one");
  for (const auto& e : p.entries)
    if (!m->members.count(e.slot)) return fail(s, rid, ErrorCode::kBadSlot, "recipient slot not occupied");
  if (!store_->put_epoch(m->handle, p.epoch, static_cast<uint16_t>(slot), p.entries))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  m->epoch = p.epoch;
  for (const auto& e : p.entries) {
    const auto& ms = m->members[e.slot];
    if (ms.session)
      ms.session->send_control(EpochKey{p.epoch, static_cast<uint16_t>(slot), e.blob}.encode(0));
  }
  reply(s, rid, Ack{});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const FetchEpochKey&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  auto rec = store_->get_epoch_blob(m->handle, static_cast<uint16_t>(slot));
  if (!rec) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!rec->has_value()) return fail(s, rid, ErrorCode::kNotFound, "no epoch key for this slot");
  reply(s, rid, EpochKey{(*rec)->epoch, (*rec)->from_slot, std::move((*rec)->blob)});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const Subscribe& sub) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  for (uint16_t x : sub.slots)
    if (x >= m->max_members) return fail(s, rid, ErrorCode::kBadSlot, "slot out of range");
  s->sub_mode_ = sub.mode;
  s->sub_slots_ = sub.slots;
  rebuild_routes(*m);
  reply(s, rid, Ack{});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const Leave&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (!store_->delete_slot(m->handle, static_cast<uint16_t>(slot)))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  const MemberSlot ms = m->members[static_cast<uint16_t>(slot)];
  m->members.erase(static_cast<uint16_t>(slot));
  s->set_membership(nullptr, -1);
  s->sub_mode_ = SubscribeMode::kNone;
  s->sub_slots_.clear();
  rebuild_routes(*m);
  reply(s, rid, Ack{});
  if (ms.identity)
    push_to_members(
        *m, MemberEvent{MemberEventKind::kLeft, static_cast<uint16_t>(slot), ms.join_seq}.encode(), slot);
}

// Privacy Pass redemption (docs/admission.md): verify against the issuer key and the server's
// challenge, then record SHA-256(nonce) in the store (a second redemption, even after a restart,
// is refused). The issuer signed a blinded value, so nothing here links the token to the user it
// was issued to.
void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const RedeemToken& r) {
  if (!admission_key_) return fail(s, rid, ErrorCode::kBadMessage, "this server takes no admission tokens");
  if (s->admission_credits_.load() >= opts_.max_admission_credits)
    return fail(s, rid, ErrorCode::kRateLimited, "unspent admission tokens on this connection");
  auto token = admission::Token::parse(r.token);
  if (!token || !admission::verify_token(*token, admission_challenge_, *admission_key_))
    return fail(s, rid, ErrorCode::kBadProof, "admission token did not verify");
  const admission::Digest32 h = admission::nonce_hash(*token);
  auto fresh = store_->add_spent_token(h);
  if (!fresh) return fail(s, rid, ErrorCode::kBusy, "store refused");
  if (!*fresh) return fail(s, rid, ErrorCode::kBadProof, "admission token already redeemed");
  s->admission_credits_.fetch_add(1);
  reply(s, rid, Ack{});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const RemoveMember& r) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  // The challenge (JoinChallengeRequest for the own handle) is consumed whatever happens.
  auto ch = std::move(s->challenge_);
  s->challenge_.reset();
  if (!ch || !ct_equal(ch->first, m->handle) || !ct_equal(ch->second, r.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching challenge");
  if (m->host_verifier.empty()) return fail(s, rid, ErrorCode::kNotHost, "meeting has no host key");
  if (r.new_join_verifier.size() != join_verifier_size(m->scheme))
    return fail(s, rid, ErrorCode::kBadMessage, "new join verifier has the wrong size");
  if (!ed25519_verify(m->host_verifier, remove_transcript(m->handle, r.nonce, r.slot, r.new_join_verifier),
                      r.proof))
    return fail(s, rid, ErrorCode::kNotHost, "host proof did not verify");
  if (r.slot == slot || !m->members.count(r.slot))
    return fail(s, rid, ErrorCode::kBadSlot, "no other member in that slot");
  if (!store_->remove_member(m->handle, r.slot, r.new_join_verifier))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  m->verifier = r.new_join_verifier;
  const MemberSlot gone = m->members[r.slot];
  m->members.erase(r.slot);
  const Bytes event = MemberEvent{MemberEventKind::kRemoved, r.slot, gone.join_seq}.encode();
  if (gone.session) {
    gone.session->set_membership(nullptr, -1);
    gone.session->sub_mode_ = SubscribeMode::kNone;
    gone.session->sub_slots_.clear();
    gone.session->send_control(event);  // the removed member learns it, then is a stranger
  }
  rebuild_routes(*m);
  log(LogLevel::kInfo, "member removed by the host");
  reply(s, rid, Ack{});
  push_to_members(*m, event, -1);  // the host too: the distributor (maybe the host) rekeys on it
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const EndMeeting&) {
  int slot;
  auto m = require_member(s, rid, &slot);
  if (!m) return;
  if (!store_->delete_meeting(m->handle)) return fail(s, rid, ErrorCode::kInternal, "store error");
  push_to_members(*m, MemberEvent{MemberEventKind::kMeetingEnded, static_cast<uint16_t>(slot), 0}.encode(),
                  slot);
  for (auto& [sl, ms] : m->members)
    if (ms.session) ms.session->set_membership(nullptr, -1);
  m->members.clear();
  m->set_routes(std::make_shared<Routes>());
  meetings_.erase(m->handle);
  log(LogLevel::kInfo, "meeting ended");
  reply(s, rid, Ack{});
}

unsigned ControlPlane::mailbox_put_bits(size_t items_held) const {
  return static_cast<unsigned>(
      std::min<size_t>(opts_.mailbox_put_max_bits,
                       opts_.mailbox_put_base_bits + items_held / opts_.mailbox_put_items_per_bit));
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const MailboxChallengeRequest& m) {
  auto held = store_->mailbox_count(m.mailbox);
  if (!held) return fail(s, rid, ErrorCode::kInternal, "store error");
  MailboxChallenge ch;
  random_bytes(ch.nonce);
  ch.put_bits = static_cast<uint8_t>(mailbox_put_bits(*held));
  s->mailbox_challenge_ = std::make_pair(m.mailbox, ch.nonce);  // replaces an unused one
  reply(s, rid, ch);
}

namespace {
// Consumes the connection's mailbox challenge whatever happens next: one nonce, one try.
bool take_mailbox_challenge(const SessionContextPtr& s, const MailboxId& box, const Nonce& nonce) {
  auto ch = std::move(s->mailbox_challenge_);
  s->mailbox_challenge_.reset();
  return ch && ct_equal(ch->first, box) && ct_equal(ch->second, nonce);
}
}  // namespace

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const MailboxPut& p) {
  if (!take_mailbox_challenge(s, p.mailbox, p.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching mailbox challenge");
  // Spent before the work is checked, so failed puts cost the connection its budget too.
  if (!s->mailbox_puts_.take(1, std::chrono::steady_clock::now()))
    return fail(s, rid, ErrorCode::kRateLimited, "mailbox put budget spent");
  auto held = store_->mailbox_count(p.mailbox);
  if (!held) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (*held >= opts_.mailbox_capacity) return fail(s, rid, ErrorCode::kMailboxFull, "mailbox full");
  // The difficulty of the fill level now, not when the challenge was issued: work solved on many
  // connections while the mailbox was empty cannot all land at the empty price.
  if (!mailbox_put_work_ok(p, mailbox_put_bits(*held)))
    return fail(s, rid, ErrorCode::kBadProof, "not enough mailbox put work");
  MailboxItemId item;
  random_bytes(item);
  auto ok = store_->mailbox_put(p.mailbox, item, p.blob, opts_.mailbox_capacity);
  if (!ok) return fail(s, rid, ErrorCode::kInternal, "store error");
  if (!*ok) return fail(s, rid, ErrorCode::kMailboxFull, "mailbox full");
  reply(s, rid, Ack{});
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const MailboxFetch& f) {
  if (!take_mailbox_challenge(s, f.mailbox, f.nonce))
    return fail(s, rid, ErrorCode::kNoChallenge, "no matching mailbox challenge");
  if (!verify_mailbox_owner(f, f.nonce))
    return fail(s, rid, ErrorCode::kBadProof, "mailbox owner proof did not verify");
  if (!f.delete_ids.empty() && !store_->mailbox_delete(f.mailbox, f.delete_ids))
    return fail(s, rid, ErrorCode::kInternal, "store error");
  MailboxItems out;
  const size_t budget = opts_.max_message_bytes - std::min<size_t>(opts_.max_message_bytes / 2, 64u << 10);
  auto items = store_->mailbox_list(f.mailbox, kMaxMailboxItems, budget, &out.more);
  if (!items) return fail(s, rid, ErrorCode::kInternal, "store error");
  out.items = std::move(*items);
  reply(s, rid, out);
}

void ControlPlane::handle(const SessionContextPtr& s, uint32_t rid, const ServiceRequest& r) {
  auto it = services_.find(r.service);
  if (it == services_.end()) return fail(s, rid, ErrorCode::kUnknownService, "unknown service");
  ServiceCall call;
  auto [m, slot] = s->membership();
  if (m) {
    call.meeting = m->handle;
    call.slot = static_cast<uint16_t>(slot);
  }
  call.service = r.service;
  call.op = r.op;
  call.blobs = r.blobs;
  call.store = store_;
  ServiceHandler handler = it->second;
  bool queued = run_service_([s, rid, handler, call = std::move(call)] {
    auto res = handler(call);
    if (!res) {
      std::string text = res.message().substr(0, kMaxErrorText);
      for (char& c : text)
        if (c < 0x20 || c > 0x7e) c = '?';
      return s->send_control(Error{ErrorCode::kServiceError, text}.encode(rid));
    }
    s->send_control(ServiceResponse{call.service, call.op, res->status, std::move(res->blobs)}.encode(rid));
  });
  if (!queued) fail(s, rid, ErrorCode::kBusy, "service queue full");
}

}  // namespace v100::meeting::server
