// Server handlers of the metadata services. They run on the server's worker pool and see only
// ciphertexts and random handles; every error is a Result (the server answers Error and goes on).
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include "hash/sha3.h"
#include "meeting/protocol/messages.h"
#include "meeting/services/services.h"
#include "services/analytics.h"
#include "services/ledger.h"
#include "services/lookup.h"

namespace v100::meeting::services {

namespace svc = v100::services;
using server::ServiceCall;
using server::ServiceReply;

namespace {

using R = Result<ServiceReply>;

R fail(const std::string& m) {
  return R::error(m);
}

ByteSpan scope_of(const ServiceCall& call) {
  return ByteSpan(call.meeting->data(), call.meeting->size());
}

Bytes key(std::string_view k) {
  return Bytes(k.begin(), k.end());
}

Bytes slot_key(std::string_view prefix, uint16_t slot) {
  Bytes k = key(prefix);
  k.push_back(static_cast<uint8_t>(slot));
  k.push_back(static_cast<uint8_t>(slot >> 8));
  return k;
}

// Read-modify-write of an accumulator must not interleave between worker threads; one lock per
// scope (a meeting or an account, hashed onto a fixed set of stripes), so folds and reports of
// different scopes run in parallel on the worker pool.
std::mutex& rmw_mutex(ByteSpan scope) {
  static constexpr size_t kStripes = 64;
  static std::mutex stripes[kStripes];
  uint64_t h = 1469598103934665603ull;  // FNV-1a: scopes are random handles, any mix will do
  for (uint8_t b : scope) h = (h ^ b) * 1099511628211ull;
  return stripes[h % kStripes];
}

// A least-recently-used map bounded by a total cost (entries, or bytes). The services' caches hold
// state rebuilt from the store on a miss (a billing account's prepared keys, 4.7 MiB; a meeting's
// prepared roster, 196 KiB per block of 32 members), so a bound costs only a rebuild, while an
// unbounded cache let anonymous registrations grow the server without limit. Thread-safe.
template <typename V>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity) {}
  std::optional<V> get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->value;
  }
  /// Inserts or replaces; drops least recently used entries until the total cost fits (an entry
  /// costlier than the whole capacity is not kept).
  void put(const std::string& key, V value, size_t cost = 1) {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      used_ -= it->second->cost;
      order_.erase(it->second);
      index_.erase(it);
    }
    order_.push_front(Node{key, std::move(value), cost});
    index_[key] = order_.begin();
    used_ += cost;
    while (used_ > capacity_ && !order_.empty()) {
      used_ -= order_.back().cost;
      index_.erase(order_.back().key);
      order_.pop_back();
    }
  }

 private:
  struct Node {
    std::string key;
    V value;
    size_t cost;
  };
  std::mutex mu_;
  const size_t capacity_;
  size_t used_ = 0;
  std::list<Node> order_;  // most recent first
  std::unordered_map<std::string, typename std::list<Node>::iterator> index_;
};

// ---- look-up ----

struct LookupEntry {
  std::optional<uint64_t> generation;  // Store::roster_generation when the store tells one
  std::string fingerprint;             // otherwise a digest of the roster rows
  std::shared_ptr<const svc::LookupServer> server;
  std::shared_ptr<const svc::LookupServer::PreparedRoster> roster;
  std::vector<uint16_t> slots;
};

/// Prepared rosters of the most recently queried meetings, bounded by their bytes: 256 MiB holds
/// 40 meetings of 1024 members or 1300 of 32 (SECURITY.md, "Resource limits").
constexpr size_t kLookupCacheBytes = 256u << 20;

LruCache<LookupEntry>& lookup_cache() {
  static LruCache<LookupEntry> c(kLookupCacheBytes);
  return c;
}

