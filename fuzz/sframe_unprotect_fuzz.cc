// Fuzz target: the SFrame header parser and ReceiverContext::unprotect on hostile frames.
// Input: byte 0 = metadata length (mod 32), then the metadata, then the SFrame.
// Receivers know epoch 1 (all slots) of a fixed epoch secret, and a raw key under KID 0x123, for
// each suite, so seeds made with those keys (fuzz/corpus/sframe_unprotect) reach the AEAD.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "media/sframe_context.h"
#include "media/sframe_header.h"

namespace {

using namespace v100::media;

std::vector<std::unique_ptr<ReceiverContext>>& receivers() {
  static auto r = [] {
    std::vector<std::unique_ptr<ReceiverContext>> v;
    const uint8_t secret[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    for (uint16_t s = 1; s <= 5; ++s) {
      ReceiverOptions o;
      o.suite = static_cast<CipherSuite>(s);
      o.replay_window = 64;
      auto rx = std::make_unique<ReceiverContext>(o);
      rx->set_epoch(1, secret);
      rx->add_key(0x123, v100::ByteSpan(secret, 16));
      v.push_back(std::move(rx));
    }
    return v;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  v100::ByteSpan in(data, size);
  const size_t meta_len = std::min<size_t>(in[0] % 32, size - 1);
  v100::ByteSpan meta = in.subspan(1, meta_len);
  v100::ByteSpan frame = in.subspan(1 + meta_len);

  auto h = decode_header(frame);
  if (h.is_ok()) {
    if (h->size > kMaxHeaderSize || h->size > frame.size()) std::abort();
    // The minimal encoding of what was parsed is never longer than what was read.
    uint8_t buf[kMaxHeaderSize];
    if (encode_header(h->kid, h->ctr, buf) > h->size) std::abort();
    auto again = decode_header(v100::ByteSpan(buf, kMaxHeaderSize));
    if (!again.is_ok() || again->kid != h->kid || again->ctr != h->ctr) std::abort();
  }
  std::vector<uint8_t> out(frame.size() + 1);
  for (auto& rx : receivers()) {
    auto r = rx->unprotect(meta, frame, out);
    if (r.is_ok() && r->payload_size > frame.size()) std::abort();
  }
  return 0;
}
