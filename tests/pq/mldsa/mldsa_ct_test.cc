// Constant-time check of ML-DSA key generation and signing, meant to run under
// `valgrind --error-exitcode=1`: the secret inputs (xi; the secret key and rnd) are marked
// undefined with V100_CT_POISON, so memcheck reports any branch or memory index that depends on
// them. The library itself declassifies only what FIPS 204 lets leak (the rejection decision,
// rejected ExpandS samples, the challenge hash) and its public outputs; the test declassifies the
// outputs it inspects. Outside valgrind the test still runs (the macros are no-ops there).
#include <gtest/gtest.h>

#include "core/rng.h"
#include "core/secure.h"
#include "pq/mldsa/mldsa.h"
#include "pq/mldsa/mldsa_test_util.h"

namespace v100::pq::mldsa {
namespace {

using testing::BackendScope;
using testing::portable_modes;

template <ParameterSet P>
void run_keygen_and_sign() {
  for (bool portable : portable_modes()) {
    BackendScope scope(portable);
    std::array<uint8_t, 32> xi;
    random_bytes(xi);
    V100_CT_POISON(xi.data(), xi.size());
    auto kp = generate_key_internal<P>(xi);
    V100_CT_UNPOISON(xi.data(), xi.size());

    // Sign with the whole encoded secret key and rnd poisoned.
    Bytes sk_bytes(kp.secret_key.bytes().begin(), kp.secret_key.bytes().end());
    V100_CT_POISON(sk_bytes.data(), sk_bytes.size());
    auto sk = SecretKey<P>::parse(sk_bytes);  // the range check is constant time too
    ASSERT_TRUE(sk.is_ok());
    std::array<uint8_t, 32> rnd;
    random_bytes(rnd);
    V100_CT_POISON(rnd.data(), rnd.size());
    const Bytes msg = random_bytes(64);
    auto sig = sign_internal<P>(*sk, msg, rnd);
    auto sig2 = sign<P>(*sk, msg, as_context("ctx"));  // hedged, fresh rnd inside
    auto sig3 = sign_prehash<P>(*sk, msg, PreHash::kSha512, {}, SigningMode::kDeterministic);
    // Public outputs: the library already declassified them; verifying them must be clean.
    EXPECT_TRUE(verify_internal<P>(kp.public_key, msg, sig).is_ok());
    EXPECT_TRUE(verify<P>(kp.public_key, msg, sig2, as_context("ctx")).is_ok());
    EXPECT_TRUE(verify_prehash<P>(kp.public_key, msg, PreHash::kSha512, sig3).is_ok());
    V100_CT_UNPOISON(sk_bytes.data(), sk_bytes.size());
    V100_CT_UNPOISON(rnd.data(), rnd.size());
  }
}

TEST(MlDsaConstantTime, KeyGenAndSign44) {
  run_keygen_and_sign<kMlDsa44>();
}
TEST(MlDsaConstantTime, KeyGenAndSign65) {
  run_keygen_and_sign<kMlDsa65>();
}
TEST(MlDsaConstantTime, KeyGenAndSign87) {
  run_keygen_and_sign<kMlDsa87>();
}

// Canary for the harness itself: branching on a poisoned byte must make valgrind fail (registered
// as a WILL_FAIL test that runs only this case).
TEST(MlDsaConstantTime, DISABLED_CanaryBranchOnSecret) {
  uint8_t secret[1];
  random_bytes(secret);
  V100_CT_POISON(secret, 1);
  volatile int sink = 0;
  if (secret[0] & 1) sink = sink + 1;
  V100_CT_UNPOISON(secret, 1);
}

}  // namespace
}  // namespace v100::pq::mldsa
