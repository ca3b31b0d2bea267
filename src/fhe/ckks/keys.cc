#include "fhe/ckks/keys.h"

#include <set>
#include <stdexcept>

#include "core/rng.h"
#include "math/ntt.h"
#include "math/sampler.h"

namespace v100::fhe::ckks {

namespace detail {

void expand_uniform(uint64_t* out, const CkksContext& ctx, size_t count, std::span<const uint8_t> seed,
                    std::string_view label) {
  // Uniform is uniform in either domain, so the samples are used directly as NTT values.
  math::XofRandomSource rng(seed, label);
  for (size_t j = 0; j < count; ++j) math::sample_uniform(out + j * ctx.n(), ctx.n(), ctx.modulus(j), rng);
}

void small_to_ntt(uint64_t* out, const int8_t* in, const CkksContext& ctx, size_t count) {
  const size_t n = ctx.n();
  for (size_t j = 0; j < count; ++j) {
    const uint64_t qv = ctx.modulus(j).value();
    uint64_t* r = out + j * n;
    for (size_t i = 0; i < n; ++i) {
      // Branch-free: add q when negative (small values are secret: noise, ternary u).
      int64_t v = in[i];
      r[i] = static_cast<uint64_t>(v) + (qv & (0 - (static_cast<uint64_t>(v) >> 63)));
    }
    math::ntt_forward(r, ctx.ntt(j));
  }
}

}  // namespace detail

namespace {
ContextPtr checked(ContextPtr ctx) {
  if (!ctx) throw std::invalid_argument("KeyGenerator: null context");
  return ctx;
}
}  // namespace

KeyGenerator::KeyGenerator(ContextPtr ctx, std::span<const uint8_t> seed32)
    : ctx_(checked(std::move(ctx))), gen_(ctx_->rlwe(), seed32) {}

KeyGenerator::KeyGenerator(ContextPtr ctx) : KeyGenerator(std::move(ctx), random_seed32().span()) {}

GaloisKeys KeyGenerator::galois_keys(std::span<const int64_t> steps, bool with_conjugation) const {
  std::set<uint32_t> elts;
  for (int64_t s : steps) {
    uint64_t g = ctx_->rotation_galois_element(s);
    if (g != 1) elts.insert(static_cast<uint32_t>(g));
  }
  if (with_conjugation) elts.insert(static_cast<uint32_t>(ctx_->conjugation_galois_element()));
  std::vector<uint32_t> v(elts.begin(), elts.end());
  return gen_.galois_keys(v);
}

GaloisKeys KeyGenerator::galois_keys_power_of_two() const {
  std::vector<int64_t> steps;
  for (size_t s = 1; s < ctx_->slot_count(); s *= 2) steps.push_back(static_cast<int64_t>(s));
  return galois_keys(steps, true);
}

}  // namespace v100::fhe::ckks
