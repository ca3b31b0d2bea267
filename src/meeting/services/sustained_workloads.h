// The three workloads of `v100 bench-sustained` (sustained_bench.h): what each meeting holds, the
// timed request, and the client-side model a sampled reply is checked against.
//  - lookup:    a roster of M members (seeded BFV uploads, one key per meeting); the request is one
//               of four pre-encrypted queries (three members, one stranger); the check decrypts
//               every block's scores and compares the found slot with the model's.
//  - billing:   an account (relinearization keys, encrypted rate); the request folds one of four
//               pre-encrypted minute counts into the period; the check fetches and decrypts the
//               period's bill and compares it with the model's running sum (mod t).
//  - analytics: M members' attention (CKKS) and speaking (BFV ledger) reports; the request is the
//               report; the check decrypts both sums and compares them with the model.
// Internal to meeting/services.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "meeting/server/server.h"
#include "meeting/services/sustained_bench.h"
#include "meeting/store/store.h"

namespace v100::meeting::services {

/// One service's meetings and their plaintext model. request() and complete() may run
/// concurrently for DIFFERENT scopes (each scope is driven by one thread).
class Workload {
 public:
  struct Request {
    uint16_t op = 0;
    std::vector<Bytes> blobs;
    size_t variant = 0;
  };
  /// Sends another request of the same scope (for a check that must fetch, e.g. a bill).
  using Caller = std::function<Result<server::ServiceReply>(uint16_t op, std::vector<Bytes> blobs)>;

  virtual ~Workload() = default;
  virtual uint16_t service() const = 0;
  /// Meetings (billing: accounts, each with a meeting its connection joins).
  virtual size_t scopes() const = 0;
  virtual size_t members() const = 0;
  /// Members one request covers (look-up and report: M; fold: 1).
  virtual size_t members_per_op() const = 0;
  virtual std::vector<protocol::Handle> meeting_handles() const = 0;
  /// Writes every scope's state into the store, as the server holds it. Slots 1..M-1 are recorded
  /// as occupied (offline), so a connection joining takes slot 0.
  virtual Status setup(store::Store& store, ByteSpan join_verifier) = 0;
  virtual Request request(size_t scope, uint64_t n) = 0;
  /// Updates the model with a successful reply; when `check`, decrypts and compares. Error: a
  /// wrong reply (or a failed fetch for the check).
  virtual Status complete(size_t scope, const Request& req, const server::ServiceReply& reply, bool check,
                          const Caller& call) = 0;
  /// The request failed: the model of this scope may be unknown from now on.
  virtual void failed(size_t /*scope*/, const Request& /*req*/) {}
};

/// The workload of options.service with its defaults filled in. Error on an unknown service or
/// out-of-range sizes.
Result<std::unique_ptr<Workload>> make_workload(const SustainedOptions& options);

}  // namespace v100::meeting::services
