// Run-time CPU feature detection for dispatching vectorized code paths. Every vectorized path has a
// portable twin that must give bit-identical results; tests compare the two.
#pragma once

// V100_CPU_X86: 1 where the AVX2/AVX-512 kernels exist (x86-64 native builds). Elsewhere (the
// WebAssembly build, other ISAs) only portable code is compiled: active() is a constant with no
// features, so every dispatch branch folds away and the vector kernels need not be linked.
#if defined(__x86_64__) || defined(__i386__)
#define V100_CPU_X86 1
#else
#define V100_CPU_X86 0
#endif

// V100_CLONES_X86: function multiversioning for the plain loops the compiler vectorizes by itself
// (x86-64-v4 and/or AVX2 clones besides the default, chosen by the loader); nothing elsewhere.
#if V100_CPU_X86
#define V100_CLONES_X86 __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#define V100_CLONES_AVX2 __attribute__((target_clones("avx2", "default")))
#else
#define V100_CLONES_X86
#define V100_CLONES_AVX2
#endif

namespace v100::cpu {

struct Features {
  bool avx2 = false;
  bool avx512f = false;
  bool avx512dq = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512ifma = false;
  bool avx512vbmi = false;
};

#if V100_CPU_X86
/// What the CPU (and OS, via XGETBV) supports. Computed once; thread-safe.
const Features& detected();

/// What dispatch should use: detected() unless the environment variable V100_PORTABLE=1 is set,
/// which forces every portable path (for testing and comparison), or tests call force_portable().
const Features& active();

/// Test hook: when true, active() reports no vector features. Not thread-safe against concurrent
/// dispatch; call it before starting work.
void force_portable(bool on);
#else
/// No vector kernels are compiled for this target: nothing is detected, nothing dispatched.
inline constexpr Features kNoFeatures{};
constexpr const Features& detected() {
  return kNoFeatures;
}
constexpr const Features& active() {
  return kNoFeatures;
}
inline void force_portable(bool) {}
#endif

/// A human-readable CPU model string (from /proc/cpuinfo or CPUID brand string).
const char* model_name();

}  // namespace v100::cpu
