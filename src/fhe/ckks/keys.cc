#include "fhe/ckks/keys.h"

#include <stdexcept>
#include <string>

#include "core/rng.h"
#include "math/ntt.h"
#include "math/poly.h"
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
    const math::Modulus& q = ctx.modulus(j);
    uint64_t* r = out + j * n;
    const uint64_t qv = q.value();
    for (size_t i = 0; i < n; ++i) {
      // Branch-free: v in [-21, 21]; add q when negative.
      int64_t v = in[i];
      r[i] = static_cast<uint64_t>(v) + (qv & (0 - (static_cast<uint64_t>(v) >> 63)));
    }
    math::ntt_forward(r, ctx.ntt(j));
  }
}

void expand_switch_key_a(KeySwitchKey& key, const CkksContext& ctx) {
  const size_t n = ctx.n(), num = ctx.special_index() + 1;
  key.a.assign(key.digits * num * n, 0);
  for (size_t i = 0; i < key.digits; ++i) {
    expand_uniform(key.a.data() + i * num * n, ctx, num, key.seed,
                   "v100/ckks/ksk/a/" + std::to_string(i));
  }
}

void expand_public_key_a(PublicKey& pk, const CkksContext& ctx) {
  const size_t num = ctx.max_level() + 1;
  pk.a.assign(num * ctx.n(), 0);
  expand_uniform(pk.a.data(), ctx, num, pk.seed, "v100/ckks/pk/a");
}

}  // namespace detail

namespace {
std::array<uint8_t, 32> derive_seed(std::span<const uint8_t> master, std::string_view label) {
  std::array<uint8_t, 32> out;
  math::XofRandomSource x(master, label);
  x.fill(out);
  return out;
}
}  // namespace

KeyGenerator::KeyGenerator(ContextPtr ctx, std::span<const uint8_t> seed32)
    : ctx_(std::move(ctx)), seed_(seed32) {
  if (!ctx_) throw std::invalid_argument("KeyGenerator: null context");
  if (seed32.size() != 32) throw std::invalid_argument("KeyGenerator: seed must be 32 bytes");
  const CkksContext& c = *ctx_;
  const size_t n = c.n(), num = c.special_index() + 1;
  std::vector<int8_t> s(n);
  math::XofRandomSource rng(seed_.span(), "v100/ckks/secret");
  math::sample_ternary(s.data(), n, rng);
  sk_.mutable_data().assign(num * n, 0);
  detail::small_to_ntt(sk_.mutable_data().data(), s.data(), c, num);
  secure_wipe(s);
}

KeyGenerator::KeyGenerator(ContextPtr ctx) : KeyGenerator(std::move(ctx), random_seed32().span()) {}

SecretKey KeyGenerator::secret_key() const {
  SecretKey k;
  k.mutable_data() = sk_.data();
  return k;
}

PublicKey KeyGenerator::public_key() const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n(), num = c.max_level() + 1;
  PublicKey pk;
  pk.seed = derive_seed(seed_.span(), "v100/ckks/pk/seed");
  detail::expand_public_key_a(pk, c);
  std::vector<int8_t> e(n);
  math::XofRandomSource rng(seed_.span(), "v100/ckks/pk/e");
  math::sample_cbd(e.data(), n, rng);
  pk.b.assign(num * n, 0);
  detail::small_to_ntt(pk.b.data(), e.data(), c, num);
  for (size_t j = 0; j < num; ++j) {
    // b = e - a s
    std::vector<uint64_t> as(n);
    math::poly_mul(as.data(), pk.a.data() + j * n, sk_.residue(j, n), n, c.modulus(j));
    math::poly_sub(pk.b.data() + j * n, pk.b.data() + j * n, as.data(), n, c.modulus(j));
  }
  secure_wipe(e);
  return pk;
}

KeySwitchKey KeyGenerator::make_switch_key(const std::vector<uint64_t>& s_from, std::string_view label) const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n(), num = c.special_index() + 1, digits = c.max_level() + 1;
  KeySwitchKey k;
  k.digits = digits;
  k.seed = derive_seed(seed_.span(), std::string(label) + "/seed");
  detail::expand_switch_key_a(k, c);
  k.b.assign(digits * num * n, 0);
  std::vector<int8_t> e(n);
  std::vector<uint64_t> tmp(n);
  math::XofRandomSource rng(seed_.span(), std::string(label) + "/e");
  for (size_t i = 0; i < digits; ++i) {
    math::sample_cbd(e.data(), n, rng);
    uint64_t* b = k.b.data() + i * num * n;
    detail::small_to_ntt(b, e.data(), c, num);
    for (size_t j = 0; j < num; ++j) {
      const math::Modulus& q = c.modulus(j);
      math::poly_mul(tmp.data(), k.a.data() + (i * num + j) * n, sk_.residue(j, n), n, q);
      math::poly_sub(b + j * n, b + j * n, tmp.data(), n, q);
      if (j == i) {
        // + P * s' in residue i only: the gadget element g_i ≡ 1 mod q_i, 0 mod q_j (j != i).
        math::poly_mul_scalar(tmp.data(), s_from.data() + j * n, c.p_mod(j), n, q);
        math::poly_add(b + j * n, b + j * n, tmp.data(), n, q);
      }
    }
  }
  secure_wipe(e);
  secure_wipe(tmp);
  return k;
}

RelinKey KeyGenerator::relin_key() const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n(), num = c.special_index() + 1;
  std::vector<uint64_t> s2(num * n);
  for (size_t j = 0; j < num; ++j) {
    math::poly_mul(s2.data() + j * n, sk_.residue(j, n), sk_.residue(j, n), n, c.modulus(j));
  }
  RelinKey rk{make_switch_key(s2, "v100/ckks/rlk")};
  secure_wipe(s2);
  return rk;
}

KeySwitchKey KeyGenerator::galois_key(uint64_t g) const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n(), num = c.special_index() + 1;
  const auto& perm = c.galois_permutation(g);
  std::vector<uint64_t> sg(num * n);
  for (size_t j = 0; j < num; ++j) {
    const uint64_t* s = sk_.residue(j, n);
    for (size_t i = 0; i < n; ++i) sg[j * n + i] = s[perm[i]];
  }
  KeySwitchKey k = make_switch_key(sg, "v100/ckks/galois/" + std::to_string(g));
  secure_wipe(sg);
  return k;
}

GaloisKeys KeyGenerator::galois_keys(std::span<const int64_t> steps, bool with_conjugation) const {
  GaloisKeys gk;
  for (int64_t s : steps) {
    uint64_t g = ctx_->rotation_galois_element(s);
    if (g != 1 && !gk.has(g)) gk.keys.emplace(g, galois_key(g));
  }
  if (with_conjugation) {
    uint64_t g = ctx_->conjugation_galois_element();
    gk.keys.emplace(g, galois_key(g));
  }
  return gk;
}

GaloisKeys KeyGenerator::galois_keys_power_of_two() const {
  std::vector<int64_t> steps;
  for (size_t s = 1; s < ctx_->slot_count(); s *= 2) steps.push_back(static_cast<int64_t>(s));
  return galois_keys(steps, true);
}

}  // namespace v100::fhe::ckks
