#include "meeting/server/tls.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "meeting/protocol/tls_pin.h"

namespace v100::meeting::server {
namespace {

Status generate_self_signed(const std::string& cert_path, const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
  if (!key || !x) return Status::error("tls: key generation failed");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return Status::error("tls: RNG failed");
  serial[0] &= 0x7f;  // positive INTEGER
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof(serial), nullptr), BN_free);
  X509_NAME* name = X509_get_subject_name(x.get());
  bool ok =
      bn && X509_set_version(x.get(), 2) == 1 &&
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get())) != nullptr &&
      // Fixed dates: the certificate must not record when the server was first started.
      ASN1_TIME_set_string_X509(X509_getm_notBefore(x.get()), "20000101000000Z") == 1 &&
      ASN1_TIME_set_string_X509(X509_getm_notAfter(x.get()), "20991231235959Z") == 1 &&
      X509_set_pubkey(x.get(), key.get()) == 1 &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("v100 server"), -1, -1, 0) == 1 &&
      X509_set_issuer_name(x.get(), name) == 1 && X509_sign(x.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return Status::error("tls: certificate construction failed");
  // Key first, created 0600 before any byte is written.
  int old = ::umask(077);
  FILE* kf = std::fopen(key_path.c_str(), "wb");
  ::umask(old);
  if (!kf) return Status::error("tls: cannot write key file");
  bool wrote = PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(kf);
  FILE* cf = std::fopen(cert_path.c_str(), "wb");
  if (!cf) return Status::error("tls: cannot write certificate file");
  wrote = wrote && PEM_write_X509(cf, x.get()) == 1;
  std::fclose(cf);
  if (!wrote) return Status::error("tls: PEM write failed");
  return Status::ok();
}

}  // namespace

Result<TlsMaterial> ensure_tls_material(const std::string& data_dir, const std::string& cert_file,
                                        const std::string& key_file) {
  TlsMaterial m;
  if (!cert_file.empty() || !key_file.empty()) {
    if (cert_file.empty() || key_file.empty())
      return Result<TlsMaterial>::error("tls: --cert and --key go together");
    m.cert_file = cert_file;
    m.key_file = key_file;
  } else {
    m.cert_file = data_dir + "/cert.pem";
    m.key_file = data_dir + "/key.pem";
    std::error_code ec;
    const bool have_cert = std::filesystem::exists(m.cert_file, ec);
    const bool have_key = std::filesystem::exists(m.key_file, ec);
    if (have_cert != have_key)
      return Result<TlsMaterial>::error(
          "tls: " + (have_cert ? m.key_file : m.cert_file) + " is missing but " +
          (have_cert ? m.cert_file : m.key_file) +
          " exists; refusing to make a new certificate (its pin would change). Restore the missing file, or "
          "remove both to start over with a new pin");
    if (!have_cert) {
      Status s = generate_self_signed(m.cert_file, m.key_file);
      if (!s) return s;
      m.generated = true;
    }
  }
  auto fp = protocol::pem_file_fingerprint(m.cert_file);
  if (!fp) return fp.status();
  m.fingerprint = *fp;
  return m;
}

Status configure_server_tls(SSL_CTX* ctx, const TlsMaterial& m) {
  if (ctx == nullptr) return Status::error("tls: no context");
  SSL_CTX_set_options(
      ctx, SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
    return Status::error("tls: cannot set the minimum protocol version");
  if (SSL_CTX_set1_groups_list(ctx, kServerTlsGroups) != 1)
    return Status::error("tls: cannot set the groups");
  if (SSL_CTX_set_cipher_list(ctx, kServerTls12Ciphers) != 1)
    return Status::error("tls: cannot set the TLS 1.2 cipher suites");
  if (SSL_CTX_set_ciphersuites(ctx, kServerTls13Ciphers) != 1)
    return Status::error("tls: cannot set the TLS 1.3 cipher suites");
  if (SSL_CTX_use_certificate_chain_file(ctx, m.cert_file.c_str()) != 1)
    return Status::error("tls: cannot load the certificate chain " + m.cert_file);
  if (SSL_CTX_use_PrivateKey_file(ctx, m.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return Status::error("tls: cannot load the private key " + m.key_file);
  if (SSL_CTX_check_private_key(ctx) != 1)
    return Status::error("tls: " + m.key_file + " does not match the certificate " + m.cert_file);
  return Status::ok();
}

}  // namespace v100::meeting::server
