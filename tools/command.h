// Subcommand registry and option parser of the `v100` tool. Each cmd_*.cc registers itself with a
// static V100_COMMAND that declares its usage and every option it accepts; main.cc parses the
// command line against that declaration before the command runs, so an unknown option, a
// repeated option, an option missing its value or a stray positional argument is refused (usage
// on stderr, exit status 2) in one place for every command.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace v100::tools {

/// One option: `--name VALUE` / `--name=VALUE` when it takes a value, a bare `--name` otherwise.
struct OptionSpec {
  const char* name;
  bool takes_value;
  bool required;
};
constexpr OptionSpec opt_value(const char* name) {
  return {name, true, false};
}
constexpr OptionSpec opt_required(const char* name) {
  return {name, true, true};
}
constexpr OptionSpec opt_switch(const char* name) {
  return {name, false, false};
}

/// What a command accepts: its usage text (printed on any command-line error), its options and
/// how many positional arguments it takes (exactly; most take none). With `config_file`, the
/// command also takes `--config FILE`, in which every other option is a key (see parse_config).
struct CommandSpec {
  std::string usage;
  std::vector<OptionSpec> options;
  size_t positionals = 0;
  bool config_file = false;
};

/// One `key = value` line of a config file.
struct ConfigEntry {
  std::string key, value;
  size_t line = 0;
};

/// Parses a config file's text: one `key = value` per line, blank lines and lines starting with
/// `#` ignored, whitespace around key and value trimmed, a value may be wrapped in double quotes
/// (kept verbatim inside, so it may hold `#` or spaces). Keys are option names without the
/// leading `--`. Throws UsageError "FILE:LINE: ..." for a line without `=`, an empty key or value,
/// or a key given twice. Does not check keys against a command (Args::parse does).
std::vector<ConfigEntry> parse_config(std::string_view text, const std::string& file_name);

/// A command-line mistake. Thrown by Args::parse and by commands for a rule the spec cannot
/// express (e.g. "--pin or --insecure"); main prints the message and the usage, exits with 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A command line checked against a CommandSpec.
class Args {
 public:
  /// Parses `argv` (the words after the command name). Throws UsageError on an option not in
  /// `spec`, an option given twice, a value-taking option without a value or with an empty one (a
  /// following word that starts with "--" is not taken as its value), a value given to a switch (`--json=1`),
  /// a missing required option, or a number of positional arguments other than spec.positionals.
  ///
  /// With spec.config_file and `--config FILE`: FILE is read (parse_config) and each key fills the
  /// option of that name unless the command line gave it (the command line wins). A key that is
  /// not an option of the command, `config` itself, or a switch whose value is not `true`/`false`
  /// is a UsageError naming FILE:LINE. Required options may come from the file.
  static Args parse(const CommandSpec& spec, const std::vector<std::string>& argv);

  /// Value of a value-taking option, or `fallback` when absent. Throws std::logic_error when the
  /// command reads an option it did not declare (a bug in the command, caught by its first run).
  std::string value(std::string_view name, const std::string& fallback = "") const;
  /// Whether the option was given. Same std::logic_error rule as value().
  bool has(std::string_view name) const;
  /// An unsigned integer option in [min, max], or `fallback` when absent. Throws UsageError naming
  /// where the value came from (the option, or FILE:LINE of its config key) when it is not one.
  uint64_t uint_value(std::string_view name, uint64_t fallback, uint64_t min = 0,
                      uint64_t max = UINT64_MAX) const;
  /// Where an option's value came from: "--name", or "FILE:LINE: name" for a config key.
  std::string where(std::string_view name) const;
  /// The positional arguments, in order (exactly spec.positionals of them).
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const OptionSpec& declared(std::string_view name) const;
  std::vector<OptionSpec> spec_;
  std::map<std::string, std::string, std::less<>> given_;
  std::map<std::string, std::string, std::less<>> origin_;  // config keys: "FILE:LINE: key"
  std::vector<std::string> positional_;
};

struct Command {
  std::string summary;
  CommandSpec spec;
  std::function<int(const Args&)> run;
};

std::map<std::string, Command>& commands();

struct Registrar {
  Registrar(const char* name, const char* summary, CommandSpec spec, std::function<int(const Args&)> fn) {
    commands()[name] = Command{summary, std::move(spec), std::move(fn)};
  }
};

}  // namespace v100::tools

#define V100_CONCAT_(a, b) a##b
#define V100_CONCAT(a, b) V100_CONCAT_(a, b)
/// Registers a command: V100_COMMAND("name", "one-line summary", CommandSpec{...}, run_fn).
/// Variadic because the braced CommandSpec holds commas.
#define V100_COMMAND(name, summary, ...) \
  static ::v100::tools::Registrar V100_CONCAT(v100_cmd_, __LINE__)(name, summary, __VA_ARGS__)
