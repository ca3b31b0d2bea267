#include "meeting/client/keystore.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

Status save_identity(const std::string& path, const Identity& identity, std::string_view passphrase,
                     const ScryptParams& params) {
  SecretBytes secret = identity.serialize_secret();
  return write_private_file(path, keystore_seal(secret.span(), passphrase, params));
}

Result<Identity> load_identity(const std::string& path, std::string_view passphrase) {
  auto file = read_file(path);
  if (!file) return file.status();
  auto secret = keystore_open(*file, passphrase);
  if (!secret) return Result<Identity>::error(path + ": " + secret.message());
  return Identity::parse_secret(secret->span());
}

std::string public_identity_text(const PublicIdentity& pub) {
  return "v100-identity-v1 " + to_hex(pub.serialize()) + "\n";
}

Result<PublicIdentity> parse_public_identity_text(std::string_view text) {
  constexpr std::string_view kPrefix = "v100-identity-v1 ";
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\r'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  if (text.substr(0, kPrefix.size()) != kPrefix)
    return Result<PublicIdentity>::error("not a V100 public identity");
  auto bytes = from_hex(text.substr(kPrefix.size()));
  if (!bytes) return bytes.status();
  return PublicIdentity::parse(*bytes);
}

namespace {

Result<std::string> read_tty_line(const std::string& prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr)
    return Result<std::string>::error("no terminal to ask for a passphrase (set V100_PASSPHRASE)");
  std::fputs(prompt.c_str(), tty);
  std::fflush(tty);
  int fd = fileno(tty);
  termios old{};
  bool restore = tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string line;
  for (int ch; (ch = std::fgetc(tty)) != EOF && ch != '\n';) line.push_back(static_cast<char>(ch));
  if (restore) tcsetattr(fd, TCSAFLUSH, &old);
  std::fputs("\n", tty);
  std::fclose(tty);
  return line;
}

}  // namespace

Result<std::string> read_passphrase(const std::string& prompt, bool confirm) {
  if (const char* env = std::getenv("V100_PASSPHRASE")) return std::string(env);
  auto a = read_tty_line(prompt);
  if (!a || !confirm) return a;
  auto b = read_tty_line("again: ");
  if (!b) return b;
  if (*a != *b) return Result<std::string>::error("passphrases differ");
  return a;
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
