// A libFuzzer-compatible driver for the ordinary (g++, ASan+UBSan) test builds: feeds each fuzz
// target its checked-in corpus, then a bounded number of inputs derived from it by a seeded SHAKE
// stream (truncations, bit flips, byte splices, random bytes). It is not coverage-guided — the clang
// libFuzzer build (`make fuzz-run`) is — but it runs every parser on hostile bytes in every CI run.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hash/sha3.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  // usage: driver CORPUS_DIR [ITERATIONS]
  // A missing or empty corpus fails: mutating nothing but random bytes would pass while testing
  // little (a misnamed seed folder went unnoticed that way).
  if (argc < 2 || !std::filesystem::is_directory(argv[1])) {
    std::fprintf(stderr, "fuzz smoke: no corpus directory %s\n", argc > 1 ? argv[1] : "(none given)");
    return 1;
  }
  std::vector<std::vector<uint8_t>> corpus;
  for (const auto& e : std::filesystem::directory_iterator(argv[1])) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "fuzz smoke: corpus directory %s holds no seed\n", argv[1]);
    return 1;
  }
  long iterations = 20000;
  if (argc > 2) {
    // A mistyped count must not quietly become 0 mutated inputs.
    char* end = nullptr;
    iterations = std::strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || iterations <= 0) {
      std::fprintf(stderr, "fuzz smoke: bad iteration count %s\n", argv[2]);
      return 1;
    }
  }
  for (const auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());

  v100::hash::Shake256 xof;  // fixed seed: reproducible runs
  const char kSeed[] = "v100 fuzz smoke";
  xof.absorb({reinterpret_cast<const uint8_t*>(kSeed), sizeof kSeed});
  auto next = [&xof](uint32_t bound) {
    uint8_t b[4];
    xof.squeeze({b, 4});
    uint32_t v = uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 | uint32_t(b[3]) << 24;
    return bound ? v % bound : 0;
  };
  std::vector<uint8_t> buf;
  for (long it = 0; it < iterations; ++it) {
    buf = corpus[next(static_cast<uint32_t>(corpus.size()))];
    switch (next(5)) {
      case 0:  // truncate
        buf.resize(buf.empty() ? 0 : next(static_cast<uint32_t>(buf.size())));
        break;
      case 1:  // flip bits
        for (uint32_t k = 0, m = 1 + next(8); k < m && !buf.empty(); ++k)
          buf[next(static_cast<uint32_t>(buf.size()))] ^= static_cast<uint8_t>(1u << next(8));
        break;
      case 2: {  // overwrite a run with random bytes
        if (buf.empty()) break;
        uint32_t at = next(static_cast<uint32_t>(buf.size()));
        for (uint32_t k = at; k < buf.size() && k < at + 16; ++k) buf[k] = static_cast<uint8_t>(next(256));
        break;
      }
      case 3: {  // random bytes of random length
        buf.resize(next(4096));
        for (auto& b : buf) b = static_cast<uint8_t>(next(256));
        break;
      }
      default: {  // splice with another corpus entry / extend
        const auto& o = corpus[next(static_cast<uint32_t>(corpus.size()))];
        buf.insert(buf.end(), o.begin(), o.end());
        for (uint32_t k = 0, m = next(64); k < m; ++k) buf.push_back(static_cast<uint8_t>(next(256)));
        break;
      }
    }
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("fuzz smoke: %zu corpus inputs from %s, %ld mutated inputs, no crash\n", corpus.size(), argv[1],
              iterations);
  return 0;
}
