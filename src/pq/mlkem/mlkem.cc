// K-PKE (FIPS 203 §5, Alg. 13-15) and ML-KEM (§6-7, Alg. 16-21), for k = 2, 3, 4.
#include "pq/mlkem/mlkem.h"

#include <cstring>

#include "core/rng.h"
#include "pq/mlkem/internal.h"

namespace v100::pq::mlkem {
namespace {

using internal::Poly;

// Byte offsets inside dk = dk_PKE || ek || H(ek) || z (Alg. 16 line 3).
template <int K>
struct DkLayout {
  static constexpr size_t kPke = 0;
  static constexpr size_t kEk = 384 * K;
  static constexpr size_t kH = kEk + Params<K>::kEncapsulationKeyBytes;
  static constexpr size_t kZ = kH + 32;
  static_assert(kZ + 32 == Params<K>::kDecapsulationKeyBytes);
};

/// Wipes a stack object at scope exit (transient secrets).
template <typename T>
using Wipe = internal::WipeScope<T>;

using internal::hash_g;

template <int K>
using EkPtr = std::shared_ptr<internal::ExpandedEk<K>>;
template <int K>
using DkPtr = std::shared_ptr<internal::ExpandedDk<K>>;

/// Parses ek_PKE = ByteEncode_12(t_hat) || rho (Alg. 14 lines 2-8): t_hat, and A_hat^T from rho.
template <int K>
EkPtr<K> expand_ek(const uint8_t* ek_pke) {
  EkPtr<K> x(new internal::ExpandedEk<K>());
  for (int i = 0; i < K; ++i) internal::decode12(x->t_hat[i], ek_pke + 384 * i);
  internal::gen_matrix(x->at_hat, ek_pke + 384 * K, K, /*transposed=*/true);
  return x;
}

/// Parses dk_PKE = ByteEncode_12(s_hat) (Alg. 15 line 5).
template <int K>
DkPtr<K> expand_dk(const uint8_t* dk_pke) {
  DkPtr<K> x(new internal::ExpandedDk<K>());
  for (int i = 0; i < K; ++i) internal::decode12(x->s_hat[i], dk_pke + 384 * i);
  return x;
}

/// K-PKE.KeyGen(d) (Alg. 13): ek_PKE (384k + 32 bytes) and dk_PKE (384k bytes), and their parsed
/// forms (A_hat^T is A_hat with its blocks transposed, so no second expansion is needed).
template <int K>
void kpke_keygen(uint8_t* ek_pke, uint8_t* dk_pke, internal::ExpandedEk<K>& ek_x,
                 internal::ExpandedDk<K>& dk_x, const uint8_t d[32]) {
  using P = Params<K>;
  uint8_t rho[32], sigma[32];
  Wipe<uint8_t[32]> wipe_sigma(sigma);
  const uint8_t k_byte = static_cast<uint8_t>(K);
  hash_g(rho, sigma, std::span<const uint8_t>(d, 32), std::span<const uint8_t>(&k_byte, 1));
  // rho is public (it is part of ek); tell Valgrind so rejection sampling on it is not reported.
  V100_CT_UNPOISON(rho, sizeof rho);

  Poly a_hat[K * K];
  internal::gen_matrix(a_hat, rho, K, /*transposed=*/false);

  // s (nonces 0..k-1) and e (k..2k-1), sampled together and NTT'd in place.
  Poly se[2 * K];
  Wipe<Poly[2 * K]> wipe_se(se);
  Poly* s_hat = se;
  Poly* e_hat = se + K;
  internal::sample_noise(se, 2 * K, sigma, 0, P::eta1);
  for (int i = 0; i < K; ++i) internal::ntt(s_hat[i]);
  for (int i = 0; i < K; ++i) internal::ntt(e_hat[i]);

  // t_hat = A_hat o s_hat + e_hat (line 18); basemul leaves R^-1, tomont removes it.
  Poly* t_hat = ek_x.t_hat;
  for (int i = 0; i < K; ++i) {
    internal::basemul_acc(t_hat[i], &a_hat[i * K], s_hat, K);
    internal::poly_tomont(t_hat[i]);
    internal::poly_add(t_hat[i], t_hat[i], e_hat[i]);
    internal::poly_reduce(t_hat[i]);
    internal::poly_canonical(t_hat[i]);
  }
  for (int i = 0; i < K; ++i) internal::encode12(ek_pke + 384 * i, t_hat[i]);
  std::memcpy(ek_pke + 384 * K, rho, 32);
  for (int i = 0; i < K; ++i) {
    internal::encode12(dk_pke + 384 * i, s_hat[i]);
    dk_x.s_hat[i] = s_hat[i];
    internal::poly_canonical(dk_x.s_hat[i]);
  }
  for (int i = 0; i < K; ++i)
    for (int j = 0; j < K; ++j) ek_x.at_hat[i * K + j] = a_hat[j * K + i];
}

/// K-PKE.Encrypt(ek_PKE, m, r) (Alg. 14), on the parsed key (lines 2-8 done by expand_ek).
template <int K>
void kpke_encrypt(uint8_t* c, const internal::ExpandedEk<K>& ek, const uint8_t m[32], const uint8_t r[32]) {
  using P = Params<K>;
  const Poly* t_hat = ek.t_hat;
  const Poly* at_hat = ek.at_hat;

  // y (nonces 0..k-1), e1 (k..2k-1), e2 (2k) in one array so they can be sampled together.
  Poly noise[2 * K + 1], mu;
  Wipe<Poly[2 * K + 1]> wipe_noise(noise);
  Wipe<Poly> wipe_mu(mu);
  Poly* y_hat = noise;
  Poly* e1 = noise + K;
  Poly& e2 = noise[2 * K];
  if constexpr (P::eta1 == P::eta2) {
    internal::sample_noise(noise, 2 * K + 1, r, 0, P::eta1);
  } else {
    internal::sample_noise(y_hat, K, r, 0, P::eta1);
    internal::sample_noise(e1, K + 1, r, K, P::eta2);
  }
  for (int i = 0; i < K; ++i) internal::ntt(y_hat[i]);

  // u = NTT^-1(A_hat^T o y_hat) + e1 (line 19), c1 = ByteEncode_du(Compress_du(u)) (line 22).
  Poly u;
  Wipe<Poly> wipe_u(u);
  for (int i = 0; i < K; ++i) {
    internal::basemul_acc(u, &at_hat[i * K], y_hat, K);
    internal::inv_ntt(u);
    internal::poly_add(u, u, e1[i]);
    internal::poly_reduce(u);
    internal::compress_encode(c + 32 * P::du * i, u, P::du);
  }

  // v = NTT^-1(t_hat^T o y_hat) + e2 + mu (lines 20-21), c2 = ByteEncode_dv(Compress_dv(v)).
  internal::decode_decompress(mu, m, 1);
  Poly v;
  Wipe<Poly> wipe_v(v);
  internal::basemul_acc(v, t_hat, y_hat, K);
  internal::inv_ntt(v);
  internal::poly_add(v, v, e2);
  internal::poly_add(v, v, mu);
  internal::poly_reduce(v);
  internal::compress_encode(c + 32 * P::du * K, v, P::dv);
}

/// K-PKE.Decrypt(dk_PKE, c) (Alg. 15), on the parsed s_hat.
template <int K>
void kpke_decrypt(uint8_t m[32], const internal::ExpandedDk<K>& dk, const uint8_t* c) {
  using P = Params<K>;
  Poly u_hat[K], w;
  Wipe<Poly> wipe_w(w);
  for (int i = 0; i < K; ++i) {
    internal::decode_decompress(u_hat[i], c + 32 * P::du * i, P::du);
    internal::ntt(u_hat[i]);
  }
  Poly v;
  internal::decode_decompress(v, c + 32 * P::du * K, P::dv);
  // w = v' - NTT^-1(s_hat^T o NTT(u')) (line 6), m = ByteEncode_1(Compress_1(w)) (line 7).
  internal::basemul_acc(w, dk.s_hat, u_hat, K);
  internal::inv_ntt(w);
  internal::poly_sub(w, v, w);
  internal::poly_reduce(w);
  internal::compress_encode(m, w, 1);
}

}  // namespace

template <int K>
Result<EncapsulationKey<K>> EncapsulationKey<K>::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kBytes)
    return Result<EncapsulationKey>::error("ML-KEM: encapsulation key has the wrong length");
  // §7.2 modulus check: every 12-bit value of the encoded t_hat must be < q.
  for (int i = 0; i < K; ++i)
    if (!internal::decode12_all_below_q(bytes.data() + 384 * i))
      return Result<EncapsulationKey>::error("ML-KEM: encapsulation key fails the modulus check");
  return from_valid_bytes_unchecked(std::span<const uint8_t, kBytes>(bytes.data(), kBytes));
}

