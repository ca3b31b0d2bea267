// `v100 demo [--participants N] [--seconds S] [--names A,B,...] [--title TEXT] [--data-dir DIR]`
//
// Starts a server in this process and N clients (default 8) that talk to it over real TLS
// WebSocket connections on loopback, and runs an S-second meeting (default 20): every member
// sends end-to-end encrypted real media (demo_media.h: VP8 640x360 at 30 fps of its own test
// pattern, Opus of its own tone) and decodes what it receives; two members join late and one
// leaves, each change starting a new key epoch; one member records what it receives. At the end it
// prints what each participant decrypted (roster, frame counts, security code), what each decoded
// from each sender (pattern and tone checked), the recording exported to WebM (and ffprobe's view of
// it), what the server holds (the audit), a check that no name or title reached the server's disk,
// and timings. Exit status 0 when every check passes. With --data-dir the server's database and
// log, the recording and the WebM stay there; otherwise a temporary directory is used and removed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "command.h"
#include "core/rng.h"
#include "demo_media.h"
#include "demo_services.h"
#include "meeting/client/client.h"
#include "meeting/client/invitation.h"
#include "meeting/server/audit.h"
#include "meeting/server/server.h"
#include "meeting/services/services.h"

namespace v100::tools {
namespace {

using namespace std::chrono_literals;
using meeting::client::Client;
using meeting::client::Identity;
using Clock = std::chrono::steady_clock;

const char* const kDefaultNames[] = {"Ada",    "Grace",     "Alan",   "Barbara",  "Edsger", "Frances",
                                     "Ken",    "Radia",     "Donald", "Margaret", "Dennis", "Shafi",
                                     "Leslie", "Whitfield", "Martin", "Hedy"};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Peer {
  std::string name;
  std::shared_ptr<const Identity> id;
  std::unique_ptr<Client> client;
  std::atomic<bool> active{false};  // in the meeting and sending
  bool left = false;
  bool late = false;
  std::optional<uint16_t> last_slot;
  std::optional<Clock::time_point> joined_at;  // for the durations service (host: the start)
  DemoMedia media;
};

std::vector<std::string> split_names(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    std::string n = s.substr(start, comma - start);
    if (!n.empty()) out.push_back(n);
    start = comma + 1;
  }
  return out;
}

Bytes utf16(const std::string& s, bool big_endian) {
  Bytes out;
  for (size_t i = 0; i < s.size();) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int n;
    if (ch < 0x80) {
      cp = ch;
      n = 1;
    } else if ((ch >> 5) == 6) {
      cp = ch & 0x1f;
      n = 2;
    } else if ((ch >> 4) == 14) {
      cp = ch & 0x0f;
      n = 3;
    } else {
      cp = ch & 0x07;
      n = 4;
    }
    for (int k = 1; k < n && i + static_cast<size_t>(k) < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<size_t>(k)]) & 0x3f);
    i += static_cast<size_t>(n);
    auto put = [&](uint16_t u) {
      if (big_endian) {
        out.push_back(static_cast<uint8_t>(u >> 8));
        out.push_back(static_cast<uint8_t>(u));
      } else {
        out.push_back(static_cast<uint8_t>(u));
        out.push_back(static_cast<uint8_t>(u >> 8));
      }
    };
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(static_cast<uint16_t>(0xd800 + (cp >> 10)));
      put(static_cast<uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      put(static_cast<uint16_t>(cp));
    }
  }
  return out;
}

// Searches every file under `dir` for every canary as UTF-8, UTF-16LE and UTF-16BE. A k-byte
// pattern turns up by chance about size / 2^(8k) times in random-looking data: a 3-letter name in
// UTF-8 was "found" in the 4.8 MB database in about four demos in ten. Patterns under 4 bytes are
// counted in too_short and not searched (their UTF-16 forms, 6+ bytes, are).
// Files named in `skip` (the recorder's own files) are not the server's and not searched.
size_t canary_hits(const std::string& dir, const std::vector<std::string>& canaries,
                   const std::set<std::string>& skip, size_t& files, size_t& bytes, size_t& too_short) {
  constexpr size_t kMinPattern = 4;
  size_t hits = 0;
  files = bytes = too_short = 0;
  std::vector<std::pair<std::string, Bytes>> pats;
  for (const auto& c : canaries) {
    for (const Bytes& needle : {Bytes(c.begin(), c.end()), utf16(c, false), utf16(c, true)}) {
      if (needle.size() < kMinPattern) {
        ++too_short;
      } else {
        pats.push_back({c, needle});
      }
    }
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || skip.count(entry.path().filename().string())) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    Bytes data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    ++files;
    bytes += data.size();
    for (const auto& [c, needle] : pats) {
      if (std::search(data.begin(), data.end(), needle.begin(), needle.end()) != data.end()) {
        std::printf("  FOUND \"%s\" in %s\n", c.c_str(), entry.path().filename().c_str());
        ++hits;
      }
    }
  }
  return hits;
}