// A cheap fingerprint of the roster: every (slot, size, head, tail) — a re-upload changes the
// ciphertext's fresh seed and so its bytes. Used only with a store that tells no generation.
std::string roster_fingerprint(const std::vector<store::RosterRecord>& roster) {
  hash::Sha3_256 h;
  for (const auto& r : roster) {
    uint8_t hdr[6] = {static_cast<uint8_t>(r.slot),
                      static_cast<uint8_t>(r.slot >> 8),
                      static_cast<uint8_t>(r.roster_ct.size()),
                      static_cast<uint8_t>(r.roster_ct.size() >> 8),
                      static_cast<uint8_t>(r.roster_ct.size() >> 16),
                      static_cast<uint8_t>(r.roster_ct.size() >> 24)};
    h.update(hdr);
    size_t n = std::min<size_t>(96, r.roster_ct.size());
    h.update(ByteSpan(r.roster_ct.data(), n));
    h.update(ByteSpan(r.roster_ct.data() + r.roster_ct.size() - n, n));
  }
  auto d = h.final();
  return std::string(d.begin(), d.end());
}

// Reads the roster and the meeting's public key from the store and prepares the blocks.
Result<LookupEntry> build_lookup_entry(const ServiceCall& call, std::vector<store::RosterRecord> entries) {
  using RE = Result<LookupEntry>;
  LookupEntry entry;
  auto pk = call.store->get_key_blob(*call.meeting, protocol::kKeyBfvPublic);
  if (!pk.is_ok() || !pk->has_value()) return RE::error("lookup: meeting has no BFV public key");
  auto server = svc::LookupServer::create(**pk);
  if (!server.is_ok()) return RE::error(server.message());
  std::map<size_t, std::vector<ByteSpan>> blocks;
  for (const auto& r : entries) {
    blocks[r.slot / svc::kSlotsPerBlock].push_back(r.roster_ct);
    entry.slots.push_back(r.slot);
  }
  // Blocks are dense from 0 so reply i belongs to block i; an empty block gets no reply.
  size_t num_blocks = blocks.rbegin()->first + 1;
  std::vector<Bytes> sums(num_blocks);
  for (auto& [b, ups] : blocks) {
    auto s = (*server)->sum_block(ups);
    if (!s.is_ok()) return RE::error(s.message());
    sums[b] = std::move(s).value();
  }
  for (size_t b = 0; b < num_blocks; ++b)
    if (sums[b].empty()) sums[b] = sums[blocks.begin()->first];  // placeholder: no occupied slot
  std::vector<ByteSpan> spans(sums.begin(), sums.end());
  auto prepared = (*server)->prepare(spans);
  if (!prepared.is_ok()) return RE::error(prepared.message());
  entry.server = *server;
  entry.roster = *prepared;
  return entry;
}

R lookup_query(const ServiceCall& call) {
  if (call.op != 1 || call.blobs.size() != 1) return fail("lookup: bad request");
  std::string scope(call.meeting->begin(), call.meeting->end());
  // The generation is read before the rows (Store::roster_generation): when it matches the cached
  // one, the roster has not changed and is not read at all (a 1024-member roster is 56 MB).
  const std::optional<uint64_t> generation = call.store->roster_generation(*call.meeting);
  std::optional<LookupEntry> hit = lookup_cache().get(scope);
  LookupEntry entry;
  if (generation && hit && hit->generation == generation) entry = std::move(*hit);
  if (!entry.roster) {
    bool more = false;
    auto roster = call.store->get_roster(*call.meeting, 0, 0, SIZE_MAX, &more);
    if (!roster.is_ok()) return fail("lookup: roster unavailable");
    std::vector<store::RosterRecord> entries;
    for (auto& r : *roster)
      if (!r.roster_ct.empty()) entries.push_back(std::move(r));
    if (entries.empty()) return fail("lookup: empty roster");
    std::string fp = generation ? std::string() : roster_fingerprint(entries);
    if (!generation && hit && !hit->generation && hit->fingerprint == fp) {
      entry = std::move(*hit);
    } else {
      auto built = build_lookup_entry(call, std::move(entries));
      if (!built.is_ok()) return fail(built.message());
      entry = std::move(built).value();
      entry.generation = generation;
      entry.fingerprint = std::move(fp);
      lookup_cache().put(scope, entry, svc::LookupServer::prepared_bytes(*entry.roster));
    }
  }
  auto replies = entry.server->answer(call.blobs[0], *entry.roster, 1);
  if (!replies.is_ok()) return fail(replies.message());
  ServiceReply out;
  out.blobs = svc::pack_answer(*replies, entry.slots);
  return out;
}

