// Batch files for out-of-band issuance. Hand-written: these containers are V100's own (RFC 9578
// defines the messages, not how several are stored); the messages inside are RFC 9578's.
#include "meeting/admission/batch.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace v100::meeting::admission {
namespace {

constexpr char kRequestMagic[] = "V100PPQ1";
constexpr char kResponseMagic[] = "V100PPS1";
constexpr char kStateMagic[] = "V100PPC1";
constexpr char kWalletMagic[] = "V100PPT1";
constexpr size_t kMagicLen = 8;
constexpr size_t kMaxChallenge = 2 + 2 + 0xFFFF + 1 + 32 + 2 + 0xFFFF;

void put_u16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void put_u32(Bytes& b, size_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}
void put(Bytes& b, ByteSpan s) {
  b.insert(b.end(), s.begin(), s.end());
}

Bytes header(const char* magic, size_t count) {
  if (count == 0 || count > kMaxBatch)
    throw std::invalid_argument("batch size must be 1.." + std::to_string(kMaxBatch));
  Bytes b(magic, magic + kMagicLen);
  put_u16(b, count);
  return b;
}

// Cursor over untrusted bytes; every take fails cleanly on truncation.
class Cursor {
 public:
  explicit Cursor(ByteSpan d) : d_(d) {}
  bool take(size_t n, ByteSpan& out) {
    if (d_.size() - pos_ < n) return false;
    out = d_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool u16(size_t& v) {
    ByteSpan s;
    if (!take(2, s)) return false;
    v = size_t{s[0]} << 8 | s[1];
    return true;
  }
  bool u32(size_t& v) {
    ByteSpan s;
    if (!take(4, s)) return false;
    v = size_t{s[0]} << 24 | size_t{s[1]} << 16 | size_t{s[2]} << 8 | s[3];
    return true;
  }
  bool at_end() const { return pos_ == d_.size(); }

 private:
  ByteSpan d_;
  size_t pos_ = 0;
};

// Magic and count; error text names the file kind.
Status read_header(Cursor& c, const char* magic, const char* what, size_t& count) {
  ByteSpan m;
  if (!c.take(kMagicLen, m) || !std::equal(m.begin(), m.end(), magic))
    return Status::error(std::string(what) + ": not a V100 file of this kind (bad magic)");
  if (!c.u16(count)) return Status::error(std::string(what) + ": truncated");
  if (count == 0 || count > kMaxBatch)
    return Status::error(std::string(what) + ": count must be 1.." + std::to_string(kMaxBatch));
  return Status::ok();
}

// Fixed-size records after the header; exact total length required.
template <typename T>
Result<std::vector<T>> parse_fixed(ByteSpan bytes, const char* magic, const char* what, size_t rec_len,
                                   Result<T> (*parse)(ByteSpan)) {
  Cursor c(bytes);
  size_t count = 0;
  if (Status st = read_header(c, magic, what, count); !st) return st;
  if (bytes.size() != kMagicLen + 2 + count * rec_len)
    return Result<std::vector<T>>::error(std::string(what) + ": length does not match " +
                                         std::to_string(count) + " records");
  std::vector<T> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    ByteSpan rec;
    if (!c.take(rec_len, rec)) return Result<std::vector<T>>::error(std::string(what) + ": truncated");
    auto item = parse(rec);
    if (!item)
      return Result<std::vector<T>>::error(std::string(what) + " #" + std::to_string(i) + ": " +
                                           item.message());
    out.push_back(std::move(item).value());
  }
  return out;
}

Result<Bytes> read_challenge(Cursor& c, const char* what) {
  size_t len = 0;
  ByteSpan s;
  if (!c.u32(len) || len > kMaxChallenge || !c.take(len, s))
    return Result<Bytes>::error(std::string(what) + ": truncated challenge");
  if (auto ch = TokenChallenge::parse(s); !ch)
    return Result<Bytes>::error(std::string(what) + ": " + ch.message());
  return Bytes(s.begin(), s.end());
}

}  // namespace

Bytes encode_request_batch(const std::vector<TokenRequest>& requests) {
  Bytes b = header(kRequestMagic, requests.size());
  for (const auto& r : requests) put(b, r.encode());
  return b;
}

