// Serialization: round trips (full and seeded forms), sizes, and malformed input rejected without
// throwing: truncation at every length, trailing bytes, header corruption, residues >= q, bad
// level/size/scale/Galois element, objects for other parameters.
#include "fhe/ckks/serialization.h"

#include <gtest/gtest.h>

#include <cstring>

#include "ckks_test_util.h"
#include "fhe/ckks/evaluator.h"

using namespace v100::fhe::ckks;
using namespace v100::fhe::ckks::testing;

namespace {

bool same(const KeySwitchKey& x, const KeySwitchKey& y) {
  return x.data == y.data && x.n == y.n && x.digits == y.digits && x.num_q == y.num_q &&
         x.num_special == y.num_special && x.tag == y.tag && x.a_seed == y.a_seed;
}

struct Env {
  ContextPtr ctx = CkksContext::create("insecure-test-ckks-1024");
  KeyGenerator kg{ctx, std::vector<uint8_t>(32, 9)};
  CkksEncoder enc{ctx};
};

Env& env() {
  static Env e;
  return e;
}

}  // namespace

TEST(CkksSerialization, CiphertextRoundTrips) {
  Env& e = env();
  TestRng rng("ser");
  auto x = rng.complexes(e.ctx->slot_count(), 1.0);
  Encryptor encr(e.ctx, e.kg.public_key());
  Decryptor dec(e.ctx, e.kg.secret_key_ref());
  Ciphertext ct = encr.encrypt(e.enc.encode(x, e.ctx->params().default_scale(), 2));
  auto bytes = serialize(*e.ctx, ct);
  auto back = deserialize_ciphertext(*e.ctx, bytes);
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back->data, ct.data);
  EXPECT_EQ(back->level, ct.level);
  EXPECT_EQ(back->scale, ct.scale);
  EXPECT_EQ(serialize(*e.ctx, *back), bytes);
  // Size-3 ciphertexts too.
  Evaluator ev(e.ctx);
  Ciphertext m = ev.multiply(ct, ct);
  auto mb = deserialize_ciphertext(*e.ctx, serialize(*e.ctx, m));
  ASSERT_TRUE(mb.is_ok());
  EXPECT_EQ(mb->data, m.data);
  // Seeded symmetric ciphertext: about half the size, decrypts to the same values.
  SymmetricEncryptor sym(e.ctx, e.kg.secret_key_ref());
  SeededCiphertext sc = sym.encrypt(e.enc.encode(x, e.ctx->params().default_scale(), 2));
  auto sb = serialize(*e.ctx, sc);
  auto full = serialize(*e.ctx, sc.ct);
  EXPECT_LT(sb.size(), full.size() / 2 + 64);
  auto sback = deserialize_ciphertext(*e.ctx, sb);
  ASSERT_TRUE(sback.is_ok()) << sback.message();
  EXPECT_EQ(sback->data, sc.ct.data);
  std::printf("[size] insecure-test-1024 level 2: ciphertext %zu B, seeded %zu B\n", full.size(), sb.size());
}

TEST(CkksSerialization, KeysRoundTrip) {
  Env& e = env();
  PublicKey pk = e.kg.public_key();
  auto pb = deserialize_public_key(*e.ctx, serialize(*e.ctx, pk));
  ASSERT_TRUE(pb.is_ok()) << pb.message();
  EXPECT_EQ(pb->a.data(), pk.a.data());
  EXPECT_EQ(pb->b.data(), pk.b.data());
  RelinKey rk = e.kg.relin_key();
  auto rb = deserialize_relin_key(*e.ctx, serialize(*e.ctx, rk));
  ASSERT_TRUE(rb.is_ok()) << rb.message();
  EXPECT_TRUE(same(rb->key, rk.key));
  std::vector<int64_t> steps{1, 2};
  GaloisKeys gk = e.kg.galois_keys(steps, true);
  auto gb = deserialize_galois_keys(*e.ctx, serialize(*e.ctx, gk));
  ASSERT_TRUE(gb.is_ok()) << gb.message();
  ASSERT_EQ(gb->keys.size(), gk.keys.size());
  for (auto& [g, k] : gk.keys) {
    EXPECT_TRUE(same(gb->keys.at(g), k));
  }
}

