// Merkle trees, signed segment manifests and whole recordings: a good recording verifies; one
// changed, dropped, duplicated or reordered frame (or a tampered, dropped or reordered manifest)
// fails and is located.
#include "media/recording.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <functional>

#include "core/rng.h"
#include "media/merkle.h"
#include "media/sframe_context.h"

namespace v100::media {
namespace {

namespace mldsa = v100::pq::mldsa;

// Reference Merkle tree hash written straight from RFC 9162 §2.1.1, on OpenSSL's one-shot SHA256.
Digest ref_sha(const Bytes& b) {
  Digest d;
  SHA256(b.data(), b.size(), d.data());
  return d;
}
Digest ref_mth(const std::vector<Digest>& d, size_t lo, size_t hi) {
  if (hi - lo == 1) {
    Bytes b{0x00};
    b.insert(b.end(), d[lo].begin(), d[lo].end());
    return ref_sha(b);
  }
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  Digest l = ref_mth(d, lo, lo + k), r = ref_mth(d, lo + k, hi);
  Bytes b{0x01};
  b.insert(b.end(), l.begin(), l.end());
  b.insert(b.end(), r.begin(), r.end());
  return ref_sha(b);
}

std::vector<Digest> random_digests(size_t n) {
  std::vector<Digest> v(n);
  for (auto& d : v) random_bytes(d);
  return v;
}

TEST(Merkle, RootMatchesReferenceAndProofsVerify) {
  EXPECT_EQ(merkle_root({}), ref_sha({}));
  for (size_t n = 1; n <= 33; ++n) {
    auto leaves = random_digests(n);
    const Digest root = merkle_root(leaves);
    ASSERT_EQ(root, ref_mth(leaves, 0, n)) << n;
    for (size_t i = 0; i < n; ++i) {
      auto proof = merkle_inclusion_proof(leaves, i);
      EXPECT_TRUE(merkle_verify_inclusion(leaves[i], i, n, proof, root)) << n << " " << i;
      EXPECT_FALSE(merkle_verify_inclusion(leaves[(i + 1) % n], i, n, proof, root) && n > 1);
      if (!proof.empty()) {
        auto bad = proof;
        bad[0][0] ^= 1;
        EXPECT_FALSE(merkle_verify_inclusion(leaves[i], i, n, bad, root));
      }
      EXPECT_FALSE(merkle_verify_inclusion(leaves[i], i + n, n, proof, root));
    }
  }
}

// One key pair for the whole file (ML-DSA key generation is cheap but not free).
const mldsa::KeyPair<mldsa::kMlDsa65>& keys() {
  static const auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  return kp;
}

struct Record {
  uint8_t type;
  Bytes body;
};

// The test's own reader/writer of the documented file layout, to build tampered recordings.
struct File {
  Bytes header;
  std::vector<Record> records;

