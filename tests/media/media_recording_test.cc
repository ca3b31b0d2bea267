// Media recordings: frames recorded with MediaRecorder come back bit-identical from
// open_media_recording; the file holds no plaintext; a wrong key, a wrong public key, a flipped
// byte in any frame, malformed metadata signed by the recorder, or a truncated file are refused
// with an error naming the frame (the same index verify_recording names). Key files are private.
#include "media/media_recording.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/rng.h"

namespace v100::media {
namespace {

namespace mldsa = v100::pq::mldsa;

RecordingOptions segments_of(uint32_t n) {
  RecordingOptions o;
  o.frames_per_segment = n;
  return o;
}

RecordingOptions aes128_options() {
  RecordingOptions o;
  o.suite = CipherSuite::kAes128GcmSha256_128;
  return o;
}

const mldsa::KeyPair<mldsa::kMlDsa65>& keys() {
  static const auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  return kp;
}

std::vector<RecordedFrame> sample_frames(size_t n) {
  std::vector<RecordedFrame> out;
  const MediaKind kinds[] = {MediaKind::kAudio, MediaKind::kVideo, MediaKind::kScreen, MediaKind::kData};
  for (size_t i = 0; i < n; ++i) {
    RecordedFrame f;
    const MediaKind k = kinds[i % 4];
    f.info.slot = static_cast<uint16_t>(i % 3 == 0 ? 1 : 4095 + i % 2);
    f.info.envelope = make_envelope(k, i % 5 == 0, static_cast<uint8_t>(i % 3));
    f.info.codec = static_cast<uint8_t>(k == MediaKind::kAudio ? 2 : k == MediaKind::kData ? 0 : 1);
    f.info.seq = static_cast<uint32_t>(1000 + i);
    f.info.capture_us = 0xF00000000ull + i * 20000;
    f.info.receive_us = i * 20011;
    f.payload = random_bytes(i % 6 == 0 ? 0 : 1 + (i * 37) % 900);
    out.push_back(std::move(f));
  }
  return out;
}

struct Recorded {
  Bytes file;
  SecretBytes key;
};

Recorded record(const std::vector<RecordedFrame>& frames, uint32_t per_segment = 7) {
  MediaRecorder rec(keys().secret_key, segments_of(per_segment));
  Bytes file;
  for (const RecordedFrame& f : frames) {
    EXPECT_TRUE(rec.add(f.info, f.payload));
    Bytes part = rec.drain();
    file.insert(file.end(), part.begin(), part.end());
  }
  Bytes rest = rec.finish();
  file.insert(file.end(), rest.begin(), rest.end());
  EXPECT_EQ(rec.frames_written(), frames.size());
  return {std::move(file), SecretBytes(rec.recording_key())};
}

// Byte offset of frame `index`'s record body (type u8 | len u32 | body) in a recording.
size_t frame_body_offset(const Bytes& file, uint64_t index) {
  size_t pos = 26, seen = 0;
  while (pos + 5 <= file.size()) {
    const uint32_t len =
        file[pos + 1] | file[pos + 2] << 8 | file[pos + 3] << 16 | uint32_t{file[pos + 4]} << 24;
    if (file[pos] == kRecordFrame && seen++ == index) return pos + 5;
    pos += 5 + len;
  }
  ADD_FAILURE() << "frame " << index << " not found";
  return 0;
}

TEST(MediaRecording, RoundTripBitIdentical) {
  const auto frames = sample_frames(30);
  Recorded r = record(frames);
  RecordingReport report;
  auto opened = open_media_recording(r.file, keys().public_key, r.key.span(), &report);
  ASSERT_TRUE(opened) << opened.message();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(opened->segments, 5u);  // 30 frames, 7 per segment: 4 full + the final one
  ASSERT_EQ(opened->frames.size(), frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(opened->frames[i].info, frames[i].info) << i;
    EXPECT_EQ(opened->frames[i].payload, frames[i].payload) << i;
  }
  EXPECT_EQ(opened->recording_id, report.recording_id);
}

TEST(MediaRecording, EmptyRecordingOpens) {
  Recorded r = record({});
  auto opened = open_media_recording(r.file, keys().public_key, r.key.span());
  ASSERT_TRUE(opened) << opened.message();
  EXPECT_TRUE(opened->frames.empty());
}

TEST(MediaRecording, FileHoldsNoPlaintextAndFreshKeys) {
  std::vector<RecordedFrame> frames = sample_frames(4);
  const std::string canary = "V100-CANARY-MEDIA-PAYLOAD-0123456789";
  for (auto& f : frames) f.payload.assign(canary.begin(), canary.end());
  Recorded a = record(frames), b = record(frames);
  const std::string text(a.file.begin(), a.file.end());
  EXPECT_EQ(text.find(canary), std::string::npos);
  EXPECT_EQ(text.find("CANARY"), std::string::npos);
  EXPECT_FALSE(ct_equal(a.key.span(), b.key.span()));  // a fresh random key per recording
  ASSERT_EQ(a.key.size(), kRecordingKeyBytes);
}

TEST(MediaRecording, WrongRecordingKeyNamesFirstFrame) {
  Recorded r = record(sample_frames(5));
  const Bytes wrong = random_bytes(32);
  auto opened = open_media_recording(r.file, keys().public_key, wrong);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.message().find("frame 0"), std::string::npos) << opened.message();
  EXPECT_NE(opened.message().find("wrong recording key"), std::string::npos) << opened.message();
  EXPECT_FALSE(open_media_recording(r.file, keys().public_key, Bytes(16)));  // wrong size
}

TEST(MediaRecording, WrongPublicKeyRefused) {
  Recorded r = record(sample_frames(5));
  const auto other = mldsa::generate_key<mldsa::kMlDsa65>();
  RecordingReport report;
  auto opened = open_media_recording(r.file, other.public_key, r.key.span(), &report);
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.message().find("does not verify"), std::string::npos) << opened.message();
  EXPECT_EQ(report.problem, RecordingProblem::kBadSignature);
  ASSERT_TRUE(report.frame);
  EXPECT_EQ(*report.frame, 0u);
  EXPECT_NE(opened.message().find("first bad frame: 0"), std::string::npos) << opened.message();
}

