// The metadata-services part of `v100 demo` (issue #7): look-up, durations, billing and analytics
// on the running meeting, printed as the key holders see them, plus an SVG chart.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "meeting/client/client.h"
#include "meeting/server/server.h"

namespace v100::tools {

struct DemoMember {
  std::string name;
  meeting::client::Client* client = nullptr;
  uint64_t join_second = 0;  ///< relative to the meeting start
  uint64_t leave_second = 0;
  uint64_t audio_frames = 0;  ///< frames this member sent (drives its synthetic speaking time)
};

struct ServicesDemoResult {
  bool ok = false;
  /// Every number the services handled in plaintext on the clients (canaries for the audit).
  std::vector<uint64_t> canary_numbers;
};

/// Runs the services on a meeting whose members[0] is the host. `rate_cents` is the billing rate;
/// the chart goes to `report_dir`/speaking-time.svg. Prints as it goes.
ServicesDemoResult run_services_demo(meeting::server::Server& server, std::vector<DemoMember> members,
                                     uint64_t rate_cents, const std::string& report_dir);

/// Searches every file under `dir` (database, WAL, logs) for each number as decimal text (5+
/// digits) and as 32/64-bit little/big-endian words (values >= 2^24): shorter patterns occur in any
/// few megabytes of ciphertext by chance. Prints each hit; returns the count; `too_short` gets the
/// number of values with fewer than 5 decimal digits (not searched as text), `chance` the number of
/// matches expected by chance if the files were random bytes (sum of size / 256^length; about 0.02
/// for the demo's 4.8 MB: the 4-byte forms of 32-bit values can still turn up, rarely). Files named
/// in `skip` (a participant's own files: the recording and its WebM) are not the server's and are
/// not searched.
size_t number_canary_hits(const std::string& dir, const std::vector<uint64_t>& numbers, size_t& too_short,
                          double& chance, const std::set<std::string>& skip = {});

}  // namespace v100::tools
