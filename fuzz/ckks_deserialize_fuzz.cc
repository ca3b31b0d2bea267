// libFuzzer target: every CKKS deserializer on arbitrary bytes. Loaders must
// return an error Result, never crash, throw or read out of bounds; accepted objects re-serialize
// to the same bytes (canonical encoding of the CKKS ciphertext format; keys use fhe/common's).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fhe/ckks/serialization.h"

using namespace v100::fhe::ckks;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A small (insecure, test-only) set: the parsers are the same code for every N, and small
  // objects let mutations reach every field quickly.
  static const ContextPtr ctx = CkksContext::create("insecure-test-ckks-1024");
  v100::ByteSpan in(data, size);
  if (auto ct = deserialize_ciphertext(*ctx, in); ct.is_ok()) {
    // Full-form ciphertexts are canonical; seeded ones re-serialize in full form.
    if (size > 5 && data[5] == 1 && serialize(*ctx, *ct) != v100::Bytes(data, data + size)) abort();
  }
  (void)deserialize_public_key(*ctx, in).is_ok();
  (void)deserialize_relin_key(*ctx, in).is_ok();
  (void)deserialize_galois_keys(*ctx, in).is_ok();
  return 0;
}
