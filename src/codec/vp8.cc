// VP8 encoder and decoder wrappers over libvpx (vpx_codec_* API). The codec is libvpx's; this file
// validates arguments, copies between libvpx images and tightly packed Pictures, and turns every
// libvpx failure into a Result error.
#include "codec/vp8.h"

#include <vpx/vp8cx.h>
#include <vpx/vp8dx.h>
#include <vpx/vpx_decoder.h>
#include <vpx/vpx_encoder.h>

#include <cstring>
#include <string>
#include <utility>

namespace v100::codec {

namespace {

constexpr int kMaxVp8Dimension = 16383;  // 14-bit size fields, RFC 6386 §9.1
constexpr size_t kFrameTagSize = 3;
constexpr size_t kKeyframeHeaderSize = 10;  // tag, start code, two 16-bit sizes

std::string vpx_message(vpx_codec_ctx_t* ctx, const char* what) {
  std::string m = std::string("vp8: ") + what + ": " + vpx_codec_error(ctx);
  if (const char* detail = vpx_codec_error_detail(ctx)) m += std::string(" (") + detail + ")";
  return m;
}

bool in_range(int v, int lo, int hi) {
  return v >= lo && v <= hi;
}

// Points a libvpx image descriptor at the three planes of `pic` (no copy). libvpx reads the input
// image only (it copies it into its own lookahead buffer), so the const_cast never leads to a write.
void wrap_picture(const Picture& pic, vpx_image_t& img) {
  auto* y = const_cast<uint8_t*>(pic.y.data());
  vpx_img_wrap(&img, VPX_IMG_FMT_I420, static_cast<unsigned>(pic.width), static_cast<unsigned>(pic.height), 1,
               y);
  img.planes[VPX_PLANE_Y] = y;
  img.planes[VPX_PLANE_U] = const_cast<uint8_t*>(pic.u.data());
  img.planes[VPX_PLANE_V] = const_cast<uint8_t*>(pic.v.data());
  img.stride[VPX_PLANE_Y] = pic.width;
  img.stride[VPX_PLANE_U] = pic.chroma_width();
  img.stride[VPX_PLANE_V] = pic.chroma_width();
}

void copy_plane(const uint8_t* src, int src_stride, int w, int h, std::vector<uint8_t>& dst) {
  dst.resize(static_cast<size_t>(w) * static_cast<size_t>(h));
  for (int r = 0; r < h; ++r)
    std::memcpy(dst.data() + static_cast<size_t>(r) * static_cast<size_t>(w),
                src + static_cast<ptrdiff_t>(r) * src_stride, static_cast<size_t>(w));
}

}  // namespace

// ----- encoder -----

struct Vp8Encoder::State {
  Vp8Config config;
  vpx_codec_enc_cfg_t cfg{};
  vpx_codec_ctx_t ctx{};
  bool initialized = false;
  vpx_codec_pts_t pts = 0;

