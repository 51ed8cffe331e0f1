// What-if costing with HypoPG: the planner's estimated cost of a query as if a set of
// hypothetical indexes existed (beside every real one), on the advisor's own direct connection
// to the target database (never through a proxy pool: hypothetical indexes live in the backend).
//
// How a query is explained:
//   - a sample with literals (simple protocol): EXPLAIN (FORMAT JSON) <sample text>;
//   - a sample with parameters ($n, extended protocol): PREPARE with the sample text, then
//     EXPLAIN EXECUTE with the sample's values under plan_cache_mode = force_custom_plan;
//   - no usable sample: PREPARE with the normalized text, EXPLAIN EXECUTE with NULLs under
//     plan_cache_mode = force_generic_plan (the generic plan does not look at the values).
// EXPLAIN never executes the statement, so writes are costed safely.
//
// Costs are cached per (query id, key()s of the hypothetical indexes on tables the query
// references): indexes on other tables cannot change its plan. stats() counts what-if calls
// (EXPLAINs run) and cache hits.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "optimizer/advised_query.h"
#include "optimizer/index_definition.h"

namespace sluice::optimizer {

struct WhatIfStats {
  uint64_t whatif_calls = 0;  // EXPLAINs run against the server
  uint64_t cache_hits = 0;    // costs answered from the cache
  uint64_t failures = 0;      // queries that could not be explained
};

struct WhatIfResult {
  double cost = 0;                        // the plan's total cost
  std::vector<std::string> used_indexes;  // key()s of the hypothetical indexes the plan uses
};

class WhatIfCoster {
 public:
  // Connects directly (libpq conninfo or postgres:// URL) and runs CREATE EXTENSION IF NOT
  // EXISTS hypopg. Throws std::runtime_error naming host:port/db (never a password) when the
  // server cannot be reached or HypoPG is not available.
  explicit WhatIfCoster(const std::string& conninfo_or_url);
  ~WhatIfCoster();  // removes every hypothetical index (hypopg_reset) and disconnects
  WhatIfCoster(const WhatIfCoster&) = delete;
  WhatIfCoster& operator=(const WhatIfCoster&) = delete;

  // The cost with exactly these hypothetical indexes (and the real ones). nullopt when the query
  // cannot be explained (last_error() says why; counted as a failure and cached as such).
  std::optional<WhatIfResult> cost(const AdvisedQuery& query, std::span<const IndexDefinition> hypothetical);
  // hypopg_relation_size() of the index built as a hypothetical one (cached per key); -1 when
  // HypoPG refuses the index (last_error() says why).
  int64_t estimated_size_bytes(const IndexDefinition& index);

  const WhatIfStats& stats() const;
  const std::string& last_error() const;
  std::string server_version() const;  // "15.x"
  std::string hypopg_version() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether index's table is one the query references: an entry of query.tables equal to the
// table ("t", any schema) or to "schema.t" (ASCII case-insensitive). A query with no tables
// listed counts as referencing every table. Used for the cost cache and by index selection.
bool references_table(const AdvisedQuery& query, const IndexDefinition& index);

}  // namespace sluice::optimizer
