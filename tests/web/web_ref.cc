// v100_web_ref: the native side of the web client's byte-identity tests (make test-web). Prints, as
// JSON on stdout, fixed inputs and what the native build computes from them; the node tests under
// web/test replay the inputs through the WebAssembly module and the TypeScript SDK and demand the
// same bytes.
//
//   v100_web_ref pq     ML-KEM / ML-DSA / SHA-3 through the C ABI of web/wasm/v100_wasm.h, the
//                       same file the WebAssembly module is built from.
//
// Inputs are derived from SHAKE256 of a label, so they are reproducible without being constants.
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "hash/sha3.h"
#include "v100_wasm.h"

namespace {

using nlohmann::json;
using v100::Bytes;
using v100::to_hex;

// n reproducible bytes: SHAKE256("v100-web-ref/" || label).
Bytes derive(std::string_view label, size_t n) {
  std::string s = "v100-web-ref/" + std::string(label);
  Bytes out(n);
  v100::hash::shake256(out, v100::as_bytes(s));
  return out;
}

std::string hex(const Bytes& b) { return to_hex(b); }

void check(int rc, const char* what) {
  if (rc < 0) {
    std::fprintf(stderr, "v100_web_ref: %s failed (%d)\n", what, rc);
    std::exit(1);
  }
}

json pq_cases() {
  json cases = json::array();
  for (int k : {2, 3, 4}) {
    for (int i = 0; i < 3; ++i) {
      const std::string tag = "mlkem" + std::to_string(k) + "/" + std::to_string(i);
      Bytes d = derive(tag + "/d", 32), z = derive(tag + "/z", 32), m = derive(tag + "/m", 32);
      Bytes ek(v100_mlkem_ek_len(k)), dk(v100_mlkem_dk_len(k)), ct(v100_mlkem_ct_len(k)), ss(32), ss2(32), ss3(32);
      check(v100_mlkem_keygen(k, ek.data(), dk.data(), d.data(), z.data()), "mlkem keygen");
      check(v100_mlkem_encaps(k, ct.data(), ss.data(), ek.data(), ek.size(), m.data()), "mlkem encaps");
      check(v100_mlkem_decaps(k, ss2.data(), dk.data(), dk.size(), ct.data(), ct.size()), "mlkem decaps");
      Bytes bad = ct;
      bad[static_cast<size_t>(i) * 7] ^= 1;  // implicit rejection path
      check(v100_mlkem_decaps(k, ss3.data(), dk.data(), dk.size(), bad.data(), bad.size()), "mlkem decaps");
      cases.push_back({{"op", "mlkem"}, {"k", k}, {"d", hex(d)}, {"z", hex(z)}, {"m", hex(m)}, {"ek", hex(ek)},
                       {"dk", hex(dk)}, {"ct", hex(ct)}, {"ss", hex(ss)}, {"ss_decaps", hex(ss2)},
                       {"ct_bad", hex(bad)}, {"ss_bad", hex(ss3)}});
    }
  }
  for (int set : {44, 65, 87}) {
    for (int i = 0; i < 2; ++i) {
      const std::string tag = "mldsa" + std::to_string(set) + "/" + std::to_string(i);
      Bytes xi = derive(tag + "/xi", 32), rnd = derive(tag + "/rnd", 32), zero(32, 0);
      Bytes msg = derive(tag + "/msg", static_cast<size_t>(33 + 500 * i)), ctx = derive(tag + "/ctx", i == 0 ? 0 : 17);
      Bytes pk(v100_mldsa_pk_len(set)), sk(v100_mldsa_sk_len(set));
      Bytes sig_det(v100_mldsa_sig_len(set)), sig_hedged(v100_mldsa_sig_len(set));
      check(v100_mldsa_keygen(set, pk.data(), sk.data(), xi.data()), "mldsa keygen");
      check(v100_mldsa_sign(set, sig_det.data(), sk.data(), sk.size(), msg.data(), msg.size(), ctx.data(), ctx.size(),
                            zero.data()),
            "mldsa sign");
      check(v100_mldsa_sign(set, sig_hedged.data(), sk.data(), sk.size(), msg.data(), msg.size(), ctx.data(),
                            ctx.size(), rnd.data()),
            "mldsa sign");
      const int ok = v100_mldsa_verify(set, pk.data(), pk.size(), msg.data(), msg.size(), ctx.data(), ctx.size(),
                                       sig_hedged.data(), sig_hedged.size());
      Bytes bad = msg;
      bad[0] ^= 0x80;
      const int bad_rc = v100_mldsa_verify(set, pk.data(), pk.size(), bad.data(), bad.size(), ctx.data(), ctx.size(),
                                           sig_hedged.data(), sig_hedged.size());
      cases.push_back({{"op", "mldsa"}, {"set", set}, {"xi", hex(xi)}, {"rnd", hex(rnd)}, {"msg", hex(msg)},
                       {"ctx", hex(ctx)}, {"pk", hex(pk)}, {"sk", hex(sk)}, {"sig_det", hex(sig_det)},
                       {"sig_hedged", hex(sig_hedged)}, {"verify", ok}, {"msg_bad", hex(bad)}, {"verify_bad", bad_rc}});
    }
  }
  for (size_t len : {0, 1, 135, 136, 137, 1000}) {
    Bytes in = derive("sha3/" + std::to_string(len), len), out(32);
    check(v100_sha3_256(out.data(), in.data(), in.size()), "sha3_256");
    cases.push_back({{"op", "sha3_256"}, {"in", hex(in)}, {"out", hex(out)}});
  }
  for (size_t out_len : {0, 32, 200, 1000}) {
    Bytes in = derive("shake/" + std::to_string(out_len), out_len / 3), out(out_len);
    check(v100_shake256(out.data(), out.size(), in.data(), in.size()), "shake256");
    cases.push_back({{"op", "shake256"}, {"in", hex(in)}, {"out", hex(out)}});
  }
  return cases;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view what = argc > 1 ? argv[1] : "";
  json out;
  if (what == "pq") {
    out = pq_cases();
  } else {
    std::fprintf(stderr, "usage: v100_web_ref pq\n");
    return 2;
  }
  std::puts(out.dump(1).c_str());
  return 0;
}
