// The server's view of its store, with the disk side of the resource model: a quota on the live
// bytes the database may hold (writes beyond it are refused; deletes never are) and a reserve
// file that is given up so that deletes — the only way to free space — still run on a full disk.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "meeting/server/metrics.h"
#include "meeting/store/store.h"

namespace v100::meeting::server {

/// Wraps a Store. Thread-safe if the inner store is.
///
/// Quota: every write (slots, roster and epochs: up to 1/8 over) is refused (Status error "store: quota
/// exceeded") when the live bytes (Store::bytes_in_use, refreshed after each write and delete) plus the
/// write's payload would exceed `quota_bytes` (0: no quota). Reserve: at open, `reserve_bytes` are allocated
/// in `dir`/reserve.space. When a delete fails (e.g. SQLITE_FULL: even a delete appends to the WAL), the
/// reserve file is removed and the delete retried; while the reserve is gone every non-delete write is
/// refused, and after each successful delete the reserve is re-created.
class StoreGuard final : public store::Store {
  using Handle = store::Handle;

 public:
  StoreGuard(std::unique_ptr<store::Store> inner, std::string dir, uint64_t quota_bytes,
             uint64_t reserve_bytes);

  /// Writes refused so far (quota or missing reserve).
  uint64_t refusals() const { return refusals_.load(); }
  /// The quota (0: none).
  uint64_t quota() const { return quota_; }
  /// Live bytes at the last refresh.
  uint64_t used() const { return used_.load(); }
  /// True when a write of `payload` bytes would be admitted now (a cheap pre-check for callers
  /// that want to refuse before reading a large request). `member_write`: slots, roster and
  /// epochs, which may use an eighth over the quota.
  bool admits(uint64_t payload, bool member_write = false) const;
  /// Times every write and delete into `h` (null: none). Set before the guard is shared.
  void set_write_timer(Histogram* h) { write_timer_ = h; }
  /// True when the reserve file is in place.
  bool reserve_present() const { return reserve_present_.load(); }

  Status create_meeting(const store::MeetingRecord& meeting,
                        const std::vector<protocol::KeyBlobEntry>& keys) override;
  Result<std::optional<store::MeetingRecord>> get_meeting(const Handle& handle) override {
    return inner_->get_meeting(handle);
  }
  Status delete_meeting(const Handle& handle) override;
  Result<bool> add_key_blob(const Handle& handle, uint16_t kind, ByteSpan blob) override;
  /// A member's own identity blob: a member write (headroom over the quota, like the roster).
  Status put_key_blob(const Handle& handle, uint16_t kind, ByteSpan blob) override;
  Result<std::optional<Bytes>> get_key_blob(const Handle& handle, uint16_t kind) override {
    return inner_->get_key_blob(handle, kind);
  }
  Result<std::vector<protocol::KeyBlobInfo>> list_key_blobs(const Handle& handle) override {
    return inner_->list_key_blobs(handle);
  }
  Status add_slot(const Handle& handle, const store::SlotRecord& slot, uint64_t next_join_seq) override;
  Result<std::vector<store::SlotRecord>> list_slots(const Handle& handle) override {
    return inner_->list_slots(handle);
  }
  Status delete_slot(const Handle& handle, uint16_t slot) override;
  Status remove_member(const Handle& handle, uint16_t slot, ByteSpan new_join_verifier) override;
  Status put_roster(const Handle& handle, const store::RosterRecord& entry) override;
  Result<std::vector<store::RosterRecord>> get_roster(const Handle& handle, uint16_t first_slot,
                                                      size_t max_entries, size_t max_bytes,
                                                      bool* more) override {
    return inner_->get_roster(handle, first_slot, max_entries, max_bytes, more);
  }
  std::optional<uint64_t> roster_generation(const Handle& handle) override {
    return inner_->roster_generation(handle);
  }
  Status put_epoch(const Handle& handle, uint64_t epoch, uint16_t from_slot,
                   const std::vector<protocol::EpochEntry>& entries) override;
  Result<std::optional<store::EpochBlobRecord>> get_epoch_blob(const Handle& handle, uint16_t slot) override {
    return inner_->get_epoch_blob(handle, slot);
  }
  Result<size_t> mailbox_count(const protocol::MailboxId& id) override { return inner_->mailbox_count(id); }
  Result<bool> mailbox_put(const protocol::MailboxId& id, const protocol::MailboxItemId& item, ByteSpan blob,
                           size_t max_items) override;
  Result<std::vector<protocol::MailboxItem>> mailbox_list(const protocol::MailboxId& id, size_t max_items,
                                                          size_t max_bytes, bool* more) override {
    return inner_->mailbox_list(id, max_items, max_bytes, more);
  }
  Result<size_t> mailbox_delete(const protocol::MailboxId& id,
                                const std::vector<protocol::MailboxItemId>& items) override;
  Result<bool> add_spent_token(ByteSpan nonce_hash) override;
  Status put_service_record(ByteSpan scope, uint16_t service, ByteSpan key, ByteSpan value) override;
  Result<std::optional<Bytes>> get_service_record(ByteSpan scope, uint16_t service, ByteSpan key) override {
    return inner_->get_service_record(scope, service, key);
  }
  Result<std::vector<std::pair<Bytes, Bytes>>> list_service_records(ByteSpan scope,
                                                                    uint16_t service) override {
    return inner_->list_service_records(scope, service);
  }
  Status delete_service_records(ByteSpan scope, uint16_t service) override;
  Result<std::vector<store::AuditLine>> audit() override { return inner_->audit(); }
  Result<uint64_t> bytes_in_use() override { return inner_->bytes_in_use(); }

 private:
  Status admit(uint64_t payload, bool member_write);
  template <typename F>
  auto write(uint64_t payload, bool member_write, F&& f) -> decltype(f());
  template <typename F>
  auto remove(F&& f) -> decltype(f());
  void refresh();
  void make_reserve();

  std::unique_ptr<store::Store> inner_;
  const std::string reserve_path_;
  const uint64_t quota_, reserve_bytes_;
  std::atomic<uint64_t> used_{0};
  Histogram* write_timer_ = nullptr;
  std::atomic<uint64_t> refusals_{0};
  std::atomic<bool> reserve_present_{false};
};

}  // namespace v100::meeting::server
