// See demo_services.h. (Named cmd_* so the tool's source glob picks it up; it registers no command.)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "demo_services.h"
#include "hash/sha3.h"
#include "meeting/services/services.h"
#include "services/chart.h"
#include "services/ledger.h"

namespace v100::tools {

namespace ms = v100::meeting::services;
namespace svc = v100::services;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// A member's attention curve over 10 intervals: deterministic from its name (a stand-in for a
// client-side attention model), in [0.35, 1].
std::vector<double> attention_of(const std::string& name) {
  hash::Shake256 x;
  x.absorb(as_bytes(name));
  uint8_t b[10];
  x.squeeze({b, 10});
  std::vector<double> v(10);
  for (size_t i = 0; i < v.size(); ++i) v[i] = 0.35 + 0.65 * (b[i] / 255.0);
  return v;
}

std::string month_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}

}  // namespace

ServicesDemoResult run_services_demo(meeting::server::Server& server, std::vector<DemoMember> members,
                                     uint64_t rate_cents, const std::string& report_dir) {
  ServicesDemoResult out;
  if (members.size() < 2) return out;
  std::printf(
      "\n---- metadata services (computed by the server on ciphertexts; decrypted by key holders) ----\n");
  auto& host = *members[0].client;

  // Directory look-up: the second member looks for everyone, and for a stranger.
  auto t = Clock::now();
  ms::MetadataClient seeker(*members[1].client);
  size_t found_right = 0;
  for (const auto& m : members) {
    auto r = seeker.lookup(m.client->identity().user_id());
    if (r.is_ok() && r->has_value() && **r == *m.client->slot()) ++found_right;
  }
  auto stranger = meeting::client::Identity::generate();
  auto none = seeker.lookup(stranger.user_id());
  bool stranger_absent = none.is_ok() && !none->has_value();
  double lookup_ms = ms_since(t) / static_cast<double>(members.size() + 1);
  std::printf(
      "look-up  %s looked up %zu members by identity: %zu found at the right slot; a stranger: %s (%.1f ms "
      "per look-up round trip)\n",
      members[1].name.c_str(), members.size(), found_right, stranger_absent ? "absent" : "FOUND (wrong)",
      lookup_ms);

  // Durations and analytics reports from every member.
  t = Clock::now();
  std::vector<uint16_t> slots;
  bool reports_ok = true;
  for (const auto& m : members) {
    ms::MetadataClient mc(*m.client);
    uint64_t speaking = m.audio_frames / 50 / (1 + (m.name.size() % 4));  // synthetic: a share of air time
    for (Status st : {mc.report_join(m.join_second), mc.report_leave(m.leave_second),
                      mc.report_attention(attention_of(m.name)), mc.report_speaking(speaking)}) {
      if (st.is_ok()) continue;
      std::printf("reports  %s: a report FAILED: %s\n", m.name.c_str(), st.message().c_str());
      reports_ok = false;
    }
    slots.push_back(*m.client->slot());
    out.canary_numbers.push_back(m.leave_second - m.join_second);
  }
  std::printf(
      "reports  %zu members uploaded encrypted join/leave times, attention and speaking time (%.0f ms)\n",
      members.size(), ms_since(t));

  // The host decrypts durations and the report.
  ms::MetadataClient hostc(host);
  auto durs = hostc.fetch_durations(slots);
  auto report = hostc.fetch_report(10, slots);
  if (!durs.is_ok() || !report.is_ok()) {
    std::printf("services FAILED: %s %s\n", durs.message().c_str(), report.message().c_str());
    return out;
  }
  uint64_t model_total = 0;
  bool durations_right = true;
  std::printf("host     durations (decrypted):");
  for (const auto& m : members) {
    uint64_t want = m.leave_second - m.join_second;
    model_total += want;
    auto it = durs->seconds.find(*m.client->slot());
    durations_right = durations_right && it != durs->seconds.end() && it->second == want;
    std::printf(" %s %llus", m.name.c_str(), static_cast<unsigned long long>(want));
  }
  durations_right = durations_right && durs->total_seconds == model_total;
  std::printf("; total %llu s %s\n", static_cast<unsigned long long>(durs->total_seconds),
              durations_right ? "(matches the clients' own times)" : "(MISMATCH)");
  std::printf("host     mean attention %.3f over %zu members; speaking time per bucket:",
              report->overall_attention, report->members);
  for (size_t b = 0; b < svc::kSpeakingBuckets; ++b)
    if (report->speaking.histogram[b])
      std::printf(" %s:%llu", svc::speaking_bucket_label(b).c_str(),
                  static_cast<unsigned long long>(report->speaking.histogram[b]));
  std::printf("\nhost     speaking share:");
  for (const auto& m : members)
    std::printf(" %s %.0f%%", m.name.c_str(), 100.0 * report->speaking_share[*m.client->slot()]);
  std::printf("\n");
  std::filesystem::create_directories(report_dir);
  std::string chart = (std::filesystem::path(report_dir) / "speaking-time.svg").string();
  std::ofstream(chart) << svc::speaking_chart_svg(report->speaking);
  std::printf("host     chart of the speaking-time distribution: %s\n", chart.c_str());

  // Billing: the paying organisation's account, the host folds the meeting in, the owner decrypts.
  t = Clock::now();
  auto account = ms::BillingAccount::create();
  meeting::client::ClientOptions co;
  co.transport.port = server.port();
  co.transport.pin_sha256 = server.fingerprint();
  auto owner = meeting::client::Client::connect(
      std::make_shared<const meeting::client::Identity>(meeting::client::Identity::generate()), co);
  if (!owner.is_ok()) return out;
  std::string month = month_now();
  uint64_t minutes = svc::billable_minutes(durs->total_seconds);
  bool billed = account.register_account(**owner, rate_cents).is_ok() &&
                ms::bill_meeting(host, account.card(), month, minutes).is_ok();
  auto bill = account.fetch_bill(**owner, month);
  bool bill_right = billed && bill.is_ok() && *bill == minutes * rate_cents;
  std::printf(
      "billing  %llu billable minutes x rate %llu cents/min (both encrypted) folded into the account's %s "
      "bill;\n"
      "         the account owner decrypts %llu.%02llu: %s (%.0f ms)\n",
      static_cast<unsigned long long>(minutes), static_cast<unsigned long long>(rate_cents), month.c_str(),
      static_cast<unsigned long long>(bill.is_ok() ? *bill / 100 : 0),
      static_cast<unsigned long long>(bill.is_ok() ? *bill % 100 : 0), bill_right ? "exact" : "WRONG",
      ms_since(t));
  out.canary_numbers.push_back(rate_cents);
  out.canary_numbers.push_back(minutes);
  out.canary_numbers.push_back(durs->total_seconds);
  if (bill.is_ok()) out.canary_numbers.push_back(*bill);
  (*owner)->disconnect();
  out.ok = found_right == members.size() && stranger_absent && reports_ok && durations_right && bill_right;
  return out;
}

