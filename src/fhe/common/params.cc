#include "fhe/common/params.h"

#include <cmath>
#include <set>

#include "core/bytes.h"
#include "hash/sha3.h"
#include "math/primes.h"

namespace v100::fhe {

int max_log_q_128(size_t n) {
  // HomomorphicEncryption.org Security Standard (2018), Table 1, 128-bit classical, ternary secret.
  switch (n) {
    case 1024:
      return 27;
    case 2048:
      return 54;
    case 4096:
      return 109;
    case 8192:
      return 218;
    case 16384:
      return 438;
    case 32768:
      return 881;
    default:
      return 0;
  }
}

double total_log_q(const RlweParams& params) {
  double bits = 0;
  for (uint64_t q : params.q) bits += std::log2(static_cast<double>(q));
  for (uint64_t p : params.p) bits += std::log2(static_cast<double>(p));
  return bits;
}

Status check_params(const RlweParams& params) {
  const size_t n = params.n;
  if (n < 16 || n > (size_t{1} << 17) || (n & (n - 1)) != 0) {
    return Status::error("params '" + params.name + "': N must be a power of two in [16, 2^17]");
  }
  if (params.q.empty()) return Status::error("params '" + params.name + "': empty modulus chain");
  if (params.q.size() > 60 || params.p.size() > 16) {
    return Status::error("params '" + params.name + "': too many primes");
  }
  std::set<uint64_t> seen;
  auto check_prime = [&](uint64_t v) -> Status {
    if (v >= (uint64_t{1} << 61) || v < 3 || !math::is_prime(v) || v % (2 * n) != 1) {
      return Status::error("params '" + params.name + "': " + std::to_string(v) +
                           " is not a prime < 2^61 with q ≡ 1 mod 2N");
    }
    if (!seen.insert(v).second) {
      return Status::error("params '" + params.name + "': repeated prime " + std::to_string(v));
    }
    return Status::ok();
  };
  for (uint64_t v : params.q) {
    if (Status s = check_prime(v); !s) return s;
  }
  for (uint64_t v : params.p) {
    if (Status s = check_prime(v); !s) return s;
  }
  if (params.scheme == Scheme::kBfv) {
    if (params.t < 2) return Status::error("params '" + params.name + "': BFV needs t >= 2");
    for (uint64_t v : params.q) {
      if (params.t >= v) return Status::error("params '" + params.name + "': t must be < every q_i");
    }
  }
  const bool test_name = params.name.rfind(kInsecureTestPrefix, 0) == 0;
  if (params.insecure_test_only && !test_name) {
    return Status::error("params '" + params.name + "': insecure_test_only requires a name starting with '" +
                         std::string(kInsecureTestPrefix) + "'");
  }
  const int limit = max_log_q_128(n);
  const double bits = total_log_q(params);
  if (!params.insecure_test_only && (limit == 0 || bits > limit)) {
    return Status::error("params '" + params.name + "': log2(qP) = " + std::to_string(bits) +
                         " exceeds the 128-bit HE-standard limit " + std::to_string(limit) + " for N = " +
                         std::to_string(n) + " (refused; insecure sets need an explicit test-only name)");
  }
  return Status::ok();
}

uint64_t param_id(const RlweParams& params) {
  ByteWriter w;
  w.bytes(as_bytes("v100/fhe/params/v1"));
  w.blob(as_bytes(params.name));
  w.u8(static_cast<uint8_t>(params.scheme));
  w.u64(params.n);
  w.u32(static_cast<uint32_t>(params.q.size()));
  for (uint64_t v : params.q) w.u64(v);
  w.u32(static_cast<uint32_t>(params.p.size()));
  for (uint64_t v : params.p) w.u64(v);
  w.u64(params.t);
  w.u8(params.insecure_test_only ? 1 : 0);
  auto d = hash::sha3_256(w.buffer());
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id |= static_cast<uint64_t>(d[i]) << (8 * i);
  return id;
}

}  // namespace v100::fhe
