// Client halves of the metadata services: encrypt requests under the meeting's (or account's) keys,
// decrypt answers. The server sees only what services.h lists.
#include <openssl/evp.h>

#include <stdexcept>

#include "core/rng.h"
#include "hash/sha3.h"
#include "meeting/client/roster.h"
#include "meeting/services/services.h"
#include "services/ledger.h"
#include "services/lookup.h"

namespace v100::meeting::services {

namespace svc = v100::services;

namespace {

// Labelled derivation from a 32-byte seed (SHAKE256 of label || seed).
SecretBytes derive(const SecretBytes& seed, std::string_view label, size_t len) {
  hash::Shake256 x;
  x.absorb(as_bytes(label));
  x.absorb(seed.span());
  SecretBytes out(len);
  x.squeeze(out.span());
  return out;
}

Status status_of(const Result<protocol::ServiceResponse>& r) {
  if (!r.is_ok()) return r.status();
  if (r->status != 0) return Status::error("service answered status " + std::to_string(r->status));
  return Status::ok();
}

}  // namespace

struct MetadataClient::Impl {
  explicit Impl(client::Client& cl) : c(cl) {}
  client::Client& c;
  std::unique_ptr<svc::LookupClient> lookup;
  std::unique_ptr<svc::LedgerKeys> ledger;
  std::unique_ptr<svc::AttentionKeys> attention;

  Status ensure_keys() {
    if (ledger) return Status::ok();
    auto bfv = c.bfv_seed();
    if (!bfv.is_ok()) return bfv.status();
    auto ckks = c.ckks_seed();
    if (!ckks.is_ok()) return ckks.status();
    auto led = c.derive_meeting_key("ledger-seed", {}, 32);
    if (!led.is_ok()) return led.status();
    lookup = std::make_unique<svc::LookupClient>(bfv->span());
    attention = std::make_unique<svc::AttentionKeys>(ckks->span());
    ledger = std::make_unique<svc::LedgerKeys>(led->span());
    return Status::ok();
  }
  Result<uint16_t> slot() {
    auto s = c.slot();
    if (!s) return Result<uint16_t>::error("not in a meeting");
    return *s;
  }
};

MetadataClient::MetadataClient(client::Client& client) : impl_(std::make_unique<Impl>(client)) {}
MetadataClient::~MetadataClient() = default;

Result<std::optional<uint16_t>> MetadataClient::lookup(const client::UserId& who) {
  using R = Result<std::optional<uint16_t>>;
  if (auto s = impl_->ensure_keys(); !s) return s;
  auto token = client::identity_token(who, svc::kTokenValues);
  auto resp = impl_->c.call_service(kLookup, 1, {impl_->lookup->encrypt_query(token)});
  if (auto s = status_of(resp); !s) return s;
  if (resp->blobs.size() != 2) return R::error("lookup: malformed answer");
  auto answer = svc::unpack_answer(resp->blobs[0], resp->blobs[1]);
  if (!answer.is_ok()) return answer.status();
  return impl_->lookup->find(answer->replies, answer->slots);
}

Status MetadataClient::report_join(uint64_t second) {
  if (second > svc::kMaxMeetingSeconds) return Status::error("durations: time beyond 30 days");
  if (auto s = impl_->ensure_keys(); !s) return s;
  auto slot = impl_->slot();
  if (!slot.is_ok()) return slot.status();
  return status_of(impl_->c.call_service(kDurations, 1,
                                         {impl_->ledger->encrypt_at(*slot, std::vector<uint64_t>{second})}));
}

Status MetadataClient::report_leave(uint64_t second) {
  if (second > svc::kMaxMeetingSeconds) return Status::error("durations: time beyond 30 days");
  if (auto s = impl_->ensure_keys(); !s) return s;
  auto slot = impl_->slot();
  if (!slot.is_ok()) return slot.status();
  return status_of(impl_->c.call_service(kDurations, 2,
                                         {impl_->ledger->encrypt_at(*slot, std::vector<uint64_t>{second})}));
}

Result<DurationReport> MetadataClient::fetch_durations(const std::vector<uint16_t>& slots) {
  using R = Result<DurationReport>;
  if (auto s = impl_->ensure_keys(); !s) return s;
  auto resp = impl_->c.call_service(kDurations, 3, {});
  if (auto s = status_of(resp); !s) return s;
  if (resp->blobs.size() != 2) return R::error("durations: malformed answer");
  uint16_t max_slot = 0;
  for (uint16_t s : slots) max_slot = std::max(max_slot, s);
  auto per = impl_->ledger->decrypt(resp->blobs[0], size_t{max_slot} + 1);
  if (!per.is_ok()) return per.status();
  auto total = impl_->ledger->decrypt_coefficient(resp->blobs[1], svc::ledger_params().n - 1);
  if (!total.is_ok()) return total.status();
  DurationReport r;
  const uint64_t t = svc::ledger_params().t;
  for (uint16_t s : slots) {
    uint64_t v = (*per)[s];
    if (v <= t / 2) r.seconds[s] = v;  // a member still present has a negative running value
  }
  r.total_seconds = *total;
  return r;
}

Status MetadataClient::report_attention(std::span<const double> scores) {
  if (auto s = impl_->ensure_keys(); !s) return s;
  return status_of(impl_->c.call_service(kAnalytics, 1, {impl_->attention->encrypt(scores)}));
}

Status MetadataClient::report_speaking(uint64_t seconds) {
  if (auto s = impl_->ensure_keys(); !s) return s;
  auto slot = impl_->slot();
  if (!slot.is_ok()) return slot.status();
  if (*slot >= svc::kMaxReportSlots || seconds > svc::kMaxMeetingSeconds)
    return Status::error("analytics: value out of range");
  return status_of(
      impl_->c.call_service(kAnalytics, 2, {svc::encrypt_speaking_report(*impl_->ledger, *slot, seconds)}));
}

Result<svc::AnalyticsReport> MetadataClient::fetch_report(size_t intervals,
                                                          const std::vector<uint16_t>& slots) {
  using R = Result<svc::AnalyticsReport>;
  if (auto s = impl_->ensure_keys(); !s) return s;
  auto resp = impl_->c.call_service(kAnalytics, 3, {});
  if (auto s = status_of(resp); !s) return s;
  if (resp->blobs.size() != 3) return R::error("analytics: malformed answer");
  ByteReader cr(resp->blobs[2]);
  uint16_t count = 0;
  if (!cr.u16(count)) return R::error("analytics: malformed answer");
  auto att = impl_->attention->decrypt(resp->blobs[0], intervals);
  if (!att.is_ok()) return att.status();
  auto spk = svc::decrypt_speaking(*impl_->ledger, resp->blobs[1], slots);
  if (!spk.is_ok()) return spk.status();
  return svc::make_report(count, std::move(att).value(), std::move(spk).value());
}

// ---- billing ----

Bytes BillingCard::serialize() const {
  ByteWriter w;
  w.bytes(as_bytes("V1BC"));
  w.blob(account);
  w.blob(public_key);
  w.blob(period_key.span());
  return w.take();
}

Result<BillingCard> BillingCard::parse(ByteSpan in) {
  ByteReader r(in);
  ByteSpan magic, account, pk, pkey;
  if (!r.bytes(4, magic) || !ct_equal(magic, as_bytes("V1BC")) || !r.blob(account, 16) ||
      account.size() != 16 || !r.blob(pk, protocol::kMaxKeyBlobBytes) || !r.blob(pkey, 32) ||
      pkey.size() != 32 || !r.at_end())
    return Result<BillingCard>::error("billing card: malformed");
  BillingCard c;
  c.account.assign(account.begin(), account.end());
  c.public_key.assign(pk.begin(), pk.end());
  c.period_key = SecretBytes(pkey);
  return c;
}

Bytes period_handle(const SecretBytes& period_key, std::string_view month) {
  Bytes out(32);
  size_t out_len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, period_key.data(), period_key.size(),
                reinterpret_cast<const unsigned char*>(month.data()), month.size(), out.data(), out.size(),
                &out_len) == nullptr ||
      out_len != 32)
    throw std::runtime_error("HMAC-SHA256 failed");
  return out;
}

