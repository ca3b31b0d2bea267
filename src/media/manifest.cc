#include "media/manifest.h"

#include <string_view>

#include "core/secure.h"

namespace v100::media {
namespace {

constexpr std::string_view kMagic = "V100MAN1";
constexpr uint8_t kFlagFinal = 1, kFlagTranscript = 2;

Digest sha256_parts(std::initializer_list<ByteSpan> parts) {
  Bytes buf;
  for (ByteSpan p : parts) buf.insert(buf.end(), p.begin(), p.end());
  return sha256(buf);
}

}  // namespace

Digest frame_digest(ByteSpan metadata, ByteSpan sframe) {
  uint8_t len[4];
  for (int i = 0; i < 4; ++i) len[i] = static_cast<uint8_t>(metadata.size() >> (8 * i));
  return sha256_parts({as_bytes("V100 rec frame"), ByteSpan(len, 4), metadata, sframe});
}

Digest transcript_leaf(const Digest& transcript_hash) {
  return sha256_parts({as_bytes("V100 rec transcript"), transcript_hash});
}

Bytes SegmentManifest::signed_body() const {
  ByteWriter w;
  w.bytes(as_bytes(kMagic));
  w.bytes(recording_id);
  w.u64(segment);
  w.u64(first_frame);
  w.u32(static_cast<uint32_t>(frame_digests.size()));
  w.u16(cipher_suite);
  w.u8(static_cast<uint8_t>((final ? kFlagFinal : 0) | (transcript_hash ? kFlagTranscript : 0)));
  w.bytes(prev_manifest);
  if (transcript_hash) w.bytes(*transcript_hash);
  w.blob(app_metadata);
  w.bytes(root);
  return w.take();
}

Bytes SegmentManifest::encode() const {
  ByteWriter w;
  w.bytes(signed_body());
  for (const Digest& d : frame_digests) w.bytes(d);
  w.bytes(signature);
  return w.take();
}

std::vector<Digest> SegmentManifest::leaves() const {
  std::vector<Digest> l = frame_digests;
  if (transcript_hash) l.push_back(transcript_leaf(*transcript_hash));
  return l;
}

Digest SegmentManifest::compute_root() const {
  return merkle_root(leaves());
}

Result<SegmentManifest> parse_manifest(ByteSpan encoded) {
  using R = Result<SegmentManifest>;
  ByteReader r(encoded);
  SegmentManifest m;
  ByteSpan magic, id, prev, root;
  uint32_t n = 0;
  uint8_t flags = 0;
  if (!r.bytes(kMagic.size(), magic) || !ct_equal(magic, as_bytes(kMagic)))
    return R::error("manifest: bad magic");
  if (!r.bytes(16, id) || !r.u64(m.segment) || !r.u64(m.first_frame) || !r.u32(n) || !r.u16(m.cipher_suite) ||
      !r.u8(flags) || !r.bytes(32, prev))
    return R::error("manifest: truncated header");
  if (n > kMaxFramesPerSegment) return R::error("manifest: too many frames");
  if ((flags & ~(kFlagFinal | kFlagTranscript)) != 0) return R::error("manifest: unknown flags");
  std::copy(id.begin(), id.end(), m.recording_id.begin());
  std::copy(prev.begin(), prev.end(), m.prev_manifest.begin());
  m.final = (flags & kFlagFinal) != 0;
  if ((flags & kFlagTranscript) != 0) {
    ByteSpan t;
    if (!r.bytes(32, t)) return R::error("manifest: truncated transcript hash");
    Digest d;
    std::copy(t.begin(), t.end(), d.begin());
    m.transcript_hash = d;
  }
  ByteSpan app;
  if (!r.blob(app, kMaxAppMetadata)) return R::error("manifest: bad app metadata");
  m.app_metadata.assign(app.begin(), app.end());
  if (!r.bytes(32, root)) return R::error("manifest: truncated root");
  std::copy(root.begin(), root.end(), m.root.begin());
  if (r.remaining() != static_cast<size_t>(n) * 32 + pq::mldsa::Signature65::kBytes)
    return R::error("manifest: wrong length for its frame count");
  m.frame_digests.resize(n);
  for (Digest& d : m.frame_digests) {
    ByteSpan b;
    if (!r.bytes(32, b)) return R::error("manifest: truncated digests");
    std::copy(b.begin(), b.end(), d.begin());
  }
  ByteSpan sig;
  if (!r.bytes(pq::mldsa::Signature65::kBytes, sig)) return R::error("manifest: truncated signature");
  m.signature.assign(sig.begin(), sig.end());
  return m;
}

Digest manifest_hash(ByteSpan encoded) {
  return sha256_parts({as_bytes("V100 manifest"), encoded});
}

void sign_manifest(SegmentManifest& m, const pq::mldsa::SecretKey65& sk) {
  m.root = m.compute_root();
  Bytes body = m.signed_body();
  auto sig = pq::mldsa::sign(sk, body, pq::mldsa::as_context(kManifestContext));
  m.signature.assign(sig.bytes().begin(), sig.bytes().end());
}

Status verify_manifest(const SegmentManifest& m, const pq::mldsa::PublicKey65& pk) {
  Status s =
      pq::mldsa::verify(pk, m.signed_body(), ByteSpan(m.signature), pq::mldsa::as_context(kManifestContext));
  if (!s) return Status::error("manifest: bad signature (" + s.message() + ")");
  if (!ct_equal(m.compute_root(), m.root))
    return Status::error("manifest: frame digests do not match the signed root");
  return Status::ok();
}

}  // namespace v100::media
