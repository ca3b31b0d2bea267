#include "meeting/services/sustained_workloads.h"

#include <cmath>
#include <optional>
#include <string>

#include "core/rng.h"
#include "fhe/bfv/match.h"
#include "fhe/common/keys.h"
#include "fhe/common/serialize.h"
#include "hash/sha3.h"
#include "meeting/services/services.h"
#include "services/analytics.h"
#include "services/ledger.h"
#include "services/lookup.h"

namespace v100::meeting::services {
namespace {

namespace svc = v100::services;

// Reproducible values from SHAKE256 over a fresh seed (core/rng.h: no statistical PRNG).
class Xof {
 public:
  Xof() {
    SecretBytes seed = random_seed32();
    x_.absorb(seed.span());
  }
  uint64_t u64() {
    uint8_t b[8];
    x_.squeeze(b);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    return v;
  }
  uint64_t below(uint64_t n) { return u64() % n; }  // bias < 2^-40 for the small n used here
  Bytes bytes(size_t n) {
    Bytes out(n);
    x_.squeeze(out);
    return out;
  }

 private:
  hash::Shake256 x_;
};

Bytes key_of(std::string_view k) {
  return Bytes(k.begin(), k.end());
}

// The meeting handle of every entry of a workload's table.
template <class T>
std::vector<protocol::Handle> handles_of(const std::vector<T>& items, protocol::Handle T::*member) {
  std::vector<protocol::Handle> out;
  out.reserve(items.size());
  for (const auto& i : items) out.push_back(i.*member);
  return out;
}

// A meeting record the server can load and join (Ed25519 join key), with its key blobs.
Status create_meeting(store::Store& st, const protocol::Handle& h, size_t members, ByteSpan join_verifier,
                      std::vector<protocol::KeyBlobEntry> keys, Xof& xof) {
  store::MeetingRecord m;
  m.handle = h;
  m.max_members = static_cast<uint16_t>(members);
  m.scheme = static_cast<uint8_t>(protocol::JoinScheme::kEd25519);
  m.join_verifier.assign(join_verifier.begin(), join_verifier.end());
  m.info_blob = xof.bytes(64);
  m.next_join_seq = 1;
  if (Status s = st.create_meeting(m, keys); !s) return s;
  // Slots 1..members-1 held by members who are offline; a joining connection takes slot 0.
  for (uint16_t s = 1; s < members; ++s) {
    store::SlotRecord rec;
    rec.slot = s;
    Bytes th = xof.bytes(32);
    std::copy(th.begin(), th.end(), rec.token_hash.begin());
    rec.join_seq = s;
    if (Status r = st.add_slot(h, rec, s + 1u); !r) return r;
  }
  return Status::ok();
}

protocol::Handle new_handle(Xof& xof) {
  protocol::Handle h{};
  Bytes b = xof.bytes(h.size());
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

// ---- look-up ----

class LookupWorkload final : public Workload {
 public:
  static constexpr size_t kQueries = 4;  // three members, one stranger
  LookupWorkload(size_t meetings, size_t members) : meetings_(meetings), members_(members) {}
  uint16_t service() const override { return kLookup; }
  size_t scopes() const override { return meetings_.size(); }
  size_t members() const override { return members_; }
  size_t members_per_op() const override { return members_; }
  std::vector<protocol::Handle> meeting_handles() const override {
    return handles_of(meetings_, &Meeting::handle);
  }

