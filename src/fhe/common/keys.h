// RLWE keys shared by BFV and CKKS, and their deterministic generation from a 32-byte seed.
//
// Secret key s: uniform ternary, derived from SHAKE256(seed) (fhe/common/prg.h), stored in NTT form
// over every chain prime and special prime. Public key (b, a) = (-a*s + e, a) mod Q. Key-switching
// keys (relinearization: s^2 -> s; Galois g: s(X^g) -> s) use the per-prime gadget with the special
// modulus P ("hybrid"/special-prime key switching, one digit per chain prime): digit i is
// (b_i, a_i) = (-a_i*s + e_i + P * g_i * s_from, a_i) mod Q*P, g_i = (Q/q_i) * [(Q/q_i)^-1]_{q_i}.
// Because g_i ≡ δ_ij (mod q_j), the same key serves ciphertexts at every level: a ciphertext over
// q_0..q_l uses digits 0..l and the key residues of q_0..q_l and P (see keyswitch.h).
// Every "a" is expanded from a public per-key seed with AES-256-CTR (prg.h), so keys serialize in
// a seeded (half-size) form. Errors: centered binomial eta = 21.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/huge_alloc.h"
#include "core/secure.h"
#include "fhe/common/context.h"
#include "fhe/common/rns_poly.h"

namespace v100::fhe {

/// The secret key. Move-only; every copy of secret data is wiped on destruction.
/// No printing, no comparison operators (compare serialized forms with ct_equal in tests).
class SecretKey {
 public:
  SecretKey() = default;
  SecretKey(RnsPoly s_ntt, uint64_t param_id) : s_(std::move(s_ntt)), param_id_(param_id) {}
  ~SecretKey() { wipe(); }
  SecretKey(SecretKey&& o) noexcept : s_(std::move(o.s_)), param_id_(o.param_id_) { o.s_ = RnsPoly(); }
  SecretKey& operator=(SecretKey&& o) noexcept {
    if (this != &o) {
      wipe();
      s_ = std::move(o.s_);
      param_id_ = o.param_id_;
      o.s_ = RnsPoly();
    }
    return *this;
  }
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  /// s in NTT form over all chain primes then all special primes.
  const RnsPoly& s_ntt() const { return s_; }
  /// Parameter id of the context the key belongs to.
  uint64_t param_id() const { return param_id_; }
  /// True for a default-constructed or moved-from key.
  bool empty() const { return s_.empty(); }

 private:
  void wipe() { secure_wipe(s_.data()); }
  RnsPoly s_;
  uint64_t param_id_ = 0;
};

/// Public key (b, a), NTT form over the full chain (no special residues).
struct PublicKey {
  /// b = -a s + e and a (NTT form, full chain).
  RnsPoly b, a;
  /// Parameter id of the context.
  uint64_t param_id = 0;
  /// a = expand_uniform_ntt(a_seed, "v100/fhe/pk-a/v1").
  std::array<uint8_t, 32> a_seed{};
};

/// A key-switching key from some s_from to s: one (b_i, a_i) pair per chain prime, NTT form over
/// all chain primes and all special primes.
///
/// Storage is digit-interleaved, residue-major: the key-switching inner loop (math::
/// poly_dot2_interleaved) then reads ONE contiguous stream per target residue. With a plane per
/// digit and component it read 2 x digits streams at once, which the hardware prefetcher does not
/// follow: at N = 16384 the 23.6 MB key streamed at 6-7 GB/s instead of the 15-45 GB/s that a few
/// streams reach on the same machine. Per-digit polynomials are built on demand (digit_b /
/// digit_a) for serialization and tests.
struct KSwitchKey {
  /// Residue r (context modulus index: chain primes, then special primes) starts at word
  /// block_offset[r]. Within it, 8-coefficient block j, digit i: words [j * digits + i] * 16 + 0..7
  /// are b_i, + 8..15 are a_i, each in Montgomery form (value * 2^52 mod the residue's prime). The
  /// residues of primes below 2^40 are packed (packed40[r]): the same order at 80 bytes per (block,
  /// digit), 5-byte little-endian words (math::poly_dot2_interleaved_packed40); at N = 16384 that
  /// cuts the key from 23.6 to 16.5 MB, read from DRAM on every use. The buffer ends with
  /// math::kPacked40Slack spare bytes.
  std::vector<uint64_t, HugePageAllocator<uint64_t>> data;
  /// Shape: ring degree, digits (= chain primes), chain and special residues of every component.
  size_t n = 0, digits = 0, num_q = 0, num_special = 0;
  /// Word offset of each residue's block (num_q + num_special + 1 entries, the last = end).
  std::vector<size_t> block_offset;
  /// Whether residue r is packed at 40 bits per word.
  std::vector<uint8_t> packed40;
  /// a_i = expand_uniform_ntt(a_seed, ksk_a_label(tag, i)); tag 0 = relinearization, else the
  /// Galois element.
  std::array<uint8_t, 32> a_seed{};
  /// 0 for relinearization, else the Galois element.
  uint32_t tag = 0;

