#include "optimizer/index_candidates.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sql/column_usage.h"

namespace sluice::optimizer {

namespace {

using schema::PgCatalog;
using schema::PgIndex;
using schema::PgTable;
using sql::ColumnRole;
using sql::ColumnUse;

bool is_btree(const PgIndex& index) { return index.definition.find("USING btree") != std::string::npos; }

// A partial index (CREATE INDEX ... WHERE ...) serves only the queries that imply its predicate.
bool is_partial(const PgIndex& index) {
  const std::size_t keys = index.definition.find("USING ");
  return keys != std::string::npos && index.definition.find(" WHERE ", keys) != std::string::npos;
}

bool has_column(const PgTable& table, const std::string& column) {
  return std::any_of(table.columns.begin(), table.columns.end(),
                     [&](const schema::PgColumn& c) { return c.name == column; });
}

// Where a column use lives in the catalog: the named table, or for an unqualified column with
// several relations in scope, the one candidate table that has such a column.
const PgTable* place(const ColumnUse& use, const PgCatalog& catalog) {
  if (!use.table.empty()) {
    const PgTable* t = schema::find_table(catalog, use.table);
    return t != nullptr && has_column(*t, use.column) ? t : nullptr;
  }
  const PgTable* found = nullptr;
  for (const std::string& name : use.candidate_tables) {
    const PgTable* t = schema::find_table(catalog, name);
    if (t == nullptr || !has_column(*t, use.column) || t == found) continue;
    if (found != nullptr) return nullptr;  // several tables have it: ambiguous
    found = t;
  }
  return found;
}

// Estimated number of distinct values (higher = more selective for equality); 0 when unknown.
double distinct_values(const PgTable& table, const std::string& column) {
  const schema::PgColumnStats* best = nullptr;
  for (const auto& s : table.stats) {
    if (s.column != column) continue;
    // Prefer the table's own row over the one for the inheritance tree, unless it has only that.
    if (best == nullptr || (best->inherited && !s.inherited)) best = &s;
  }
  if (best == nullptr) return 0;
  if (best->n_distinct > 0) return best->n_distinct;
  if (best->n_distinct < 0) return -best->n_distinct * std::max(table.reltuples, 1.0);
  return 0;
}

void add_unique(std::vector<std::string>& list, const std::string& column) {
  if (std::find(list.begin(), list.end(), column) == list.end()) list.push_back(column);
}

// The uses of one statement level on one table.
struct TableUses {
  const PgTable* table = nullptr;
  std::vector<std::string> equality;  // outside OR, in order of appearance
  std::vector<std::string> range;     // outside OR
  std::vector<std::string> join;
  std::vector<std::string> singles;   // equality / range / join columns under OR: alone only
  std::vector<std::string> order;     // the leading ORDER BY columns that are this table's
  std::vector<std::string> group;     // the leading GROUP BY columns that are this table's
};

// ORDER BY / GROUP BY uses of one level, by position: the leading run (from position 0, no
// gaps) that belongs to table, stopping where another table's or an unplaced column starts or,
// for ORDER BY, where the direction changes (a plain B-tree serves one direction throughout).
std::vector<std::string> leading_run(const std::vector<std::pair<const ColumnUse*, const PgTable*>>& uses,
                                     ColumnRole role, const PgTable* table) {
  std::vector<std::pair<const ColumnUse*, const PgTable*>> clause;
  for (const auto& u : uses) {
    if (u.first->role == role) clause.push_back(u);
  }
  std::stable_sort(clause.begin(), clause.end(),
                   [](const auto& a, const auto& b) { return a.first->position < b.first->position; });
  std::vector<std::string> run;
  int expected = 0;
  bool descending = false;
  for (const auto& [use, t] : clause) {
    if (use->position != expected || t != table) break;
    if (expected == 0) descending = use->descending;
    if (role == ColumnRole::OrderBy && use->descending != descending) break;
    add_unique(run, use->column);
    ++expected;
  }
  return run;
}

class Generator {
 public:
  Generator(const PgCatalog& catalog, const CandidateOptions& options)
      : catalog_(catalog), max_columns_(std::max<std::size_t>(options.max_columns, 1)) {}

  void query(std::size_t position, const AdvisedQuery& q) {
    sql::ColumnUsage usage;
    if (const workload::QuerySample* sample = q.usable_sample()) usage = sql::column_usage_postgres(sample->query);
    if (!usage.parsed) usage = sql::column_usage_postgres(q.normalized_text);
    if (!usage.parsed) return;

    // Place every use; group by statement level.
    std::map<int, std::vector<std::pair<const ColumnUse*, const PgTable*>>> levels;
    for (const ColumnUse& use : usage.uses) {
      const PgTable* t = place(use, catalog_);
      if (t == nullptr) ++result_.unresolved_columns;
      levels[use.scope].emplace_back(&use, t);
    }

    std::set<std::string> proposed;  // keys proposed by this query (each counted once)
    for (const auto& [scope, uses] : levels) {
      std::vector<TableUses> tables;
      for (const auto& [use, t] : uses) {
        if (t == nullptr) continue;
        TableUses& tu = for_table(tables, t);
        if (use->in_or && (use->role == ColumnRole::Equality || use->role == ColumnRole::Range)) {
          add_unique(tu.singles, use->column);
        } else if (use->role == ColumnRole::Equality) {
          add_unique(tu.equality, use->column);
        } else if (use->role == ColumnRole::Range) {
          add_unique(tu.range, use->column);
        } else if (use->role == ColumnRole::Join) {
          add_unique(tu.join, use->column);
        }
      }
      for (TableUses& tu : tables) {
        tu.order = leading_run(uses, ColumnRole::OrderBy, tu.table);
        tu.group = leading_run(uses, ColumnRole::GroupBy, tu.table);
        propose_for_table(tu, position, proposed);
      }
    }
  }

