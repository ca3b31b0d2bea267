// The media-encryption API the meeting SDK uses.
//
//   SenderContext   — one per local sender: holds the current (epoch, slot) key and a counter that
//                     never repeats under one key; protect() turns a frame into an SFrame.
//   ReceiverContext — one per participant: knows every sender's key of the current epoch (derived
//                     on first use from the epoch secret) and, for a configurable grace period
//                     after a key change, of the previous epoch; keeps a replay window per KID;
//                     unprotect() checks and decrypts.
//
// Frame metadata (e.g. RTP header fields the relay must read) travels in the clear next to the
// SFrame and is authenticated as AAD: both sides must pass the same bytes.
//
// Example:
//   media::SenderContext tx(my_slot);                     // suite 5 by default
//   tx.set_epoch(epoch, epoch_secret);
//   Result<Bytes> sframe = tx.protect(rtp_header_bytes, encoded_frame);
//   ...
//   media::ReceiverContext rx;                             // one per participant
//   rx.set_epoch(epoch, epoch_secret);
//   Result<media::ReceivedPayload> f = rx.unprotect(rtp_header_bytes, sframe_bytes);
//   if (f) render(f->info.slot, f->payload);              // else drop the frame (and log)
//
// Errors: untrusted frames never throw; unprotect returns an error for a malformed or truncated
// frame, an unknown or expired KID, a replayed or too old counter, or a failed tag check (one
// generic message: kAuthFailed). Caller mistakes (bad slot, epochs going backwards) throw
// std::invalid_argument. Neither class is thread-safe; use one per thread or lock around it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "core/bytes.h"
#include "core/secure.h"
#include "core/status.h"
#include "media/cipher_suite.h"
#include "media/key_schedule.h"
#include "media/padding.h"
#include "media/replay_window.h"
#include "media/sframe.h"

namespace v100::media {

using Clock = std::chrono::steady_clock;

/// Sender configuration.
struct SenderOptions {
  CipherSuite suite = kDefaultCipherSuite;
  PaddingPolicy padding = PaddingPolicy::none();
  /// Highest counter the sender may use under one key; protect() refuses beyond it (the key must
  /// be rotated). RFC 9605 counters are 64-bit, so the default is the full range.
  uint64_t max_counter = ~uint64_t{0};
};

/// Encrypts this participant's frames.
class SenderContext {
 public:
  /// A sender in sender slot `slot` (< kMaxSlots; throws std::invalid_argument otherwise). It has
  /// no key until set_epoch() or set_key().
  explicit SenderContext(uint32_t slot, SenderOptions options = {});

  /// Switches to `epoch`: derives this slot's base key from `epoch_secret` (key_schedule.h) and
  /// starts counting from `first_counter` (0 for a fresh epoch). The old key is wiped. Epochs only
  /// move forward: if `epoch` is not newer than the current one (a late or duplicate key update)
  /// nothing changes and false is returned, because re-entering an epoch would restart its counter
  /// under the same key and reuse nonces. A process that restarts mid-epoch must move to a new
  /// epoch (or persist and pass the next counter). Throws std::invalid_argument for an epoch above
  /// kMaxEpoch or a secret shorter than 16 bytes.
  bool set_epoch(uint64_t epoch, ByteSpan epoch_secret, uint64_t first_counter = 0);

  /// RFC-level alternative: use `base_key` under an arbitrary `kid` (interop, tests). The caller
  /// guarantees that a (kid, base_key) pair never sees the same counter twice.
  void set_key(uint64_t kid, ByteSpan base_key, uint64_t first_counter = 0);

  /// Whether a key is set.
  bool has_key() const { return key_ != nullptr; }
  /// KID of the current key (0 if none).
  uint64_t kid() const { return key_ ? key_->kid() : 0; }
  /// The counter the next frame will carry.
  uint64_t next_counter() const { return next_ctr_; }
  uint32_t slot() const { return slot_; }

  /// An upper bound on the protected size of a `payload_len`-byte payload (header at its largest,
  /// padding, tag): a buffer this large always suffices.
  size_t max_protected_size(size_t payload_len) const;

  /// Protects `payload` into `out` and returns the SFrame's size. Errors: no key set, counter
  /// exhausted for this key (rotate the epoch), `out` too small. `payload` must not overlap `out`.
  Result<size_t> protect(ByteSpan metadata, ByteSpan payload, MutableByteSpan out);
  /// Convenience: the SFrame as a new buffer.
  Result<Bytes> protect(ByteSpan metadata, ByteSpan payload);

