#include "optimizer/drop_candidates.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "optimizer/index_definition.h"

namespace sluice::optimizer {

std::string_view to_string(DropReason reason) {
  switch (reason) {
    case DropReason::Unused: return "unused";
    case DropReason::Duplicate: return "duplicate";
    case DropReason::PrefixCovered: return "prefix-covered";
    case DropReason::Invalid: return "invalid";
  }
  return "unused";
}

namespace {

using schema::PgIndex;
using schema::PgTable;

// What of an index matters for comparing it with another: its B-tree key texts as
// pg_get_indexdef() writes them ("a", "b DESC", "name text_pattern_ops", so that operator class,
// collation and order take part), its INCLUDE columns and its predicate.
struct Shape {
  const PgIndex* index = nullptr;
  bool comparable = false;  // valid B-tree without expression keys
  std::vector<std::string> keys;
  std::vector<std::string> include;
  std::string predicate;
};

// The text between the parenthesis at open and its match; npos in close when unbalanced.
std::string_view parenthesized(std::string_view text, std::size_t open, std::size_t& close) {
  int depth = 0;
  bool in_double = false;
  bool in_single = false;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (in_double) {
      if (c == '"') in_double = false;
    } else if (in_single) {
      if (c == '\'') in_single = false;
    } else if (c == '"') {
      in_double = true;
    } else if (c == '\'') {
      in_single = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      close = i;
      return text.substr(open + 1, i - open - 1);
    }
  }
  close = std::string_view::npos;
  return {};
}

// "a, lower(b), \"c,d\" DESC" -> {"a", "lower(b)", "\"c,d\" DESC"}.
std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  int depth = 0;
  bool in_double = false;
  bool in_single = false;
  std::string current;
  auto flush = [&] {
    const std::size_t b = current.find_first_not_of(' ');
    const std::size_t e = current.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? std::string() : current.substr(b, e - b + 1));
    current.clear();
  };
  for (char c : list) {
    if (in_double) {
      if (c == '"') in_double = false;
    } else if (in_single) {
      if (c == '\'') in_single = false;
    } else if (c == '"') {
      in_double = true;
    } else if (c == '\'') {
      in_single = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      flush();
      continue;
    }
    current += c;
  }
  if (!current.empty() || !out.empty()) flush();
  return out;
}

Shape shape_of(const PgIndex& index) {
  Shape s;
  s.index = &index;
  std::string_view def = index.definition;
  constexpr std::string_view kUsing = "USING btree (";
  const std::size_t at = def.find(kUsing);
  if (at == std::string_view::npos || !index.valid) return s;
  for (const auto& c : index.columns) {
    if (c.expression) return s;
  }
  std::size_t close = 0;
  std::string_view keys = parenthesized(def, at + kUsing.size() - 1, close);
  if (close == std::string_view::npos) return s;
  s.keys = split_list(keys);
  std::string_view rest = def.substr(close + 1);
  constexpr std::string_view kInclude = " INCLUDE (";
  if (rest.starts_with(kInclude)) {
    std::size_t include_close = 0;
    std::string_view include = parenthesized(rest, kInclude.size() - 1, include_close);
    if (include_close == std::string_view::npos) return s;
    s.include = split_list(include);
    rest = rest.substr(include_close + 1);
  }
  if (const std::size_t where = rest.find(" WHERE "); where != std::string_view::npos) {
    s.predicate = std::string(rest.substr(where + 7));
  }
  // The key texts must agree with the catalog's key columns; else fall back to the names.
  if (s.keys.size() != index.columns.size()) {
    s.keys.clear();
    for (const auto& c : index.columns) s.keys.push_back(quote_identifier(c.name));
  }
  if (s.keys.empty()) return s;
  std::sort(s.include.begin(), s.include.end());
  s.comparable = true;
  return s;
}

bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Every INCLUDE column of a is somewhere in b (key or INCLUDE).
bool includes_covered(const Shape& a, const Shape& b) {
  for (const std::string& c : a.include) {
    if (std::find(b.keys.begin(), b.keys.end(), c) == b.keys.end() &&
        std::find(b.include.begin(), b.include.end(), c) == b.include.end()) {
      return false;
    }
  }
  return true;
}

// Which of two identical indexes to keep: primary key, then unique, then the more scanned,
// then the first by name.
bool keep_before(const PgIndex& a, const PgIndex& b) {
  if (a.primary != b.primary) return a.primary;
  if (a.unique != b.unique) return a.unique;
  if (a.idx_scan != b.idx_scan) return a.idx_scan > b.idx_scan;
  return a.name < b.name;
}

std::string human_bytes(int64_t bytes) {
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
  else std::snprintf(buf, sizeof buf, "%.1f %s", value, units[unit]);
  return buf;
}

std::string key_list(const PgIndex& index) {
  std::string out;
  for (std::size_t i = 0; i < index.columns.size(); ++i) {
    if (i) out += ", ";
    out += index.columns[i].name;
  }
  return out;
}

