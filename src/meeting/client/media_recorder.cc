#include "meeting/client/media_recorder.h"

namespace v100::meeting::client {

// The recording's codec byte is the inner media header's: both say VP8 = 1, Opus = 2.
static_assert(kCodecVp8 == static_cast<uint8_t>(media::MediaCodec::kVp8));
static_assert(kCodecOpus == static_cast<uint8_t>(media::MediaCodec::kOpus));

Result<std::unique_ptr<SessionRecorder>> SessionRecorder::create(const std::string& path,
                                                                 media::RecordingOptions options) {
  using R = Result<std::unique_ptr<SessionRecorder>>;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return R::error("cannot create " + path);
  const auto keys = pq::mldsa::generate_key<pq::mldsa::kMlDsa65>();
  return std::unique_ptr<SessionRecorder>(new SessionRecorder(path, f, keys, std::move(options)));
}

SessionRecorder::SessionRecorder(std::string path, std::FILE* file,
                                 const pq::mldsa::KeyPair<pq::mldsa::kMlDsa65>& keys,
                                 media::RecordingOptions options)
    : path_(std::move(path)),
      file_(file),
      public_key_(keys.public_key),
      recorder_(std::make_unique<media::MediaRecorder>(keys.secret_key, std::move(options))),
      start_(std::chrono::steady_clock::now()) {}

SessionRecorder::~SessionRecorder() {
  if (file_) std::fclose(file_);
}

Status SessionRecorder::write_locked(ByteSpan bytes) {
  if (bytes.empty()) return Status::ok();
  if (write_failed_ || std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    write_failed_ = true;
    return Status::error("cannot write " + path_);
  }
  return Status::ok();
}

void SessionRecorder::on_received(const DecryptedFrame& f, const MediaHeader& header, ByteSpan codec_bytes) {
  const auto now = std::chrono::steady_clock::now();
  media::RecordedFrameInfo info;
  info.slot = f.slot;
  info.envelope = protocol::MediaEnvelope{f.kind, f.keyframe, f.layer}.byte();
  info.codec = header.codec;
  info.seq = header.seq;
  info.capture_us = header.capture_us;
  info.receive_us =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - start_).count());
  std::lock_guard lk(mu_);
  if (finished_ || !recorder_->add(info, codec_bytes) || !write_locked(recorder_->drain())) {
    ++stats_.errors;
    return;
  }
  ++stats_.frames[{f.slot, f.kind}];
  stats_.bytes += codec_bytes.size();
}

std::function<void(const DecryptedFrame&, const MediaHeader&, ByteSpan)> SessionRecorder::hook() {
  return [this](const DecryptedFrame& f, const MediaHeader& h, ByteSpan b) { on_received(f, h, b); };
}

Status SessionRecorder::finish() {
  std::lock_guard lk(mu_);
  if (finished_) return Status::error("recording " + path_ + " already finished");
  finished_ = true;
  Status st = write_locked(recorder_->finish());
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!st) return st;
  if (!closed) return Status::error("cannot write " + path_);
  if (Status k = media::save_recording_key(path_ + ".key", recorder_->recording_key()); !k) return k;
  std::FILE* pub = std::fopen((path_ + ".pub").c_str(), "wb");
  if (!pub) return Status::error("cannot create " + path_ + ".pub");
  const std::string hex = to_hex(public_key_.span()) + "\n";
  const bool ok = std::fwrite(hex.data(), 1, hex.size(), pub) == hex.size();
  if (std::fclose(pub) != 0 || !ok) return Status::error("cannot write " + path_ + ".pub");
  return Status::ok();
}

SessionRecorderStats SessionRecorder::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

}  // namespace v100::meeting::client
