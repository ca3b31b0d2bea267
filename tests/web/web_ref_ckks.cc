// v100_web_ref ckks: the CKKS report calls of web/wasm/v100_wasm.h (v100_wasm_ckks.cc) natively,
// for the module's byte-identity checks (web/test/fhe.test.ts, the chromium check page):
//   - per value set (a few values, all 4096 slots, values outside [0, 1]): the values (hex of the
//     little-endian doubles, so both sides read the same bits), the unrounded special FFT output
//     of v100_ckks_report_slots_to_coeffs (full hex for the first set, SHA3-256 for all), the
//     encoded plaintext's SHA3-256, the report ciphertext from fixed randomness (SHA3-256, length,
//     and the full hex of the first), and its flooded decryption from fixed randomness (hex);
//   - a report the module must be able to read: three members' reports made by
//     services::AttentionKeys (the native client's own code, fresh randomness), summed by
//     services::attention_sum, with the members' values, so the TypeScript side decrypts the sum
//     and compares it with the plaintext model (the sum of the clamped values).
// The tool checks itself that services::AttentionKeys::decrypt of the C ABI's ciphertexts gives the
// clamped values (the C ABI makes the same reports as the native client) and exits 1 if not.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "hash/sha3.h"
#include "services/analytics.h"
#include "v100_wasm.h"

namespace {

using nlohmann::json;
using v100::Bytes;

Bytes derive_bytes(const std::string& label, size_t n) {
  const std::string s = "v100-web-ref/" + label;
  Bytes out(n);
  v100::hash::shake256(out, v100::as_bytes(s));
  return out;
}

template <typename T>
std::string hex_of(const std::vector<T>& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  return v100::to_hex(Bytes(p, p + v.size() * sizeof(T)));
}

template <typename T>
std::string sha3_of(const std::vector<T>& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  const auto h = v100::hash::sha3_256(std::span<const uint8_t>(p, v.size() * sizeof(T)));
  return v100::to_hex(Bytes(h.begin(), h.end()));
}

// n values from SHAKE: uniform in [lo, hi) from 53-bit integers (exact doubles).
std::vector<double> values_of(const std::string& label, size_t n, double lo, double hi) {
  const Bytes b = derive_bytes(label, 8 * n);
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t x = 0;
    std::memcpy(&x, b.data() + 8 * i, 8);
    v[i] = lo + (hi - lo) * (static_cast<double>(x >> 11) * 0x1.0p-53);
  }
  return v;
}

void must(int rc, const char* what) {
  if (rc != kV100Ok) {
    std::fprintf(stderr, "v100_web_ref ckks: %s failed (%d)\n", what, rc);
    std::exit(1);
  }
}

double clamp01(double x) {
  return x < 0 ? 0 : (x > 1 ? 1 : x);
}

}  // namespace

json ckks_cases() {
  json out;
  json sets = json::array();
  struct Set {
    std::string label;
    size_t n;
    double lo, hi;
  };
  const Set kSets[] = {{"ckks/values/7", 7, 0.0, 1.0},
                       {"ckks/values/4096", 4096, 0.0, 1.0},
                       {"ckks/values/clamped", 300, -0.5, 1.5}};
  for (int s = 0; s < 2; ++s) {
    const Bytes seed = derive_bytes("ckks/" + std::to_string(s) + "/seed", 32);
    V100CkksReport* h = v100_ckks_report_new(seed.data());
    if (h == nullptr) must(-1, "v100_ckks_report_new");
    const v100::services::AttentionKeys keys(seed);
    const size_t n = 2 * v100_ckks_report_slots(h);
    for (size_t k = 0; k < std::size(kSets); ++k) {
      const Set& set = kSets[k];
      const std::vector<double> v = values_of(set.label, set.n, set.lo, set.hi);
      std::vector<double> coeffs(n);
      must(v100_ckks_report_slots_to_coeffs(h, coeffs.data(), n, v.data(), v.size()), "slots_to_coeffs");
      std::vector<uint64_t> pt(8 * n);
      size_t pt_len = 0;
      must(v100_ckks_report_encode(h, pt.data(), pt.size(), &pt_len, v.data(), v.size()), "encode");
      pt.resize(pt_len);
      const Bytes rnd = derive_bytes("ckks/" + std::to_string(s) + "/" + set.label + "/randomness", 32);
      std::vector<uint8_t> ct(2 << 20);
      size_t ct_len = 0;
      must(v100_ckks_report_encrypt(h, ct.data(), ct.size(), &ct_len, v.data(), v.size(), rnd.data()),
           "encrypt");
      ct.resize(ct_len);
      const Bytes drnd = derive_bytes("ckks/" + std::to_string(s) + "/" + set.label + "/flooding", 32);
      std::vector<double> dec(set.n);
      must(v100_ckks_report_decrypt(h, dec.data(), dec.size(), ct.data(), ct.size(), drnd.data()), "decrypt");
      // The native client's decryption of the C ABI's report: the clamped values.
      auto native = keys.decrypt(ct, set.n);
      if (!native.is_ok()) must(-2, "AttentionKeys::decrypt of the C ABI's report");
      double worst = 0;
      for (size_t i = 0; i < set.n; ++i) {
        worst = std::max(worst, std::fabs((*native)[i] - clamp01(v[i])));
        worst = std::max(worst, std::fabs(dec[i] - clamp01(v[i])));
      }
      if (worst > 0x1.0p-10) must(-3, "the report does not decrypt to its values");
      json c{
          {"seed", v100::to_hex(seed)},      {"values", hex_of(v)},          {"count", set.n},
          {"coeffs_sha3", sha3_of(coeffs)},  {"plaintext_words", pt.size()}, {"plaintext_sha3", sha3_of(pt)},
          {"randomness", v100::to_hex(rnd)}, {"ct_len", ct.size()},          {"ct_sha3", sha3_of(ct)},
          {"flooding", v100::to_hex(drnd)},  {"decrypted", hex_of(dec)},     {"max_error", worst}};
      if (s == 0 && k == 0) {
        c["coeffs"] = hex_of(coeffs);
        c["ct"] = hex_of(ct);
      }
      sets.push_back(c);
    }
    v100_ckks_report_free(h);
  }
  out["cases"] = sets;

  // A summed report of three members made by the native client's code.
  const Bytes seed = derive_bytes("ckks/sum/seed", 32);
  const v100::services::AttentionKeys keys(seed);
  std::vector<Bytes> reports;
  std::vector<double> model(50, 0.0);
  json members = json::array();
  for (int m = 0; m < 3; ++m) {
    const std::vector<double> v = values_of("ckks/sum/member/" + std::to_string(m), 50, -0.25, 1.25);
    for (size_t i = 0; i < v.size(); ++i) model[i] += clamp01(v[i]);
    reports.push_back(keys.encrypt(v));
    members.push_back(hex_of(v));
  }
  std::vector<v100::ByteSpan> spans(reports.begin(), reports.end());
  auto sum = v100::services::attention_sum(spans);
  if (!sum.is_ok()) must(-4, "attention_sum");
  out["sum"] = json{{"seed", v100::to_hex(seed)},
                    {"members", members},
                    {"count", model.size()},
                    {"model", hex_of(model)},
                    {"ct", v100::to_hex(*sum)}};
  return out;
}