DropCandidate make(const PgTable& table, const PgIndex& index, DropReason reason) {
  DropCandidate d;
  d.schema = table.schema;
  d.table = table.name;
  d.index = index.name;
  d.size_bytes = index.size_bytes;
  d.idx_scan = index.idx_scan;
  d.reason = reason;
  d.drop_statement = "DROP INDEX CONCURRENTLY IF EXISTS " + quote_identifier(table.schema) + "." +
                     quote_identifier(index.name);
  return d;
}

void table_candidates(const PgTable& table, const DropOptions& options, std::vector<DropCandidate>& out) {
  std::vector<Shape> shapes;
  shapes.reserve(table.indexes.size());
  for (const PgIndex& index : table.indexes) shapes.push_back(shape_of(index));
  std::vector<bool> reported(shapes.size(), false);

  // Invalid: a failed CREATE INDEX CONCURRENTLY, maintained on writes, never used.
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const PgIndex& index = *shapes[i].index;
    if (index.valid || index.primary) continue;
    DropCandidate d = make(table, index, DropReason::Invalid);
    d.explanation = "Index " + index.name + " is invalid (left by a failed CREATE INDEX CONCURRENTLY): writes "
                    "still maintain it but no query can use it.";
    out.push_back(std::move(d));
    reported[i] = true;
  }

  // Duplicate: same keys, INCLUDE columns and predicate as another; the best of each group stays.
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const Shape& a = shapes[i];
    if (!a.comparable || a.index->primary || reported[i]) continue;
    const PgIndex* keeper = nullptr;
    for (std::size_t j = 0; j < shapes.size(); ++j) {
      const Shape& b = shapes[j];
      if (j == i || !b.comparable || a.keys != b.keys || a.include != b.include || a.predicate != b.predicate) {
        continue;
      }
      if (keep_before(*b.index, *a.index) && (keeper == nullptr || keep_before(*b.index, *keeper))) {
        keeper = b.index;
      }
    }
    if (keeper == nullptr) continue;
    // A unique index goes only in favour of another unique one (or the primary key).
    if (a.index->unique && !keeper->unique && !keeper->primary) continue;
    DropCandidate d = make(table, *a.index, DropReason::Duplicate);
    d.covered_by = keeper->name;
    d.explanation = "Index " + a.index->name + " duplicates " + keeper->name + " (same key columns: " +
                    key_list(*a.index) + "); " + keeper->name + " serves the same queries.";
    out.push_back(std::move(d));
    reported[i] = true;
  }

  // Prefix-covered: its keys lead another index's keys (never for unique or primary indexes).
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const Shape& a = shapes[i];
    if (!a.comparable || a.index->primary || a.index->unique || reported[i]) continue;
    const Shape* best = nullptr;
    for (std::size_t j = 0; j < shapes.size(); ++j) {
      const Shape& b = shapes[j];
      if (j == i || !b.comparable || reported[j] || a.predicate != b.predicate || !is_prefix(a.keys, b.keys)) {
        continue;
      }
      if (a.keys.size() == b.keys.size() && a.include == b.include) continue;  // a duplicate, handled above
      if (!includes_covered(a, b)) continue;
      if (best == nullptr || b.keys.size() > best->keys.size() ||
          (b.keys.size() == best->keys.size() && b.index->name < best->index->name)) {
        best = &b;
      }
    }
    if (best == nullptr) continue;
    DropCandidate d = make(table, *a.index, DropReason::PrefixCovered);
    d.covered_by = best->index->name;
    d.explanation = "Index " + a.index->name + " (" + key_list(*a.index) + ") is a leading prefix of " +
                    best->index->name + " (" + key_list(*best->index) + "), which can serve the same lookups.";
    out.push_back(std::move(d));
    reported[i] = true;
  }

  // Unused: never scanned since the statistics were reset, on a table big enough to matter.
  if (table.reltuples < options.min_table_rows) return;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const PgIndex& index = *shapes[i].index;
    if (reported[i] || index.primary || index.unique || index.idx_scan != 0) continue;
    DropCandidate d = make(table, index, DropReason::Unused);
    char rows[32];
    std::snprintf(rows, sizeof rows, "%.0f", table.reltuples);
    d.explanation = "Index " + index.name + " has not been scanned since the statistics were last reset, on a "
                    "table of about " + rows + " rows; it costs " + human_bytes(index.size_bytes) +
                    " and work on every write.";
    out.push_back(std::move(d));
    reported[i] = true;
  }
}

}  // namespace

std::vector<DropCandidate> find_drop_candidates(const schema::PgCatalog& catalog, const DropOptions& options) {
  std::vector<DropCandidate> out;
  for (const PgTable& table : catalog.tables) table_candidates(table, options, out);
  std::stable_sort(out.begin(), out.end(), [](const DropCandidate& a, const DropCandidate& b) {
    if (a.size_bytes != b.size_bytes) return a.size_bytes > b.size_bytes;
    if (a.schema != b.schema) return a.schema < b.schema;
    if (a.table != b.table) return a.table < b.table;
    return a.index < b.index;
  });
  return out;
}

}  // namespace sluice::optimizer