Result<std::vector<TokenRequest>> parse_request_batch(ByteSpan bytes) {
  return parse_fixed<TokenRequest>(bytes, kRequestMagic, "request batch", kTokenRequestLen,
                                   &TokenRequest::parse);
}

Bytes encode_response_batch(const std::vector<TokenResponse>& responses) {
  Bytes b = header(kResponseMagic, responses.size());
  for (const auto& r : responses) put(b, r.encode());
  return b;
}

Result<std::vector<TokenResponse>> parse_response_batch(ByteSpan bytes) {
  return parse_fixed<TokenResponse>(bytes, kResponseMagic, "response batch", kTokenResponseLen,
                                    &TokenResponse::parse);
}

// State layout: magic || u16 count || u32 |challenge| || challenge || u16 |spki| || spki ||
// count x (nonce[32] || inv[Nk]).
SecretBytes encode_client_state(const ClientBatchState& state) {
  auto pk = IssuerPublicKey::from_spki(state.issuer_spki);
  if (!pk) throw std::invalid_argument("client state: " + pk.message());
  const Digest32 digest = sha256(state.challenge);
  Bytes b = header(kStateMagic, state.pending.size());
  put_u32(b, state.challenge.size());
  put(b, state.challenge);
  put_u16(b, state.issuer_spki.size());
  put(b, state.issuer_spki);
  for (const auto& p : state.pending) {
    if (p.token_key_id != pk->token_key_id() || p.challenge_digest != digest || p.inv.size() != kNk)
      throw std::invalid_argument("client state: pending token for another key or challenge");
    put(b, p.nonce);
    put(b, p.inv.span());
  }
  SecretBytes out(b);
  secure_wipe(b);
  return out;
}

Result<ClientBatchState> parse_client_state(ByteSpan bytes) {
  using R = Result<ClientBatchState>;
  Cursor c(bytes);
  size_t count = 0, spki_len = 0;
  if (Status st = read_header(c, kStateMagic, "token state", count); !st) return st;
  ClientBatchState s;
  auto ch = read_challenge(c, "token state");
  if (!ch) return ch.status();
  s.challenge = std::move(ch).value();
  ByteSpan spki;
  if (!c.u16(spki_len) || !c.take(spki_len, spki)) return R::error("token state: truncated issuer key");
  auto pk = IssuerPublicKey::from_spki(spki);
  if (!pk) return R::error("token state: " + pk.message());
  s.issuer_spki.assign(spki.begin(), spki.end());
  const Digest32 digest = sha256(s.challenge);
  s.pending.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    ByteSpan nonce, inv;
    if (!c.take(kNonceLen, nonce) || !c.take(kNk, inv)) return R::error("token state: truncated");
    PendingToken p;
    std::copy(nonce.begin(), nonce.end(), p.nonce.begin());
    p.challenge_digest = digest;
    p.token_key_id = pk->token_key_id();
    p.inv = SecretBytes(inv);
    s.pending.push_back(std::move(p));
  }
  if (!c.at_end()) return R::error("token state: trailing bytes");
  return s;
}

// Wallet layout: magic || u16 count || u32 |challenge| || challenge || count x Token.
Bytes encode_wallet(const TokenWallet& wallet) {
  Bytes b = header(kWalletMagic, wallet.tokens.size());
  put_u32(b, wallet.challenge.size());
  put(b, wallet.challenge);
  for (const auto& t : wallet.tokens) put(b, t.encode());
  return b;
}

Result<TokenWallet> parse_wallet(ByteSpan bytes) {
  using R = Result<TokenWallet>;
  Cursor c(bytes);
  size_t count = 0;
  if (Status st = read_header(c, kWalletMagic, "token wallet", count); !st) return st;
  TokenWallet w;
  auto ch = read_challenge(c, "token wallet");
  if (!ch) return ch.status();
  w.challenge = std::move(ch).value();
  for (size_t i = 0; i < count; ++i) {
    ByteSpan rec;
    if (!c.take(kTokenLen, rec)) return R::error("token wallet: truncated");
    auto t = Token::parse(rec);
    if (!t) return R::error("token wallet #" + std::to_string(i) + ": " + t.message());
    w.tokens.push_back(std::move(t).value());
  }
  if (!c.at_end()) return R::error("token wallet: trailing bytes");
  return w;
}

}  // namespace v100::meeting::admission
