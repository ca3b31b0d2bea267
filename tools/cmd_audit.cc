// `v100 audit --data-dir DIR [--json]`: prints every kind of record the server stores, with
// counts, sizes and what each is, and every file in the data dir.
#include <cstdio>

#include "command.h"
#include "meeting/server/audit.h"

namespace v100::tools {
namespace {

int run_audit(const Args& args) {
  std::string dir = flag_value(args, "--data-dir");
  if (dir.empty()) {
    std::fprintf(stderr, "usage: v100 audit --data-dir DIR [--json]\n");
    return 2;
  }
  auto report = meeting::server::audit_report(dir, has_flag(args, "--json"));
  if (!report) {
    std::fprintf(stderr, "v100 audit: %s\n", report.message().c_str());
    return 1;
  }
  std::fputs(report->c_str(), stdout);
  return 0;
}

}  // namespace

V100_COMMAND("audit", "print everything the server stores: --data-dir DIR [--json]", run_audit);

}  // namespace v100::tools
