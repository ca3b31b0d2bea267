#include "core/cpu.h"

#include <gtest/gtest.h>

namespace v100 {
namespace {

TEST(Cpu, ForcePortableHidesFeatures) {
  cpu::force_portable(true);
  EXPECT_FALSE(cpu::active().avx2);
  EXPECT_FALSE(cpu::active().avx512ifma);
  cpu::force_portable(false);
  EXPECT_EQ(cpu::active().avx512f, cpu::detected().avx512f || false);
  // IFMA implies AVX-512F on every shipping CPU.
  if (cpu::detected().avx512ifma) {
    EXPECT_TRUE(cpu::detected().avx512f);
  }
  EXPECT_STRNE(cpu::model_name(), "");
}

}  // namespace
}  // namespace v100
