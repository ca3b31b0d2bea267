#include "fhe/common/keys.h"

#include <stdexcept>
#include <string>

#include "core/rng.h"
#include "fhe/common/galois.h"
#include "fhe/common/prg.h"
#include "math/poly.h"

namespace v100::fhe {

namespace {

std::string label_with_id(const char* base, uint64_t param_id) {
  return std::string(base) + "/" + std::to_string(param_id);
}

// Samples a CBD error polynomial over the residues of `shape` (coefficient domain) and returns it in
// NTT form.
RnsPoly sample_error_ntt(const RlweContext& ctx, Prg& prg, size_t num_q, bool with_special) {
  RnsPoly e = ctx.make_poly(num_q, with_special, false);
  std::vector<int8_t> small(ctx.n());
  sample_cbd21(small.data(), small.size(), prg);
  for (size_t r = 0; r < e.num_residues(); ++r) {
    signed_to_mod(e.residue(r), small.data(), small.size(), ctx.modulus_of(e, r).value());
  }
  secure_wipe(small);
  ctx.to_ntt(e);
  return e;
}

}  // namespace

const KSwitchKey& GaloisKeys::at(uint32_t galois_elt) const {
  auto it = keys.find(galois_elt);
  if (it == keys.end()) {
    throw std::invalid_argument("missing Galois key for element " + std::to_string(galois_elt));
  }
  return it->second;
}

RnsPoly expand_uniform_ntt(const RlweContext& ctx, std::span<const uint8_t, 32> seed, std::string_view label,
                           size_t num_q, bool with_special) {
  RnsPoly a = ctx.make_poly(num_q, with_special, true);
  Prg prg(Prg::Kind::kAes256Ctr, seed, label);
  // Residue r is drawn from the same stream position whatever num_q is for the chain primes (the
  // chain residues come first), so a level-l expansion is a prefix of the full one.
  for (size_t r = 0; r < num_q; ++r) sample_uniform_mod(a.residue(r), ctx.n(), ctx.modulus(r), prg);
  if (with_special) {
    Prg prg_p(Prg::Kind::kAes256Ctr, seed, std::string(label) + "/special");
    for (size_t k = 0; k < ctx.num_p(); ++k) {
      sample_uniform_mod(a.residue(num_q + k), ctx.n(), ctx.modulus(ctx.num_q() + k), prg_p);
    }
  }
  return a;
}

std::string ksk_a_label(uint32_t tag, size_t digit) {
  return "v100/fhe/ksk-a/v1/" + std::to_string(tag) + "/" + std::to_string(digit);
}

KeyGenerator::KeyGenerator(ContextPtr ctx, std::span<const uint8_t> seed)
    : ctx_(std::move(ctx)), seed_(seed) {
  if (seed.size() != 32) throw std::invalid_argument("KeyGenerator: seed must be 32 bytes");
  const RlweContext& c = *ctx_;
  // s: uniform ternary from SHAKE256(label || seed), bound to the parameter id.
  Prg sprg(Prg::Kind::kShake256, seed_.span(), label_with_id("v100/fhe/secret/v1", c.param_id()));
  std::vector<int8_t> small(c.n());
  sample_ternary(small.data(), small.size(), sprg);
  RnsPoly s = c.make_poly(c.num_q(), true, false);
  for (size_t r = 0; r < s.num_residues(); ++r) {
    signed_to_mod(s.residue(r), small.data(), small.size(), c.modulus_of(s, r).value());
  }
  secure_wipe(small);
  c.to_ntt(s);
  sk_ = SecretKey(std::move(s), c.param_id());
  // The public a-seed is a one-way function of the secret seed (it is published with the keys).
  Prg aprg(Prg::Kind::kShake256, seed_.span(), label_with_id("v100/fhe/a-seed/v1", c.param_id()));
  aprg.fill(a_seed_);
}

KeyGenerator KeyGenerator::random(ContextPtr ctx) {
  SecretBytes s = random_seed32();
  return KeyGenerator(std::move(ctx), s.span());
}

SecretKey KeyGenerator::clone_secret_key() const {
  RnsPoly copy = sk_.s_ntt();
  return SecretKey(std::move(copy), sk_.param_id());
}

PublicKey KeyGenerator::public_key() const {
  const RlweContext& c = *ctx_;
  PublicKey pk;
  pk.param_id = c.param_id();
  pk.a_seed = a_seed_;
  pk.a = expand_uniform_ntt(c, pk.a_seed, "v100/fhe/pk-a/v1", c.num_q(), false);
  Prg eprg(Prg::Kind::kShake256, seed_.span(), label_with_id("v100/fhe/pk-e/v1", c.param_id()));
  pk.b = sample_error_ntt(c, eprg, c.num_q(), false);
  const RnsPoly& s = sk_.s_ntt();
  for (size_t r = 0; r < c.num_q(); ++r) {
    // b = e - a*s
    std::vector<uint64_t> tmp(c.n());
    math::poly_mul(tmp.data(), pk.a.residue(r), s.residue(r), c.n(), c.modulus(r));
    math::poly_sub(pk.b.residue(r), pk.b.residue(r), tmp.data(), c.n(), c.modulus(r));
  }
  return pk;
}

namespace {
// 2^52 mod q (the Montgomery factor of key words; math::poly_dot2_interleaved).
uint64_t mont_factor(const math::Modulus& m) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(1) << 52) % m.value());
}
// Residues of primes below 2^40 are stored at 40 bits per word.
bool packs40(const math::Modulus& m) {
  return m.value() < (uint64_t{1} << 40);
}
constexpr size_t kSlackWords = (math::kPacked40Slack + 7) / 8;
// Words of one residue's block: 80 (packed) or 128 bytes per (8-coefficient block, digit).
size_t block_words(size_t n, size_t digits, bool packed) {
  return n / 8 * digits * (packed ? 10 : 16);
}
}  // namespace

