#include "core/secure.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace v100 {
namespace {

TEST(Secure, CtEqual) {
  Bytes a = random_bytes(48), b = a;
  EXPECT_TRUE(ct_equal(a, b));
  for (size_t i = 0; i < a.size(); ++i) {
    b[i] ^= 1;
    EXPECT_FALSE(ct_equal(a, b));
    b[i] ^= 1;
  }
  EXPECT_FALSE(ct_equal(a, ByteSpan(b.data(), 47)));
}

TEST(Secure, IsZeroMask) {
  EXPECT_EQ(ct_is_zero_mask(0), ~0ULL);
  for (uint64_t x : {1ULL, 2ULL, 1ULL << 63, ~0ULL, 12345ULL}) EXPECT_EQ(ct_is_zero_mask(x), 0ULL);
  EXPECT_EQ(ct_select_u8(0xff, 3, 4), 3);
  EXPECT_EQ(ct_select_u8(0x00, 3, 4), 4);
}

TEST(Secure, SecretBytesMovesAndWipes) {
  SecretBytes s(32);
  random_bytes(s.span());
  SecretBytes c = s.clone();
  EXPECT_TRUE(ct_equal(s.span(), c.span()));
  SecretBytes m = std::move(s);
  EXPECT_EQ(m.size(), 32u);
  EXPECT_TRUE(s.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined empty
  uint8_t buf[16];
  random_bytes(std::span<uint8_t>(buf, 16));
  secure_wipe(buf, sizeof buf);
  for (uint8_t v : buf) EXPECT_EQ(v, 0);
}

TEST(Rng, DistinctDraws) {
  EXPECT_NE(random_bytes(32), random_bytes(32));
  EXPECT_NE(random_u64(), random_u64());
}

}  // namespace
}  // namespace v100
