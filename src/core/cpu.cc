#include "core/cpu.h"

#if V100_CPU_X86
#include <cpuid.h>
#endif

#include <cstdlib>
#include <cstring>
#include <string>

namespace v100::cpu {
#if V100_CPU_X86
namespace {

uint64_t xgetbv0() {
  uint32_t eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

Features detect() {
  Features f;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  bool osxsave = (c >> 27) & 1;
  if (!osxsave) return f;
  uint64_t xcr0 = xgetbv0();
  bool ymm = (xcr0 & 0x6) == 0x6;
  bool zmm = ymm && (xcr0 & 0xe0) == 0xe0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = ymm && ((b >> 5) & 1);
  f.avx512f = zmm && ((b >> 16) & 1);
  f.avx512dq = zmm && ((b >> 17) & 1);
  f.avx512ifma = zmm && ((b >> 21) & 1);
  f.avx512bw = zmm && ((b >> 30) & 1);
  f.avx512vl = zmm && ((b >> 31) & 1);
  f.avx512vbmi = zmm && ((c >> 1) & 1);
  return f;
}

bool g_forced = false;

}  // namespace

const Features& detected() {
  static const Features f = detect();
  return f;
}

const Features& active() {
  static const bool env_portable = [] {
    const char* v = std::getenv("V100_PORTABLE");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  static const Features none{};
  return (g_forced || env_portable) ? none : detected();
}

void force_portable(bool on) {
  g_forced = on;
}

const char* model_name() {
  static const std::string name = [] {
    unsigned regs[12] = {};
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
      for (unsigned i = 0; i < 3; ++i)
        __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
      std::string s(reinterpret_cast<const char*>(regs), sizeof regs);
      s = s.c_str();
      while (!s.empty() && s.back() == ' ') s.pop_back();
      size_t p = s.find_first_not_of(' ');
      return p == std::string::npos ? std::string("unknown") : s.substr(p);
    }
    return std::string("unknown");
  }();
  return name.c_str();
}
#else
const char* model_name() {
#if defined(__wasm__)
  return "wasm32 (portable code only)";
#else
  return "unknown (portable code only)";
#endif
}
#endif

}  // namespace v100::cpu
