// libFuzzer target: every parser of the admission layer (meeting/admission) on arbitrary bytes —
// TokenChallenge, TokenRequest, TokenResponse, Token, the issuer's SPKI (DER and PEM), and the
// batch files (requests, responses, client state, wallet). Parsers must return an error, never
// crash, throw or read out of bounds; accepted messages re-encode to the same bytes (canonical).
// Accepted objects then go through the protocol step that consumes them: a request through the
// issuer's BlindSign, a response through the client's Finalize, a token (and each wallet token)
// through redeem against the RFC 9578 A.2 issuer key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "meeting/admission/batch.h"
#include "meeting/admission/privacy_pass.h"

using namespace v100;
using namespace v100::meeting::admission;

namespace {

// RFC 9578 Appendix A.2 pkS (the seeds' tokens verify under it).
constexpr char kRfcPkS[] =
    "30820152303d06092a864886f70d01010a3030a00d300b0609608648016503040202a11a301806092a864886f70d010108300b06"
    "096086"
    "48016503040202a2030201300382010f003082010a0282010100cb1aed6b6a95f5b1ce013a4cfcab25b94b2e64a23034e4250a7e"
    "ab43c0"
    "df3a8c12993af12b111908d4b471bec31d4b6c9ad9cdda90612a2ee903523e6de5a224d6b02f09e5c374d0cfe01d8f529c500a78"
    "a2f679"
    "08fa682b5a2b430c81eaf1af72d7b5e794fc98a3139276879757ce453b526ef9bf6ceb99979b8423b90f4461a22af37aab0cf573"
    "3f7597"
    "abe44d31c732db68a181c6cbbe607d8c0e52e0655fd9996dc584eca0be87afbcd78a337d17b1dba9e828bbd81e291317144e7ff8"
    "9f5561"
    "9709b096cbb9ea474cead264c2073fe49740c01f00e109106066983d21e5f83f086e2e823c879cd43cef700d2a352a9babd612d0"
    "3cad02"
    "db134b7e225a5f0203010001";

struct FuzzEnv {
  IssuerPublicKey rfc_key = *IssuerPublicKey::from_spki(*from_hex(kRfcPkS));
  IssuerKey issuer = IssuerKey::generate();
  Bytes challenge = [] {
    TokenChallenge c;
    c.issuer_name = "issuer.example";
    c.origin_info = "origin.example";
    return c.encode();
  }();
  ClientRequest pending = *make_token_request(issuer.public_key(), challenge);
};

void must(bool ok) {
  if (!ok) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FuzzEnv* env = new FuzzEnv();
  ByteSpan in(data, size);
  const Bytes original(data, data + size);

  if (auto c = TokenChallenge::parse(in); c.is_ok()) must(c->encode() == original);
  if (auto r = TokenRequest::parse(in); r.is_ok()) {
    must(r->encode() == original);
    r->truncated_token_key_id = env->issuer.public_key().truncated_token_key_id();
    (void)issue(env->issuer, *r);  // BlindSign on hostile blinded_msg (m >= n refused)
  }
  if (auto r = TokenResponse::parse(in); r.is_ok()) {
    must(r->encode() == original);
    (void)finalize_token(env->issuer.public_key(), env->pending.state, *r);
  }
  if (auto t = Token::parse(in); t.is_ok()) {
    must(t->encode() == original);
    SpentTokenSet spent(4);
    (void)verify_token(*t, env->challenge, env->rfc_key);
    (void)redeem(in, env->challenge, env->issuer.public_key(), spent);
  }
  if (auto k = IssuerPublicKey::from_spki(in); k.is_ok()) must(k->spki() == original);
  (void)IssuerPublicKey::from_pem_or_der(in);
  (void)parse_request_batch(in);
  (void)parse_response_batch(in);
  (void)parse_client_state(in);
  if (auto w = parse_wallet(in); w.is_ok()) {
    must(encode_wallet(*w) == original);
    SpentTokenSet spent(kMaxBatch);
    for (const auto& t : w->tokens) (void)redeem(t.encode(), w->challenge, env->rfc_key, spent);
  }
  return 0;
}
