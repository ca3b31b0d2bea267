#include "media/media_recording.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include "core/rng.h"
#include "media/sframe.h"
#include "media/sframe_header.h"

namespace v100::media {
namespace {

constexpr CipherSuite kRecordingSuite = CipherSuite::kAes256GcmSha512_128;
constexpr uint8_t kMaxKind = static_cast<uint8_t>(MediaKind::kControl);
constexpr uint8_t kMaxCodec = static_cast<uint8_t>(MediaCodec::kOpus);
// File header of recording.h: magic[8] | recording_id[16] | suite u16.
constexpr size_t kFileHeaderBytes = 8 + 16 + 2;

Status check_info(const RecordedFrameInfo& info) {
  if ((info.envelope & 7) > kMaxKind)
    return Status::error("media kind " + std::to_string(info.envelope & 7) + " unknown");
  if (info.envelope & 0xC0) return Status::error("reserved envelope bits set");
  if (info.codec > kMaxCodec) return Status::error("codec " + std::to_string(info.codec) + " unknown");
  return Status::ok();
}

}  // namespace

Bytes encode_frame_metadata(const RecordedFrameInfo& info) {
  ByteWriter w;
  w.u8(kFrameMetadataVersion);
  w.u16(info.slot);
  w.u8(info.envelope);
  w.u8(info.codec);
  w.u32(info.seq);
  w.u64(info.capture_us);
  w.u64(info.receive_us);
  return w.take();
}

Result<RecordedFrameInfo> parse_frame_metadata(ByteSpan metadata) {
  using R = Result<RecordedFrameInfo>;
  if (metadata.empty()) return R::error("frame metadata: empty");
  if (metadata[0] != kFrameMetadataVersion)
    return R::error("frame metadata: unknown version " + std::to_string(metadata[0]));
  if (metadata.size() != kFrameMetadataBytes)
    return R::error("frame metadata: " + std::to_string(metadata.size()) + " bytes, version 1 has " +
                    std::to_string(kFrameMetadataBytes));
  ByteReader rd(metadata.subspan(1));
  RecordedFrameInfo info;
  // The length was checked above, so every read succeeds.
  if (!rd.u16(info.slot) || !rd.u8(info.envelope) || !rd.u8(info.codec) || !rd.u32(info.seq) ||
      !rd.u64(info.capture_us) || !rd.u64(info.receive_us))
    return R::error("frame metadata: truncated");
  if (Status st = check_info(info); !st) return R::error("frame metadata: " + st.message());
  return info;
}

// ---------------------------------------------------------------------------------------------
// Recorder

namespace {
RecordingOptions checked(RecordingOptions options) {
  if (options.suite != kRecordingSuite)
    throw std::invalid_argument("MediaRecorder: recordings use SFrame suite 5 (AES_256_GCM_SHA512_128)");
  return options;
}
}  // namespace

MediaRecorder::MediaRecorder(const pq::mldsa::SecretKey65& signing_key, RecordingOptions options)
    : key_(random_seed32()), writer_(signing_key, checked(options)) {
  static_assert(kRecordingKeyBytes == 32);
}

Status MediaRecorder::add(const RecordedFrameInfo& info, ByteSpan payload) {
  if (finished_) return Status::error("media recorder: already finished");
  if (Status st = check_info(info); !st) return Status::error("media recorder: " + st.message());
  if (payload.size() > kMaxRecordedPayload) return Status::error("media recorder: payload too large");
  const uint64_t kid = recording_kid(info);
  auto it = senders_.find(kid);
  if (it == senders_.end()) {
    // The slot argument only matters for set_epoch(); recording keys are installed by KID.
    auto tx = std::make_unique<SenderContext>(0, SenderOptions{.suite = kRecordingSuite});
    tx->set_key(kid, key_.span(), 0);
    it = senders_.emplace(kid, std::move(tx)).first;
  }
  const Bytes metadata = encode_frame_metadata(info);
  Result<Bytes> sframe = it->second->protect(metadata, payload);
  if (!sframe) return Status::error("media recorder: " + sframe.message());
  writer_.add_frame(metadata, *sframe);
  return Status::ok();
}

Bytes MediaRecorder::finish() {
  if (finished_) throw std::logic_error("MediaRecorder: already finished");
  finished_ = true;
  senders_.clear();  // the per-KID keys are not needed any more (their destructors wipe them)
  return writer_.finish();
}

Status MediaRecorder::finish_to_file(const std::string& path) {
  Bytes rest = finish();
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(rest.data()), static_cast<std::streamsize>(rest.size()));
  f.close();
  if (!f) return Status::error("cannot write " + path);
  return Status::ok();
}