KSwitchKey::KSwitchKey(const RlweContext& ctx, size_t digit_count)
    : n(ctx.n()), digits(digit_count), num_q(ctx.num_q()), num_special(ctx.num_p()) {
  const size_t residues = num_q + num_special;
  block_offset.resize(residues + 1);
  packed40.resize(residues);
  size_t off = 0;
  for (size_t r = 0; r < residues; ++r) {
    block_offset[r] = off;
    packed40[r] = packs40(ctx.modulus(r)) ? 1 : 0;
    off += block_words(n, digits, packed40[r] != 0);
  }
  block_offset[residues] = off;
  data.assign(off + kSlackWords, 0);
}

bool KSwitchKey::matches(const RlweContext& ctx, size_t min_digits) const {
  const size_t residues = ctx.num_q() + ctx.num_p();
  if (ctx.n() != n || ctx.num_q() != num_q || ctx.num_p() != num_special || digits > num_q ||
      digits < min_digits || n % 8 != 0 || block_offset.size() != residues + 1 ||
      packed40.size() != residues) {
    return false;
  }
  size_t off = 0;
  for (size_t r = 0; r < residues; ++r) {
    if (block_offset[r] != off || packed40[r] != (packs40(ctx.modulus(r)) ? 1 : 0)) return false;
    off += block_words(n, digits, packed40[r] != 0);
  }
  return block_offset[residues] == off && data.size() == off + kSlackWords;
}

void KSwitchKey::check_context(const RlweContext& ctx) const {
  if (!matches(ctx, 0)) throw std::invalid_argument("KSwitchKey: key shape does not match the context");
}

void KSwitchKey::set_digit(const RlweContext& ctx, size_t i, const RnsPoly& b, const RnsPoly& a) {
  check_context(ctx);
  if (i >= digits || b.n() != n || a.n() != n || b.num_q() != num_q || a.num_q() != num_q ||
      b.num_special() != num_special || a.num_special() != num_special || !b.is_ntt() || !a.is_ntt()) {
    throw std::invalid_argument(
        "KSwitchKey::set_digit: digit index or component shape does not match the key");
  }
  const size_t blocks = n / 8;
  std::vector<uint64_t> mont[2] = {std::vector<uint64_t>(n), std::vector<uint64_t>(n)};
  for (size_t r = 0; r < num_q + num_special; ++r) {
    const math::Modulus& m = ctx.modulus(r);
    math::poly_mul_scalar(mont[0].data(), b.residue(r), mont_factor(m), n, m);
    math::poly_mul_scalar(mont[1].data(), a.residue(r), mont_factor(m), n, m);
    if (packed40[r]) {
      uint8_t* base = reinterpret_cast<uint8_t*>(data.data() + block_offset[r]);
      for (size_t j = 0; j < blocks; ++j) {
        for (size_t half = 0; half < 2; ++half) {
          uint8_t* dst = base + (j * digits + i) * 80 + half * 40;
          for (size_t lane = 0; lane < 8; ++lane) math::store40(dst + lane * 5, mont[half][8 * j + lane]);
        }
      }
    } else {
      uint64_t* dst = data.data() + block_offset[r] + i * 16;
      for (size_t j = 0; j < blocks; ++j, dst += digits * 16) {
        std::copy(mont[0].data() + 8 * j, mont[0].data() + 8 * j + 8, dst);
        std::copy(mont[1].data() + 8 * j, mont[1].data() + 8 * j + 8, dst + 8);
      }
    }
  }
}

