// Subcommand registry for the `v100` tool. Each cmd_*.cc registers itself with a static
// V100_COMMAND so that adding a command touches no shared file.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace v100::tools {

using Args = std::vector<std::string>;

struct Command {
  std::string summary;
  std::function<int(const Args&)> run;
};

std::map<std::string, Command>& commands();

struct Registrar {
  Registrar(const char* name, const char* summary, std::function<int(const Args&)> fn) {
    commands()[name] = Command{summary, std::move(fn)};
  }
};

/// Value of `--flag VALUE` or `--flag=VALUE` in args, or `fallback`.
std::string flag_value(const Args& args, const std::string& flag, const std::string& fallback = "");
/// Whether `--flag` is present.
bool has_flag(const Args& args, const std::string& flag);

}  // namespace v100::tools

#define V100_CONCAT_(a, b) a##b
#define V100_CONCAT(a, b) V100_CONCAT_(a, b)
#define V100_COMMAND(name, summary, fn) \
  static ::v100::tools::Registrar V100_CONCAT(v100_cmd_, __LINE__)(name, summary, fn)
