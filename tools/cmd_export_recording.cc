// `v100 export-recording FILE --out OUT.webm [--key KEYFILE] [--pubkey PK] [--slot N] [--json]`:
// verifies a media recording (media/media_recording.h) against the recorder's ML-DSA-65 public key,
// decrypts it with the recording key and writes a WebM file (VP8 video and Opus audio tracks per
// sender, media/webm_export.h) that media players open. Prints the tracks, their frame counts and
// the duration (one JSON object with --json).
//
// Defaults: the key is FILE.key (hex, written by the recorder), the public key FILE.pub (raw or
// hex). Exit status 0 when exported; 1 when the recording does not verify (the first bad frame is
// named, as by verify-recording), cannot be decrypted with the key, or holds nothing exportable or
// a malformed frame; 2 on usage or I/O errors (unreadable or malformed key files, unwritable OUT).
#if __has_include("pq/mldsa/mldsa.h")

#include <cstdio>
#include <string>

#include "command.h"
#include "media/media_recording.h"
#include "media/webm_export.h"
#include "recording_files.h"

namespace v100::tools {
namespace {

const char* kind_name(media::MediaKind k) {
  switch (k) {
    case media::MediaKind::kVideo:
      return "video";
    case media::MediaKind::kScreen:
      return "screen";
    case media::MediaKind::kAudio:
      return "audio";
    default:
      return "other";
  }
}

std::optional<uint16_t> parse_slot(const std::string& s) {
  if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const unsigned long v = std::stoul(s);
  if (v > 0xFFFF) return std::nullopt;
  return static_cast<uint16_t>(v);
}

void print_export(const media::WebmExport& ex, const std::string& out, bool json) {
  if (json) {
    std::printf(
        "{\"ok\": true, \"out\": \"%s\", \"bytes\": %zu, \"duration_ms\": %.3f, \"frames_ignored\": %llu, "
        "\"frames_skipped\": %llu, \"tracks\": [",
        json_escape(out).c_str(), ex.webm.size(), ex.duration_ms,
        static_cast<unsigned long long>(ex.frames_ignored),
        static_cast<unsigned long long>(ex.frames_skipped));
    for (size_t i = 0; i < ex.tracks.size(); ++i) {
      const media::ExportedTrack& t = ex.tracks[i];
      std::printf(
          "%s{\"number\": %llu, \"slot\": %u, \"kind\": \"%s\", \"codec\": \"%s\", \"width\": %u, "
          "\"height\": %u, \"frames\": %llu, \"keyframes\": %llu, \"skipped\": %llu, \"start_ms\": %lld, "
          "\"duration_ms\": %.3f}",
          i ? ", " : "", static_cast<unsigned long long>(t.number), unsigned{t.slot}, kind_name(t.kind),
          t.codec_id.c_str(), t.width, t.height, static_cast<unsigned long long>(t.frames),
          static_cast<unsigned long long>(t.keyframes), static_cast<unsigned long long>(t.skipped),
          static_cast<long long>(t.start_ms), t.duration_ms);
    }
    std::printf("]}\n");
    return;
  }
  std::printf("wrote %s (%zu bytes): %zu tracks, %.3f s\n", out.c_str(), ex.webm.size(), ex.tracks.size(),
              ex.duration_ms / 1000.0);
  for (const media::ExportedTrack& t : ex.tracks) {
    std::printf("  track %llu: slot %u %-6s %-6s", static_cast<unsigned long long>(t.number),
                unsigned{t.slot}, kind_name(t.kind), t.codec_id.c_str());
    if (t.width) std::printf(" %ux%u", t.width, t.height);
    std::printf("  %llu frames (%llu key), starts %.3f s, lasts %.3f s",
                static_cast<unsigned long long>(t.frames), static_cast<unsigned long long>(t.keyframes),
                t.start_ms / 1000.0, t.duration_ms / 1000.0);
    if (t.skipped)
      std::printf(", %llu skipped before a key frame", static_cast<unsigned long long>(t.skipped));
    std::printf("\n");
  }
  if (ex.frames_ignored)
    std::printf("  %llu frames not exported (other kinds, codecs or slots)\n",
                static_cast<unsigned long long>(ex.frames_ignored));
}

int export_recording_cmd(const Args& args) {
  const std::string& file = args.positional()[0];
  media::ExportOptions opts;
  if (args.has("--slot")) {
    opts.slot = parse_slot(args.value("--slot"));
    if (!opts.slot) throw UsageError("--slot takes a sender slot number (0..65535)");
  }
  return export_recording(file, args.value("--out"), args.value("--key", file + ".key"),
                          args.value("--pubkey", file + ".pub"), opts, args.has("--json"));
}

}  // namespace

int export_recording(const std::string& file, const std::string& out, const std::string& key_path,
                     const std::string& pub_path, const media::ExportOptions& opts, bool json,
                     media::WebmExport* result) {
  auto pk = load_public_key(pub_path);
  if (!pk) {
    std::fprintf(stderr, "export-recording: %s\n", pk.message().c_str());
    return 2;
  }
  auto key = media::load_recording_key(key_path);
  if (!key) {
    std::fprintf(stderr, "export-recording: %s\n", key.message().c_str());
    return 2;
  }
  Bytes data;
  if (!read_file(file, data)) {
    std::fprintf(stderr, "export-recording: cannot read %s\n", file.c_str());
    return 2;
  }
  media::RecordingReport report;
  auto contents = media::open_media_recording(data, *pk, key->span(), &report);
  if (!report.ok()) {
    print_recording_report(report, json);
    return 1;
  }
  if (!contents) {
    if (json)
      std::printf("{\"ok\": false, \"message\": \"%s\"}\n", json_escape(contents.message()).c_str());
    else
      std::fprintf(stderr, "export-recording: %s\n", contents.message().c_str());
    return 1;
  }
  auto ex = media::export_webm(*contents, opts);
  if (!ex) {
    if (json)
      std::printf("{\"ok\": false, \"message\": \"%s\"}\n", json_escape(ex.message()).c_str());
    else
      std::fprintf(stderr, "export-recording: %s\n", ex.message().c_str());
    return 1;
  }
  if (!write_file(out, ex->webm)) {
    std::fprintf(stderr, "export-recording: cannot write %s\n", out.c_str());
    return 2;
  }
  print_export(*ex, out, json);
  if (result) *result = std::move(*ex);
  return 0;
}

V100_COMMAND("export-recording", "verify, decrypt and export a media recording to WebM: FILE --out OUT.webm",
             CommandSpec{
                 .usage = "v100 export-recording FILE --out OUT.webm [--key KEYFILE (default FILE.key)] "
                          "[--pubkey PK (default FILE.pub)] [--slot N] [--json]",
                 .options = {opt_required("--out"), opt_value("--key"), opt_value("--pubkey"),
                             opt_value("--slot"), opt_switch("--json")},
                 .positionals = 1},
             export_recording_cmd);

}  // namespace v100::tools

#endif  // pq/mldsa present
