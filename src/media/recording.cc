#include "media/recording.h"

#include <map>
#include <stdexcept>
#include <string_view>

#include "core/rng.h"
#include "core/secure.h"

namespace v100::media {
namespace {

constexpr std::string_view kFileMagic = "V100REC1";

std::string where(uint64_t segment, uint64_t frame) {
  return "segment " + std::to_string(segment) + ", frame " + std::to_string(frame);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writer

RecordingWriter::RecordingWriter(const pq::mldsa::SecretKey65& signing_key, RecordingOptions options)
    : sk_(signing_key.clone()), options_(options) {
  if (options_.frames_per_segment == 0 || options_.frames_per_segment > kMaxFramesPerSegment)
    throw std::invalid_argument("RecordingWriter: frames_per_segment out of range");
  if (options_.recording_id) {
    id_ = *options_.recording_id;
  } else {
    random_bytes(id_);
  }
  ByteWriter w;
  w.bytes(as_bytes(kFileMagic));
  w.bytes(id_);
  w.u16(static_cast<uint16_t>(options_.suite));
  out_ = w.take();
}

void RecordingWriter::write_record(uint8_t type, ByteSpan body) {
  ByteWriter w;
  w.u8(type);
  w.blob(body);
  Bytes rec = w.take();
  out_.insert(out_.end(), rec.begin(), rec.end());
}

void RecordingWriter::add_frame(ByteSpan metadata, ByteSpan sframe) {
  if (finished_) throw std::logic_error("RecordingWriter: already finished");
  if (metadata.size() + sframe.size() + 4 > kMaxRecordBytes)
    throw std::invalid_argument("RecordingWriter: frame too large");
  ByteWriter w;
  w.blob(metadata);
  w.bytes(sframe);
  write_record(kRecordFrame, w.buffer());
  pending_.push_back(frame_digest(metadata, sframe));
  ++next_frame_;
  if (pending_.size() >= options_.frames_per_segment) emit_manifest(false, std::nullopt, {});
}

void RecordingWriter::emit_manifest(bool final, std::optional<Digest> transcript_hash,
                                    ByteSpan app_metadata) {
  SegmentManifest m;
  m.recording_id = id_;
  m.segment = segment_;
  m.first_frame = segment_first_;
  m.cipher_suite = static_cast<uint16_t>(options_.suite);
  m.final = final;
  m.prev_manifest = prev_manifest_;
  m.transcript_hash = transcript_hash;
  m.app_metadata.assign(app_metadata.begin(), app_metadata.end());
  m.frame_digests = std::move(pending_);
  pending_.clear();
  sign_manifest(m, sk_);
  Bytes enc = m.encode();
  write_record(kRecordManifest, enc);
  prev_manifest_ = manifest_hash(enc);
  ++segment_;
  segment_first_ = next_frame_;
}

void RecordingWriter::close_segment(std::optional<Digest> transcript_hash, ByteSpan app_metadata) {
  if (finished_) throw std::logic_error("RecordingWriter: already finished");
  if (pending_.empty() && !transcript_hash) return;
  emit_manifest(false, transcript_hash, app_metadata);
}

Bytes RecordingWriter::finish(std::optional<Digest> transcript_hash, ByteSpan app_metadata) {
  if (finished_) throw std::logic_error("RecordingWriter: already finished");
  emit_manifest(true, transcript_hash, app_metadata);
  finished_ = true;
  return drain();
}

Bytes RecordingWriter::drain() {
  Bytes b = std::move(out_);
  out_.clear();
  return b;
}

// ---------------------------------------------------------------------------------------------
// Verifier

namespace {

RecordingReport fail(RecordingReport r, RecordingProblem p, std::optional<uint64_t> frame, std::string msg) {
  r.problem = p;
  r.frame = frame;
  r.message = std::move(msg);
  return r;
}

// Compares the stored frames of one segment with its signed digests; fills `r` with the first
// difference and how it looks (changed, missing, duplicated, reordered, extra).
// `signed_frames` maps every digest of every verified manifest of the file to its global index, so
// a frame that moved across a segment boundary is reported as moved rather than changed.
bool locate(RecordingReport& r, const SegmentManifest& m, const std::vector<Digest>& stored,
            const std::map<Digest, uint64_t>& signed_frames) {
  const std::vector<Digest>& want = m.frame_digests;
  const size_t n = want.size(), got = stored.size();
  size_t i = 0;
  while (i < n && i < got && ct_equal(stored[i], want[i])) ++i;
  if (i == n && i == got) return true;
  const uint64_t g = m.first_frame + i;
  auto index_in_want = [&](const Digest& d) -> std::optional<size_t> {
    for (size_t j = 0; j < n; ++j)
      if (ct_equal(d, want[j])) return j;
    return std::nullopt;
  };
  r.frame = g;
  r.frames_verified += i;
  if (i >= got) {
    r.problem = RecordingProblem::kMissingFrame;
    r.message = "frame " + std::to_string(g) + " missing (" + where(m.segment, g) +
                "): the segment ends after " + std::to_string(got) + " of " + std::to_string(n) +
                " signed frames";
    return false;
  }
  std::optional<size_t> j = index_in_want(stored[i]);
  if (i >= n) {
    r.problem = j ? RecordingProblem::kDuplicatedFrame : RecordingProblem::kExtraFrame;
    r.message =
        j ? "frame at position " + std::to_string(g) + " duplicates frame " +
                std::to_string(m.first_frame + *j) + " (" + where(m.segment, g) + ")"
          : "unsigned extra frame at position " + std::to_string(g) + " (" + where(m.segment, g) + ")";
    return false;
  }
  if (!j) {
    auto elsewhere = signed_frames.find(stored[i]);
    if (elsewhere != signed_frames.end()) {
      const uint64_t x = elsewhere->second;
      r.problem = x < g ? RecordingProblem::kDuplicatedFrame : RecordingProblem::kReorderedFrame;
      r.message = x < g ? "frame at position " + std::to_string(g) + " duplicates frame " +
                              std::to_string(x) + " (" + where(m.segment, g) + ")"
                        : "frame " + std::to_string(x) + " found at position " + std::to_string(g) + " (" +
                              where(m.segment, g) + "): frames reordered across segments";
      return false;
    }
    r.problem = RecordingProblem::kChangedFrame;
    r.message = "frame " + std::to_string(g) + " changed (" + where(m.segment, g) +
                "): its bytes do not match the signed digest";
  } else if (*j < i) {
    r.problem = RecordingProblem::kDuplicatedFrame;
    r.message = "frame at position " + std::to_string(g) + " duplicates frame " +
                std::to_string(m.first_frame + *j) + " (" + where(m.segment, g) + ")";
  } else if (*j == i + 1 && got < n) {
    r.problem = RecordingProblem::kMissingFrame;
    r.message = "frame " + std::to_string(g) + " missing (" + where(m.segment, g) + ")";
  } else {
    r.problem = RecordingProblem::kReorderedFrame;
    r.message = "frame " + std::to_string(m.first_frame + *j) + " found at position " + std::to_string(g) +
                " (" + where(m.segment, g) + "): frames reordered";
  }
  return false;
}

}  // namespace

RecordingReport verify_recording(ByteSpan file, const pq::mldsa::PublicKey65& pk) {
  RecordingReport r;
  ByteReader rd(file);
  ByteSpan magic, id;
  uint16_t suite = 0;
  if (!rd.bytes(kFileMagic.size(), magic) || !ct_equal(magic, as_bytes(kFileMagic)) || !rd.bytes(16, id) ||
      !rd.u16(suite))
    return fail(r, RecordingProblem::kMalformed, std::nullopt, "not a V100 recording (bad header)");
  std::copy(id.begin(), id.end(), r.recording_id.begin());

  // Pre-pass: the digests of every manifest that verifies, by global frame index (for locating
  // frames moved between segments), and each manifest's verification result (computed once).
  std::map<Digest, uint64_t> signed_frames;
  std::vector<Status> manifest_status;
  {
    ByteReader pre(file.subspan(rd.position()));
    uint8_t type = 0;
    ByteSpan body;
    while (pre.u8(type) && pre.blob(body, kMaxRecordBytes)) {
      if (type != kRecordManifest) continue;
      Result<SegmentManifest> m = parse_manifest(body);
      Status st = m ? verify_manifest(*m, pk) : m.status();
      if (st && m->cipher_suite != suite)
        st = Status::error("manifest: cipher suite differs from the file header");
      if (st)
        for (size_t j = 0; j < m->frame_digests.size(); ++j)
          signed_frames.emplace(m->frame_digests[j], m->first_frame + j);
      manifest_status.push_back(std::move(st));
    }
  }
  size_t manifest_no = 0;

  std::vector<Digest> stored;  // digests of the frames read since the last manifest
  uint64_t segment = 0, next_first = 0;
  Digest prev{};
  bool final_seen = false;
  while (!rd.at_end()) {
    uint8_t type = 0;
    ByteSpan body;
    if (!rd.u8(type) || !rd.blob(body, kMaxRecordBytes))
      return fail(r, RecordingProblem::kMalformed, next_first + stored.size(),
                  "truncated or oversized record after frame " + std::to_string(next_first + stored.size()));
    if (type == kRecordFrame) {
      ByteReader fr(body);
      ByteSpan meta;
      if (!fr.blob(meta, kMaxRecordBytes))
        return fail(r, RecordingProblem::kMalformed, next_first + stored.size(),
                    "malformed frame record at position " + std::to_string(next_first + stored.size()));
      ByteSpan sframe = body.subspan(fr.position());
      if (final_seen)
        return fail(r, RecordingProblem::kExtraFrame, next_first + stored.size(),
                    "frame after the final manifest (unsigned) at position " +
                        std::to_string(next_first + stored.size()));
      stored.push_back(frame_digest(meta, sframe));
      continue;
    }
    if (type != kRecordManifest)
      return fail(r, RecordingProblem::kMalformed, next_first + stored.size(),
                  "unknown record type " + std::to_string(type));
    if (final_seen)
      return fail(r, RecordingProblem::kBrokenChain, std::nullopt, "manifest after the final manifest");
    Result<SegmentManifest> mr = parse_manifest(body);
    if (!mr)
      return fail(r, RecordingProblem::kMalformed, next_first,
                  "segment " + std::to_string(segment) + ": " + mr.message());
    const SegmentManifest& m = *mr;
    Status vs = manifest_no < manifest_status.size() ? manifest_status[manifest_no] : verify_manifest(m, pk);
    ++manifest_no;
    if (!vs)
      return fail(r, RecordingProblem::kBadSignature, next_first,
                  "segment " + std::to_string(segment) + ": " + vs.message());
    // Chain checks: this must be the next segment of this recording, starting where the last ended.
    if (!ct_equal(m.recording_id, r.recording_id))
      return fail(r, RecordingProblem::kBrokenChain, next_first,
                  "segment " + std::to_string(segment) + ": manifest belongs to another recording");
    if (m.segment != segment || m.first_frame != next_first || !ct_equal(m.prev_manifest, prev))
      return fail(r, RecordingProblem::kBrokenChain, next_first,
                  "manifest for segment " + std::to_string(segment) + " (frames from " +
                      std::to_string(next_first) + ") missing or out of order: found segment " +
                      std::to_string(m.segment) + " starting at frame " + std::to_string(m.first_frame));
    if (!locate(r, m, stored, signed_frames)) return r;
    r.frames_verified += stored.size();
    ++r.segments_verified;
    stored.clear();
    prev = manifest_hash(body);
    next_first += m.frame_digests.size();
    ++segment;
    final_seen = m.final;
  }
  if (!stored.empty())
    return fail(r, RecordingProblem::kExtraFrame, next_first,
                std::to_string(stored.size()) + " frames from position " + std::to_string(next_first) +
                    " are not covered by any manifest");
  if (!final_seen)
    return fail(r, RecordingProblem::kTruncated, next_first,
                "recording truncated: no final manifest after segment " + std::to_string(segment) +
                    " (frame " + std::to_string(next_first) + ")");
  r.message = "ok: " + std::to_string(r.frames_verified) + " frames in " +
              std::to_string(r.segments_verified) + " signed segments";
  return r;
}

}  // namespace v100::media
