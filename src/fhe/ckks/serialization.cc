#include "fhe/ckks/serialization.h"

#include <cmath>
#include <cstring>

#include "fhe/common/serialize.h"

namespace v100::fhe::ckks {

namespace {

// Ciphertext kinds of the CKKS format (keys use the fhe/common formats).
enum Kind : uint8_t { kCiphertext = 1, kSeededCiphertext = 2 };
constexpr uint8_t kMagic[4] = {'V', '1', 'C', 'K'};

void header(ByteWriter& w, const CkksContext& ctx, Kind kind) {
  w.bytes(ByteSpan(kMagic, 4));
  w.u8(kSerialVersion);
  w.u8(kind);
  w.u64(ctx.fingerprint());
}

Status read_header(ByteReader& r, const CkksContext& ctx, Kind& kind) {
  ByteSpan magic;
  uint8_t version = 0, k = 0;
  uint64_t fp = 0;
  if (!r.bytes(4, magic) || !r.u8(version) || !r.u8(k) || !r.u64(fp))
    return Status::error("ckks: truncated header");
  if (std::memcmp(magic.data(), kMagic, 4) != 0) return Status::error("ckks: bad magic (not a CKKS object)");
  if (version != kSerialVersion)
    return Status::error("ckks: unsupported format version " + std::to_string(version));
  if (fp != ctx.fingerprint()) return Status::error("ckks: object was made for different parameters");
  kind = static_cast<Kind>(k);
  return Status::ok();
}

// Bit-packs `count` residues of modulus j each (residues j0..j0+num-1 taken from the moduli list).
void pack(ByteWriter& w, const uint64_t* data, size_t n, const std::vector<size_t>& moduli,
          const CkksContext& ctx) {
  uint64_t acc = 0;
  int bits = 0;
  for (size_t r = 0; r < moduli.size(); ++r) {
    const int width = ctx.modulus(moduli[r]).bit_count();
    const uint64_t* p = data + r * n;
    for (size_t i = 0; i < n; ++i) {
      uint64_t v = p[i];
      int left = width;
      while (left > 0) {
        int take = std::min(left, 64 - bits);
        uint64_t chunk = take == 64 ? v : (v & ((uint64_t{1} << take) - 1));
        acc |= chunk << bits;
        bits += take;
        left -= take;
        v = take == 64 ? 0 : v >> take;
        if (bits == 64) {
          w.u64(acc);
          acc = 0;
          bits = 0;
        }
      }
    }
  }
  for (int b = 0; b < bits; b += 8) w.u8(static_cast<uint8_t>(acc >> b));
}

Status unpack(ByteReader& r, uint64_t* data, size_t n, const std::vector<size_t>& moduli,
              const CkksContext& ctx) {
  size_t total_bits = 0;
  for (size_t m : moduli) total_bits += static_cast<size_t>(ctx.modulus(m).bit_count()) * n;
  ByteSpan bytes;
  if (!r.bytes((total_bits + 7) / 8, bytes)) return Status::error("ckks: truncated polynomial data");
  // One continuous little-endian bit stream; a 128-bit accumulator refilled 8 bytes at a time
  // (the bit-by-bit loop this replaced was half of the analytics aggregation's server time).
  const uint8_t* in = bytes.data();
  const size_t len = bytes.size();
  unsigned __int128 acc = 0;
  int nacc = 0;  // < width <= 61 before a refill: at most 125 bits held
  size_t pos = 0;
  uint64_t out_of_range = 0;
  for (size_t k = 0; k < moduli.size(); ++k) {
    const math::Modulus& q = ctx.modulus(moduli[k]);
    const int width = q.bit_count();
    const uint64_t mask = (uint64_t{1} << width) - 1, qv = q.value();
    uint64_t* p = data + k * n;
    for (size_t i = 0; i < n; ++i) {
      while (nacc < width) {
        if (pos + 8 <= len) {
          uint64_t word;
          std::memcpy(&word, in + pos, 8);
          acc |= static_cast<unsigned __int128>(word) << nacc;
          nacc += 64;
          pos += 8;
        } else {
          acc |= static_cast<unsigned __int128>(in[pos++]) << nacc;
          nacc += 8;
        }
      }
      const uint64_t v = static_cast<uint64_t>(acc) & mask;
      acc >>= width;
      nacc -= width;
      out_of_range |= static_cast<uint64_t>(v >= qv);
      p[i] = v;
    }
  }
  if (out_of_range) return Status::error("ckks: residue out of range");
  // Every byte was consumed; the bits left over are the last byte's padding, which must be zero
  // (canonical encoding).
  if (acc != 0) return Status::error("ckks: nonzero padding");
  return Status::ok();
}

std::vector<size_t> prefix(size_t count) {
  std::vector<size_t> v(count);
  for (size_t i = 0; i < count; ++i) v[i] = i;
  return v;
}

Status read_scale(ByteReader& r, const CkksContext& ctx, size_t level, double& scale) {
  uint64_t bits = 0;
  if (!r.u64(bits)) return Status::error("ckks: truncated scale");
  std::memcpy(&scale, &bits, 8);
  if (!std::isfinite(scale) || !(scale >= 1.0) || std::log2(scale) >= ctx.log_q(level)) {
    return Status::error("ckks: scale out of range for the level");
  }
  return Status::ok();
}

Status finish(const ByteReader& r) {
  return r.at_end() ? Status::ok() : Status::error("ckks: trailing bytes after object");
}

}  // namespace

Bytes serialize(const CkksContext& ctx, const Ciphertext& ct) {
  ByteWriter w;
  header(w, ctx, kCiphertext);
  w.u8(static_cast<uint8_t>(ct.size));
  w.u8(static_cast<uint8_t>(ct.level));
  uint64_t bits;
  std::memcpy(&bits, &ct.scale, 8);
  w.u64(bits);
  std::vector<size_t> mods = prefix(ct.level + 1);
  for (size_t p = 0; p < ct.size; ++p) pack(w, ct.poly(p, 0), ct.n, mods, ctx);
  return w.take();
}

Bytes serialize(const CkksContext& ctx, const SeededCiphertext& sc) {
  ByteWriter w;
  header(w, ctx, kSeededCiphertext);
  w.u8(static_cast<uint8_t>(sc.ct.level));
  uint64_t bits;
  std::memcpy(&bits, &sc.ct.scale, 8);
  w.u64(bits);
  w.bytes(sc.seed);
  pack(w, sc.ct.poly(0, 0), sc.ct.n, prefix(sc.ct.level + 1), ctx);
  return w.take();
}

// Keys use the shared fhe/common formats (header "V1HE", seeded form, full validation).
Bytes serialize(const CkksContext& ctx, const PublicKey& pk) {
  return fhe::serialize_public_key(*ctx.rlwe(), pk);
}
Bytes serialize(const CkksContext& ctx, const RelinKey& rk) {
  return fhe::serialize_relin_keys(*ctx.rlwe(), rk);
}
Bytes serialize(const CkksContext& ctx, const GaloisKeys& gk) {
  return fhe::serialize_galois_keys(*ctx.rlwe(), gk);
}

Result<Ciphertext> deserialize_ciphertext(const CkksContext& ctx, ByteSpan in) {
  ByteReader r(in);
  Kind kind = kCiphertext;
  Status st = read_header(r, ctx, kind);
  if (!st) return st;
  Ciphertext ct;
  if (kind == kCiphertext) {
    uint8_t size = 0, level = 0;
    if (!r.u8(size) || !r.u8(level)) return Result<Ciphertext>::error("ckks: truncated ciphertext");
    if (size < 2 || size > 3) return Result<Ciphertext>::error("ckks: ciphertext size must be 2 or 3");
    if (level > ctx.max_level())
      return Result<Ciphertext>::error("ckks: ciphertext level above the top level");
    double scale = 0;
    if (Status s = read_scale(r, ctx, level, scale); !s) return s;
    ct.resize(ctx.n(), size, level);
    ct.scale = scale;
    std::vector<size_t> mods = prefix(level + 1);
    for (size_t p = 0; p < size; ++p) {
      if (Status s = unpack(r, ct.poly(p, 0), ctx.n(), mods, ctx); !s) return s;
    }
  } else if (kind == kSeededCiphertext) {
    uint8_t level = 0;
    if (!r.u8(level)) return Result<Ciphertext>::error("ckks: truncated ciphertext");
    if (level > ctx.max_level())
      return Result<Ciphertext>::error("ckks: ciphertext level above the top level");
    double scale = 0;
    if (Status s = read_scale(r, ctx, level, scale); !s) return s;
    ByteSpan seed;
    if (!r.bytes(32, seed)) return Result<Ciphertext>::error("ckks: truncated seed");
    ct.resize(ctx.n(), 2, level);
    ct.scale = scale;
    if (Status s = unpack(r, ct.poly(0, 0), ctx.n(), prefix(level + 1), ctx); !s) return s;
    detail::expand_uniform(ct.poly(1, 0), ctx, level + 1, seed, "v100/ckks/ct/a");
  } else {
    return Result<Ciphertext>::error("ckks: not a ciphertext");
  }
  if (Status s = finish(r); !s) return s;
  return ct;
}

Result<PublicKey> deserialize_public_key(const CkksContext& ctx, ByteSpan in) {
  return fhe::deserialize_public_key(*ctx.rlwe(), in);
}

Result<RelinKey> deserialize_relin_key(const CkksContext& ctx, ByteSpan in) {
  return fhe::deserialize_relin_keys(*ctx.rlwe(), in);
}

Result<GaloisKeys> deserialize_galois_keys(const CkksContext& ctx, ByteSpan in) {
  return fhe::deserialize_galois_keys(*ctx.rlwe(), in);
}

}  // namespace v100::fhe::ckks
