#include "fhe/ckks/params.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "fhe/common/params.h"
#include "math/primes.h"

namespace v100::fhe::ckks {

int he_standard_max_log_q(size_t ring_degree) {
  return fhe::max_log_q_128(ring_degree);
}

double CkksParams::default_scale() const {
  return std::ldexp(1.0, log_scale);
}

double CkksParams::total_log_q() const {
  double bits = std::log2(static_cast<double>(special_prime));
  for (uint64_t p : q) bits += std::log2(static_cast<double>(p));
  return bits;
}

Status CkksParams::validate() const {
  if (ring_degree < 1024 || ring_degree > 32768 || (ring_degree & (ring_degree - 1)) != 0) {
    return Status::error("ckks params: ring degree must be a power of two in [1024, 32768]");
  }
  if (q.empty() || q.size() > 32) return Status::error("ckks params: need 1..32 chain primes");
  if (log_scale < 10 || log_scale > 60) return Status::error("ckks params: log_scale out of [10, 60]");
  std::set<uint64_t> seen;
  std::vector<uint64_t> all = q;
  all.push_back(special_prime);
  for (uint64_t p : all) {
    if (p < 3 || p >= (uint64_t{1} << 61) || !math::is_prime(p) || (p - 1) % (2 * ring_degree) != 0) {
      return Status::error("ckks params: every modulus must be a prime ≡ 1 (mod 2N) below 2^61");
    }
    if (!seen.insert(p).second) return Status::error("ckks params: moduli must be distinct");
  }
  // Key-switching noise is about q_i * sqrt(N) * sigma / P per digit: P must exceed the scale primes
  // (q_0 may be a little larger than P; its digit then adds a few bits, far below the scale).
  for (size_t i = 1; i < q.size(); ++i) {
    if (special_prime < q[i]) return Status::error("ckks params: special prime P must be >= q_1..q_L");
  }
  if (!insecure) {
    int max_bits = he_standard_max_log_q(ring_degree);
    if (total_log_q() > max_bits) {
      return Status::error("ckks params '" + name + "': log2(qP) = " + std::to_string(total_log_q()) +
                           " exceeds the HE-standard 128-bit bound " + std::to_string(max_bits) +
                           " for N = " + std::to_string(ring_degree));
    }
  }
  return Status::ok();
}

CkksParams CkksParams::create(std::string name, size_t ring_degree, int q0_bits, int num_scale_primes,
                              int log_scale, int special_bits, bool allow_insecure) {
  if (ring_degree < 1024 || num_scale_primes < 0 || num_scale_primes > 30) {
    throw std::invalid_argument("CkksParams::create: bad ring degree or prime count");
  }
  CkksParams p;
  p.name = std::move(name);
  p.ring_degree = ring_degree;
  p.log_scale = log_scale;
  p.insecure = allow_insecure;
  // Draw every size class from one generator call so equal sizes never collide; the scale primes
  // are the largest log_scale-bit primes, i.e. just below 2^log_scale, which keeps the scale after
  // each rescale within ~2^-20 (relative) of 2^log_scale.
  std::vector<uint64_t> scale_primes =
      math::generate_ntt_primes(log_scale, ring_degree, static_cast<size_t>(num_scale_primes));
  size_t n_big = (q0_bits == special_bits) ? 2 : 1;
  std::vector<uint64_t> q0s = math::generate_ntt_primes(q0_bits, ring_degree, n_big);
  uint64_t special = q0s.size() == 2 ? q0s[1] : math::generate_ntt_primes(special_bits, ring_degree, 1)[0];
  if (special_bits == log_scale || q0_bits == log_scale) {
    throw std::invalid_argument("CkksParams::create: q0 and P sizes must differ from the scale size");
  }
  p.q.push_back(q0s[0]);
  for (uint64_t s : scale_primes) p.q.push_back(s);
  p.special_prime = special;
  Status st = p.validate();
  if (!st) throw std::invalid_argument(st.message());
  return p;
}

CkksParams CkksParams::named(std::string_view name) {
  if (name == "ckks-8192") return create("ckks-8192", 8192, 50, 3, 40, 48);
  if (name == "ckks-16384") return create("ckks-16384", 16384, 50, 8, 40, 50);
  if (name == "insecure-test-ckks-1024") {
    return create("insecure-test-ckks-1024", 1024, 50, 3, 40, 48, /*allow_insecure=*/true);
  }
  if (name == "insecure-test-ckks-2048") {
    return create("insecure-test-ckks-2048", 2048, 50, 3, 40, 48, /*allow_insecure=*/true);
  }
  throw std::invalid_argument("unknown CKKS parameter set: " + std::string(name));
}

}  // namespace v100::fhe::ckks
