// RnsPoly: a polynomial of Z[X]/(X^N + 1) held as residues modulo a prefix of the ciphertext chain
// (q_0..q_{num_q-1}), optionally followed by residues modulo all special primes (p_0..p_{K-1}).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace v100::fhe {

/// Residue-major storage: residue r occupies data[r*n .. r*n + n). Residue r < num_q is modulo
/// q_r; residue num_q + k is modulo p_k (context index RlweContext::num_q() + k). `ntt` says whether
/// every residue is in the (bit-reversed) NTT domain of math/ntt.h or in coefficient order.
/// Values are always fully reduced into [0, modulus). Plain value type; copyable; not thread-safe
/// for concurrent mutation.
class RnsPoly {
 public:
  RnsPoly() = default;
  /// Zero polynomial with `num_q` chain residues and `num_special` special residues.
  RnsPoly(size_t n, size_t num_q, size_t num_special, bool ntt)
      : n_(n), num_q_(num_q), num_special_(num_special), ntt_(ntt), data_(n * (num_q + num_special)) {}

  /// Ring degree N.
  size_t n() const { return n_; }
  /// Number of chain residues (q_0..q_{num_q-1}).
  size_t num_q() const { return num_q_; }
  /// Number of special residues (0 or the context's K).
  size_t num_special() const { return num_special_; }
  /// num_q() + num_special().
  size_t num_residues() const { return num_q_ + num_special_; }
  /// True when every residue is in the NTT domain.
  bool is_ntt() const { return ntt_; }
  /// Relabels the domain (the caller has transformed the data).
  void set_ntt(bool ntt) { ntt_ = ntt; }
  /// True for a default-constructed (shapeless) polynomial.
  bool empty() const { return data_.empty(); }

  /// Pointer to the n values of residue r (r < num_residues()).
  uint64_t* residue(size_t r) { return data_.data() + r * n_; }
  const uint64_t* residue(size_t r) const { return data_.data() + r * n_; }

  /// Context modulus index of residue r, given the context's chain length `ctx_num_q`.
  size_t modulus_index(size_t r, size_t ctx_num_q) const { return r < num_q_ ? r : ctx_num_q + (r - num_q_); }

  /// All residues, residue-major (num_residues() * n values).
  std::vector<uint64_t>& data() { return data_; }
  const std::vector<uint64_t>& data() const { return data_; }

  /// Same shape (n, residue counts, domain).
  bool same_shape(const RnsPoly& o) const {
    return n_ == o.n_ && num_q_ == o.num_q_ && num_special_ == o.num_special_ && ntt_ == o.ntt_;
  }
  /// Drops the special residues (keeps the chain residues as they are).
  void drop_special() {
    num_special_ = 0;
    data_.resize(n_ * num_q_);
  }
  /// Drops the chain residues >= new_num_q (and keeps the special ones, moved down). Throws
  /// std::invalid_argument if new_num_q is 0 or larger than num_q().
  void truncate_q(size_t new_num_q) {
    if (new_num_q == 0 || new_num_q > num_q_) throw std::invalid_argument("RnsPoly::truncate_q: bad count");
    if (num_special_ != 0) {
      for (size_t k = 0; k < num_special_; ++k) {
        std::copy(residue(num_q_ + k), residue(num_q_ + k) + n_, data_.data() + (new_num_q + k) * n_);
      }
    }
    num_q_ = new_num_q;
    data_.resize(n_ * (num_q_ + num_special_));
  }

 private:
  size_t n_ = 0;
  size_t num_q_ = 0;
  size_t num_special_ = 0;
  bool ntt_ = false;
  std::vector<uint64_t> data_;
};

}  // namespace v100::fhe
