#include "meeting/protocol/tls_pin.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cctype>
#include <cstdio>

#include "core/bytes.h"

namespace v100::meeting::protocol {

std::string certificate_fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &len) != 1) return {};
  return to_hex(ByteSpan(md, len));
}

Result<std::string> pem_file_fingerprint(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Result<std::string>::error("cannot open certificate file");
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) return Result<std::string>::error("not a PEM certificate");
  std::string fp = certificate_fingerprint(cert);
  X509_free(cert);
  return fp;
}

Result<std::string> normalize_fingerprint(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return Result<std::string>::error("fingerprint: not hex");
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (out.size() != 64) return Result<std::string>::error("fingerprint: need 64 hex digits (SHA-256)");
  return out;
}

}  // namespace v100::meeting::protocol