  CandidateSet finish() {
    for (auto& [key, candidate] : merged_) result_.candidates.push_back(std::move(candidate));
    return std::move(result_);
  }

 private:
  static TableUses& for_table(std::vector<TableUses>& tables, const PgTable* t) {
    for (TableUses& tu : tables) {
      if (tu.table == t) return tu;
    }
    tables.push_back(TableUses{});
    tables.back().table = t;
    return tables.back();
  }

  void propose_for_table(TableUses& tu, std::size_t position, std::set<std::string>& proposed) {
    const PgTable& table = *tu.table;
    // Equality columns most selective first; unknown statistics last, in order of appearance.
    std::stable_sort(tu.equality.begin(), tu.equality.end(), [&](const std::string& a, const std::string& b) {
      return distinct_values(table, a) > distinct_values(table, b);
    });

    auto propose = [&](std::vector<std::string> columns) { add(table, std::move(columns), position, proposed); };
    auto eq_then = [&](const std::vector<std::string>& tail) {
      std::vector<std::string> cols = tu.equality;
      for (const auto& c : tail) add_unique(cols, c);
      return cols;
    };

    // Each column alone.
    for (const auto& c : tu.equality) propose({c});
    for (const auto& c : tu.range) propose({c});
    for (const auto& c : tu.join) propose({c});
    for (const auto& c : tu.singles) propose({c});
    if (!tu.order.empty()) propose({tu.order.front()});
    if (!tu.group.empty()) propose({tu.group.front()});

    // Equality columns, then one range column or the ORDER BY columns.
    if (tu.equality.size() > 1) propose(tu.equality);
    if (!tu.equality.empty()) {
      for (const auto& r : tu.range) {
        if (std::find(tu.equality.begin(), tu.equality.end(), r) == tu.equality.end()) propose(eq_then({r}));
      }
    }
    if (!tu.order.empty()) propose(eq_then(tu.order));
    // GROUP BY columns in order.
    if (tu.group.size() > 1) propose(tu.group);
    // Join key, then the equality columns.
    if (!tu.equality.empty()) {
      for (const auto& j : tu.join) {
        std::vector<std::string> cols{j};
        for (const auto& e : tu.equality) add_unique(cols, e);
        propose(std::move(cols));
      }
    }
  }

  void add(const PgTable& table, std::vector<std::string> columns, std::size_t position,
           std::set<std::string>& proposed) {
    if (columns.empty()) return;
    if (columns.size() > max_columns_) columns.resize(max_columns_);
    IndexDefinition def;
    def.schema = table.schema;
    def.table = table.name;
    def.columns = std::move(columns);
    std::string key = def.key();
    if (!proposed.insert(key).second) return;  // this query proposed it already
    if (covering_index(def, catalog_) != nullptr) {
      ++result_.covered_by_existing;
      return;
    }
    auto [it, inserted] = merged_.try_emplace(std::move(key));
    if (inserted) it->second.index = std::move(def);
    std::vector<std::size_t>& queries = it->second.queries;
    if (queries.empty() || queries.back() != position) queries.push_back(position);
  }

  const PgCatalog& catalog_;
  std::size_t max_columns_;
  std::map<std::string, IndexCandidate> merged_;
  CandidateSet result_;
};

}  // namespace

const PgIndex* covering_index(const IndexDefinition& candidate, const PgCatalog& catalog) {
  if (candidate.columns.empty()) return nullptr;
  const PgTable* table = schema::find_table(catalog, candidate.schema + "." + candidate.table);
  if (table == nullptr) return nullptr;
  for (const PgIndex& index : table->indexes) {
    if (!index.valid || !is_btree(index) || is_partial(index)) continue;
    if (index.columns.size() < candidate.columns.size()) continue;
    bool prefix = true;
    for (std::size_t i = 0; i < candidate.columns.size() && prefix; ++i) {
      prefix = !index.columns[i].expression && index.columns[i].name == candidate.columns[i];
    }
    if (prefix) return &index;
  }
  return nullptr;
}

CandidateSet generate_candidates(const std::vector<AdvisedQuery>& queries, const PgCatalog& catalog,
                                 const CandidateOptions& options) {
  Generator generator(catalog, options);
  for (std::size_t i = 0; i < queries.size(); ++i) generator.query(i, queries[i]);
  return generator.finish();
}

}  // namespace sluice::optimizer
