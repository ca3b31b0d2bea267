// Shared helpers for the ML-DSA tests: dispatch on the ACVP parameter-set name and run a body
// once per NTT backend (portable, then AVX2 when the CPU has it).
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/cpu.h"
#include "pq/mldsa/mldsa.h"

namespace v100::pq::mldsa::testing {

/// Calls f.template operator()<P>() for the parameter set named `name` ("ML-DSA-65").
template <typename F>
void with_params(const std::string& name, F&& f) {
  if (name == "ML-DSA-44") return f.template operator()<kMlDsa44>();
  if (name == "ML-DSA-65") return f.template operator()<kMlDsa65>();
  if (name == "ML-DSA-87") return f.template operator()<kMlDsa87>();
  throw std::runtime_error("unknown parameter set " + name);
}

/// The backends to exercise: always portable; AVX2 too when detected.
inline std::vector<bool> portable_modes() {
  std::vector<bool> m = {true};
  if (cpu::detected().avx2) m.push_back(false);
  return m;
}

/// Forces the portable path for the lifetime of the object (restores vector dispatch after).
class BackendScope {
 public:
  explicit BackendScope(bool portable) { cpu::force_portable(portable); }
  ~BackendScope() { cpu::force_portable(false); }
  BackendScope(const BackendScope&) = delete;
  BackendScope& operator=(const BackendScope&) = delete;
};

}  // namespace v100::pq::mldsa::testing
