// The SHOW commands of the admin console as pure builders: live state, configuration and
// workload statistics in, a ResultSet out. Column names follow PgBouncer 1.18 where they mean
// the same, so existing dashboards and exporters keep working; Sluice-only columns come last.
//
// Conventions shared by the tables:
//  - times of day are 'YYYY-MM-DD HH:MM:SS' UTC (NULL when unknown, i.e. 0);
//  - a duration split PgBouncer-style is whole seconds (wait, maxwait) plus the microseconds
//    beyond them (wait_us, maxwait_us);
//  - SHOW STATS times are µs; SHOW QUERIES times are ms with 3 decimals;
//  - ids (ptr, link) are "0x" + lowercase hex.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/config.h"
#include "proxy/admin/result_set.h"
#include "proxy/observe/live_state.h"
#include "workload/workload_snapshot.h"

namespace sluice::proxy::admin {

// The version SHOW VERSION reports. cli/main.cc spells the same number for --version.
inline constexpr std::string_view kSluiceVersion = "0.1.0";

// One row per (database, user): the workers' PoolLive rows added up (sum_live_pools: maxwait
// the largest, paused any), sorted by database then user. Extra column after PgBouncer's: paused.
ResultSet show_pools(const observe::LiveState& live);

// One row per client (type 'C') / server (type 'S'), sorted by id.
ResultSet show_clients(const observe::LiveState& live);
ResultSet show_servers(const observe::LiveState& live);

// One row per configured database, sorted by name. With a "*" entry, every database the live
// state knows and the config does not name gets a row too (the "*" settings, its own name as
// the server database), like PgBouncer's auto-databases. current_connections counts the open
// server connections of the database; paused is 1 when any of its pools is paused.
ResultSet show_databases(const common::Config& config, const observe::LiveState& live);

// One row per database: the pools of all its users added up. Averages per second are over
// uptime_seconds; avg_query_time is µs per query and avg_wait_time µs per server acquisition.
// total_xact_time and avg_xact_time are NULL: PoolStats does not measure transaction spans.
ResultSet show_stats(const workload::WorkloadTable& totals, double uptime_seconds);

// key, value, default, changeable (whether RELOAD applies it): every scalar setting, keys named
// as in sluice.toml ("timeouts.query_wait_timeout"). Databases are in SHOW DATABASES; users and
// passwords are never shown, and admin.http_token only as "********" when set.
ResultSet show_config(const common::Config& config);

// The top limit entries of totals by order (largest first), without the "<other>" row.
ResultSet show_queries(const workload::WorkloadTable& totals, workload::OrderBy order, std::size_t limit = 20);

// One column "version": "Sluice <version>".
ResultSet show_version(std::string_view version = kSluiceVersion);

// command, description: one row per command form.
ResultSet show_help();

}  // namespace sluice::proxy::admin
