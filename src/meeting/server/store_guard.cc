#include "meeting/server/store_guard.h"

#include <fcntl.h>
#include <unistd.h>

namespace v100::meeting::server {

using Handle = store::Handle;

namespace {
// Per-row overhead added to a write's payload (keys, handles, SQLite cell and index entries).
constexpr uint64_t kRowOverhead = 256;
}  // namespace

StoreGuard::StoreGuard(std::unique_ptr<store::Store> inner, std::string dir, uint64_t quota_bytes,
                       uint64_t reserve_bytes)
    : inner_(std::move(inner)),
      reserve_path_(dir + "/reserve.space"),
      quota_(quota_bytes),
      reserve_bytes_(reserve_bytes) {
  make_reserve();
  refresh();
}

void StoreGuard::make_reserve() {
  if (reserve_bytes_ == 0) {
    reserve_present_ = true;
    return;
  }
  const int fd = ::open(reserve_path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  // posix_fallocate really takes the blocks (a sparse file would free nothing when deleted).
  const bool ok = ::posix_fallocate(fd, 0, static_cast<off_t>(reserve_bytes_)) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(reserve_path_.c_str());
    return;
  }
  reserve_present_ = true;
}

void StoreGuard::refresh() {
  auto n = inner_->bytes_in_use();
  if (n) used_ = *n;
}

bool StoreGuard::admits(uint64_t payload, bool member_write) const {
  if (!reserve_present_.load()) return false;
  // Writes that only members can make (slots, roster, epochs) get an eighth more, so a store
  // filled to its quota by anonymous creates still lets running meetings go on.
  const uint64_t limit = member_write ? quota_ + quota_ / 8 : quota_;
  return quota_ == 0 || used_.load() + payload + kRowOverhead <= limit;
}

Status StoreGuard::admit(uint64_t payload, bool member_write) {
  if (admits(payload, member_write)) return Status::ok();
  refusals_.fetch_add(1);
  return Status::error(reserve_present_ ? "store: quota exceeded" : "store: disk full");
}

template <typename F>
auto StoreGuard::write(uint64_t payload, bool member_write, F&& f) -> decltype(f()) {
  if (Status st = admit(payload, member_write); !st) return st;
  ScopedTimer timer(write_timer_);
  auto r = f();
  refresh();
  return r;
}

template <typename F>
auto StoreGuard::remove(F&& f) -> decltype(f()) {
  ScopedTimer timer(write_timer_);
  auto r = f();
  if (!r.is_ok() && reserve_present_ && reserve_bytes_ > 0) {
    // Possibly a full disk: give up the reserve so the delete's WAL pages fit, and retry.
    ::unlink(reserve_path_.c_str());
    reserve_present_ = false;
    r = f();
  }
  if (r.is_ok() && !reserve_present_) make_reserve();
  refresh();
  return r;
}

Status StoreGuard::create_meeting(const store::MeetingRecord& m,
                                  const std::vector<protocol::KeyBlobEntry>& keys) {
  uint64_t payload = m.join_verifier.size() + m.info_blob.size();
  for (const auto& k : keys) payload += k.blob.size() + kRowOverhead;
  return write(payload, false, [&] { return inner_->create_meeting(m, keys); });
}
Status StoreGuard::delete_meeting(const Handle& h) {
  return remove([&] { return inner_->delete_meeting(h); });
}
Result<bool> StoreGuard::add_key_blob(const Handle& h, uint16_t kind, ByteSpan blob) {
  return write(blob.size(), false, [&] { return inner_->add_key_blob(h, kind, blob); });
}
Status StoreGuard::put_key_blob(const Handle& h, uint16_t kind, ByteSpan blob) {
  return write(blob.size(), true, [&] { return inner_->put_key_blob(h, kind, blob); });
}
Status StoreGuard::add_slot(const Handle& h, const store::SlotRecord& slot, uint64_t next_join_seq) {
  return write(0, true, [&] { return inner_->add_slot(h, slot, next_join_seq); });
}
Status StoreGuard::delete_slot(const Handle& h, uint16_t slot) {
  return remove([&] { return inner_->delete_slot(h, slot); });
}
Status StoreGuard::remove_member(const Handle& h, uint16_t slot, ByteSpan new_join_verifier) {
  return remove([&] { return inner_->remove_member(h, slot, new_join_verifier); });
}
Status StoreGuard::put_roster(const Handle& h, const store::RosterRecord& e) {
  return write(e.roster_ct.size() + e.name_blob.size(), true, [&] { return inner_->put_roster(h, e); });
}
Status StoreGuard::put_epoch(const Handle& h, uint64_t epoch, uint16_t from_slot,
                             const std::vector<protocol::EpochEntry>& entries) {
  uint64_t payload = 0;
  for (const auto& e : entries) payload += e.blob.size() + kRowOverhead;
  return write(payload, true, [&] { return inner_->put_epoch(h, epoch, from_slot, entries); });
}
Result<bool> StoreGuard::mailbox_put(const protocol::MailboxId& id, const protocol::MailboxItemId& item,
                                     ByteSpan blob, size_t max_items) {
  return write(blob.size() + item.size(), false,
               [&] { return inner_->mailbox_put(id, item, blob, max_items); });
}
Result<size_t> StoreGuard::mailbox_delete(const protocol::MailboxId& id,
                                          const std::vector<protocol::MailboxItemId>& items) {
  return remove([&] { return inner_->mailbox_delete(id, items); });
}
Result<bool> StoreGuard::add_spent_token(ByteSpan nonce_hash) {
  return write(nonce_hash.size(), false, [&] { return inner_->add_spent_token(nonce_hash); });
}
Status StoreGuard::put_service_record(ByteSpan scope, uint16_t service, ByteSpan key, ByteSpan value) {
  return write(key.size() + value.size(), false,
               [&] { return inner_->put_service_record(scope, service, key, value); });
}
Status StoreGuard::delete_service_records(ByteSpan scope, uint16_t service) {
  return remove([&] { return inner_->delete_service_records(scope, service); });
}

}  // namespace v100::meeting::server
