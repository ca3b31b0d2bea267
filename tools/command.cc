// The option parser of the `v100` tool (command.h): command lines and config files.
#include "command.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <set>

namespace v100::tools {

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

const OptionSpec* find_option(const CommandSpec& spec, std::string_view name) {
  auto it = std::find_if(spec.options.begin(), spec.options.end(),
                         [&](const OptionSpec& o) { return name == o.name; });
  return it == spec.options.end() ? nullptr : &*it;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot read config file " + path);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

}  // namespace

std::vector<ConfigEntry> parse_config(std::string_view text, const std::string& file_name) {
  std::vector<ConfigEntry> out;
  std::map<std::string, size_t, std::less<>> seen;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    const std::string_view line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const std::string at = file_name + ":" + std::to_string(line_no) + ": ";
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) throw UsageError(at + "expected 'key = value'");
    const std::string key(trim(line.substr(0, eq)));
    std::string_view value = trim(line.substr(eq + 1));
    if (key.empty()) throw UsageError(at + "missing key before '='");
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    else if (value.find('"') != std::string_view::npos)
      throw UsageError(at + key + ": unbalanced quote");
    if (value.empty()) throw UsageError(at + key + ": empty value");
    if (auto [it, fresh] = seen.emplace(key, line_no); !fresh)
      throw UsageError(at + key + " given twice (also on line " + std::to_string(it->second) + ")");
    out.push_back({key, std::string(value), line_no});
  }
  return out;
}

Args Args::parse(const CommandSpec& spec, const std::vector<std::string>& argv) {
  Args out;
  out.spec_ = spec.options;
  CommandSpec effective = spec;  // with --config when the command takes one
  if (spec.config_file) effective.options.push_back(opt_value("--config"));
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.size() < 2 || word[0] != '-') {
      out.positional_.push_back(word);
      continue;
    }
    const size_t eq = word.find('=');
    const std::string name = word.substr(0, eq);
    const OptionSpec* opt = find_option(effective, name);
    if (!opt) throw UsageError("unknown option '" + name + "'");
    if (out.given_.count(name)) throw UsageError("option " + name + " given twice");
    std::string value;
    if (!opt->takes_value) {
      if (eq != std::string::npos) throw UsageError("option " + name + " takes no value");
    } else if (eq != std::string::npos) {
      value = word.substr(eq + 1);
    } else if (i + 1 < argv.size() && argv[i + 1].rfind("--", 0) != 0) {
      value = argv[++i];
    } else {
      throw UsageError("option " + name + " needs a value");
    }
    if (opt->takes_value && value.empty()) throw UsageError("option " + name + " needs a value");
    out.given_.emplace(name, std::move(value));
  }
  if (auto cfg = out.given_.find("--config"); cfg != out.given_.end()) {
    const std::string file = cfg->second;
    out.given_.erase(cfg);
    for (const ConfigEntry& e : parse_config(read_file(file), file)) {
      const std::string at = file + ":" + std::to_string(e.line) + ": ";
      const std::string name = "--" + e.key;
      const OptionSpec* opt = e.key == "config" ? nullptr : find_option(spec, name);
      if (!opt) throw UsageError(at + "unknown key '" + e.key + "'");
      if (out.given_.count(name)) continue;  // the command line wins
      if (!opt->takes_value) {
        if (e.value != "true" && e.value != "false")
          throw UsageError(at + e.key + ": expected true or false");
        if (e.value == "false") continue;
      }
      out.given_.emplace(name, opt->takes_value ? e.value : std::string());
      out.origin_.emplace(name, at + e.key);
    }
  }
  for (const OptionSpec& o : spec.options)
    if (o.required && !out.given_.count(o.name))
      throw UsageError(std::string("option ") + o.name + " is required");
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

std::string Args::where(std::string_view name) const {
  auto it = origin_.find(name);
  return it == origin_.end() ? std::string(name) : it->second;
}

uint64_t Args::uint_value(std::string_view name, uint64_t fallback, uint64_t min, uint64_t max) const {
  if (!has(name)) return fallback;
  const std::string v = value(name);
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size())
    throw UsageError(where(name) + ": '" + v + "' is not a non-negative integer");
  if (n < min || n > max)
    throw UsageError(where(name) + ": " + v + " is out of range (" + std::to_string(min) + ".." +
                     std::to_string(max) + ")");
  return n;
}

}  // namespace v100::tools
