// Index selection across the whole workload under a storage budget.
//
// Greedy with re-costing: start from the real indexes only; each round, for every candidate
// that fits the remaining budget, cost the queries it could help (those referencing its table)
// with the chosen set plus the candidate, and take the candidate with the best net benefit per
// byte. Benefit = sum over queries of calls x (cost before - cost after) in planner cost units;
// the net benefit subtracts the maintenance cost the index adds to writes on its table (rows
// written by the workload's INSERT/UPDATE/DELETE x maintenance_cost_per_row). A candidate that
// extends a chosen index by columns may replace it (it then pays only the size difference).
// Stops when nothing left has a positive net benefit of at least min_relative_gain of the
// workload's cost, or fits. Every choice keeps its reason: the queries it helps, by how much.
// The greedy runs twice, ranking by net benefit per byte and by net benefit alone (the knapsack
// pair: many narrow indexes, or the wider one that helps most), and, when the budget binds, a few
// more times starting from each of the candidates that gain most alone; the set with the lowest
// workload cost, upkeep included, is returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "optimizer/advised_query.h"
#include "optimizer/index_candidates.h"
#include "optimizer/index_definition.h"
#include "optimizer/whatif_coster.h"
#include "schema/pg_catalog.h"

namespace sluice::optimizer {

struct SelectionOptions {
  int64_t budget_bytes = 0;  // storage for new indexes (the caller: 25% of the database by default)
  // Planner cost units charged per row written to the table, per index (an index insertion is a
  // B-tree descent plus a leaf write; default about one random page). UPDATEs are HOT-aware:
  // an index on none of the columns an UPDATE sets costs it nothing while its updates are HOT
  // (no existing index covers a set column); an index on a set column makes them full updates,
  // charged for every index of the table plus the heap. Needs `catalog` (else: one per row).
  double maintenance_cost_per_row = 4.0;
  const schema::PgCatalog* catalog = nullptr;
  // A candidate must save at least this fraction of the whole workload's weighted cost.
  double min_relative_gain = 0.001;
  std::size_t max_indexes = 50;
  // When the budget cannot hold every candidate that helps on its own: up to this many extra
  // greedy passes, each starting from one of the candidates with the largest gain on its own
  // (two per seed: going on per byte and by benefit), within seed_whatif_factor times the cost
  // lookups (what-if calls and cache hits) the first two passes made.
  std::size_t seed_passes = 8;
  double seed_whatif_factor = 2.0;
};

struct QueryCostChange {
  std::size_t query = 0;  // position in the queries vector
  double before = 0;      // planner cost with the real indexes only
  double after = 0;       // with the final selection
};

struct ChosenIndex {
  IndexDefinition index;
  int64_t size_bytes = 0;         // estimated (the candidate's statistics-based size, else HypoPG's)
  double benefit = 0;             // weighted cost saved when chosen (calls x cost units)
  double maintenance_cost = 0;    // weighted cost added to writes
  double write_rows = 0;          // rows written to the table by the workload
  bool breaks_hot_updates = false;  // indexes a column UPDATEs set while they are HOT
  std::vector<QueryCostChange> helps;  // queries whose cost drops with the final selection
  std::optional<IndexDefinition> replaces;  // a chosen index this one extended
  std::string reason;             // one sentence: why this index
};

struct RejectedCandidate {
  IndexDefinition index;
  std::string reason;  // "no query's plan uses it", "over budget (needs 12 MB, 3 MB left)", ...
};

struct Selection {
  std::vector<ChosenIndex> chosen;  // in the order chosen
  std::vector<RejectedCandidate> rejected;
  int64_t budget_bytes = 0;
  int64_t used_bytes = 0;
  double workload_cost_before = 0;  // sum of calls x cost, real indexes only
  double workload_cost_after = 0;   // with every chosen index
  std::vector<double> cost_before;  // per query (NaN when it could not be costed)
  std::vector<double> cost_after;
  std::size_t uncostable_queries = 0;
};

Selection select_indexes(const std::vector<AdvisedQuery>& queries, const CandidateSet& candidates,
                         WhatIfCoster& coster, const SelectionOptions& options);

}  // namespace sluice::optimizer
