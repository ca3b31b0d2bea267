// SFrame protect/unprotect against the raw OpenSSL AES-256-GCM seal they are built on. Distinct
// random payloads per iteration (a rotating pool); contexts are created once, as in real use.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <vector>

#include "core/rng.h"
#include "media/sframe_context.h"

namespace {

using v100::Bytes;
using v100::ByteSpan;
namespace media = v100::media;

constexpr size_t kPool = 64;

std::vector<Bytes> payload_pool(size_t size) {
  std::vector<Bytes> pool;
  for (size_t i = 0; i < kPool; ++i) pool.push_back(v100::random_bytes(size));
  return pool;
}

void protect_bench(benchmark::State& state, size_t size,
                   media::CipherSuite suite = media::kDefaultCipherSuite) {
  auto pool = payload_pool(size);
  v100::SecretBytes secret = v100::random_seed32();
  media::SenderContext tx(5, media::SenderOptions{suite});
  tx.set_epoch(1, secret.span());
  Bytes out(tx.max_protected_size(size));
  Bytes meta = v100::random_bytes(8);
  size_t i = 0;
  for (auto _ : state) {
    auto n = tx.protect(meta, pool[i++ % kPool], out);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void BM_Protect1200(benchmark::State& state) {
  protect_bench(state, 1200);
}
BENCHMARK(BM_Protect1200)->Name("sframe/protect_1200")->Unit(benchmark::kMicrosecond);

void BM_Protect16k(benchmark::State& state) {
  protect_bench(state, 16384);
}
BENCHMARK(BM_Protect16k)->Name("sframe/protect_16k")->Unit(benchmark::kMicrosecond);

void BM_Protect1200CtrHmac(benchmark::State& state) {
  protect_bench(state, 1200, media::CipherSuite::kAes128CtrHmacSha256_80);
}
BENCHMARK(BM_Protect1200CtrHmac)->Name("sframe/protect_1200_ctr_hmac_80")->Unit(benchmark::kMicrosecond);

void unprotect_bench(benchmark::State& state, size_t size) {
  // Frames are produced ahead of time; the replay window forbids decrypting one frame twice, so
  // each pass over the pool uses a fresh receiver (built outside the timed region).
  const size_t kFrames = size > 4096 ? 512 : 4096;  // bounded memory for large frames
  v100::SecretBytes secret = v100::random_seed32();
  media::SenderContext tx(5);
  tx.set_epoch(1, secret.span());
  Bytes meta = v100::random_bytes(8);
  std::vector<Bytes> frames;
  for (size_t i = 0; i < kFrames; ++i) frames.push_back(*tx.protect(meta, v100::random_bytes(size)));
  media::ReceiverOptions opts;
  opts.replay_window = kFrames;
  auto rx = std::make_unique<media::ReceiverContext>(opts);
  rx->set_epoch(1, secret.span());
  Bytes out(size + 64);
  size_t i = 0;
  for (auto _ : state) {
    if (i == kFrames) {
      state.PauseTiming();
      rx = std::make_unique<media::ReceiverContext>(opts);
      rx->set_epoch(1, secret.span());
      i = 0;
      state.ResumeTiming();
    }
    auto r = rx->unprotect(meta, frames[i++], out);
    if (!r.is_ok()) state.SkipWithError(r.message().c_str());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void BM_Unprotect1200(benchmark::State& state) {
  unprotect_bench(state, 1200);
}
BENCHMARK(BM_Unprotect1200)->Name("sframe/unprotect_1200")->Unit(benchmark::kMicrosecond);

void BM_Unprotect16k(benchmark::State& state) {
  unprotect_bench(state, 16384);
}
BENCHMARK(BM_Unprotect16k)->Name("sframe/unprotect_16k")->Unit(benchmark::kMicrosecond);

// Baseline: plain EVP AES-256-GCM seal of 1200 bytes, one context keyed once, only the IV set per
// call (what any careful caller of OpenSSL would write), no AAD.
void BM_RawEvpSeal1200(benchmark::State& state) {
  auto pool = payload_pool(1200);
  Bytes key = v100::random_bytes(32);
  Bytes iv = v100::random_bytes(12);
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, cipher, nullptr, key.data(), nullptr);
  Bytes out(1200 + 16);
  uint64_t counter = 0;
  size_t i = 0;
  for (auto _ : state) {
    ++counter;
    for (int b = 0; b < 8; ++b) iv[4 + b] = static_cast<uint8_t>(counter >> (8 * b));
    int outl = 0;
    EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data());
    const Bytes& pt = pool[i++ % kPool];
    EVP_EncryptUpdate(ctx, out.data(), &outl, pt.data(), static_cast<int>(pt.size()));
    EVP_EncryptFinal_ex(ctx, out.data() + outl, &outl);
    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + 1200);
    benchmark::DoNotOptimize(out.data());
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 1200));
}
BENCHMARK(BM_RawEvpSeal1200)->Name("aead/raw_evp_seal_1200")->Unit(benchmark::kMicrosecond);

}  // namespace
