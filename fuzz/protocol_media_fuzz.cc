// libFuzzer target: the relay's zero-copy MediaFrame validator and the bundle builder. A frame the
// view accepts must decode identically through the struct decoder, and a bundle built from it
// must decode back to that frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "meeting/protocol/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace v100::meeting::protocol;
  v100::ByteSpan in(data, size);
  auto view = decode_media_frame_view(in);
  auto full = MediaFrame::decode(in);
  if (view.is_ok() != full.is_ok()) std::abort();
  if (!view) return 0;
  if (view->slot != full->slot || view->env != full->envelope() ||
      view->payload.size() != full->payload.size())
    std::abort();
  v100::Bytes bundle;
  begin_media_bundle(bundle);
  bundle.insert(bundle.end(), in.begin() + kHeaderBytes, in.end());
  finish_media_bundle(bundle, 1);
  auto b = MediaBundle::decode(bundle);
  if (!b || b->frames.size() != 1 || !(b->frames[0] == *full)) std::abort();
  return 0;
}
