// The metadata services (issue #7, DESIGN.md §3 steps 5-8) on the meeting system: server handlers
// registered on meeting::server::Server, and the client halves on meeting::client::Client.
//
// Wire: ServiceRequest{service, op, blobs} -> ServiceResponse{status, blobs}; all blobs are
// ciphertexts, random handles or slot lists, never plaintext metadata.
//
//  service 1 LOOKUP     op 1 QUERY  [query ct]                -> [1 reply per roster block..., slots]
//  service 2 DURATIONS  op 1 JOIN   [ct of join second @slot]  -> []          (acc -= ct)
//                       op 2 LEAVE  [ct of leave second @slot] -> []          (acc += ct)
//                       op 3 FETCH  []                         -> [acc, total @ coefficient N-1]
//  service 3 BILLING    op 1 REGISTER [account, relin keys, rate ct] -> []    (no membership needed)
//                       op 2 FOLD     [account, period, minutes ct]  -> []    (total += minutes x rate)
//                       op 3 BILL     [account, period]              -> [total ct]
//  service 4 ANALYTICS  op 1 ATTENTION [ckks ct] -> []   (latest per slot)
//                       op 2 SPEAKING  [ledger ct] -> []  (latest per slot)
//                       op 3 REPORT    []         -> [attention sum, speaking sum, u16 count]
//
// Keys: look-up uses the meeting's roster BFV key (bfv_seed), attention the meeting's CKKS key
// (ckks_seed), durations and speaking time the meeting's ledger key (derive "ledger-seed"), billing
// the ACCOUNT's ledger key (the owner's key file): the owner needs no meeting membership and the
// server never holds a secret key. Account and period handles are random-looking (a period handle
// is HMAC(period key, "YYYY-MM")), so the server cannot name the payer or the month.
//
// What the server learns: that a look-up, a time report, a fold or a report request happened, from
// which connection, and its size. It never learns a match, a time, a duration, a rate or a charge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/client/client.h"
#include "meeting/server/server.h"
#include "services/analytics.h"

namespace v100::meeting::services {

enum ServiceId : uint16_t { kLookup = 1, kDurations = 2, kBilling = 3, kAnalytics = 4 };

/// Registers the four services on a server (before start()). Handlers are thread-safe.
void register_metadata_services(server::Server& server);
/// The handler register_metadata_services installs for `service`: the same code the server's
/// worker pool runs, for in-process drivers (`v100 bench-sustained`). Thread-safe.
/// Throws std::invalid_argument on an id outside ServiceId.
server::ServiceHandler metadata_service_handler(ServiceId service);

/// What the host learns about a meeting's durations.
struct DurationReport {
  std::map<uint16_t, uint64_t>
      seconds;                 ///< per slot (present members have a negative running value: omitted)
  uint64_t total_seconds = 0;  ///< the server's encrypted total, decrypted
};

/// The client halves, for a member of a meeting. Borrow the client; one thread at a time.
class MetadataClient {
 public:
  explicit MetadataClient(client::Client& client);
  ~MetadataClient();

  /// Directory look-up: which slot, if any, holds this user. The server computes, the member decides.
  Result<std::optional<uint16_t>> lookup(const client::UserId& who);
  /// Durations: this member's join / leave second (relative to the meeting start, <= 30 days).
  Status report_join(uint64_t second);
  Status report_leave(uint64_t second);
  /// Host: decrypts every slot's accumulated duration (for `slots`) and the server's total.
  Result<DurationReport> fetch_durations(const std::vector<uint16_t>& slots);
  /// Analytics: attention scores (0..1 per interval, CKKS) and speaking seconds (BFV one-hot + value).
  Status report_attention(std::span<const double> scores);
  Status report_speaking(uint64_t seconds);
  /// Host: the decrypted report (mean attention over `intervals`, speaking distribution for `slots`).
  Result<v100::services::AnalyticsReport> fetch_report(size_t intervals, const std::vector<uint16_t>& slots);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// What an account owner hands to the hosts it pays for: the account handle, the ledger public key
/// and the period key. Not secret from hosts; never sent to the server in this form.
struct BillingCard {
  Bytes account;           ///< 16-byte random handle
  Bytes public_key;        ///< ledger public key blob
  SecretBytes period_key;  ///< 32 bytes: period handles are HMAC(period_key, "YYYY-MM")
  Bytes serialize() const;
  static Result<BillingCard> parse(ByteSpan in);
};

/// The period handle for a month label ("2026-11").
Bytes period_handle(const SecretBytes& period_key, std::string_view month);

/// Host: bills a finished meeting's minutes to the card's account for `month`.
Status bill_meeting(client::Client& client, const BillingCard& card, std::string_view month,
                    uint64_t minutes);

/// The billing account owner's side. The key file holds the 32-byte account seed (secret; sealed
/// with the owner's passphrase by the caller, see client/keystore.h).
class BillingAccount {
 public:
  /// A fresh account (random seed).
  static BillingAccount create();
  /// From a seed (32 bytes). Throws std::invalid_argument on a wrong size.
  explicit BillingAccount(SecretBytes seed);
  ~BillingAccount();
  BillingAccount(BillingAccount&&) noexcept;
  BillingAccount& operator=(BillingAccount&&) noexcept;

  const SecretBytes& seed() const;
  BillingCard card() const;
  /// Registers the account and its encrypted rate (cents per minute) on the server.
  Status register_account(client::Client& client, uint64_t rate_cents) const;
  /// Fetches and decrypts the bill of a month, in cents (0 when nothing was billed).
  Result<uint64_t> fetch_bill(client::Client& client, std::string_view month) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace v100::meeting::services
