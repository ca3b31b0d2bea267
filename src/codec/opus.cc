// Opus encoder and decoder wrappers over libopus. The codec is libopus'; this file validates
// arguments and turns every libopus error code into a Result error. Inside this namespace the
// names OpusEncoder/OpusDecoder are ours; libopus' C handles are spelled ::OpusEncoder/::OpusDecoder.
#include "codec/opus.h"

#include <opus.h>

#include <string>
#include <utility>

namespace v100::codec {

namespace {

// The largest valid packet is 120 ms of 1275-byte frames plus framing; anything far above is refused
// before libopus sees it (and always fits libopus' 32-bit length).
constexpr size_t kMaxPacketBytes = 1 << 17;
// Encoder output buffer: libopus recommends 4000 bytes for one frame at any bitrate.
constexpr int kMaxEncodedBytes = 4000;

Status check_config(const OpusConfig& c) {
  switch (c.sample_rate) {
    case 8000:
    case 12000:
    case 16000:
    case 24000:
    case 48000:
      break;
    default:
      return Status::error("opus: sample rate must be 8000, 12000, 16000, 24000 or 48000");
  }
  if (c.channels != 1 && c.channels != 2) return Status::error("opus: channels must be 1 or 2");
  if (c.bitrate < 6000 || c.bitrate > 510000) return Status::error("opus: bitrate out of range 6000..510000");
  return Status::ok();
}

std::string opus_message(const char* what, int code) {
  return std::string("opus: ") + what + ": " + opus_strerror(code);
}

}  // namespace

// ----- encoder -----

struct OpusEncoder::State {
  OpusConfig config;
  ::OpusEncoder* enc = nullptr;
  ~State() {
    if (enc) opus_encoder_destroy(enc);
  }
};

OpusEncoder::OpusEncoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
OpusEncoder::OpusEncoder(OpusEncoder&&) noexcept = default;
OpusEncoder& OpusEncoder::operator=(OpusEncoder&&) noexcept = default;
OpusEncoder::~OpusEncoder() = default;

const OpusConfig& OpusEncoder::config() const {
  return state_->config;
}

Result<OpusEncoder> OpusEncoder::create(const OpusConfig& c) {
  if (auto st = check_config(c); !st) return st;
  auto s = std::make_unique<State>();
  s->config = c;
  int err = OPUS_OK;
  s->enc = opus_encoder_create(c.sample_rate, c.channels, OPUS_APPLICATION_VOIP, &err);
  if (err != OPUS_OK || s->enc == nullptr)
    return Result<OpusEncoder>::error(opus_message("encoder create", err));
  if (int e = opus_encoder_ctl(s->enc, OPUS_SET_BITRATE(c.bitrate)); e != OPUS_OK)
    return Result<OpusEncoder>::error(opus_message("set bitrate", e));
  return OpusEncoder(std::move(s));
}

Result<Bytes> OpusEncoder::encode(std::span<const int16_t> pcm) {
  if (!state_) return Result<Bytes>::error("opus: encoder was moved from");
  const int frame = opus_frame_samples(state_->config.sample_rate);
  if (pcm.size() != static_cast<size_t>(frame) * static_cast<size_t>(state_->config.channels))
    return Result<Bytes>::error("opus: encode takes exactly 20 ms (" + std::to_string(frame) +
                                " samples per channel, interleaved)");
  Bytes out(kMaxEncodedBytes);
  const opus_int32 n = opus_encode(state_->enc, pcm.data(), frame, out.data(), kMaxEncodedBytes);
  if (n < 0) return Result<Bytes>::error(opus_message("encode", n));
  out.resize(static_cast<size_t>(n));
  return out;
}

// ----- decoder -----

struct OpusDecoder::State {
  OpusConfig config;
  ::OpusDecoder* dec = nullptr;
  ~State() {
    if (dec) opus_decoder_destroy(dec);
  }
  // Decodes `packet` (nullptr = conceal `max_samples` of a lost one) into interleaved samples.
  Result<std::vector<int16_t>> run(const uint8_t* packet, size_t len, int max_samples) {
    std::vector<int16_t> out(static_cast<size_t>(max_samples) * static_cast<size_t>(config.channels));
    const int n = opus_decode(dec, packet, static_cast<opus_int32>(len), out.data(), max_samples, 0);
    if (n < 0) return Result<std::vector<int16_t>>::error(opus_message(packet ? "decode" : "conceal", n));
    out.resize(static_cast<size_t>(n) * static_cast<size_t>(config.channels));
    return out;
  }
};

OpusDecoder::OpusDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
OpusDecoder::OpusDecoder(OpusDecoder&&) noexcept = default;
OpusDecoder& OpusDecoder::operator=(OpusDecoder&&) noexcept = default;
OpusDecoder::~OpusDecoder() = default;

Result<OpusDecoder> OpusDecoder::create(const OpusConfig& c) {
  if (auto st = check_config(c); !st) return st;
  auto s = std::make_unique<State>();
  s->config = c;
  int err = OPUS_OK;
  s->dec = opus_decoder_create(c.sample_rate, c.channels, &err);
  if (err != OPUS_OK || s->dec == nullptr)
    return Result<OpusDecoder>::error(opus_message("decoder create", err));
  return OpusDecoder(std::move(s));
}

Result<std::vector<int16_t>> OpusDecoder::decode(ByteSpan packet) {
  using R = Result<std::vector<int16_t>>;
  if (!state_) return R::error("opus: decoder was moved from");
  // An empty packet would ask libopus for concealment; that is conceal_lost()'s job, so it is refused.
  if (packet.empty()) return R::error("opus: empty packet");
  if (packet.size() > kMaxPacketBytes) return R::error("opus: packet too large");
  const int max_samples = state_->config.sample_rate / 1000 * 120;  // the longest packet: 120 ms
  return state_->run(packet.data(), packet.size(), max_samples);
}

Result<std::vector<int16_t>> OpusDecoder::conceal_lost() {
  if (!state_) return Result<std::vector<int16_t>>::error("opus: decoder was moved from");
  return state_->run(nullptr, 0, opus_frame_samples(state_->config.sample_rate));
}

}  // namespace v100::codec