// ---- durations ----

R durations(const ServiceCall& call) {
  const Bytes acc_key = key("acc");
  if (call.op == 1 || call.op == 2) {
    if (call.blobs.size() != 1) return fail("durations: bad request");
    std::lock_guard<std::mutex> lock(rmw_mutex(scope_of(call)));
    auto acc = call.store->get_service_record(scope_of(call), kDurations, acc_key);
    if (!acc.is_ok()) return fail("durations: store");
    Bytes cur = acc->value_or(Bytes{});
    auto next = call.op == 1 ? svc::ledger_sub(cur, call.blobs[0]) : svc::ledger_add(cur, call.blobs[0]);
    if (!next.is_ok()) return fail(next.message());
    if (!call.store->put_service_record(scope_of(call), kDurations, acc_key, *next).is_ok())
      return fail("durations: store");
    return ServiceReply{};
  }
  if (call.op == 3) {
    auto acc = call.store->get_service_record(scope_of(call), kDurations, acc_key);
    if (!acc.is_ok() || !acc->has_value()) return fail("durations: nothing reported");
    auto total = svc::ledger_total(**acc);
    if (!total.is_ok()) return fail(total.message());
    ServiceReply out;
    out.blobs = {**acc, *total};
    return out;
  }
  return fail("durations: unknown op");
}

// ---- billing ----

/// Prepared account states (4.7 MiB each) of the most recently billed accounts. Registration
/// does not fill it (anyone may register): the first fold does.
constexpr size_t kBillingCacheEntries = 8;

LruCache<std::shared_ptr<const svc::BillingAccountState>>& billing_cache() {
  static LruCache<std::shared_ptr<const svc::BillingAccountState>> c(kBillingCacheEntries);
  return c;
}

constexpr size_t kAccountBytes = 16;
constexpr size_t kPeriodBytes = 32;

R billing(const ServiceCall& call) {
  if (call.blobs.empty() || call.blobs[0].size() != kAccountBytes) return fail("billing: bad account handle");
  const Bytes& account = call.blobs[0];
  const std::string account_id(account.begin(), account.end());
  if (call.op == 1) {
    if (call.blobs.size() != 3) return fail("billing: bad request");
    auto state = svc::BillingAccountState::create(call.blobs[1], call.blobs[2]);  // validates both
    if (!state.is_ok()) return fail(state.message());
    std::lock_guard<std::mutex> lock(rmw_mutex(account));
    auto existing = call.store->get_service_record(account, kBilling, key("rk"));
    if (!existing.is_ok()) return fail("billing: store");
    if (existing->has_value()) return fail("billing: account exists");
    if (!call.store->put_service_record(account, kBilling, key("rk"), call.blobs[1]).is_ok() ||
        !call.store->put_service_record(account, kBilling, key("rate"), call.blobs[2]).is_ok())
      return fail("billing: store");
    return ServiceReply{};
  }
  if (call.blobs.size() < 2 || call.blobs[1].size() != kPeriodBytes)
    return fail("billing: bad period handle");
  Bytes period_key = key("period:");
  period_key.insert(period_key.end(), call.blobs[1].begin(), call.blobs[1].end());
  if (call.op == 2) {
    if (call.blobs.size() != 3) return fail("billing: bad request");
    std::shared_ptr<const svc::BillingAccountState> state = billing_cache().get(account_id).value_or(nullptr);
    if (!state) {  // not recently used, or after a restart: rebuild from the store
      auto rk = call.store->get_service_record(account, kBilling, key("rk"));
      auto rate = call.store->get_service_record(account, kBilling, key("rate"));
      if (!rk.is_ok() || !rate.is_ok() || !rk->has_value() || !rate->has_value())
        return fail("billing: unknown account");
      auto s = svc::BillingAccountState::create(**rk, **rate);
      if (!s.is_ok()) return fail(s.message());
      state = *s;
      billing_cache().put(account_id, state);
    }
    std::lock_guard<std::mutex> lock(rmw_mutex(account));
    auto acc = call.store->get_service_record(account, kBilling, period_key);
    if (!acc.is_ok()) return fail("billing: store");
    auto next = state->fold(acc->value_or(Bytes{}), call.blobs[2]);
    if (!next.is_ok()) return fail(next.message());
    if (!call.store->put_service_record(account, kBilling, period_key, *next).is_ok())
      return fail("billing: store");
    return ServiceReply{};
  }
  if (call.op == 3) {
    auto acc = call.store->get_service_record(account, kBilling, period_key);
    if (!acc.is_ok()) return fail("billing: store");
    ServiceReply out;
    if (acc->has_value()) {
      out.blobs.push_back(**acc);
    } else {
      out.status = 1;  // nothing billed in this period
    }
    return out;
  }
  return fail("billing: unknown op");
}

