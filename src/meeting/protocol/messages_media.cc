// The media messages (Subscribe, MediaFrame, MediaBundle) and the relay's zero-copy path: frame
// views and the in-place bundle builder. Declared in messages.h.

#include <set>

#include "meeting/protocol/messages.h"
#include "meeting/protocol/messages_internal.h"

namespace v100::meeting::protocol {

using namespace internal;  // NOLINT: the shared body readers and writers of every message

// ---- media ----

void Subscribe::write(ByteWriter& w) const {
  w.u8(static_cast<uint8_t>(mode));
  if (mode == SubscribeMode::kList) {
    write_u16_count(w, slots.size());
    for (uint16_t s : slots) w.u16(s);
  }
}
Result<Subscribe> Subscribe::read(ByteReader& r) {
  Subscribe m;
  constexpr const char* kN = "Subscribe";
  uint8_t mode = 0;
  if (!r.u8(mode) || mode > 2) return fail<Subscribe>(kN, "mode");
  m.mode = static_cast<SubscribeMode>(mode);
  if (m.mode == SubscribeMode::kList) {
    size_t n = 0;
    if (!read_count(r, n, kMaxMembers, 2)) return fail<Subscribe>(kN, "slot count");
    m.slots.resize(n);
    std::set<uint16_t> seen;
    for (auto& s : m.slots)
      if (!r.u16(s) || s >= kMaxMembers || !seen.insert(s).second) return fail<Subscribe>(kN, "slot");
  }
  return m;
}
V100_MESSAGE_CODEC(Subscribe)

namespace {
bool read_frame_body(ByteReader& r, uint16_t& slot, MediaEnvelope& env, ByteSpan& payload) {
  uint8_t b = 0;
  if (!r.u16(slot) || slot >= kMaxMembers) return false;
  if (!r.u8(b)) return false;
  auto e = MediaEnvelope::parse(b);
  if (!e) return false;
  env = *e;
  if (!r.blob(payload, kMaxMediaPayload) || payload.empty()) return false;
  return true;
}
}  // namespace

void MediaFrame::write(ByteWriter& w) const {
  w.u16(slot);
  w.u8(envelope().byte());
  w.blob(payload);
}
Result<MediaFrame> MediaFrame::read(ByteReader& r) {
  MediaFrame m;
  ByteSpan p;
  MediaEnvelope env;
  if (!read_frame_body(r, m.slot, env, p)) return fail<MediaFrame>("MediaFrame", "frame");
  m.kind = env.kind;
  m.keyframe = env.keyframe;
  m.layer = env.layer;
  m.payload.assign(p.begin(), p.end());
  return m;
}
V100_MESSAGE_CODEC(MediaFrame)

Result<MediaFrameView> decode_media_frame_view(ByteSpan msg) {
  auto h = decode_header(msg);
  if (!h) return h.status();
  if (h->type != static_cast<uint8_t>(MsgType::kMediaFrame))
    return Result<MediaFrameView>::error("expected MediaFrame");
  ByteReader r(msg.subspan(kHeaderBytes));
  MediaFrameView v;
  if (!read_frame_body(r, v.slot, v.env, v.payload) || !r.at_end())
    return Result<MediaFrameView>::error("MediaFrame: bad frame");
  return v;
}

Result<std::vector<MediaFrameView>> decode_media_bundle_view(ByteSpan msg) {
  using R = Result<std::vector<MediaFrameView>>;
  auto h = decode_header(msg);
  if (!h) return h.status();
  if (h->type != static_cast<uint8_t>(MsgType::kMediaBundle)) return R::error("expected MediaBundle");
  ByteReader r(msg.subspan(kHeaderBytes));
  size_t n = 0;
  if (!read_count(r, n, kMaxBundleFrames, 8) || n == 0) return R::error("MediaBundle: bad count");
  std::vector<MediaFrameView> out(n);
  for (auto& v : out)
    if (!read_frame_body(r, v.slot, v.env, v.payload)) return R::error("MediaBundle: bad frame");
  if (!r.at_end()) return R::error("MediaBundle: trailing bytes");
  return out;
}

Bytes encode_media_frame(uint16_t slot, MediaEnvelope env, ByteSpan payload, uint32_t request_id) {
  ByteWriter w;
  w.buffer().reserve(kHeaderBytes + 7 + payload.size());
  write_header(w, MsgType::kMediaFrame, request_id);
  w.u16(slot);
  w.u8(env.byte());
  w.blob(payload);
  return w.take();
}

void MediaBundle::write(ByteWriter& w) const {
  write_u16_count(w, frames.size());
  for (const auto& f : frames) f.write(w);
}
Result<MediaBundle> MediaBundle::read(ByteReader& r) {
  MediaBundle m;
  size_t n = 0;
  if (!read_count(r, n, kMaxBundleFrames, 8) || n == 0) return fail<MediaBundle>("MediaBundle", "count");
  m.frames.resize(n);
  for (auto& f : m.frames) {
    auto fr = MediaFrame::read(r);
    if (!fr) return fr.status();
    f = std::move(*fr);
  }
  return m;
}
V100_MESSAGE_CODEC(MediaBundle)

void begin_media_bundle(Bytes& bundle) {
  bundle.clear();
  ByteWriter w;
  write_header(w, MsgType::kMediaBundle, 0);
  w.u16(0);  // patched by finish_media_bundle
  bundle = w.take();
}

void append_to_media_bundle(Bytes& bundle, const MediaFrameView& f) {
  const size_t n = f.payload.size();
  bundle.push_back(static_cast<uint8_t>(f.slot));
  bundle.push_back(static_cast<uint8_t>(f.slot >> 8));
  bundle.push_back(f.env.byte());
  for (int i = 0; i < 4; ++i) bundle.push_back(static_cast<uint8_t>(n >> (8 * i)));
  bundle.insert(bundle.end(), f.payload.begin(), f.payload.end());
}

void finish_media_bundle(Bytes& bundle, uint16_t num_frames) {
  bundle[kHeaderBytes] = static_cast<uint8_t>(num_frames);
  bundle[kHeaderBytes + 1] = static_cast<uint8_t>(num_frames >> 8);
}

}  // namespace v100::meeting::protocol
