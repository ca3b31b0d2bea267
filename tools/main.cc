// `v100`: the command-line front of the V100 meeting backend.
#include <cstdio>
#include <exception>

#include "command.h"

namespace v100::tools {

std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> m;
  return m;
}

std::string flag_value(const Args& args, const std::string& flag, const std::string& fallback) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind(flag + "=", 0) == 0) return args[i].substr(flag.size() + 1);
  }
  return fallback;
}

bool has_flag(const Args& args, const std::string& flag) {
  for (const auto& a : args)
    if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
  return false;
}

}  // namespace v100::tools

int main(int argc, char** argv) {
  using namespace v100::tools;
  if (argc < 2 || std::string(argv[1]) == "help" || std::string(argv[1]) == "--help") {
    std::printf("usage: v100 COMMAND [options]\n\ncommands:\n");
    for (const auto& [name, cmd] : commands()) std::printf("  %-18s %s\n", name.c_str(), cmd.summary.c_str());
    return argc < 2 ? 2 : 0;
  }
  auto it = commands().find(argv[1]);
  if (it == commands().end()) {
    std::fprintf(stderr, "v100: unknown command '%s' (try: v100 help)\n", argv[1]);
    return 2;
  }
  Args args(argv + 2, argv + argc);
  try {
    return it->second.run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "v100 %s: %s\n", argv[1], e.what());
    return 1;
  }
}
