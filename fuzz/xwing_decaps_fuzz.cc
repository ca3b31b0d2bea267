// X-Wing decapsulation of arbitrary ciphertexts under a fixed key, and public-key parsing.
// The input is zero-padded or truncated to a ciphertext so every input reaches decapsulate();
// it may fail only with an error Result (low-order X25519 point), never crash.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/secure.h"
#include "pq/xwing/xwing.h"

using namespace v100::pq::xwing;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const SecretKey sk = [] {
    uint8_t seed[32];
    for (int i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(3 * i + 1);
    return generate_key_pair_derand(v100::ByteSpan(seed, 32));
  }();
  uint8_t buf[kCiphertextBytes] = {};
  std::memcpy(buf, data, size < sizeof buf ? size : sizeof buf);
  auto ct = Ciphertext::from_bytes(v100::ByteSpan(buf, sizeof buf)).value();
  auto ss = decapsulate(sk, ct);
  (void)ss;

  auto pk = PublicKey::from_bytes(v100::ByteSpan(data, size));
  if (pk.is_ok() && size != kPublicKeyBytes) __builtin_trap();
  if (pk.is_ok()) {
    auto enc = encapsulate(*pk);
    (void)enc;
  }
  return 0;
}
