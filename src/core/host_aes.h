// WebAssembly build only (V100_NO_OPENSSL): the AES-256-CTR keystream of the FHE samplers
// (fhe/common/prg.h kAes256Ctr, math/sampler.h AesCtrStream) comes from the host's AES, the
// browser's WebCrypto AES-CTR, instead of a second AES in the module. WebCrypto is asynchronous
// and the module is not, so the host serves keystream from a cache it fills between calls: a
// request the cache cannot answer is recorded by the host, the bytes come back as zeros and
// incomplete() turns true. The C ABI (web/wasm) reports such a call as "keystream needed"; the
// host computes the recorded ranges and repeats the call, which is deterministic, until no range is
// missing (web/src/fhe.ts). The stream is the one OpenSSL's EVP_aes_256_ctr gives with a zero IV:
// counter block = the 128-bit big-endian block index, so byte `offset` lies in block offset / 16.
#pragma once

#include <cstddef>
#include <cstdint>

namespace v100::host_aes {

/// out[0 .. len) = AES-256-CTR keystream under `key` (32 bytes) from byte `offset` of the stream.
/// On a range the host does not have yet: zeros, and incomplete() is true until reset().
void keystream(const uint8_t* key, uint64_t offset, uint8_t* out, size_t len);

/// True when some keystream() since the last reset() was answered with zeros.
bool incomplete();

/// Clears incomplete() (at the start of each ABI call).
void reset();

}  // namespace v100::host_aes
