// The server's persistent state behind a small interface (DESIGN.md §8): SQLite is the embedded
// default; a shared Redis backend can implement the same interface later without touching the
// server. What goes in is only random handles, public/evaluation key blobs, ciphertexts, AEAD
// blobs, hashes of random tokens, and counters (epoch numbers, join order) — never a name, title,
// address, amount or any timestamp (there is deliberately no created_at column anywhere).
//
// Thread safety: every Store method is safe to call from any thread (the SQLite backend
// serializes on one connection). Errors from the backend come back as Status/Result, never throw.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/protocol/messages.h"

namespace v100::meeting::store {

using protocol::Handle;

/// Schema version written to the database (PRAGMA user_version). Bumped on any schema change;
/// opening a database with a newer version fails instead of guessing.
/// v2: mailbox items carry a random item id (delete by id); a v1 database is migrated by dropping
/// its mailbox table (items under v1 mailbox ids, which no client reads any more).
inline constexpr int kSchemaVersion = 3;

/// A registered meeting.
struct MeetingRecord {
  Handle handle{};
  uint16_t max_members = 0;
  uint8_t scheme = 0;          ///< protocol::JoinScheme
  Bytes join_verifier;         ///< public key of the join key
  Bytes info_blob;             ///< AEAD blob (opaque)
  uint64_t epoch = 0;          ///< current group-key epoch number (0 = none yet)
  uint64_t next_join_seq = 1;  ///< join-order counter for the next new slot
  bool operator==(const MeetingRecord&) const = default;
};

/// An occupied slot: who holds it is unknown; only the hash of its reclaim token is kept.
struct SlotRecord {
  uint16_t slot = 0;
  std::array<uint8_t, 32> token_hash{};  ///< SHA3-256 of the random slot token
  uint64_t join_seq = 0;
  bool operator==(const SlotRecord&) const = default;
};

/// A member's roster entry: BFV ciphertext and AEAD display-name blob (both opaque).
struct RosterRecord {
  uint16_t slot = 0;
  Bytes roster_ct;
  Bytes name_blob;
  bool operator==(const RosterRecord&) const = default;
};

/// The latest epoch blob addressed to one slot.
struct EpochBlobRecord {
  uint64_t epoch = 0;
  uint16_t from_slot = 0;
  Bytes blob;
  bool operator==(const EpochBlobRecord&) const = default;
};

/// One line of the audit: a kind of record, how many, how many bytes, and what it is.
struct AuditLine {
  std::string kind;
  std::string what;
  uint64_t count = 0;
  uint64_t bytes = 0;
};

/// Storage interface of the meeting server.
class Store {
 public:
  virtual ~Store() = default;

  /// Inserts a meeting and its key blobs atomically. Error if the handle exists.
  virtual Status create_meeting(const MeetingRecord& meeting,
                                const std::vector<protocol::KeyBlobEntry>& keys) = 0;
  /// The meeting, or nullopt if absent.
  virtual Result<std::optional<MeetingRecord>> get_meeting(const Handle& handle) = 0;
  /// Deletes a meeting and everything under it (keys, slots, roster, epoch blobs, service records
  /// scoped to its handle).
  virtual Status delete_meeting(const Handle& handle) = 0;

  /// Adds a key blob; returns false (not an error) if that kind already exists.
  virtual Result<bool> add_key_blob(const Handle& handle, uint16_t kind, ByteSpan blob) = 0;
  /// Inserts or replaces a key blob (the server uses it for a slot's identity blob, which only the
  /// slot's member may write).
  virtual Status put_key_blob(const Handle& handle, uint16_t kind, ByteSpan blob) = 0;
  virtual Result<std::optional<Bytes>> get_key_blob(const Handle& handle, uint16_t kind) = 0;
  virtual Result<std::vector<protocol::KeyBlobInfo>> list_key_blobs(const Handle& handle) = 0;

  /// Records a newly occupied slot and advances the meeting's join counter to next_join_seq,
  /// atomically. Error if the slot is taken.
  virtual Status add_slot(const Handle& handle, const SlotRecord& slot, uint64_t next_join_seq) = 0;
  virtual Result<std::vector<SlotRecord>> list_slots(const Handle& handle) = 0;
  /// Frees a slot and deletes its roster entry, epoch blob and identity blob
  /// (key kind protocol::identity_key_kind(slot)).
  virtual Status delete_slot(const Handle& handle, uint16_t slot) = 0;
  /// RemoveMember: frees `slot` like delete_slot and replaces the meeting's join verifier, in one
  /// transaction (a crash cannot leave the removed member's slot with a new verifier or the reverse).
  virtual Status remove_member(const Handle& handle, uint16_t slot, ByteSpan new_join_verifier) = 0;

