// SenderContext / ReceiverContext: round trips for every suite and sizes up to 64 KiB, tamper and
// truncation rejection, replay windows, epochs and their grace period, counter exhaustion, padding.
#include "media/sframe_context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/rng.h"
#include "media/key_schedule.h"
#include "media/replay_window.h"

namespace v100::media {
namespace {

constexpr CipherSuite kAllSuites[] = {CipherSuite::kAes128CtrHmacSha256_80,
                                      CipherSuite::kAes128CtrHmacSha256_64,
                                      CipherSuite::kAes128CtrHmacSha256_32, CipherSuite::kAes128GcmSha256_128,
                                      CipherSuite::kAes256GcmSha512_128};

// A clock the test moves by hand.
struct FakeClock {
  Clock::time_point now = Clock::time_point{} + std::chrono::hours(1);
  std::function<Clock::time_point()> fn() {
    return [this] { return now; };
  }
};

SecretBytes fresh_secret() {
  return random_seed32();
}

TEST(KeySchedule, KidLayout) {
  EXPECT_EQ(make_kid(0, 0), 0u);
  EXPECT_EQ(make_kid(0, 5), 5u);
  EXPECT_EQ(make_kid(1, 0), uint64_t{1} << kSlotBits);
  const uint64_t kid = make_kid(123456789, 4095);
  EXPECT_EQ(kid_epoch(kid), 123456789u);
  EXPECT_EQ(kid_slot(kid), 4095u);
  EXPECT_EQ(kid_epoch(make_kid(kMaxEpoch, 7)), kMaxEpoch);
  EXPECT_THROW(make_kid(0, kMaxSlots), std::invalid_argument);
  EXPECT_THROW(make_kid(kMaxEpoch + 1, 0), std::invalid_argument);
}

TEST(KeySchedule, BaseKeysDifferBySlotEpochAndSuite) {
  SecretBytes es = fresh_secret();
  auto k = [&](CipherSuite s, uint64_t e, uint32_t slot) {
    return to_hex(derive_base_key(s, es.span(), e, slot).span());
  };
  const CipherSuite d = kDefaultCipherSuite;
  EXPECT_EQ(k(d, 1, 2), k(d, 1, 2));
  EXPECT_NE(k(d, 1, 2), k(d, 1, 3));
  EXPECT_NE(k(d, 1, 2), k(d, 2, 2));
  EXPECT_NE(k(d, 1, 2).substr(0, 64), k(CipherSuite::kAes128GcmSha256_128, 1, 2));
  EXPECT_EQ(derive_base_key(d, es.span(), 0, 0).size(), 64u);  // Nh of SHA-512
  SecretBytes ms = fresh_secret();
  EXPECT_NE(to_hex(derive_epoch_secret(ms.span(), 1).span()),
            to_hex(derive_epoch_secret(ms.span(), 2).span()));
  EXPECT_THROW(derive_base_key(d, ByteSpan(es.data(), 8), 0, 0), std::invalid_argument);
}

// A sender in `slot` and a receiver, both on epoch 1 of a shared secret.
struct Pair {
  explicit Pair(CipherSuite suite, uint32_t slot = 3, PaddingPolicy pad = PaddingPolicy::none())
      : sender(slot, SenderOptions{suite, pad}), receiver(make_opts(suite, pad)) {
    sender.set_epoch(1, secret.span());
    receiver.set_epoch(1, secret.span());
  }
  ReceiverOptions make_opts(CipherSuite suite, PaddingPolicy pad) {
    ReceiverOptions o;
    o.suite = suite;
    o.padding = pad;
    o.clock = clock.fn();
    return o;
  }
  FakeClock clock;
  SecretBytes secret = fresh_secret();
  SenderContext sender;
  ReceiverContext receiver;
};

TEST(SFrameContext, RoundTripAllSuitesAndSizes) {
  std::vector<size_t> sizes;
  for (size_t s = 0; s <= 40; ++s) sizes.push_back(s);
  for (size_t s : {63, 64, 65, 255, 256, 1199, 1200, 1201, 4095, 4096, 16383, 16384, 65535, 65536})
    sizes.push_back(s);
  for (CipherSuite suite : kAllSuites) {
    Pair p(suite);
    const size_t nt = suite_params(suite).nt;
    for (size_t size : sizes) {
      Bytes payload = random_bytes(size);
      Bytes meta = random_bytes(size % 13);
      auto f = p.sender.protect(meta, payload);
      ASSERT_TRUE(f.is_ok()) << f.message();
      EXPECT_GE(f->size(), size + nt + 1);
      EXPECT_LE(f->size(), size + nt + kMaxHeaderSize);
      auto r = p.receiver.unprotect(meta, *f);
      ASSERT_TRUE(r.is_ok()) << suite_params(suite).name << " size " << size << ": " << r.message();
      EXPECT_EQ(r->payload, payload);
      EXPECT_EQ(r->info.slot, 3u);
      EXPECT_EQ(r->info.epoch, 1u);
      if (size >= 16) {
        EXPECT_EQ(std::search(f->begin(), f->end(), payload.begin(), payload.end()), f->end());
      }
    }
  }
}

TEST(SFrameContext, AnyBitFlipIsRejectedAndOutputWiped) {
  for (CipherSuite suite : kAllSuites) {
    Pair p(suite);
    // Advance the counter so the header has a CTR field and a multi-byte KID.
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(p.sender.protect({}, Bytes(1)).is_ok());
    Bytes payload = random_bytes(48);
    Bytes meta = random_bytes(9);
    auto f = p.sender.protect(meta, payload);
    ASSERT_TRUE(f.is_ok());
    for (size_t bit = 0; bit < f->size() * 8; ++bit) {
      Bytes bad = *f;
      bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      Bytes out(bad.size(), 0xAA);
      auto r = p.receiver.unprotect(meta, bad, out);
      EXPECT_FALSE(r.is_ok()) << "bit " << bit;
      // Whatever the error, no plaintext byte of the frame is in the buffer.
      EXPECT_EQ(std::search(out.begin(), out.end(), payload.begin(), payload.begin() + 8), out.end());
      if (r.message() == kAuthFailed) {
        // Wiped: every byte the decryption could have written (the ciphertext's length) is zero.
        auto h = decode_header(bad);
        ASSERT_TRUE(h.is_ok());
        const size_t ct_len = bad.size() - h->size - suite_params(suite).nt;
        EXPECT_TRUE(std::all_of(out.begin(), out.begin() + ct_len, [](uint8_t b) { return b == 0; })) << bit;
        EXPECT_TRUE(std::all_of(out.begin() + ct_len, out.end(), [](uint8_t b) { return b == 0xAA; })) << bit;
      }
    }
    for (size_t bit = 0; bit < meta.size() * 8; ++bit) {
      Bytes bad_meta = meta;
      bad_meta[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      auto r = p.receiver.unprotect(bad_meta, *f);
      ASSERT_FALSE(r.is_ok());
      EXPECT_EQ(r.message(), kAuthFailed);
    }
    // The untouched frame still decrypts (failed attempts did not consume its counter).
    auto ok = p.receiver.unprotect(meta, *f);
    ASSERT_TRUE(ok.is_ok()) << ok.message();
    EXPECT_EQ(ok->payload, payload);
  }
}

TEST(SFrameContext, TruncatedFramesRejected) {
  for (CipherSuite suite : kAllSuites) {
    Pair p(suite);
    auto f = p.sender.protect({}, random_bytes(100));
    ASSERT_TRUE(f.is_ok());
    for (size_t len = 0; len < f->size(); ++len) {
      auto r = p.receiver.unprotect({}, ByteSpan(f->data(), len));
      EXPECT_FALSE(r.is_ok()) << "length " << len;
    }
    Bytes longer = *f;
    longer.push_back(0);
    EXPECT_FALSE(p.receiver.unprotect({}, longer).is_ok());
    EXPECT_TRUE(p.receiver.unprotect({}, *f).is_ok());
  }
}

TEST(SFrameContext, ReplayAndReorder) {
  Pair p(kDefaultCipherSuite);
  std::vector<Bytes> frames;
  for (int i = 0; i < 300; ++i) frames.push_back(*p.sender.protect({}, random_bytes(20)));
  ASSERT_TRUE(p.receiver.unprotect({}, frames[0]).is_ok());
  auto again = p.receiver.unprotect({}, frames[0]);
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.message(), "sframe: replayed or too old counter");
  // Out of order inside the window is fine, each frame once.
  ASSERT_TRUE(p.receiver.unprotect({}, frames[5]).is_ok());
  ASSERT_TRUE(p.receiver.unprotect({}, frames[3]).is_ok());
  ASSERT_TRUE(p.receiver.unprotect({}, frames[4]).is_ok());
  EXPECT_FALSE(p.receiver.unprotect({}, frames[3]).is_ok());
  // Jump ahead: counters more than the window (128) behind the newest are refused.
  ASSERT_TRUE(p.receiver.unprotect({}, frames[299]).is_ok());
  EXPECT_FALSE(p.receiver.unprotect({}, frames[10]).is_ok());
  EXPECT_TRUE(p.receiver.unprotect({}, frames[200]).is_ok());
  EXPECT_FALSE(p.receiver.unprotect({}, frames[200]).is_ok());
}

TEST(ReplayWindow, AgainstASetModel) {
  // Model: a counter is acceptable iff never accepted and highest - ctr < size.
  ReplayWindow w(64);
  std::vector<uint64_t> seen;
  uint64_t highest = 0;
  Bytes r = random_bytes(4000);
  uint64_t base = 1000;
  for (size_t i = 0; i + 1 < r.size(); i += 2) {
    uint64_t ctr = base + r[i] % 200;
    if (r[i + 1] % 16 == 0) base += r[i + 1] % 90;
    bool in_seen = std::find(seen.begin(), seen.end(), ctr) != seen.end();
    bool expect = seen.empty() || ctr > highest || (highest - ctr < 64 && !in_seen);
    ASSERT_EQ(w.check(ctr), expect) << "ctr " << ctr << " highest " << highest;
    if (expect) {
      w.accept(ctr);
      seen.push_back(ctr);
      highest = std::max(highest, ctr);
    }
  }
}

TEST(SFrameContext, UnknownKidsRejected) {
  Pair p(kDefaultCipherSuite);
  SecretBytes other = fresh_secret();
  // A receiver with no epoch knows nothing.
  ReceiverContext empty;
  auto f = p.sender.protect({}, random_bytes(10));
  EXPECT_EQ(empty.unprotect({}, *f).message(), "sframe: unknown or expired key id");
  // A future epoch is unknown.
  SenderContext future(3);
  future.set_epoch(2, p.secret.span());
  EXPECT_EQ(p.receiver.unprotect({}, *future.protect({}, Bytes(4))).message(),
            "sframe: unknown or expired key id");
  // A slot beyond max_slots is unknown.
  ReceiverOptions o;
  o.max_slots = 3;
  ReceiverContext small(o);
  small.set_epoch(1, p.secret.span());
  EXPECT_FALSE(small.unprotect({}, *f).is_ok());
  // Right KID, wrong epoch secret: the tag check fails.
  ReceiverContext wrong;
  wrong.set_epoch(1, other.span());
  EXPECT_EQ(wrong.unprotect({}, *f).message(), kAuthFailed);
  // Other slots of the same epoch are derived on first use.
  SenderContext s7(7);
  s7.set_epoch(1, p.secret.span());
  auto g = s7.protect({}, Bytes{1, 2, 3});
  auto r = p.receiver.unprotect({}, *g);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->info.slot, 7u);
  EXPECT_EQ(r->payload, (Bytes{1, 2, 3}));
}

TEST(SFrameContext, EpochChangeGracePeriodThenWipe) {
  FakeClock clock;
  ReceiverOptions o;
  o.grace_period = std::chrono::milliseconds(500);
  o.clock = clock.fn();
  ReceiverContext rx(o);
  SecretBytes e1 = fresh_secret(), e2 = fresh_secret(), e3 = fresh_secret();
  SenderContext tx(9);
  rx.set_epoch(1, e1.span());
  tx.set_epoch(1, e1.span());
  Bytes old1 = *tx.protect({}, Bytes(5, 1));
  Bytes old2 = *tx.protect({}, Bytes(5, 2));
  Bytes old3 = *tx.protect({}, Bytes(5, 3));
  ASSERT_TRUE(rx.unprotect({}, old1).is_ok());

  rx.set_epoch(2, e2.span());
  tx.set_epoch(2, e2.span());
  EXPECT_EQ(rx.previous_epoch(), std::optional<uint64_t>(1));
  Bytes new1 = *tx.protect({}, Bytes(5, 4));
  ASSERT_TRUE(rx.unprotect({}, new1).is_ok());
  clock.now += std::chrono::milliseconds(499);
  ASSERT_TRUE(rx.unprotect({}, old2).is_ok()) << "previous epoch must work during the grace period";
  clock.now += std::chrono::milliseconds(1);
  EXPECT_EQ(rx.unprotect({}, old3).message(), "sframe: unknown or expired key id");
  EXPECT_FALSE(rx.previous_epoch().has_value());

  // A second change before the grace period ends drops the older epoch at once.
  rx.set_epoch(3, e3.span());
  rx.set_epoch(4, fresh_secret().span());
  EXPECT_EQ(rx.previous_epoch(), std::optional<uint64_t>(3));
  EXPECT_FALSE(rx.unprotect({}, *tx.protect({}, Bytes(5))).is_ok());  // epoch 2: gone

  // Late or duplicate updates change nothing.
  EXPECT_FALSE(rx.set_epoch(4, e1.span()));
  EXPECT_FALSE(rx.set_epoch(2, e1.span()));
  EXPECT_EQ(rx.current_epoch(), std::optional<uint64_t>(4));
  EXPECT_EQ(rx.previous_epoch(), std::optional<uint64_t>(3));

  // Grace period zero: the previous epoch is wiped immediately.
  ReceiverOptions z;
  z.grace_period = std::chrono::milliseconds(0);
  ReceiverContext rz(z);
  rz.set_epoch(1, e1.span());
  rz.set_epoch(2, e2.span());
  EXPECT_FALSE(rz.unprotect({}, old3).is_ok());
}

TEST(SFrameContext, CounterExhaustionRefused) {
  for (CipherSuite suite : {CipherSuite::kAes128CtrHmacSha256_80, kDefaultCipherSuite}) {
    SecretBytes base = fresh_secret();
    SenderContext tx(0, SenderOptions{suite});
    ReceiverOptions o;
    o.suite = suite;
    ReceiverContext rx(o);
    rx.add_key(0x1234, base.span());
    tx.set_key(0x1234, base.span(), ~uint64_t{0} - 1);
    auto a = tx.protect({}, Bytes(3, 7));
    auto b = tx.protect({}, Bytes(3, 8));
    ASSERT_TRUE(a.is_ok());
    ASSERT_TRUE(b.is_ok());
    EXPECT_EQ(b->size(), kMaxHeaderSize - 6 + 3 + suite_params(suite).nt);  // 2-byte KID, 8-byte CTR
    auto c = tx.protect({}, Bytes(3, 9));
    ASSERT_FALSE(c.is_ok());
    EXPECT_NE(c.message().find("counter exhausted"), std::string::npos);
    EXPECT_FALSE(tx.protect({}, Bytes(3, 9)).is_ok());
    auto rb = rx.unprotect({}, *b);
    ASSERT_TRUE(rb.is_ok());
    EXPECT_EQ(rb->info.counter, ~uint64_t{0});
    EXPECT_TRUE(rx.unprotect({}, *a).is_ok());
    // A new key resets the counter.
    tx.set_key(0x1235, base.span());
    EXPECT_TRUE(tx.protect({}, Bytes(3)).is_ok());
  }
  // A configured limit below 2^64.
  SenderContext limited(1, SenderOptions{kDefaultCipherSuite, PaddingPolicy::none(), 2});
  limited.set_epoch(0, fresh_secret().span());
  EXPECT_TRUE(limited.protect({}, Bytes(1)).is_ok());
  EXPECT_TRUE(limited.protect({}, Bytes(1)).is_ok());
  EXPECT_TRUE(limited.protect({}, Bytes(1)).is_ok());
  EXPECT_FALSE(limited.protect({}, Bytes(1)).is_ok());
}

TEST(SFrameContext, PaddingHidesSizesWithinABucket) {
  const PaddingPolicy pad = PaddingPolicy::buckets(64, 1024);
  EXPECT_EQ(pad.padded_size(0), 64u);
  EXPECT_EQ(pad.padded_size(63), 64u);
  EXPECT_EQ(pad.padded_size(64), 128u);
  EXPECT_EQ(pad.padded_size(1000), 1024u);
  EXPECT_EQ(pad.padded_size(1023), 1024u);
  EXPECT_EQ(pad.padded_size(1024), 2048u);
  EXPECT_EQ(pad.padded_size(5000), 5120u);
  for (CipherSuite suite : kAllSuites) {
    Pair p(suite, 2, pad);
    std::vector<size_t> frame_sizes;
    for (size_t n : {0, 1, 17, 40, 63}) {
      Bytes payload = random_bytes(n);
      if (n > 0) payload.back() = 0;  // trailing zeros in the payload survive unpadding
      auto f = p.sender.protect({}, payload);
      ASSERT_TRUE(f.is_ok());
      frame_sizes.push_back(f->size());
      auto r = p.receiver.unprotect({}, *f);
      ASSERT_TRUE(r.is_ok()) << r.message();
      EXPECT_EQ(r->payload, payload);
    }
    EXPECT_TRUE(
        std::all_of(frame_sizes.begin(), frame_sizes.end(), [&](size_t s) { return s == frame_sizes[0]; }));
    auto big = p.sender.protect({}, random_bytes(3000));
    ASSERT_TRUE(big.is_ok());
    auto rb = p.receiver.unprotect({}, *big);
    ASSERT_TRUE(rb.is_ok());
    EXPECT_EQ(rb->payload.size(), 3000u);
  }
  // A padding receiver rejects an unpadded sender's frame whose plaintext has no marker.
  Pair p(kDefaultCipherSuite, 2, pad);
  SenderContext plain(2);
  plain.set_epoch(1, p.secret.span());
  EXPECT_FALSE(p.receiver.unprotect({}, *plain.protect({}, Bytes(10, 0x11))).is_ok());
}

TEST(SFrameContext, ForgedKidsDoNotPileUpKeys) {
  Pair p(kDefaultCipherSuite, 3);
  ASSERT_TRUE(p.receiver.unprotect({}, *p.sender.protect({}, Bytes(8))).is_ok());
  EXPECT_EQ(p.receiver.cached_keys(), 1u);
  // Frames claiming 200 other slots of the current epoch, with garbage ciphertext.
  for (uint32_t slot = 100; slot < 300; ++slot) {
    Bytes forged = encode_header(make_kid(1, slot), 0);
    Bytes body = random_bytes(40);
    forged.insert(forged.end(), body.begin(), body.end());
    EXPECT_EQ(p.receiver.unprotect({}, forged).message(), kAuthFailed);
  }
  EXPECT_EQ(p.receiver.cached_keys(), 1u);
  // The real sender's key survives a forgery under its own KID.
  Bytes forged = encode_header(make_kid(1, 3), 77);
  Bytes body = random_bytes(40);
  forged.insert(forged.end(), body.begin(), body.end());
  EXPECT_EQ(p.receiver.unprotect({}, forged).message(), kAuthFailed);
  EXPECT_EQ(p.receiver.cached_keys(), 1u);
  EXPECT_TRUE(p.receiver.unprotect({}, *p.sender.protect({}, Bytes(8))).is_ok());
}

TEST(SFrameContext, KeyRetiredAfterTooManyForgeries) {
  SecretBytes es = fresh_secret();
  ReceiverOptions o;
  o.suite = CipherSuite::kAes128CtrHmacSha256_32;
  o.max_auth_failures = 3;
  ReceiverContext rx(o);
  rx.set_epoch(1, es.span());
  SenderContext tx(4, SenderOptions{CipherSuite::kAes128CtrHmacSha256_32});
  tx.set_epoch(1, es.span());
  Bytes good = *tx.protect({}, Bytes(20, 1));
  for (int i = 0; i < 3; ++i) {
    Bytes forged = good;
    forged.back() ^= static_cast<uint8_t>(1 + i);
    EXPECT_EQ(rx.unprotect({}, forged).message(), kAuthFailed);
  }
  auto r = rx.unprotect({}, good);
  EXPECT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find("retired"), std::string::npos);
  // Other senders' keys are unaffected.
  SenderContext other(5, SenderOptions{CipherSuite::kAes128CtrHmacSha256_32});
  other.set_epoch(1, es.span());
  EXPECT_TRUE(rx.unprotect({}, *other.protect({}, Bytes(2))).is_ok());
}