TEST(MediaRecording, FlippedByteInAnyFrameNamesThatFrame) {
  const auto frames = sample_frames(12);
  Recorded r = record(frames, 5);
  for (uint64_t k = 0; k < frames.size(); ++k) {
    // Flip a byte in the metadata (offset 4 + 3: the envelope) and, separately, the last byte of
    // the SFrame (its tag).
    for (int where = 0; where < 2; ++where) {
      Bytes bad = r.file;
      const size_t body = frame_body_offset(bad, k);
      const uint32_t body_len =
          bad[body - 4] | bad[body - 3] << 8 | bad[body - 2] << 16 | uint32_t{bad[body - 1]} << 24;
      bad[where == 0 ? body + 4 + 3 : body + body_len - 1] ^= 0x01;
      const RecordingReport vr = verify_recording(bad, keys().public_key);
      ASSERT_TRUE(vr.frame);
      EXPECT_EQ(*vr.frame, k);
      RecordingReport report;
      auto opened = open_media_recording(bad, keys().public_key, r.key.span(), &report);
      ASSERT_FALSE(opened);
      ASSERT_TRUE(report.frame);
      EXPECT_EQ(*report.frame, k);
      EXPECT_EQ(report.problem, RecordingProblem::kChangedFrame);
      EXPECT_NE(opened.message().find("first bad frame: " + std::to_string(k)), std::string::npos)
          << opened.message();
    }
  }
}

TEST(MediaRecording, TruncatedFilesRefused) {
  Recorded r = record(sample_frames(9), 4);
  for (size_t len = 0; len < r.file.size(); len += (len < 64 || len + 64 > r.file.size()) ? 1 : 53) {
    Bytes cut(r.file.begin(), r.file.begin() + static_cast<std::ptrdiff_t>(len));
    auto opened = open_media_recording(cut, keys().public_key, r.key.span());
    EXPECT_FALSE(opened) << "prefix of " << len << " bytes opened";
  }
}

