// The one shared reader for official test vectors in ../shared/vectors (NIST ACVP, RFC 9605,
// X-Wing draft). Tests load JSON through here so a missing or renamed file fails loudly.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/bytes.h"

namespace v100::testing {

/// Parses `V100_VECTORS_DIR/relative_path` as JSON; throws std::runtime_error if missing/invalid.
inline nlohmann::json load_vectors(const std::string& relative_path) {
  std::string path = std::string(V100_VECTORS_DIR) + "/" + relative_path;
  std::ifstream f(path);
  if (!f) throw std::runtime_error("test vectors not found: " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return nlohmann::json::parse(ss.str());
}

/// Hex field of a JSON object as bytes; throws if absent or malformed.
inline Bytes hex_field(const nlohmann::json& obj, const char* key) {
  auto r = from_hex(obj.at(key).get<std::string>());
  if (!r.is_ok()) throw std::runtime_error(std::string("bad hex in field ") + key);
  return std::move(r).value();
}

}  // namespace v100::testing
