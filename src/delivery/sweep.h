// The sweep of the man page's DELIVERY ("Each flush first sweeps the spool")
// and LOOKING AFTER THE SPOOL (cleanup) with the configuration's
// limits: what each flush does before it sends, and `mcp-report cleanup` on
// its own.
#pragma once

#include <cstdint>
#include <optional>

#include "spool/cleanup.h"
#include "spool/spool.h"
#include "src/config/config.h"

namespace mcpr {

// The policy at `now` (epoch seconds): max_age_days and sync from `config`.
CleanupPolicy cleanup_policy(const Config& config, int64_t now);

// `mcp-report cleanup`: sweeps, unless a flush holds the flush lock (it
// sweeps the spool itself): nullopt then.
std::optional<CleanupResult> sweep_unless_flushing(const Config& config, const Spool& spool,
                                                   int64_t now);

}  // namespace mcpr
