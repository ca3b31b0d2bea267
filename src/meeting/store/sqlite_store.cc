// SQLite backend of the Store interface. One connection guarded by a mutex (the server's store
// traffic is control-plane only: media never touches it). WAL mode so readers do not block the
// writer and a crash loses nothing committed; secure_delete so freed pages are zeroed and a
// deleted roster entry or mailbox blob does not linger in the file, and a TRUNCATE checkpoint
// after every delete so the old page images do not linger in the -wal file either.
//
// Rows are not trusted: the file may be damaged or edited by hand. Every row read is checked
// against the protocol's limits (slots below the meeting's max_members and kMaxMembers, blob
// sizes, 32-byte hashes) before it reaches the server, which indexes arrays by slot. A bad row
// makes the read fail with "store: damaged ... record (...)" naming the table and the rule, never
// a handle or a value: the server refuses that meeting (logging the message) and keeps running.
// Refusing beats skipping the row: a skipped slot would hand a held seat to the next joiner.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "meeting/store/store.h"

namespace v100::meeting::store {
namespace {

// Schema v3 (v3 added spent_tokens). No column holds a time, a name, an address or an amount.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meetings (
  handle BLOB PRIMARY KEY, max_members INTEGER NOT NULL, scheme INTEGER NOT NULL,
  join_verifier BLOB NOT NULL, info_blob BLOB NOT NULL, epoch INTEGER NOT NULL,
  next_join_seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS key_blobs (
  handle BLOB NOT NULL, kind INTEGER NOT NULL, blob BLOB NOT NULL, PRIMARY KEY (handle, kind));
CREATE TABLE IF NOT EXISTS slots (
  handle BLOB NOT NULL, slot INTEGER NOT NULL, token_hash BLOB NOT NULL, join_seq INTEGER NOT NULL,
  PRIMARY KEY (handle, slot)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS roster (
  handle BLOB NOT NULL, slot INTEGER NOT NULL, roster_ct BLOB NOT NULL, name_blob BLOB NOT NULL,
  PRIMARY KEY (handle, slot));
CREATE TABLE IF NOT EXISTS epoch_blobs (
  handle BLOB NOT NULL, slot INTEGER NOT NULL, epoch INTEGER NOT NULL, from_slot INTEGER NOT NULL,
  blob BLOB NOT NULL, PRIMARY KEY (handle, slot));
CREATE TABLE IF NOT EXISTS mailbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, mailbox_id BLOB NOT NULL, item_id BLOB NOT NULL,
  blob BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS mailbox_by_id ON mailbox (mailbox_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS mailbox_item ON mailbox (mailbox_id, item_id);
CREATE TABLE IF NOT EXISTS spent_tokens (nonce_hash BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS service_records (
  scope BLOB NOT NULL, service INTEGER NOT NULL, record_key BLOB NOT NULL, value BLOB NOT NULL,
  PRIMARY KEY (scope, service, record_key));
)sql";

// v1 -> v2: v1 mailbox items have no item id and sit under v1 mailbox ids (a KDF of the user id)
// that no v2 client fetches, so they are dropped (secure_delete zeroes their pages).
constexpr const char* kMigrateV1ToV2 = R"sql(
DROP INDEX IF EXISTS mailbox_by_id;
DROP TABLE IF EXISTS mailbox;
)sql";

// A prepared statement; reset on destruction. Bind helpers take spans so blobs are never copied
// into strings.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return rc_ == SQLITE_OK && st_ != nullptr; }
  Stmt& blob(int i, ByteSpan b) {
    // A zero-length blob must still be a blob (not NULL): pass a non-null pointer.
    static const uint8_t kEmpty = 0;
    sqlite3_bind_blob(st_, i, b.empty() ? &kEmpty : b.data(), static_cast<int>(b.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& i64(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  int step() { return sqlite3_step(st_); }
  int64_t col_i64(int c) { return sqlite3_column_int64(st_, c); }
  Bytes col_blob(int c) {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st_, c));
    int n = sqlite3_column_bytes(st_, c);
    return p ? Bytes(p, p + n) : Bytes{};
  }

 private:
  sqlite3_stmt* st_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

template <size_t N>
bool to_array(const Bytes& b, std::array<uint8_t, N>& out) {
  if (b.size() != N) return false;
  std::memcpy(out.data(), b.data(), N);
  return true;
}

Status damaged(const char* table, const std::string& rule) {
  return Status::error(std::string("store: damaged ") + table + " record (" + rule + ")");
}

// Row checks. Integers are checked as read (int64) before any narrowing cast.
bool in_range(int64_t v, int64_t lo, int64_t hi) {
  return v >= lo && v <= hi;
}
constexpr int64_t kSlotLimit = static_cast<int64_t>(protocol::kMaxMembers);

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Status init() {
    std::lock_guard lock(mu_);
    int version = 0;
    {
      Stmt s(db_, "PRAGMA user_version");
      if (!s.ok() || s.step() != SQLITE_ROW) return err("read schema version");
      version = static_cast<int>(s.col_i64(0));
    }
    if (version > kSchemaVersion)
      return Status::error("store: database schema is newer than this server (" + std::to_string(version) +
                           ")");
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                               "PRAGMA secure_delete=ON", "PRAGMA foreign_keys=OFF"}) {
      Status s = exec(pragma);
      if (!s) return s;
    }
    sqlite3_busy_timeout(db_, 5000);
    if (version < kSchemaVersion) {
      Status s = exec("BEGIN");
      if (!s) return s;
      if (version == 1) s = exec(kMigrateV1ToV2);
      if (s) s = exec(kSchema);
      if (s) s = exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
      if (!s) {
        (void)exec("ROLLBACK");
        return s;
      }
      s = exec("COMMIT");
      if (!s) return s;
    }
    return Status::ok();
  }

  Status create_meeting(const MeetingRecord& m, const std::vector<protocol::KeyBlobEntry>& keys) override {
    std::lock_guard lock(mu_);
    bump_roster(m.handle);
    Txn t(this);
    if (!t.ok()) return err("begin");
    {
      Stmt s(db_, "INSERT INTO meetings VALUES (?,?,?,?,?,?,?)");
      s.blob(1, m.handle)
          .i64(2, m.max_members)
          .i64(3, m.scheme)
          .blob(4, m.join_verifier)
          .blob(5, m.info_blob)
          .i64(6, static_cast<int64_t>(m.epoch))
          .i64(7, static_cast<int64_t>(m.next_join_seq));
      int rc = s.step();
      if (rc == SQLITE_CONSTRAINT) return Status::error("store: meeting exists");
      if (rc != SQLITE_DONE) return err("insert meeting");
    }
    for (const auto& k : keys) {
      Stmt s(db_, "INSERT INTO key_blobs VALUES (?,?,?)");
      s.blob(1, m.handle).i64(2, k.kind).blob(3, k.blob);
      if (s.step() != SQLITE_DONE) return err("insert key blob");
    }
    return t.commit();
  }

  Result<std::optional<MeetingRecord>> get_meeting(const Handle& h) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT max_members, scheme, join_verifier, info_blob, epoch, next_join_seq FROM meetings WHERE "
           "handle=?");
    s.blob(1, h);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<MeetingRecord>{};
    if (rc != SQLITE_ROW) return err("select meeting");
    const int64_t max_members = s.col_i64(0), scheme = s.col_i64(1), epoch = s.col_i64(4),
                  next_join_seq = s.col_i64(5);
    MeetingRecord m;
    m.handle = h;
    m.join_verifier = s.col_blob(2);
    m.info_blob = s.col_blob(3);
    if (!in_range(max_members, 1, kSlotLimit)) return damaged("meeting", "max_members not in 1..kMaxMembers");
    if (!in_range(scheme, 0, 255)) return damaged("meeting", "join scheme not a byte");
    if (m.join_verifier.empty() || m.join_verifier.size() > protocol::kMaxVerifierBytes)
      return damaged("meeting", "join verifier size");
    if (m.info_blob.size() > protocol::kMaxInfoBlobBytes) return damaged("meeting", "info blob size");
    if (epoch < 0 || next_join_seq < 1) return damaged("meeting", "negative counter");
    m.max_members = static_cast<uint16_t>(max_members);
    m.scheme = static_cast<uint8_t>(scheme);
    m.epoch = static_cast<uint64_t>(epoch);
    m.next_join_seq = static_cast<uint64_t>(next_join_seq);
    return std::optional<MeetingRecord>(std::move(m));
  }

