// The C ABI of V100's post-quantum primitives for the web client. Compiled to WebAssembly from the
// same sources as the native build (src/core, src/hash, src/pq/mlkem, src/pq/mldsa, src/math,
// src/fhe/common, src/fhe/bfv, src/services' look-up; portable paths),
// and natively into the reference tool that proves the two builds give byte-identical outputs.
//
// Conventions (BoringSSL's): outputs first, then inputs; byte counts are `*_len`. Every function
// returns kV100Ok (0) on success, or a negative code; nothing throws or aborts on bad bytes. All
// functions are deterministic: randomness (seeds, encapsulation coins, signing rnd) is an input,
// drawn by the caller from crypto.getRandomValues. Output buffers must have the documented size.
// Not thread-safe across one WebAssembly instance only because the instance itself is not.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  kV100Ok = 0,
  kV100Invalid = 1,           ///< verify: the signature does not verify (not an error of the call)
  kV100ErrParameterSet = -1,  ///< unknown parameter set
  kV100ErrLength = -2,        ///< an input has the wrong length
  kV100ErrInput = -3,         ///< an input fails its standard check (FIPS 203 §7.2/§7.3, FIPS 204 skDecode)
  kV100ErrKeystream = -4,     ///< WebAssembly only: AES-CTR keystream the host has not supplied yet
                              ///< (src/core/host_aes.h): the host computes it and repeats the call
  kV100ErrBuffer = -5,        ///< an output buffer is too small (*out_len says how much is needed)
};

/// ML-KEM (FIPS 203) by module rank k = 2, 3, 4 (ML-KEM-512/768/1024); sizes of ek, dk, ct in bytes.
size_t v100_mlkem_ek_len(int k);
size_t v100_mlkem_dk_len(int k);
size_t v100_mlkem_ct_len(int k);

/// ML-KEM.KeyGen_internal(d, z) (Alg. 16): ek and dk from the two 32-byte seeds.
int v100_mlkem_keygen(int k, uint8_t* ek, uint8_t* dk, const uint8_t d[32], const uint8_t z[32]);

/// ML-KEM.Encaps_internal(ek, m) (Alg. 17) after the §7.2 check of ek: ct and the 32-byte shared secret.
int v100_mlkem_encaps(int k, uint8_t* ct, uint8_t ss[32], const uint8_t* ek, size_t ek_len,
                      const uint8_t m[32]);

/// ML-KEM.Decaps (Alg. 18/21) after the §7.3 check of dk; implicit rejection (a bad ct gives a
/// pseudo-random ss, not an error).
int v100_mlkem_decaps(int k, uint8_t ss[32], const uint8_t* dk, size_t dk_len, const uint8_t* ct,
                      size_t ct_len);

/// ML-DSA (FIPS 204) by parameter set 44, 65, 87; sizes of pk, sk, signature in bytes.
size_t v100_mldsa_pk_len(int set);
size_t v100_mldsa_sk_len(int set);
size_t v100_mldsa_sig_len(int set);

/// ML-DSA.KeyGen_internal(xi) (Alg. 6).
int v100_mldsa_keygen(int set, uint8_t* pk, uint8_t* sk, const uint8_t xi[32]);

/// ML-DSA.Sign (Alg. 2) of msg under the context ctx (at most 255 bytes) with the given rnd: 32
/// zero bytes for the deterministic variant, 32 fresh random bytes for the hedged one.
int v100_mldsa_sign(int set, uint8_t* sig, const uint8_t* sk, size_t sk_len, const uint8_t* msg,
                    size_t msg_len, const uint8_t* ctx, size_t ctx_len, const uint8_t rnd[32]);

/// ML-DSA.Sign_internal(sk, M', rnd) (Alg. 7): M' given whole (the ACVP vectors use it).
int v100_mldsa_sign_internal(int set, uint8_t* sig, const uint8_t* sk, size_t sk_len, const uint8_t* m_prime,
                             size_t m_prime_len, const uint8_t rnd[32]);

/// ML-DSA.Verify (Alg. 3): kV100Ok if valid, kV100Invalid if not (malformed signature included).
int v100_mldsa_verify(int set, const uint8_t* pk, size_t pk_len, const uint8_t* msg, size_t msg_len,
                      const uint8_t* ctx, size_t ctx_len, const uint8_t* sig, size_t sig_len);

/// ML-DSA.Verify_internal(pk, M', sigma) (Alg. 8).
int v100_mldsa_verify_internal(int set, const uint8_t* pk, size_t pk_len, const uint8_t* m_prime,
                               size_t m_prime_len, const uint8_t* sig, size_t sig_len);

