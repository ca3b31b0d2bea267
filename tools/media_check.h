// What one receiver decoded from senders of the test pattern and tone (codec/test_pattern.h,
// codec/tone.h; meeting::client::TestMediaSource), checked rather than assumed: every decoded
// picture's code grid must name the sender's slot, its frame numbers must increase, and the received
// audio's dominant frequency must be the sender's tone. A screen share (MediaKind kScreen) shows
// whatever is on the sender's screen: its pictures are counted, not read as a pattern. Used by `v100 demo`
// and `v100 join --media`.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "meeting/client/media_session.h"

namespace v100::tools {

/// Largest distance (Hz) between the received audio's dominant frequency and the sender's tone.
inline constexpr double kToneToleranceHz = 10.0;

/// One sender, as one receiver saw it.
struct SenderCheck {
  uint64_t pictures = 0;      ///< decoded pictures
  uint64_t bad_pictures = 0;  ///< unreadable pattern, another sender's, or a frame number not above the last
  uint64_t screen_pictures = 0;  ///< decoded screen-share pictures (not part of the pattern check)
  uint32_t first_frame = 0, last_frame = 0;  ///< pattern frame numbers of the first and last picture
  uint64_t audio_packets = 0;                ///< decoded (not concealed) audio packets
  double frequency = 0;                      ///< dominant frequency of the last received audio (Hz)
  double expected = 0;                       ///< the sender's tone (Hz)

  bool pictures_ok() const { return pictures > 0 && bad_pictures == 0; }
  bool tone_ok() const;
};

/// Fed from a MediaSession's on_picture / on_audio (its decode thread); read from any thread.
class ReceivedMediaCheck {
 public:
  void on_picture(const meeting::client::DecodedPicture& p);
  void on_audio(const meeting::client::DecodedAudio& a);
  /// Per sender slot; computes each sender's dominant frequency.
  std::map<uint16_t, SenderCheck> results() const;

 private:
  struct Sender {
    SenderCheck check;
    std::vector<int16_t> pcm;  // the latest decoded audio, at most 2 * kToneWindow samples
  };
  mutable std::mutex mu_;
  std::map<uint16_t, Sender> senders_;
};

/// Prints one line per sender of `results` ("  <receiver> <sender> video pattern audio tone"), names
/// from `names` (slot -> name). `video_decoded` false: the receiver counted video without decoding
/// it, so there is no pattern to check. Returns whether every check printed passed; a sender in
/// `expected_senders` missing from `results` fails.
bool print_media_checks(const std::string& receiver, const std::map<uint16_t, SenderCheck>& results,
                        const std::map<uint16_t, std::string>& names, bool video_decoded,
                        const std::vector<uint16_t>& expected_senders);
/// The header line for print_media_checks.
void print_media_check_header();

}  // namespace v100::tools
