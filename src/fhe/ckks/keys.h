// CKKS keys, all deterministic from a 32-byte seed (every meeting participant derives the same
// secret key from the meeting secret; DESIGN.md §2):
//   s           ternary secret (HE standard), held in NTT form modulo q_0..q_L and P;
//   pk = (b, a) with b = -a s + e mod Q, a expanded from a public 32-byte seed;
//   key-switching keys (relinearization s^2 -> s, Galois sigma_g(s) -> s, conjugation g = 2N-1):
//   hybrid RNS key switching with one special prime P and one digit per q_i (SEAL / Han-Ki style):
//   for digit i, (b_i, a_i) over q_0..q_L, P with b_i = -a_i s + e_i + P * s' * [i == j] in residue j.
//   The a_i come from a public seed, so keys serialize in seeded (half-size) form.
//
// Why CKKS has its own key code (not fhe/common): see README.md ("reuse of fhe/common").
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/secure.h"
#include "fhe/ckks/context.h"

namespace v100::fhe::ckks {

/// The secret key s, NTT form modulo q_0..q_L and P ((L + 2) * N words). Move-only, wiped on
/// destruction, never serialized (re-derive it from the seed).
class SecretKey {
 public:
  SecretKey() = default;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&&) noexcept = default;
  SecretKey& operator=(SecretKey&& o) noexcept {
    if (this != &o) {
      secure_wipe(ntt_);
      ntt_ = std::move(o.ntt_);
    }
    return *this;
  }
  ~SecretKey() { secure_wipe(ntt_); }

  /// Residue j (modulus index j of the context, P = L + 1).
  const uint64_t* residue(size_t j, size_t n) const { return ntt_.data() + j * n; }
  bool empty() const { return ntt_.empty(); }
  std::vector<uint64_t>& mutable_data() { return ntt_; }
  const std::vector<uint64_t>& data() const { return ntt_; }

 private:
  std::vector<uint64_t> ntt_;
};

/// Public encryption key (b, a) modulo q_0..q_L, NTT form; a = expand(seed).
struct PublicKey {
  std::vector<uint64_t> b, a;  // (L + 1) * N words each
  std::array<uint8_t, 32> seed{};
};

/// A key-switching key from some s' to s: one (b_i, a_i) pair per digit i = 0..L, each over
/// q_0..q_L, P (NTT form). a_i = expand(seed, i).
struct KeySwitchKey {
  size_t digits = 0;           // L + 1
  std::vector<uint64_t> b, a;  // digits * (L + 2) * N words each; digit i at i * (L + 2) * N
  std::array<uint8_t, 32> seed{};
  const uint64_t* b_at(size_t digit, size_t j, size_t n, size_t num_moduli) const {
    return b.data() + (digit * num_moduli + j) * n;
  }
  const uint64_t* a_at(size_t digit, size_t j, size_t n, size_t num_moduli) const {
    return a.data() + (digit * num_moduli + j) * n;
  }
};

/// Relinearization key: switches s^2 to s.
struct RelinKey {
  KeySwitchKey key;
};

/// Galois keys by Galois element g (rotation by k: g = 5^k mod 2N; conjugation: g = 2N - 1).
struct GaloisKeys {
  std::map<uint64_t, KeySwitchKey> keys;
  bool has(uint64_t g) const { return keys.count(g) != 0; }
};

/// Derives every key from a 32-byte seed. Deterministic: the same seed and parameters give the same
/// keys, bit for bit. Holds the secret key; move-only.
class KeyGenerator {
 public:
  /// Throws std::invalid_argument if the seed is not 32 bytes or ctx is null.
  KeyGenerator(ContextPtr ctx, std::span<const uint8_t> seed32);
  /// A generator from a fresh OS-random seed.
  explicit KeyGenerator(ContextPtr ctx);

  /// A copy of the secret key (explicit, so copies are visible in review).
  SecretKey secret_key() const;
  const SecretKey& secret_key_ref() const { return sk_; }
  PublicKey public_key() const;
  RelinKey relin_key() const;
  /// Galois keys for the given left-rotation steps (negative = right), plus conjugation if asked.
  GaloisKeys galois_keys(std::span<const int64_t> steps, bool with_conjugation) const;
  /// Keys for every power-of-two step 1, 2, ..., N/4 and conjugation: enough for sum_slots,
  /// inner products and any rotation (composed from powers of two).
  GaloisKeys galois_keys_power_of_two() const;
  /// A key switching sigma_g(s) -> s for one Galois element.
  KeySwitchKey galois_key(uint64_t g) const;

 private:
  KeySwitchKey make_switch_key(const std::vector<uint64_t>& s_from_ntt, std::string_view label) const;

  ContextPtr ctx_;
  SecretBytes seed_;
  SecretKey sk_;
};

namespace detail {
/// Expands a public seed into a uniform polynomial over moduli 0..count-1 (NTT form) with a label.
void expand_uniform(uint64_t* out, const CkksContext& ctx, size_t count, std::span<const uint8_t> seed,
                    std::string_view label);
/// Expands the a-part of a key-switching key (all digits) from its seed.
void expand_switch_key_a(KeySwitchKey& key, const CkksContext& ctx);
/// Expands the a-part of a public key from its seed.
void expand_public_key_a(PublicKey& pk, const CkksContext& ctx);
/// Small signed polynomial -> NTT form residues over moduli 0..count-1.
void small_to_ntt(uint64_t* out, const int8_t* in, const CkksContext& ctx, size_t count);
}  // namespace detail

}  // namespace v100::fhe::ckks