 private:
  uint32_t slot_;
  SenderOptions options_;
  std::unique_ptr<SFrameKey> key_;
  std::optional<uint64_t> epoch_;  // highest epoch installed with set_epoch
  uint64_t next_ctr_ = 0;
  bool exhausted_ = false;
};

/// Receiver configuration.
struct ReceiverOptions {
  CipherSuite suite = kDefaultCipherSuite;
  /// Must match the senders' (only whether it is on matters here).
  PaddingPolicy padding = PaddingPolicy::none();
  /// How long the previous epoch's keys stay usable after set_epoch() (frames in flight during a
  /// key change). Zero wipes them at once.
  std::chrono::milliseconds grace_period{2000};
  /// Reordering tolerance per KID, in frames.
  size_t replay_window = 128;
  /// Slots accepted in KIDs (at most kMaxSlots): bounds how many keys a stream of forged KIDs can
  /// make the receiver derive.
  uint32_t max_slots = kMaxSlots;
  /// Failed tag checks tolerated per KID before that key is retired (frames under it are then
  /// refused until the next epoch). 0 = no limit. Worth setting for the short-tag suites (a 32-bit
  /// tag is forged with probability 2^-32 per attempt); AES-GCM's 128-bit tags need no limit at
  /// media rates.
  uint64_t max_auth_failures = 0;
  /// Time source (tests inject a fake clock).
  std::function<Clock::time_point()> clock = [] { return Clock::now(); };
};

/// What unprotect() learned about an authenticated frame.
struct ReceivedFrame {
  uint64_t kid = 0;
  uint64_t epoch = 0;  ///< kid_epoch(kid) (meaningless for keys added with add_key)
  uint32_t slot = 0;   ///< kid_slot(kid)
  uint64_t counter = 0;
  size_t payload_size = 0;  ///< bytes of payload written to the output
};

/// A received frame with its payload (the convenience overload's result).
struct ReceivedPayload {
  ReceivedFrame info;
  Bytes payload;
};

/// Decrypts other participants' frames.
class ReceiverContext {
 public:
  explicit ReceiverContext(ReceiverOptions options = {});

  /// Installs `epoch` with its secret. The current epoch (if any) becomes the previous one and
  /// stays valid for grace_period; the epoch before that is wiped now. Returns false and changes
  /// nothing if `epoch` is not newer than the current one (late or duplicate key update). Throws
  /// std::invalid_argument for an epoch above kMaxEpoch or a secret shorter than 16 bytes.
  bool set_epoch(uint64_t epoch, ByteSpan epoch_secret);

  /// RFC-level alternative: accept frames under `kid` with `base_key` until remove_key(kid).
  /// Such keys live outside the epoch schedule. Replaces an existing key for that KID.
  void add_key(uint64_t kid, ByteSpan base_key);
  /// Forgets and wipes a key added with add_key.
  void remove_key(uint64_t kid);

  /// Wipes the previous epoch now if its grace period has passed (unprotect does this too).
  void expire();

  /// The current epoch, if any.
  std::optional<uint64_t> current_epoch() const {
    return current_ ? std::optional(current_->epoch) : std::nullopt;
  }
  /// The previous epoch, while it is still in its grace period.
  std::optional<uint64_t> previous_epoch() const {
    return previous_ ? std::optional(previous_->epoch) : std::nullopt;
  }

  /// Number of per-sender keys held now (epoch keys derived so far plus keys from add_key).
  size_t cached_keys() const {
    return raw_keys_.size() + (current_ ? current_->senders.size() : 0) +
           (previous_ ? previous_->senders.size() : 0);
  }

  /// Size `out` needs for unprotect() of a `frame_size`-byte SFrame (the ciphertext length, which
  /// includes any padding).
  static size_t max_payload_size(size_t frame_size) { return frame_size; }

  /// Authenticates and decrypts `frame` into `out` (which must not overlap `frame`). See the file
  /// comment for the errors. On any error no plaintext is left in `out`.
  Result<ReceivedFrame> unprotect(ByteSpan metadata, ByteSpan frame, MutableByteSpan out);
  /// Convenience: the payload as a new buffer.
  Result<ReceivedPayload> unprotect(ByteSpan metadata, ByteSpan frame);

 private:
  struct KeyState {
    SFrameKey key;
    ReplayWindow window;
    uint64_t auth_failures = 0;
    bool authenticated = false;  // some frame has passed the tag check under this key
  };
  struct Epoch {
    uint64_t epoch;
    SecretBytes secret;
    Clock::time_point expires;                                        // only meaningful for previous_
    std::unordered_map<uint32_t, std::unique_ptr<KeyState>> senders;  // by slot, derived lazily
  };

  Result<KeyState*> find_key(uint64_t kid);
  // Forgets a lazily derived key that never authenticated a frame, so a stream of forged KIDs
  // cannot pile up key state (only real senders' keys stay cached).
  void drop_if_unused(uint64_t kid);

  ReceiverOptions options_;
  std::unique_ptr<Epoch> current_;
  std::unique_ptr<Epoch> previous_;
  std::unordered_map<uint64_t, std::unique_ptr<KeyState>> raw_keys_;
};

}  // namespace v100::media