// With --video-decoders K, members 0..K-1 (and the recorder) decode the video they receive and the
// others count it without decoding (every member decodes audio). By default all decode: 8 members
// encoding 640x360 at 30 fps and decoding 7 streams each take about 1.2 of 2 cores (README, "What
// the demo shows"); K is for slower machines.
std::string describe_decoders(const std::vector<std::unique_ptr<Peer>>& peers, int video_decoders,
                              size_t recorder_index) {
  std::string who;
  size_t count = 0;
  for (size_t i = 0; i < peers.size(); ++i)
    if (static_cast<int>(i) < video_decoders || i == recorder_index) {
      who += (who.empty() ? "" : ", ") + peers[i]->name;
      ++count;
    }
  if (count == peers.size()) return "all";
  return who;
}

// What each member decoded from each other member, checked (media_check.h). The leaver sent and
// received until it left; everyone else overlapped with everyone.
bool print_media_results(const std::vector<std::unique_ptr<Peer>>& peers,
                         const std::map<uint16_t, std::string>& slot_names) {
  std::printf(
      "\nWhat the participants decoded, per sender (VP8 pictures whose code grid must name the sender "
      "with rising frame numbers; Opus audio whose dominant frequency must be the sender's tone "
      "within %.0f Hz)\n",
      kToneToleranceHz);
  print_media_check_header();
  bool ok = true;
  for (size_t r = 0; r < peers.size(); ++r) {
    std::vector<uint16_t> expected;
    for (size_t s = 0; s < peers.size(); ++s) {
      if (s == r) continue;
      auto slot = peers[s]->left ? peers[s]->last_slot : peers[s]->client->slot();
      if (slot) expected.push_back(*slot);
    }
    ok &= print_media_checks(peers[r]->name, peers[r]->media.check().results(), slot_names,
                             peers[r]->media.decodes_video(), expected);
  }
  std::printf("  every decoded picture and every tone matched its sender: %s\n", ok ? "yes" : "NO");
  return ok;
}

