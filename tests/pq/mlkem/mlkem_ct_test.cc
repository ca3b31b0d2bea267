// Constant-time check, run under `valgrind --error-exitcode=1` (see CMakeLists.txt): the secret
// inputs (d, z, m and the secret parts of dk) are marked undefined with V100_CT_POISON, so memcheck
// reports any branch or memory index that depends on them. Public outputs (ek, c) are declassified
// with V100_CT_UNPOISON before use. Runs keygen, encaps and decaps (valid and implicitly rejected
// ciphertexts) for all parameter sets, on the portable and the vector path.
#include <cstdio>
#include <cstring>

#include "core/cpu.h"
#include "core/secure.h"
#include "pq/mlkem/mlkem.h"

namespace {

using namespace v100::pq::mlkem;

int failures = 0;

void check(bool ok, const char* what, int k, bool portable) {
  if (!ok) {
    std::fprintf(stderr, "FAIL: %s (k=%d, %s)\n", what, k, portable ? "portable" : "vector");
    ++failures;
  }
}

template <int K>
void run(bool portable) {
  v100::cpu::force_portable(portable);
  uint8_t d[32], z[32], m[32];
  for (int i = 0; i < 32; ++i) {
    d[i] = static_cast<uint8_t>(7 * i + K);
    z[i] = static_cast<uint8_t>(11 * i + 1);
    m[i] = static_cast<uint8_t>(13 * i + 5);
  }
  V100_CT_POISON(d, sizeof d);
  V100_CT_POISON(z, sizeof z);
  V100_CT_POISON(m, sizeof m);

  KeyPair<K> kp = keygen_internal<K>(d, z);
  // ek is public: declassify it (also the copy inside dk, which decaps uses as public data).
  V100_CT_UNPOISON(kp.ek.bytes().data(), kp.ek.bytes().size());
  const size_t ek_off = 384 * K;
  V100_CT_UNPOISON(kp.dk.bytes().data() + ek_off, Params<K>::kEncapsulationKeyBytes + 32);

  Encapsulation<K> enc = encaps_internal<K>(kp.ek, m);
  V100_CT_UNPOISON(enc.ciphertext.bytes().data(), enc.ciphertext.bytes().size());

  SharedSecret k1 = decaps<K>(kp.dk, enc.ciphertext);
  auto bad_bytes = enc.ciphertext.bytes();
  bad_bytes[3] ^= 0x10;
  SharedSecret k2 = decaps<K>(kp.dk, Ciphertext<K>::from_array(bad_bytes));

  // The same through a key parsed from bytes (§7.3 check on its public parts, ByteDecode_12 of the
  // poisoned s_hat).
  auto dk_bytes = kp.dk.bytes();
  V100_CT_POISON(dk_bytes.data(), ek_off);                     // dk_PKE
  V100_CT_POISON(dk_bytes.data() + dk_bytes.size() - 32, 32);  // z
  auto parsed = DecapsulationKey<K>::from_bytes(dk_bytes);
  check(parsed.is_ok(), "dk parse failed", K, portable);
  SharedSecret k3 = decaps<K>(*parsed, enc.ciphertext);

  // Declassify the results only to check them.
  V100_CT_UNPOISON(enc.key.span().data(), 32);
  V100_CT_UNPOISON(k1.span().data(), 32);
  V100_CT_UNPOISON(k2.span().data(), 32);
  V100_CT_UNPOISON(k3.span().data(), 32);
  check(v100::ct_equal(k1.span(), enc.key.span()), "decaps(encaps) mismatch", K, portable);
  check(v100::ct_equal(k3.span(), enc.key.span()), "decaps with parsed key mismatch", K, portable);
  check(!v100::ct_equal(k2.span(), enc.key.span()), "implicit rejection returned the real key", K, portable);
}

}  // namespace

int main() {
  for (bool portable : {true, false}) {
    run<2>(portable);
    run<3>(portable);
    run<4>(portable);
  }
  v100::cpu::force_portable(false);
  std::printf("mlkem_ct_test: %s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
