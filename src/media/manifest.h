// Signed recording manifests: one per segment (batch) of recorded SFrame frames.
//
// Each recorded frame is its SFrame bytes plus the metadata it was authenticated with. Its digest
//   frame_digest = SHA-256("V100 rec frame" || len32(metadata) || metadata || sframe)
// is a leaf of the segment's Merkle tree (merkle.h); when the segment has a transcript, one more
// leaf follows the frames: SHA-256("V100 rec transcript" || transcript_hash). The recorder signs
// the segment header together with the root, with ML-DSA-65 (context "v100/recording-manifest"):
// one signature per batch of frames.
//
// The manifest also lists the frame digests themselves (32 bytes per frame). They are covered by the
// signature through the root, and they are what lets a verifier say *which* frame is wrong (changed,
// missing, duplicated, reordered) instead of only "the segment does not match".
//
// Segments chain: each manifest carries the SHA-256 of the previous manifest's encoding, and its
// segment index and first frame index, so dropping, swapping or replaying whole segments is
// detected; the last manifest is flagged final, so truncation is detected too.
//
// What the server can read in a manifest: counts, indices, the recording id and hashes. Anything
// else the application wants signed (titles, times) goes in `app_metadata`, which the SDK should
// encrypt under a meeting key first (the server must not learn timestamps; DESIGN.md §3.10).
//
// Encoding (little-endian, core/bytes.h ByteWriter):
//   "V100MAN1" | recording_id[16] | segment u64 | first_frame u64 | num_frames u32 | suite u16 |
//   flags u8 (1 = final, 2 = has transcript) | prev_manifest[32] | transcript_hash[32] (if flag 2) |
//   app_metadata blob (u32 len) | root[32]                            <- the signed body ends here
//   | frame digests (num_frames x 32) | signature (3309 bytes)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"
#include "media/merkle.h"
#include "pq/mldsa/mldsa.h"

namespace v100::media {

using RecordingId = std::array<uint8_t, 16>;

/// ML-DSA-65 signing context of manifests (FIPS 204 ctx).
inline constexpr const char* kManifestContext = "v100/recording-manifest";
/// Upper bounds a parser enforces on untrusted manifests.
inline constexpr uint32_t kMaxFramesPerSegment = 1u << 20;
inline constexpr uint32_t kMaxAppMetadata = 1u << 16;

/// Digest of one recorded frame (its SFrame bytes and authenticated metadata).
Digest frame_digest(ByteSpan metadata, ByteSpan sframe);
/// The transcript leaf for a transcript hash.
Digest transcript_leaf(const Digest& transcript_hash);

/// One segment's manifest.
struct SegmentManifest {
  RecordingId recording_id{};
  uint64_t segment = 0;
  uint64_t first_frame = 0;   ///< global index of the segment's first frame
  uint16_t cipher_suite = 5;  ///< SFrame suite of the frames (informational)
  bool final = false;         ///< last segment of the recording
  Digest prev_manifest{};     ///< manifest_hash() of the previous segment; zeros for segment 0
  std::optional<Digest> transcript_hash;
  Bytes app_metadata;  ///< opaque, signed (encrypt it before it reaches the server)
  Digest root{};       ///< Merkle root over frame digests (+ transcript leaf)
  std::vector<Digest> frame_digests;
  Bytes signature;  ///< ML-DSA-65 over signed_body()

  /// The bytes the signature covers (everything up to and including the root).
  Bytes signed_body() const;
  /// Full encoding (body, digests, signature).
  Bytes encode() const;
  /// Leaves of the segment's tree: frame digests, then the transcript leaf if any.
  std::vector<Digest> leaves() const;
  /// Recomputes `root` from frame_digests and transcript_hash.
  Digest compute_root() const;
};

/// Parses a manifest from untrusted bytes (structure only; no signature check). Errors: truncated,
/// bad magic, counts beyond the limits, trailing bytes.
Result<SegmentManifest> parse_manifest(ByteSpan encoded);

/// SHA-256 of a manifest's full encoding (what the next segment's prev_manifest holds).
Digest manifest_hash(ByteSpan encoded);

/// Fills `root` and `signature` of `m` (its other fields set by the caller).
void sign_manifest(SegmentManifest& m, const pq::mldsa::SecretKey65& sk);

/// Checks the signature and that `root` matches the listed digests. Error says which failed.
Status verify_manifest(const SegmentManifest& m, const pq::mldsa::PublicKey65& pk);

}  // namespace v100::media
