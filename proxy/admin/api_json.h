// JSON bodies of the HTTP API's live views: /api/v1/queries (the busiest query keys of the
// all-time table) and /api/v1/pools (live pool gauges plus cumulative pool statistics).
// Times are in ms, fingerprints 16 lowercase hex digits, as in workload/workload_json.h.
// Client-supplied text (query text, names) may be invalid UTF-8: write the result with
// workload::dump_json, which replaces it instead of throwing.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

#include "proxy/observe/live_state.h"
#include "workload/workload_snapshot.h"

namespace sluice::proxy::admin {

// {"order_by":"total_time","limit":n,"entries":…,"total_calls":…,"evictions":…,
//  "queries":[{"fingerprint","database","user","query" (normalized text),"calls","total_ms",
//  "mean_ms","min_ms","max_ms","p50_ms","p95_ms","p99_ms","rows","errors" (calls that failed),
//  "errors_by_sqlstate":{state:calls},"wait_ms","server_ms","bytes_in","bytes_out",
//  "first_seen_ms","last_seen_ms"},…]}: the limit entries largest by order, largest first. The
// "other" row of evicted entries is not listed; total_calls includes it.
nlohmann::json queries_json(const workload::WorkloadTable& totals, workload::OrderBy order, std::size_t limit);

// {"pools":[{"database","user",
//   "live":{"pool_mode","pool_size","cl_active","cl_waiting","cl_idle","sv_active","sv_idle",
//           "sv_login","maxwait_ms","paused"} or null when no worker has the pool now,
//   "stats":{"transactions","queries","errors","acquisitions","waits","wait_ms","mean_wait_ms",
//            "max_wait_ms","p99_wait_ms","server_ms","bytes_in","bytes_out","first_seen_ms",
//            "last_seen_ms", time-averaged gauges "active_clients", …} or null when nothing was
//   recorded}, …]}: one entry per (database, user) found in either, sorted by database, user.
// Live counts are added up across workers (see live_pools.h).
nlohmann::json pools_json(const observe::LiveState& live, const workload::WorkloadTable& totals);

}  // namespace sluice::proxy::admin
