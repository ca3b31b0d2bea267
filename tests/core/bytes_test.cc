#include "core/bytes.h"

#include <gtest/gtest.h>

#include "core/rng.h"

namespace v100 {
namespace {

TEST(Hex, RoundTripRandom) {
  for (size_t n : {0u, 1u, 7u, 64u, 1000u}) {
    Bytes b = random_bytes(n);
    auto back = from_hex(to_hex(b));
    ASSERT_TRUE(back.is_ok());
    EXPECT_EQ(*back, b);
  }
}

TEST(Hex, RejectsBadInput) {
  EXPECT_FALSE(from_hex("abc").is_ok());
  EXPECT_FALSE(from_hex("zz").is_ok());
  EXPECT_EQ(from_hex("0aFF")->size(), 2u);
  EXPECT_EQ((*from_hex("0aFF"))[1], 0xff);
}

TEST(ByteReader, TruncationNeverReadsPastEnd) {
  ByteWriter w;
  w.u32(0xdeadbeef);
  w.u64(0x0102030405060708ULL);
  w.blob(as_bytes("hello"));
  Bytes all = w.take();
  for (size_t cut = 0; cut < all.size(); ++cut) {
    ByteReader r(ByteSpan(all.data(), cut));
    uint32_t a;
    uint64_t b;
    ByteSpan s;
    bool ok = r.u32(a) && r.u64(b) && r.blob(s, 100);
    EXPECT_FALSE(ok) << cut;
  }
  ByteReader r(all);
  uint32_t a;
  uint64_t b;
  ByteSpan s;
  ASSERT_TRUE(r.u32(a) && r.u64(b) && r.blob(s, 100));
  EXPECT_EQ(a, 0xdeadbeefu);
  EXPECT_EQ(b, 0x0102030405060708ULL);
  EXPECT_EQ(std::string(s.begin(), s.end()), "hello");
  EXPECT_TRUE(r.at_end());
}

TEST(ByteReader, BlobLengthLimitEnforced) {
  ByteWriter w;
  w.blob(as_bytes("0123456789"));
  Bytes all = w.take();
  ByteReader r(all);
  ByteSpan s;
  EXPECT_FALSE(r.blob(s, 9));
  EXPECT_EQ(r.position(), 0u);
  EXPECT_TRUE(r.blob(s, 10));
}

TEST(ResultType, ErrorCarriesMessage) {
  Result<int> r = Result<int>::error("bad thing");
  EXPECT_FALSE(r.is_ok());
  EXPECT_EQ(r.message(), "bad thing");
  EXPECT_THROW((void)r.value(), std::logic_error);
  Result<int> g = 5;
  EXPECT_EQ(*g, 5);
}

}  // namespace
}  // namespace v100