  /// Empty key (all words zero) with digit_count digits over every prime of ctx.
  KSwitchKey(const RlweContext& ctx, size_t digit_count);
  KSwitchKey() = default;

  /// Number of digits (= number of chain primes).
  size_t num_digits() const { return digits; }
  /// The interleaved block of residue r (the `key` argument of math::poly_dot2_interleaved, or of
  /// math::poly_dot2_interleaved_packed40 as bytes when residue_packed(r), with stride num_digits()).
  const uint64_t* residue_block(size_t r) const { return data.data() + block_offset[r]; }
  /// Whether residue r's block is packed at 40 bits per word.
  bool residue_packed(size_t r) const { return packed40[r] != 0; }
  /// Size in bytes of residue r's block.
  size_t residue_block_bytes(size_t r) const {
    return (block_offset[r + 1] - block_offset[r]) * sizeof(uint64_t);
  }
  /// Whether the key's shape and layout are those of ctx with at least `min_digits` digits.
  bool matches(const RlweContext& ctx, size_t min_digits) const;
  /// Stores digit i's (b, a) (NTT form over all of ctx's primes; the key's shape must be ctx's).
  void set_digit(const RlweContext& ctx, size_t i, const RnsPoly& b, const RnsPoly& a);
  /// Digit i's b or a as a polynomial (copies, out of Montgomery form).
  RnsPoly digit_b(const RlweContext& ctx, size_t i) const { return digit(ctx, i, 0); }
  RnsPoly digit_a(const RlweContext& ctx, size_t i) const { return digit(ctx, i, 1); }

 private:
  RnsPoly digit(const RlweContext& ctx, size_t i, size_t half) const;
  void check_context(const RlweContext& ctx) const;
};

/// Relinearization key (s^2 -> s).
struct RelinKeys {
  /// The s^2 -> s switching key.
  KSwitchKey key;
  /// Parameter id of the context.
  uint64_t param_id = 0;
};

/// Galois keys by Galois element (s(X^g) -> s).
struct GaloisKeys {
  /// Keys by Galois element.
  std::map<uint32_t, KSwitchKey> keys;
  /// Parameter id of the context.
  uint64_t param_id = 0;
  /// Whether the key for galois_elt is present.
  bool has(uint32_t galois_elt) const { return keys.count(galois_elt) != 0; }
  /// Throws std::invalid_argument if the key for galois_elt is missing.
  const KSwitchKey& at(uint32_t galois_elt) const;
};

/// Expands a uniform polynomial (interpreted as NTT form) over q_0..q_{num_q-1} and, if
/// with_special, the special primes, from AES-256-CTR(seed, label). Deterministic.
RnsPoly expand_uniform_ntt(const RlweContext& ctx, std::span<const uint8_t, 32> seed, std::string_view label,
                           size_t num_q, bool with_special);

/// Stream label of a_i for a key-switching key with `tag`.
std::string ksk_a_label(uint32_t tag, size_t digit);

/// Deterministic key generation. Everything (s, every a, every error) is derived from the 32-byte
/// seed and the parameter id, so every holder of the meeting secret derives bit-identical keys.
/// Not thread-safe for concurrent calls on one object (cheap to create one per thread).
class KeyGenerator {
 public:
  /// Throws std::invalid_argument unless seed has exactly 32 bytes.
  KeyGenerator(ContextPtr ctx, std::span<const uint8_t> seed);
  /// Generator with a fresh random seed from the OS CSPRNG.
  static KeyGenerator random(ContextPtr ctx);

  /// The derived secret key (lives as long as the generator).
  const SecretKey& secret_key() const { return sk_; }
  /// A copy of the secret key (explicit, so duplicating a secret is visible).
  SecretKey clone_secret_key() const;
  /// The public key (deterministic from the seed).
  PublicKey public_key() const;
  /// The relinearization key (deterministic from the seed).
  RelinKeys relin_keys() const;
  /// Keys for the given Galois elements (odd, < 2N). Throws std::invalid_argument on a bad element.
  GaloisKeys galois_keys(std::span<const uint32_t> galois_elts) const;
  /// Keys for row rotations by each step (galois_elt_for_step) plus, if row_swap, the row swap.
  GaloisKeys galois_keys_for_steps(std::span<const int> steps, bool row_swap) const;
  /// Key switching s_from -> s, for s_from given in NTT form over all chain and special primes.
  /// `tag` selects the public a-stream and error stream (must be unique per key of this seed).
  KSwitchKey make_kswitch_key(const RnsPoly& s_from_ntt, uint32_t tag) const;

  /// The context the keys belong to.
  const ContextPtr& context() const { return ctx_; }

 private:
  ContextPtr ctx_;
  SecretBytes seed_;
  SecretKey sk_;
  std::array<uint8_t, 32> a_seed_{};
};

}  // namespace v100::fhe