  static File parse(const Bytes& f) {
    File out;
    out.header.assign(f.begin(), f.begin() + 26);
    ByteReader r(ByteSpan(f).subspan(26));
    while (!r.at_end()) {
      Record rec;
      ByteSpan body;
      EXPECT_TRUE(r.u8(rec.type));
      EXPECT_TRUE(r.blob(body, 1u << 30));
      rec.body.assign(body.begin(), body.end());
      out.records.push_back(std::move(rec));
    }
    return out;
  }
  Bytes serialize() const {
    ByteWriter w;
    w.bytes(header);
    for (const auto& rec : records) {
      w.u8(rec.type);
      w.blob(rec.body);
    }
    return w.take();
  }
  // Index in `records` of global frame number k.
  size_t frame_record(size_t k) const {
    for (size_t i = 0; i < records.size(); ++i)
      if (records[i].type == kRecordFrame && k-- == 0) return i;
    ADD_FAILURE() << "no such frame";
    return 0;
  }
  size_t manifest_record(size_t s) const {
    for (size_t i = 0; i < records.size(); ++i)
      if (records[i].type == kRecordManifest && s-- == 0) return i;
    ADD_FAILURE() << "no such manifest";
    return 0;
  }
};

constexpr size_t kFrames = 50;
constexpr uint32_t kPerSegment = 16;  // segments: 0-15, 16-31, 32-47, 48-49 (final, transcript)

// A recording of real SFrame frames from two senders.
const Bytes& recording() {
  static const Bytes file = [] {
    SecretBytes secret = random_seed32();
    SenderContext a(1), b(2);
    a.set_epoch(1, secret.span());
    b.set_epoch(1, secret.span());
    RecordingOptions opts;
    opts.frames_per_segment = kPerSegment;
    RecordingWriter w(keys().secret_key, opts);
    Bytes out;
    for (size_t i = 0; i < kFrames; ++i) {
      Bytes meta = {static_cast<uint8_t>(i), 0x42};
      Bytes payload = random_bytes(50 + i * 7);
      auto f = (i % 3 == 0 ? b : a).protect(meta, payload);
      w.add_frame(meta, *f);
      Bytes d = w.drain();
      out.insert(out.end(), d.begin(), d.end());
    }
    Digest transcript = sha256(as_bytes("the meeting transcript"));
    Bytes rest = w.finish(transcript, as_bytes("encrypted app metadata"));
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  }();
  return file;
}

RecordingReport check(const Bytes& file) {
  return verify_recording(file, keys().public_key);
}

TEST(Recording, GoodRecordingVerifies) {
  auto r = check(recording());
  EXPECT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.frames_verified, kFrames);
  EXPECT_EQ(r.segments_verified, 4u);
  // The file round-trips through the test's own reader.
  EXPECT_EQ(File::parse(recording()).serialize(), recording());
  EXPECT_EQ(File::parse(recording()).records.size(), kFrames + 4);
}

TEST(Recording, WrongKeyFails) {
  auto other = mldsa::generate_key<mldsa::kMlDsa65>();
  auto r = verify_recording(recording(), other.public_key);
  EXPECT_EQ(r.problem, RecordingProblem::kBadSignature);
  EXPECT_EQ(r.frame, std::optional<uint64_t>(0));
}

void expect_problem(const File& f, RecordingProblem p, uint64_t frame, const char* what) {
  auto r = check(f.serialize());
  EXPECT_EQ(r.problem, p) << what << ": " << r.message;
  EXPECT_EQ(r.frame, std::optional<uint64_t>(frame)) << what << ": " << r.message;
}

TEST(Recording, ChangedFrameLocated) {
  for (size_t k : {0, 1, 15, 16, 30, 47, 48, 49}) {
    File f = File::parse(recording());
    Bytes& body = f.records[f.frame_record(k)].body;
    body[body.size() - 1 - k % 5] ^= 0x04;  // ciphertext or tag byte
    expect_problem(f, RecordingProblem::kChangedFrame, k, "changed");
    File g = File::parse(recording());
    g.records[g.frame_record(k)].body[4] ^= 0x01;  // metadata byte
    expect_problem(g, RecordingProblem::kChangedFrame, k, "changed metadata");
  }
}

TEST(Recording, DroppedFrameLocated) {
  for (size_t k : {0, 5, 15, 16, 31, 48, 49}) {
    File f = File::parse(recording());
    f.records.erase(f.records.begin() + static_cast<long>(f.frame_record(k)));
    expect_problem(f, RecordingProblem::kMissingFrame, k, "dropped");
  }
}

TEST(Recording, DuplicatedFrameLocated) {
  for (size_t k : {0, 7, 15, 16, 49}) {
    File f = File::parse(recording());
    size_t at = f.frame_record(k);
    f.records.insert(f.records.begin() + static_cast<long>(at) + 1, f.records[at]);
    expect_problem(f, RecordingProblem::kDuplicatedFrame, k + 1, "duplicated");
  }
}

TEST(Recording, ReorderedFramesLocated) {
  for (size_t k : {0, 3, 14, 16, 48}) {
    File f = File::parse(recording());
    std::swap(f.records[f.frame_record(k)], f.records[f.frame_record(k + 1)]);
    expect_problem(f, RecordingProblem::kReorderedFrame, k, "swapped");
  }
  // Swapped across a segment boundary (frames 15 and 16 live in segments 0 and 1).
  {
    File f = File::parse(recording());
    std::swap(f.records[f.frame_record(15)], f.records[f.frame_record(16)]);
    expect_problem(f, RecordingProblem::kReorderedFrame, 15, "swapped across segments");
  }
  {  // A frame of segment 0 copied into segment 2.
    File f = File::parse(recording());
    f.records[f.frame_record(40)] = f.records[f.frame_record(2)];
    expect_problem(f, RecordingProblem::kDuplicatedFrame, 40, "copied from another segment");
  }
  // A frame moved further back.
  File f = File::parse(recording());
  Record moved = f.records[f.frame_record(20)];
  f.records.erase(f.records.begin() + static_cast<long>(f.frame_record(20)));
  f.records.insert(f.records.begin() + static_cast<long>(f.frame_record(25)), moved);
  expect_problem(f, RecordingProblem::kReorderedFrame, 20, "moved");
}

TEST(Recording, ManifestTamperingDetected) {
  {  // Any bit of a manifest's signed body or signature.
    for (size_t pos : {8, 30, 40, 60, 100, 200, 700, 900}) {
      File f = File::parse(recording());
      Bytes& m = f.records[f.manifest_record(1)].body;
      ASSERT_LT(pos, m.size());
      m[pos] ^= 0x10;
      auto r = check(f.serialize());
      EXPECT_FALSE(r.ok()) << pos;
      EXPECT_EQ(r.frame, std::optional<uint64_t>(16)) << pos << ": " << r.message;
    }
    File f = File::parse(recording());
    f.records[f.manifest_record(2)].body.back() ^= 1;  // signature byte
    expect_problem(f, RecordingProblem::kBadSignature, 32, "signature");
  }
  {  // A whole segment (frames and manifest) dropped: the chain breaks at its first frame.
    File f = File::parse(recording());
    size_t first = f.frame_record(16), last = f.manifest_record(1);
    f.records.erase(f.records.begin() + static_cast<long>(first),
                    f.records.begin() + static_cast<long>(last) + 1);
    expect_problem(f, RecordingProblem::kBrokenChain, 16, "segment dropped");
  }
  {  // A manifest dropped: its frames run into the next segment.
    File f = File::parse(recording());
    f.records.erase(f.records.begin() + static_cast<long>(f.manifest_record(0)));
    expect_problem(f, RecordingProblem::kBrokenChain, 0, "manifest dropped");
  }
  {  // Truncated: the final manifest is gone.
    File f = File::parse(recording());
    f.records.pop_back();
    expect_problem(f, RecordingProblem::kExtraFrame, 48, "final manifest dropped");
    f.records.erase(f.records.end() - 2, f.records.end());  // and its two frames
    expect_problem(f, RecordingProblem::kTruncated, 48, "final segment dropped");
  }
  {  // Frames appended after the final manifest.
    File f = File::parse(recording());
    f.records.push_back(f.records[f.frame_record(3)]);
    auto r = check(f.serialize());
    EXPECT_EQ(r.problem, RecordingProblem::kExtraFrame) << r.message;
  }
}

TEST(Recording, CutAnywhereFails) {
  const Bytes& file = recording();
  for (size_t len = 0; len < file.size(); len += 97) {
    auto r = check(Bytes(file.begin(), file.begin() + static_cast<long>(len)));
    EXPECT_FALSE(r.ok()) << len;
  }
}

TEST(Recording, ManifestParserRejectsGarbage) {
  File f = File::parse(recording());
  const Bytes& m = f.records[f.manifest_record(0)].body;
  auto ok = parse_manifest(m);
  ASSERT_TRUE(ok.is_ok()) << ok.message();
  EXPECT_EQ(ok->frame_digests.size(), kPerSegment);
  EXPECT_EQ(ok->encode(), m);
  for (size_t len = 0; len < m.size(); len += 31)
    EXPECT_FALSE(parse_manifest(ByteSpan(m.data(), len)).is_ok());
  Bytes longer = m;
  longer.push_back(0);
  EXPECT_FALSE(parse_manifest(longer).is_ok());
}

}  // namespace
}  // namespace v100::media