TEST(CkksSerialization, LoadedKeysWork) {
  // Keys that went through bytes encrypt, relinearize and rotate correctly.
  Env& e = env();
  auto pk = deserialize_public_key(*e.ctx, serialize(*e.ctx, e.kg.public_key()));
  auto rk = deserialize_relin_key(*e.ctx, serialize(*e.ctx, e.kg.relin_key()));
  std::vector<int64_t> steps{1};
  auto gk = deserialize_galois_keys(*e.ctx, serialize(*e.ctx, e.kg.galois_keys(steps, true)));
  ASSERT_TRUE(pk.is_ok() && rk.is_ok() && gk.is_ok());
  Encryptor encr(e.ctx, *pk);
  Decryptor dec(e.ctx, e.kg.secret_key_ref());
  Evaluator ev(e.ctx);
  TestRng rng("loaded");
  auto x = rng.complexes(e.ctx->slot_count(), 1.0);
  Ciphertext ct = encr.encrypt(e.enc.encode(x, e.ctx->params().default_scale(), e.ctx->max_level()));
  auto loaded = deserialize_ciphertext(*e.ctx, serialize(*e.ctx, ct));
  ASSERT_TRUE(loaded.is_ok());
  auto sq = dec.decrypt_unflooded(ev.rotate(ev.multiply_relin_rescale(*loaded, *loaded, *rk), 1, *gk));
  auto cj = dec.decrypt_unflooded(ev.conjugate(*loaded, *gk));
  const size_t n = e.ctx->slot_count();
  double err = 0, errc = 0;
  for (size_t i = 0; i < n; ++i) {
    err = std::max(err, std::abs(sq[i] - x[(i + 1) % n] * x[(i + 1) % n]));
    errc = std::max(errc, std::abs(cj[i] - std::conj(x[i])));
  }
  EXPECT_LT(err, 1e-4);
  EXPECT_LT(errc, 1e-4);
}

TEST(CkksSerialization, MalformedInputRejected) {
  Env& e = env();
  Encryptor encr(e.ctx, e.kg.public_key());
  std::vector<double> v{1, 2, 3};
  Ciphertext ct = encr.encrypt(e.enc.encode(v, e.ctx->params().default_scale(), 1));
  auto good = serialize(*e.ctx, ct);
  // Truncation at many lengths, and one trailing byte.
  for (size_t len = 0; len < good.size(); len += (len < 64 ? 1 : 997)) {
    EXPECT_FALSE(deserialize_ciphertext(*e.ctx, v100::ByteSpan(good.data(), len)).is_ok()) << len;
  }
  auto longer = good;
  longer.push_back(0);
  EXPECT_FALSE(deserialize_ciphertext(*e.ctx, longer).is_ok());
  auto corrupt = [&](size_t pos, uint8_t val) {
    auto b = good;
    b[pos] = val;
    return deserialize_ciphertext(*e.ctx, b);
  };
  EXPECT_FALSE(corrupt(0, 'X').is_ok());          // magic
  EXPECT_FALSE(corrupt(4, 2).is_ok());            // version
  EXPECT_FALSE(corrupt(5, 3).is_ok());            // kind: a public key is not a ciphertext
  EXPECT_FALSE(corrupt(6, good[6] ^ 1).is_ok());  // fingerprint
  EXPECT_FALSE(corrupt(14, 4).is_ok());           // size 4
  EXPECT_FALSE(corrupt(15, 9).is_ok());           // level above top
  {
    auto b = good;
    double bad = std::nan("");
    std::memcpy(&b[16], &bad, 8);
    EXPECT_FALSE(deserialize_ciphertext(*e.ctx, b).is_ok());
    double huge = 0x1p200;
    std::memcpy(&b[16], &huge, 8);
    EXPECT_FALSE(deserialize_ciphertext(*e.ctx, b).is_ok());
  }
  {
    // First residue set to all ones (>= q_0).
    auto b = good;
    for (size_t i = 24; i < 24 + 7; ++i) b[i] = 0xff;
    auto r = deserialize_ciphertext(*e.ctx, b);
    EXPECT_FALSE(r.is_ok());
    EXPECT_NE(r.message().find("range"), std::string::npos) << r.message();
  }
  // A ciphertext for other parameters.
  auto other = CkksContext::create("insecure-test-ckks-2048");
  EXPECT_FALSE(deserialize_ciphertext(*other, good).is_ok());
  // Keys: truncated / wrong kind / bad Galois element.
  auto pk = serialize(*e.ctx, e.kg.public_key());
  EXPECT_FALSE(deserialize_public_key(*e.ctx, v100::ByteSpan(pk.data(), pk.size() - 1)).is_ok());
  EXPECT_FALSE(deserialize_relin_key(*e.ctx, pk).is_ok());
  std::vector<int64_t> steps{1};
  auto gk = serialize(*e.ctx, e.kg.galois_keys(steps, false));
  for (size_t len = 0; len < gk.size(); len += (len < 64 ? 1 : 4099)) {
    EXPECT_FALSE(deserialize_galois_keys(*e.ctx, v100::ByteSpan(gk.data(), len)).is_ok()) << len;
  }
  auto bad = gk;
  bad[0] ^= 1;
  EXPECT_FALSE(deserialize_galois_keys(*e.ctx, bad).is_ok());
  EXPECT_FALSE(deserialize_relin_key(*e.ctx, gk).is_ok());
  EXPECT_FALSE(deserialize_galois_keys(*other, gk).is_ok());
}