TEST(SFrameContext, MisuseIsLoud) {
  EXPECT_THROW(SenderContext{kMaxSlots}, std::invalid_argument);
  SenderContext tx(1);
  EXPECT_FALSE(tx.protect({}, Bytes(3)).is_ok());  // no key yet
  tx.set_epoch(0, fresh_secret().span());
  Bytes small(4);
  EXPECT_FALSE(tx.protect({}, Bytes(3), small).is_ok());
  EXPECT_THROW(PaddingPolicy::buckets(0, 10), std::invalid_argument);
  // Re-entering an epoch would restart its counter under the same key: refused.
  SecretBytes es = fresh_secret();
  SenderContext s2(2);
  EXPECT_TRUE(s2.set_epoch(4, es.span()));
  Bytes first = *s2.protect({}, Bytes(3));
  EXPECT_FALSE(s2.set_epoch(4, es.span()));
  EXPECT_FALSE(s2.set_epoch(3, es.span()));
  EXPECT_EQ(s2.next_counter(), 1u);  // the counter did not restart
  Bytes second = *s2.protect({}, Bytes(3));
  EXPECT_EQ(decode_header(second)->ctr, decode_header(first)->ctr + 1);
  EXPECT_TRUE(s2.set_epoch(5, es.span()));
  EXPECT_EQ(kid_epoch(s2.kid()), 5u);
  EXPECT_THROW(s2.set_epoch(kMaxEpoch + 1, es.span()), std::invalid_argument);
}

}  // namespace
}  // namespace v100::media