Status bill_meeting(client::Client& client, const BillingCard& card, std::string_view month,
                    uint64_t minutes) {
  if (minutes > svc::kMaxBilledMinutes) return Status::error("billing: minutes out of range");
  auto ct = svc::encrypt_to_ledger(card.public_key, 0, minutes);
  if (!ct.is_ok()) return ct.status();
  return status_of(
      client.call_service(kBilling, 2, {card.account, period_handle(card.period_key, month), *ct}));
}

struct BillingAccount::Impl {
  SecretBytes seed;
  std::unique_ptr<svc::LedgerKeys> keys;
  Bytes account;
  SecretBytes period_key;
};

BillingAccount BillingAccount::create() {
  return BillingAccount(random_seed32());
}

BillingAccount::BillingAccount(SecretBytes seed) : impl_(std::make_unique<Impl>()) {
  if (seed.size() != 32) throw std::invalid_argument("billing account: seed must be 32 bytes");
  SecretBytes ledger_seed = derive(seed, "v100/billing/ledger", 32);
  impl_->keys = std::make_unique<svc::LedgerKeys>(ledger_seed.span());
  SecretBytes handle = derive(seed, "v100/billing/account-handle", 16);
  impl_->account.assign(handle.span().begin(), handle.span().end());
  impl_->period_key = derive(seed, "v100/billing/period-key", 32);
  impl_->seed = std::move(seed);
}

BillingAccount::~BillingAccount() = default;
BillingAccount::BillingAccount(BillingAccount&&) noexcept = default;
BillingAccount& BillingAccount::operator=(BillingAccount&&) noexcept = default;

const SecretBytes& BillingAccount::seed() const {
  return impl_->seed;
}

BillingCard BillingAccount::card() const {
  BillingCard c;
  c.account = impl_->account;
  c.public_key = impl_->keys->public_key_blob();
  c.period_key = impl_->period_key.clone();
  return c;
}

Status BillingAccount::register_account(client::Client& client, uint64_t rate_cents) const {
  if (rate_cents > svc::kMaxRateCents) return Status::error("billing: rate out of range");
  return status_of(client.call_service(kBilling, 1,
                                       {impl_->account, impl_->keys->relin_keys_blob(),
                                        impl_->keys->encrypt_at(0, std::vector<uint64_t>{rate_cents})}));
}

Result<uint64_t> BillingAccount::fetch_bill(client::Client& client, std::string_view month) const {
  auto resp = client.call_service(kBilling, 3, {impl_->account, period_handle(impl_->period_key, month)});
  if (!resp.is_ok()) return resp.status();
  if (resp->status == 1) return uint64_t{0};
  if (resp->status != 0 || resp->blobs.size() != 1)
    return Result<uint64_t>::error("billing: malformed answer");
  return impl_->keys->decrypt_coefficient(resp->blobs[0], 0);
}

}  // namespace v100::meeting::services
