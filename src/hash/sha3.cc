#include "hash/sha3.h"

namespace v100::hash {

std::array<uint8_t, 32> sha3_256(std::span<const uint8_t> in) {
  Sha3_256 h;
  h.update(in);
  return h.final();
}

std::array<uint8_t, 64> sha3_512(std::span<const uint8_t> in) {
  Sha3_512 h;
  h.update(in);
  return h.final();
}

void shake128(std::span<uint8_t> out, std::span<const uint8_t> in) {
  Shake128 x;
  x.absorb(in);
  x.squeeze(out);
}

void shake256(std::span<uint8_t> out, std::span<const uint8_t> in) {
  Shake256 x;
  x.absorb(in);
  x.squeeze(out);
}

}  // namespace v100::hash
