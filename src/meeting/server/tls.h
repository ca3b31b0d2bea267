// TLS material for the server: a provided certificate/key pair, or a self-signed ECDSA P-256
// certificate generated on first start in the data dir (cert.pem, key.pem 0600) and reused after.
// Its validity dates are fixed constants (2000-01-01 .. 2099-12-31), not the time of creation, so
// the certificate carries no time of day; its subject names no host or person.
#pragma once

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
/// in `data_dir`. Error if files are unreadable or generation fails.
Result<TlsMaterial> ensure_tls_material(const std::string& data_dir, const std::string& cert_file,
                                        const std::string& key_file);

}  // namespace v100::meeting::server
