// Shared helpers for the CKKS tests: seeded random inputs (SHAKE256, never rand()), a plaintext
// model in long double, and precision measurement in bits (-log2 of the max absolute error).
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "hash/sha3.h"

namespace v100::fhe::ckks::testing {

/// Deterministic uniform doubles in [lo, hi) from SHAKE256(label).
class TestRng {
 public:
  explicit TestRng(const std::string& label) {
    xof_.absorb(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
  }
  uint64_t u64() {
    uint8_t b[8];
    xof_.squeeze(b);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
    return v;
  }
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * (static_cast<double>(u64() >> 11) * 0x1.0p-53);
  }
  std::vector<double> reals(size_t n, double lo, double hi) {
    std::vector<double> v(n);
    for (auto& x : v) x = uniform(lo, hi);
    return v;
  }
  std::vector<std::complex<double>> complexes(size_t n, double r) {
    std::vector<std::complex<double>> v(n);
    for (auto& x : v) x = {uniform(-r, r), uniform(-r, r)};
    return v;
  }

 private:
  hash::Shake256 xof_;
};

/// Max |a_i - b_i| over the first n entries.
inline double max_error(const std::vector<std::complex<double>>& got,
                        const std::vector<std::complex<long double>>& want, size_t n) {
  long double e = 0;
  for (size_t i = 0; i < n; ++i) {
    std::complex<long double> g(got[i].real(), got[i].imag());
    e = std::max(e, std::abs(g - want[i]));
  }
  return static_cast<double>(e);
}

/// Bits of precision: -log2(max error).
inline double bits(double err) {
  return err <= 0 ? 64.0 : -std::log2(err);
}

/// Prints a measured precision line (recorded in the test log).
inline void record(const std::string& what, double err) {
  std::printf("[precision] %-48s max error 2^%.1f  => %.1f bits\n", what.c_str(), std::log2(err), bits(err));
}

}  // namespace v100::fhe::ckks::testing
