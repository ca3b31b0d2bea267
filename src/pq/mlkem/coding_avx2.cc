// The compression, coding and CBD loops of coding_impl.inc, compiled with -mavx2 (the compiler
// vectorizes them); called only when cpu::active().avx2.
#include "core/secure.h"
#include "pq/mlkem/internal_avx2.h"

namespace v100::pq::mlkem::internal::avx2 {
#include "pq/mlkem/coding_impl.inc"
void compress_encode(uint8_t* out, const Poly& f, int d) {
  compress_encode_impl(out, f, d);
}
void decode_decompress(Poly& f, const uint8_t* in, int d) {
  decode_decompress_impl(f, in, d);
}
void sample_cbd(Poly& f, const uint8_t* b, int eta) {
  sample_cbd_impl(f, b, eta);
}
}  // namespace v100::pq::mlkem::internal::avx2
