#include "meeting/server/audit.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "meeting/store/store.h"

namespace v100::meeting::server {
namespace {

namespace fs = std::filesystem;

std::string describe_file(const std::string& name) {
  if (name == store::kDatabaseFile) return "SQLite database holding the records above";
  if (name == std::string(store::kDatabaseFile) + "-wal")
    return "SQLite write-ahead log (same records, not yet checkpointed)";
  if (name == std::string(store::kDatabaseFile) + "-shm") return "SQLite WAL index (page numbers only)";
  if (name == "cert.pem") return "server TLS certificate (public; fixed validity dates)";
  if (name == "key.pem") return "server TLS private key (authenticates the server; opens no user data)";
  if (name == "server.log") return "server log: event kinds and counts; no addresses, handles or times";
  return "not written by the V100 server";
}

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o.push_back('\\');
    o.push_back(c);
  }
  return o + "\"";
}

}  // namespace

Result<std::string> audit_report(const std::string& data_dir, bool json) {
  std::error_code ec;
  if (!fs::exists(fs::path(data_dir) / store::kDatabaseFile, ec))
    return Result<std::string>::error("audit: no V100 database in " + data_dir);
  auto st = store::open_sqlite_store(data_dir);
  if (!st) return st.status();
  auto lines = (*st)->audit();
  if (!lines) return lines.status();
  st->reset();  // close (checkpoint) before listing file sizes

  struct FileLine {
    std::string name, what;
    uintmax_t size;
  };
  std::vector<FileLine> files;
  for (const auto& e : fs::directory_iterator(data_dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::string n = e.path().filename().string();
    files.push_back({n, describe_file(n), e.file_size(ec)});
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });

  std::string out;
  char buf[512];
  if (json) {
    out = "{\"schema_version\": " + std::to_string(store::kSchemaVersion) + ", \"records\": [";
    for (size_t i = 0; i < lines->size(); ++i) {
      const auto& l = (*lines)[i];
      out += (i ? ", " : "") + std::string("{\"kind\": ") + json_str(l.kind) +
             ", \"count\": " + std::to_string(l.count) + ", \"bytes\": " + std::to_string(l.bytes) +
             ", \"what\": " + json_str(l.what) + "}";
    }
    out += "], \"files\": [";
    for (size_t i = 0; i < files.size(); ++i)
      out += (i ? ", " : "") + std::string("{\"name\": ") + json_str(files[i].name) +
             ", \"bytes\": " + std::to_string(files[i].size) + ", \"what\": " + json_str(files[i].what) + "}";
    out += "]}\n";
    return out;
  }
  out =
      "V100 audit: everything this server stores (schema v" + std::to_string(store::kSchemaVersion) + ")\n\n";
  std::snprintf(buf, sizeof(buf), "%-20s %8s %12s  %s\n", "record kind", "count", "bytes", "what it is");
  out += buf;
  for (const auto& l : *lines) {
    std::snprintf(buf, sizeof(buf), "%-20s %8llu %12llu  %s\n", l.kind.c_str(),
                  static_cast<unsigned long long>(l.count), static_cast<unsigned long long>(l.bytes),
                  l.what.c_str());
    out += buf;
  }
  out += "\nfiles in the data dir:\n";
  for (const auto& f : files) {
    std::snprintf(buf, sizeof(buf), "  %-20s %12llu  %s\n", f.name.c_str(),
                  static_cast<unsigned long long>(f.size), f.what.c_str());
    out += buf;
  }
  out +=
      "\nNot stored anywhere: names, meeting titles, user identities, IP addresses, timestamps,\n"
      "durations, rates or amounts. Payloads are opaque ciphertexts; the server holds no key to them.\n";
  return out;
}

}  // namespace v100::meeting::server
