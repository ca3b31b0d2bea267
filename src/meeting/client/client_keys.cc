// The client SDK's key worker: identities of members, epochs (install, distribute, fetch), the
// worker loop that also hands over meeting events.
#include "meeting/client/client_state.h"

namespace v100::meeting::client {

// Identity of `slot` (fetching and checking its identity blob if needed). Worker or app thread.
std::optional<IdentityEntry> Client::State::ensure_identity(uint16_t slot) {
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

bool Client::State::i_am_distributor_locked() const {
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

void Client::State::install_epoch(uint64_t e, ByteSpan fresh, const std::vector<uint16_t>& slots) {
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

void Client::State::handle_epoch_key(const EpochKeyItem& item) {
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

void Client::State::do_fetch_epoch() {
  auto r = call_expect<proto::EpochKey>(proto::FetchEpochKey{}, "FetchEpochKey");
  if (r) handle_epoch_key({r->epoch, r->from_slot, std::move(r->blob)});
}

void Client::State::do_rekey() {
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
      post.entries.push_back(
          {s, make_epoch_blob(*id, me_slot, h, next, member_slots, s, ids.at(s).identity, fresh.span())});
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

void Client::State::worker_loop() {
  std::unique_lock lk(mu);
  for (;;) {
    cv.wait_for(lk, milliseconds(100), [&] {
      return stop || !epoch_items.empty() || rekey_needed || fetch_epoch_needed || identity_check_needed ||
             !events.empty();
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

void Client::State::expire_held() {
  std::lock_guard mlk(media_mu);
  auto now = Clock::now();
  while (!held.empty() && now - held.front().at >= opt.hold_back) {
    held.pop_front();
    ++frames_undecryptable;
  }
}

void Client::State::reset_meeting_locked() {
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

}  // namespace v100::meeting::client
