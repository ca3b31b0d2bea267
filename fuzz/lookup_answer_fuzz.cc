// libFuzzer target: the look-up answer's two blobs (services/lookup.h unpack_answer; what
// MetadataClient::lookup and the web client's module read from a ServiceResponse) on arbitrary
// bytes. Input: u32 little-endian length of the packed-replies blob, that blob, then the slot
// list. unpack_answer must return an error, never crash, throw or read out of bounds; an accepted
// answer re-packs to the same bytes (the encoding is canonical) and goes through
// LookupClient::find (every reply parsed, the scores of a parsed one decrypted).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "services/lookup.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static auto* client = new v100::services::LookupClient(std::vector<uint8_t>(32, 0x5b));
  uint32_t packed_len = 0;
  if (size >= 4) std::memcpy(&packed_len, data, 4);  // little-endian hosts only (x86, wasm)
  const size_t head = size >= 4 ? 4 : size;
  const size_t n = std::min<size_t>(packed_len, size - head);
  v100::ByteSpan packed(data + head, n), slots(data + head + n, size - head - n);
  auto a = v100::services::unpack_answer(packed, slots);
  if (!a.is_ok()) return 0;
  const auto again = v100::services::pack_answer(a->replies, a->slots);
  if (again.size() != 2 || !std::equal(packed.begin(), packed.end(), again[0].begin(), again[0].end()) ||
      !std::equal(slots.begin(), slots.end(), again[1].begin(), again[1].end()))
    abort();
  (void)client->find(a->replies, a->slots);
  return 0;
}
