#include "services/ledger.h"

#include <stdexcept>

#include "fhe/bfv/encoder.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/common/serialize.h"
#include "math/primes.h"

namespace v100::services {

using fhe::bfv::BfvContext;
using fhe::bfv::CoefficientEncoder;
using fhe::bfv::Plaintext;

const fhe::RlweParams& ledger_params() {
  static const fhe::RlweParams params = [] {
    auto base = fhe::bfv::named_params("bfv-8192");
    if (!base.is_ok()) throw std::logic_error("ledger: bfv-8192 missing: " + base.message());
    fhe::RlweParams p = std::move(base).value();
    p.name = kLedgerSet;
    // The largest 40-bit prime ≡ 1 (mod 2N) (BFV here takes t < 2^40): batching-capable, below
    // every 43-bit chain prime.
    p.t = math::generate_ntt_primes(40, p.n, 1).at(0);
    return p;
  }();
  return params;
}

const fhe::bfv::BfvContextPtr& ledger_context() {
  static const fhe::bfv::BfvContextPtr ctx = [] {
    auto c = BfvContext::create(ledger_params());
    if (!c.is_ok()) throw std::logic_error("ledger: parameter set refused: " + c.message());
    return std::move(c).value();
  }();
  return ctx;
}

namespace {

// Evaluator misuse (mismatched levels or sizes) throws std::invalid_argument; on the server that
// is an input problem, so it becomes an error Result here.
template <typename F>
Result<Bytes> guarded(const char* what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Result<Bytes>::error(std::string("ledger ") + what + ": " + e.what());
  }
}

Result<fhe::Ciphertext> load(ByteSpan in, const char* what) {
  auto ct = fhe::deserialize_ciphertext(ledger_context()->rlwe(), in, 2);
  if (!ct.is_ok()) return Result<fhe::Ciphertext>::error(std::string("ledger ") + what + ": " + ct.message());
  return ct;
}

Bytes store(const fhe::Ciphertext& ct) {
  return fhe::serialize_ciphertext(ledger_context()->rlwe(), ct);
}

// Both operands at the same level (uploads are fresh; accumulators stay at the full level).
Result<Bytes> add_or_sub(ByteSpan acc, ByteSpan x, bool subtract) {
  return guarded(subtract ? "sub" : "add", [&]() -> Result<Bytes> {
    auto b = load(x, "operand");
    if (!b.is_ok()) return b.status();
    fhe::bfv::Evaluator ev(ledger_context());
    fhe::Ciphertext bx = std::move(b).value();
    bx.clear_seed();
    if (acc.empty()) {
      if (subtract) ev.negate_inplace(bx);
      return store(bx);
    }
    auto a = load(acc, "accumulator");
    if (!a.is_ok()) return a.status();
    fhe::Ciphertext out = std::move(a).value();
    out.clear_seed();
    if (subtract) {
      ev.sub_inplace(out, bx);
    } else {
      ev.add_inplace(out, bx);
    }
    return store(out);
  });
}

}  // namespace

struct LedgerKeys::Impl {
  std::unique_ptr<fhe::KeyGenerator> keygen;
};

LedgerKeys::LedgerKeys(ByteSpan seed32) : impl_(std::make_unique<Impl>()) {
  if (seed32.size() != 32) throw std::invalid_argument("ledger: seed must be 32 bytes");
  impl_->keygen = std::make_unique<fhe::KeyGenerator>(ledger_context()->rlwe_ptr(), seed32);
}

LedgerKeys::~LedgerKeys() = default;

Bytes LedgerKeys::public_key_blob() const {
  return fhe::serialize_public_key(ledger_context()->rlwe(), impl_->keygen->public_key());
}

Bytes LedgerKeys::relin_keys_blob() const {
  return fhe::serialize_relin_keys(ledger_context()->rlwe(), impl_->keygen->relin_keys());
}

Bytes LedgerKeys::encrypt_at(size_t first, std::span<const uint64_t> values) const {
  const auto& ctx = ledger_context();
  if (first + values.size() > ctx->n()) throw std::invalid_argument("ledger: coefficient range exceeds N");
  std::vector<uint64_t> coeffs(first + values.size(), 0);
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] >= ctx->t()) throw std::invalid_argument("ledger: value >= t");
    coeffs[first + i] = values[i];
  }
  CoefficientEncoder enc(ctx);
  fhe::bfv::SymmetricEncryptor sym(ctx, impl_->keygen->secret_key());
  return store(sym.encrypt(enc.encode(coeffs)));
}

Result<std::vector<uint64_t>> LedgerKeys::decrypt(ByteSpan ciphertext, size_t count) const {
  const auto& ctx = ledger_context();
  if (count > ctx->n()) return Result<std::vector<uint64_t>>::error("ledger: count exceeds N");
  auto ct = fhe::deserialize_ciphertext(ctx->rlwe(), ciphertext, 3);
  if (!ct.is_ok()) return Result<std::vector<uint64_t>>::error("ledger decrypt: " + ct.message());
  try {
    fhe::bfv::Decryptor dec(ctx, impl_->keygen->secret_key());
    CoefficientEncoder enc(ctx);
    std::vector<uint64_t> all = enc.decode(dec.decrypt(*ct));
    all.resize(ctx->n(), 0);
    all.resize(count);
    return all;
  } catch (const std::exception& e) {
    return Result<std::vector<uint64_t>>::error(std::string("ledger decrypt: ") + e.what());
  }
}

Result<uint64_t> LedgerKeys::decrypt_coefficient(ByteSpan ciphertext, size_t index) const {
  auto all = decrypt(ciphertext, index + 1);
  if (!all.is_ok()) return all.status();
  return (*all)[index];
}

