#include "media/merkle.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "core/secure.h"

namespace v100::media {
namespace {

const EVP_MD* sha256_md() {
  static EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) throw std::runtime_error("OpenSSL lacks SHA-256");
    return m;
  }();
  return md;
}

Digest hash_parts(uint8_t prefix, const Digest* a, const Digest* b) {
  uint8_t buf[65];
  buf[0] = prefix;
  size_t n = 1;
  for (const Digest* d : {a, b}) {
    if (d == nullptr) continue;
    for (uint8_t x : *d) buf[n++] = x;
  }
  return sha256(ByteSpan(buf, n));
}

Digest node_hash(const Digest& l, const Digest& r) {
  return hash_parts(0x01, &l, &r);
}

size_t split_point(size_t n) {  // largest power of two strictly below n (n >= 2)
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Digest mth(std::span<const Digest> leaves) {
  if (leaves.size() == 1) return merkle_leaf_hash(leaves[0]);
  const size_t k = split_point(leaves.size());
  return node_hash(mth(leaves.first(k)), mth(leaves.subspan(k)));
}

void path(std::span<const Digest> leaves, size_t m, std::vector<Digest>& out) {
  if (leaves.size() <= 1) return;
  const size_t k = split_point(leaves.size());
  if (m < k) {
    path(leaves.first(k), m, out);
    out.push_back(mth(leaves.subspan(k)));
  } else {
    path(leaves.subspan(k), m - k, out);
    out.push_back(mth(leaves.first(k)));
  }
}

}  // namespace

Digest sha256(ByteSpan data) {
  Digest d;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), d.data(), &len, sha256_md(), nullptr) != 1 || len != 32)
    throw std::runtime_error("SHA-256 failed");
  return d;
}

Digest merkle_leaf_hash(const Digest& leaf) {
  return hash_parts(0x00, &leaf, nullptr);
}

Digest merkle_root(std::span<const Digest> leaves) {
  if (leaves.empty()) return sha256({});
  return mth(leaves);
}

std::vector<Digest> merkle_inclusion_proof(std::span<const Digest> leaves, size_t index) {
  if (index >= leaves.size()) throw std::invalid_argument("merkle_inclusion_proof: index out of range");
  std::vector<Digest> out;
  path(leaves, index, out);
  return out;
}

bool merkle_verify_inclusion(const Digest& leaf, size_t index, size_t num_leaves,
                             std::span<const Digest> proof, const Digest& root) {
  // RFC 9162 §2.1.3.2, steps 1-6.
  if (index >= num_leaves) return false;
  size_t fn = index, sn = num_leaves - 1;
  Digest r = merkle_leaf_hash(leaf);
  for (const Digest& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && ct_equal(r, root);
}

}  // namespace v100::media