size_t number_canary_hits(const std::string& dir, const std::vector<uint64_t>& numbers, size_t& too_short,
                          double& chance, const std::set<std::string>& skip) {
  // Only patterns that cannot turn up by chance are searched: a k-byte pattern occurs about
  // size / 2^(8k) times in megabytes of ciphertext (4.8 MB: 0.3 expected hits for 3 bytes, so a
  // 3-digit duration was "found" in about one demo in four). Decimal text needs 5+ digits (40
  // bits); binary forms need a value >= 2^24 (4+ significant bytes). Shorter values are counted
  // and reported, not searched.
  too_short = 0;
  chance = 0;
  std::vector<std::pair<std::string, Bytes>> pats;
  for (uint64_t v : numbers) {
    std::string dec = std::to_string(v);
    if (dec.size() < 5) ++too_short;
    if (dec.size() >= 5) pats.push_back({dec, Bytes(dec.begin(), dec.end())});
    if (v < (uint64_t{1} << 24)) continue;
    Bytes le32, be32, le64, be64;
    for (int i = 0; i < 4; ++i) le32.push_back(static_cast<uint8_t>(v >> (8 * i)));
    for (int i = 3; i >= 0; --i) be32.push_back(static_cast<uint8_t>(v >> (8 * i)));
    for (int i = 0; i < 8; ++i) le64.push_back(static_cast<uint8_t>(v >> (8 * i)));
    for (int i = 7; i >= 0; --i) be64.push_back(static_cast<uint8_t>(v >> (8 * i)));
    if (v < (uint64_t{1} << 32)) {
      pats.push_back({dec + " (le32)", le32});
      pats.push_back({dec + " (be32)", be32});
    }
    pats.push_back({dec + " (le64)", le64});
    pats.push_back({dec + " (be64)", be64});
  }
  size_t hits = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    // The host's own report and the recorder's files are not the server's.
    if (!entry.is_regular_file() || entry.path().extension() == ".svg" ||
        skip.count(entry.path().filename().string()))
      continue;
    std::ifstream f(entry.path(), std::ios::binary);
    Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (const auto& [what, p] : pats) {
      if (data.size() >= p.size())
        chance += static_cast<double>(data.size() - p.size() + 1) / std::pow(256.0, p.size());
      if (std::search(data.begin(), data.end(), p.begin(), p.end()) != data.end()) {
        std::printf("  FOUND %s in %s\n", what.c_str(), entry.path().filename().c_str());
        ++hits;
      }
    }
  }
  return hits;
}

}  // namespace v100::tools