  /// Inserts or replaces a slot's roster entry.
  virtual Status put_roster(const Handle& handle, const RosterRecord& entry) = 0;
  /// Roster entries with slot >= first_slot in slot order, at most max_entries (0 = no limit),
  /// stopping before the total blob bytes would exceed max_bytes (at least one entry is returned
  /// if any exists). `more` is set when entries remain.
  virtual Result<std::vector<RosterRecord>> get_roster(const Handle& handle, uint16_t first_slot,
                                                       size_t max_entries, size_t max_bytes, bool* more) = 0;

  /// Sets the meeting's epoch and replaces the epoch blobs of the listed slots, atomically.
  virtual Status put_epoch(const Handle& handle, uint64_t epoch, uint16_t from_slot,
                           const std::vector<protocol::EpochEntry>& entries) = 0;
  virtual Result<std::optional<EpochBlobRecord>> get_epoch_blob(const Handle& handle, uint16_t slot) = 0;

  /// Number of items a mailbox holds.
  virtual Result<size_t> mailbox_count(const protocol::MailboxId& id) = 0;
  /// Appends an item (the caller picks a random item id) to a mailbox; returns false when it
  /// already holds max_items. Error if the item id is already used in that mailbox.
  virtual Result<bool> mailbox_put(const protocol::MailboxId& id, const protocol::MailboxItemId& item,
                                   ByteSpan blob, size_t max_items) = 0;
  /// The mailbox's items, oldest first, at most max_items, stopping before the blob bytes would
  /// exceed max_bytes (at least one item is returned if any exists). `more` is set when items remain.
  virtual Result<std::vector<protocol::MailboxItem>> mailbox_list(const protocol::MailboxId& id,
                                                                  size_t max_items, size_t max_bytes,
                                                                  bool* more) = 0;
  /// Deletes the listed items of this mailbox (ids not in it are ignored); returns how many went.
  virtual Result<size_t> mailbox_delete(const protocol::MailboxId& id,
                                        const std::vector<protocol::MailboxItemId>& items) = 0;

  // Opaque records for server-side services (issue #7): (scope, service, key) -> value. `scope` is
  // a random handle (meeting or account handle); keys and values are opaque bytes.
  virtual Status put_service_record(ByteSpan scope, uint16_t service, ByteSpan key, ByteSpan value) = 0;
  virtual Result<std::optional<Bytes>> get_service_record(ByteSpan scope, uint16_t service, ByteSpan key) = 0;
  virtual Result<std::vector<std::pair<Bytes, Bytes>>> list_service_records(ByteSpan scope,
                                                                            uint16_t service) = 0;
  virtual Status delete_service_records(ByteSpan scope, uint16_t service) = 0;

  /// Records a redeemed admission token by SHA-256 of its random nonce (docs/admission.md): true if
  /// new, false if it was already redeemed. The hash cannot be linked to the token's issuance.
  virtual Result<bool> add_spent_token(ByteSpan nonce_hash) = 0;

  /// Every kind of record held, with counts, sizes and a plain description (`v100 audit`).
  virtual Result<std::vector<AuditLine>> audit() = 0;

  /// A number that changes whenever the meeting's roster may have changed (put_roster, delete_slot,
  /// remove_member, create_meeting, delete_meeting), never repeated within this process (across
  /// every store), so a cache of work derived from the roster can be checked without reading the
  /// roster. In memory only: a fresh value after every open. nullopt when the backend cannot tell
  /// (the caller then reads the roster). Default: nullopt.
  virtual std::optional<uint64_t> roster_generation(const Handle& /*handle*/) { return std::nullopt; }

  /// Bytes of live data (pages in use, free pages excluded) for the server's store quota.
  /// Default: 0 (a backend without a notion of size is never over quota).
  virtual Result<uint64_t> bytes_in_use() { return uint64_t{0}; }
};

/// Opens (creating if needed) the SQLite store `dir`/v100.db in WAL mode. `dir` is created with
/// mode 0700 if missing. Error if the database is unreadable or has a newer schema version.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& dir);

/// File name of the SQLite database inside the data directory.
inline constexpr char kDatabaseFile[] = "v100.db";

}  // namespace v100::meeting::store
