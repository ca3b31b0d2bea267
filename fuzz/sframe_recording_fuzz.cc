// Fuzz target: the recording file reader, manifest parser and verifier (verify_recording) on
// hostile files. The public key is fixed (ML-DSA-65 KeyGen_internal from xi = 0x00..0x1f), so the
// seeds in fuzz/corpus/sframe_recording (small recordings signed with that key) reach the
// signature, chain and frame-location code.
#include <cstdint>
#include <cstdlib>

#include "media/manifest.h"
#include "media/recording.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace mldsa = v100::pq::mldsa;
  static const auto kp = [] {
    uint8_t xi[32];
    for (int i = 0; i < 32; ++i) xi[i] = static_cast<uint8_t>(i);
    return mldsa::generate_key_internal<mldsa::kMlDsa65>(std::span<const uint8_t, 32>(xi, 32));
  }();
  v100::ByteSpan in(data, size);
  auto report = v100::media::verify_recording(in, kp.public_key);
  if (report.ok() && report.frame.has_value()) std::abort();
  auto m = v100::media::parse_manifest(in);
  if (m.is_ok() && m->encode().size() != size) std::abort();  // parse is exact
  return 0;
}
