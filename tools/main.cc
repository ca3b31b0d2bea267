// `v100`: the command-line front of the V100 meeting backend.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "command.h"

namespace v100::tools {

std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> m;
  return m;
}

Args Args::parse(const CommandSpec& spec, const std::vector<std::string>& argv) {
  Args out;
  out.spec_ = spec.options;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.size() < 2 || word[0] != '-') {
      out.positional_.push_back(word);
      continue;
    }
    const size_t eq = word.find('=');
    const std::string name = word.substr(0, eq);
    auto it = std::find_if(spec.options.begin(), spec.options.end(),
                           [&](const OptionSpec& o) { return name == o.name; });
    if (it == spec.options.end()) throw UsageError("unknown option '" + name + "'");
    if (out.given_.count(name)) throw UsageError("option " + name + " given twice");
    std::string value;
    if (!it->takes_value) {
      if (eq != std::string::npos) throw UsageError("option " + name + " takes no value");
    } else if (eq != std::string::npos) {
      value = word.substr(eq + 1);
    } else if (i + 1 < argv.size() && argv[i + 1].rfind("--", 0) != 0) {
      value = argv[++i];
    } else {
      throw UsageError("option " + name + " needs a value");
    }
    if (it->takes_value && value.empty()) throw UsageError("option " + name + " needs a value");
    out.given_.emplace(name, std::move(value));
  }
  for (const OptionSpec& o : spec.options)
    if (o.required && !out.given_.count(o.name)) throw UsageError(std::string("option ") + o.name + " is required");
  if (out.positional_.size() != spec.positionals) {
    if (out.positional_.size() > spec.positionals)
      throw UsageError("unexpected argument '" + out.positional_[spec.positionals] + "'");
    throw UsageError("missing argument");
  }
  return out;
}

const OptionSpec& Args::declared(std::string_view name) const {
  for (const OptionSpec& o : spec_)
    if (name == o.name) return o;
  throw std::logic_error("command reads undeclared option " + std::string(name));
}

std::string Args::value(std::string_view name, const std::string& fallback) const {
  if (!declared(name).takes_value) throw std::logic_error("option " + std::string(name) + " is a switch");
  auto it = given_.find(name);
  return it == given_.end() ? fallback : it->second;
}

bool Args::has(std::string_view name) const {
  declared(name);
  return given_.count(name) != 0;
}

}  // namespace v100::tools

int main(int argc, char** argv) {
  using namespace v100::tools;
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help") {
    std::printf("usage: v100 COMMAND [options]   (v100 COMMAND --help for its options)\n\ncommands:\n");
    for (const auto& [name, cmd] : commands()) std::printf("  %-18s %s\n", name.c_str(), cmd.summary.c_str());
    return argc < 2 ? 2 : 0;
  }
  auto it = commands().find(argv[1]);
  if (it == commands().end()) {
    std::fprintf(stderr, "v100: unknown command '%s' (try: v100 help)\n", argv[1]);
    return 2;
  }
  const Command& cmd = it->second;
  std::vector<std::string> words(argv + 2, argv + argc);
  if (std::any_of(words.begin(), words.end(), [](const std::string& w) { return w == "--help" || w == "-h"; })) {
    std::printf("usage: %s\n", cmd.spec.usage.c_str());
    return 0;
  }
  try {
    return cmd.run(Args::parse(cmd.spec, words));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "v100 %s: %s\nusage: %s\n", argv[1], e.what(), cmd.spec.usage.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "v100 %s: %s\n", argv[1], e.what());
    return 1;
  }
}