// ---- analytics ----

R analytics(const ServiceCall& call) {
  if (call.op == 1 || call.op == 2) {
    if (call.blobs.size() != 1 || !call.slot) return fail("analytics: bad request");
    // Validate before storing: a malformed report must not poison the aggregate.
    if (call.op == 1) {
      auto ok = svc::attention_add({}, call.blobs[0]);
      if (!ok.is_ok()) return fail(ok.message());
    } else {
      auto ok = svc::ledger_add({}, call.blobs[0]);
      if (!ok.is_ok()) return fail(ok.message());
    }
    if (!call.store
             ->put_service_record(scope_of(call), kAnalytics,
                                  slot_key(call.op == 1 ? "att" : "spk", *call.slot), call.blobs[0])
             .is_ok())
      return fail("analytics: store");
    return ServiceReply{};
  }
  if (call.op == 3) {
    auto all = call.store->list_service_records(scope_of(call), kAnalytics);
    if (!all.is_ok()) return fail("analytics: store");
    std::vector<ByteSpan> att, spk;
    for (const auto& [k, v] : *all) {
      if (k.size() == 5 && k[0] == 'a') att.push_back(v);
      if (k.size() == 5 && k[0] == 's') spk.push_back(v);
    }
    if (att.empty() || spk.empty()) return fail("analytics: no reports");
    auto a = svc::attention_sum(att);
    if (!a.is_ok()) return fail(a.message());
    auto s = svc::ledger_sum(spk);
    if (!s.is_ok()) return fail(s.message());
    ByteWriter count;
    count.u16(static_cast<uint16_t>(att.size()));
    ServiceReply out;
    out.blobs = {*a, *s, count.take()};
    return out;
  }
  return fail("analytics: unknown op");
}

// Member-only services refuse callers that have not joined a meeting.
server::ServiceHandler members_only(R (*f)(const ServiceCall&)) {
  return [f](const ServiceCall& call) -> R {
    if (!call.meeting || !call.store) return fail("service needs a joined member");
    return f(call);
  };
}

}  // namespace

server::ServiceHandler metadata_service_handler(ServiceId service) {
  switch (service) {
    case kLookup:
      return members_only(&lookup_query);
    case kDurations:
      return members_only(&durations);
    case kAnalytics:
      return members_only(&analytics);
    case kBilling:
      return [](const ServiceCall& call) -> R {
        if (!call.store) return fail("billing: no store");
        return billing(call);
      };
  }
  throw std::invalid_argument("metadata_service_handler: unknown service");
}

void register_metadata_services(server::Server& server) {
  for (ServiceId id : {kLookup, kDurations, kAnalytics, kBilling})
    server.register_service(id, metadata_service_handler(id));
}

}  // namespace v100::meeting::services
