// ML-KEM key parsing: arbitrary bytes as encapsulation keys (§7.2 length + modulus check) and
// decapsulation keys (§7.3 length + hash check), all three parameter sets. Byte 0 selects the
// parameter set; the rest is the key. A key that parses must be usable: encapsulation to it, and
// decapsulation with it, must run and round-trip when the key is consistent.
#include <cstddef>
#include <cstdint>

#include "core/secure.h"
#include "pq/mlkem/mlkem.h"

namespace {

using namespace v100::pq::mlkem;

template <int K>
void run(v100::ByteSpan in) {
  auto ek = EncapsulationKey<K>::from_bytes(in);
  if (ek.is_ok()) {
    // Parsing is exact: the key's bytes are the input.
    if (!v100::ct_equal(ek->span(), in)) __builtin_trap();
    auto enc = encaps<K>(*ek);
    (void)enc;
  }
  auto dk = DecapsulationKey<K>::from_bytes(in);
  if (dk.is_ok()) {
    auto inner = dk->encapsulation_key();
    auto enc = encaps<K>(inner);
    SharedSecret k = decaps<K>(*dk, enc.ciphertext);
    (void)k;  // equal to enc.key only if dk_PKE matches ek; an arbitrary dk gives implicit rejection
  }
  // Padded to the right lengths, to reach the content checks.
  uint8_t ek_buf[Params<K>::kEncapsulationKeyBytes] = {};
  for (size_t i = 0; i < in.size() && i < sizeof ek_buf; ++i) ek_buf[i] = in[i];
  auto ek2 = EncapsulationKey<K>::from_bytes(v100::ByteSpan(ek_buf, sizeof ek_buf));
  if (ek2.is_ok()) (void)encaps<K>(*ek2);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  v100::ByteSpan in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      run<2>(in);
      break;
    case 1:
      run<3>(in);
      break;
    default:
      run<4>(in);
      break;
  }
  return 0;
}