// Frames the recorder signed but that are not what a MediaRecorder writes: still refused, by name.
TEST(MediaRecording, SignedButMalformedFramesRefused) {
  const Bytes key = random_bytes(32);
  RecordedFrameInfo info{.slot = 2, .envelope = make_envelope(MediaKind::kVideo, true), .codec = 1};
  auto build = [&](ByteSpan meta, uint64_t kid) {
    RecordingWriter w(keys().secret_key, RecordingOptions{});
    SenderContext tx(0);
    tx.set_key(kid, key);
    const Bytes good_meta = encode_frame_metadata(info);
    auto good = tx.protect(good_meta, random_bytes(50));
    w.add_frame(good_meta, *good);  // frame 0 is fine
    auto sf = tx.protect(meta, random_bytes(50));
    w.add_frame(meta, *sf);  // frame 1 is not
    return w.finish();
  };
  Bytes meta = encode_frame_metadata(info);
  auto wrong_kid = open_media_recording(build(meta, recording_kid(info) + 8), keys().public_key, key);
  ASSERT_FALSE(wrong_kid);
  EXPECT_NE(wrong_kid.message().find("frame 0: SFrame KID"), std::string::npos) << wrong_kid.message();

  Bytes v2 = meta;
  v2[0] = 2;
  auto bad_version = open_media_recording(build(v2, recording_kid(info)), keys().public_key, key);
  ASSERT_FALSE(bad_version);
  EXPECT_NE(bad_version.message().find("frame 1: frame metadata: unknown version 2"), std::string::npos)
      << bad_version.message();

  Bytes short_meta(meta.begin(), meta.end() - 1);
  auto bad_len = open_media_recording(build(short_meta, recording_kid(info)), keys().public_key, key);
  ASSERT_FALSE(bad_len);
  EXPECT_NE(bad_len.message().find("frame 1:"), std::string::npos) << bad_len.message();
}

TEST(MediaRecording, MetadataLayoutAndValidation) {
  RecordedFrameInfo info{.slot = 0x1234,
                         .envelope = 0x39,
                         .codec = 2,
                         .seq = 0xA1B2C3D4,
                         .capture_us = 0x0102030405060708,
                         .receive_us = 0x1112131415161718};
  const Bytes m = encode_frame_metadata(info);
  const Bytes want = {1, 0x34, 0x12, 0x39, 2,    0xD4, 0xC3, 0xB2, 0xA1, 8,    7,    6,   5,
                      4, 3,    2,    1,    0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11};
  EXPECT_EQ(m, want);
  auto back = parse_frame_metadata(m);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, info);
  EXPECT_EQ(back->kind(), MediaKind::kVideo);
  EXPECT_TRUE(back->keyframe());
  EXPECT_EQ(back->layer(), 3);
  EXPECT_EQ(recording_kid(info), 0x1234u * 8 + 1);

  auto with = [&](size_t i, uint8_t v) {
    Bytes b = m;
    b[i] = v;
    return parse_frame_metadata(b);
  };
  EXPECT_FALSE(with(0, 0));     // version
  EXPECT_FALSE(with(3, 0x05));  // kind 5
  EXPECT_FALSE(with(3, 0x41));  // reserved bit
  EXPECT_FALSE(with(4, 3));     // codec
  EXPECT_FALSE(parse_frame_metadata({}));
  Bytes longer = m;
  longer.push_back(0);
  EXPECT_FALSE(parse_frame_metadata(longer));
}

TEST(MediaRecording, AddRefusesBadInfoAndAfterFinish) {
  MediaRecorder rec(keys().secret_key);
  EXPECT_FALSE(rec.add({.envelope = 7}, {}));
  EXPECT_FALSE(rec.add({.envelope = 0x80}, {}));
  EXPECT_FALSE(rec.add({.codec = 3}, {}));
  EXPECT_TRUE(rec.add({.envelope = 0, .codec = 2}, Bytes{1, 2, 3}));
  (void)rec.finish();
  EXPECT_FALSE(rec.add({.envelope = 0, .codec = 2}, Bytes{1, 2, 3}));
  EXPECT_THROW((void)rec.finish(), std::logic_error);
  EXPECT_THROW(MediaRecorder(keys().secret_key, aes128_options()), std::invalid_argument);
}

TEST(MediaRecording, KeyFilesArePrivateHex) {
  const auto dir = std::filesystem::temp_directory_path() / ("v100_reckey_" + to_hex(random_bytes(6)));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "rec.key").string();
  {
    std::ofstream pre(path);
    pre << "old";
  }
  ::chmod(path.c_str(), 0644);
  const Bytes key = random_bytes(32);
  ASSERT_TRUE(save_recording_key(path, key));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = load_recording_key(path);
  ASSERT_TRUE(loaded) << loaded.message();
  EXPECT_TRUE(ct_equal(loaded->span(), key));

  std::ofstream(dir / "bad.key") << "zz";
  EXPECT_FALSE(load_recording_key((dir / "bad.key").string()));
  std::ofstream(dir / "short.key") << to_hex(random_bytes(16));
  EXPECT_FALSE(load_recording_key((dir / "short.key").string()));
  EXPECT_FALSE(load_recording_key((dir / "missing.key").string()));
  EXPECT_FALSE(save_recording_key((dir / "no" / "such" / "dir.key").string(), key));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace v100::media
