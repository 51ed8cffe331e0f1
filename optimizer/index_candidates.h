// Index candidates from the workload: for each query, the columns it filters, joins, sorts and
// groups on (sql/column_usage.h), resolved against the catalog, turned into single and
// multi-column B-tree candidates. Pure: no I/O.
//
// Per query and table: each equality, range and join column alone; the first ORDER BY and GROUP
// BY column alone; equality columns first (most selective first, from pg_stats n_distinct), then
// one range column or the ORDER BY columns, up to max_columns; GROUP BY columns in order; join
// key followed by equality columns. Columns the catalog does not know are dropped. Candidates
// that an existing valid B-tree index already covers (the candidate's columns are a prefix of
// the existing index's key columns) are skipped and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "optimizer/advised_query.h"
#include "optimizer/index_definition.h"
#include "schema/pg_catalog.h"

namespace sluice::optimizer {

struct CandidateOptions {
  std::size_t max_columns = 3;
};

struct IndexCandidate {
  IndexDefinition index;
  std::vector<std::size_t> queries;  // positions in the queries vector that proposed it, ascending
  // Built size from the catalog's statistics (optimizer/index_size_estimate.h); -1: unknown, the
  // selection then asks HypoPG.
  int64_t estimated_size_bytes = -1;
};

struct CandidateSet {
  std::vector<IndexCandidate> candidates;  // sorted by index key
  std::size_t covered_by_existing = 0;     // proposals skipped because an index covers them
  std::size_t unresolved_columns = 0;      // column uses the catalog could not place
};

CandidateSet generate_candidates(const std::vector<AdvisedQuery>& queries, const schema::PgCatalog& catalog,
                                 const CandidateOptions& options = {});

// The existing valid B-tree index on the same table whose key columns start with all of
// candidate's columns, or nullptr. Expression keys never match.
const schema::PgIndex* covering_index(const IndexDefinition& candidate, const schema::PgCatalog& catalog);

}  // namespace sluice::optimizer
