// The server's log. By policy it never carries a network address, a meeting handle, a slot
// token, a name or a time of day: lines have no timestamps, and call sites log only event kinds
// and counts. Output goes to stderr and, when a data dir is in use, to <data-dir>/server.log.
#pragma once

#include <string>

namespace v100::meeting::server {

/// Severity of a log line.
enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

/// Sets the most verbose level written (default kInfo). Thread-safe.
void set_log_level(LogLevel level);
/// Also append log lines to `path` (empty: stop). Thread-safe.
void set_log_file(const std::string& path);
/// Silences stderr output (tests). Thread-safe.
void set_log_stderr(bool enabled);

/// printf-style log line. Callers pass only event kinds and counts (see the policy above).
void log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

}  // namespace v100::meeting::server
