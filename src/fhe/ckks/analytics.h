// Low-degree polynomial evaluation and the statistics the meeting analytics need (mean, variance,
// weighted sum), on top of the Evaluator. Scales are managed so that results come out at an exact,
// known scale: constants and weights are encoded at the prime the next rescale divides by (or at a
// scale chosen to land every term on one target scale), so no "scale mismatch" can arise inside.
#pragma once

#include <span>

#include "fhe/ckks/evaluator.h"

namespace v100::fhe::ckks {

/// p(x) = sum_k coeffs[k] x^k slot-wise, degree 1..4 (degree 0 throws: it would be a transparent
/// ciphertext). Depth: ceil(log2(degree)) + 1 levels
/// (degree 1: 1). Result scale: the parameter default scale. Throws std::invalid_argument when the
/// ciphertext lacks the levels or the degree is out of range.
Ciphertext evaluate_polynomial(const Evaluator& ev, const Ciphertext& x, std::span<const double> coeffs,
                               const RelinKey& rk);

/// Every slot := mean of the first `count` slots (the other slots of x must be zero). One level.
Ciphertext mean(const Evaluator& ev, const Ciphertext& x, size_t count, const GaloisKeys& gk);

/// Every slot := population variance of the first `count` slots (others zero): E[x^2] - E[x]^2.
/// Two levels.
Ciphertext variance(const Evaluator& ev, const Ciphertext& x, size_t count, const RelinKey& rk,
                    const GaloisKeys& gk);

/// Every slot := sum_i w_i x_i for real plaintext weights (up to N/2). One level; scale unchanged.
Ciphertext weighted_sum(const Evaluator& ev, const Ciphertext& x, std::span<const double> weights,
                        const GaloisKeys& gk);

}  // namespace v100::fhe::ckks