// ---------------------------------------------------------------------------------------------
// Reader

Result<MediaRecordingContents> open_media_recording(ByteSpan file, const pq::mldsa::PublicKey65& pk,
                                                    ByteSpan recording_key, RecordingReport* report) {
  using R = Result<MediaRecordingContents>;
  RecordingReport rep = verify_recording(file, pk);
  if (report) *report = rep;
  if (!rep.ok()) {
    std::string msg = "recording does not verify: " + rep.message;
    if (rep.frame) msg += " (first bad frame: " + std::to_string(*rep.frame) + ")";
    return R::error(msg);
  }
  if (recording_key.size() != kRecordingKeyBytes)
    return R::error("recording key must be " + std::to_string(kRecordingKeyBytes) + " bytes");
  // verify_recording checked the whole structure; the reads below still check every length, so a
  // bug there cannot turn into an out-of-bounds read here.
  ByteReader rd(file);
  ByteSpan header;
  if (!rd.bytes(kFileHeaderBytes, header)) return R::error("recording: truncated header");
  const uint16_t suite = static_cast<uint16_t>(header[24] | header[25] << 8);
  if (suite != static_cast<uint16_t>(kRecordingSuite))
    return R::error("recording: cipher suite " + std::to_string(suite) + " is not a media recording's (5)");

  MediaRecordingContents out;
  out.recording_id = rep.recording_id;
  out.segments = rep.segments_verified;
  std::map<uint64_t, std::unique_ptr<SFrameKey>> keys;
  uint64_t index = 0;
  while (!rd.at_end()) {
    uint8_t type = 0;
    ByteSpan body;
    if (!rd.u8(type) || !rd.blob(body, kMaxRecordBytes)) return R::error("recording: truncated record");
    if (type != kRecordFrame) continue;
    const std::string where = "frame " + std::to_string(index) + ": ";
    ByteReader fr(body);
    ByteSpan metadata;
    if (!fr.blob(metadata, kMaxRecordBytes)) return R::error(where + "malformed frame record");
    const ByteSpan sframe = body.subspan(fr.position());
    Result<RecordedFrameInfo> info = parse_frame_metadata(metadata);
    if (!info) return R::error(where + info.message());
    Result<SFrameHeader> h = decode_header(sframe);
    if (!h) return R::error(where + h.message());
    const uint64_t kid = recording_kid(*info);
    if (h->kid != kid)
      return R::error(where + "SFrame KID " + std::to_string(h->kid) + " does not match its metadata (" +
                      std::to_string(kid) + ")");
    auto it = keys.find(kid);
    if (it == keys.end())
      it = keys.emplace(kid, std::make_unique<SFrameKey>(kRecordingSuite, kid, recording_key)).first;
    RecordedFrame f{*info, Bytes(sframe.size())};
    Result<size_t> n = it->second->unprotect(*h, sframe, metadata, f.payload);
    if (!n) {
      // The signature vouches for the bytes, so a failed tag means the key is not this recording's.
      return R::error(where + "cannot decrypt (" + n.message() + "): wrong recording key?");
    }
    f.payload.resize(*n);
    out.frames.push_back(std::move(f));
    ++index;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Key files

Status save_recording_key(const std::string& path, ByteSpan key) {
  std::string text = to_hex(key) + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::error("cannot create " + path + ": " + std::strerror(errno));
  // An existing file keeps its mode under O_CREAT; make sure it is private before writing.
  bool ok = ::fchmod(fd, 0600) == 0;
  size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = (::close(fd) == 0) && ok;
  secure_wipe(text.data(), text.size());
  if (!ok) return Status::error("cannot write " + path);
  return Status::ok();
}

Result<SecretBytes> load_recording_key(const std::string& path) {
  using R = Result<SecretBytes>;
  std::ifstream f(path, std::ios::binary);
  if (!f) return R::error("cannot read " + path);
  std::string raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string hex;
  for (char c : raw)
    if (!std::isspace(static_cast<unsigned char>(c))) hex.push_back(c);
  secure_wipe(raw.data(), raw.size());
  Result<Bytes> key = from_hex(hex);
  secure_wipe(hex.data(), hex.size());
  if (!key) return R::error(path + ": not a hex recording key");
  SecretBytes out(*key);
  secure_wipe(*key);
  if (out.size() != kRecordingKeyBytes)
    return R::error(path + ": recording key has " + std::to_string(out.size()) + " bytes, expected " +
                    std::to_string(kRecordingKeyBytes));
  return out;
}

}  // namespace v100::media
