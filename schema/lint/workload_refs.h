// The proxy's workload as `sluice lint --workload` reads it: the body of a proxy's
// GET /api/v1/workload?since=… (fetched over HTTP) or the same JSON exported to a file, reduced
// to what lint needs: each fingerprint's normalized text, calls, and the tables and columns it
// references (tables from sql::describe_postgres, columns from libpg_query's parse tree).
// From it: calls per minute per table (hot tables raise severity) and, for every rename or drop
// of a table or column, the queries that still reference it.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "schema/lint/finding.h"
#include "schema/lint/lint_config.h"

namespace sluice::schema::lint {

// Tables (as sql::StatementInfo names them: "t" or "schema.t", lower-cased unless quoted) and
// columns (the last name of every column reference, INSERT column lists and UPDATE SET targets)
// a query references. When the parser rejects the text, every identifier is a column candidate.
struct QueryRefs {
  std::vector<std::string> tables;
  std::set<std::string> columns;
  bool parsed = false;
};
QueryRefs query_refs(std::string_view text);

struct WorkloadQuery {
  std::string fingerprint;  // 16 hex digits
  std::string database;
  std::string text;  // normalized text
  int64_t calls = 0;
  int64_t last_seen_ms = 0;  // 0 when the JSON does not say
  QueryRefs refs;
};

struct Workload {
  std::vector<WorkloadQuery> queries;  // most calls first
  int64_t since_ms = 0, until_ms = 0;  // the window the calls were counted in
  double minutes() const;              // the window's length, at least 1
};

// Accepts the /api/v1/workload body ({"summary":{"queries":[...]}, "since_ms", "until_ms"}), a
// workload table ({"queries":[...]}) or a series ({"buckets":[{"table":{...}}]}, summed by
// fingerprint). Queries last seen before now_ms - days are left out. Throws std::runtime_error
// on a shape it does not know.
Workload parse_workload_json(const nlohmann::json& j, int64_t now_ms, int64_t days);

// Reads `source`: an http:// URL (GET; `since` added as now - days when the URL has none;
// header "Authorization: Bearer $SLUICE_ADMIN_TOKEN" when that variable is set) or a file.
// Throws std::runtime_error with a clear message.
Workload load_workload(const std::string& source, int64_t now_ms, int64_t days);

// Whether a query's table name matches `table` ("t" or "schema.t"): names equal, schemas equal
// when both are given.
bool same_table(std::string_view query_table, std::string_view table);
bool references_table(const WorkloadQuery& q, std::string_view table);
bool references_column(const WorkloadQuery& q, std::string_view table, std::string_view column);

// Calls per minute over the queries that reference `table`; total calls into `calls`.
double table_calls_per_minute(const Workload& w, std::string_view table, int64_t* calls = nullptr);

// For every rename-table, rename-column, drop-table and drop-column finding: the queries that
// still reference the table or column, as notes ("breaks 3 queries seen in the last 7 days
// (1,234 calls)" and the first three texts). Returns how many findings got a note.
std::size_t add_broken_query_notes(LintResult& result, const Workload& w, int64_t days);

}  // namespace sluice::schema::lint