template <int K>
EncapsulationKey<K> EncapsulationKey<K>::from_valid_bytes_unchecked(std::span<const uint8_t, kBytes> bytes) {
  uint8_t h[32];
  internal::hash_h(h, bytes);
  return from_parts(bytes, std::span<const uint8_t, 32>(h, 32), expand_ek<K>(bytes.data()));
}

template <int K>
Result<DecapsulationKey<K>> DecapsulationKey<K>::from_bytes(ByteSpan bytes) {
  using L = DkLayout<K>;
  if (bytes.size() != kBytes)
    return Result<DecapsulationKey>::error("ML-KEM: decapsulation key has the wrong length");
  // §7.3 hash check: H(ek) stored in dk equals the hash of the ek stored in dk. Both are public
  // parts of dk, so an ordinary branch is fine.
  uint8_t h[32];
  internal::hash_h(h, bytes.subspan(L::kEk, Params<K>::kEncapsulationKeyBytes));
  if (!ct_equal(h, bytes.subspan(L::kH, 32)))
    return Result<DecapsulationKey>::error("ML-KEM: decapsulation key fails the hash check");
  // The embedded ek is not range-checked by §7.3; ByteDecode_12 reduces mod q, as FIPS 203 says.
  return from_parts(std::span<const uint8_t, kBytes>(bytes.data(), kBytes),
                    expand_dk<K>(bytes.data() + L::kPke), expand_ek<K>(bytes.data() + L::kEk));
}

