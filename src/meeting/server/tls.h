// TLS material for the server: a provided certificate/key pair, or a self-signed ECDSA P-256
// certificate generated on first start in the data dir (cert.pem, key.pem 0600) and reused after.
// Its validity dates are fixed constants (2000-01-01 .. 2099-12-31), not the time of creation, so
// the certificate carries no time of day; its subject names no host or person.
#pragma once

#include <openssl/types.h>

#include <string>

#include "core/status.h"

namespace v100::meeting::server {

/// Paths of the certificate and key the server uses, and the certificate's SHA-256 fingerprint.
struct TlsMaterial {
  std::string cert_file;
  std::string key_file;
  std::string fingerprint;  ///< 64 hex digits, for clients to pin
  bool generated = false;   ///< true if created by this call
};

/// Uses cert_file/key_file when both are given; otherwise loads or creates the self-signed pair
/// in `data_dir`. A pair is generated only when neither file exists: if exactly one of cert.pem
/// and key.pem is there, this refuses with an error naming the missing file (a silently new
/// certificate would change the pin every client trusts). Error also if files are unreadable or
/// generation fails.
Result<TlsMaterial> ensure_tls_material(const std::string& data_dir, const std::string& cert_file,
                                        const std::string& key_file);

/// The ECDHE groups the server accepts, in preference order (no finite-field DH: a ClientHello
/// offering only ffdhe8192 would cost the server ~120 ms of CPU per handshake).
inline constexpr const char* kServerTlsGroups = "X25519:P-256:P-384";
/// TLS 1.2 suites: forward-secret ECDHE with an AEAD only (no CBC, no SHA-1 MAC, no RSA key
/// exchange, no DHE).
inline constexpr const char* kServerTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
/// TLS 1.3 suites (all AEAD; listed so a changed OpenSSL default cannot widen them).
inline constexpr const char* kServerTls13Ciphers =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

/// Configures a server context: TLS 1.2 minimum, the groups and suites above, no compression, no
/// renegotiation, and the certificate chain and key of `m` (checked to match). Error naming the
/// step that failed. Call once, before the context is shared with connections.
Status configure_server_tls(SSL_CTX* ctx, const TlsMaterial& m);

}  // namespace v100::meeting::server
