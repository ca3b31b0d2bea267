// The client SDK's public methods (client.h); the state behind them is client_state.h, the frame
// path client_media.cc, the key worker client_keys.cc.
#include "meeting/client/client_state.h"

namespace v100::meeting::client {

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

Result<std::unique_ptr<Client>> Client::connect(std::shared_ptr<const Identity> identity,
                                                ClientOptions options) {
  using R = Result<std::unique_ptr<Client>>;
  if (!identity) throw std::invalid_argument("Client::connect: null identity");
  if (options.display_name.size() > kMaxDisplayName)
    throw std::invalid_argument("display name longer than 200 bytes");
  auto st = std::make_shared<State>();
  st->id = std::move(identity);
  st->opt = std::move(options);
  auto t = st->open_transport();
  if (!t) return R::error(t.message());
  st->transport = std::move(t).value();
  st->worker = std::thread([raw = st.get()] { raw->worker_loop(); });
  return std::unique_ptr<Client>(new Client(std::move(st)));
}

Result<CreatedMeeting> Client::create_meeting(std::string_view title, uint64_t session,
                                              uint16_t max_members) {
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
  auto ch =
      s_->call_expect<proto::JoinChallenge>(proto::JoinChallengeRequest{handle}, "JoinChallengeRequest");
  if (!ch) return ch.status();
  SecretBytes join_seed = random_seed32();
  auto verifier = proto::ed25519_public_key(join_seed.span());
  if (!verifier) return Status::error("join verifier: " + verifier.message());
  proto::RemoveMember rm;
  rm.slot = slot;
  rm.nonce = ch->nonce;
  rm.new_join_verifier = std::move(verifier).value();
  auto proof = proto::ed25519_sign(host_seed.span(),
                                   proto::remove_transcript(handle, rm.nonce, slot, rm.new_join_verifier));
  if (!proof) return Status::error("host proof: " + proof.message());
  rm.proof = std::move(proof).value();
  if (Status st = s_->call_ack(rm, "RemoveMember"); !st) return st;
  std::lock_guard lk(s_->mu);
  s_->join_seed_override = std::move(join_seed);
  return Status::ok();
}

Status Client::join(ByteSpan meeting_secret, uint64_t session, ByteSpan join_seed_in) {
  if (!join_seed_in.empty() && join_seed_in.size() != 32)
    return Status::error("join: join seed must be 32 bytes");
  auto ks = std::make_unique<KeySchedule>(meeting_secret);
  proto::Handle handle = ks->handle(session);
  {
    std::lock_guard lk(s_->mu);
    if (s_->joined) return Status::error("join: already in a meeting");
  }
  auto ch =
      s_->call_expect<proto::JoinChallenge>(proto::JoinChallengeRequest{handle}, "JoinChallengeRequest");
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
    for (const auto& m : acc->members)
      s_->members[m.slot] = State::Member{m.join_seq, m.online, std::nullopt};
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
  Bytes ib =
      seal_identity_blob(*s_->id, roster_key.span(), handle, acc->slot, acc->join_seq, s_->opt.display_name);
  // The server refuses an identity blob for any slot but ours; a refusal here is an error, not
  // something to carry on without (no one could key us).
  if (Status st =
          s_->call_ack(proto::PutKeyBlob{proto::identity_key_kind(acc->slot), std::move(ib)}, "PutKeyBlob");
      !st)
    return st;
  proto::PutRoster pr;
  pr.slot = acc->slot;
  pr.roster_ct = rc->encrypt_token(acc->slot, s_->id->user_id());
  pr.name_blob =
      seal_name_blob(roster_key.span(), handle, acc->slot, s_->opt.display_name, s_->id->user_id());
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
    auto ch = s_->call_expect<proto::MailboxChallenge>(proto::MailboxChallengeRequest{box},
                                                       "MailboxChallengeRequest");
    if (!ch) return ch.status();
    proto::MailboxFetch mf;
    mf.mailbox = box;
    mf.nonce = ch->nonce;
    mf.owner_key = me.sig_pk;
    mf.delete_ids = del;
    mf.signature =
        s_->id->sign(proto::mailbox_owner_transcript(box, mf.nonce, del), proto::kMailboxOwnerContext);
    return s_->call_expect<proto::MailboxItems>(mf, "MailboxFetch");
  };
  for (int round = 0; round < kMaxRounds; ++round) {
    auto items = fetch(processed);
    if (!items) return R::error(items.message());
    processed.clear();
    for (const auto& item : items->items) {
      auto opened = open_invitation(*s_->id, item.blob);
      if (opened)
        out.invitations.push_back(std::move(opened).value());
      else
        ++out.junk_skipped;  // someone else's bytes: skipped, deleted with the rest
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
  const uint8_t req[4] = {kControlKeyframeRequest, static_cast<uint8_t>(slot),
                          static_cast<uint8_t>(slot >> 8), static_cast<uint8_t>(kind)};
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
    case MeetingEventKind::kParticipantJoined:
      return "participant joined";
    case MeetingEventKind::kParticipantLeft:
      return "participant left";
    case MeetingEventKind::kTrackSubscribed:
      return "track subscribed";
    case MeetingEventKind::kEpochChanged:
      return "epoch changed";
    case MeetingEventKind::kConnectionChanged:
      return "connection changed";
    case MeetingEventKind::kRemoved:
      return "removed";
    case MeetingEventKind::kMeetingEnded:
      return "meeting ended";
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
      v.token_verified = it != tokens->end() &&
                         std::equal(it->second.begin(), it->second.end(), expect.begin(), expect.end());
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

const Identity& Client::identity() const {
  return *s_->id;
}

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
  auto ch =
      s_->call_expect<proto::JoinChallenge>(proto::JoinChallengeRequest{jp.handle}, "JoinChallengeRequest");
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
