// AVX2 NTT kernels for ML-DSA (placeholder until the vector path lands).
#include "pq/mldsa/internal.h"

namespace v100::pq::mldsa::internal {
const NttBackend* avx2_backend() { return nullptr; }
}  // namespace v100::pq::mldsa::internal
