// `v100 verify-recording FILE --pubkey FILE [--json]`: checks a stored recording (media/recording.h)
// against the recorder's ML-DSA-65 public key and reports the first tampered, missing, duplicated
// or reordered frame. Exit status 0 if the recording verifies, 1 if not, 2 on usage or I/O errors.
// The public key file holds the 1952-byte encoding, raw or as hex text.
//
// `v100 record-demo OUT --pubkey-out FILE [--frames N] [--per-segment N]` writes a demo recording of
// SFrame frames signed with a fresh key (for trying verify-recording; the frames are random media).
#if __has_include("pq/mldsa/mldsa.h")

#include <cstdio>
#include <string>

#include "command.h"
#include "core/rng.h"
#include "media/recording.h"
#include "media/sframe_context.h"
#include "recording_files.h"

namespace v100::tools {

const char* problem_name(media::RecordingProblem p) {
  switch (p) {
    case media::RecordingProblem::kNone:
      return "ok";
    case media::RecordingProblem::kMalformed:
      return "malformed";
    case media::RecordingProblem::kBadSignature:
      return "bad_signature";
    case media::RecordingProblem::kBrokenChain:
      return "broken_chain";
    case media::RecordingProblem::kChangedFrame:
      return "changed_frame";
    case media::RecordingProblem::kMissingFrame:
      return "missing_frame";
    case media::RecordingProblem::kDuplicatedFrame:
      return "duplicated_frame";
    case media::RecordingProblem::kReorderedFrame:
      return "reordered_frame";
    case media::RecordingProblem::kExtraFrame:
      return "extra_frame";
    case media::RecordingProblem::kTruncated:
      return "truncated";
  }
  return "unknown";
}

void print_recording_report(const media::RecordingReport& r, bool json) {
  if (json) {
    std::printf(
        "{\"ok\": %s, \"problem\": \"%s\", \"frame\": %s, \"frames_verified\": %llu, "
        "\"segments_verified\": %llu, \"recording_id\": \"%s\", \"message\": \"%s\"}\n",
        r.ok() ? "true" : "false", problem_name(r.problem),
        r.frame ? std::to_string(*r.frame).c_str() : "null",
        static_cast<unsigned long long>(r.frames_verified),
        static_cast<unsigned long long>(r.segments_verified), to_hex(r.recording_id).c_str(),
        json_escape(r.message).c_str());
  } else {
    std::printf("recording %s: %s\n", to_hex(r.recording_id).c_str(), r.ok() ? "VERIFIED" : "FAILED");
    std::printf("  %s\n", r.message.c_str());
    if (!r.ok() && r.frame)
      std::printf("  first bad frame: %llu\n", static_cast<unsigned long long>(*r.frame));
  }
}

namespace {

namespace mldsa = v100::pq::mldsa;

int verify_recording_cmd(const Args& args) {
  const std::string& file = args.positional()[0];
  std::string pub = args.value("--pubkey");
  auto pk = load_public_key(pub);
  if (!pk) {
    std::fprintf(stderr, "verify-recording: %s\n", pk.message().c_str());
    return 2;
  }
  Bytes data;
  if (!read_file(file, data)) {
    std::fprintf(stderr, "verify-recording: cannot read %s\n", file.c_str());
    return 2;
  }
  media::RecordingReport r = media::verify_recording(data, *pk);
  print_recording_report(r, args.has("--json"));
  return r.ok() ? 0 : 1;
}

int record_demo_cmd(const Args& args) {
  const std::string& out = args.positional()[0];
  std::string pub_out = args.value("--pubkey-out");
  const unsigned long frames = std::stoul(args.value("--frames", "300"));
  media::RecordingOptions opts;
  opts.frames_per_segment = static_cast<uint32_t>(std::stoul(args.value("--per-segment", "64")));
  auto kp = mldsa::generate_key<mldsa::kMlDsa65>();
  SecretBytes epoch_secret = random_seed32();
  media::SenderContext tx(1);
  tx.set_epoch(1, epoch_secret.span());
  media::RecordingWriter w(kp.secret_key, opts);
  for (unsigned long i = 0; i < frames; ++i) {
    Bytes meta = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    auto f = tx.protect(meta, random_bytes(200 + (i % 7) * 150));
    if (!f) {
      std::fprintf(stderr, "record-demo: %s\n", f.message().c_str());
      return 1;
    }
    w.add_frame(meta, *f);
  }
  Bytes file = w.drain();
  Bytes rest = w.finish();
  file.insert(file.end(), rest.begin(), rest.end());
  if (!write_file(out, file) || !write_file(pub_out, kp.public_key.span())) {
    std::fprintf(stderr, "record-demo: cannot write output\n");
    return 2;
  }
  std::printf("wrote %s (%zu bytes, %lu frames) and public key %s\n", out.c_str(), file.size(), frames,
              pub_out.c_str());
  return 0;
}

}  // namespace

V100_COMMAND("verify-recording", "check a recording's signed manifests: FILE --pubkey FILE [--json]",
             CommandSpec{.usage = "v100 verify-recording FILE --pubkey FILE [--json]",
                         .options = {opt_required("--pubkey"), opt_switch("--json")},
                         .positionals = 1},
             verify_recording_cmd);
V100_COMMAND("record-demo", "write a demo signed recording: OUT --pubkey-out FILE [--frames N]",
             CommandSpec{
                 .usage = "v100 record-demo OUT --pubkey-out FILE [--frames N] [--per-segment N]",
                 .options = {opt_required("--pubkey-out"), opt_value("--frames"), opt_value("--per-segment")},
                 .positionals = 1},
             record_demo_cmd);

}  // namespace v100::tools

#endif  // pq/mldsa present
