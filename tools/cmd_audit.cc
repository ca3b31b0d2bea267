// `v100 audit --data-dir DIR [--json]`: prints every kind of record the server stores, with
// counts, sizes and what each is, and every file in the data dir.
#include <cstdio>

#include "command.h"
#include "meeting/server/audit.h"

namespace v100::tools {
namespace {

int run_audit(const Args& args) {
  std::string dir = args.value("--data-dir");
  auto report = meeting::server::audit_report(dir, args.has("--json"));
  if (!report) {
    std::fprintf(stderr, "v100 audit: %s\n", report.message().c_str());
    return 1;
  }
  std::fputs(report->c_str(), stdout);
  return 0;
}

}  // namespace

V100_COMMAND("audit", "print everything the server stores: --data-dir DIR [--json]",
             CommandSpec{.usage = "v100 audit --data-dir DIR [--json]",
                         .options = {opt_required("--data-dir"), opt_switch("--json")}},
             run_audit);

}  // namespace v100::tools