template <int K>
EncapsulationKey<K> DecapsulationKey<K>::encapsulation_key() const {
  using L = DkLayout<K>;
  return EncapsulationKey<K>::from_parts(std::span<const uint8_t, Params<K>::kEncapsulationKeyBytes>(
                                             bytes_.data() + L::kEk, Params<K>::kEncapsulationKeyBytes),
                                         std::span<const uint8_t, 32>(bytes_.data() + L::kH, 32), ek_x_);
}

template <int K>
Result<Ciphertext<K>> Ciphertext<K>::from_bytes(ByteSpan bytes) {
  if (bytes.size() != kBytes) return Result<Ciphertext>::error("ML-KEM: ciphertext has the wrong length");
  Ciphertext c;
  std::memcpy(c.bytes_.data(), bytes.data(), kBytes);
  return c;
}

template <int K>
KeyPair<K> keygen_internal(std::span<const uint8_t, kSeedBytes> d, std::span<const uint8_t, kSeedBytes> z) {
  using L = DkLayout<K>;
  // Alg. 16: dk = dk_PKE || ek || H(ek) || z.
  std::array<uint8_t, Params<K>::kDecapsulationKeyBytes> dk;
  Wipe<decltype(dk)> wipe_dk(dk);
  EkPtr<K> ek_x(new internal::ExpandedEk<K>());
  DkPtr<K> dk_x(new internal::ExpandedDk<K>());
  kpke_keygen<K>(dk.data() + L::kEk, dk.data() + L::kPke, *ek_x, *dk_x, d.data());
  uint8_t h[32];
  internal::hash_h(h, std::span<const uint8_t>(dk.data() + L::kEk, Params<K>::kEncapsulationKeyBytes));
  std::memcpy(dk.data() + L::kH, h, 32);
  std::memcpy(dk.data() + L::kZ, z.data(), 32);
  auto ek = EncapsulationKey<K>::from_parts(std::span<const uint8_t, Params<K>::kEncapsulationKeyBytes>(
                                                dk.data() + L::kEk, Params<K>::kEncapsulationKeyBytes),
                                            std::span<const uint8_t, 32>(h, 32), ek_x);
  return KeyPair<K>{std::move(ek), DecapsulationKey<K>::from_parts(dk, std::move(dk_x), std::move(ek_x))};
}

