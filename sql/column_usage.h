// Which columns a PostgreSQL statement filters, joins, sorts and groups on, per table: the raw
// material for index candidates (optimizer/index_candidates.h). From libpg_query's parse tree;
// pure, no I/O, never throws.
//
// Table aliases are resolved to the relation they name. A column written without a table is
// given the statement level's only relation when it has one; with several relations in scope the
// table is left empty and the caller resolves it against the catalog (the relation that has a
// column of that name), with candidate_tables listing the relations in scope at that level.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {

enum class ColumnRole : uint8_t {
  Equality,  // col = const / $n, const = col, col IN (...), col = ANY(...), col IS NULL
  Range,     // col < > <= >= const, BETWEEN, col LIKE 'prefix%' (no leading wildcard)
  Join,      // a.x = b.y between two relations (each side recorded once)
  OrderBy,   // ORDER BY col [DESC] (plain columns only)
  GroupBy,   // GROUP BY col / DISTINCT col (plain columns only)
};

std::string_view to_string(ColumnRole role);

struct ColumnUse {
  std::string table;   // the relation as written ("orders" or "sales.orders"), aliases resolved;
                       // empty when unqualified and ambiguous (see candidate_tables)
  std::string column;  // unquoted name, folded to lower case unless quoted
  ColumnRole role = ColumnRole::Equality;
  bool descending = false;  // ORDER BY ... DESC
  bool in_or = false;       // the predicate sits under an OR (weaker evidence for an index)
  int position = 0;         // for OrderBy / GroupBy: 0-based position in the clause
  int scope = 0;            // which SELECT level (0 = outermost); uses of one level go together
  std::vector<std::string> candidate_tables;  // relations in scope when table is empty
};

struct ColumnUsage {
  std::vector<ColumnUse> uses;      // in order of appearance, exact duplicates removed
  std::vector<std::string> tables;  // every relation referenced, as written, each once
  bool parsed = false;              // false when the parser rejected the text (then uses is empty)
  // UPDATE ... SET targets (column names as written, first name of each target), in order: an
  // index on one of them turns the statement's HOT updates into full ones (optimizer upkeep).
  std::vector<std::string> updated_columns;
};

// Walks SELECT (with subqueries, CTEs, UNION branches), UPDATE and DELETE (WHERE clauses) and
// INSERT ... SELECT. Parameters ($1) and literals both count as constants.
ColumnUsage column_usage_postgres(std::string_view query) noexcept;

}  // namespace sluice::sql
