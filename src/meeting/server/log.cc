#include "meeting/server/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <mutex>

namespace v100::meeting::server {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_stderr{true};
std::mutex g_mu;
FILE* g_file = nullptr;

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "?";
}

}  // namespace

void set_log_level(LogLevel level) {
  g_level = static_cast<int>(level);
}

void set_log_stderr(bool enabled) {
  g_stderr = enabled;
}

void set_log_file(const std::string& path) {
  std::lock_guard lock(g_mu);
  if (g_file) std::fclose(g_file);
  g_file = path.empty() ? nullptr : std::fopen(path.c_str(), "a");
}

void log(LogLevel level, const char* fmt, ...) {
  if (static_cast<int>(level) > g_level.load()) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  std::lock_guard lock(g_mu);
  if (g_stderr) std::fprintf(stderr, "[v100 %s] %s\n", level_name(level), line);
  if (g_file) {
    std::fprintf(g_file, "[%s] %s\n", level_name(level), line);
    std::fflush(g_file);
  }
}

}  // namespace v100::meeting::server
