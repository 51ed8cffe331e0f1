// Indexes worth dropping, from the catalog alone: unused ones (no scans since the statistics were
// reset) and duplicates (same key columns as another index on the table) or prefix-covered ones
// (key columns a leading prefix of another valid B-tree index's). Primary keys, unique indexes
// and indexes backing constraints are never proposed as unused or covered by a non-unique index.
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/pg_catalog.h"

namespace sluice::optimizer {

enum class DropReason { Unused, Duplicate, PrefixCovered, Invalid };
std::string_view to_string(DropReason reason);  // "unused", "duplicate", "prefix-covered", "invalid"

struct DropCandidate {
  std::string schema;
  std::string table;
  std::string index;
  int64_t size_bytes = 0;
  int64_t idx_scan = 0;
  DropReason reason = DropReason::Unused;
  std::string covered_by;      // the other index, for Duplicate / PrefixCovered
  std::string drop_statement;  // DROP INDEX CONCURRENTLY IF EXISTS "schema"."index"
  std::string explanation;     // one sentence for the report
};

struct DropOptions {
  // Tables with fewer rows than this are left alone for "unused" (their indexes cost little and
  // a small table may simply not have been queried yet).
  double min_table_rows = 1000;
};

// Sorted by size, largest first. An index is reported once (the first applicable reason in the
// order Invalid, Duplicate, PrefixCovered, Unused).
std::vector<DropCandidate> find_drop_candidates(const schema::PgCatalog& catalog, const DropOptions& options = {});

}  // namespace sluice::optimizer
