// Adds up the workers' rows of the live pool table: every worker reports its own part of a pool
// (database, user), and the admin outputs (/metrics, /api/v1/pools) show one row per pool.
#pragma once

#include <vector>

#include "proxy/observe/live_state.h"

namespace sluice::proxy::admin {

// One row per (database, user), sorted by database then user. Client and server counts add up;
// pool_size (a limit shared by all workers) and maxwait_ms take the largest value; paused is set
// when any worker's row is; pool_mode is the first non-empty one.
std::vector<observe::PoolLive> sum_live_pools(const std::vector<observe::PoolLive>& rows);

}  // namespace sluice::proxy::admin
