// libFuzzer target: every BFV/RLWE deserializer (ciphertext, public key, relinearization key,
// Galois keys) on arbitrary bytes against the bfv-meeting-4096 context. Loaders must return an
// error Result, never crash, throw or read out of bounds; accepted objects re-serialize to the same
// bytes (the encoding is canonical), and accepted ciphertexts go through decryption and an
// evaluator op without failing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fhe/bfv/context.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/common/serialize.h"

using namespace v100::fhe;
using namespace v100::fhe::bfv;

namespace {
struct FuzzEnv {
  BfvContextPtr ctx = *BfvContext::create("bfv-meeting-4096");
  KeyGenerator keygen{ctx->rlwe_ptr(), std::vector<uint8_t>(32, 0x5a)};
  Decryptor dec{ctx, keygen.secret_key()};
  Evaluator ev{ctx};
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzEnv* env = new FuzzEnv();
  const RlweContext& r = env->ctx->rlwe();
  v100::ByteSpan in(data, size);
  v100::Bytes original(data, data + size);
  if (auto ct = deserialize_ciphertext(r, in); ct.is_ok()) {
    if (serialize_ciphertext(r, *ct) != original) abort();
    (void)env->dec.decrypt(*ct);
    Ciphertext sum;
    env->ev.add(*ct, *ct, sum);
  }
  if (auto pk = deserialize_public_key(r, in); pk.is_ok()) {
    if (serialize_public_key(r, *pk) != original) abort();
  }
  if (auto rk = deserialize_relin_keys(r, in); rk.is_ok()) {
    if (serialize_relin_keys(r, *rk) != original) abort();
  }
  if (auto gk = deserialize_galois_keys(r, in); gk.is_ok()) {
    if (serialize_galois_keys(r, *gk) != original) abort();
  }
  return 0;
}
