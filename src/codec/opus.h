// Opus audio (RFC 6716) through Debian's libopus: a VoIP-tuned encoder of 20 ms frames and a decoder
// that treats every packet as untrusted and can conceal a lost one. No libopus type appears here.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace v100::codec {

/// sample_rate one of 8000, 12000, 16000, 24000, 48000; channels 1 or 2; bitrate 6000..510000 bit/s.
struct OpusConfig {
  int sample_rate = 48000, channels = 1, bitrate = 32000;
};

/// Samples per channel in one 20 ms frame at 48 kHz (the frame every encode() takes at the default rate).
inline constexpr int kOpusFrameSamples = 960;

/// Samples per channel in 20 ms at `sample_rate` (kOpusFrameSamples at 48 kHz).
constexpr int opus_frame_samples(int sample_rate) {
  return sample_rate / 50;
}

/// Opus encoder (OPUS_APPLICATION_VOIP). Movable, not copyable; not safe from two threads at once.
class OpusEncoder {
 public:
  /// Error when a setting is out of range or libopus refuses it.
  static Result<OpusEncoder> create(const OpusConfig& config = {});

  OpusEncoder(OpusEncoder&&) noexcept;
  OpusEncoder& operator=(OpusEncoder&&) noexcept;
  OpusEncoder(const OpusEncoder&) = delete;
  OpusEncoder& operator=(const OpusEncoder&) = delete;
  ~OpusEncoder();

  /// Encodes one 20 ms frame of interleaved samples: exactly opus_frame_samples(sample_rate) * channels
  /// values (kOpusFrameSamples * channels at 48 kHz). Error on any other length or a libopus failure.
  Result<Bytes> encode(std::span<const int16_t> pcm);

  /// The configuration it was created with. Precondition: not moved from.
  const OpusConfig& config() const;

 private:
  struct State;
  explicit OpusEncoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Opus decoder for untrusted packets: an empty or malformed packet is an error, never a crash.
/// Movable, not copyable; not safe from two threads at once.
class OpusDecoder {
 public:
  static Result<OpusDecoder> create(const OpusConfig& config = {});

  OpusDecoder(OpusDecoder&&) noexcept;
  OpusDecoder& operator=(OpusDecoder&&) noexcept;
  OpusDecoder(const OpusDecoder&) = delete;
  OpusDecoder& operator=(const OpusDecoder&) = delete;
  ~OpusDecoder();

  /// Decodes one packet into interleaved samples (samples per channel * channels values; 2.5 to
  /// 120 ms of audio, whatever the packet holds).
  Result<std::vector<int16_t>> decode(ByteSpan packet);
  /// 20 ms of concealment audio for one lost packet (libopus packet-loss concealment).
  Result<std::vector<int16_t>> conceal_lost();

 private:
  struct State;
  explicit OpusDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace v100::codec
