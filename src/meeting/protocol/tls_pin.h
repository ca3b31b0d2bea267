// Certificate pinning helpers shared by the server (prints its fingerprint) and clients (pin it).
// A fingerprint is SHA-256 over the certificate's DER encoding, as 64 lower-case hex digits
// (the same value `openssl x509 -noout -fingerprint -sha256` prints, without colons).
#pragma once

#include <string>

#include "core/status.h"

typedef struct x509_st X509;

namespace v100::meeting::protocol {

/// SHA-256 fingerprint (lower-case hex) of a certificate.
std::string certificate_fingerprint(X509* cert);

/// Fingerprint of the first certificate in a PEM file. Error if unreadable.
Result<std::string> pem_file_fingerprint(const std::string& path);

/// Normalizes a user-supplied fingerprint: strips ':' and spaces, lower-cases. Error unless the
/// result is 64 hex digits.
Result<std::string> normalize_fingerprint(const std::string& text);

}  // namespace v100::meeting::protocol
