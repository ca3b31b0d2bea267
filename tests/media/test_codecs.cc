#include "media/test_codecs.h"

#include <opus/opus.h>
#include <vpx/vp8cx.h>
#include <vpx/vpx_encoder.h>

#include <cmath>
#include <memory>
#include <stdexcept>

namespace v100::media::testing {

std::vector<Vp8Frame> encode_vp8_pattern(unsigned width, unsigned height, int num_frames,
                                         int keyframe_interval) {
  vpx_codec_enc_cfg_t cfg;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK)
    throw std::runtime_error("vpx config");
  cfg.g_w = width;
  cfg.g_h = height;
  cfg.g_timebase = {1, 30};
  cfg.rc_target_bitrate = 300;
  cfg.g_lag_in_frames = 0;
  cfg.rc_dropframe_thresh = 0;    // every input frame gives an output frame
  cfg.kf_mode = VPX_KF_DISABLED;  // key frames only where forced below
  cfg.g_threads = 1;
  vpx_codec_ctx_t codec;
  if (vpx_codec_enc_init(&codec, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK)
    throw std::runtime_error("vpx init");
  std::unique_ptr<vpx_codec_ctx_t, decltype(&vpx_codec_destroy)> guard(&codec, &vpx_codec_destroy);
  vpx_image_t img;
  if (!vpx_img_alloc(&img, VPX_IMG_FMT_I420, width, height, 16)) throw std::runtime_error("vpx image");
  std::unique_ptr<vpx_image_t, decltype(&vpx_img_free)> img_guard(&img, &vpx_img_free);
  std::vector<Vp8Frame> out;
  for (int i = 0; i <= num_frames; ++i) {
    const bool flush = i == num_frames;
    if (!flush) {
      // Diagonal bars moving one pixel per frame, flat chroma.
      for (unsigned y = 0; y < height; ++y)
        for (unsigned x = 0; x < width; ++x)
          img.planes[0][y * img.stride[0] + x] = static_cast<uint8_t>(((x + y + 2 * i) / 8 % 2) ? 200 : 40);
      for (int p = 1; p < 3; ++p)
        for (unsigned y = 0; y < (height + 1) / 2; ++y)
          for (unsigned x = 0; x < (width + 1) / 2; ++x) img.planes[p][y * img.stride[p] + x] = 128;
    }
    const vpx_enc_frame_flags_t flags = (!flush && i % keyframe_interval == 0) ? VPX_EFLAG_FORCE_KF : 0;
    if (vpx_codec_encode(&codec, flush ? nullptr : &img, i, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK)
      throw std::runtime_error("vpx encode");
    vpx_codec_iter_t iter = nullptr;
    while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&codec, &iter)) {
      if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
      const auto* p = static_cast<const uint8_t*>(pkt->data.frame.buf);
      out.push_back(
          Vp8Frame{Bytes(p, p + pkt->data.frame.sz), (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0});
    }
  }
  if (out.size() != static_cast<size_t>(num_frames)) throw std::runtime_error("vpx dropped frames");
  return out;
}

std::vector<Bytes> encode_opus_tone(int num_packets) {
  int err = 0;
  OpusEncoder* enc = opus_encoder_create(48000, 1, OPUS_APPLICATION_AUDIO, &err);
  if (!enc || err != OPUS_OK) throw std::runtime_error("opus init");
  std::unique_ptr<OpusEncoder, decltype(&opus_encoder_destroy)> guard(enc, &opus_encoder_destroy);
  constexpr int kSamples = 960;  // 20 ms at 48 kHz
  std::vector<opus_int16> pcm(kSamples);
  std::vector<Bytes> out;
  uint8_t buf[4000];
  for (int i = 0; i < num_packets; ++i) {
    for (int s = 0; s < kSamples; ++s)
      pcm[s] = static_cast<opus_int16>(8000 * std::sin(2 * M_PI * 440 * (i * kSamples + s) / 48000.0));
    const opus_int32 n = opus_encode(enc, pcm.data(), kSamples, buf, sizeof buf);
    if (n < 0) throw std::runtime_error("opus encode");
    out.emplace_back(buf, buf + n);
  }
  return out;
}

}  // namespace v100::media::testing
