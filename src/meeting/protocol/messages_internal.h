// Internal to meeting/protocol: the body readers and writers shared by the messages*.cc files
// (framing in messages.cc, media in messages_media.cc, mailbox in messages_mailbox.cc). Not part of
// the public API: include messages.h instead.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "meeting/protocol/messages.h"

namespace v100::meeting::protocol::internal {

// Each read_* helper fails closed: the caller turns `false` into a typed error naming the field.
template <size_t N>
bool read_fixed(ByteReader& r, std::array<uint8_t, N>& out) {
  ByteSpan s;
  if (!r.bytes(N, s)) return false;
  std::copy(s.begin(), s.end(), out.begin());
  return true;
}

inline bool read_blob(ByteReader& r, Bytes& out, size_t min_len, size_t max_len) {
  ByteSpan s;
  if (!r.blob(s, max_len) || s.size() < min_len) return false;
  out.assign(s.begin(), s.end());
  return true;
}

inline bool read_bool(ByteReader& r, bool& out) {
  uint8_t b = 0;
  if (!r.u8(b) || b > 1) return false;
  out = b != 0;
  return true;
}

inline void write_u16_count(ByteWriter& w, size_t n) {
  w.u16(static_cast<uint16_t>(n));
}

// A list count is checked against its bound *and* against the bytes left (every element takes at
// least `min_elem_bytes`), so a hostile count never triggers a large reserve().
inline bool read_count(ByteReader& r, size_t& out, size_t max_count, size_t min_elem_bytes) {
  uint16_t n = 0;
  if (!r.u16(n) || n > max_count) return false;
  if (min_elem_bytes > 0 && static_cast<size_t>(n) > r.remaining() / min_elem_bytes) return false;
  out = n;
  return true;
}

template <typename T>
Result<T> fail(const char* msg_name, const char* field) {
  return Result<T>::error(std::string(msg_name) + ": bad " + field);
}

inline void write_header(ByteWriter& w, MsgType t, uint32_t request_id) {
  w.u8(kWireVersion);
  w.u8(static_cast<uint8_t>(t));
  w.u32(request_id);
}

template <typename M>
Bytes encode_full(const M& m, uint32_t request_id) {
  ByteWriter w;
  write_header(w, M::kType, request_id);
  m.write(w);
  return w.take();
}

template <typename M>
Result<M> decode_full(ByteSpan msg) {
  auto h = decode_header(msg);
  if (!h) return h.status();
  if (h->type != static_cast<uint8_t>(M::kType))
    return Result<M>::error(std::string("expected ") + msg_type_name(static_cast<uint8_t>(M::kType)) +
                            ", got " + msg_type_name(h->type));
  ByteReader r(msg.subspan(kHeaderBytes));
  auto m = M::read(r);
  if (!m) return m;
  if (!r.at_end()) return Result<M>::error(std::string(msg_type_name(h->type)) + ": trailing bytes");
  return m;
}

}  // namespace v100::meeting::protocol::internal

// Generates encode()/decode() members for every message from its write()/read().
#define V100_MESSAGE_CODEC(Name)                                                \
  Bytes Name::encode(uint32_t request_id) const {                               \
    return ::v100::meeting::protocol::internal::encode_full(*this, request_id); \
  }                                                                             \
  Result<Name> Name::decode(ByteSpan msg) {                                     \
    return ::v100::meeting::protocol::internal::decode_full<Name>(msg);         \
  }
