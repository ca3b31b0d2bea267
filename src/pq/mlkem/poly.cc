// Coefficient-wise arithmetic, byte coding and compression (FIPS 203 §4.2.1), and the dispatch of
// the NTT kernels between the portable and AVX2 paths.
#include <cstring>

#include "core/cpu.h"
#include "core/secure.h"
#include "pq/mlkem/internal.h"
#include "pq/mlkem/internal_avx2.h"

namespace v100::pq::mlkem::internal {

void ntt(Poly& f) {
  if (cpu::active().avx2) return avx2::ntt(f);
  portable::ntt(f);
}

void inv_ntt(Poly& f) {
  if (cpu::active().avx2) return avx2::inv_ntt(f);
  portable::inv_ntt(f);
}

void basemul_acc(Poly& r, const Poly* a, const Poly* b, int num) {
  if (cpu::active().avx2) return avx2::basemul_acc(r, a, b, num);
  portable::basemul_acc(r, a, b, num);
}

void poly_reduce(Poly& f) {
  for (int i = 0; i < kN; ++i) f.c[i] = barrett_reduce(f.c[i]);
}

void poly_canonical(Poly& f) {
  for (int i = 0; i < kN; ++i) f.c[i] = to_canonical(f.c[i]);
}

void poly_tomont(Poly& f) {
  for (int i = 0; i < kN; ++i) f.c[i] = fqmul(f.c[i], kR2);
}

void poly_add(Poly& r, const Poly& a, const Poly& b) {
  for (int i = 0; i < kN; ++i) r.c[i] = static_cast<int16_t>(a.c[i] + b.c[i]);
}

void poly_sub(Poly& r, const Poly& a, const Poly& b) {
  for (int i = 0; i < kN; ++i) r.c[i] = static_cast<int16_t>(a.c[i] - b.c[i]);
}

void encode12(uint8_t out[384], const Poly& f) {
  if (cpu::active().avx2) return avx2::encode12(out, f);
  for (int i = 0; i < kN / 2; ++i) {
    uint16_t x0 = static_cast<uint16_t>(to_canonical(f.c[2 * i]));
    uint16_t x1 = static_cast<uint16_t>(to_canonical(f.c[2 * i + 1]));
    out[3 * i] = static_cast<uint8_t>(x0);
    out[3 * i + 1] = static_cast<uint8_t>((x0 >> 8) | (x1 << 4));
    out[3 * i + 2] = static_cast<uint8_t>(x1 >> 4);
  }
}

void decode12(Poly& f, const uint8_t in[384]) {
  if (cpu::active().avx2) return avx2::decode12(f, in);
  for (int i = 0; i < kN / 2; ++i) {
    int16_t x0 = static_cast<int16_t>(in[3 * i] | ((in[3 * i + 1] & 0x0f) << 8));
    int16_t x1 = static_cast<int16_t>((in[3 * i + 1] >> 4) | (in[3 * i + 2] << 4));
    // ByteDecode_12 is defined mod q: subtract q when x >= q, by mask (dk_PKE is secret).
    f.c[2 * i] = to_canonical(static_cast<int16_t>(x0 - kQ));
    f.c[2 * i + 1] = to_canonical(static_cast<int16_t>(x1 - kQ));
  }
}

bool decode12_all_below_q(const uint8_t in[384]) {
  uint32_t bad = 0;
  for (int i = 0; i < kN / 2; ++i) {
    uint32_t x0 = in[3 * i] | ((in[3 * i + 1] & 0x0fu) << 8);
    uint32_t x1 = (in[3 * i + 1] >> 4) | (static_cast<uint32_t>(in[3 * i + 2]) << 4);
    bad |= (kQ - 1 - x0) | (kQ - 1 - x1);  // top bit set iff x >= q
  }
  return (bad >> 31) == 0;
}

void compress_encode(uint8_t* out, const Poly& f, int d) {
  if (cpu::active().avx2) return avx2::compress_encode(out, f, d);
  portable::compress_encode(out, f, d);
}

void decode_decompress(Poly& f, const uint8_t* in, int d) {
  if (cpu::active().avx2) return avx2::decode_decompress(f, in, d);
  portable::decode_decompress(f, in, d);
}

namespace portable {
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
}  // namespace portable

void sample_cbd(Poly& f, const uint8_t* b, int eta) {
  if (cpu::active().avx2) return avx2::sample_cbd(f, b, eta);
  portable::sample_cbd(f, b, eta);
}

int rej_uniform(int16_t* out, int needed, const uint8_t* buf, size_t buf_len) {
  if (cpu::active().avx2) return avx2::rej_uniform(out, needed, buf, buf_len);
  return portable_rej_uniform(out, needed, buf, buf_len);
}

int portable_rej_uniform(int16_t* out, int needed, const uint8_t* buf, size_t buf_len) {
  // Alg. 7 inner loop. Branches here depend only on the public matrix seed rho.
  int ctr = 0;
  size_t pos = 0;
  // While two more values fit, store both candidates unconditionally and advance by the accept
  // bits: no data-dependent branch to mispredict (about 19% of candidates are rejected).
  while (ctr + 2 <= needed && pos + 3 <= buf_len) {
    const uint16_t d1 = static_cast<uint16_t>(buf[pos] | ((buf[pos + 1] & 0x0f) << 8));
    const uint16_t d2 = static_cast<uint16_t>((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
    pos += 3;
    out[ctr] = static_cast<int16_t>(d1);
    ctr += d1 < kQ;
    out[ctr] = static_cast<int16_t>(d2);
    ctr += d2 < kQ;
  }
  while (ctr < needed && pos + 3 <= buf_len) {
    uint16_t d1 = static_cast<uint16_t>(buf[pos] | ((buf[pos + 1] & 0x0f) << 8));
    uint16_t d2 = static_cast<uint16_t>((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
    pos += 3;
    if (d1 < kQ) out[ctr++] = static_cast<int16_t>(d1);
    if (d2 < kQ && ctr < needed) out[ctr++] = static_cast<int16_t>(d2);
  }
  return ctr;
}

}  // namespace v100::pq::mlkem::internal
