// Anonymous admission tokens, out-of-band issuance (docs/admission.md). The operator runs the
// issuer; a user runs the client side; the meeting server only ever sees finished tokens.
//
//   v100 issuer-keygen  --out issuer.key --pub-out issuer.pub                      (operator)
//   v100 token-request  --issuer-pub issuer.pub --origin NAME [--issuer-name NAME]
//                       [--count N] --out req.bin --state state.bin                (user)
//   v100 token-issue    --key issuer.key --in req.bin --out resp.bin               (operator)
//   v100 token-finalize --state state.bin --in resp.bin --out tokens.bin           (user)
//   v100 token-verify   --issuer-pub issuer.pub --in tokens.bin                    (anyone)
//
// req.bin holds only blinded messages and resp.bin only blind signatures: the issuer can count
// and authorize (who asked for how many) but cannot recognise the tokens later. state.bin is
// secret (it links tokens to the request) and is written 0600; so is issuer.key.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "command.h"
#include "meeting/admission/batch.h"
#include "meeting/admission/privacy_pass.h"

namespace v100::tools {
namespace {

namespace adm = meeting::admission;

constexpr size_t kMaxFile = 4u << 20;

Result<Bytes> read_file(const std::string& path) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Result<Bytes>::error("cannot read " + path + ": " + ec.message());
  if (size > kMaxFile) return Result<Bytes>::error(path + " is too large");
  std::ifstream f(path, std::ios::binary);
  Bytes b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (!f && !f.eof()) return Result<Bytes>::error("cannot read " + path);
  return b;
}

// Writes via a temporary file and rename, with `mode` from creation (0600 for secrets).
Status write_file(const std::string& path, ByteSpan data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::error("cannot write " + path);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::error("cannot write " + path);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::error("cannot write " + path);
  }
  return Status::ok();
}

int fail(const char* cmd, const std::string& msg) {
  std::fprintf(stderr, "v100 %s: %s\n", cmd, msg.c_str());
  return 1;
}

int run_issuer_keygen(const Args& args) {
  const std::string out = args.value("--out"), pub_out = args.value("--pub-out");
  if (std::filesystem::exists(out))
    return fail("issuer-keygen", out + " exists; refusing to overwrite an issuer key");
  adm::IssuerKey key = adm::IssuerKey::generate();
  SecretBytes pem = key.to_pkcs8_pem();
  if (Status st = write_file(out, pem.span(), 0600); !st) return fail("issuer-keygen", st.message());
  const std::string pub = key.public_key().pem();
  if (Status st = write_file(pub_out, as_bytes(pub), 0644); !st) return fail("issuer-keygen", st.message());
  std::printf(
      "issuer key    %s (PKCS#8, RSA-2048, keep secret)\npublic key    %s (RSASSA-PSS SPKI)\ntoken_key_id  "
      "%s\n",
      out.c_str(), pub_out.c_str(), to_hex(key.public_key().token_key_id()).c_str());
  return 0;
}

int run_token_request(const Args& args) {
  const std::string pub_path = args.value("--issuer-pub"), origin = args.value("--origin");
  const std::string issuer_name = args.value("--issuer-name", origin);
  const std::string out = args.value("--out"), state_out = args.value("--state");
  const std::string count_text = args.value("--count", "1");
  char* end = nullptr;
  const unsigned long count = std::strtoul(count_text.c_str(), &end, 10);
  if (*end != '\0' || count == 0 || count > adm::kMaxBatch)
    return fail("token-request", "--count must be 1.." + std::to_string(adm::kMaxBatch));
  auto pub_bytes = read_file(pub_path);
  if (!pub_bytes) return fail("token-request", pub_bytes.message());
  auto pk = adm::IssuerPublicKey::from_pem_or_der(*pub_bytes);
  if (!pk) return fail("token-request", pk.message());
  Bytes challenge;
  try {
    challenge = adm::admission_challenge(issuer_name, origin);
  } catch (const std::invalid_argument& e) {
    return fail("token-request", e.what());
  }
  adm::ClientBatchState state;
  state.challenge = challenge;
  state.issuer_spki = pk->spki();
  std::vector<adm::TokenRequest> requests;
  for (unsigned long i = 0; i < count; ++i) {
    auto r = adm::make_token_request(*pk, challenge);
    if (!r) return fail("token-request", r.message());
    requests.push_back(std::move(r->request));
    state.pending.push_back(std::move(r->state));
  }
  // State first: a request without its state could never be finalized.
  if (Status st = write_file(state_out, adm::encode_client_state(state).span(), 0600); !st)
    return fail("token-request", st.message());
  if (Status st = write_file(out, adm::encode_request_batch(requests), 0644); !st)
    return fail("token-request", st.message());
  std::printf(
      "%lu token request(s) -> %s (send to the issuer)\nstate -> %s (secret, keep until token-finalize)\n",
      count, out.c_str(), state_out.c_str());
  return 0;
}

int run_token_issue(const Args& args) {
  const std::string key_path = args.value("--key"), in = args.value("--in"), out = args.value("--out");
  auto key_file = read_file(key_path);
  if (!key_file) return fail("token-issue", key_file.message());
  auto key = adm::IssuerKey::from_pkcs8(*key_file);
  secure_wipe(*key_file);
  if (!key) return fail("token-issue", key.message());
  auto req_bytes = read_file(in);
  if (!req_bytes) return fail("token-issue", req_bytes.message());
  auto requests = adm::parse_request_batch(*req_bytes);
  if (!requests) return fail("token-issue", requests.message());
  std::vector<adm::TokenResponse> responses;
  for (size_t i = 0; i < requests->size(); ++i) {
    auto r = adm::issue(*key, (*requests)[i]);
    if (!r) return fail("token-issue", "request #" + std::to_string(i) + ": " + r.message());
    responses.push_back(std::move(r).value());
  }
  if (Status st = write_file(out, adm::encode_response_batch(responses), 0644); !st)
    return fail("token-issue", st.message());
  std::printf("issued %zu token(s) -> %s\n", responses.size(), out.c_str());
  return 0;
}

