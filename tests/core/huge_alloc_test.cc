#include "core/huge_alloc.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace v100 {
namespace {

using HugeWords = std::vector<uint64_t, HugePageAllocator<uint64_t>>;

TEST(HugePageAllocator, AlignsLargeBlocksToHugePages) {
  for (size_t bytes :
       {kHugeAllocThreshold, kHugeAllocThreshold + 8, kHugePageBytes, 3 * kHugePageBytes + 64}) {
    HugeWords v(bytes / 8);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u) << bytes;
    for (size_t i = 0; i < v.size(); ++i) v[i] = i * 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < v.size(); i += 4099) ASSERT_EQ(v[i], i * 0x9E3779B97F4A7C15ULL);
    EXPECT_EQ(v.back(), (v.size() - 1) * 0x9E3779B97F4A7C15ULL);
  }
}

TEST(HugePageAllocator, SmallBlocksAreCacheLineAligned) {
  for (size_t words : {1, 7, 8, 1000, 100000}) {
    HugeWords v(words, 5);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % 64, 0u) << words;
    EXPECT_EQ(v.front(), 5u);
    EXPECT_EQ(v.back(), 5u);
  }
}

TEST(HugePageAllocator, BehavesAsAVectorAllocator) {
  HugeWords v;
  for (uint64_t i = 0; i < 300000; ++i) v.push_back(i);  // grows across the threshold
  HugeWords w = v;
  EXPECT_EQ(v, w);
  w.resize(10);
  v = std::move(w);
  EXPECT_EQ(v.size(), 10u);
  EXPECT_EQ(v[9], 9u);
  EXPECT_THROW(HugePageAllocator<uint64_t>().allocate(~size_t{0} / 4), std::bad_alloc);
}

}  // namespace
}  // namespace v100