template <int K>
KeyPair<K> keygen() {
  // Alg. 19.
  std::array<uint8_t, 64> dz;
  Wipe<decltype(dz)> wipe(dz);
  random_bytes(dz);
  return keygen_internal<K>(std::span<const uint8_t, 32>(dz.data(), 32),
                            std::span<const uint8_t, 32>(dz.data() + 32, 32));
}

template <int K>
Encapsulation<K> encaps_internal(const EncapsulationKey<K>& ek, std::span<const uint8_t, kSeedBytes> m) {
  // Alg. 17: (K, r) = G(m || H(ek)), c = K-PKE.Encrypt(ek, m, r).
  Encapsulation<K> out{SharedSecret(), Ciphertext<K>::from_array({})};
  uint8_t r[32];
  Wipe<uint8_t[32]> wipe_r(r);
  hash_g(out.key.mutable_span().data(), r, m, ek.hash());
  std::array<uint8_t, Params<K>::kCiphertextBytes> c;
  kpke_encrypt<K>(c.data(), ek.expanded(), m.data(), r);
  out.ciphertext = Ciphertext<K>::from_array(c);
  return out;
}

template <int K>
Encapsulation<K> encaps(const EncapsulationKey<K>& ek) {
  // Alg. 20.
  std::array<uint8_t, 32> m;
  Wipe<decltype(m)> wipe(m);
  random_bytes(m);
  return encaps_internal<K>(ek, m);
}

template <int K>
SharedSecret decaps(const DecapsulationKey<K>& dk, const Ciphertext<K>& c) {
  using L = DkLayout<K>;
  using P = Params<K>;
  const uint8_t* dkb = dk.bytes().data();
  // Alg. 18.
  uint8_t m_prime[32], r_prime[32];
  Wipe<uint8_t[32]> wipe_m(m_prime), wipe_r(r_prime);
  kpke_decrypt<K>(m_prime, dk.expanded(), c.bytes().data());

  SharedSecret k_prime;
  hash_g(k_prime.mutable_span().data(), r_prime, std::span<const uint8_t>(m_prime, 32),
         std::span<const uint8_t>(dkb + L::kH, 32));

  // K_bar = J(z || c) = SHAKE256(z || c, 32) (line 8).
  uint8_t k_bar[32];
  Wipe<uint8_t[32]> wipe_kbar(k_bar);
  internal::hash_j(k_bar, dkb + L::kZ, c.span());

  std::array<uint8_t, P::kCiphertextBytes> c_prime;
  Wipe<decltype(c_prime)> wipe_c(c_prime);
  kpke_encrypt<K>(c_prime.data(), dk.expanded_ek(), m_prime, r_prime);

  // Lines 10-12: if c != c' then K' = K_bar, in constant time (no branch on the comparison).
  uint8_t diff = 0;
  const auto& cb = c.bytes();
  for (size_t i = 0; i < P::kCiphertextBytes; ++i) diff |= static_cast<uint8_t>(cb[i] ^ c_prime[i]);
  const uint8_t equal_mask = static_cast<uint8_t>(ct_is_zero_mask(diff));
  auto kp = k_prime.mutable_span();
  for (size_t i = 0; i < 32; ++i) kp[i] = ct_select_u8(equal_mask, kp[i], k_bar[i]);
  return k_prime;
}

#define V100_MLKEM_INSTANTIATE(K)                                                     \
  template class EncapsulationKey<K>;                                                 \
  template class DecapsulationKey<K>;                                                 \
  template class Ciphertext<K>;                                                       \
  template KeyPair<K> keygen<K>();                                                    \
  template KeyPair<K> keygen_internal<K>(std::span<const uint8_t, kSeedBytes>,        \
                                         std::span<const uint8_t, kSeedBytes>);       \
  template Encapsulation<K> encaps<K>(const EncapsulationKey<K>&);                    \
  template Encapsulation<K> encaps_internal<K>(const EncapsulationKey<K>&,            \
                                               std::span<const uint8_t, kSeedBytes>); \
  template SharedSecret decaps<K>(const DecapsulationKey<K>&, const Ciphertext<K>&);

V100_MLKEM_INSTANTIATE(2)
V100_MLKEM_INSTANTIATE(3)
V100_MLKEM_INSTANTIATE(4)

}  // namespace v100::pq::mlkem
