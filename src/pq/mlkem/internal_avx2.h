// Internal to pq/mlkem: the AVX2 kernels (ntt_avx2.cc, coding_avx2.cc, sample_avx2.cc, compiled with -mavx2).
// Each gives results bit-identical to its portable twin in internal.h and may be called only when
// cpu::active().avx2.
#pragma once

#include "pq/mlkem/internal.h"

namespace v100::pq::mlkem::internal::avx2 {

void ntt(Poly& f);
void inv_ntt(Poly& f);
void basemul_acc(Poly& r, const Poly* a, const Poly* b, int num);
/// coding_avx2.cc: the coding loops of coding_impl.inc compiled with -mavx2.
void compress_encode(uint8_t* out, const Poly& f, int d);
void decode_decompress(Poly& f, const uint8_t* in, int d);
void sample_cbd(Poly& f, const uint8_t* bytes, int eta);
/// sample_avx2.cc: rejection sampling, ByteDecode_12 and ByteEncode_12, 16 values per step.
int rej_uniform(int16_t* out, int needed, const uint8_t* buf, size_t buf_len);
void decode12(Poly& f, const uint8_t in[384]);
void encode12(uint8_t out[384], const Poly& f);

}  // namespace v100::pq::mlkem::internal::avx2
