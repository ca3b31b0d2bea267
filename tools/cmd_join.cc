// `v100 join`: take part in a meeting from the command line with a key file.
//
//   host:   v100 join --server 127.0.0.1:4433 --pin FP --key host.key --create "Title"
//                     [--invite a.pub,b.pub] [--invite-dir DIR] [--name NAME] [--seconds S]
//   guest:  v100 join --server 127.0.0.1:4433 --pin FP --key me.key
//                     (--invitation FILE | --mailbox [--from HOST.pub]) [--name NAME] [--seconds S]
//
// The host creates the meeting and posts an invitation for each listed public identity into the
// server's anonymous mailbox (and writes it to --invite-dir if given). A guest opens its
// invitation (from a file, or by polling its mailbox for up to 60 s: items that are not a valid
// invitation to it are skipped, counted and deleted; with --from only that inviter's count), joins, and sends
// synthetic 50 fps audio for S seconds (default 30), printing key epochs and security codes as they change;
// at the end it prints the decrypted roster and the frames received per sender, then leaves.
//
// --media test-pattern: real media instead (meeting/client/media_session.h): it sends its test
// pattern (VP8 640x360, 30 fps) and tone (Opus) with sender id = its slot, decodes what it receives
// and, when it leaves, prints per sender the decoded pictures and audio packets and whether each
// picture's pattern named that sender with rising frame numbers and the audio carried that sender's
// tone (media_check.h); exit status 1 if a check failed. --record FILE (with --media) records what
// it receives: FILE, FILE.key (the recording key, 0600) and FILE.pub (the recording's ML-DSA-65
// public key); `v100 export-recording FILE --out X.webm` plays it.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "command.h"
#include "hash/sha3.h"
#include "media_check.h"
#include "meeting/admission/batch.h"
#include "meeting/client/client.h"
#include "meeting/client/invitation.h"
#include "meeting/client/keystore.h"
#include "meeting/client/media_recorder.h"
#include "meeting/client/media_session.h"

namespace v100::tools {
namespace {

namespace mc = meeting::client;
using namespace std::chrono_literals;

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t c = s.find(',', start);
    if (c == std::string::npos) c = s.size();
    if (c > start) out.push_back(s.substr(start, c - start));
    start = c + 1;
  }
  return out;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "v100 join: %s\n", msg.c_str());
  return 1;
}