  ~State() {
    if (initialized) vpx_codec_destroy(&ctx);
  }
};

Vp8Encoder::Vp8Encoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
Vp8Encoder::Vp8Encoder(Vp8Encoder&&) noexcept = default;
Vp8Encoder& Vp8Encoder::operator=(Vp8Encoder&&) noexcept = default;
Vp8Encoder::~Vp8Encoder() = default;

const Vp8Config& Vp8Encoder::config() const {
  return state_->config;
}

Result<Vp8Encoder> Vp8Encoder::create(const Vp8Config& c) {
  if (!in_range(c.width, 2, kMaxVp8Dimension) || !in_range(c.height, 2, kMaxVp8Dimension))
    return Result<Vp8Encoder>::error("vp8: picture size out of range 2..16383");
  if (!in_range(c.fps, 1, 240)) return Result<Vp8Encoder>::error("vp8: fps out of range 1..240");
  if (!in_range(c.bitrate_kbps, 1, 100000))
    return Result<Vp8Encoder>::error("vp8: bitrate out of range 1..100000 kbps");
  if (c.keyframe_interval < 1) return Result<Vp8Encoder>::error("vp8: keyframe interval must be >= 1");
  if (!in_range(c.threads, 1, 16)) return Result<Vp8Encoder>::error("vp8: threads out of range 1..16");
  if (!in_range(c.cpu_used, -16, 16)) return Result<Vp8Encoder>::error("vp8: cpu_used out of range -16..16");

  auto s = std::make_unique<State>();
  s->config = c;
  vpx_codec_enc_cfg_t& cfg = s->cfg;
  if (vpx_codec_enc_config_default(vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK)
    return Result<Vp8Encoder>::error("vp8: no default encoder configuration");
  cfg.g_w = static_cast<unsigned>(c.width);
  cfg.g_h = static_cast<unsigned>(c.height);
  cfg.g_timebase = {1, c.fps};  // one pts tick per frame
  cfg.g_threads = static_cast<unsigned>(c.threads);
  cfg.g_pass = VPX_RC_ONE_PASS;
  cfg.g_lag_in_frames = 0;  // realtime: a packet for every picture, no lookahead
  cfg.g_error_resilient = VPX_ERROR_RESILIENT_DEFAULT;
  cfg.rc_end_usage = VPX_CBR;
  cfg.rc_target_bitrate = static_cast<unsigned>(c.bitrate_kbps);
  cfg.rc_dropframe_thresh = 0;  // never skip a picture: callers count one packet per picture
  cfg.kf_mode = VPX_KF_AUTO;
  cfg.kf_min_dist = 0;
  cfg.kf_max_dist = static_cast<unsigned>(c.keyframe_interval);

  if (vpx_codec_enc_init(&s->ctx, vpx_codec_vp8_cx(), &cfg, 0) != VPX_CODEC_OK) {
    std::string m = vpx_message(&s->ctx, "encoder init");
    return Result<Vp8Encoder>::error(m);
  }
  s->initialized = true;
  if (vpx_codec_control(&s->ctx, VP8E_SET_CPUUSED, c.cpu_used) != VPX_CODEC_OK)
    return Result<Vp8Encoder>::error(vpx_message(&s->ctx, "set cpu_used"));
  return Vp8Encoder(std::move(s));
}

Result<std::vector<EncodedVideo>> Vp8Encoder::encode(const Picture& pic, bool force_keyframe) {
  using R = Result<std::vector<EncodedVideo>>;
  if (!state_) return R::error("vp8: encoder was moved from");
  if (!pic.valid()) return R::error("vp8: picture planes do not match its size");
  if (pic.width != state_->config.width || pic.height != state_->config.height)
    return R::error("vp8: picture is " + std::to_string(pic.width) + "x" + std::to_string(pic.height) +
                    ", encoder expects " + std::to_string(state_->config.width) + "x" +
                    std::to_string(state_->config.height));
  vpx_image_t img;
  wrap_picture(pic, img);
  const vpx_enc_frame_flags_t flags = force_keyframe ? VPX_EFLAG_FORCE_KF : 0;
  if (vpx_codec_encode(&state_->ctx, &img, state_->pts, 1, flags, VPX_DL_REALTIME) != VPX_CODEC_OK)
    return R::error(vpx_message(&state_->ctx, "encode"));
  ++state_->pts;

  std::vector<EncodedVideo> out;
  vpx_codec_iter_t iter = nullptr;
  while (const vpx_codec_cx_pkt_t* pkt = vpx_codec_get_cx_data(&state_->ctx, &iter)) {
    if (pkt->kind != VPX_CODEC_CX_FRAME_PKT) continue;
    const auto* p = static_cast<const uint8_t*>(pkt->data.frame.buf);
    out.push_back(
        EncodedVideo{Bytes(p, p + pkt->data.frame.sz), (pkt->data.frame.flags & VPX_FRAME_IS_KEY) != 0});
  }
  return out;
}

// ----- decoder -----

Result<Vp8FrameInfo> peek_vp8_frame(ByteSpan frame) {
  if (frame.size() < kFrameTagSize)
    return Result<Vp8FrameInfo>::error("vp8: frame shorter than its 3-byte tag");
  Vp8FrameInfo info;
  info.keyframe = (frame[0] & 1) == 0;  // frame tag bit 0: 0 = key frame
  if (!info.keyframe) return info;
  if (frame.size() < kKeyframeHeaderSize)
    return Result<Vp8FrameInfo>::error("vp8: truncated keyframe header");
  if (frame[3] != 0x9d || frame[4] != 0x01 || frame[5] != 0x2a)
    return Result<Vp8FrameInfo>::error("vp8: keyframe without start code");
  info.width = (frame[6] | frame[7] << 8) & 0x3fff;
  info.height = (frame[8] | frame[9] << 8) & 0x3fff;
  return info;
}

struct Vp8Decoder::State {
  Vp8DecoderConfig config;
  vpx_codec_ctx_t ctx{};
  bool initialized = false;
  bool has_reference = false;

  ~State() {
    if (initialized) vpx_codec_destroy(&ctx);
  }
};

Vp8Decoder::Vp8Decoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
Vp8Decoder::Vp8Decoder(Vp8Decoder&&) noexcept = default;
Vp8Decoder& Vp8Decoder::operator=(Vp8Decoder&&) noexcept = default;
Vp8Decoder::~Vp8Decoder() = default;

bool Vp8Decoder::has_reference() const {
  return state_ && state_->has_reference;
}

Result<Vp8Decoder> Vp8Decoder::create(const Vp8DecoderConfig& c) {
  if (!in_range(c.max_width, 1, kMaxVp8Dimension) || !in_range(c.max_height, 1, kMaxVp8Dimension))
    return Result<Vp8Decoder>::error("vp8: decoder size limits out of range 1..16383");
  if (!in_range(c.threads, 1, 16)) return Result<Vp8Decoder>::error("vp8: threads out of range 1..16");
  auto s = std::make_unique<State>();
  s->config = c;
  vpx_codec_dec_cfg_t cfg{};
  cfg.threads = static_cast<unsigned>(c.threads);
  if (vpx_codec_dec_init(&s->ctx, vpx_codec_vp8_dx(), &cfg, 0) != VPX_CODEC_OK) {
    std::string m = vpx_message(&s->ctx, "decoder init");
    return Result<Vp8Decoder>::error(m);
  }
  s->initialized = true;
  return Vp8Decoder(std::move(s));
}

Result<Picture> Vp8Decoder::decode(ByteSpan frame) {
  using R = Result<Picture>;
  if (!state_) return R::error("vp8: decoder was moved from");
  State& s = *state_;
  auto info = peek_vp8_frame(frame);
  if (!info) {
    s.has_reference = false;
    return info.status();
  }
  if (info->keyframe) {
    if (info->width == 0 || info->height == 0) {
      s.has_reference = false;
      return R::error("vp8: keyframe announces an empty picture");
    }
    if (info->width > s.config.max_width || info->height > s.config.max_height) {
      s.has_reference = false;
      return R::error("vp8: keyframe announces " + std::to_string(info->width) + "x" +
                      std::to_string(info->height) + ", above the decoder's limit");
    }
  } else if (!s.has_reference) {
    return R::error("vp8: delta frame without a decoded keyframe before it");
  }
  // libvpx takes a 32-bit size; frames that large are refused rather than truncated.
  if (frame.size() > (1u << 30)) {
    s.has_reference = false;
    return R::error("vp8: frame too large");
  }

  // Every failure from here on leaves the references in doubt.
  s.has_reference = false;
  if (vpx_codec_decode(&s.ctx, frame.data(), static_cast<unsigned>(frame.size()), nullptr, 0) != VPX_CODEC_OK)
    return R::error(vpx_message(&s.ctx, "decode"));
  int corrupted = 0;
  if (vpx_codec_control(&s.ctx, VP8D_GET_FRAME_CORRUPTED, &corrupted) != VPX_CODEC_OK || corrupted)
    return R::error("vp8: decoded frame is corrupt");
  vpx_codec_iter_t iter = nullptr;
  const vpx_image_t* img = vpx_codec_get_frame(&s.ctx, &iter);
  if (img == nullptr) {
    // A valid frame with show_frame = 0 (it only updates references; our encoder never sends one).
    s.has_reference = true;
    return R::error("vp8: frame decoded but not shown");
  }
  if (img->fmt != VPX_IMG_FMT_I420 || img->d_w == 0 || img->d_h == 0 ||
      img->d_w > static_cast<unsigned>(s.config.max_width) ||
      img->d_h > static_cast<unsigned>(s.config.max_height))
    return R::error("vp8: unexpected decoded image format");

  Picture pic;
  pic.width = static_cast<int>(img->d_w);
  pic.height = static_cast<int>(img->d_h);
  copy_plane(img->planes[VPX_PLANE_Y], img->stride[VPX_PLANE_Y], pic.width, pic.height, pic.y);
  copy_plane(img->planes[VPX_PLANE_U], img->stride[VPX_PLANE_U], pic.chroma_width(), pic.chroma_height(),
             pic.u);
  copy_plane(img->planes[VPX_PLANE_V], img->stride[VPX_PLANE_V], pic.chroma_width(), pic.chroma_height(),
             pic.v);
  s.has_reference = true;
  return pic;
}

}  // namespace v100::codec