int run_demo(const Args& args) {
  const auto t_start = Clock::now();
  int n = std::stoi(args.value("--participants", "8"));
  double seconds = std::stod(args.value("--seconds", "20"));
  std::string title = args.value("--title", "V100 demo: quarterly planning");
  std::string data_dir = args.value("--data-dir");
  const uint64_t rate_cents = std::stoull(args.value("--rate", "1999"));
  const int video_decoders = std::stoi(args.value("--video-decoders", std::to_string(n)));
  if (n < 2 || n > 64 || seconds < 1 || seconds > 3600 || rate_cents > 1'000'000 || video_decoders < 0) {
    std::fprintf(
        stderr,
        "v100 demo: --participants 2..64, --seconds 1..3600, --rate 0..1000000, --video-decoders >= 0\n");
    return 2;
  }
  std::vector<std::string> names = split_names(args.value("--names"));
  for (size_t i = names.size(); i < static_cast<size_t>(n); ++i)
    names.push_back(i < std::size(kDefaultNames) ? kDefaultNames[i] : "Participant " + std::to_string(i + 1));
  names.resize(static_cast<size_t>(n));
  bool temp_dir = data_dir.empty();
  if (temp_dir)
    data_dir = (std::filesystem::temp_directory_path() / ("v100-demo-" + to_hex(random_bytes(6)))).string();
  std::filesystem::create_directories(data_dir);

  std::printf("V100 demo: %d participants, %.0f s meeting, data dir %s\n\n", n, seconds, data_dir.c_str());
  bool ok = true;

  // ---- server ----
  auto t = Clock::now();
  meeting::server::ServerOptions so;
  so.data_dir = data_dir;
  so.port = 0;
  auto server = std::make_unique<meeting::server::Server>(so);
  meeting::services::register_metadata_services(*server);  // look-up, durations, billing, analytics
  if (Status st = server->start(); !st) {
    std::fprintf(stderr, "v100 demo: server: %s\n", st.message().c_str());
    return 1;
  }
  double t_server = ms_since(t);
  std::printf("server   127.0.0.1:%u  TLS certificate sha256 %s...  (started in %.0f ms)\n", server->port(),
              server->fingerprint().substr(0, 16).c_str(), t_server);

  // Who joins late, who leaves, who records (a member present from the start to the end, not the
  // host, so the recording shows any member can make one), who decodes video.
  const size_t late_count = n >= 5 ? 2 : 0;
  const size_t first_wave = static_cast<size_t>(n) - late_count;
  const size_t leaver = n >= 3 ? 1 : SIZE_MAX;
  const size_t recorder_index = first_wave - 1;  // never the leaver: first_wave >= 3 when n >= 3
  const std::string recording_path = (std::filesystem::path(data_dir) / "recording.v100rec").string();
  const std::string webm_path = (std::filesystem::path(data_dir) / "meeting.webm").string();
  auto recorder = meeting::client::SessionRecorder::create(recording_path);
  if (!recorder) {
    std::fprintf(stderr, "v100 demo: %s\n", recorder.message().c_str());
    return 1;
  }

  // ---- identities and connections ----
  std::vector<std::unique_ptr<Peer>> peers;
  t = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto p = std::make_unique<Peer>();
    p->name = names[static_cast<size_t>(i)];
    p->id = std::make_shared<const Identity>(Identity::generate());
    peers.push_back(std::move(p));
  }
  double t_keygen = ms_since(t) / n;
  t = Clock::now();
  for (auto& p : peers) {
    meeting::client::ClientOptions co;
    co.transport.port = server->port();
    co.transport.pin_sha256 = server->fingerprint();
    co.display_name = p->name;
    auto c = Client::connect(p->id, co);
    if (!c) {
      std::fprintf(stderr, "v100 demo: %s cannot connect: %s\n", p->name.c_str(), c.message().c_str());
      return 1;
    }
    p->client = std::move(c).value();
    const size_t i = static_cast<size_t>(&p - peers.data());
    const bool decode_video = static_cast<int>(i) < video_decoders || i == recorder_index;
    if (Status st = p->media.start(*p->client, decode_video, i == recorder_index ? recorder->get() : nullptr);
        !st) {
      std::fprintf(stderr, "v100 demo: %s: media: %s\n", p->name.c_str(), st.message().c_str());
      return 1;
    }
  }
  double t_connect = ms_since(t) / n;
  std::printf(
      "clients  %d identities (ML-DSA-65 + X-Wing, %.1f ms each), %d TLS connections (%.1f ms each)\n", n,
      t_keygen, n, t_connect);

  // ---- create, invite, join ----
  Peer& host = *peers[0];
  t = Clock::now();
  auto created = host.client->create_meeting(title, 1, 64);
  if (!created) {
    std::fprintf(stderr, "v100 demo: create: %s\n", created.message().c_str());
    return 1;
  }
  double t_create = ms_since(t);
  std::printf("create   %s hosts; handle %s... registered with BFV public keys (%.0f ms incl. host join)\n",
              host.name.c_str(), to_hex(created->handle).substr(0, 12).c_str(), t_create);
  host.active = true;
  for (size_t i = first_wave; i < peers.size(); ++i) peers[i]->late = true;

  std::vector<double> join_ms;
  auto join_peer = [&](size_t i) -> bool {
    Peer& p = *peers[i];
    auto inv = host.client->invite(p.id->public_identity());
    if (!inv) return false;
    std::optional<meeting::client::OpenedInvitation> opened;
    if (i % 2 == 0) {  // every other invitation goes through the server's anonymous mailbox
      if (!host.client->post_invitation(p.id->public_identity(), *inv)) return false;
      auto got = p.client->receive_invitations();
      if (!got || got->invitations.empty()) return false;
      opened = std::move(got->invitations.front());
    } else {
      auto o = meeting::client::open_invitation(*p.id, *inv);
      if (!o) return false;
      opened = std::move(o).value();
    }
    auto tj = Clock::now();
    Status st = p.client->join(opened->meeting_secret.span(), opened->session, opened->join_seed.span());
    join_ms.push_back(ms_since(tj));
    if (!st) {
      std::fprintf(stderr, "v100 demo: %s cannot join: %s\n", p.name.c_str(), st.message().c_str());
      return false;
    }
    p.active = true;
    p.joined_at = Clock::now();
    return true;
  };

  const auto t_meeting = Clock::now();
  const uint64_t start_unix = static_cast<uint64_t>(std::time(nullptr));  // a canary: never sent anywhere
  auto at = [&]() { return std::chrono::duration<double>(Clock::now() - t_meeting).count(); };
  for (size_t i = 1; i < first_wave; ++i) ok &= join_peer(i);
  auto count_active = [&] {
    size_t c = 0;
    for (auto& p : peers) c += p->active ? 1 : 0;
    return c;
  };
  std::vector<double> rekey_ms;
  auto wait_epoch_all = [&](const char* what, Clock::time_point since) {
    size_t members = count_active();
    bool all = true;
    for (auto& p : peers)
      if (p->active) all &= p->client->wait_for_epoch(members, 15s);
    double dt = ms_since(since);
    rekey_ms.push_back(dt);
    std::printf("[%5.1fs] %s -> epoch %llu, %zu members, security code %s (all members keyed in %.0f ms)\n",
                at(), what, static_cast<unsigned long long>(host.client->epoch()), members,
                host.client->security_code().c_str(), dt);
    if (!all) {
      std::printf("         (not every member reached the new epoch in time)\n");
      ok = false;
    }
  };
  {
    std::string who;
    for (size_t i = 0; i < first_wave; ++i) who += (i ? ", " : "") + peers[i]->name;
    wait_epoch_all(("joined: " + who).c_str(), t_meeting);
  }

  // ---- media: each member sends its own test pattern and tone from here on ----
  auto start_sending = [&](size_t i) {
    if (auto slot = peers[i]->client->slot()) peers[i]->media.start_sending(*slot);
  };
  for (size_t i = 0; i < first_wave; ++i) start_sending(i);
  std::printf(
      "[%5.1fs] media: %zu members send VP8 640x360 at 30 fps (their test pattern) and Opus (their tone); "
      "%s decode video, all decode audio; %s records what it receives\n",
      at(), first_wave, describe_decoders(peers, video_decoders, recorder_index).c_str(),
      peers[recorder_index]->name.c_str());

  auto sleep_until_s = [&](double s) {
    while (at() < s) std::this_thread::sleep_for(10ms);
  };
  if (late_count > 0) {
    sleep_until_s(seconds * 0.3);
    auto tj = Clock::now();
    std::string who;
    for (size_t i = first_wave; i < peers.size(); ++i) {
      ok &= join_peer(i);
      who += (i > first_wave ? ", " : "") + peers[i]->name;
    }
    wait_epoch_all(("late join: " + who).c_str(), tj);
    for (size_t i = first_wave; i < peers.size(); ++i) start_sending(i);
  }
  if (leaver != SIZE_MAX) {
    sleep_until_s(seconds * 0.65);
    Peer& l = *peers[leaver];
    auto tl = Clock::now();
    l.active = false;
    l.media.stop_sending();
    l.last_slot = l.client->slot();
    Status st = l.client->leave();
    l.left = st.is_ok();
    ok &= st.is_ok();
    if (!st) std::printf("         leave FAILED: %s\n", st.message().c_str());
    wait_epoch_all(("left: " + l.name).c_str(), tl);
  }
  sleep_until_s(seconds);
  for (auto& p : peers) p->media.stop_sending();
  std::this_thread::sleep_for(500ms);  // frames in flight, decode queues

  // ---- what each participant decrypted ----
  std::printf("\nWhat the participants decrypted\n");
  std::map<uint16_t, std::string> slot_names;
  for (auto& p : peers) {
    auto s = p->left ? p->last_slot : p->client->slot();
    if (s) slot_names[*s] = p->name;
  }
  Peer* observer = &host;  // the host stays to the end
  auto tr = Clock::now();
  auto roster = observer->client->fetch_roster();
  double t_roster = ms_since(tr);
  if (!roster) {
    std::printf("  roster fetch failed: %s\n", roster.message().c_str());
    ok = false;
  } else {
    std::printf("  roster as decrypted by %s (BFV tokens of %zu slots summed per 32-slot block, %.0f ms):\n",
                observer->name.c_str(), roster->size(), t_roster);
    for (const auto& m : *roster) {
      bool right = slot_names.count(m.slot) && slot_names[m.slot] == m.display_name;
      std::printf("    slot %2u  %-24s user %s  identity %s  token %s\n", m.slot, m.display_name.c_str(),
                  meeting::client::short_id(m.user_id).c_str(),
                  m.identity_verified ? "verified" : "UNVERIFIED",
                  m.token_verified ? "verified" : "UNVERIFIED");
      ok &= right && m.identity_verified && m.token_verified;
    }
    ok &= roster->size() == count_active();
  }
  auto title_back = observer->client->meeting_title();
  std::printf("  meeting title decrypted from the sealed info blob: \"%s\"\n",
              title_back ? title_back->c_str() : "(failed)");
  ok &= title_back && *title_back == title;

  std::printf("\n  %-12s %5s %6s %-23s %9s %9s %10s %10s %6s\n", "participant", "slot", "epoch",
              "security code", "sent aud", "sent vid", "recv aud", "recv vid", "undec");
  std::string code;
  bool codes_agree = true;
  for (auto& p : peers) {
    auto st = p->client->stats();
    const auto sent = p->media.sent();
    ok &= p->media.unverified() == 0;
    if (p->media.unverified() != 0)
      std::printf("  %s received %llu frames whose sender's identity was not verified: FAILED\n",
                  p->name.c_str(), static_cast<unsigned long long>(p->media.unverified()));
    auto slot = p->left ? p->last_slot : p->client->slot();
    std::string c = p->active ? p->client->security_code() : "(left)";
    std::printf("  %-12s %5s %6llu %-23s %9llu %9llu %10llu %10llu %6llu\n", p->name.c_str(),
                slot ? std::to_string(*slot).c_str() : "-",
                static_cast<unsigned long long>(p->client->epoch()), c.c_str(),
                static_cast<unsigned long long>(sent.audio_sent),
                static_cast<unsigned long long>(sent.video_sent),
                static_cast<unsigned long long>(p->media.received_audio()),
                static_cast<unsigned long long>(p->media.received_video()),
                static_cast<unsigned long long>(st.frames_undecryptable));
    if (p->active) {
      if (code.empty()) code = c;
      codes_agree &= c == code;
    }
  }
  std::printf("  security codes agree across the %zu members: %s\n", count_active(),
              codes_agree ? "yes" : "NO");
  ok &= codes_agree;
  ok &= print_media_results(peers, slot_names);

  // ---- the recording: one member's, exported to WebM the way `v100 export-recording` does ----
  for (auto& p : peers) p->media.close();  // no more frames reach the recorder
  std::printf("\nThe recording of %s (what it received, kept on its side; the server never sees it)\n",
              peers[recorder_index]->name.c_str());
  ok &= finish_demo_recording(**recorder, webm_path);

  // ---- metadata services (issue #7) on the members still present ----
  std::vector<uint64_t> number_canaries;
  {
    std::vector<DemoMember> dm;
    const uint64_t end_s = static_cast<uint64_t>(std::ceil(at()));
    for (auto& p : peers) {
      if (!p->active) continue;
      DemoMember m;
      m.name = p->name;
      m.client = p->client.get();
      m.join_second =
          p->joined_at
              ? static_cast<uint64_t>(std::chrono::duration<double>(*p->joined_at - t_meeting).count() < 0
                                          ? 0
                                          : std::chrono::duration<double>(*p->joined_at - t_meeting).count())
              : 0;
      m.leave_second = end_s;
      m.audio_frames = p->media.sent().audio_sent;
      dm.push_back(m);
    }
    // The host's chart lands in the data dir when one is given (kept), else in a report folder.
    std::string report_dir =
        temp_dir ? (std::filesystem::temp_directory_path() / "v100-demo-report").string() : data_dir;
    auto sr = run_services_demo(*server, dm, rate_cents, report_dir);
    ok &= sr.ok;
    number_canaries = sr.canary_numbers;
    for (uint64_t d = 0; d <= 5; ++d) number_canaries.push_back(start_unix + d);
  }

  // ---- shut down ----
  // The members hang up without Leave (their slots stay, "offline"), so the audit below shows
  // what a server holds in the middle of a meeting: slots, roster ciphertexts, name and epoch blobs.
  peers.clear();
  auto srv_stats = server->stats();
  server->stop();
  server.reset();
  std::printf("\nWhat the server holds (relayed %llu frames in, %llu deliveries, %llu dropped)\n",
              static_cast<unsigned long long>(srv_stats.frames_in),
              static_cast<unsigned long long>(srv_stats.frames_relayed),
              static_cast<unsigned long long>(srv_stats.frames_dropped));
  auto audit = meeting::server::audit_report(data_dir, false);
  if (audit) {
    std::fputs(audit->c_str(), stdout);
  } else {
    std::printf("  audit failed: %s\n", audit.message().c_str());
    ok = false;
  }
  std::vector<std::string> canaries = names;
  canaries.push_back(title);
  size_t files = 0, bytes = 0, short_patterns = 0;
  const std::filesystem::path rec_file(recording_path);
  const std::set<std::string> participant_files = {
      rec_file.filename().string(), rec_file.filename().string() + ".key",
      rec_file.filename().string() + ".pub", std::filesystem::path(webm_path).filename().string()};
  size_t hits = canary_hits(data_dir, canaries, participant_files, files, bytes, short_patterns);
  std::printf(
      "\nBlindness check: searched %zu files (%zu bytes: database, WAL, log; not the recorder's own files) "
      "for %zu names and the title "
      "as UTF-8 / UTF-16LE / UTF-16BE: %zu found; %zu forms under 4 bytes (3-letter names in UTF-8) "
      "too short to tell from chance matches were not searched\n",
      files, bytes, canaries.size(), hits, short_patterns);
  ok &= hits == 0;
  size_t too_short = 0;
  double chance = 0;
  size_t number_hits = number_canary_hits(data_dir, number_canaries, too_short, chance, participant_files);
  std::printf(
      "Blindness check: %zu numbers (rate, bill, minutes, durations, the meeting's start time) as decimal "
      "text (5+ digits) and 32/64-bit LE/BE (values >= 2^24): %zu found (%.3f expected by chance in this "
      "much ciphertext); %zu values too short to tell from chance matches were not searched (pass "
      "distinctive values, e.g. --rate 98765)\n",
      number_canaries.size(), number_hits, chance, too_short);
  ok &= number_hits == 0;

  double avg_join = 0;
  for (double j : join_ms) avg_join += j;
  if (!join_ms.empty()) avg_join /= static_cast<double>(join_ms.size());
  double max_rekey = rekey_ms.empty() ? 0 : *std::max_element(rekey_ms.begin(), rekey_ms.end());
  std::printf(
      "\nTimings: server start %.0f ms, identity %.1f ms, connect %.1f ms, create %.0f ms, join %.0f ms "
      "(avg), "
      "rekey to all members <= %.0f ms, roster decrypt %.0f ms, total %.1f s\n",
      t_server, t_keygen, t_connect, t_create, avg_join, max_rekey, t_roster,
      std::chrono::duration<double>(Clock::now() - t_start).count());
  if (temp_dir)
    std::filesystem::remove_all(data_dir);
  else
    std::printf(
        "Server database and log, recording.v100rec (+ .key, .pub) and meeting.webm left in %s (try: v100 "
        "audit --data-dir %s)\n",
        data_dir.c_str(), data_dir.c_str());
  std::printf("%s\n", ok ? "demo OK" : "demo FAILED");
  return ok ? 0 : 1;
}

}  // namespace

V100_COMMAND("demo",
             "run a loopback meeting: --participants N --seconds S --names A,B,.. --title T --rate CENTS "
             "--data-dir DIR",
             CommandSpec{
                 .usage = "v100 demo [--participants N] [--seconds S] [--names A,B,..] [--title TEXT]\n"
                          "                [--rate CENTS] [--video-decoders K] [--data-dir DIR]",
                 .options = {opt_value("--participants"), opt_value("--seconds"), opt_value("--names"),
                             opt_value("--title"), opt_value("--rate"), opt_value("--video-decoders"),
                             opt_value("--data-dir")}},
             run_demo);

}  // namespace v100::tools
