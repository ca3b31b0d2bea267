// Byte spans, hex helpers and a bounds-checked little-endian reader/writer used by every
// serializer. The reader never reads past its end: each get returns false on truncation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace v100 {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

/// Lower-case hex of `data`.
std::string to_hex(ByteSpan data);
/// Parses hex (either case, even length). Error on any other character.
Result<Bytes> from_hex(std::string_view hex);

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/// Appends little-endian integers and raw bytes to a growing buffer.
class ByteWriter {
 public:
  void u8(uint8_t v) { buf_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void u64(uint64_t v) { put(v, 8); }
  void bytes(ByteSpan b) { buf_.insert(buf_.end(), b.begin(), b.end()); }
  /// u32 length prefix then the bytes.
  void blob(ByteSpan b) {
    u32(static_cast<uint32_t>(b.size()));
    bytes(b);
  }
  Bytes& buffer() { return buf_; }
  Bytes take() { return std::move(buf_); }
  size_t size() const { return buf_.size(); }

 private:
  void put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes buf_;
};

/// Reads little-endian integers from untrusted bytes. Every getter returns false (and leaves the
/// output untouched) when the input is too short; callers turn that into a clear error.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}
  [[nodiscard]] bool u8(uint8_t& v) { return get(&v, 1); }
  [[nodiscard]] bool u16(uint16_t& v) { return get(&v, 2); }
  [[nodiscard]] bool u32(uint32_t& v) { return get(&v, 4); }
  [[nodiscard]] bool u64(uint64_t& v) { return get(&v, 8); }
  /// Borrow the next n bytes.
  [[nodiscard]] bool bytes(size_t n, ByteSpan& out) {
    if (remaining() < n) return false;
    out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  /// u32 length prefix (at most max_len) then the bytes.
  [[nodiscard]] bool blob(ByteSpan& out, size_t max_len) {
    uint32_t n = 0;
    size_t save = pos_;
    if (!u32(n) || n > max_len || !bytes(n, out)) {
      pos_ = save;
      return false;
    }
    return true;
  }
  size_t remaining() const { return data_.size() - pos_; }
  size_t position() const { return pos_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  template <typename T>
  bool get(T* v, int n) {
    if (remaining() < static_cast<size_t>(n)) return false;
    uint64_t x = 0;
    for (int i = 0; i < n; ++i) x |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
    *v = static_cast<T>(x);
    pos_ += n;
    return true;
  }
  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace v100
