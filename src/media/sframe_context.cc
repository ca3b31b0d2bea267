#include "media/sframe_context.h"

#include <cstring>
#include <stdexcept>

namespace v100::media {

// ---------------------------------------------------------------------------------------------
// SenderContext

SenderContext::SenderContext(uint32_t slot, SenderOptions options) : slot_(slot), options_(options) {
  if (slot >= kMaxSlots) throw std::invalid_argument("SenderContext: slot out of range");
}

bool SenderContext::set_epoch(uint64_t epoch, ByteSpan epoch_secret, uint64_t first_counter) {
  if (epoch_ && epoch <= *epoch_) return false;  // never restart a counter under a key already used
  SecretBytes base = derive_base_key(options_.suite, epoch_secret, epoch, slot_);
  set_key(make_kid(epoch, slot_), base.span(), first_counter);
  epoch_ = epoch;
  return true;
}

void SenderContext::set_key(uint64_t kid, ByteSpan base_key, uint64_t first_counter) {
  key_ = std::make_unique<SFrameKey>(options_.suite, kid, base_key);
  next_ctr_ = first_counter;
  exhausted_ = first_counter > options_.max_counter;
}

size_t SenderContext::max_protected_size(size_t payload_len) const {
  return kMaxHeaderSize + options_.padding.padded_size(payload_len) + suite_params(options_.suite).nt;
}

Result<size_t> SenderContext::protect(ByteSpan metadata, ByteSpan payload, MutableByteSpan out) {
  if (!key_) return Result<size_t>::error("sframe: sender has no key");
  // A counter is never reused under one key (nonce reuse would break AES-GCM outright): once the
  // last allowed counter has been used the sender refuses until the key changes.
  if (exhausted_) return Result<size_t>::error("sframe: counter exhausted for this key; rotate the epoch");
  const uint64_t ctr = next_ctr_;
  if (ctr == options_.max_counter) {
    exhausted_ = true;
  } else {
    ++next_ctr_;
  }
  if (!options_.padding.enabled()) return key_->protect(ctr, metadata, payload, out);

  const size_t padded = options_.padding.padded_size(payload.size());
  const size_t hlen = header_size(key_->kid(), ctr);
  if (out.size() < hlen + padded + key_->tag_size())
    return Result<size_t>::error("sframe: output buffer too small");
  // Assemble payload || padding where the ciphertext goes, then encrypt in place.
  uint8_t* pt = out.data() + hlen;
  if (!payload.empty()) std::memcpy(pt, payload.data(), payload.size());
  write_padding(pt, payload.size(), padded);
  return key_->protect(ctr, metadata, ByteSpan(pt, padded), out);
}

Result<Bytes> SenderContext::protect(ByteSpan metadata, ByteSpan payload) {
  Bytes out(max_protected_size(payload.size()));
  Result<size_t> n = protect(metadata, payload, out);
  if (!n) return n.status();
  out.resize(*n);
  return out;
}

// ---------------------------------------------------------------------------------------------
// ReceiverContext

ReceiverContext::ReceiverContext(ReceiverOptions options) : options_(std::move(options)) {
  if (options_.max_slots > kMaxSlots) options_.max_slots = kMaxSlots;
  if (!options_.clock) options_.clock = [] { return Clock::now(); };
}

bool ReceiverContext::set_epoch(uint64_t epoch, ByteSpan epoch_secret) {
  if (epoch > kMaxEpoch) throw std::invalid_argument("ReceiverContext: epoch out of range");
  if (epoch_secret.size() < 16) throw std::invalid_argument("ReceiverContext: epoch secret too short");
  if (current_ && epoch <= current_->epoch) return false;
  auto next = std::make_unique<Epoch>();
  next->epoch = epoch;
  next->secret = SecretBytes(epoch_secret);
  // The epoch before the previous one is dropped (its keys and secret are wiped by the destructors).
  previous_.reset();
  if (current_ && options_.grace_period.count() > 0) {
    previous_ = std::move(current_);
    previous_->expires = options_.clock() + options_.grace_period;
  }
  current_ = std::move(next);
  return true;
}

void ReceiverContext::add_key(uint64_t kid, ByteSpan base_key) {
  raw_keys_[kid] = std::make_unique<KeyState>(
      KeyState{SFrameKey(options_.suite, kid, base_key), ReplayWindow(options_.replay_window)});
}

void ReceiverContext::remove_key(uint64_t kid) {
  raw_keys_.erase(kid);
}

void ReceiverContext::expire() {
  if (previous_ && options_.clock() >= previous_->expires) previous_.reset();
}

Result<ReceiverContext::KeyState*> ReceiverContext::find_key(uint64_t kid) {
  if (auto it = raw_keys_.find(kid); it != raw_keys_.end()) return it->second.get();
  const uint64_t epoch = kid_epoch(kid);
  const uint32_t slot = kid_slot(kid);
  Epoch* e = nullptr;
  if (current_ && current_->epoch == epoch) e = current_.get();
  if (previous_ && previous_->epoch == epoch) e = previous_.get();
  if (e == nullptr || slot >= options_.max_slots)
    return Result<KeyState*>::error("sframe: unknown or expired key id");
  auto& slot_key = e->senders[slot];
  if (!slot_key) {
    // First frame from this sender in this epoch: derive its key once; later frames reuse it.
    SecretBytes base = derive_base_key(options_.suite, e->secret.span(), epoch, slot);
    slot_key = std::make_unique<KeyState>(
        KeyState{SFrameKey(options_.suite, kid, base.span()), ReplayWindow(options_.replay_window)});
  }
  return slot_key.get();
}

void ReceiverContext::drop_if_unused(uint64_t kid) {
  if (raw_keys_.count(kid) != 0) return;  // keys added explicitly stay until remove_key
  for (Epoch* e : {current_.get(), previous_.get()}) {
    if (e == nullptr || e->epoch != kid_epoch(kid)) continue;
    auto it = e->senders.find(kid_slot(kid));
    if (it != e->senders.end() && !it->second->authenticated) e->senders.erase(it);
  }
}

Result<ReceivedFrame> ReceiverContext::unprotect(ByteSpan metadata, ByteSpan frame, MutableByteSpan out) {
  expire();
  Result<SFrameHeader> h = decode_header(frame);
  if (!h) return h.status();
  Result<KeyState*> ks = find_key(h->kid);
  if (!ks) return ks.status();
  KeyState& k = **ks;
  // Replay check before decrypting (cheap rejection); the window only moves after the tag checks.
  if (!k.window.check(h->ctr)) return Result<ReceivedFrame>::error("sframe: replayed or too old counter");
  if (options_.max_auth_failures != 0 && k.auth_failures >= options_.max_auth_failures)
    return Result<ReceivedFrame>::error("sframe: key retired after too many authentication failures");
  Result<size_t> n = k.key.unprotect(*h, frame, metadata, out);
  if (!n) {
    if (n.message() == kAuthFailed) {
      ++k.auth_failures;
      // With a failure limit the count must survive, so the key stays; otherwise a key no frame
      // ever authenticated under is dropped again (it is re-derived if a real frame comes).
      if (!k.authenticated && options_.max_auth_failures == 0) drop_if_unused(h->kid);
    }
    return n.status();
  }
  size_t payload = *n;
  if (options_.padding.enabled()) {
    Result<size_t> stripped = strip_padding(ByteSpan(out.data(), *n));
    if (!stripped) {
      secure_wipe(out.data(), *n);
      return stripped.status();
    }
    payload = *stripped;
  }
  k.window.accept(h->ctr);
  k.authenticated = true;
  ReceivedFrame info;
  info.kid = h->kid;
  info.epoch = kid_epoch(h->kid);
  info.slot = kid_slot(h->kid);
  info.counter = h->ctr;
  info.payload_size = payload;
  return info;
}

Result<ReceivedPayload> ReceiverContext::unprotect(ByteSpan metadata, ByteSpan frame) {
  Bytes out(max_payload_size(frame.size()));
  Result<ReceivedFrame> r = unprotect(metadata, frame, out);
  if (!r) return r.status();
  out.resize(r->payload_size);
  return ReceivedPayload{*r, std::move(out)};
}

}  // namespace v100::media