Result<int> LedgerKeys::noise_budget(ByteSpan ciphertext) const {
  auto ct = fhe::deserialize_ciphertext(ledger_context()->rlwe(), ciphertext, 3);
  if (!ct.is_ok()) return ct.status();
  fhe::bfv::Decryptor dec(ledger_context(), impl_->keygen->secret_key());
  return dec.invariant_noise_budget(*ct);
}

Result<Bytes> encrypt_to_ledger(ByteSpan public_key_blob, size_t index, uint64_t value) {
  const auto& ctx = ledger_context();
  auto pk = fhe::deserialize_public_key(ctx->rlwe(), public_key_blob);
  if (!pk.is_ok()) return Result<Bytes>::error("ledger public key: " + pk.message());
  if (index >= ctx->n() || value >= ctx->t()) return Result<Bytes>::error("ledger: value out of range");
  std::vector<uint64_t> coeffs(index + 1, 0);
  coeffs[index] = value;
  fhe::bfv::Encryptor enc(ctx, std::move(pk).value());
  return store(enc.encrypt(CoefficientEncoder(ctx).encode(coeffs)));
}

Result<Bytes> ledger_add(ByteSpan acc, ByteSpan x) {
  return add_or_sub(acc, x, false);
}
Result<Bytes> ledger_sub(ByteSpan acc, ByteSpan x) {
  return add_or_sub(acc, x, true);
}

Result<Bytes> ledger_sum(const std::vector<ByteSpan>& adds, const std::vector<ByteSpan>& subs) {
  return guarded("sum", [&]() -> Result<Bytes> {
    if (adds.empty() && subs.empty()) return Result<Bytes>::error("ledger sum: nothing to sum");
    fhe::bfv::Evaluator ev(ledger_context());
    fhe::Ciphertext acc;
    bool first = true;
    for (int pass = 0; pass < 2; ++pass) {
      for (ByteSpan in : pass == 0 ? adds : subs) {
        auto c = load(in, "operand");
        if (!c.is_ok()) return c.status();
        fhe::Ciphertext x = std::move(c).value();
        x.clear_seed();
        if (first) {
          acc = std::move(x);
          if (pass == 1) ev.negate_inplace(acc);
          first = false;
        } else if (pass == 0) {
          ev.add_inplace(acc, x);
        } else {
          ev.sub_inplace(acc, x);
        }
      }
    }
    return store(acc);
  });
}

Result<Bytes> ledger_total(ByteSpan x) {
  return guarded("total", [&]() -> Result<Bytes> {
    auto a = load(x, "operand");
    if (!a.is_ok()) return a.status();
    const auto& ctx = ledger_context();
    // All-ones polynomial: coefficient N-1 of x * sum_j X^j is sum_i x_i (i + j = N-1 has exactly
    // one j per i; i + j = 2N-1 is out of reach, so nothing wraps into it).
    static const fhe::bfv::PlaintextNtt ones = [&] {
      std::vector<uint64_t> all(ctx->n(), 1);
      fhe::bfv::Evaluator ev(ctx);
      return ev.transform_plain(CoefficientEncoder(ctx).encode(all));
    }();
    fhe::bfv::Evaluator ev(ctx);
    fhe::Ciphertext ct = std::move(a).value();
    ct.clear_seed();
    fhe::Ciphertext out;
    ev.multiply_plain(ct, ones, out);
    return store(out);
  });
}

struct BillingAccountState::Impl {
  fhe::RelinKeys rk;
  fhe::Ciphertext rate;
};

BillingAccountState::BillingAccountState() : impl_(std::make_unique<Impl>()) {}
BillingAccountState::~BillingAccountState() = default;

Result<std::shared_ptr<const BillingAccountState>> BillingAccountState::create(ByteSpan relin_keys_blob,
                                                                               ByteSpan rate) {
  using R = Result<std::shared_ptr<const BillingAccountState>>;
  auto rk = fhe::deserialize_relin_keys(ledger_context()->rlwe(), relin_keys_blob);
  if (!rk.is_ok()) return R::error("ledger relin keys: " + rk.message());
  auto r = load(rate, "rate");
  if (!r.is_ok()) return r.status();
  std::shared_ptr<BillingAccountState> s(new BillingAccountState());
  s->impl_->rk = std::move(rk).value();
  s->impl_->rate = std::move(r).value();
  s->impl_->rate.clear_seed();
  return std::shared_ptr<const BillingAccountState>(std::move(s));
}

Result<Bytes> BillingAccountState::fold(ByteSpan acc, ByteSpan minutes) const {
  return guarded("fold", [&]() -> Result<Bytes> {
    auto m = load(minutes, "minutes");
    if (!m.is_ok()) return m.status();
    fhe::bfv::Evaluator ev(ledger_context());
    fhe::Ciphertext mc = std::move(m).value(), charge;
    mc.clear_seed();
    ev.multiply_relin(mc, impl_->rate, impl_->rk, charge);
    if (acc.empty()) return store(charge);
    auto a = load(acc, "accumulator");
    if (!a.is_ok()) return a.status();
    fhe::Ciphertext total = std::move(a).value();
    total.clear_seed();
    ev.add_inplace(total, charge);
    return store(total);
  });
}

Result<Bytes> ledger_fold_charge(ByteSpan acc, ByteSpan minutes, ByteSpan rate, ByteSpan relin_keys_blob) {
  auto state = BillingAccountState::create(relin_keys_blob, rate);
  if (!state.is_ok()) return state.status();
  return (*state)->fold(acc, minutes);
}

}  // namespace v100::services
