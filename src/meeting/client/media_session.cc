#include "meeting/client/media_session.h"

#include <chrono>

#include "codec/test_pattern.h"
#include "codec/tone.h"

namespace v100::meeting::client {

namespace proto = protocol;
using proto::MediaKind;

Bytes encode_media_payload(const MediaHeader& h, ByteSpan codec_bytes) {
  Bytes out;
  out.reserve(kMediaHeaderBytes + codec_bytes.size());
  out.push_back(h.codec);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(h.seq >> (8 * i)));
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(h.capture_us >> (8 * i)));
  out.insert(out.end(), codec_bytes.begin(), codec_bytes.end());
  return out;
}

Result<std::pair<MediaHeader, ByteSpan>> parse_media_payload(ByteSpan p) {
  using R = Result<std::pair<MediaHeader, ByteSpan>>;
  if (p.size() <= kMediaHeaderBytes) return R::error("media payload: shorter than its header");
  MediaHeader h;
  h.codec = p[0];
  if (h.codec != kCodecVp8 && h.codec != kCodecOpus) return R::error("media payload: unknown codec");
  for (int i = 0; i < 4; ++i) h.seq |= uint32_t{p[1 + i]} << (8 * i);
  for (int i = 0; i < 8; ++i) h.capture_us |= uint64_t{p[5 + i]} << (8 * i);
  return std::pair{h, p.subspan(kMediaHeaderBytes)};
}

uint64_t wall_clock_us() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

namespace {
size_t video_index(MediaKind k) {
  return k == MediaKind::kScreen ? 1 : 0;
}
}  // namespace

struct MediaSession::Impl {
  Client& client;
  MediaSessionOptions opt;

  // ---- sending (one mutex per track: encoders are not thread-safe) ----
  struct VideoTrack {
    std::mutex mu;
    std::optional<codec::Vp8Encoder> enc;
    uint32_t seq = 0;
    std::atomic<bool> force{true};  // the first picture is a keyframe
  };
  VideoTrack video[2];
  std::mutex audio_mu;
  std::optional<codec::OpusEncoder> audio_enc;
  uint32_t audio_seq = 0;
  std::atomic<uint64_t> video_sent{0}, keyframes_sent{0}, video_bytes{0}, audio_sent{0}, audio_bytes{0},
      on_request{0}, on_epoch{0}, send_errors{0};

  // ---- receiving ----
  using Clock = std::chrono::steady_clock;
  struct Stream {  // one remote sender's video or screen
    std::optional<codec::Vp8Decoder> dec;
    bool need_keyframe = true;
    std::optional<uint32_t> last_seq;
    std::optional<Clock::time_point> last_frame_at;
    Clock::time_point asked_at{};  // last keyframe request (at most one a second)
  };
  struct Remote {
    Stream video[2];
    std::optional<codec::OpusDecoder> audio;
    std::optional<uint32_t> last_audio_seq;
    Clock::time_point last_audio_at{};
    SenderMediaStats stats;
  };
  // A video stream silent this long while its sender's audio flows has lost frames the relay
  // dropped (it drops deltas up to the next keyframe): ask for a keyframe instead of waiting for
  // the sender's periodic one. Streams silent longer than kStallGiveUp are off, not stalled.
  static constexpr std::chrono::milliseconds kStallAfter{400}, kStallGiveUp{10000};
  std::vector<std::pair<uint16_t, MediaKind>> to_ask;  // keyframe requests, sent outside rx_mu
  Clock::time_point last_stall_check{};
  mutable std::mutex rx_mu;  // remotes and queue
  std::map<uint16_t, Remote> remotes;
  std::deque<DecryptedFrame> queue;
  std::condition_variable rx_cv;
  bool stopping = false;
  std::thread decoder;

  Impl(Client& c, MediaSessionOptions o) : client(c), opt(std::move(o)) {}

  // I/O thread: hand the frame to the decode thread.
  void enqueue(const DecryptedFrame& f) {
    {
      std::lock_guard lk(rx_mu);
      if (stopping) return;
      if (queue.size() >= opt.max_queue) {
        // The decode thread is behind: shed the oldest frame (its gap triggers a keyframe request).
        ++remotes[queue.front().slot].stats.queue_drops;
        queue.pop_front();
      }
      queue.push_back(f);
    }
    rx_cv.notify_one();
  }

