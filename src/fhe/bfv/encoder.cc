#include "fhe/bfv/encoder.h"

#include <stdexcept>

namespace v100::fhe::bfv {

BatchEncoder::BatchEncoder(BfvContextPtr ctx) : ctx_(std::move(ctx)) {
  if (!ctx_->batching()) throw std::invalid_argument("BatchEncoder: t is not a batching-friendly prime");
}

size_t BatchEncoder::slot_count() const {
  return ctx_->n();
}

Plaintext BatchEncoder::encode(std::span<const uint64_t> values) const {
  const size_t n = ctx_->n();
  if (values.size() > n) throw std::invalid_argument("BatchEncoder::encode: too many values");
  Plaintext pt;
  pt.param_id = ctx_->param_id();
  pt.coeffs.assign(n, 0);
  const auto& map = ctx_->slot_to_ntt();
  for (size_t s = 0; s < values.size(); ++s) pt.coeffs[map[s]] = math::reduce(values[s], ctx_->t_modulus());
  // Slots are the evaluations m(psi^e): the inverse NTT turns them into coefficients.
  math::ntt_inverse(pt.coeffs.data(), ctx_->t_ntt());
  return pt;
}

Plaintext BatchEncoder::encode_signed(std::span<const int64_t> values) const {
  std::vector<uint64_t> v(values.size());
  const int64_t t = static_cast<int64_t>(ctx_->t());
  for (size_t i = 0; i < values.size(); ++i) {
    int64_t x = values[i] % t;
    v[i] = static_cast<uint64_t>(x < 0 ? x + t : x);
  }
  return encode(v);
}

std::vector<uint64_t> BatchEncoder::decode(const Plaintext& pt) const {
  const size_t n = ctx_->n();
  if (pt.coeffs.size() != n) throw std::invalid_argument("BatchEncoder::decode: wrong size");
  std::vector<uint64_t> tmp = pt.coeffs;
  for (uint64_t v : tmp) {
    if (v >= ctx_->t()) throw std::invalid_argument("BatchEncoder::decode: coefficient >= t");
  }
  math::ntt_forward(tmp.data(), ctx_->t_ntt());
  std::vector<uint64_t> out(n);
  const auto& map = ctx_->slot_to_ntt();
  for (size_t s = 0; s < n; ++s) out[s] = tmp[map[s]];
  return out;
}

Plaintext CoefficientEncoder::encode(std::span<const uint64_t> values) const {
  const size_t n = ctx_->n();
  if (values.size() > n) throw std::invalid_argument("CoefficientEncoder::encode: too many values");
  Plaintext pt;
  pt.param_id = ctx_->param_id();
  pt.coeffs.assign(n, 0);
  for (size_t i = 0; i < values.size(); ++i) pt.coeffs[i] = math::reduce(values[i], ctx_->t_modulus());
  return pt;
}

std::vector<uint64_t> CoefficientEncoder::decode(const Plaintext& pt) const {
  if (pt.coeffs.size() != ctx_->n()) throw std::invalid_argument("CoefficientEncoder::decode: wrong size");
  return pt.coeffs;
}

}  // namespace v100::fhe::bfv
