// The CKKS report calls of web/wasm/v100_wasm.h over fhe/ckks: what services::AttentionKeys does
// for a meeting's attention report (services/analytics.cc: parameter set "ckks-8192", keys from the
// meeting's CKKS seed, scores clamped to [0, 1], default scale, top level, seeded secret-key
// encryption; flooded decryption), with the randomness an input. services/ itself is not part of
// the WebAssembly build, so the steps are repeated here and v100_web_ref checks them against it.
// Nothing here throws: every input that a CKKS call would refuse is checked first.
#include <cmath>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "fhe/ckks/context.h"
#include "fhe/ckks/encoder.h"
#include "fhe/ckks/encryptor.h"
#include "fhe/ckks/keys.h"
#include "fhe/ckks/serialization.h"
#include "v100_wasm.h"
#include "wasm_internal.h"

namespace ckks = v100::fhe::ckks;

namespace {

constexpr const char* kReportParams = "ckks-8192";  // services::kAttentionSet
constexpr size_t kMaxReportValues = 4096;           // services::kMaxAttentionIntervals

// The report's values as AttentionKeys::encrypt takes them: at most kMaxReportValues, clamped to
// [0, 1]; false on a value that is not finite (the encoder would refuse it).
bool report_values(std::vector<double>& v, const double* values, size_t num_values) {
  if (num_values > kMaxReportValues) return false;
  v.assign(values, values + num_values);
  for (double& x : v) {
    if (!std::isfinite(x)) return false;
    x = x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x);
  }
  return true;
}

}  // namespace

struct V100CkksReport {
  V100CkksReport(ckks::ContextPtr c, std::span<const uint8_t> seed)
      : ctx(std::move(c)), keygen(ctx, seed), encoder(ctx) {}
  ckks::ContextPtr ctx;
  ckks::KeyGenerator keygen;
  ckks::CkksEncoder encoder;
};

extern "C" {

V100_EXPORT V100CkksReport* v100_ckks_report_new(const uint8_t seed[32]) {
  auto ctx = ckks::CkksContext::create(kReportParams);
  if (!ctx || ctx->slot_count() < kMaxReportValues) return nullptr;
  return new V100CkksReport(std::move(ctx), std::span<const uint8_t>(seed, 32));
}

V100_EXPORT void v100_ckks_report_free(V100CkksReport* h) {
  delete h;
}

V100_EXPORT size_t v100_ckks_report_slots(const V100CkksReport* h) {
  return h->ctx->slot_count();
}

V100_EXPORT int v100_ckks_report_slots_to_coeffs(const V100CkksReport* h, double* out, size_t out_len,
                                                 const double* values, size_t num_values) {
  const ckks::CkksContext& c = *h->ctx;
  if (out_len != c.n() || num_values > c.slot_count()) return kV100ErrLength;
  for (size_t i = 0; i < num_values; ++i) {
    if (!std::isfinite(values[i])) return kV100ErrInput;
  }
  c.fft().real_slots_to_coeffs(out, std::span<const double>(values, num_values), 1.0);
  return kV100Ok;
}

V100_EXPORT int v100_ckks_report_encode(const V100CkksReport* h, uint64_t* out, size_t out_cap,
                                        size_t* out_len, const double* values, size_t num_values) {
  std::vector<double> v;
  if (!report_values(v, values, num_values)) return kV100ErrInput;
  const ckks::Plaintext pt = h->encoder.encode(std::span<const double>(v));
  *out_len = pt.data.size();
  if (pt.data.size() > out_cap) return kV100ErrBuffer;
  std::memcpy(out, pt.data.data(), pt.data.size() * sizeof(uint64_t));
  return kV100Ok;
}

V100_EXPORT int v100_ckks_report_encrypt(const V100CkksReport* h, uint8_t* out, size_t out_cap,
                                         size_t* out_len, const double* values, size_t num_values,
                                         const uint8_t randomness[32]) {
  v100::wasm_abi::KeystreamCall call;
  std::vector<double> v;
  if (!report_values(v, values, num_values)) return kV100ErrInput;
  const ckks::SymmetricEncryptor sym(h->ctx, h->keygen.secret_key_ref());
  const auto ct =
      sym.encrypt(h->encoder.encode(std::span<const double>(v)), std::span<const uint8_t>(randomness, 32));
  const v100::Bytes blob = ckks::serialize(*h->ctx, ct);
  *out_len = blob.size();
  if (blob.size() > out_cap) return call.finish(kV100ErrBuffer);
  std::memcpy(out, blob.data(), blob.size());
  return call.finish(kV100Ok);
}

V100_EXPORT int v100_ckks_report_decrypt(const V100CkksReport* h, double* out, size_t count,
                                         const uint8_t* ct, size_t ct_len, const uint8_t randomness[32]) {
  v100::wasm_abi::KeystreamCall call;
  const ckks::CkksContext& c = *h->ctx;
  if (count > c.slot_count()) return kV100ErrLength;
  auto x = ckks::deserialize_ciphertext(c, v100::ByteSpan(ct, ct_len));
  if (!x.is_ok() || x->size != 2 || x->n != c.n() || x->level > c.max_level() || !(x->scale > 0) ||
      !std::isfinite(x->scale)) {
    return call.finish(kV100ErrInput);
  }
  const ckks::Decryptor dec(h->ctx, h->keygen.secret_key_ref());
  const auto values = dec.decrypt_values(*x, count, {}, std::span<const uint8_t>(randomness, 32));
  std::memcpy(out, values.data(), count * sizeof(double));
  return call.finish(kV100Ok);
}

}  // extern "C"