/// SHA3-256 and SHAKE256 (FIPS 202).
int v100_sha3_256(uint8_t out[32], const uint8_t* in, size_t in_len);
int v100_shake256(uint8_t* out, size_t out_len, const uint8_t* in, size_t in_len);

/// Heap for the JavaScript side: v100_alloc(n) returns n bytes (nullptr if out of memory);
/// v100_free wipes the n bytes before freeing them, so secrets passed through the heap do not linger.
void* v100_alloc(size_t n);
void v100_free(void* p, size_t n);

/// ---- BFV roster (src/meeting/client/roster_bfv.h, parameter set "bfv-meeting-4096") ----
/// A handle holds the meeting's BFV context and the secret key derived from the 32-byte BFV seed
/// (KeySchedule::bfv_seed) exactly as client::RosterCipher does; NULL if the parameters are
/// unavailable. Free with v100_bfv_roster_free (wipes the key).
typedef struct V100BfvRoster V100BfvRoster;
V100BfvRoster* v100_bfv_roster_new(const uint8_t seed[32]);
void v100_bfv_roster_free(V100BfvRoster* h);

/// Ring degree N, plaintext modulus t, members per block (32), coefficients per member (128) and
/// token values per member (32).
size_t v100_bfv_roster_n(const V100BfvRoster* h);
uint32_t v100_bfv_roster_t(const V100BfvRoster* h);

/// The serialized seeded ciphertext (fhe/common/serialize.h) of `token` (32 values < t) at
/// `slot`'s position of its block (slot mod 32), the bytes RosterCipher::encrypt_token(slot, id,
/// randomness) gives for an identity whose identity_token is `token`. `randomness`: 32 fresh
/// random bytes, never reused. Writes *out_len; kV100ErrBuffer if out_cap is smaller;
/// kV100ErrInput on a token value >= t.
int v100_bfv_roster_encrypt(const V100BfvRoster* h, uint8_t* out, size_t out_cap, size_t* out_len,
                            uint16_t slot, const uint16_t token[32], const uint8_t randomness[32]);

/// Decrypts one block as RosterCipher::decrypt_tokens does: the `num_cts` serialized ciphertexts
/// (concatenated in `cts`, lengths in `ct_lens`) of members of one block are added and the sum is
/// decrypted into `out` (N values < t: member k's 128 at 128 k). kV100ErrInput when a ciphertext
/// does not deserialize under these parameters, has the wrong size, or the shapes differ;
/// kV100ErrLength when num_cts is 0 or the lengths do not add up to cts_len.
int v100_bfv_roster_decrypt(const V100BfvRoster* h, uint32_t* out, const uint8_t* cts, size_t cts_len,
                            const uint32_t* ct_lens, size_t num_cts);

/// RosterCipher::public_key_blob() / relin_keys_blob(): the serialized public key and
/// relinearization keys registered at CreateMeeting. kV100ErrBuffer (and *out_len) if too small.
int v100_bfv_roster_public_key(const V100BfvRoster* h, uint8_t* out, size_t out_cap, size_t* out_len);
int v100_bfv_roster_relin_keys(const V100BfvRoster* h, uint8_t* out, size_t out_cap, size_t* out_len);

/// ---- CKKS report (services::AttentionKeys of src/services/analytics.h, parameter set "ckks-8192") ----
/// A handle holds the context and the secret key derived from the meeting's 32-byte CKKS seed
/// (KeySchedule::ckks_seed) as AttentionKeys does; NULL if the parameters are unavailable. Free with
/// v100_ckks_report_free (wipes the key). The calls are in web/wasm/v100_wasm_ckks.cc.
typedef struct V100CkksReport V100CkksReport;
V100CkksReport* v100_ckks_report_new(const uint8_t seed[32]);
void v100_ckks_report_free(V100CkksReport* h);

/// Slots per report (N/2 = 4096).
size_t v100_ckks_report_slots(const V100CkksReport* h);

/// The encoder's unrounded first step (fhe/ckks/fft.h real_slots_to_coeffs, multiplier 1): the N
/// coefficients (doubles) of `num_values` real slot values, for the byte-identity checks of the
/// special FFT's roots between builds. kV100ErrLength unless out_len = N and num_values <= N/2;
/// kV100ErrInput on a value that is not finite.
int v100_ckks_report_slots_to_coeffs(const V100CkksReport* h, double* out, size_t out_len,
                                     const double* values, size_t num_values);

