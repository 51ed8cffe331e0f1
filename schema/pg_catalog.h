// What a PostgreSQL database says about its own tables, for the index advisor (issue 5): tables
// with sizes, row estimates and usage counters, their columns, their indexes (definition, key
// columns in order, size, usage) and the planner's column statistics, plus the database size.
//
// Read with libpq over one connection, inside one READ ONLY REPEATABLE READ transaction so every
// part comes from the same snapshot. One parameter-free query per kind. System schemas
// (pg_catalog, information_schema, pg_toast) and other sessions' temporary schemas are skipped.
// Tables are ordinary, partitioned and materialized ones (relkind r, p, m).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::schema {

struct PgColumn {
  std::string name;
  std::string type;  // format_type(atttypid, atttypmod): "bigint", "numeric(10,2)", ...
  bool not_null = false;
  int attnum = 0;  // pg_attribute.attnum (dropped columns leave gaps)
};

// One key of an index, in index order.
struct PgIndexColumn {
  std::string name;         // the column name, or the expression text ("lower(email)")
  bool expression = false;  // true for an expression key
};

struct PgIndex {
  std::string name;
  std::string table;  // the table's name (same schema as the table)
  uint32_t oid = 0;
  std::string definition;                // pg_get_indexdef(): "CREATE INDEX ... USING btree (...)"
  std::vector<PgIndexColumn> columns;    // key columns in order
  std::vector<PgIndexColumn> included;   // INCLUDE (...) columns, in order
  bool unique = false;
  bool primary = false;
  bool valid = true;       // false after a failed CREATE INDEX CONCURRENTLY
  int64_t size_bytes = 0;  // pg_relation_size()
  int64_t idx_scan = 0;    // pg_stat_user_indexes.idx_scan (since the last stats reset)
};

// One row of pg_stats.
struct PgColumnStats {
  std::string column;
  bool inherited = false;  // statistics over the inheritance tree / partitions
  double null_frac = 0;
  double n_distinct = 0;   // > 0: number of distinct values; < 0: minus the fraction of rows
  std::optional<double> correlation;  // absent when the column has no ordering operator
  int avg_width = 0;
};

struct PgTable {
  std::string schema;
  std::string name;
  uint32_t oid = 0;
  char kind = 'r';          // pg_class.relkind: r table, p partitioned, m materialized view
  double reltuples = -1;    // pg_class.reltuples: -1 when never vacuumed or analyzed
  int64_t total_bytes = 0;  // pg_total_relation_size() = table_bytes + index_bytes
  int64_t table_bytes = 0;  // pg_table_size(): heap, TOAST, free space and visibility maps
  int64_t index_bytes = 0;  // pg_indexes_size()
  // pg_stat_user_tables (0 when the statistics system has nothing yet)
  int64_t seq_scan = 0;
  int64_t idx_scan = 0;
  int64_t n_tup_ins = 0;
  int64_t n_tup_upd = 0;
  int64_t n_tup_del = 0;
  std::vector<PgColumn> columns;      // by attnum
  std::vector<PgIndex> indexes;       // by name
  std::vector<PgColumnStats> stats;   // by column attnum, then inherited
  std::string qualified_name() const { return schema + "." + name; }
};

struct PgCatalog {
  std::string database;
  int64_t database_bytes = 0;  // pg_database_size(current_database())
  std::vector<PgTable> tables;  // by schema, then name
};

// Connects with a libpq conninfo string ("host=... port=...") or a URL
// ("postgres://user:pass@host:port/db"), reads the catalog and disconnects. Throws
// std::runtime_error naming host:port and database (never the password) on connection or
// query errors.
PgCatalog load_pg_catalog(const std::string& conninfo_or_url);

// "schema.table" matches exactly. A bare "table" is the one in public if there is one, else the
// only table of that name in any schema; nullptr when none, or when several schemas have it.
// Names as stored (no quoting); the first dot separates the schema.
const PgTable* find_table(const PgCatalog& catalog, std::string_view qualified_or_bare_name);

}  // namespace sluice::schema
