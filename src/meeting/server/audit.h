// `v100 audit`: everything the server has stored in a data dir, by kind, with counts, sizes and
// what each record is — the whole answer to a subpoena. Used by `v100 audit` and `v100 demo`.
#pragma once

#include <string>

#include "core/status.h"

namespace v100::meeting::server {

/// A human-readable report (or JSON when `json`) of the store's records and of every file in
/// `data_dir`. Error if there is no V100 database there. Opening does not modify stored records.
Result<std::string> audit_report(const std::string& data_dir, bool json);

}  // namespace v100::meeting::server
