// ML-KEM against every NIST ACVP case (FIPS 203 keyGen, encapsulation, decapsulation with implicit
// rejection, and the §7.2/§7.3 key checks), for all three parameter sets, on both the portable and
// the vector path; plus the §7.2 modulus check on correctly sized keys and exhaustive Compress_d.
#include "pq/mlkem/mlkem.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <map>
#include <string>

#include "common/vectors.h"
#include "core/cpu.h"
#include "core/rng.h"
#include "hash/sha3.h"
#include "pq/mlkem/internal.h"

namespace v100::pq::mlkem {
namespace {

using nlohmann::json;
using testing::hex_field;
using testing::load_vectors;

int rank_of(const std::string& parameter_set) {
  if (parameter_set == "ML-KEM-512") return 2;
  if (parameter_set == "ML-KEM-768") return 3;
  if (parameter_set == "ML-KEM-1024") return 4;
  throw std::runtime_error("unknown parameter set " + parameter_set);
}

Bytes to_bytes(ByteSpan s) {
  return Bytes(s.begin(), s.end());
}

// Runs the whole suite once on the portable path and once on the vector path (the same as the
// portable one on a CPU without AVX2).
class MlKemVectors : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { cpu::force_portable(GetParam()); }
  void TearDown() override { cpu::force_portable(false); }
};

template <int K>
void check_keygen(const json& t) {
  Bytes d = hex_field(t, "d"), z = hex_field(t, "z");
  auto kp = keygen_internal<K>(std::span<const uint8_t, 32>(d.data(), 32),
                               std::span<const uint8_t, 32>(z.data(), 32));
  EXPECT_EQ(to_bytes(kp.ek.span()), hex_field(t, "ek")) << "tcId " << t["tcId"];
  EXPECT_EQ(Bytes(kp.dk.bytes().begin(), kp.dk.bytes().end()), hex_field(t, "dk")) << "tcId " << t["tcId"];
}

TEST_P(MlKemVectors, KeyGenAllCases) {
  json v = load_vectors("acvp/ML-KEM-keyGen-FIPS203/internalProjection.json");
  std::map<int, int> ran;  // rank -> cases
  for (const auto& g : v["testGroups"]) {
    int k = rank_of(g["parameterSet"]);
    for (const auto& t : g["tests"]) {
      if (k == 2) check_keygen<2>(t);
      if (k == 3) check_keygen<3>(t);
      if (k == 4) check_keygen<4>(t);
      ++ran[k];
    }
  }
  EXPECT_EQ(ran, (std::map<int, int>{{2, 25}, {3, 25}, {4, 25}}));
}

template <int K>
void check_encaps(const json& t) {
  auto ek = EncapsulationKey<K>::from_bytes(hex_field(t, "ek"));
  ASSERT_TRUE(ek.is_ok()) << ek.message();
  Bytes m = hex_field(t, "m");
  auto enc = encaps_internal<K>(*ek, std::span<const uint8_t, 32>(m.data(), 32));
  EXPECT_EQ(to_bytes(enc.ciphertext.span()), hex_field(t, "c")) << "tcId " << t["tcId"];
  EXPECT_EQ(to_bytes(enc.key.span()), hex_field(t, "k")) << "tcId " << t["tcId"];
  // Round trip through the given dk.
  auto dk = DecapsulationKey<K>::from_bytes(hex_field(t, "dk"));
  ASSERT_TRUE(dk.is_ok()) << dk.message();
  EXPECT_EQ(to_bytes(decaps<K>(*dk, enc.ciphertext).span()), hex_field(t, "k")) << "tcId " << t["tcId"];
}

template <int K>
void check_decaps(const json& t) {
  auto dk = DecapsulationKey<K>::from_bytes(hex_field(t, "dk"));
  ASSERT_TRUE(dk.is_ok()) << dk.message();
  auto c = Ciphertext<K>::from_bytes(hex_field(t, "c"));
  ASSERT_TRUE(c.is_ok()) << c.message();
  EXPECT_EQ(to_bytes(decaps<K>(*dk, *c).span()), hex_field(t, "k"))
      << "tcId " << t["tcId"] << " " << t["reason"];
}

template <int K>
void check_dk(const json& t) {
  auto dk = DecapsulationKey<K>::from_bytes(hex_field(t, "dk"));
  EXPECT_EQ(dk.is_ok(), t["testPassed"].get<bool>()) << "tcId " << t["tcId"] << " " << t["reason"];
}

template <int K>
void check_ek(const json& t) {
  auto ek = EncapsulationKey<K>::from_bytes(hex_field(t, "ek"));
  EXPECT_EQ(ek.is_ok(), t["testPassed"].get<bool>()) << "tcId " << t["tcId"] << " " << t["reason"];
}

TEST_P(MlKemVectors, EncapDecapAllCases) {
  json v = load_vectors("acvp/ML-KEM-encapDecap-FIPS203/internalProjection.json");
  std::map<std::pair<std::string, int>, int> ran;  // (function, rank) -> cases
  for (const auto& g : v["testGroups"]) {
    int k = rank_of(g["parameterSet"]);
    std::string fn = g["function"];
    for (const auto& t : g["tests"]) {
      auto run = [&]<int K>() {
        if (fn == "encapsulation")
          check_encaps<K>(t);
        else if (fn == "decapsulation")
          check_decaps<K>(t);
        else if (fn == "decapsulationKeyCheck")
          check_dk<K>(t);
        else if (fn == "encapsulationKeyCheck")
          check_ek<K>(t);
        else
          FAIL() << "unknown function " << fn;
      };
      if (k == 2) run.template operator()<2>();
      if (k == 3) run.template operator()<3>();
      if (k == 4) run.template operator()<4>();
      ++ran[{fn, k}];
    }
  }
  std::map<std::pair<std::string, int>, int> expected;
  for (int k : {2, 3, 4}) {
    expected[{"encapsulation", k}] = 25;
    expected[{"decapsulation", k}] = 10;
    expected[{"decapsulationKeyCheck", k}] = 10;
    expected[{"encapsulationKeyCheck", k}] = 10;
  }
  EXPECT_EQ(ran, expected);
}

// §7.2 with keys of the right length: any encoded coefficient >= q must be rejected.
template <int K>
void modulus_check_case() {
  auto kp = keygen<K>();
  Bytes ek = to_bytes(kp.ek.span());
  ASSERT_TRUE(EncapsulationKey<K>::from_bytes(ek).is_ok());
  int cases = 0;
  for (int poly = 0; poly < K; ++poly) {
    for (int coeff : {0, 1, 2, 3, 100, 101, 254, 255}) {
      for (uint16_t value : {uint16_t{3329}, uint16_t{3330}, uint16_t{4095}}) {
        Bytes bad = ek;
        uint8_t* p = bad.data() + 384 * poly + 3 * (coeff / 2);
        if (coeff % 2 == 0) {
          p[0] = static_cast<uint8_t>(value);
          p[1] = static_cast<uint8_t>((p[1] & 0xf0) | (value >> 8));
        } else {
          p[1] = static_cast<uint8_t>((p[1] & 0x0f) | ((value & 0x0f) << 4));
          p[2] = static_cast<uint8_t>(value >> 4);
        }
        EXPECT_FALSE(EncapsulationKey<K>::from_bytes(bad).is_ok()) << poly << " " << coeff << " " << value;
        ++cases;
      }
      // q - 1 in the same place is fine.
      Bytes good = ek;
      uint8_t* p = good.data() + 384 * poly + 3 * (coeff / 2);
      if (coeff % 2 == 0) {
        p[0] = 0x00;
        p[1] = static_cast<uint8_t>((p[1] & 0xf0) | 0x0d);
      } else {
        p[1] = static_cast<uint8_t>((p[1] & 0x0f) | 0x00);
        p[2] = 0xd0;
      }
      EXPECT_TRUE(EncapsulationKey<K>::from_bytes(good).is_ok()) << poly << " " << coeff;
    }
  }
  EXPECT_EQ(cases, K * 8 * 3);
  // The rho part (last 32 bytes) is unconstrained.
  Bytes rho_changed = ek;
  for (size_t i = ek.size() - 32; i < ek.size(); ++i) rho_changed[i] = 0xff;
  EXPECT_TRUE(EncapsulationKey<K>::from_bytes(rho_changed).is_ok());
}

TEST(MlKem, EncapsulationKeyModulusCheckRightLength) {
  modulus_check_case<2>();
  modulus_check_case<3>();
  modulus_check_case<4>();
}

TEST(MlKem, WrongLengthsRejected) {
  Bytes b(5000, 0);
  for (size_t n : {0, 1183, 1185, 2399, 2401, 1087, 1089}) {
    EXPECT_FALSE(EncapsulationKey<3>::from_bytes(ByteSpan(b.data(), n)).is_ok());
    EXPECT_FALSE(DecapsulationKey<3>::from_bytes(ByteSpan(b.data(), n)).is_ok());
    EXPECT_FALSE(Ciphertext<3>::from_bytes(ByteSpan(b.data(), n)).is_ok());
  }
}

Bytes shake256_openssl(ByteSpan a, ByteSpan b, size_t n) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_shake256(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  Bytes out(n);
  EVP_DigestFinalXOF(ctx, out.data(), n);
  EVP_MD_CTX_free(ctx);
  return out;
}

// Round trips with fresh keys, and implicit rejection: a modified ciphertext decapsulates to
// J(z || c) (computed here with OpenSSL's SHAKE256).
template <int K>
void round_trip_case() {
  for (int i = 0; i < 5; ++i) {
    auto kp = keygen<K>();
    auto enc = encaps<K>(kp.ek);
    EXPECT_TRUE(ct_equal(decaps<K>(kp.dk, enc.ciphertext).span(), enc.key.span()));
    Bytes c = to_bytes(enc.ciphertext.span());
    c[static_cast<size_t>(random_u64() % c.size())] ^= static_cast<uint8_t>(1u << (random_u64() % 8));
    auto bad = Ciphertext<K>::from_bytes(c);
    ASSERT_TRUE(bad.is_ok());
    ByteSpan z(kp.dk.bytes().data() + Params<K>::kDecapsulationKeyBytes - 32, 32);
    EXPECT_EQ(to_bytes(decaps<K>(kp.dk, *bad).span()), shake256_openssl(z, c, 32));
    EXPECT_EQ(to_bytes(kp.dk.encapsulation_key().span()), to_bytes(kp.ek.span()));
  }
}

TEST_P(MlKemVectors, RoundTripAndImplicitRejection) {
  round_trip_case<2>();
  round_trip_case<3>();
  round_trip_case<4>();
}

INSTANTIATE_TEST_SUITE_P(Paths, MlKemVectors, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "Portable" : "Vector"; });

// Compress_d by multiply-shift equals the exact rounding round(2^d x / q) mod 2^d for every x.
TEST(MlKemInternal, CompressExhaustive) {
  for (int d : {1, 4, 5, 10, 11}) {
    for (uint32_t x = 0; x < 3329; ++x) {
      uint32_t exact = ((x << (d + 1)) + 3329) / (2 * 3329);  // floor(2^d x / q + 1/2)
      ASSERT_EQ(internal::compress_coeff(x, d), exact % (1u << d)) << d << " " << x;
    }
  }
  // And the multiply-shift division identity behind it over its whole input range.
  for (uint64_t n = 0; n < (1u << 23); ++n) ASSERT_EQ((n * 10321340ULL) >> 35, n / 3329) << n;
}

}  // namespace
}  // namespace v100::pq::mlkem