  void decode_loop() {
    std::unique_lock lk(rx_mu);
    for (;;) {
      rx_cv.wait_for(lk, std::chrono::milliseconds(100), [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      check_stalls();
      if (!queue.empty()) {
        DecryptedFrame f = std::move(queue.front());
        queue.pop_front();
        lk.unlock();
        handle(f);
        lk.lock();
      }
      if (!to_ask.empty()) {
        // The client's locks are taken outside ours (its I/O thread holds them when it hands
        // us a frame).
        auto asks = std::move(to_ask);
        to_ask.clear();
        lk.unlock();
        for (auto [slot, kind] : asks) (void)client.request_keyframe(slot, kind);  // rate-limited
        lk.lock();
      }
    }
  }

  // Holds rx_mu.
  void check_stalls() {
    const auto now = Clock::now();
    if (now - last_stall_check < std::chrono::milliseconds(100)) return;
    last_stall_check = now;
    for (auto& [slot, r] : remotes) {
      if (now - r.last_audio_at > std::chrono::milliseconds(200)) continue;  // sender silent or gone
      for (size_t i = 0; i < 2; ++i) {
        Stream& s = r.video[i];
        if (!s.last_frame_at) continue;
        const auto quiet = now - *s.last_frame_at;
        if (quiet > kStallAfter && quiet < kStallGiveUp) {
          s.need_keyframe = true;
          ask_keyframe(slot, i ? MediaKind::kScreen : MediaKind::kVideo, r, s);
        }
      }
    }
  }

  // Decode thread.
  void handle(const DecryptedFrame& f) {
    if (f.kind == MediaKind::kData) {
      if (opt.on_other) opt.on_other(f);
      return;
    }
    auto parsed = parse_media_payload(f.payload);
    if (parsed && opt.on_received) opt.on_received(f, parsed->first, parsed->second);
    if (f.kind == MediaKind::kAudio) return handle_audio(f, parsed);
    if (f.kind == MediaKind::kVideo || f.kind == MediaKind::kScreen) return handle_video(f, parsed);
  }

  // Holds rx_mu: queued, sent by the decode loop.
  void ask_keyframe(uint16_t slot, MediaKind kind, Remote& r, Stream& s) {
    const auto now = Clock::now();
    if (now - s.asked_at < std::chrono::seconds(1)) return;
    s.asked_at = now;
    ++r.stats.keyframe_requests;
    to_ask.emplace_back(slot, kind);
  }

  void handle_video(const DecryptedFrame& f, const Result<std::pair<MediaHeader, ByteSpan>>& parsed) {
    std::optional<DecodedPicture> out;
    {
      std::lock_guard lk(rx_mu);
      Remote& r = remotes[f.slot];
      Stream& s = r.video[video_index(f.kind)];
      if (!parsed || parsed->first.codec != kCodecVp8) {
        ++r.stats.decode_errors;
        return;
      }
      const MediaHeader& h = parsed->first;
      if (s.last_seq && h.seq != *s.last_seq + 1) {
        if (static_cast<int32_t>(h.seq - *s.last_seq) <= 0) return;  // late duplicate or reordered: skip
        r.stats.video_gaps += h.seq - *s.last_seq - 1;
        s.need_keyframe = true;
      }
      s.last_seq = h.seq;
      s.last_frame_at = Clock::now();
      if (s.need_keyframe && !f.keyframe) {
        ++r.stats.deltas_skipped;
        ask_keyframe(f.slot, f.kind, r, s);
        return;
      }
      if (!opt.decode_video) {
        s.need_keyframe = false;
        ++r.stats.video_frames;
        r.stats.keyframes += f.keyframe;
        return;
      }
      if (!s.dec) {
        auto d = codec::Vp8Decoder::create();
        if (!d) {
          ++r.stats.decode_errors;
          return;
        }
        s.dec.emplace(std::move(*d));
      }
      auto pic = s.dec->decode(parsed->second);
      if (!pic) {
        ++r.stats.decode_errors;
        s.need_keyframe = true;
        ask_keyframe(f.slot, f.kind, r, s);
        return;
      }
      s.need_keyframe = false;
      ++r.stats.video_frames;
      r.stats.keyframes += f.keyframe;
      out = DecodedPicture{f.slot,       f.kind,        f.keyframe,          h.seq,
                           h.capture_us, f.sender_name, f.identity_verified, std::move(*pic)};
    }
    if (out && opt.on_picture) opt.on_picture(*out);
  }

  void handle_audio(const DecryptedFrame& f, const Result<std::pair<MediaHeader, ByteSpan>>& parsed) {
    std::vector<DecodedAudio> out;
    {
      std::lock_guard lk(rx_mu);
      Remote& r = remotes[f.slot];
      if (!parsed || parsed->first.codec != kCodecOpus) {
        ++r.stats.decode_errors;
        return;
      }
      const MediaHeader& h = parsed->first;
      if (!r.audio) {
        auto d = codec::OpusDecoder::create(opt.audio);
        if (!d) {
          ++r.stats.decode_errors;
          return;
        }
        r.audio.emplace(std::move(*d));
      }
      if (r.last_audio_seq) {
        if (static_cast<int32_t>(h.seq - *r.last_audio_seq) <= 0) return;  // duplicate or late
        uint32_t missing = h.seq - *r.last_audio_seq - 1;
        r.stats.audio_lost += missing;
        for (uint32_t i = 0; i < std::min<uint32_t>(missing, 5); ++i) {
          auto pcm = r.audio->conceal_lost();
          if (pcm) out.push_back({f.slot, *r.last_audio_seq + 1 + i, 0, true, std::move(*pcm)});
        }
      }
      r.last_audio_seq = h.seq;
      r.last_audio_at = Clock::now();
      auto pcm = r.audio->decode(parsed->second);
      if (!pcm) {
        ++r.stats.decode_errors;
        return;
      }
      ++r.stats.audio_packets;
      out.push_back({f.slot, h.seq, h.capture_us, false, std::move(*pcm)});
    }
    if (opt.on_audio)
      for (const auto& a : out) opt.on_audio(a);
  }

  Status send_picture(const codec::Picture& pic, uint64_t capture_us, MediaKind kind) {
    VideoTrack& t = video[video_index(kind)];
    std::lock_guard lk(t.mu);
    if (!t.enc) {
      codec::Vp8Config cfg = kind == MediaKind::kScreen ? opt.screen : opt.video;
      cfg.width = pic.width;
      cfg.height = pic.height;
      auto e = codec::Vp8Encoder::create(cfg);
      if (!e) return e.status();
      t.enc.emplace(std::move(*e));
    }
    auto packets = t.enc->encode(pic, t.force.exchange(false));
    if (!packets) return packets.status();
    for (const auto& p : *packets) {
      Bytes payload = encode_media_payload({kCodecVp8, t.seq, capture_us}, p.data);
      Status st = client.send_frame(proto::MediaEnvelope{kind, p.keyframe}, payload);
      if (!st) {
        ++send_errors;
        // A frame that did not leave breaks the chain: the next picture is a keyframe.
        t.force = true;
        return st;
      }
      ++t.seq;  // only frames that left count: a receiver's gap is a frame lost on the way
      ++video_sent;
      keyframes_sent += p.keyframe;
      video_bytes += payload.size();
    }
    return Status::ok();
  }

  Status send_audio(std::span<const int16_t> pcm, uint64_t capture_us) {
    std::lock_guard lk(audio_mu);
    if (!audio_enc) {
      auto e = codec::OpusEncoder::create(opt.audio);
      if (!e) return e.status();
      audio_enc.emplace(std::move(*e));
    }
    auto packet = audio_enc->encode(pcm);
    if (!packet) return packet.status();
    Bytes payload = encode_media_payload({kCodecOpus, audio_seq, capture_us}, *packet);
    Status st = client.send_frame(proto::MediaEnvelope{MediaKind::kAudio}, payload);
    if (!st) {
      ++send_errors;
      return st;
    }
    ++audio_seq;
    ++audio_sent;
    audio_bytes += payload.size();
    return Status::ok();
  }
};

MediaSession::MediaSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<MediaSession>> MediaSession::create(Client& client, MediaSessionOptions options) {
  auto impl = std::make_unique<Impl>(client, std::move(options));
  Impl* p = impl.get();
  p->decoder = std::thread([p] { p->decode_loop(); });
  client.set_frame_handler([p](const DecryptedFrame& f) { p->enqueue(f); });
  client.set_keyframe_request_handler([p](uint16_t, MediaKind kind) {
    ++p->on_request;
    p->video[video_index(kind)].force = true;
  });
  client.set_epoch_handler([p](uint64_t) {
    // Frames of the new epoch start from a keyframe, for members who just joined.
    ++p->on_epoch;
    for (auto& t : p->video) t.force = true;
  });
  return std::unique_ptr<MediaSession>(new MediaSession(std::move(impl)));
}

MediaSession::~MediaSession() {
  impl_->client.set_frame_handler(nullptr);
  impl_->client.set_keyframe_request_handler(nullptr);
  impl_->client.set_epoch_handler(nullptr);
  {
    std::lock_guard lk(impl_->rx_mu);
    impl_->stopping = true;
  }
  impl_->rx_cv.notify_all();
  if (impl_->decoder.joinable()) impl_->decoder.join();
}

Status MediaSession::send_picture(const codec::Picture& picture, uint64_t capture_us, MediaKind kind) {
  if (kind != MediaKind::kVideo && kind != MediaKind::kScreen)
    return Status::error("send_picture: kind must be video or screen");
  if (!picture.valid()) return Status::error("send_picture: invalid picture");
  return impl_->send_picture(picture, capture_us, kind);
}

Status MediaSession::send_audio(std::span<const int16_t> pcm, uint64_t capture_us) {
  return impl_->send_audio(pcm, capture_us);
}

void MediaSession::force_keyframe(MediaKind kind) {
  impl_->video[video_index(kind)].force = true;
}

MediaSessionStats MediaSession::stats() const {
  const Impl& i = *impl_;
  return {i.video_sent,  i.keyframes_sent, i.video_bytes, i.audio_sent,
          i.audio_bytes, i.on_request,     i.on_epoch,    i.send_errors};
}

std::map<uint16_t, SenderMediaStats> MediaSession::receive_stats() const {
  std::lock_guard lk(impl_->rx_mu);
  std::map<uint16_t, SenderMediaStats> out;
  for (const auto& [slot, r] : impl_->remotes) out[slot] = r.stats;
  return out;
}

// ------------------------------------------------------------------------------------------------

TestMediaSource::TestMediaSource(MediaSession& session, uint16_t sender, int width, int height, int fps,
                                 bool video, bool audio)
    : session_(session),
      sender_(sender),
      width_(width),
      height_(height),
      fps_(fps),
      video_(video),
      audio_(audio) {
  thread_ = std::thread([this] { run(); });
}

TestMediaSource::~TestMediaSource() {
  stop();
}

void TestMediaSource::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void TestMediaSource::run() {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto frame_period = std::chrono::microseconds(1000000 / fps_);
  const auto audio_period = std::chrono::milliseconds(20);
  auto next_video = start, next_audio = start;
  std::vector<int16_t> pcm(codec::kOpusFrameSamples);
  const double freq = codec::tone_frequency(sender_);
  uint32_t frame = 0;
  uint64_t sample = 0;
  while (!stop_) {
    const auto now = Clock::now();
    if (audio_ && now >= next_audio) {
      codec::render_tone(freq, sample, pcm);
      sample += pcm.size();
      if (session_.send_audio(pcm, wall_clock_us())) ++packets_;
      next_audio += audio_period;
      continue;
    }
    if (video_ && now >= next_video) {
      codec::Picture pic = codec::render_test_pattern(sender_, frame++, width_, height_);
      if (session_.send_picture(pic, wall_clock_us())) ++frames_;
      next_video += frame_period;
      continue;
    }
    auto wake = std::min(audio_ ? next_audio : Clock::time_point::max(),
                         video_ ? next_video : Clock::time_point::max());
    if (wake == Clock::time_point::max()) return;
    std::this_thread::sleep_until(std::min(wake, now + std::chrono::milliseconds(20)));
  }
}

}  // namespace v100::meeting::client
