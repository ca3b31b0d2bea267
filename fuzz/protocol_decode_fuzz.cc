// libFuzzer target: the protocol's message decoder on arbitrary bytes. Invariants: never crash,
// and anything accepted re-encodes to exactly the input (the encoding is canonical).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "meeting/protocol/messages.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace v100::meeting::protocol;
  v100::ByteSpan in(data, size);
  auto env = decode(in);
  if (env) {
    v100::Bytes again = encode(env->msg, env->request_id);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  }
  (void)decode_header(in);
  return 0;
}
