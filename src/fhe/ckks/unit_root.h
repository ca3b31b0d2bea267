// The roots of unity of the special FFT (fft.h), computed the same way, to the bit, in every build.
//
// The twiddles were cosl/sinl in long double rounded to double: x87 80-bit arithmetic and glibc
// natively, IEEE binary128 in software and musl in the WebAssembly build, so a few roots differed
// in the last bit between the two (measured: the FFT output of one 7-value encode differed in 1
// of 8192 doubles) and decoded values differed. Here the root is evaluated with only IEEE double
// +, -, * and / (no FMA, no libm), which both builds perform identically: the angle is reduced to
// the first octant exactly (integer arithmetic on num/den), cos and sin of the remainder are summed
// as Taylor series in double-double (about 106 bits), and the octant symmetries put them in place.
// The result is the correctly rounded double of cos and sin (tests/fhe/ckks/unit_root_test.cc
// checks every root of unity of order up to 2^17 against binary128), so the FFT keeps twiddles
// correct to 1/2 ulp, and the symmetric roots (0, +-1, +-sqrt(1/2) ...) come out exact.
#pragma once

#include <cstdint>

namespace v100::fhe::ckks {

/// re = cos(2 pi num / den), im = sin(2 pi num / den), each correctly rounded (exact zeros are +0).
/// den must be in [1, 2^40] (not checked beyond a debug assert); num any value (taken mod den).
void unit_root(uint64_t num, uint64_t den, double& re, double& im);

}  // namespace v100::fhe::ckks
