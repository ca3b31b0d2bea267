// Negacyclic number-theoretic transform over Z_q[X]/(X^n + 1) with Harvey lazy butterflies.
//
// Forward: Cooley-Tukey, natural-order input, bit-reversed output: out[i] = a(psi^(2*bitrev(i)+1)),
// psi the smallest primitive 2n-th root of unity mod q. Inverse: Gentleman-Sande, bit-reversed input,
// natural output, includes the factor n^-1. Element-wise products of two forward transforms are the
// transform of the negacyclic product.
//
// Two code paths, chosen at run time through cpu::active(): portable C++ (64-bit Shoup, any q < 2^61)
// and AVX-512 IFMA (52-bit lanes, q < 2^50, n >= 64). Fully reduced outputs (ntt_forward,
// ntt_inverse) are bit-identical across paths. The lazy variants return some representative in the
// documented range; the representative may differ between paths (it is the same value mod q).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/huge_alloc.h"
#include "math/modulus.h"

namespace v100::math {

/// Reverses the low `log_n` bits of i.
size_t bit_reverse(size_t i, int log_n);

/// Precomputed twiddle tables for one (n, q). Immutable after construction; thread-safe to share.
class NttTables {
 public:
  /// n = 2^k with 1 <= k <= 17; q prime with q ≡ 1 (mod 2n). Throws std::invalid_argument otherwise.
  NttTables(size_t n, const Modulus& q);

  size_t n() const { return n_; }
  int log_n() const { return log_n_; }
  const Modulus& modulus() const { return q_; }
  /// The smallest primitive 2n-th root of unity mod q.
  uint64_t psi() const { return psi_; }
  /// psi^-1 mod q.
  uint64_t psi_inv() const { return psi_inv_; }
  /// n^-1 mod q.
  uint64_t n_inv() const { return n_inv_; }
  /// True when the AVX-512 IFMA kernels can be used for this table (q < 2^50 and n >= 64); the CPU
  /// check is separate (cpu::active()).
  bool ifma_capable() const { return ifma_capable_; }

  // --- Tables used by the kernels (public for the kernels; not part of the stable API) ---
  /// psi^bitrev(k) for k in [0, n), and its 64-bit Shoup constant.
  const uint64_t* root_pows() const { return table(kRoot); }
  const uint64_t* root_pows_shoup() const { return table(kRootShoup); }
  /// psi^-bitrev(k) for k in [0, n), and its 64-bit Shoup constant.
  const uint64_t* inv_root_pows() const { return table(kInvRoot); }
  const uint64_t* inv_root_pows_shoup() const { return table(kInvRootShoup); }
  /// n^-1 and n^-1 * psi^-bitrev(1) with Shoup constants (merged into the last inverse layer).
  uint64_t n_inv_shoup() const { return n_inv_shoup_; }
  uint64_t n_inv_w() const { return n_inv_w_; }
  uint64_t n_inv_w_shoup() const { return n_inv_w_shoup_; }

  /// 52-bit Shoup tables for the IFMA path (empty unless ifma_capable()): floor(w * 2^52 / q).
  const uint64_t* root_pows_shoup52() const { return table(kRootShoup52); }
  const uint64_t* inv_root_pows_shoup52() const { return table(kInvRootShoup52); }
  /// Lane-expanded twiddles for the three innermost layers (t = 4, 2, 1; index 0, 1, 2), n/2 entries
  /// each: entry [b*8 + l] is the twiddle of lane l of 16-coefficient block b (lane order as the
  /// kernel's shuffles leave it).
  const uint64_t* fwd_expanded(int layer) const { return table(kFwdExp + layer); }
  const uint64_t* fwd_expanded_shoup52(int layer) const { return table(kFwdExpShoup + layer); }
  const uint64_t* inv_expanded(int layer) const { return table(kInvExp + layer); }
  const uint64_t* inv_expanded_shoup52(int layer) const { return table(kInvExpShoup + layer); }
  uint64_t n_inv_shoup52() const { return n_inv_shoup52_; }
  uint64_t n_inv_w_shoup52() const { return n_inv_w_shoup52_; }

