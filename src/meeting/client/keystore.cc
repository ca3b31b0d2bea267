#include "meeting/client/keystore.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/rng.h"

namespace v100::meeting::client {
namespace {

constexpr uint8_t kMagic[8] = {'V', '1', '0', '0', 'K', 'E', 'Y', 1};
constexpr uint8_t kKdfScrypt = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHeaderLen = 8 + 1 + 1 + 4 + 4 + kSaltLen + kAeadNonceLen;
// A serialized identity is a few KB; refuse anything absurd before allocating.
constexpr size_t kMaxSecretLen = 1 << 20;

}  // namespace

Bytes keystore_seal(ByteSpan secret, std::string_view passphrase, const ScryptParams& params) {
  ByteWriter w;
  w.bytes(kMagic);
  w.u8(kKdfScrypt);
  w.u8(params.log2_n);
  w.u32(params.r);
  w.u32(params.p);
  Bytes salt = random_bytes(kSaltLen);
  w.bytes(salt);
  SecretBytes key(32);
  if (Status s = scrypt_derive(key.span(), passphrase, salt, params); !s)
    throw std::invalid_argument("keystore_seal: " + s.message());
  // The AAD is the header up to the salt; the nonce (first 12 bytes of the box) is bound by GCM
  // itself, since a different nonce gives a different keystream and tag.
  Bytes aad = w.buffer();
  Bytes box = aead_seal(key.span(), secret, aad);
  w.bytes(ByteSpan(box.data(), kAeadNonceLen));
  w.blob(ByteSpan(box.data() + kAeadNonceLen, box.size() - kAeadNonceLen));
  return w.take();
}

Result<SecretBytes> keystore_open(ByteSpan file, std::string_view passphrase) {
  ByteReader r(file);
  ByteSpan magic, salt, nonce, ct;
  uint8_t kdf = 0;
  ScryptParams params;
  if (!r.bytes(8, magic) || std::memcmp(magic.data(), kMagic, 8) != 0)
    return Result<SecretBytes>::error("not a V100 key file");
  if (!r.u8(kdf) || kdf != kKdfScrypt) return Result<SecretBytes>::error("unknown key-file KDF");
  if (!r.u8(params.log2_n) || !r.u32(params.r) || !r.u32(params.p) || !r.bytes(kSaltLen, salt))
    return Result<SecretBytes>::error("truncated key file");
  size_t aad_len = r.position();
  if (!r.bytes(kAeadNonceLen, nonce) || !r.blob(ct, kMaxSecretLen + kAeadTagLen) || !r.at_end())
    return Result<SecretBytes>::error("truncated or oversized key file");
  SecretBytes key(32);
  if (Status s = scrypt_derive(key.span(), passphrase, salt, params); !s)
    return Result<SecretBytes>::error("key file: " + s.message());
  Bytes box(nonce.begin(), nonce.end());
  box.insert(box.end(), ct.begin(), ct.end());
  auto opened = aead_open(key.span(), box, file.subspan(0, aad_len));
  if (!opened) return Result<SecretBytes>::error("wrong passphrase or damaged key file");
  return opened;
}

Status write_private_file(const std::string& path, ByteSpan data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot create " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Status::error("cannot write " + path + ": " + std::strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return Status::error("cannot flush " + path);
  return Status::ok();
}

Result<Bytes> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Result<Bytes>::error("cannot open " + path);
  Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return data;
}

}  // namespace v100::meeting::client
