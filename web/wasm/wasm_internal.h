// What the C ABI's translation units (v100_wasm.cc, v100_wasm_ckks.cc) share; not part of the ABI.
#pragma once

#include "v100_wasm.h"

#if V100_NO_OPENSSL
#include "core/host_aes.h"
#endif

#if defined(__EMSCRIPTEN__)
#include <emscripten/emscripten.h>
#define V100_EXPORT EMSCRIPTEN_KEEPALIVE
#else
#define V100_EXPORT
#endif

namespace v100::wasm_abi {

// One ABI call that may draw AES-CTR keystream: in the WebAssembly build, a call during which the
// host lacked some keystream (core/host_aes.h) computed on zeros and reports kV100ErrKeystream so
// the host supplies it and repeats the call. Natively (OpenSSL's AES) the result passes through.
struct KeystreamCall {
  KeystreamCall() {
#if V100_NO_OPENSSL
    v100::host_aes::reset();
#endif
  }
  int finish(int rc) const {
#if V100_NO_OPENSSL
    if (v100::host_aes::incomplete()) return kV100ErrKeystream;
#endif
    return rc;
  }
};

}  // namespace v100::wasm_abi
