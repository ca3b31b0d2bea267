#include "meeting/server/tls.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
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
  bool ok = bn && X509_set_version(x.get(), 2) == 1 &&
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
    if (!std::filesystem::exists(m.cert_file, ec) || !std::filesystem::exists(m.key_file, ec)) {
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

}  // namespace v100::meeting::server
