// ML-KEM decapsulation of arbitrary ciphertexts under fixed keys, all three parameter sets.
// Input: byte 0 selects the parameter set, the rest is the ciphertext, zero-padded or truncated to
// the ciphertext length so every input reaches decaps. Decaps must never fail or crash, and (when
// bit 2 of byte 0 is set) must agree with encapsulation on a genuine ciphertext built from the input.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/secure.h"
#include "pq/mlkem/mlkem.h"

namespace {

using namespace v100::pq::mlkem;

template <int K>
const KeyPair<K>& fixed_keys() {
  static const KeyPair<K> kp = [] {
    uint8_t d[32], z[32];
    for (int i = 0; i < 32; ++i) {
      d[i] = static_cast<uint8_t>(i);
      z[i] = static_cast<uint8_t>(0xa0 + i);
    }
    return keygen_internal<K>(d, z);
  }();
  return kp;
}

template <int K>
void run(const uint8_t* data, size_t size, bool round_trip) {
  const auto& kp = fixed_keys<K>();
  uint8_t buf[Params<K>::kCiphertextBytes] = {};
  std::memcpy(buf, data, size < sizeof buf ? size : sizeof buf);
  auto c = Ciphertext<K>::from_bytes(v100::ByteSpan(buf, sizeof buf)).value();
  SharedSecret a = decaps<K>(kp.dk, c);
  // Wrong lengths are refused, not crashed on.
  if (Ciphertext<K>::from_bytes(v100::ByteSpan(data, size)).is_ok() != (size == sizeof buf)) __builtin_trap();
  if (!round_trip) return;
  // A genuine ciphertext derived from the input decapsulates to its key.
  uint8_t m[32] = {};
  std::memcpy(m, buf, 32);
  auto enc = encaps_internal<K>(kp.ek, m);
  if (!v100::ct_equal(decaps<K>(kp.dk, enc.ciphertext).span(), enc.key.span())) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool round_trip = (data[0] >> 2) & 1;
  switch (data[0] % 3) {
    case 0:
      run<2>(data + 1, size - 1, round_trip);
      break;
    case 1:
      run<3>(data + 1, size - 1, round_trip);
      break;
    default:
      run<4>(data + 1, size - 1, round_trip);
      break;
  }
  return 0;
}
