// `v100`: the command-line front of the V100 meeting backend.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>

#include "command.h"

namespace v100::tools {

std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> m;
  return m;
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
  if (std::any_of(words.begin(), words.end(),
                  [](const std::string& w) { return w == "--help" || w == "-h"; })) {
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
