// The passphrase-protected key file. Layout (all integers little-endian):
//
//   magic   "V100KEY\x01"                                  8 bytes
//   kdf     u8  = 1 (scrypt)      log2_n u8   r u32   p u32
//   salt    16 bytes              nonce 12 bytes
//   ct      u32 length || AES-256-GCM ciphertext || 16-byte tag
//
// key = scrypt(passphrase, salt, N = 2^log2_n, r, p) (32 bytes); the header from magic to
// salt is the associated data (GCM binds the nonce itself), so a tampered cost parameter or salt fails the tag check. The
// cost parameters are range-checked before use so a hostile file cannot make us allocate more
// than 2^22 * 128 * 32 bytes.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/client/crypto.h"

namespace v100::meeting::client {

/// Seals `secret` (any bytes: the serialized identity) under `passphrase`; returns the file bytes.
Bytes keystore_seal(ByteSpan secret, std::string_view passphrase, const ScryptParams& params = {});

/// Opens key-file bytes; error on a wrong passphrase, a damaged file or out-of-range parameters.
Result<SecretBytes> keystore_open(ByteSpan file, std::string_view passphrase);

/// Writes `data` to `path` with mode 0600 (created or truncated). Error on any I/O failure.
Status write_private_file(const std::string& path, ByteSpan data);
/// Reads a whole file.
Result<Bytes> read_file(const std::string& path);

}  // namespace v100::meeting::client
