#include "media_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "codec/test_pattern.h"
#include "codec/tone.h"

namespace v100::tools {
namespace {
// Half a second of 48 kHz audio: dominant_frequency is accurate well under 10 Hz from 0.1 s on, and
// the latest audio leaves out the encoder's first packets.
constexpr size_t kToneWindow = 24000;
}  // namespace

bool SenderCheck::tone_ok() const {
  return audio_packets > 0 && std::fabs(frequency - expected) <= kToneToleranceHz;
}

void ReceivedMediaCheck::on_picture(const meeting::client::DecodedPicture& p) {
  if (p.kind == meeting::protocol::MediaKind::kScreen) {
    std::lock_guard lk(mu_);
    ++senders_[p.slot].check.screen_pictures;
    return;
  }
  const auto info = codec::read_test_pattern(p.picture);
  std::lock_guard lk(mu_);
  SenderCheck& c = senders_[p.slot].check;
  if (!info || info->sender != p.slot || (c.pictures > 0 && info->frame <= c.last_frame)) {
    ++c.bad_pictures;
  } else {
    if (c.pictures == 0) c.first_frame = info->frame;
    c.last_frame = info->frame;
  }
  ++c.pictures;
}

void ReceivedMediaCheck::on_audio(const meeting::client::DecodedAudio& a) {
  if (a.concealed) return;  // Opus' guess at a lost packet is not the sender's sound
  std::lock_guard lk(mu_);
  Sender& s = senders_[a.slot];
  ++s.check.audio_packets;
  s.pcm.insert(s.pcm.end(), a.pcm.begin(), a.pcm.end());
  if (s.pcm.size() > 2 * kToneWindow) s.pcm.erase(s.pcm.begin(), s.pcm.end() - kToneWindow);
}

std::map<uint16_t, SenderCheck> ReceivedMediaCheck::results() const {
  std::lock_guard lk(mu_);
  std::map<uint16_t, SenderCheck> out;
  for (const auto& [slot, s] : senders_) {
    SenderCheck c = s.check;
    c.expected = codec::tone_frequency(slot);
    const size_t n = std::min(s.pcm.size(), kToneWindow);
    c.frequency = codec::dominant_frequency(std::span<const int16_t>(s.pcm).last(n));
    out[slot] = c;
  }
  return out;
}

void print_media_check_header() {
  std::printf("  %-12s %-12s %7s %-26s %7s %s\n", "receiver", "sender", "video", "pattern (frames)", "audio",
              "tone");
}

bool print_media_checks(const std::string& receiver, const std::map<uint16_t, SenderCheck>& results,
                        const std::map<uint16_t, std::string>& names, bool video_decoded,
                        const std::vector<uint16_t>& expected_senders) {
  bool ok = true;
  for (uint16_t s : expected_senders) {
    if (!results.count(s)) {
      const auto it = names.find(s);
      std::printf("  %-12s %-12s nothing received: FAILED\n", receiver.c_str(),
                  it != names.end() ? it->second.c_str() : std::to_string(s).c_str());
      ok = false;
    }
  }
  for (const auto& [slot, c] : results) {
    const auto it = names.find(slot);
    const std::string sender = it != names.end() ? it->second : "slot " + std::to_string(slot);
    char pattern[64];
    if (!video_decoded) {
      std::snprintf(pattern, sizeof pattern, "(not decoded)");
    } else if (c.pictures_ok()) {
      std::snprintf(pattern, sizeof pattern, "ok (%u..%u)", c.first_frame, c.last_frame);
    } else {
      std::snprintf(pattern, sizeof pattern, "FAILED (%llu of %llu bad)",
                    static_cast<unsigned long long>(c.bad_pictures),
                    static_cast<unsigned long long>(c.pictures));
    }
    char tone[64];
    std::snprintf(tone, sizeof tone, "%s %.1f Hz (sent %.0f)", c.tone_ok() ? "ok" : "FAILED", c.frequency,
                  c.expected);
    char screen[48] = "";
    if (c.screen_pictures > 0)
      std::snprintf(screen, sizeof screen, "; screen %llu",
                    static_cast<unsigned long long>(c.screen_pictures));
    std::printf("  %-12s %-12s %7llu %-26s %7llu %s%s\n", receiver.c_str(), sender.c_str(),
                static_cast<unsigned long long>(c.pictures), pattern,
                static_cast<unsigned long long>(c.audio_packets), tone, screen);
    ok &= c.tone_ok() && (!video_decoded || c.pictures_ok());
  }
  return ok;
}

}  // namespace v100::tools
