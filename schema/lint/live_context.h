// Live context for `sluice lint`: what the database and the proxy's workload know about the
// tables a migration touches. Works on the findings the static rules produced: it keeps their
// rule, location and statement, adds notes and moves severity, and adds a few findings of its
// own (rule ids below). Tables created in the same migration (Finding::table_is_new) are not
// looked up.
//
//   --db URL        (PostgreSQL; pg_live_catalog.h) for each table a finding concerns: row count
//                   (count(*) under 64 MB or never analyzed, else pg_class.reltuples), size with
//                   and without indexes, index sizes -> a note "orders: 1,204,332 rows, 312 MB";
//                   an estimated duration for each rewrite or scan (LiveThresholds
//                   rewrite_mb_per_second / scan_mb_per_second); severity raised one level for a
//                   large table (>= large_table_rows or >= large_table_bytes) and lowered one level
//                   for a small one (< small_table_rows) (live_tables.h). Pre-flight, for findings
//                   that take a lock: other sessions holding a conflicting lock on the table
//                   (finding live-lock-queue, warning) or transactions open longer than
//                   long_transaction_seconds (live-long-transaction, warning): the ALTER would
//                   queue behind them and block everything behind it.
//                   (mysql:// URLs with --dialect mysql: mysql_table_sizes.h.)
//   --workload SRC  (workload_refs.h) calls per minute per table (a hot table, at or above
//                   hot_table_queries_per_minute: severity raised); for every rename or drop of a
//                   table or column, the queries that still reference it ("breaks 3 queries seen
//                   in the last 7 days", with the first three texts).
//   --trace         with --db on a scratch database (pg_trace.h): trace-lock, trace-rewrite,
//                   trace-not-transactional, trace-error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/lint/finding.h"
#include "schema/lint/lint_config.h"

namespace sluice::schema::lint {

struct LiveOptions {
  std::string db_url;    // --db: postgres://... or mysql://...
  std::string workload;  // --workload: URL of a proxy's workload API, or a JSON file
  bool trace = false;    // --trace (needs --db; the caller runs add_trace)
  bool mysql = false;    // --dialect mysql
  LiveThresholds thresholds;
  int64_t now_ms = 0;    // 0: the clock

  bool any() const { return !db_url.empty() || !workload.empty() || trace; }
};

// The ids of the findings live context and the trace add (accepted by the config's
// exclude_rules and [severity]).
bool is_live_rule_id(std::string_view id);

// Adjusts `result` with live context (--db, --workload). Throws std::runtime_error
// (LiveContextError for the database) with a message for the user: the CLI exits 2.
void add_live_context(LintResult& result, const LiveOptions& options);

}  // namespace sluice::schema::lint
