// ML-DSA key and signature parsing from arbitrary bytes (all three parameter sets). Byte 0 picks
// the parameter set; the rest is offered as a public key, a secret key and a signature. A secret
// key that parses must sign, and the signature must parse back.
#include <array>
#include <cstdint>
#include <cstdlib>

#include "pq/mldsa/mldsa.h"

namespace {

namespace mldsa = v100::pq::mldsa;

template <mldsa::ParameterSet P>
void run(const uint8_t* data, size_t size) {
  v100::ByteSpan in(data, size);
  auto pk = mldsa::PublicKey<P>::parse(in);
  if (pk.is_ok() && in.size() != mldsa::Sizes<P>::kPublicKeyBytes) std::abort();
  auto sig = mldsa::Signature<P>::parse(in);
  if (sig.is_ok() && in.size() != mldsa::Sizes<P>::kSignatureBytes) std::abort();
  auto sk = mldsa::SecretKey<P>::parse(in);
  if (sk.is_ok()) {
    if (in.size() != mldsa::Sizes<P>::kSecretKeyBytes) std::abort();
    auto s = mldsa::sign<P>(*sk, v100::as_bytes("fuzz"), {}, mldsa::SigningMode::kDeterministic);
    if (!mldsa::Signature<P>::parse(s.span()).is_ok()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  switch (data[0] % 3) {
    case 0:
      run<mldsa::kMlDsa44>(data + 1, size - 1);
      break;
    case 1:
      run<mldsa::kMlDsa65>(data + 1, size - 1);
      break;
    default:
      run<mldsa::kMlDsa87>(data + 1, size - 1);
      break;
  }
  return 0;
}