RnsPoly KSwitchKey::digit(const RlweContext& ctx, size_t i, size_t half) const {
  check_context(ctx);
  if (i >= digits) throw std::out_of_range("KSwitchKey: digit index out of range");
  RnsPoly p(n, num_q, num_special, true);
  const size_t blocks = n / 8;
  for (size_t r = 0; r < num_q + num_special; ++r) {
    uint64_t* out = p.residue(r);
    if (packed40[r]) {
      const uint8_t* base = reinterpret_cast<const uint8_t*>(data.data() + block_offset[r]);
      for (size_t j = 0; j < blocks; ++j) {
        const uint8_t* src = base + (j * digits + i) * 80 + half * 40;
        for (size_t lane = 0; lane < 8; ++lane) out[8 * j + lane] = math::load40(src + lane * 5);
      }
    } else {
      const uint64_t* src = data.data() + block_offset[r] + i * 16 + half * 8;
      for (size_t j = 0; j < blocks; ++j, src += digits * 16) std::copy(src, src + 8, out + 8 * j);
    }
    const math::Modulus& m = ctx.modulus(r);
    math::poly_mul_scalar(out, out, math::inv_mod(mont_factor(m), m), n, m);
  }
  return p;
}

KSwitchKey KeyGenerator::make_kswitch_key(const RnsPoly& s_from, uint32_t tag) const {
  const RlweContext& c = *ctx_;
  const size_t L = c.num_q(), n = c.n();
  if (s_from.num_q() != L || s_from.num_special() != c.num_p() || !s_from.is_ntt()) {
    throw std::invalid_argument("make_kswitch_key: s_from must be NTT form over all primes");
  }
  KSwitchKey key(c, L);
  key.a_seed = a_seed_;
  key.tag = tag;
  const RnsPoly& s = sk_.s_ntt();
  Prg eprg(Prg::Kind::kShake256, seed_.span(),
           label_with_id("v100/fhe/ksk-e/v1", c.param_id()) + "/" + std::to_string(tag));
  std::vector<uint64_t> tmp(n);
  for (size_t i = 0; i < L; ++i) {
    RnsPoly a = expand_uniform_ntt(c, key.a_seed, ksk_a_label(tag, i), L, true);
    RnsPoly b = sample_error_ntt(c, eprg, L, true);
    for (size_t r = 0; r < b.num_residues(); ++r) {
      const math::Modulus& m = c.modulus_of(b, r);
      math::poly_mul(tmp.data(), a.residue(r), s.residue(r), n, m);
      math::poly_sub(b.residue(r), b.residue(r), tmp.data(), n, m);
    }
    // + P * g_i * s_from: g_i ≡ 1 mod q_i and ≡ 0 mod every other prime (P ≡ 0 mod p_k).
    math::poly_mul_scalar(tmp.data(), s_from.residue(i), c.p_mod_q(i), n, c.modulus(i));
    math::poly_add(b.residue(i), b.residue(i), tmp.data(), n, c.modulus(i));
    key.set_digit(c, i, b, a);
  }
  secure_wipe(tmp);
  return key;
}

RelinKeys KeyGenerator::relin_keys() const {
  const RlweContext& c = *ctx_;
  RnsPoly s2 = sk_.s_ntt();
  for (size_t r = 0; r < s2.num_residues(); ++r) {
    math::poly_mul(s2.residue(r), s2.residue(r), s2.residue(r), c.n(), c.modulus_of(s2, r));
  }
  RelinKeys rk;
  rk.param_id = c.param_id();
  rk.key = make_kswitch_key(s2, 0);
  secure_wipe(s2.data());
  return rk;
}

GaloisKeys KeyGenerator::galois_keys(std::span<const uint32_t> galois_elts) const {
  const RlweContext& c = *ctx_;
  GaloisKeys gk;
  gk.param_id = c.param_id();
  for (uint32_t g : galois_elts) {
    if (gk.has(g)) continue;
    RnsPoly sg;
    apply_galois(c, sk_.s_ntt(), g, sg);  // throws on a bad element
    gk.keys.emplace(g, make_kswitch_key(sg, g));
    secure_wipe(sg.data());
  }
  return gk;
}

GaloisKeys KeyGenerator::galois_keys_for_steps(std::span<const int> steps, bool row_swap) const {
  std::vector<uint32_t> elts;
  for (int s : steps) elts.push_back(galois_elt_for_step(s, ctx_->n()));
  if (row_swap) elts.push_back(galois_elt_row_swap(ctx_->n()));
  return galois_keys(elts);
}

}  // namespace v100::fhe
