// `v100 capture-files --sender N --seconds S --out-y4m F --out-wav F`: the fake camera and microphone
// of one browser participant in a test (Chromium's --use-file-for-fake-video-capture and
// --use-file-for-fake-audio-capture read them): S seconds of the moving numbered test pattern of
// sender N (codec/test_pattern.h, 640x360, 30 fps, frame numbers 0 .. 30 S - 1) as Y4M, and S seconds
// of sender N's tone (codec/tone.h, 48 kHz mono 16-bit) as WAV. Chromium loops both files, so pattern
// frame numbers restart at 0 after S seconds: a test that checks rising frame numbers either runs
// shorter than S or checks them modulo the loop.
#include <cstdio>
#include <fstream>
#include <vector>

#include "codec/capture_files.h"
#include "codec/test_pattern.h"
#include "codec/tone.h"
#include "command.h"

namespace v100::tools {
namespace {

constexpr int kWidth = 640, kHeight = 360, kFps = 30, kSampleRate = 48000;

bool write_all(std::ofstream& f, const Bytes& b) {
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  return static_cast<bool>(f);
}

int run_capture_files(const Args& args) {
  const auto sender = static_cast<uint16_t>(args.uint_value("--sender", 0, 0, 65535));
  const uint64_t seconds = args.uint_value("--seconds", 10, 1, 600);
  const std::string y4m_path = args.value("--out-y4m"), wav_path = args.value("--out-wav");

  std::ofstream y4m(y4m_path, std::ios::binary | std::ios::trunc);
  if (!y4m || !write_all(y4m, codec::y4m_header(kWidth, kHeight, kFps))) {
    std::fprintf(stderr, "v100 capture-files: cannot write %s\n", y4m_path.c_str());
    return 1;
  }
  const auto frames = static_cast<uint32_t>(seconds * kFps);
  for (uint32_t i = 0; i < frames; ++i) {  // one frame at a time: the file may be hundreds of MB
    Bytes frame;
    codec::append_y4m_frame(frame, codec::render_test_pattern(sender, i, kWidth, kHeight));
    if (!write_all(y4m, frame)) {
      std::fprintf(stderr, "v100 capture-files: cannot write %s\n", y4m_path.c_str());
      return 1;
    }
  }
  y4m.close();

  std::vector<int16_t> pcm(seconds * kSampleRate);
  const double freq = codec::tone_frequency(sender);
  codec::render_tone(freq, 0, pcm, kSampleRate);
  std::ofstream wav(wav_path, std::ios::binary | std::ios::trunc);
  if (!wav || !write_all(wav, codec::wav_file(pcm, kSampleRate, 1))) {
    std::fprintf(stderr, "v100 capture-files: cannot write %s\n", wav_path.c_str());
    return 1;
  }
  std::printf("sender %u: %s (%ux%u, %u fps, frames 0..%u), %s (%.0f Hz, %llu s)\n", sender, y4m_path.c_str(),
              kWidth, kHeight, kFps, frames - 1, wav_path.c_str(), freq,
              static_cast<unsigned long long>(seconds));
  return 0;
}

}  // namespace

V100_COMMAND("capture-files",
             "a browser's fake camera/microphone: --sender N --seconds S --out-y4m F --out-wav F",
             CommandSpec{.usage = "v100 capture-files --sender N [--seconds S] --out-y4m FILE --out-wav FILE",
                         .options = {opt_required("--sender"), opt_value("--seconds"),
                                     opt_required("--out-y4m"), opt_required("--out-wav")}},
             run_capture_files);

}  // namespace v100::tools
