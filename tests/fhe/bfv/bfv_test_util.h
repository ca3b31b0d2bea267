// Shared fixture for the BFV tests: one context + keys per named set (built once per process), a
// seeded SHAKE stream for test data, and the plaintext model helpers (slot-wise mod t).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/common/galois.h"
#include "fhe/common/keys.h"
#include "hash/sha3.h"

namespace v100::fhe::bfv::testing {

/// Deterministic test randomness (seeded SHAKE128, never rand()).
class TestRng {
 public:
  explicit TestRng(uint64_t seed) {
    uint8_t s[8];
    for (int i = 0; i < 8; ++i) s[i] = static_cast<uint8_t>(seed >> (8 * i));
    x_.absorb(s);
  }
  uint64_t u64() {
    uint8_t b[8];
    x_.squeeze(b);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    return v;
  }
  uint64_t below(uint64_t m) { return u64() % m; }
  std::vector<uint64_t> vec(size_t n, uint64_t m) {
    std::vector<uint64_t> v(n);
    for (auto& x : v) x = below(m);
    return v;
  }

 private:
  hash::Shake128 x_;
};

struct Env {
  BfvContextPtr ctx;
  std::unique_ptr<KeyGenerator> keygen;
  PublicKey pk;
  RelinKeys rk;
  GaloisKeys gk;
  std::unique_ptr<BatchEncoder> enc;
  std::unique_ptr<Encryptor> encryptor;
  std::unique_ptr<SymmetricEncryptor> sym;
  std::unique_ptr<Decryptor> dec;
  std::unique_ptr<Evaluator> ev;
  uint64_t t = 0;
  size_t n = 0;
};

/// Built once per set name; Galois keys for steps 1, 2, 3, 5, -1, -7, powers of two and the swap.
inline Env& env(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Env>> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return *it->second;
  auto e = std::make_unique<Env>();
  auto c = BfvContext::create(name);
  if (!c) throw std::runtime_error(c.message());
  e->ctx = *c;
  uint8_t seed[32];
  for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(i * 7 + name.size());
  e->keygen = std::make_unique<KeyGenerator>(e->ctx->rlwe_ptr(), seed);
  e->pk = e->keygen->public_key();
  e->rk = e->keygen->relin_keys();
  e->ev = std::make_unique<Evaluator>(e->ctx);
  std::vector<uint32_t> elts = e->ev->sum_slots_galois_elts();
  for (int s : {3, 5, -1, -7}) elts.push_back(galois_elt_for_step(s, e->ctx->n()));
  e->gk = e->keygen->galois_keys(elts);
  e->enc = std::make_unique<BatchEncoder>(e->ctx);
  e->encryptor = std::make_unique<Encryptor>(e->ctx, e->pk);
  e->sym = std::make_unique<SymmetricEncryptor>(e->ctx, e->keygen->secret_key());
  e->dec = std::make_unique<Decryptor>(e->ctx, e->keygen->secret_key());
  e->t = e->ctx->t();
  e->n = e->ctx->n();
  auto& ref = *e;
  cache.emplace(name, std::move(e));
  return ref;
}

/// Slot-wise model of a row rotation left by `step` (both rows).
inline std::vector<uint64_t> rotate_model(const std::vector<uint64_t>& v, int step) {
  const size_t half = v.size() / 2;
  std::vector<uint64_t> out(v.size());
  const int64_t h = static_cast<int64_t>(half);
  for (size_t row = 0; row < 2; ++row) {
    for (size_t c = 0; c < half; ++c) {
      int64_t src = ((static_cast<int64_t>(c) + step) % h + h) % h;
      out[row * half + c] = v[row * half + static_cast<size_t>(src)];
    }
  }
  return out;
}

}  // namespace v100::fhe::bfv::testing
