// Helpers shared by the recording commands (verify-recording, export-recording, demo, join):
// whole-file reads and writes, the recorder's ML-DSA-65 public key (raw or hex text), and the
// verification report as verify-recording prints it.
#pragma once

#include <cctype>
#include <fstream>
#include <iterator>
#include <string>

#include "core/bytes.h"
#include "core/status.h"
#include "media/recording.h"
#include "media/webm_export.h"
#include "pq/mldsa/mldsa.h"

namespace v100::tools {

inline bool read_file(const std::string& path, Bytes& out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return true;
}

inline bool write_file(const std::string& path, ByteSpan data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return static_cast<bool>(f);
}

/// The 1952-byte public key at `path`, raw or as hex text (whitespace ignored).
inline Result<pq::mldsa::PublicKey65> load_public_key(const std::string& path) {
  Bytes raw;
  if (!read_file(path, raw)) return Result<pq::mldsa::PublicKey65>::error("cannot read " + path);
  if (raw.size() != pq::mldsa::PublicKey65::kBytes) {
    std::string hex;
    for (uint8_t c : raw)
      if (!std::isspace(c)) hex.push_back(static_cast<char>(c));
    auto decoded = from_hex(hex);
    if (!decoded)
      return Result<pq::mldsa::PublicKey65>::error(path + ": neither a raw nor a hex ML-DSA-65 public key");
    raw = std::move(*decoded);
  }
  return pq::mldsa::PublicKey65::parse(raw);
}

/// JSON string body of `s` (quotes, backslashes and control characters escaped).
inline std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o.push_back('\\');
      o.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static const char kHex[] = "0123456789abcdef";
      o += "\\u00";
      o.push_back(kHex[(c >> 4) & 0xf]);
      o.push_back(kHex[c & 0xf]);
    } else {
      o.push_back(c);
    }
  }
  return o;
}

/// Short name of a verification problem ("changed_frame", ...), as in verify-recording --json.
const char* problem_name(media::RecordingProblem p);
/// Prints a verification report the way verify-recording does (text, or one JSON object).
void print_recording_report(const media::RecordingReport& r, bool json);

/// What `v100 export-recording` does (cmd_export_recording.cc): verifies `file` against the public
/// key at `pub_path`, decrypts it with the key at `key_path`, writes the WebM to `out` and prints
/// its tracks (one JSON object with `json`). Returns the command's exit status (0 exported; 1 the
/// recording does not verify, decrypt or export; 2 unreadable or malformed files, unwritable out);
/// on 0 fills `result` if given.
int export_recording(const std::string& file, const std::string& out, const std::string& key_path,
                     const std::string& pub_path, const media::ExportOptions& opts, bool json,
                     media::WebmExport* result = nullptr);

}  // namespace v100::tools
