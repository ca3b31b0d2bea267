// SHA-3/SHAKE checked against OpenSSL's independent implementation (one-shot) on random inputs of
// every length around the rate boundaries, and incremental absorb/squeeze against one-shot.
#include "hash/sha3.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "core/rng.h"

namespace v100::hash {
namespace {

Bytes openssl_digest(const char* name, ByteSpan in, size_t out_len) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Bytes out(out_len);
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, in.data(), in.size());
  if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) {
    EVP_DigestFinalXOF(ctx, out.data(), out.size());
  } else {
    unsigned n = 0;
    EVP_DigestFinal_ex(ctx, out.data(), &n);
    out.resize(n);
  }
  EVP_MD_CTX_free(ctx);
  EVP_MD_free(md);
  return out;
}

TEST(Sha3, MatchesOpenSslAllLengthsNearRates) {
  for (size_t n = 0; n < 400; ++n) {
    Bytes in = random_bytes(n);
    auto a = sha3_256(in);
    EXPECT_EQ(Bytes(a.begin(), a.end()), openssl_digest("SHA3-256", in, 32)) << n;
    auto b = sha3_512(in);
    EXPECT_EQ(Bytes(b.begin(), b.end()), openssl_digest("SHA3-512", in, 64)) << n;
    Bytes s1(n + 1), s2(2 * n + 3);
    shake128(s1, in);
    EXPECT_EQ(s1, openssl_digest("SHAKE128", in, s1.size())) << n;
    shake256(s2, in);
    EXPECT_EQ(s2, openssl_digest("SHAKE256", in, s2.size())) << n;
  }
}

TEST(Sha3, EmptyStringKnownAnswer) {
  // FIPS 202 example value for SHA3-256("").
  auto d = sha3_256({});
  EXPECT_EQ(to_hex(d), "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
}

TEST(Shake, IncrementalEqualsOneShot) {
  Bytes in = random_bytes(1000);
  Bytes ref(777);
  shake256(ref, in);
  for (size_t chunk : {1u, 7u, 135u, 136u, 137u, 500u}) {
    Shake256 x;
    for (size_t off = 0; off < in.size(); off += chunk)
      x.absorb(ByteSpan(in.data() + off, std::min(chunk, in.size() - off)));
    Bytes out(ref.size());
    for (size_t off = 0; off < out.size(); off += chunk)
      x.squeeze(MutableByteSpan(out.data() + off, std::min(chunk, out.size() - off)));
    EXPECT_EQ(out, ref) << chunk;
  }
}

TEST(Shake, SqueezeBlocksEqualsSqueeze) {
  Bytes in = random_bytes(34);
  Shake128 a, b;
  a.absorb(in);
  b.absorb(in);
  Bytes x(168 * 5), y(168 * 5);
  a.squeeze_blocks(x.data(), 5);
  b.squeeze(y);
  EXPECT_EQ(x, y);
}

TEST(Shake, AbsorbAfterSqueezeIsCallerBug) {
  Shake128 a;
  uint8_t o[4];
  a.squeeze(MutableByteSpan(o, 4));
  EXPECT_THROW(a.absorb(ByteSpan(o, 4)), std::logic_error);
}

}  // namespace
}  // namespace v100::hash
