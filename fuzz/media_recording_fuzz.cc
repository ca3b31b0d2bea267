// Fuzz target: open_media_recording (the recording reader, frame metadata parser, SFrame header
// parser and decryption) and, when a recording opens, the WebM export of what it holds.
// Input: recording_key[32] || recording file. The recorder's key is fixed (ML-DSA-65
// KeyGen_internal from xi = 0x00..0x1f), so the seeds in fuzz/corpus/media_recording (small media
// recordings signed with that key, real VP8 and Opus frames, each prefixed with its recording key)
// get past verification into decryption and export.
#include <cstdint>
#include <cstdlib>

#include "media/media_recording.h"
#include "media/webm_export.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace mldsa = v100::pq::mldsa;
  static const auto kp = [] {
    uint8_t xi[32];
    for (int i = 0; i < 32; ++i) xi[i] = static_cast<uint8_t>(i);
    return mldsa::generate_key_internal<mldsa::kMlDsa65>(std::span<const uint8_t, 32>(xi, 32));
  }();
  if (size < v100::media::kRecordingKeyBytes) return 0;
  const v100::ByteSpan in(data, size);
  v100::media::RecordingReport report;
  auto opened = v100::media::open_media_recording(in.subspan(v100::media::kRecordingKeyBytes), kp.public_key,
                                                  in.first(v100::media::kRecordingKeyBytes), &report);
  if (opened && !report.ok()) std::abort();  // never decrypt what does not verify
  if (!opened) return 0;
  auto ex = v100::media::export_webm(*opened);
  if (ex && ex->webm.size() < 4) std::abort();
  return 0;
}
