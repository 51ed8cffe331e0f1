#include "optimizer/index_size_estimate.h"

#include <algorithm>
#include <cmath>

namespace sluice::optimizer {

namespace {

constexpr double kPageBytes = 8192;
constexpr double kUsablePageBytes = kPageBytes - 24 - 16;  // page header, B-tree special space
constexpr double kLeafFill = 0.90;
constexpr double kTupleOverhead = 8 + 4;  // IndexTupleData + line pointer
constexpr double kHeapPointerBytes = 6;   // one ItemPointer in a posting list
constexpr double kInnerFanout = 300;

double maxalign(double bytes) { return std::ceil(bytes / 8.0) * 8.0; }

const schema::PgColumnStats* stats_of(const schema::PgTable& table, const std::string& column) {
  const schema::PgColumnStats* found = nullptr;
  for (const auto& s : table.stats) {
    if (s.column != column) continue;
    if (!found || (found->inherited && !s.inherited)) found = &s;
  }
  return found;
}

}  // namespace

int64_t estimate_btree_size_bytes(const IndexDefinition& index, const schema::PgCatalog& catalog) {
  const schema::PgTable* table = schema::find_table(catalog, index.schema + "." + index.table);
  if (table == nullptr || table->reltuples < 0 || index.columns.empty()) return -1;
  const double rows = std::max(table->reltuples, 1.0);
  double key_width = 0;
  double distinct = 1;
  for (const auto& column : index.columns) {
    const schema::PgColumnStats* s = stats_of(*table, column);
    if (s == nullptr) return -1;
    const double non_null_rows = rows * (1.0 - s->null_frac);
    double d = s->n_distinct >= 0 ? s->n_distinct : -s->n_distinct * rows;
    d = std::clamp(d, 1.0, std::max(non_null_rows, 1.0));
    distinct *= d;
    key_width += std::max(s->avg_width, 1);
  }
  distinct = std::min(distinct, rows);
  const double tuple = kTupleOverhead + maxalign(key_width);
  const double plain = rows * tuple;
  // Deduplication only pays when keys repeat; it never makes an index larger.
  const double deduplicated = distinct * tuple + (rows - distinct) * kHeapPointerBytes;
  const double leaf_bytes = std::min(plain, deduplicated);
  const double leaf_pages = std::ceil(leaf_bytes / (kUsablePageBytes * kLeafFill));
  const double inner_pages = std::ceil(leaf_pages / kInnerFanout);
  return static_cast<int64_t>((leaf_pages + inner_pages + 1) * kPageBytes);
}

}  // namespace sluice::optimizer