int run_join(const Args& args) {
  std::string server = args.value("--server", "127.0.0.1:4433");
  std::string pin = args.value("--pin");
  std::string key = args.value("--key");
  if (pin.empty() && !args.has("--insecure")) throw UsageError("option --pin is required (or --insecure)");
  double seconds = std::stod(args.value("--seconds", "30"));
  const bool real_media = args.has("--media");
  if (real_media && args.value("--media") != "test-pattern")
    throw UsageError("--media takes test-pattern (the only media source so far)");
  if (args.has("--record") && !real_media) throw UsageError("--record needs --media test-pattern");
  auto pass = mc::read_passphrase("passphrase for " + key + ": ", false);
  if (!pass) return fail(pass.message());
  auto loaded = mc::load_identity(key, *pass);
  if (!loaded) return fail(loaded.message());
  auto id = std::make_shared<const mc::Identity>(std::move(loaded).value());

  mc::ClientOptions opt;
  size_t colon = server.rfind(':');
  opt.transport.host = server.substr(0, colon);
  opt.transport.port = static_cast<uint16_t>(std::stoi(server.substr(colon + 1)));
  opt.transport.pin_sha256 = pin;
  opt.transport.insecure_no_verify = pin.empty();
  opt.display_name = args.value("--name", "v100 user " + to_hex(id->user_id()).substr(0, 6));
  auto c = mc::Client::connect(id, opt);
  if (!c) return fail(c.message());
  mc::Client& client = **c;

  std::mutex mu;
  std::map<uint16_t, std::pair<std::string, uint64_t>> got;
  auto count_frame = [&](const mc::DecryptedFrame& f) {
    std::lock_guard lk(mu);
    auto& e = got[f.slot];
    e.first = f.sender_name;
    e.second++;
  };
  // Real media: a MediaSession (it takes over the frame handler) that checks what it decodes and,
  // with --record, records what it receives.
  std::unique_ptr<mc::SessionRecorder> recorder;
  ReceivedMediaCheck check;
  std::unique_ptr<mc::MediaSession> media;
  if (real_media) {
    if (args.has("--record")) {
      auto r = mc::SessionRecorder::create(args.value("--record"));
      if (!r) return fail(r.message());
      recorder = std::move(r).value();
    }
    mc::MediaSessionOptions mo;
    mo.on_picture = [&](const mc::DecodedPicture& p) { check.on_picture(p); };
    mo.on_audio = [&](const mc::DecodedAudio& a) { check.on_audio(a); };
    mo.on_received = [&, rec = recorder.get()](const mc::DecryptedFrame& f, const mc::MediaHeader& h,
                                               ByteSpan b) {
      count_frame(f);
      if (rec) rec->on_received(f, h, b);
    };
    auto m = mc::MediaSession::create(client, std::move(mo));
    if (!m) return fail(m.message());
    media = std::move(m).value();
  } else {
    client.set_frame_handler(count_frame);
  }
  std::unique_ptr<mc::TestMediaSource> source;

  if (args.has("--create")) {
    if (args.has("--admission-tokens")) {
      // A server that admits by token: redeem the first unspent one of the wallet (spent ones are
      // refused by the server and skipped; the file is not rewritten).
      auto file = mc::read_file(args.value("--admission-tokens"));
      if (!file) return fail(file.message());
      auto wallet = meeting::admission::parse_wallet(*file);
      if (!wallet) return fail("--admission-tokens: " + wallet.message());
      bool admitted = false;
      for (const auto& t : wallet->tokens)
        if (client.redeem_admission_token(t.encode()).is_ok()) {
          admitted = true;
          break;
        }
      if (!admitted) return fail("no unspent admission token in " + args.value("--admission-tokens"));
    }
    auto created = client.create_meeting(args.value("--create"), 1);
    if (!created) return fail(created.message());
    std::printf("created meeting, handle %s...\n", to_hex(created->handle).substr(0, 16).c_str());
    std::string dir = args.value("--invite-dir");
    for (const auto& path : split(args.value("--invite"))) {
      auto text = mc::read_file(path);
      if (!text) return fail(text.message());
      auto pub = mc::parse_public_identity_text(std::string(text->begin(), text->end()));
      if (!pub) return fail(path + ": " + pub.message());
      auto inv = client.invite(*pub);
      if (!inv) return fail(inv.message());
      if (Status st = client.post_invitation(*pub, *inv); !st) return fail(st.message());
      std::string who = mc::short_id(pub->user_id());
      if (!dir.empty()) {
        std::string out = dir + "/" + to_hex(pub->user_id()).substr(0, 12) + ".inv";
        if (Status st = mc::write_private_file(out, *inv); !st) return fail(st.message());
      }
      std::printf("invited %s (mailbox%s)\n", who.c_str(), dir.empty() ? "" : " and invite dir");
    }
  } else {
    std::optional<mc::OpenedInvitation> opened;
    if (args.has("--invitation")) {
      auto f = mc::read_file(args.value("--invitation"));
      if (!f) return fail(f.message());
      auto o = mc::open_invitation(*id, *f);
      if (!o) return fail(o.message());
      opened = std::move(o).value();
    } else {
      // Only invitations signed by --from (if given) count: anyone can post a valid invitation
      // to a meeting of their own. Everything read is deleted from the mailbox, junk included.
      std::optional<mc::UserId> from;
      if (args.has("--from")) {
        auto text = mc::read_file(args.value("--from"));
        if (!text) return fail(text.message());
        auto pub = mc::parse_public_identity_text(std::string(text->begin(), text->end()));
        if (!pub) return fail("--from: " + pub.message());
        from = pub->user_id();
      }
      size_t junk = 0, ignored = 0;
      for (int i = 0; i < 120 && !opened; ++i) {
        auto receipt = client.receive_invitations();
        if (!receipt) return fail(receipt.message());
        junk += receipt->junk_skipped;
        for (auto& inv : receipt->invitations) {
          if (opened || (from && inv.inviter_id != *from)) {
            ++ignored;
            continue;
          }
          opened = std::move(inv);
        }
        if (!opened) std::this_thread::sleep_for(500ms);
      }
      if (junk > 0 || ignored > 0)
        std::printf("mailbox: skipped %zu junk item(s), ignored %zu other invitation(s)\n", junk, ignored);
      if (!opened) return fail("no invitation arrived in the mailbox within 60 s");
    }
    std::printf("invitation from %s\n", mc::short_id(opened->inviter_id).c_str());
    if (Status st = client.join(opened->meeting_secret.span(), opened->session, opened->join_seed.span());
        !st)
      return fail(st.message());
  }
  auto title = client.meeting_title();
  std::printf("joined \"%s\" in slot %u as %s\n", title ? title->c_str() : "?", *client.slot(),
              opt.display_name.c_str());

  auto start = std::chrono::steady_clock::now();
  auto next = start;
  uint64_t last_epoch = 0, seq = 0;
  while (std::chrono::steady_clock::now() - start < std::chrono::duration<double>(seconds)) {
    uint64_t e = client.epoch();
    if (e != last_epoch) {
      last_epoch = e;
      std::printf("epoch %llu: %zu members, security code %s\n", static_cast<unsigned long long>(e),
                  client.epoch_members().size(), client.security_code().c_str());
    }
    if (e > 0 && media) {
      if (!source) source = std::make_unique<mc::TestMediaSource>(*media, *client.slot(), 640, 360, 30);
    } else if (e > 0) {
      Bytes frame(160);
      hash::Shake256 x;
      x.absorb(ByteSpan(reinterpret_cast<const uint8_t*>(&seq), sizeof seq));
      x.squeeze(frame);
      (void)client.send_frame(meeting::protocol::MediaKind::kAudio, frame);
      ++seq;
    }
    next += 20ms;
    std::this_thread::sleep_until(next);
  }
  if (source) source->stop();
  if (media) std::this_thread::sleep_for(300ms);  // frames in flight and in the decode queue
  auto roster = client.fetch_roster();
  if (roster) {
    std::printf("roster:\n");
    for (const auto& m : *roster)
      std::printf("  slot %2u  %-24s %s  identity %s, token %s\n", m.slot, m.display_name.c_str(),
                  mc::short_id(m.user_id).c_str(), m.identity_verified ? "verified" : "UNVERIFIED",
                  m.token_verified ? "verified" : "UNVERIFIED");
  }
  {
    std::lock_guard lk(mu);
    for (const auto& [slot, e] : got)
      std::printf("received %llu frames from slot %u (%s)\n", static_cast<unsigned long long>(e.second), slot,
                  e.first.c_str());
  }
  int status = 0;
  if (media) {
    std::map<uint16_t, std::string> names;
    std::vector<uint16_t> senders;  // everyone it received frames from must pass the checks
    {
      std::lock_guard lk(mu);
      for (const auto& [slot, e] : got) {
        names[slot] = e.first.empty() ? "slot " + std::to_string(slot) : e.first;
        senders.push_back(slot);
      }
    }
    if (roster)
      for (const auto& m : *roster) names[m.slot] = m.display_name;
    std::printf(
        "decoded, per sender (pattern: every picture names the sender, frame numbers rising; tone: "
        "within %.0f Hz of the sender's):\n",
        kToneToleranceHz);
    print_media_check_header();
    const bool ok = print_media_checks(opt.display_name, check.results(), names, true, senders);
    const auto sent = media->stats();
    std::printf("sent %llu video frames (%llu keyframes), %llu audio packets\n",
                static_cast<unsigned long long>(sent.video_sent),
                static_cast<unsigned long long>(sent.keyframes_sent),
                static_cast<unsigned long long>(sent.audio_sent));
    source.reset();
    media.reset();  // no more frames reach the recorder
    if (!ok) status = 1;
    if (recorder) {
      if (Status st = recorder->finish(); !st) return fail(st.message());
      std::printf("recorded %s (+ .key, .pub): export with v100 export-recording %s --out meeting.webm\n",
                  recorder->path().c_str(), recorder->path().c_str());
    }
  }
  (void)client.leave();
  return status;
}

}  // namespace

V100_COMMAND(
    "join", "join or host a meeting with a key file (see tools/cmd_join.cc)",
    CommandSpec{
        .usage =
            "v100 join --server HOST:PORT --pin SHA256 --key FILE\n"
            "         (--create TITLE [--invite A.pub,B.pub] [--invite-dir DIR] [--admission-tokens FILE] |\n"
            "          --invitation FILE |\n"
            "          --mailbox [--from HOST.pub])\n"
            "         [--name NAME] [--seconds S] [--insecure]\n"
            "         [--media test-pattern [--record FILE]]",
        .options = {opt_value("--server"), opt_value("--pin"), opt_required("--key"), opt_value("--create"),
                    opt_value("--invite"), opt_value("--invite-dir"), opt_value("--admission-tokens"),
                    opt_value("--invitation"), opt_switch("--mailbox"), opt_value("--from"),
                    opt_value("--name"), opt_value("--seconds"), opt_switch("--insecure"),
                    opt_value("--media"), opt_value("--record")}},
    run_join);

}  // namespace v100::tools