  Status delete_meeting(const Handle& h) override {
    std::lock_guard lock(mu_);
    roster_gen_.erase(key_of(h));  // a later create_meeting starts a new generation
    Txn t(this);
    if (!t.ok()) return err("begin");
    for (const char* sql :
         {"DELETE FROM meetings WHERE handle=?", "DELETE FROM key_blobs WHERE handle=?",
          "DELETE FROM slots WHERE handle=?", "DELETE FROM roster WHERE handle=?",
          "DELETE FROM epoch_blobs WHERE handle=?", "DELETE FROM service_records WHERE scope=?"}) {
      Stmt s(db_, sql);
      s.blob(1, h);
      if (s.step() != SQLITE_DONE) return err("delete meeting");
    }
    return commit_and_scrub(t);
  }

  Result<bool> add_key_blob(const Handle& h, uint16_t kind, ByteSpan blob) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR IGNORE INTO key_blobs VALUES (?,?,?)");
    s.blob(1, h).i64(2, kind).blob(3, blob);
    if (s.step() != SQLITE_DONE) return err("insert key blob");
    return sqlite3_changes(db_) == 1;
  }

  Status put_key_blob(const Handle& h, uint16_t kind, ByteSpan blob) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO key_blobs VALUES (?,?,?)");
    s.blob(1, h).i64(2, kind).blob(3, blob);
    if (s.step() != SQLITE_DONE) return err("put key blob");
    return Status::ok();
  }

  Result<std::optional<Bytes>> get_key_blob(const Handle& h, uint16_t kind) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT blob FROM key_blobs WHERE handle=? AND kind=?");
    s.blob(1, h).i64(2, kind);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<Bytes>{};
    if (rc != SQLITE_ROW) return err("select key blob");
    Bytes blob = s.col_blob(0);
    if (blob.size() > protocol::kMaxKeyBlobBytes) return damaged("key blob", "size");
    return std::optional<Bytes>(std::move(blob));
  }

  Result<std::vector<protocol::KeyBlobInfo>> list_key_blobs(const Handle& h) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT kind, length(blob) FROM key_blobs WHERE handle=? ORDER BY kind");
    s.blob(1, h);
    std::vector<protocol::KeyBlobInfo> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      const int64_t kind = s.col_i64(0), size = s.col_i64(1);
      if (!in_range(kind, 0, 0xffff) || !in_range(size, 0, static_cast<int64_t>(protocol::kMaxKeyBlobBytes)))
        return damaged("key blob", "kind or size");
      out.push_back({static_cast<uint16_t>(kind), static_cast<uint32_t>(size)});
    }
    if (rc != SQLITE_DONE) return err("list key blobs");
    return out;
  }

  Status add_slot(const Handle& h, const SlotRecord& slot, uint64_t next_join_seq) override {
    std::lock_guard lock(mu_);
    Txn t(this);
    if (!t.ok()) return err("begin");
    {
      Stmt s(db_, "INSERT INTO slots VALUES (?,?,?,?)");
      s.blob(1, h).i64(2, slot.slot).blob(3, slot.token_hash).i64(4, static_cast<int64_t>(slot.join_seq));
      int rc = s.step();
      if (rc == SQLITE_CONSTRAINT) return Status::error("store: slot taken");
      if (rc != SQLITE_DONE) return err("insert slot");
    }
    {
      Stmt s(db_, "UPDATE meetings SET next_join_seq=? WHERE handle=?");
      s.i64(1, static_cast<int64_t>(next_join_seq)).blob(2, h);
      if (s.step() != SQLITE_DONE) return err("update join seq");
      if (sqlite3_changes(db_) != 1) return Status::error("store: unknown meeting");
    }
    return t.commit();
  }

  Result<std::vector<SlotRecord>> list_slots(const Handle& h) override {
    std::lock_guard lock(mu_);
    // A slot must lie below its meeting's max_members (the server sizes per-slot tables by it).
    int64_t limit = kSlotLimit;
    {
      Stmt m(db_, "SELECT max_members FROM meetings WHERE handle=?");
      m.blob(1, h);
      int rc = m.step();
      if (rc == SQLITE_ROW)
        limit = std::min(limit, m.col_i64(0));
      else if (rc != SQLITE_DONE)
        return err("select meeting");
    }
    Stmt s(db_, "SELECT slot, token_hash, join_seq FROM slots WHERE handle=? ORDER BY slot");
    s.blob(1, h);
    std::vector<SlotRecord> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      SlotRecord r;
      const int64_t slot = s.col_i64(0), join_seq = s.col_i64(2);
      if (!in_range(slot, 0, limit - 1)) return damaged("slot", "slot not below the meeting's max_members");
      if (!to_array(s.col_blob(1), r.token_hash)) return damaged("slot", "token hash not 32 bytes");
      if (join_seq < 0) return damaged("slot", "negative join order");
      r.slot = static_cast<uint16_t>(slot);
      r.join_seq = static_cast<uint64_t>(join_seq);
      out.push_back(r);
    }
    if (rc != SQLITE_DONE) return err("list slots");
    return out;
  }

  Status delete_slot(const Handle& h, uint16_t slot) override {
    std::lock_guard lock(mu_);
    bump_roster(h);
    Txn t(this);
    if (!t.ok()) return err("begin");
    if (Status st = delete_slot_rows(h, slot); !st) return st;
    return commit_and_scrub(t);
  }

  Status remove_member(const Handle& h, uint16_t slot, ByteSpan new_join_verifier) override {
    std::lock_guard lock(mu_);
    bump_roster(h);
    Txn t(this);
    if (!t.ok()) return err("begin");
    if (Status st = delete_slot_rows(h, slot); !st) return st;
    Stmt s(db_, "UPDATE meetings SET join_verifier=? WHERE handle=?");
    s.blob(1, new_join_verifier).blob(2, h);
    if (s.step() != SQLITE_DONE) return err("update join verifier");
    if (sqlite3_changes(db_) != 1) return Status::error("store: unknown meeting");
    return commit_and_scrub(t);
  }

  Status put_roster(const Handle& h, const RosterRecord& e) override {
    std::lock_guard lock(mu_);
    bump_roster(h);
    Stmt s(db_, "INSERT OR REPLACE INTO roster VALUES (?,?,?,?)");
    s.blob(1, h).i64(2, e.slot).blob(3, e.roster_ct).blob(4, e.name_blob);
    if (s.step() != SQLITE_DONE) return err("put roster");
    return Status::ok();
  }

  std::optional<uint64_t> roster_generation(const Handle& h) override {
    std::lock_guard lock(mu_);
    auto [it, fresh] = roster_gen_.try_emplace(key_of(h), 0);
    if (fresh) it->second = next_generation();
    return it->second;
  }

  Result<std::vector<RosterRecord>> get_roster(const Handle& h, uint16_t first_slot, size_t max_entries,
                                               size_t max_bytes, bool* more) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT slot, roster_ct, name_blob FROM roster WHERE handle=? AND slot>=? ORDER BY slot");
    s.blob(1, h).i64(2, first_slot);
    std::vector<RosterRecord> out;
    size_t bytes = 0;
    if (more) *more = false;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      const int64_t slot = s.col_i64(0);
      if (!in_range(slot, 0, kSlotLimit - 1)) return damaged("roster", "slot not below kMaxMembers");
      RosterRecord r{static_cast<uint16_t>(slot), s.col_blob(1), s.col_blob(2)};
      if (r.roster_ct.size() > protocol::kMaxRosterCtBytes ||
          r.name_blob.size() > protocol::kMaxNameBlobBytes)
        return damaged("roster", "blob size");
      size_t sz = r.roster_ct.size() + r.name_blob.size();
      if ((max_entries != 0 && out.size() == max_entries) || (!out.empty() && bytes + sz > max_bytes)) {
        if (more) *more = true;
        break;
      }
      bytes += sz;
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return err("get roster");
    return out;
  }

  Status put_epoch(const Handle& h, uint64_t epoch, uint16_t from_slot,
                   const std::vector<protocol::EpochEntry>& entries) override {
    std::lock_guard lock(mu_);
    Txn t(this);
    if (!t.ok()) return err("begin");
    {
      Stmt s(db_, "UPDATE meetings SET epoch=? WHERE handle=?");
      s.i64(1, static_cast<int64_t>(epoch)).blob(2, h);
      if (s.step() != SQLITE_DONE) return err("update epoch");
      if (sqlite3_changes(db_) != 1) return Status::error("store: unknown meeting");
    }
    for (const auto& e : entries) {
      Stmt s(db_, "INSERT OR REPLACE INTO epoch_blobs VALUES (?,?,?,?,?)");
      s.blob(1, h).i64(2, e.slot).i64(3, static_cast<int64_t>(epoch)).i64(4, from_slot).blob(5, e.blob);
      if (s.step() != SQLITE_DONE) return err("put epoch blob");
    }
    return t.commit();
  }

  Result<std::optional<EpochBlobRecord>> get_epoch_blob(const Handle& h, uint16_t slot) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT epoch, from_slot, blob FROM epoch_blobs WHERE handle=? AND slot=?");
    s.blob(1, h).i64(2, slot);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<EpochBlobRecord>{};
    if (rc != SQLITE_ROW) return err("get epoch blob");
    const int64_t epoch = s.col_i64(0), from_slot = s.col_i64(1);
    Bytes blob = s.col_blob(2);
    if (epoch < 0 || !in_range(from_slot, 0, kSlotLimit - 1) || blob.size() > protocol::kMaxEpochBlobBytes)
      return damaged("epoch blob", "epoch, sender slot or size");
    return std::optional<EpochBlobRecord>(
        EpochBlobRecord{static_cast<uint64_t>(epoch), static_cast<uint16_t>(from_slot), std::move(blob)});
  }

  Result<size_t> mailbox_count(const protocol::MailboxId& id) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT count(*) FROM mailbox WHERE mailbox_id=?");
    s.blob(1, id);
    if (s.step() != SQLITE_ROW) return err("count mailbox");
    return static_cast<size_t>(s.col_i64(0));
  }

  Result<bool> mailbox_put(const protocol::MailboxId& id, const protocol::MailboxItemId& item, ByteSpan blob,
                           size_t max_items) override {
    std::lock_guard lock(mu_);
    Txn t(this);
    if (!t.ok()) return err("begin");
    {
      Stmt s(db_, "SELECT count(*) FROM mailbox WHERE mailbox_id=?");
      s.blob(1, id);
      if (s.step() != SQLITE_ROW) return err("count mailbox");
      if (static_cast<size_t>(s.col_i64(0)) >= max_items) return false;
    }
    {
      Stmt s(db_, "INSERT INTO mailbox (mailbox_id, item_id, blob) VALUES (?,?,?)");
      s.blob(1, id).blob(2, item).blob(3, blob);
      if (s.step() != SQLITE_DONE) return err("mailbox put");
    }
    Status c = t.commit();
    if (!c) return c;
    return true;
  }

  Result<std::vector<protocol::MailboxItem>> mailbox_list(const protocol::MailboxId& id, size_t max_items,
                                                          size_t max_bytes, bool* more) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT item_id, blob FROM mailbox WHERE mailbox_id=? ORDER BY seq");
    s.blob(1, id);
    std::vector<protocol::MailboxItem> out;
    size_t bytes = 0;
    *more = false;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
      protocol::MailboxItem it;
      Bytes blob = s.col_blob(1);
      if (blob.empty() || blob.size() > protocol::kMaxMailboxBlobBytes)
        return damaged("mailbox", "blob size");
      if (out.size() >= max_items || (!out.empty() && bytes + blob.size() > max_bytes)) {
        *more = true;
        break;
      }
      if (!to_array(s.col_blob(0), it.id)) return damaged("mailbox", "item id not 16 bytes");
      bytes += blob.size();
      it.blob = std::move(blob);
      out.push_back(std::move(it));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return err("mailbox list");
    return out;
  }

  Result<size_t> mailbox_delete(const protocol::MailboxId& id,
                                const std::vector<protocol::MailboxItemId>& items) override {
    std::lock_guard lock(mu_);
    Txn t(this);
    if (!t.ok()) return err("begin");
    size_t n = 0;
    for (const auto& item : items) {
      Stmt s(db_, "DELETE FROM mailbox WHERE mailbox_id=? AND item_id=?");
      s.blob(1, id).blob(2, item);
      if (s.step() != SQLITE_DONE) return err("mailbox delete");
      n += static_cast<size_t>(sqlite3_changes(db_));
    }
    Status c = n > 0 ? commit_and_scrub(t) : t.commit();
    if (!c) return c;
    return n;
  }

  Result<bool> add_spent_token(ByteSpan nonce_hash) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR IGNORE INTO spent_tokens VALUES (?)");
    s.blob(1, nonce_hash);
    if (s.step() != SQLITE_DONE) return err("insert spent token");
    return sqlite3_changes(db_) == 1;
  }

  Status put_service_record(ByteSpan scope, uint16_t service, ByteSpan key, ByteSpan value) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "INSERT OR REPLACE INTO service_records VALUES (?,?,?,?)");
    s.blob(1, scope).i64(2, service).blob(3, key).blob(4, value);
    if (s.step() != SQLITE_DONE) return err("put service record");
    return Status::ok();
  }

  Result<std::optional<Bytes>> get_service_record(ByteSpan scope, uint16_t service, ByteSpan key) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "SELECT value FROM service_records WHERE scope=? AND service=? AND record_key=?");
    s.blob(1, scope).i64(2, service).blob(3, key);
    int rc = s.step();
    if (rc == SQLITE_DONE) return std::optional<Bytes>{};
    if (rc != SQLITE_ROW) return err("get service record");
    return std::optional<Bytes>(s.col_blob(0));
  }

  Result<std::vector<std::pair<Bytes, Bytes>>> list_service_records(ByteSpan scope,
                                                                    uint16_t service) override {
    std::lock_guard lock(mu_);
    Stmt s(db_,
           "SELECT record_key, value FROM service_records WHERE scope=? AND service=? ORDER BY record_key");
    s.blob(1, scope).i64(2, service);
    std::vector<std::pair<Bytes, Bytes>> out;
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) out.emplace_back(s.col_blob(0), s.col_blob(1));
    if (rc != SQLITE_DONE) return err("list service records");
    return out;
  }

  Status delete_service_records(ByteSpan scope, uint16_t service) override {
    std::lock_guard lock(mu_);
    Stmt s(db_, "DELETE FROM service_records WHERE scope=? AND service=?");
    s.blob(1, scope).i64(2, service);
    if (s.step() != SQLITE_DONE) return err("delete service records");
    return sqlite3_changes(db_) > 0 ? scrub_wal() : Status::ok();
  }

  Result<std::vector<AuditLine>> audit() override {
    std::lock_guard lock(mu_);
    struct Q {
      const char* kind;
      const char* what;
      const char* sql;
    };
    // Every table and every column, so nothing stored escapes the audit.
    static const Q kQueries[] = {
        {"meeting handle", "random 32-byte handle (KDF output, unlinkable across sessions)",
         "SELECT count(*), coalesce(sum(length(handle)),0) FROM meetings"},
        {"join verifier", "public key of the meeting's join key (Ed25519 / ML-DSA-65)",
         "SELECT count(*), coalesce(sum(length(join_verifier)),0) FROM meetings"},
        {"meeting info blob", "AES-256-GCM blob (title, agenda, schedule) under a key only members hold",
         "SELECT count(*), coalesce(sum(length(info_blob)),0) FROM meetings"},
        {"meeting counters",
         "per meeting: max members, join scheme, epoch number, join-order counter (integers)",
         "SELECT count(*), count(*)*4*8 FROM meetings"},
        {"FHE key blob", "BFV/CKKS public and evaluation keys (public material)",
         "SELECT count(*), coalesce(sum(length(blob)),0) FROM key_blobs"},
        {"occupied slot", "slot index, join-order number, SHA3-256 hash of a random reclaim token",
         "SELECT count(*), coalesce(sum(length(token_hash)),0) FROM slots"},
        {"roster ciphertext", "BFV ciphertext of a member's identity token (meeting key)",
         "SELECT count(*), coalesce(sum(length(roster_ct)),0) FROM roster"},
        {"display-name blob", "AES-256-GCM blob of a member's display name (meeting key)",
         "SELECT count(*), coalesce(sum(length(name_blob)),0) FROM roster"},
        {"epoch key blob", "X-Wing encapsulated, signed epoch secret for one slot",
         "SELECT count(*), coalesce(sum(length(blob)),0) FROM epoch_blobs"},
        {"mailbox blob",
         "anonymous invitation (X-Wing ciphertext + AEAD + ML-DSA signature) under a random-looking mailbox "
         "id, with a random item id",
         "SELECT count(*), coalesce(sum(length(blob)+length(mailbox_id)+length(item_id)),0) FROM mailbox"},
        {"spent admission token", "SHA-256 of a redeemed token's random nonce (unlinkable to its issuance)",
         "SELECT count(*), coalesce(sum(length(nonce_hash)),0) FROM spent_tokens"},
        {"service record", "opaque ciphertext held by an FHE service (durations, billing, analytics)",
         "SELECT count(*), coalesce(sum(length(record_key)+length(value)+length(scope)),0) FROM "
         "service_records"},
    };
    std::vector<AuditLine> out;
    for (const Q& q : kQueries) {
      Stmt s(db_, q.sql);
      if (s.step() != SQLITE_ROW) return err("audit");
      out.push_back(
          {q.kind, q.what, static_cast<uint64_t>(s.col_i64(0)), static_cast<uint64_t>(s.col_i64(1))});
    }
    return out;
  }

  Result<uint64_t> bytes_in_use() override {
    std::lock_guard lock(mu_);
    int64_t v[3] = {0, 0, 0};
    const char* sql[3] = {"PRAGMA page_count", "PRAGMA freelist_count", "PRAGMA page_size"};
    for (int i = 0; i < 3; ++i) {
      Stmt s(db_, sql[i]);
      if (s.step() != SQLITE_ROW) return err("page count");
      v[i] = s.col_i64(0);
    }
    return static_cast<uint64_t>(std::max<int64_t>(0, v[0] - v[1]) * v[2]);
  }

 private:
  // RAII transaction: rolls back unless commit() succeeded.
  class Txn {
   public:
    explicit Txn(SqliteStore* s) : s_(s) { ok_ = s_->exec("BEGIN IMMEDIATE").is_ok(); }
    ~Txn() {
      if (ok_ && !done_) (void)s_->exec("ROLLBACK");
    }
    bool ok() const { return ok_; }
    Status commit() {
      done_ = true;
      Status st = s_->exec("COMMIT");
      if (!st) (void)s_->exec("ROLLBACK");
      return st;
    }

   private:
    SqliteStore* s_;
    bool ok_ = false;
    bool done_ = false;
  };

  // A slot's rows in every table, its identity blob included (caller holds mu_ in a transaction).
  Status delete_slot_rows(const Handle& h, uint16_t slot) {
    for (const char* sql :
         {"DELETE FROM slots WHERE handle=? AND slot=?", "DELETE FROM roster WHERE handle=? AND slot=?",
          "DELETE FROM epoch_blobs WHERE handle=? AND slot=?"}) {
      Stmt s(db_, sql);
      s.blob(1, h).i64(2, slot);
      if (s.step() != SQLITE_DONE) return err("delete slot");
    }
    Stmt s(db_, "DELETE FROM key_blobs WHERE handle=? AND kind=?");
    s.blob(1, h).i64(2, protocol::identity_key_kind(slot));
    if (s.step() != SQLITE_DONE) return err("delete identity blob");
    return Status::ok();
  }

  Status exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : "unknown";
      sqlite3_free(msg);
      return Status::error("store: " + m);
    }
    return Status::ok();
  }

  // Deleted bytes must leave the disk now, not at the next clean stop: secure_delete zeroes the
  // freed cells and pages in the new page images, and a TRUNCATE checkpoint writes those images
  // into the database file and empties the -wal file, which still held the old images. With one
  // connection under mu_ no reader can hold the checkpoint back.
  Status scrub_wal() {
    if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr) != SQLITE_OK)
      return err("checkpoint after delete");
    return Status::ok();
  }
  Status commit_and_scrub(Txn& t) {
    Status c = t.commit();
    return c ? scrub_wal() : c;
  }

  Status err(const char* what) {
    return Status::error(std::string("store: ") + what + ": " + sqlite3_errmsg(db_));
  }

  // Roster generations (see Store::roster_generation), bumped under mu_ with the write. A reader
  // that takes the generation BEFORE reading the rows can only pair a generation with rows at
  // least as new as it, so a cache keyed by it is never stale (at worst rebuilt once more).
  static uint64_t next_generation() {
    static std::atomic<uint64_t> counter{0};
    return ++counter;
  }
  static std::string key_of(const Handle& h) { return std::string(h.begin(), h.end()); }
  void bump_roster(const Handle& h) { roster_gen_[key_of(h)] = next_generation(); }

  sqlite3* db_;
  std::mutex mu_;
  std::unordered_map<std::string, uint64_t> roster_gen_;  // meetings touched since open
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Result<std::unique_ptr<Store>>::error("store: cannot create data dir: " +
                                                 std::string(std::strerror(errno)));
  const std::string path = dir + "/" + kDatabaseFile;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string m = db ? sqlite3_errmsg(db) : "open failed";
    sqlite3_close_v2(db);
    return Result<std::unique_ptr<Store>>::error("store: " + m);
  }
  ::chmod(path.c_str(), 0600);
  auto store = std::make_unique<SqliteStore>(db);
  Status s = store->init();
  if (!s) return s;
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace v100::meeting::store