 private:
  size_t n_;
  int log_n_;
  Modulus q_;
  uint64_t psi_ = 0, psi_inv_ = 0, n_inv_ = 0;
  uint64_t n_inv_shoup_ = 0, n_inv_w_ = 0, n_inv_w_shoup_ = 0;
  uint64_t n_inv_shoup52_ = 0, n_inv_w_shoup52_ = 0;
  bool ifma_capable_ = false;
  // Every table lives in one block (huge-page backed when large: core/huge_alloc.h); the tables
  // are addressed by offset so copies stay valid. Forward tables first, then inverse, then the
  // portable path's 64-bit Shoup constants.
  enum Table : int {
    kRoot,
    kRootShoup52,
    kFwdExp,
    kFwdExpShoup = kFwdExp + 3,
    kInvRoot = kFwdExpShoup + 3,
    kInvRootShoup52,
    kInvExp,
    kInvExpShoup = kInvExp + 3,
    kRootShoup = kInvExpShoup + 3,
    kInvRootShoup,
    kNumTables
  };
  const uint64_t* table(int id) const { return store_.data() + offset_[id]; }
  uint64_t* table(int id) { return store_.data() + offset_[id]; }
  std::vector<uint64_t, HugePageAllocator<uint64_t>> store_;
  size_t offset_[kNumTables] = {};
};

/// In-place forward negacyclic NTT. Input natural order in [0, q) (any value < 4q is accepted);
/// output bit-reversed, in [0, q).
void ntt_forward(uint64_t* a, const NttTables& t);
/// ntt_forward with a prefetch range, as ntt_forward_from below.
void ntt_forward(uint64_t* a, const NttTables& t, const void* prefetch, size_t prefetch_bytes);
/// Out-of-place ntt_forward: out = NTT(in) (in is left unchanged; out must not overlap in), without
/// the copy an in-place transform of a copy would need.
void ntt_forward_from(uint64_t* out, const uint64_t* in, const NttTables& t);
/// ntt_forward_from that also pulls [prefetch, prefetch + prefetch_bytes) into the caches while it
/// computes (software prefetches spread over its last pass; no effect on the result). Key switching
/// streams each target residue's key block this way during the digit transforms, so the memory
/// transfer overlaps arithmetic instead of stalling the inner products that follow.
void ntt_forward_from(uint64_t* out, const uint64_t* in, const NttTables& t, const void* prefetch,
                      size_t prefetch_bytes);
/// One residue of a modulus-down step, fused: out[i] = (x[i] - V[i]) * s mod q, where V = NTT(v) and
/// v[i] = (a[i] + b[i] * c + e) mod q (a[i], b[i] < 2^52; b may be nullptr for v = a + e); x in [0, q);
/// c, e, s any 64-bit values. The same result as poly_lift_combine, ntt_forward and
/// poly_sub_mul_scalar in turn, but v is computed where the transform's first pass reads it and the
/// subtraction happens where its last pass writes, so neither v nor V goes through memory. out may
/// equal x; nothing else may alias.
void ntt_lift_sub_mul(uint64_t* out, const uint64_t* x, const uint64_t* a, const uint64_t* b, uint64_t c,
                      uint64_t e, uint64_t s, const NttTables& t);
/// As ntt_forward but the output is left in [0, 4q) (skips the final correction).
void ntt_forward_lazy(uint64_t* a, const NttTables& t);
/// In-place inverse negacyclic NTT including n^-1. Input bit-reversed in [0, q) (any value < 2q is
/// accepted); output natural order in [0, q).
void ntt_inverse(uint64_t* a, const NttTables& t);
/// Out-of-place ntt_inverse: out = INTT(in) (in unchanged; out must not overlap in).
void ntt_inverse_from(uint64_t* out, const uint64_t* in, const NttTables& t);
/// As ntt_inverse but the output is left in [0, 2q).
void ntt_inverse_lazy(uint64_t* a, const NttTables& t);

/// Portable-path entry points (always the portable kernels, whatever the CPU); for tests and benches.
void ntt_forward_portable(uint64_t* a, const NttTables& t, bool lazy = false);
void ntt_inverse_portable(uint64_t* a, const NttTables& t, bool lazy = false);

/// True when ntt_forward/ntt_inverse will use the AVX-512 IFMA kernels for this table on this CPU
/// (cpu::active() has avx512f+ifma and t.ifma_capable()).
bool ntt_uses_ifma(const NttTables& t);

}  // namespace v100::math
