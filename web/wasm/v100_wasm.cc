// The C ABI of web/wasm/v100_wasm.h over the C++ API of pq/mlkem, pq/mldsa and hash. The parameter
// set is a run-time argument here and a template argument below; each entry point switches once.
#include "v100_wasm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>

#include "codec/test_pattern.h"
#include "codec/tone.h"
#include "core/secure.h"
#include "fhe/bfv/context.h"
#include "fhe/bfv/encoder.h"
#include "fhe/bfv/encryptor.h"
#include "fhe/bfv/evaluator.h"
#include "fhe/bfv/match.h"
#include "fhe/common/keys.h"
#include "fhe/common/serialize.h"
#include "hash/sha3.h"
#include "pq/mldsa/mldsa.h"
#include "pq/mlkem/mlkem.h"
#include "services/lookup.h"
#include "wasm_internal.h"

namespace {

using v100::wasm_abi::KeystreamCall;

namespace mlkem = v100::pq::mlkem;
namespace mldsa = v100::pq::mldsa;

using Seed = std::span<const uint8_t, 32>;

std::span<const uint8_t> in(const uint8_t* p, size_t n) {
  return {n == 0 ? nullptr : p, n};
}

// ---- ML-KEM ----

template <int K>
int mlkem_keygen(uint8_t* ek, uint8_t* dk, const uint8_t* d, const uint8_t* z) {
  auto kp = mlkem::keygen_internal<K>(Seed(d, 32), Seed(z, 32));
  std::memcpy(ek, kp.ek.bytes().data(), mlkem::Params<K>::kEncapsulationKeyBytes);
  std::memcpy(dk, kp.dk.bytes().data(), mlkem::Params<K>::kDecapsulationKeyBytes);
  return kV100Ok;
}

template <int K>
int mlkem_encaps(uint8_t* ct, uint8_t* ss, const uint8_t* ek, size_t ek_len, const uint8_t* m) {
  if (ek_len != mlkem::Params<K>::kEncapsulationKeyBytes) return kV100ErrLength;
  auto key = mlkem::EncapsulationKey<K>::from_bytes(in(ek, ek_len));
  if (!key) return kV100ErrInput;  // FIPS 203 §7.2 modulus check
  auto e = mlkem::encaps_internal<K>(*key, Seed(m, 32));
  std::memcpy(ct, e.ciphertext.bytes().data(), mlkem::Params<K>::kCiphertextBytes);
  std::memcpy(ss, e.key.span().data(), 32);
  return kV100Ok;
}

template <int K>
int mlkem_decaps(uint8_t* ss, const uint8_t* dk, size_t dk_len, const uint8_t* ct, size_t ct_len) {
  if (dk_len != mlkem::Params<K>::kDecapsulationKeyBytes || ct_len != mlkem::Params<K>::kCiphertextBytes)
    return kV100ErrLength;
  auto key = mlkem::DecapsulationKey<K>::from_bytes(in(dk, dk_len));
  if (!key) return kV100ErrInput;  // FIPS 203 §7.3 hash check
  auto c = mlkem::Ciphertext<K>::from_bytes(in(ct, ct_len));
  if (!c) return kV100ErrLength;
  auto k = mlkem::decaps<K>(*key, *c);
  std::memcpy(ss, k.span().data(), 32);
  return kV100Ok;
}

// Calls f.template operator()<K>() for the rank k, or returns kV100ErrParameterSet.
template <typename F>
int with_rank(int k, F&& f) {
  switch (k) {
    case 2:
      return f.template operator()<2>();
    case 3:
      return f.template operator()<3>();
    case 4:
      return f.template operator()<4>();
    default:
      return kV100ErrParameterSet;
  }
}

// ---- ML-DSA ----

template <typename F>
int with_set(int set, F&& f) {
  switch (set) {
    case 44:
      return f.template operator()<mldsa::kMlDsa44>();
    case 65:
      return f.template operator()<mldsa::kMlDsa65>();
    case 87:
      return f.template operator()<mldsa::kMlDsa87>();
    default:
      return kV100ErrParameterSet;
  }
}

template <mldsa::ParameterSet P>
int mldsa_sign_internal(uint8_t* sig, const uint8_t* sk, size_t sk_len, std::span<const uint8_t> m_prime,
                        const uint8_t* rnd) {
  if (sk_len != mldsa::SecretKey<P>::kBytes) return kV100ErrLength;
  auto key = mldsa::SecretKey<P>::parse(in(sk, sk_len));
  if (!key) return kV100ErrInput;
  auto s = mldsa::sign_internal<P>(*key, m_prime, Seed(rnd, 32));
  std::memcpy(sig, s.bytes().data(), mldsa::Signature<P>::kBytes);
  return kV100Ok;
}

template <mldsa::ParameterSet P>
int mldsa_verify_internal(const uint8_t* pk, size_t pk_len, std::span<const uint8_t> m_prime,
                          const uint8_t* sig, size_t sig_len) {
  if (pk_len != mldsa::PublicKey<P>::kBytes) return kV100ErrLength;
  auto key = mldsa::PublicKey<P>::parse(in(pk, pk_len));
  if (!key) return kV100ErrInput;
  auto s = mldsa::Signature<P>::parse(in(sig, sig_len));
  if (!s) return kV100Invalid;  // wrong length or malformed: never verifies
  return mldsa::verify_internal<P>(*key, m_prime, *s) ? kV100Ok : kV100Invalid;
}

// M' = 0x00 || len(ctx) || ctx || M (FIPS 204 Alg. 2 line 10, Alg. 3 line 5).
v100::Bytes external_m_prime(const uint8_t* msg, size_t msg_len, const uint8_t* ctx, size_t ctx_len) {
  v100::Bytes m(2 + ctx_len + msg_len);
  m[0] = 0;
  m[1] = static_cast<uint8_t>(ctx_len);
  if (ctx_len != 0) std::memcpy(m.data() + 2, ctx, ctx_len);
  if (msg_len != 0) std::memcpy(m.data() + 2 + ctx_len, msg, msg_len);
  return m;
}

// ---- BFV roster ----

// The layout of client::RosterCipher (src/meeting/client/roster_bfv.h; its static_asserts tie it to
// fhe::bfv::match): 32 members per block, 128 coefficients each, the first 32 the token.
constexpr const char* kRosterParams = "bfv-meeting-4096";
constexpr size_t kRosterMembers = v100::fhe::bfv::match::kUsers;
constexpr size_t kRosterSlotCoeffs = v100::fhe::bfv::match::kValues;
constexpr size_t kRosterTokenValues = v100::fhe::bfv::match::kTokenValues;
static_assert(kRosterMembers == 32 && kRosterSlotCoeffs == 128 && kRosterTokenValues == 32);

// Copies a serialized blob out, or says how large the buffer must be.
int put_blob(uint8_t* out, size_t out_cap, size_t* out_len, const v100::Bytes& blob) {
  *out_len = blob.size();
  if (blob.size() > out_cap) return kV100ErrBuffer;
  std::memcpy(out, blob.data(), blob.size());
  return kV100Ok;
}

}  // namespace