  Status setup(store::Store& st, ByteSpan join_verifier) override {
    Xof xof;
    const auto& ctx = svc::roster_context();
    for (auto& m : meetings_) {
      m.handle = new_handle(xof);
      Bytes seed = xof.bytes(32);
      fhe::KeyGenerator kg(ctx->rlwe_ptr(), seed);
      fhe::bfv::match::MatchClient mc(ctx, kg.secret_key());
      Bytes pk = fhe::serialize_public_key(ctx->rlwe(), kg.public_key());
      if (Status s =
              create_meeting(st, m.handle, members_, join_verifier, {{protocol::kKeyBfvPublic, pk}}, xof);
          !s)
        return s;
      std::vector<std::vector<uint16_t>> tokens(members_);
      for (uint16_t s = 0; s < members_; ++s) {
        auto& t = tokens[s];
        for (size_t j = 0; j < svc::kTokenValues; ++j) t.push_back(static_cast<uint16_t>(xof.u64()));
        store::RosterRecord r;
        r.slot = s;
        r.roster_ct =
            fhe::serialize_ciphertext(ctx->rlwe(), mc.encrypt_token_block(s % svc::kSlotsPerBlock, t));
        r.name_blob = xof.bytes(48);
        if (Status e = st.put_roster(m.handle, r); !e) return e;
      }
      m.client = std::make_unique<svc::LookupClient>(seed);
      for (size_t q = 0; q < kQueries; ++q) {
        std::vector<uint16_t> token;
        std::optional<uint16_t> expect;
        if (q + 1 < kQueries) {
          expect = static_cast<uint16_t>(xof.below(members_));
          token = tokens[*expect];
        } else {
          for (size_t j = 0; j < svc::kTokenValues; ++j) token.push_back(static_cast<uint16_t>(xof.u64()));
        }
        m.queries.push_back(m.client->encrypt_query(token));
        m.expect.push_back(expect);
      }
    }
    return Status::ok();
  }

  Request request(size_t scope, uint64_t n) override {
    const auto& m = meetings_[scope];
    size_t v = n % kQueries;
    return Request{1, {m.queries[v]}, v};
  }

  Status complete(size_t scope, const Request& req, const server::ServiceReply& reply, bool check,
                  const Caller&) override {
    if (!check) return Status::ok();
    const auto& m = meetings_[scope];
    if (reply.blobs.size() != 2) return Status::error("lookup: malformed answer");
    ByteReader r(reply.blobs[0]);
    uint32_t count = 0;
    if (!r.u32(count) || count > protocol::kMaxMembers / svc::kSlotsPerBlock)
      return Status::error("lookup: malformed answer");
    std::vector<Bytes> blocks(count);
    for (auto& b : blocks) {
      ByteSpan s;
      if (!r.blob(s, protocol::kMaxMessageBytes)) return Status::error("lookup: malformed answer");
      b.assign(s.begin(), s.end());
    }
    ByteReader sr(reply.blobs[1]);
    std::vector<uint16_t> slots;
    for (uint16_t s = 0; sr.u16(s);) slots.push_back(s);
    if (slots.size() != members_) return Status::error("lookup: wrong slot list");
    auto found = m.client->find(blocks, slots);
    if (!found) return found.status();
    if (*found != m.expect[req.variant])
      return Status::error(
          "lookup: wrong answer (expected " +
          (m.expect[req.variant] ? std::to_string(*m.expect[req.variant]) : std::string("absent")) +
          ", got " + (*found ? std::to_string(**found) : std::string("absent")) + ")");
    return Status::ok();
  }

 private:
  struct Meeting {
    protocol::Handle handle{};
    std::unique_ptr<svc::LookupClient> client;
    std::vector<Bytes> queries;
    std::vector<std::optional<uint16_t>> expect;
  };
  std::vector<Meeting> meetings_;
  size_t members_;
};

// ---- billing ----

class BillingWorkload final : public Workload {
 public:
  static constexpr size_t kAmounts = 4;
  explicit BillingWorkload(size_t accounts) : accounts_(accounts) {}
  uint16_t service() const override { return kBilling; }
  size_t scopes() const override { return accounts_.size(); }
  size_t members() const override { return 1; }
  size_t members_per_op() const override { return 1; }
  std::vector<protocol::Handle> meeting_handles() const override {
    return handles_of(accounts_, &Account::meeting);
  }

