#include "core/rng.h"

// The native build draws from OpenSSL's DRBG. The WebAssembly build (V100_NO_OPENSSL) calls
// getentropy, which the host provides from crypto.getRandomValues (WASI random_get).
#if V100_NO_OPENSSL
#include <unistd.h>
#else
#include <openssl/rand.h>
#endif

#include <cstdio>
#include <cstdlib>

namespace v100 {

void random_bytes(std::span<uint8_t> out) {
  size_t off = 0;
#if V100_NO_OPENSSL
  while (off < out.size()) {
    size_t n = out.size() - off;
    if (n > 256) n = 256;  // getentropy's limit per call
    if (getentropy(out.data() + off, n) != 0) {
      std::fputs("v100: system random number generator failed\n", stderr);
      std::abort();
    }
    off += n;
  }
#else
  while (off < out.size()) {
    // RAND_bytes takes an int length; chunk large requests.
    size_t n = out.size() - off;
    if (n > (1u << 30)) n = 1u << 30;
    if (RAND_bytes(out.data() + off, static_cast<int>(n)) != 1) {
      std::fputs("v100: system random number generator failed\n", stderr);
      std::abort();
    }
    off += n;
  }
#endif
}

Bytes random_bytes(size_t n) {
  Bytes b(n);
  random_bytes(std::span<uint8_t>(b));
  return b;
}

SecretBytes random_seed32() {
  SecretBytes s(32);
  random_bytes(s.span());
  return s;
}

uint64_t random_u64() {
  uint8_t b[8];
  random_bytes(std::span<uint8_t>(b, 8));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(b[i]) << (8 * i);
  secure_wipe(b, sizeof b);
  return v;
}

}  // namespace v100
