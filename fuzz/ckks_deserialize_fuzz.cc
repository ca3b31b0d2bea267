// libFuzzer target: every CKKS deserializer on arbitrary bytes (ckks-8192 context). Loaders must
// return an error Result, never crash, throw or read out of bounds; accepted objects re-serialize
// to the same bytes (canonical encoding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fhe/ckks/serialization.h"

using namespace v100::fhe::ckks;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ContextPtr ctx = CkksContext::create("ckks-8192");
  v100::ByteSpan in(data, size);
  if (auto ct = deserialize_ciphertext(*ctx, in); ct.is_ok()) {
    // Full-form ciphertexts are canonical; seeded ones re-serialize in full form.
    if (size > 5 && data[5] == 1 && serialize(*ctx, *ct) != v100::Bytes(data, data + size)) abort();
  }
  if (auto pk = deserialize_public_key(*ctx, in); pk.is_ok()) {
    if (serialize(*ctx, *pk) != v100::Bytes(data, data + size)) abort();
  }
  (void)deserialize_relin_key(*ctx, in).is_ok();
  (void)deserialize_galois_keys(*ctx, in).is_ok();
  return 0;
}
