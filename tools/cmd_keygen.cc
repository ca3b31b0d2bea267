// `v100 keygen --out FILE [--fast]`: makes a new identity (ML-DSA-65 signing key + X-Wing KEM key),
// writes it to FILE protected by a passphrase (scrypt N=2^17, r=8, p=1 + AES-256-GCM; the
// passphrase comes from $V100_PASSPHRASE or the terminal), and the public half to FILE.pub (the
// line others need to invite you). Prints the user id. `--fast` uses cheap scrypt parameters
// (N=2^12), for scripts and tests only.
#include <cstdio>
#include <fstream>

#include "command.h"
#include "meeting/client/identity.h"
#include "meeting/client/keystore.h"

namespace v100::tools {
namespace {

namespace mc = meeting::client;

int run_keygen(const Args& args) {
  std::string out = args.value("--out");
  auto pass = mc::read_passphrase("passphrase for " + out + ": ", true);
  if (!pass) {
    std::fprintf(stderr, "v100 keygen: %s\n", pass.message().c_str());
    return 1;
  }
  mc::ScryptParams params;
  if (args.has("--fast")) params.log2_n = 12;
  mc::Identity id = mc::Identity::generate();
  if (Status st = mc::save_identity(out, id, *pass, params); !st) {
    std::fprintf(stderr, "v100 keygen: %s\n", st.message().c_str());
    return 1;
  }
  std::ofstream pub(out + ".pub");
  pub << mc::public_identity_text(id.public_identity());
  if (!pub) {
    std::fprintf(stderr, "v100 keygen: cannot write %s.pub\n", out.c_str());
    return 1;
  }
  std::printf("identity  %s (scrypt N=2^%u r=%u p=%u, AES-256-GCM)\npublic    %s.pub\nuser id   %s\n",
              out.c_str(), params.log2_n, params.r, params.p, out.c_str(), to_hex(id.user_id()).c_str());
  return 0;
}

}  // namespace

V100_COMMAND("keygen", "make an identity key file: --out FILE [--fast]",
             CommandSpec{
                 .usage = "v100 keygen --out FILE [--fast]   (passphrase: $V100_PASSPHRASE or prompt)",
                 .options = {opt_required("--out"), opt_switch("--fast")}},
             run_keygen);

}  // namespace v100::tools