int run_token_finalize(const Args& args) {
  const std::string state_path = args.value("--state"), in = args.value("--in"), out = args.value("--out");
  auto state_file = read_file(state_path);
  if (!state_file) return fail("token-finalize", state_file.message());
  auto state = adm::parse_client_state(*state_file);
  secure_wipe(*state_file);
  if (!state) return fail("token-finalize", state.message());
  auto resp_bytes = read_file(in);
  if (!resp_bytes) return fail("token-finalize", resp_bytes.message());
  auto responses = adm::parse_response_batch(*resp_bytes);
  if (!responses) return fail("token-finalize", responses.message());
  if (responses->size() != state->pending.size())
    return fail("token-finalize", std::to_string(responses->size()) + " responses for " +
                                      std::to_string(state->pending.size()) + " requests");
  auto pk = adm::IssuerPublicKey::from_spki(state->issuer_spki);
  if (!pk) return fail("token-finalize", pk.message());
  adm::TokenWallet wallet;
  wallet.challenge = state->challenge;
  for (size_t i = 0; i < responses->size(); ++i) {
    auto t = adm::finalize_token(*pk, state->pending[i], (*responses)[i]);
    if (!t) return fail("token-finalize", "response #" + std::to_string(i) + ": " + t.message());
    wallet.tokens.push_back(std::move(t).value());
  }
  // Tokens are bearer credentials: private to the user until spent.
  if (Status st = write_file(out, adm::encode_wallet(wallet), 0600); !st)
    return fail("token-finalize", st.message());
  std::printf("%zu token(s) -> %s (each admits once)\n", wallet.tokens.size(), out.c_str());
  return 0;
}

int run_token_verify(const Args& args) {
  const std::string pub_path = args.value("--issuer-pub"), in = args.value("--in");
  auto pub_bytes = read_file(pub_path);
  if (!pub_bytes) return fail("token-verify", pub_bytes.message());
  auto pk = adm::IssuerPublicKey::from_pem_or_der(*pub_bytes);
  if (!pk) return fail("token-verify", pk.message());
  auto wallet_bytes = read_file(in);
  if (!wallet_bytes) return fail("token-verify", wallet_bytes.message());
  auto wallet = adm::parse_wallet(*wallet_bytes);
  if (!wallet) return fail("token-verify", wallet.message());
  auto challenge = adm::TokenChallenge::parse(wallet->challenge);
  if (!challenge) return fail("token-verify", challenge.message());
  adm::SpentTokenSet spent(adm::kMaxBatch);
  size_t good = 0;
  for (size_t i = 0; i < wallet->tokens.size(); ++i) {
    auto r = adm::redeem(wallet->tokens[i].encode(), wallet->challenge, *pk, spent);
    if (r) ++good;
    std::printf("token %zu  %s\n", i, r ? ("valid, nonce hash " + to_hex(*r)).c_str() : r.message().c_str());
  }
  std::printf("%zu of %zu valid for issuer '%s', origin '%s'\n", good, wallet->tokens.size(),
              challenge->issuer_name.c_str(), challenge->origin_info.c_str());
  return good == wallet->tokens.size() ? 0 : 1;
}

}  // namespace

V100_COMMAND("issuer-keygen", "admission-token issuer key: --out issuer.key --pub-out issuer.pub",
             CommandSpec{.usage = "v100 issuer-keygen --out issuer.key --pub-out issuer.pub",
                         .options = {opt_required("--out"), opt_required("--pub-out")}},
             run_issuer_keygen);
V100_COMMAND(
    "token-request",
    "blinded admission-token requests: --issuer-pub P --origin NAME --count N --out R --state S",
    CommandSpec{
        .usage = "v100 token-request --issuer-pub issuer.pub --origin NAME [--issuer-name NAME] [--count N]\n"
                 "                   --out req.bin --state state.bin",
        .options = {opt_required("--issuer-pub"), opt_required("--origin"), opt_value("--issuer-name"),
                    opt_value("--count"), opt_required("--out"), opt_required("--state")}},
    run_token_request);
V100_COMMAND("token-issue", "sign blinded token requests: --key issuer.key --in req.bin --out resp.bin",
             CommandSpec{.usage = "v100 token-issue --key issuer.key --in req.bin --out resp.bin",
                         .options = {opt_required("--key"), opt_required("--in"), opt_required("--out")}},
             run_token_issue);
V100_COMMAND("token-finalize", "unblind into tokens: --state S --in resp.bin --out tokens.bin",
             CommandSpec{.usage = "v100 token-finalize --state state.bin --in resp.bin --out tokens.bin",
                         .options = {opt_required("--state"), opt_required("--in"), opt_required("--out")}},
             run_token_finalize);
V100_COMMAND("token-verify", "check tokens as the server would: --issuer-pub P --in tokens.bin",
             CommandSpec{.usage = "v100 token-verify --issuer-pub issuer.pub --in tokens.bin",
                         .options = {opt_required("--issuer-pub"), opt_required("--in")}},
             run_token_verify);

}  // namespace v100::tools
