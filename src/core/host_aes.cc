#include "core/host_aes.h"

#include <cstring>

// The import the module's host supplies (web/src/wasm.ts, env.v100_aes256_ctr): returns 1 when
// it wrote the requested range, 0 when it recorded the range as missing (then out is untouched).
extern "C" __attribute__((import_module("env"), import_name("v100_aes256_ctr"))) int v100_aes256_ctr(
    const uint8_t* key, uint32_t offset_lo, uint32_t offset_hi, uint8_t* out, uint32_t len);

namespace v100::host_aes {

namespace {
bool g_incomplete = false;  // the module is single-threaded (one instance per Worker)
constexpr size_t kMaxCall = size_t{1} << 30;
}  // namespace

void keystream(const uint8_t* key, uint64_t offset, uint8_t* out, size_t len) {
  size_t done = 0;
  while (done < len) {
    const size_t n = len - done < kMaxCall ? len - done : kMaxCall;
    const uint64_t at = offset + done;
    if (v100_aes256_ctr(key, static_cast<uint32_t>(at), static_cast<uint32_t>(at >> 32), out + done,
                        static_cast<uint32_t>(n)) != 1) {
      std::memset(out + done, 0, n);
      g_incomplete = true;
    }
    done += n;
  }
}

bool incomplete() {
  return g_incomplete;
}

void reset() {
  g_incomplete = false;
}

}  // namespace v100::host_aes