  Status setup(store::Store& st, ByteSpan join_verifier) override {
    Xof xof;
    for (auto& a : accounts_) {
      a.meeting = new_handle(xof);
      if (Status s = create_meeting(st, a.meeting, 1, join_verifier, {}, xof); !s) return s;
      a.account = xof.bytes(16);
      a.period = xof.bytes(32);
      a.keys = std::make_unique<svc::LedgerKeys>(xof.bytes(32));
      a.rate = 1 + xof.below(100);
      // What REGISTER stores (server_services.cc), written directly.
      if (Status s = st.put_service_record(a.account, kBilling, key_of("rk"), a.keys->relin_keys_blob()); !s)
        return s;
      Bytes rate = a.keys->encrypt_at(0, std::vector<uint64_t>{a.rate});
      if (Status s = st.put_service_record(a.account, kBilling, key_of("rate"), rate); !s) return s;
      Bytes pk = a.keys->public_key_blob();
      for (size_t v = 0; v < kAmounts; ++v) {
        a.minutes.push_back(1 + xof.below(600));
        auto ct = svc::encrypt_to_ledger(pk, 0, a.minutes.back());
        if (!ct) return ct.status();
        a.minute_cts.push_back(std::move(ct).value());
      }
    }
    return Status::ok();
  }

  Request request(size_t scope, uint64_t n) override {
    const auto& a = accounts_[scope];
    size_t v = n % kAmounts;
    return Request{2, {a.account, a.period, a.minute_cts[v]}, v};
  }

  Status complete(size_t scope, const Request& req, const server::ServiceReply&, bool check,
                  const Caller& call) override {
    auto& a = accounts_[scope];
    const uint64_t t = svc::ledger_params().t;
    a.total = (a.total + a.minutes[req.variant] * a.rate) % t;
    if (!check || a.unknown) return Status::ok();
    auto bill = call(3, {a.account, a.period});
    if (!bill) return Status::error("billing: bill fetch: " + bill.message());
    if (bill->status != 0 || bill->blobs.size() != 1) return Status::error("billing: malformed bill");
    auto v = a.keys->decrypt_coefficient(bill->blobs[0], 0);
    if (!v) return v.status();
    if (*v != a.total)
      return Status::error("billing: wrong bill (expected " + std::to_string(a.total) + ", got " +
                           std::to_string(*v) + ")");
    return Status::ok();
  }
  void failed(size_t scope, const Request&) override { accounts_[scope].unknown = true; }

 private:
  struct Account {
    protocol::Handle meeting{};
    Bytes account, period;
    std::unique_ptr<svc::LedgerKeys> keys;
    uint64_t rate = 0, total = 0;
    bool unknown = false;  // a fold failed: whether it landed is not known
    std::vector<uint64_t> minutes;
    std::vector<Bytes> minute_cts;
  };
  std::vector<Account> accounts_;
};

// ---- analytics ----

class AnalyticsWorkload final : public Workload {
 public:
  static constexpr size_t kIntervals = 16;
  AnalyticsWorkload(size_t meetings, size_t members) : meetings_(meetings), members_(members) {}
  uint16_t service() const override { return kAnalytics; }
  size_t scopes() const override { return meetings_.size(); }
  size_t members() const override { return members_; }
  size_t members_per_op() const override { return members_; }
  std::vector<protocol::Handle> meeting_handles() const override {
    return handles_of(meetings_, &Meeting::handle);
  }

