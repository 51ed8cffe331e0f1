// The advisor's input: the workload pulled from one or more proxies' GET /api/v1/workload (over
// HTTP, with an optional bearer token) or read from exported JSON files, merged into one table
// and turned into the optimizer's queries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "optimizer/advised_query.h"
#include "workload/workload_snapshot.h"

namespace sluice::advisor {

struct WorkloadSource {
  std::string location;  // http://host:port (the proxy's admin HTTP) or a file path
  std::string token;     // bearer token for http_token (empty: none)
};

struct PulledWorkload {
  workload::WorkloadTable table;      // every source's summary, merged
  int64_t since_ms = 0;
  int64_t until_ms = 0;
  std::vector<std::string> warnings;  // sources that could not be read (when others could)
};

// GETs /api/v1/workload?since=<since_ms> from each http:// source, or reads each file (the same
// JSON, or a table or series export). Throws std::runtime_error when no source could be read,
// naming each source and what went wrong.
PulledWorkload pull_workload(const std::vector<WorkloadSource>& sources, int64_t since_ms);

// The table's queries for `database` (all databases when empty), statements the optimizer can
// use (reads and writes; DDL, transaction control and utility left out), most total time first.
std::vector<optimizer::AdvisedQuery> advised_queries(const workload::WorkloadTable& table,
                                                     const std::string& database);

}  // namespace sluice::advisor
