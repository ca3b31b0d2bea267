#include "fhe/ckks/encryptor.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/rng.h"
#include "math/ntt.h"
#include "math/poly.h"
#include "math/sampler.h"

namespace v100::fhe::ckks {

namespace {

void check_plaintext(const CkksContext& c, const Plaintext& pt) {
  if (pt.n != c.n() || pt.level > c.max_level() || pt.data.size() != (pt.level + 1) * c.n() ||
      !(pt.scale > 0) || !std::isfinite(pt.scale)) {
    throw std::invalid_argument("CKKS: plaintext does not match the context");
  }
}

SecretKey copy_key(const SecretKey& sk) {
  return SecretKey(sk.s_ntt(), sk.param_id());
}

void check_key(const CkksContext& c, const SecretKey& sk, const char* who) {
  if (sk.param_id() != c.fingerprint() || sk.s_ntt().num_residues() != c.special_index() + 1 ||
      sk.s_ntt().n() != c.n()) {
    throw std::invalid_argument(std::string(who) + ": secret key does not match the context");
  }
}

}  // namespace

Encryptor::Encryptor(ContextPtr ctx, PublicKey pk) : ctx_(std::move(ctx)), pk_(std::move(pk)) {
  if (!ctx_) throw std::invalid_argument("Encryptor: null context");
  const size_t words = (ctx_->max_level() + 1) * ctx_->n();
  if (pk_.param_id != ctx_->fingerprint() || pk_.a.data().size() != words || pk_.b.data().size() != words) {
    throw std::invalid_argument("Encryptor: public key does not match the context");
  }
}

Ciphertext Encryptor::encrypt_impl(const Plaintext& pt, math::RandomSource& rng) const {
  const CkksContext& c = *ctx_;
  check_plaintext(c, pt);
  const size_t n = c.n(), l = pt.level;
  std::vector<int8_t> small(n);
  std::vector<uint64_t> u((l + 1) * n), e(n * (l + 1));
  math::sample_ternary(small.data(), n, rng);
  detail::small_to_ntt(u.data(), small.data(), c, l + 1);
  Ciphertext ct;
  ct.resize(n, 2, l);
  ct.scale = pt.scale;
  for (int p = 0; p < 2; ++p) {
    math::sample_cbd(small.data(), n, rng);
    detail::small_to_ntt(e.data(), small.data(), c, l + 1);
    const RnsPoly& key = p == 0 ? pk_.b : pk_.a;
    for (size_t j = 0; j <= l; ++j) {
      const math::Modulus& q = c.modulus(j);
      uint64_t* out = ct.poly(p, j);
      math::poly_mul(out, key.residue(j), u.data() + j * n, n, q);
      math::poly_add(out, out, e.data() + j * n, n, q);
      if (p == 0) math::poly_add(out, out, pt.residue(j), n, q);
    }
  }
  secure_wipe(small);
  secure_wipe(u);
  secure_wipe(e);
  return ct;
}

Ciphertext Encryptor::encrypt(const Plaintext& pt) const {
  math::OsRandomSource rng;
  return encrypt_impl(pt, rng);
}

Ciphertext Encryptor::encrypt_with_seed(const Plaintext& pt, std::span<const uint8_t> seed32) const {
  math::XofRandomSource rng(seed32, "v100/ckks/encrypt/test-seeded");
  return encrypt_impl(pt, rng);
}

SymmetricEncryptor::SymmetricEncryptor(ContextPtr ctx, const SecretKey& sk)
    : ctx_(std::move(ctx)), sk_(copy_key(sk)) {
  if (!ctx_) throw std::invalid_argument("SymmetricEncryptor: null context");
  check_key(*ctx_, sk_, "SymmetricEncryptor");
}

SeededCiphertext SymmetricEncryptor::encrypt(const Plaintext& pt) const {
  std::array<uint8_t, 32> seed{};
  random_bytes(seed);
  math::OsRandomSource rng;
  return encrypt_impl(pt, seed, rng);
}

SeededCiphertext SymmetricEncryptor::encrypt(const Plaintext& pt,
                                             std::span<const uint8_t> randomness32) const {
  if (randomness32.size() != 32)
    throw std::invalid_argument("SymmetricEncryptor: randomness must be 32 bytes");
  // Two independent streams of one input: the public seed of c_1 and the error.
  std::array<uint8_t, 32> seed{};
  math::XofRandomSource(randomness32, "v100/ckks/symmetric/seed").fill(seed);
  math::XofRandomSource rng(randomness32, "v100/ckks/symmetric/error");
  return encrypt_impl(pt, seed, rng);
}

SeededCiphertext SymmetricEncryptor::encrypt_impl(const Plaintext& pt, std::span<const uint8_t> seed32,
                                                  math::RandomSource& rng) const {
  const CkksContext& c = *ctx_;
  check_plaintext(c, pt);
  const size_t n = c.n(), l = pt.level;
  SeededCiphertext out;
  std::copy(seed32.begin(), seed32.end(), out.seed.begin());
  Ciphertext& ct = out.ct;
  ct.resize(n, 2, l);
  ct.scale = pt.scale;
  detail::expand_uniform(ct.poly(1, 0), c, l + 1, out.seed, "v100/ckks/ct/a");
  std::vector<int8_t> e(n);
  math::sample_cbd(e.data(), n, rng);
  detail::small_to_ntt(ct.poly(0, 0), e.data(), c, l + 1);
  std::vector<uint64_t> as(n);
  for (size_t j = 0; j <= l; ++j) {
    const math::Modulus& q = c.modulus(j);
    math::poly_mul(as.data(), ct.poly(1, j), detail::sk_residue(sk_, j), n, q);
    math::poly_sub(ct.poly(0, j), ct.poly(0, j), as.data(), n, q);
    math::poly_add(ct.poly(0, j), ct.poly(0, j), pt.residue(j), n, q);
  }
  secure_wipe(e);
  secure_wipe(as);
  return out;
}

Decryptor::Decryptor(ContextPtr ctx, const SecretKey& sk)
    : ctx_(std::move(ctx)), sk_(copy_key(sk)), encoder_(ctx_) {
  check_key(*ctx_, sk_, "Decryptor");
}

Plaintext Decryptor::decrypt(const Ciphertext& ct) const {
  const CkksContext& c = *ctx_;
  const size_t n = c.n(), l = ct.level;
  if (ct.n != n || l > c.max_level() || ct.size < 2 || ct.size > 3 ||
      ct.data.size() != ct.size * (l + 1) * n) {
    throw std::invalid_argument("Decryptor: ciphertext does not match the context");
  }
  Plaintext pt;
  pt.n = n;
  pt.level = l;
  pt.scale = ct.scale;
  pt.data.resize((l + 1) * n);
  std::vector<uint64_t> s2(ct.size == 3 ? n : 0);
  for (size_t j = 0; j <= l; ++j) {
    const math::Modulus& q = c.modulus(j);
    uint64_t* out = pt.residue(j);
    std::copy(ct.poly(0, j), ct.poly(0, j) + n, out);
    math::poly_mul_add(out, ct.poly(1, j), detail::sk_residue(sk_, j), n, q);
    if (ct.size == 3) {
      math::poly_mul(s2.data(), detail::sk_residue(sk_, j), detail::sk_residue(sk_, j), n, q);
      math::poly_mul_add(out, ct.poly(2, j), s2.data(), n, q);
    }
  }
  secure_wipe(s2);
  return pt;
}

std::vector<std::complex<double>> Decryptor::decrypt_unflooded(const Ciphertext& ct) const {
  return encoder_.decode(decrypt(ct));
}

std::vector<std::complex<double>> Decryptor::decrypt_complex(const Ciphertext& ct,
                                                             FloodingOptions flooding) const {
  math::OsRandomSource rng;
  return flooded(ct, flooding, rng);
}

std::vector<std::complex<double>> Decryptor::flooded(const Ciphertext& ct, FloodingOptions flooding,
                                                     math::RandomSource& rng) const {
  if (flooding.precision_bits < 1 || flooding.precision_bits > 52) {
    throw std::invalid_argument("Decryptor: flooding precision_bits must be in [1, 52]");
  }
  Plaintext pt = decrypt(ct);
  std::vector<double> coeffs = encoder_.to_coefficients(pt);
  const double sigma =
      pt.scale * std::ldexp(1.0, -flooding.precision_bits) / std::sqrt(static_cast<double>(ctx_->n()));
  // Box-Muller on 53-bit uniforms from `rng`; rounded to integers like the coefficients.
  const size_t n = coeffs.size();
  std::vector<uint64_t> r(n + 1);
  rng.fill(std::span<uint8_t>(reinterpret_cast<uint8_t*>(r.data()), r.size() * 8));
  const double kTwoPi = 6.283185307179586;
  for (size_t i = 0; i + 1 < n + 1; i += 2) {
    double u1 = (static_cast<double>(r[i] >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
    double u2 = static_cast<double>(r[i + 1] >> 11) * 0x1.0p-53;
    double rad = sigma * std::sqrt(-2.0 * std::log(u1));
    coeffs[i] += std::nearbyint(rad * std::cos(kTwoPi * u2));
    if (i + 1 < n) coeffs[i + 1] += std::nearbyint(rad * std::sin(kTwoPi * u2));
  }
  secure_wipe(r);
  return encoder_.coefficients_to_slots(coeffs, pt.scale);
}

std::vector<double> Decryptor::decrypt_values(const Ciphertext& ct, size_t count,
                                              FloodingOptions flooding) const {
  if (count > ctx_->slot_count()) throw std::invalid_argument("Decryptor: count exceeds N/2");
  auto z = decrypt_complex(ct, flooding);
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i) out[i] = z[i].real();
  return out;
}

std::vector<double> Decryptor::decrypt_values(const Ciphertext& ct, size_t count, FloodingOptions flooding,
                                              std::span<const uint8_t> randomness32) const {
  if (count > ctx_->slot_count()) throw std::invalid_argument("Decryptor: count exceeds N/2");
  if (randomness32.size() != 32) throw std::invalid_argument("Decryptor: randomness must be 32 bytes");
  math::XofRandomSource rng(randomness32, "v100/ckks/decrypt/flooding");
  auto z = flooded(ct, flooding, rng);
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i) out[i] = z[i].real();
  return out;
}

}  // namespace v100::fhe::ckks