  Status setup(store::Store& st, ByteSpan join_verifier) override {
    Xof xof;
    for (auto& m : meetings_) {
      m.handle = new_handle(xof);
      if (Status s = create_meeting(st, m.handle, members_, join_verifier, {}, xof); !s) return s;
      m.attention = std::make_unique<svc::AttentionKeys>(xof.bytes(32));
      m.ledger = std::make_unique<svc::LedgerKeys>(xof.bytes(32));
      m.attention_sum.assign(kIntervals, 0.0);
      const ByteSpan scope(m.handle.data(), m.handle.size());
      for (uint16_t s = 0; s < members_; ++s) {
        std::vector<double> scores(kIntervals);
        for (size_t i = 0; i < kIntervals; ++i) {
          scores[i] = static_cast<double>(xof.below(1001)) / 1000.0;
          m.attention_sum[i] += scores[i];
        }
        const uint64_t secs = xof.below(3600);
        m.seconds[s] = secs;
        m.histogram[svc::speaking_bucket(secs)]++;
        m.slots.push_back(s);
        // What ATTENTION and SPEAKING store (server_services.cc: latest report per slot).
        const uint8_t lo = static_cast<uint8_t>(s), hi = static_cast<uint8_t>(s >> 8);
        Bytes att = key_of("att"), spk = key_of("spk");
        att.insert(att.end(), {lo, hi});
        spk.insert(spk.end(), {lo, hi});
        if (Status e = st.put_service_record(scope, kAnalytics, att, m.attention->encrypt(scores)); !e)
          return e;
        if (Status e = st.put_service_record(scope, kAnalytics, spk,
                                             svc::encrypt_speaking_report(*m.ledger, s, secs));
            !e)
          return e;
      }
    }
    return Status::ok();
  }

  Request request(size_t, uint64_t) override { return Request{3, {}, 0}; }

  Status complete(size_t scope, const Request&, const server::ServiceReply& reply, bool check,
                  const Caller&) override {
    if (!check) return Status::ok();
    const auto& m = meetings_[scope];
    if (reply.blobs.size() != 3) return Status::error("analytics: malformed answer");
    ByteReader cr(reply.blobs[2]);
    uint16_t count = 0;
    if (!cr.u16(count) || count != members_) return Status::error("analytics: wrong member count");
    auto att = m.attention->decrypt(reply.blobs[0], kIntervals);
    if (!att) return att.status();
    // Flooded CKKS decryption keeps about 16 bits after the point per value; 32 members' sum: < 1e-2.
    for (size_t i = 0; i < kIntervals; ++i)
      if (std::fabs((*att)[i] - m.attention_sum[i]) > 1e-2)
        return Status::error("analytics: attention sum off by " +
                             std::to_string((*att)[i] - m.attention_sum[i]));
    auto spk = svc::decrypt_speaking(*m.ledger, reply.blobs[1], m.slots);
    if (!spk) return spk.status();
    if (spk->seconds != m.seconds || spk->histogram != m.histogram)
      return Status::error("analytics: wrong speaking summary");
    return Status::ok();
  }

 private:
  struct Meeting {
    protocol::Handle handle{};
    std::unique_ptr<svc::AttentionKeys> attention;
    std::unique_ptr<svc::LedgerKeys> ledger;
    std::vector<double> attention_sum;
    std::map<uint16_t, uint64_t> seconds;
    std::array<uint64_t, svc::kSpeakingBuckets> histogram{};
    std::vector<uint16_t> slots;
  };
  std::vector<Meeting> meetings_;
  size_t members_;
};

}  // namespace

Result<std::unique_ptr<Workload>> make_workload(const SustainedOptions& o) {
  using R = Result<std::unique_ptr<Workload>>;
  if (o.service == "lookup") {
    size_t m = o.members ? o.members : 1024, k = o.meetings ? o.meetings : 16;
    if (m < 1 || m > protocol::kMaxMembers || k > 4096)
      return R::error("bench-sustained: members 1..1024, meetings <= 4096");
    return std::unique_ptr<Workload>(new LookupWorkload(k, m));
  }
  if (o.service == "billing") {
    size_t k = o.meetings ? o.meetings : 8;
    if (o.members > 1 || k > 4096)
      return R::error("bench-sustained: billing folds one meeting into one account (--members 1)");
    return std::unique_ptr<Workload>(new BillingWorkload(k));
  }
  if (o.service == "analytics") {
    size_t m = o.members ? o.members : 32, k = o.meetings ? o.meetings : 8;
    if (m < 1 || m > svc::kMaxReportSlots || k > 4096)
      return R::error("bench-sustained: members 1..1024, meetings <= 4096");
    return std::unique_ptr<Workload>(new AnalyticsWorkload(k, m));
  }
  return R::error("bench-sustained: --service is lookup, billing or analytics");
}

}  // namespace v100::meeting::services
