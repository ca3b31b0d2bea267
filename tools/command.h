// Subcommand registry and option parser of the `v100` tool. Each cmd_*.cc registers itself with a
// static V100_COMMAND that declares its usage and every option it accepts; main.cc parses the
// command line against that declaration before the command runs, so an unknown option, a
// repeated option, an option missing its value or a stray positional argument is refused (usage
// on stderr, exit status 2) in one place for every command.
#pragma once

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
constexpr OptionSpec opt_value(const char* name) { return {name, true, false}; }
constexpr OptionSpec opt_required(const char* name) { return {name, true, true}; }
constexpr OptionSpec opt_switch(const char* name) { return {name, false, false}; }

/// What a command accepts: its usage text (printed on any command-line error), its options and
/// how many positional arguments it takes (exactly; most take none).
struct CommandSpec {
  std::string usage;
  std::vector<OptionSpec> options;
  size_t positionals = 0;
};

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
  /// following word that starts with "--" is not taken as its value), a value given to a switch (`--json=1`), a missing
  /// required option, or a number of positional arguments other than spec.positionals.
  static Args parse(const CommandSpec& spec, const std::vector<std::string>& argv);

  /// Value of a value-taking option, or `fallback` when absent. Throws std::logic_error when the
  /// command reads an option it did not declare (a bug in the command, caught by its first run).
  std::string value(std::string_view name, const std::string& fallback = "") const;
  /// Whether the option was given. Same std::logic_error rule as value().
  bool has(std::string_view name) const;
  /// The positional arguments, in order (exactly spec.positionals of them).
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const OptionSpec& declared(std::string_view name) const;
  std::vector<OptionSpec> spec_;
  std::map<std::string, std::string, std::less<>> given_;
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
