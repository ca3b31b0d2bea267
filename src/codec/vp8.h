// VP8 video (RFC 6386) through Debian's libvpx: a realtime, error-resilient encoder and a decoder that
// treats every input as untrusted. No libvpx type appears here; the codec state lives in the .cc.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codec/picture.h"
#include "core/bytes.h"
#include "core/status.h"

namespace v100::codec {

/// One compressed VP8 frame as libvpx produced it.
struct EncodedVideo {
  Bytes data;
  bool keyframe = false;
};

/// Encoder settings. Sizes 2..16383; fps 1..240; bitrate 1..100000 kbps (CBR target);
/// keyframe_interval >= 1 (the longest gap between automatic keyframes, in frames); threads 1..16;
/// cpu_used -16..16 (libvpx speed: higher is faster and coarser; 8 suits realtime video calls).
struct Vp8Config {
  int width = 640, height = 360, fps = 30, bitrate_kbps = 800;
  int keyframe_interval = 60;
  int threads = 1;
  int cpu_used = 8;
};

/// Realtime VP8 encoder (VPX_DL_REALTIME, one pass, CBR, no frame lag, default error resilience so a
/// lost delta does not poison later ones more than VP8 must; no frame dropping, so each picture yields
/// a packet). Movable, not copyable; one instance is not safe to use from two threads at once.
class Vp8Encoder {
 public:
  /// Error when a setting is out of range or libvpx refuses the configuration.
  static Result<Vp8Encoder> create(const Vp8Config& config);

  Vp8Encoder(Vp8Encoder&&) noexcept;
  Vp8Encoder& operator=(Vp8Encoder&&) noexcept;
  Vp8Encoder(const Vp8Encoder&) = delete;
  Vp8Encoder& operator=(const Vp8Encoder&) = delete;
  ~Vp8Encoder();

  /// Encodes one picture (presented 1/fps after the previous one) and returns the packets libvpx
  /// produced for it, in order (with this configuration exactly one). `force_keyframe` makes it an
  /// intra frame. Error when the picture is not valid() or its size differs from the configuration,
  /// or when libvpx fails.
  Result<std::vector<EncodedVideo>> encode(const Picture& pic, bool force_keyframe = false);

  /// The configuration it was created with. Precondition: not moved from.
  const Vp8Config& config() const;

 private:
  struct State;
  explicit Vp8Encoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Decoder limits. A keyframe announcing a larger picture is refused before libvpx allocates for it.
struct Vp8DecoderConfig {
  int max_width = 4096, max_height = 4096;
  int threads = 1;  // 1..16
};

/// VP8 decoder for untrusted frames: empty, truncated or malformed input, a delta before the first
/// keyframe, or a frame libvpx reports as corrupt gives an error, never a crash. After any error the
/// reference pictures cannot be trusted, so deltas are refused until the next keyframe (the caller
/// should ask the sender for one). Movable, not copyable; not safe to use from two threads at once.
class Vp8Decoder {
 public:
  static Result<Vp8Decoder> create(const Vp8DecoderConfig& config = {});

  Vp8Decoder(Vp8Decoder&&) noexcept;
  Vp8Decoder& operator=(Vp8Decoder&&) noexcept;
  Vp8Decoder(const Vp8Decoder&) = delete;
  Vp8Decoder& operator=(const Vp8Decoder&) = delete;
  ~Vp8Decoder();

  /// Decodes one compressed frame into a tightly packed picture of the size the stream announces.
  Result<Picture> decode(ByteSpan frame);

  /// True once a keyframe decoded and no error happened since (deltas are accepted).
  bool has_reference() const;

 private:
  struct State;
  explicit Vp8Decoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// What the first bytes of a VP8 frame say (RFC 6386 §9.1), read without decoding it.
struct Vp8FrameInfo {
  bool keyframe = false;
  int width = 0, height = 0;  // keyframes only (the 14-bit sizes; scaling bits ignored)
};
/// Error when the frame is shorter than its tag (3 bytes; 10 for a keyframe) or a keyframe lacks the
/// start code 9d 01 2a.
Result<Vp8FrameInfo> peek_vp8_frame(ByteSpan frame);

}  // namespace v100::codec
