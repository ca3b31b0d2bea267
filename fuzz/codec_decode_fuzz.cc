// Fuzz target: the VP8 and Opus decoders (libvpx and libopus behind v100::codec) on hostile streams.
// Input: byte 0 selects the decoder (bit 0: 0 = VP8, 1 = Opus; bit 1: Opus stereo), then a sequence
// of frames, each a u16 little-endian length and that many bytes (the last one takes whatever is
// left). A fresh decoder takes the whole sequence, so seeds that start with a real keyframe reach the
// delta paths. Seeds in fuzz/corpus/codec_decode: 160x96 and 64x48 test-pattern VP8 streams and Opus
// tone packets (mono and stereo) from the codec layer's own encoders.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "codec/opus.h"
#include "codec/vp8.h"

namespace {

using v100::ByteSpan;
namespace codec = v100::codec;

std::vector<ByteSpan> split_frames(ByteSpan in) {
  std::vector<ByteSpan> frames;
  while (in.size() >= 2 && frames.size() < 64) {
    const size_t len = std::min<size_t>(in[0] | size_t{in[1]} << 8, in.size() - 2);
    frames.push_back(in.subspan(2, len));
    in = in.subspan(2 + len);
  }
  return frames;
}

// Kept small so a keyframe header claiming 16383x16383 is refused before libvpx allocates for it.
constexpr int kMaxSide = 1024;

void fuzz_vp8(ByteSpan in) {
  auto dec = codec::Vp8Decoder::create(codec::Vp8DecoderConfig{kMaxSide, kMaxSide, 1});
  if (!dec) std::abort();
  for (ByteSpan frame : split_frames(in)) {
    auto pic = dec->decode(frame);
    if (pic && (!pic->valid() || pic->width > kMaxSide || pic->height > kMaxSide)) std::abort();
  }
}

void fuzz_opus(ByteSpan in, int channels) {
  auto dec = codec::OpusDecoder::create(codec::OpusConfig{48000, channels, 32000});
  if (!dec) std::abort();
  for (ByteSpan packet : split_frames(in)) {
    auto pcm = packet.size() == 1 && packet[0] == 0 ? dec->conceal_lost() : dec->decode(packet);
    if (pcm && (pcm->size() > size_t{5760} * size_t(channels) || pcm->size() % size_t(channels) != 0))
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const ByteSpan in(data + 1, size - 1);
  if (data[0] & 1)
    fuzz_opus(in, data[0] & 2 ? 2 : 1);
  else
    fuzz_vp8(in);
  return 0;
}
