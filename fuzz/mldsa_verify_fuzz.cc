// ML-DSA verification with arbitrary signatures and keys (all three parameter sets).
// Input: byte 0 selects the parameter set (low 2 bits, mod 3) and the key source (bit 2):
//  - bit 2 clear: a fixed key pair (from the seed 0x42^32); the rest is signature || message, so
//    mutations of a valid signature reach the hint decoder, the z bound and the full verifier;
//  - bit 2 set:   public key || signature || message, all from the input.
// Verification must never crash, and must accept only what the parser accepted.
#include <array>
#include <cstdint>
#include <cstdlib>

#include "pq/mldsa/mldsa.h"

namespace {

namespace mldsa = v100::pq::mldsa;

template <mldsa::ParameterSet P>
void run(bool own_key, const uint8_t* data, size_t size) {
  static const auto fixed = [] {
    std::array<uint8_t, 32> xi;
    xi.fill(0x42);
    return mldsa::generate_key_internal<P>(xi).public_key;
  }();
  constexpr size_t kPk = mldsa::Sizes<P>::kPublicKeyBytes;
  constexpr size_t kSig = mldsa::Sizes<P>::kSignatureBytes;
  v100::ByteSpan in(data, size);
  mldsa::PublicKey<P> pk = fixed;
  if (own_key) {
    auto parsed = mldsa::PublicKey<P>::parse(in.first(std::min(size, kPk)));
    if (!parsed) return;
    pk = *parsed;
    in = in.subspan(kPk);
  }
  v100::ByteSpan sig_bytes = in.first(std::min(in.size(), kSig));
  v100::ByteSpan msg = in.subspan(sig_bytes.size());
  v100::Status ok = mldsa::verify<P>(pk, msg, sig_bytes, {});
  auto sig = mldsa::Signature<P>::parse(sig_bytes);
  if (ok.is_ok() && !sig.is_ok()) std::abort();  // accepted an unparseable signature
  if (sig.is_ok()) {
    // The internal and mu paths must agree with each other.
    auto mu = mldsa::compute_mu_internal<P>(pk, msg);
    if (mldsa::verify_internal<P>(pk, msg, *sig).is_ok() != mldsa::verify_mu<P>(pk, mu, *sig).is_ok())
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool own_key = (data[0] & 4) != 0;
  switch (data[0] & 3) {
    case 0:
      run<mldsa::kMlDsa44>(own_key, data + 1, size - 1);
      break;
    case 1:
      run<mldsa::kMlDsa65>(own_key, data + 1, size - 1);
      break;
    default:
      run<mldsa::kMlDsa87>(own_key, data + 1, size - 1);
      break;
  }
  return 0;
}