/// The plaintext a report encrypts: `num_values` (<= 4096) values clamped to [0, 1], encoded at the
/// default scale and top level; the (level + 1) * N residue words in NTT form. kV100ErrInput on a
/// value that is not finite or too many values; kV100ErrBuffer (and *out_len, in words) if too small.
int v100_ckks_report_encode(const V100CkksReport* h, uint64_t* out, size_t out_cap, size_t* out_len,
                            const double* values, size_t num_values);

/// A member's report: the serialized seeded ciphertext (fhe/common/serialize.h) of those values under
/// secret-key encryption, its public seed and error from a XOF of `randomness` (32 fresh random
/// bytes, never reused). Errors as v100_ckks_report_encode (*out_len in bytes).
int v100_ckks_report_encrypt(const V100CkksReport* h, uint8_t* out, size_t out_cap, size_t* out_len,
                             const double* values, size_t num_values, const uint8_t randomness[32]);

/// Decrypts a (summed) report into its first `count` slots with flooding noise (the default 16 bits
/// of fhe/ckks/encryptor.h) drawn from a XOF of `randomness` (32 fresh random bytes).
/// kV100ErrLength when count > N/2; kV100ErrInput when the bytes are not a ciphertext of this set.
int v100_ckks_report_decrypt(const V100CkksReport* h, double* out, size_t count, const uint8_t* ct,
                             size_t ct_len, const uint8_t randomness[32]);

/// ---- BFV directory look-up (src/services/lookup.h, services::LookupClient) ----
/// The key holder's half of "is user X in this meeting, in which slot?": a handle holds a
/// LookupClient, whose key comes from the same 32-byte BFV seed as the roster's. NULL if the
/// parameters are unavailable. Free with v100_bfv_lookup_free (wipes the key).
typedef struct V100BfvLookup V100BfvLookup;
V100BfvLookup* v100_bfv_lookup_new(const uint8_t seed[32]);
void v100_bfv_lookup_free(V100BfvLookup* h);

/// LookupClient::encrypt_query(token, randomness): the serialized query (match::serialize_score_query,
/// about 82 KB) of the 32-value identity token, the blob of the lookup ServiceRequest (service 1,
/// op 1). `randomness`: 32 fresh random bytes, never reused. Writes *out_len; kV100ErrBuffer if
/// out_cap is smaller.
int v100_bfv_lookup_query(const V100BfvLookup* h, uint8_t* out, size_t out_cap, size_t* out_len,
                          const uint16_t token[32], const uint8_t randomness[32]);

/// Reads the lookup ServiceResponse's two blobs (services::unpack_answer: the packed replies and
/// the occupied slots) and decrypts them as LookupClient::find does: *slot is the slot that holds
/// the queried token, or -1 when no occupied slot does. Untrusted bytes: kV100ErrInput when a blob
/// or a reply does not parse, with the native message (NUL-terminated, cut to err_cap - 1 bytes) in
/// `err`.
int v100_bfv_lookup_find(const V100BfvLookup* h, int32_t* slot, char* err, size_t err_cap,
                         const uint8_t* packed, size_t packed_len, const uint8_t* slots, size_t slots_len);

/// The test pattern of src/codec/test_pattern.h: reads the code grid of an I420 picture of
/// width x height (planes tightly packed: y = width*height bytes, u and v each
/// ((width+1)/2)*((height+1)/2) bytes; only the luma is read). *sender and *frame get the code.
/// kV100ErrLength when a plane has the wrong size or a size is not positive; kV100Invalid when the
/// picture carries no readable code (ambiguous cell or check value mismatch).
int v100_read_test_pattern(uint16_t* sender, uint32_t* frame, const uint8_t* y, size_t y_len,
                           const uint8_t* u, size_t u_len, const uint8_t* v, size_t v_len, int width,
                           int height);

/// Renders the test pattern of (sender, frame) at width x height into the three I420 planes (sizes as
/// above; kV100ErrLength otherwise).
int v100_render_test_pattern(uint8_t* y, size_t y_len, uint8_t* u, size_t u_len, uint8_t* v, size_t v_len,
                             uint16_t sender, uint32_t frame, int width, int height);

/// src/codec/tone.h: the tone frequency of `sender` (Hz), and the dominant frequency (Hz) of `num_samples`
/// 16-bit mono samples at `sample_rate` (0 when too short, silent or the rate is not positive).
double v100_tone_frequency(uint16_t sender);
double v100_dominant_frequency(const int16_t* pcm, size_t num_samples, int sample_rate);

#ifdef __cplusplus
}
#endif