// The handle of v100_bfv_roster_new: the context and the key generator (secret key from the seed;
// the public and relinearization keys are derived on demand, as RosterCipher does).
struct V100BfvRoster {
  V100BfvRoster(v100::fhe::bfv::BfvContextPtr c, std::span<const uint8_t> seed)
      : ctx(std::move(c)), keygen(ctx->rlwe_ptr(), seed) {}
  v100::fhe::bfv::BfvContextPtr ctx;
  v100::fhe::KeyGenerator keygen;
};

// The handle of v100_bfv_lookup_new: the native SDK's look-up client (key from the BFV seed).
struct V100BfvLookup {
  explicit V100BfvLookup(std::span<const uint8_t> seed) : client(seed) {}
  v100::services::LookupClient client;
};

extern "C" {

V100_EXPORT size_t v100_mlkem_ek_len(int k) {
  size_t n = 0;
  (void)with_rank(k, [&]<int K>() {
    n = mlkem::Params<K>::kEncapsulationKeyBytes;
    return 0;
  });
  return n;
}
V100_EXPORT size_t v100_mlkem_dk_len(int k) {
  size_t n = 0;
  (void)with_rank(k, [&]<int K>() {
    n = mlkem::Params<K>::kDecapsulationKeyBytes;
    return 0;
  });
  return n;
}
V100_EXPORT size_t v100_mlkem_ct_len(int k) {
  size_t n = 0;
  (void)with_rank(k, [&]<int K>() {
    n = mlkem::Params<K>::kCiphertextBytes;
    return 0;
  });
  return n;
}

V100_EXPORT int v100_mlkem_keygen(int k, uint8_t* ek, uint8_t* dk, const uint8_t d[32], const uint8_t z[32]) {
  return with_rank(k, [&]<int K>() { return mlkem_keygen<K>(ek, dk, d, z); });
}

V100_EXPORT int v100_mlkem_encaps(int k, uint8_t* ct, uint8_t ss[32], const uint8_t* ek, size_t ek_len,
                                  const uint8_t m[32]) {
  return with_rank(k, [&]<int K>() { return mlkem_encaps<K>(ct, ss, ek, ek_len, m); });
}

V100_EXPORT int v100_mlkem_decaps(int k, uint8_t ss[32], const uint8_t* dk, size_t dk_len, const uint8_t* ct,
                                  size_t ct_len) {
  return with_rank(k, [&]<int K>() { return mlkem_decaps<K>(ss, dk, dk_len, ct, ct_len); });
}

V100_EXPORT size_t v100_mldsa_pk_len(int set) {
  size_t n = 0;
  (void)with_set(set, [&]<mldsa::ParameterSet P>() {
    n = mldsa::PublicKey<P>::kBytes;
    return 0;
  });
  return n;
}
V100_EXPORT size_t v100_mldsa_sk_len(int set) {
  size_t n = 0;
  (void)with_set(set, [&]<mldsa::ParameterSet P>() {
    n = mldsa::SecretKey<P>::kBytes;
    return 0;
  });
  return n;
}
V100_EXPORT size_t v100_mldsa_sig_len(int set) {
  size_t n = 0;
  (void)with_set(set, [&]<mldsa::ParameterSet P>() {
    n = mldsa::Signature<P>::kBytes;
    return 0;
  });
  return n;
}

V100_EXPORT int v100_mldsa_keygen(int set, uint8_t* pk, uint8_t* sk, const uint8_t xi[32]) {
  return with_set(set, [&]<mldsa::ParameterSet P>() {
    auto kp = mldsa::generate_key_internal<P>(Seed(xi, 32));
    std::memcpy(pk, kp.public_key.bytes().data(), mldsa::PublicKey<P>::kBytes);
    std::memcpy(sk, kp.secret_key.bytes().data(), mldsa::SecretKey<P>::kBytes);
    return kV100Ok;
  });
}

V100_EXPORT int v100_mldsa_sign(int set, uint8_t* sig, const uint8_t* sk, size_t sk_len, const uint8_t* msg,
                                size_t msg_len, const uint8_t* ctx, size_t ctx_len, const uint8_t rnd[32]) {
  if (ctx_len > mldsa::kMaxContextBytes) return kV100ErrLength;
  const v100::Bytes m_prime = external_m_prime(msg, msg_len, ctx, ctx_len);
  return with_set(
      set, [&]<mldsa::ParameterSet P>() { return mldsa_sign_internal<P>(sig, sk, sk_len, m_prime, rnd); });
}

V100_EXPORT int v100_mldsa_sign_internal(int set, uint8_t* sig, const uint8_t* sk, size_t sk_len,
                                         const uint8_t* m_prime, size_t m_prime_len, const uint8_t rnd[32]) {
  return with_set(set, [&]<mldsa::ParameterSet P>() {
    return mldsa_sign_internal<P>(sig, sk, sk_len, in(m_prime, m_prime_len), rnd);
  });
}

V100_EXPORT int v100_mldsa_verify(int set, const uint8_t* pk, size_t pk_len, const uint8_t* msg,
                                  size_t msg_len, const uint8_t* ctx, size_t ctx_len, const uint8_t* sig,
                                  size_t sig_len) {
  if (ctx_len > mldsa::kMaxContextBytes) return kV100Invalid;  // Alg. 3 line 1-2: return false
  const v100::Bytes m_prime = external_m_prime(msg, msg_len, ctx, ctx_len);
  return with_set(set, [&]<mldsa::ParameterSet P>() {
    return mldsa_verify_internal<P>(pk, pk_len, m_prime, sig, sig_len);
  });
}

V100_EXPORT int v100_mldsa_verify_internal(int set, const uint8_t* pk, size_t pk_len, const uint8_t* m_prime,
                                           size_t m_prime_len, const uint8_t* sig, size_t sig_len) {
  return with_set(set, [&]<mldsa::ParameterSet P>() {
    return mldsa_verify_internal<P>(pk, pk_len, in(m_prime, m_prime_len), sig, sig_len);
  });
}

V100_EXPORT int v100_sha3_256(uint8_t out[32], const uint8_t* data, size_t data_len) {
  const auto h = v100::hash::sha3_256(in(data, data_len));
  std::memcpy(out, h.data(), h.size());
  return kV100Ok;
}

V100_EXPORT int v100_shake256(uint8_t* out, size_t out_len, const uint8_t* data, size_t data_len) {
  v100::hash::shake256(std::span<uint8_t>(out_len == 0 ? nullptr : out, out_len), in(data, data_len));
  return kV100Ok;
}

namespace {
// The three planes of a width x height I420 picture of the caller, copied into a codec::Picture.
bool picture_sizes_ok(size_t y_len, size_t u_len, size_t v_len, int width, int height) {
  if (width <= 0 || height <= 0 || width > 8192 || height > 8192) return false;
  const size_t c = static_cast<size_t>((width + 1) / 2) * static_cast<size_t>((height + 1) / 2);
  return y_len == static_cast<size_t>(width) * static_cast<size_t>(height) && u_len == c && v_len == c;
}
}  // namespace

V100_EXPORT int v100_read_test_pattern(uint16_t* sender, uint32_t* frame, const uint8_t* y, size_t y_len,
                                       const uint8_t* u, size_t u_len, const uint8_t* v, size_t v_len,
                                       int width, int height) {
  if (!picture_sizes_ok(y_len, u_len, v_len, width, height)) return kV100ErrLength;
  v100::codec::Picture pic;
  pic.width = width;
  pic.height = height;
  pic.y.assign(y, y + y_len);
  pic.u.assign(u, u + u_len);
  pic.v.assign(v, v + v_len);
  const auto info = v100::codec::read_test_pattern(pic);
  if (!info) return kV100Invalid;
  *sender = info->sender;
  *frame = info->frame;
  return kV100Ok;
}

V100_EXPORT int v100_render_test_pattern(uint8_t* y, size_t y_len, uint8_t* u, size_t u_len, uint8_t* v,
                                         size_t v_len, uint16_t sender, uint32_t frame, int width,
                                         int height) {
  if (!picture_sizes_ok(y_len, u_len, v_len, width, height)) return kV100ErrLength;
  const auto pic = v100::codec::render_test_pattern(sender, frame, width, height);
  if (!pic.valid()) return kV100ErrLength;
  std::memcpy(y, pic.y.data(), y_len);
  std::memcpy(u, pic.u.data(), u_len);
  std::memcpy(v, pic.v.data(), v_len);
  return kV100Ok;
}

V100_EXPORT double v100_tone_frequency(uint16_t sender) {
  return v100::codec::tone_frequency(sender);
}

V100_EXPORT double v100_dominant_frequency(const int16_t* pcm, size_t num_samples, int sample_rate) {
  if (num_samples == 0) return 0;
  return v100::codec::dominant_frequency(std::span<const int16_t>(pcm, num_samples), sample_rate);
}

V100_EXPORT void* v100_alloc(size_t n) {
  return std::malloc(n == 0 ? 1 : n);
}

V100_EXPORT void v100_free(void* p, size_t n) {
  if (p == nullptr) return;
  v100::secure_wipe(p, n);
  std::free(p);
}

// ---- BFV roster ----

V100_EXPORT V100BfvRoster* v100_bfv_roster_new(const uint8_t seed[32]) {
  auto ctx = v100::fhe::bfv::BfvContext::create(kRosterParams);
  if (!ctx || (*ctx)->n() < kRosterMembers * kRosterSlotCoeffs) return nullptr;
  return new V100BfvRoster(*ctx, Seed(seed, 32));
}

V100_EXPORT void v100_bfv_roster_free(V100BfvRoster* h) {
  delete h;
}

V100_EXPORT size_t v100_bfv_roster_n(const V100BfvRoster* h) {
  return h->ctx->n();
}

V100_EXPORT uint32_t v100_bfv_roster_t(const V100BfvRoster* h) {
  return static_cast<uint32_t>(h->ctx->t());
}

V100_EXPORT int v100_bfv_roster_encrypt(const V100BfvRoster* h, uint8_t* out, size_t out_cap, size_t* out_len,
                                        uint16_t slot, const uint16_t token[32],
                                        const uint8_t randomness[32]) {
  KeystreamCall call;
  const std::span<const uint16_t> tok(token, kRosterTokenValues);
  for (uint16_t v : tok) {
    if (v >= h->ctx->t()) return kV100ErrInput;
  }
  v100::fhe::bfv::match::MatchClient mc(h->ctx, h->keygen.secret_key());
  const auto ct = mc.encrypt_token_block(slot % kRosterMembers, tok, Seed(randomness, 32));
  return call.finish(put_blob(out, out_cap, out_len, v100::fhe::serialize_ciphertext(h->ctx->rlwe(), ct)));
}

V100_EXPORT int v100_bfv_roster_decrypt(const V100BfvRoster* h, uint32_t* out, const uint8_t* cts,
                                        size_t cts_len, const uint32_t* ct_lens, size_t num_cts) {
  KeystreamCall call;
  if (num_cts == 0) return kV100ErrLength;
  size_t total = 0;
  for (size_t i = 0; i < num_cts; ++i) total += ct_lens[i];
  if (total != cts_len) return kV100ErrLength;
  const v100::fhe::RlweContext& r = h->ctx->rlwe();
  v100::fhe::bfv::Evaluator eval(h->ctx);
  v100::fhe::Ciphertext sum;
  size_t off = 0;
  for (size_t i = 0; i < num_cts; ++i) {
    auto ct = v100::fhe::deserialize_ciphertext(r, in(cts + off, ct_lens[i]), 2);
    off += ct_lens[i];
    if (!ct || ct->size() != 2) return call.finish(kV100ErrInput);
    if (i == 0) {
      sum = std::move(ct).value();
    } else {
      if (ct->num_q() != sum.num_q() || ct->is_ntt() != sum.is_ntt()) return call.finish(kV100ErrInput);
      eval.add_inplace(sum, *ct);
    }
  }
  v100::fhe::bfv::Decryptor dec(h->ctx, h->keygen.secret_key());
  v100::fhe::bfv::CoefficientEncoder enc(h->ctx);
  auto pt = dec.decrypt(sum);
  auto values = enc.decode(pt);
  for (size_t i = 0; i < values.size(); ++i) out[i] = static_cast<uint32_t>(values[i]);
  v100::secure_wipe(values);
  v100::secure_wipe(pt.coeffs);
  return call.finish(kV100Ok);
}

V100_EXPORT int v100_bfv_roster_public_key(const V100BfvRoster* h, uint8_t* out, size_t out_cap,
                                           size_t* out_len) {
  KeystreamCall call;
  return call.finish(put_blob(out, out_cap, out_len,
                              v100::fhe::serialize_public_key(h->ctx->rlwe(), h->keygen.public_key())));
}

V100_EXPORT int v100_bfv_roster_relin_keys(const V100BfvRoster* h, uint8_t* out, size_t out_cap,
                                           size_t* out_len) {
  KeystreamCall call;
  return call.finish(put_blob(out, out_cap, out_len,
                              v100::fhe::serialize_relin_keys(h->ctx->rlwe(), h->keygen.relin_keys())));
}

// ---- BFV directory look-up ----

V100_EXPORT V100BfvLookup* v100_bfv_lookup_new(const uint8_t seed[32]) {
  auto ctx = v100::fhe::bfv::BfvContext::create(v100::services::kRosterSet);
  if (!ctx) return nullptr;  // roster_context() would throw: refuse here instead
  return new V100BfvLookup(Seed(seed, 32));
}

V100_EXPORT void v100_bfv_lookup_free(V100BfvLookup* h) {
  delete h;
}

V100_EXPORT int v100_bfv_lookup_query(const V100BfvLookup* h, uint8_t* out, size_t out_cap, size_t* out_len,
                                      const uint16_t token[32], const uint8_t randomness[32]) {
  KeystreamCall call;
  const v100::Bytes q = h->client.encrypt_query(
      std::span<const uint16_t>(token, v100::services::kTokenValues), Seed(randomness, 32));
  return call.finish(put_blob(out, out_cap, out_len, q));
}

V100_EXPORT int v100_bfv_lookup_find(const V100BfvLookup* h, int32_t* slot, char* err, size_t err_cap,
                                     const uint8_t* packed, size_t packed_len, const uint8_t* slots,
                                     size_t slots_len) {
  KeystreamCall call;
  *slot = -1;
  if (err_cap > 0) err[0] = 0;
  auto refuse = [&](const std::string& message) {
    if (err_cap > 0) {
      const size_t n = std::min(message.size(), err_cap - 1);
      std::memcpy(err, message.data(), n);
      err[n] = 0;
    }
    return call.finish(kV100ErrInput);
  };
  auto answer = v100::services::unpack_answer(in(packed, packed_len), in(slots, slots_len));
  if (!answer) return refuse(answer.message());
  auto found = h->client.find(answer->replies, answer->slots);
  if (!found) return refuse(found.message());
  if (*found) *slot = **found;
  return call.finish(kV100Ok);
}

}  // extern "C"
