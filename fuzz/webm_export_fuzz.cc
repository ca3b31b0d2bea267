// Fuzz target: export_webm (VP8 frame tag and key-frame header parsing, Opus TOC parsing, the
// timeline and the muxer) on hostile decrypted frames, without the signature a recording needs.
// Input: a sequence of frames, each  metadata[25] (media_recording.h, version 1) | len u16 | payload.
// Seeds in fuzz/corpus/webm_export hold real VP8 and Opus frames.
#include <cstdint>
#include <cstdlib>

#include "media/media_recording.h"
#include "media/webm_export.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace v100::media;
  v100::ByteReader rd(v100::ByteSpan(data, size));
  MediaRecordingContents c;
  while (!rd.at_end() && c.frames.size() < 4096) {
    v100::ByteSpan meta, payload;
    uint16_t len = 0;
    if (!rd.bytes(kFrameMetadataBytes, meta) || !rd.u16(len) || !rd.bytes(len, payload)) break;
    auto info = parse_frame_metadata(meta);
    if (!info) continue;
    c.frames.push_back({*info, v100::Bytes(payload.begin(), payload.end())});
  }
  auto ex = export_webm(c);
  if (ex) {
    // The EBML magic starts every file, and every track reported got at least one block.
    if (ex->webm.size() < 4 || ex->webm[0] != 0x1A || ex->webm[1] != 0x45) std::abort();
    for (const auto& t : ex->tracks)
      if (t.frames == 0) std::abort();
  }
  ExportOptions one;
  one.slot = 1;
  (void)export_webm(c, one);
  return 0;
}
