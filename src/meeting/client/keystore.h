// The passphrase-protected key file. Layout (all integers little-endian):
//
//   magic   "V100KEY\x01"                                  8 bytes
//   kdf     u8  = 1 (scrypt)      log2_n u8   r u32   p u32
//   salt    16 bytes              nonce 12 bytes
//   ct      u32 length || AES-256-GCM ciphertext || 16-byte tag
//
// key = scrypt(passphrase, salt, N = 2^log2_n, r, p) (32 bytes); the header from magic to
// salt is the associated data (GCM binds the nonce itself), so a tampered cost parameter or salt fails the
// tag check. The cost parameters are range-checked before use so a hostile file cannot make us allocate more
// than 2^22 * 128 * 32 bytes.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "meeting/client/crypto.h"
#include "meeting/client/identity.h"

namespace v100::meeting::client {

/// Seals `secret` (any bytes: the serialized identity) under `passphrase`; returns the file bytes.
Bytes keystore_seal(ByteSpan secret, std::string_view passphrase, const ScryptParams& params = {});

/// Opens key-file bytes; error on a wrong passphrase, a damaged file or out-of-range parameters.
Result<SecretBytes> keystore_open(ByteSpan file, std::string_view passphrase);

/// Saves an identity to a key file at `path` (mode 0600) under `passphrase`.
Status save_identity(const std::string& path, const Identity& identity, std::string_view passphrase,
                     const ScryptParams& params = {});
/// Loads an identity from a key file. Error on a wrong passphrase or a damaged file.
Result<Identity> load_identity(const std::string& path, std::string_view passphrase);

/// The public half of an identity as a one-line text file ("v100-identity-v1 <hex>\n"), for
/// handing to people who want to invite you.
std::string public_identity_text(const PublicIdentity& pub);
/// Parses public_identity_text() output (surrounding whitespace allowed).
Result<PublicIdentity> parse_public_identity_text(std::string_view text);

/// A passphrase for the command line: the V100_PASSPHRASE environment variable if set, otherwise
/// read from the terminal with echo off (asked twice when `confirm`). Error without a terminal.
Result<std::string> read_passphrase(const std::string& prompt, bool confirm);

/// Writes `data` to `path` with mode 0600 (created or truncated). Error on any I/O failure.
Status write_private_file(const std::string& path, ByteSpan data);
/// Reads a whole file.
Result<Bytes> read_file(const std::string& path);

}  // namespace v100::meeting::client
