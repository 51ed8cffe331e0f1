#include "schema/pg_catalog.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <unordered_map>

namespace sluice::schema {

namespace {

// Relations of user schemas only: no system schemas, no temporary schemas of other sessions.
#define SLUICE_USER_TABLES                                                                          \
  " c.relkind IN ('r', 'p', 'm')"                                                                  \
  " AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"                         \
  " AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%' "

constexpr const char* kDatabaseQuery = "SELECT current_database(), pg_database_size(current_database())";

constexpr const char* kTablesQuery =
    "SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples::float8,"
    " COALESCE(pg_total_relation_size(c.oid), 0), COALESCE(pg_table_size(c.oid), 0),"
    " COALESCE(pg_indexes_size(c.oid), 0),"
    " COALESCE(s.seq_scan, 0), COALESCE(s.idx_scan, 0),"
    " COALESCE(s.n_tup_ins, 0), COALESCE(s.n_tup_upd, 0), COALESCE(s.n_tup_del, 0)"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid"
    " WHERE" SLUICE_USER_TABLES "ORDER BY n.nspname, c.relname";

constexpr const char* kColumnsQuery =
    "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attnum"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE a.attnum > 0 AND NOT a.attisdropped AND" SLUICE_USER_TABLES "ORDER BY a.attrelid, a.attnum";

// One row per index key (k.n counts from 1; the first indnkeyatts are keys, the rest INCLUDE).
constexpr const char* kIndexesQuery =
    "SELECT x.indrelid, i.oid, i.relname, pg_get_indexdef(i.oid), x.indisunique, x.indisprimary,"
    " x.indisvalid, COALESCE(pg_relation_size(i.oid), 0), COALESCE(s.idx_scan, 0), x.indnkeyatts,"
    " k.n, k.attnum = 0,"
    " CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.oid, k.n::int, true) ELSE a.attname::text END"
    " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
    " JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.oid"
    " CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)"
    " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0"
    " WHERE" SLUICE_USER_TABLES "ORDER BY x.indrelid, i.relname, i.oid, k.n";

constexpr const char* kStatsQuery =
    "SELECT c.oid, s.attname, s.inherited, s.null_frac::float8, s.n_distinct::float8,"
    " s.correlation::float8, s.avg_width"
    " FROM pg_stats s JOIN pg_namespace n ON n.nspname = s.schemaname"
    " JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename"
    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname"
    " WHERE" SLUICE_USER_TABLES "ORDER BY c.oid, a.attnum, s.inherited";

#undef SLUICE_USER_TABLES

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

// Text accessors over one result (NULL reads as "" / 0).
struct Rows {
  const PGresult* res;
  int size() const { return PQntuples(res); }
  bool null(int r, int c) const { return PQgetisnull(res, r, c) != 0; }
  std::string text(int r, int c) const { return null(r, c) ? std::string() : std::string(PQgetvalue(res, r, c)); }
  int64_t integer(int r, int c) const { return null(r, c) ? 0 : std::strtoll(PQgetvalue(res, r, c), nullptr, 10); }
  uint32_t oid(int r, int c) const {
    return null(r, c) ? 0 : static_cast<uint32_t>(std::strtoul(PQgetvalue(res, r, c), nullptr, 10));
  }
  double number(int r, int c) const { return null(r, c) ? 0.0 : std::strtod(PQgetvalue(res, r, c), nullptr); }
  bool boolean(int r, int c) const { return !null(r, c) && PQgetvalue(res, r, c)[0] == 't'; }
};

class Session {
 public:
  explicit Session(const std::string& conninfo_or_url) {
    // Defaults first: settings in the caller's string (expanded from "dbname") override them.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"10", "sluice catalog", conninfo_or_url.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_) throw std::runtime_error("pg catalog: cannot connect: out of memory");
    where_ = endpoint();
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      throw std::runtime_error("pg catalog: cannot connect to " + where_ + ": " +
                               trimmed(PQerrorMessage(conn_.get())));
    }
  }

  Result query(const char* what, const char* sql) {
    Result r(PQexec(conn_.get(), sql));
    ExecStatusType st = PQresultStatus(r.get());
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      std::string message = r ? trimmed(PQresultErrorMessage(r.get())) : std::string();
      if (message.empty()) message = trimmed(PQerrorMessage(conn_.get()));
      throw std::runtime_error("pg catalog: query for " + std::string(what) + " failed on " + where_ + ": " +
                               message);
    }
    return r;
  }

 private:
  // "host:port/db" as libpq resolved it (defaults included); never the password.
  std::string endpoint() const {
    const char* host = PQhost(conn_.get());
    const char* port = PQport(conn_.get());
    const char* db = PQdb(conn_.get());
    std::string out = host != nullptr && host[0] != '\0' ? host : "localhost";
    out += ":";
    out += port != nullptr && port[0] != '\0' ? port : "5432";
    if (db != nullptr && db[0] != '\0') out += std::string("/") + db;
    return out;
  }

  Conn conn_;
  std::string where_;
};

PgIndexColumn index_column(const Rows& rows, int r) { return PgIndexColumn{rows.text(r, 12), rows.boolean(r, 11)}; }

}  // namespace

PgCatalog load_pg_catalog(const std::string& conninfo_or_url) {
  Session session(conninfo_or_url);
  session.query("the snapshot", "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");

  PgCatalog catalog;
  {
    Result res = session.query("the database size", kDatabaseQuery);
    Rows rows{res.get()};
    if (rows.size() == 1) {
      catalog.database = rows.text(0, 0);
      catalog.database_bytes = rows.integer(0, 1);
    }
  }

  std::unordered_map<uint32_t, std::size_t> by_oid;
  {
    Result res = session.query("tables", kTablesQuery);
    Rows rows{res.get()};
    catalog.tables.reserve(static_cast<std::size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) {
      PgTable t;
      t.oid = rows.oid(r, 0);
      t.schema = rows.text(r, 1);
      t.name = rows.text(r, 2);
      std::string kind = rows.text(r, 3);
      t.kind = kind.empty() ? 'r' : kind[0];
      t.reltuples = rows.number(r, 4);
      t.total_bytes = rows.integer(r, 5);
      t.table_bytes = rows.integer(r, 6);
      t.index_bytes = rows.integer(r, 7);
      t.seq_scan = rows.integer(r, 8);
      t.idx_scan = rows.integer(r, 9);
      t.n_tup_ins = rows.integer(r, 10);
      t.n_tup_upd = rows.integer(r, 11);
      t.n_tup_del = rows.integer(r, 12);
      by_oid.emplace(t.oid, catalog.tables.size());
      catalog.tables.push_back(std::move(t));
    }
  }
  auto table_of = [&](uint32_t oid) -> PgTable* {
    auto it = by_oid.find(oid);
    return it == by_oid.end() ? nullptr : &catalog.tables[it->second];
  };

  {
    Result res = session.query("columns", kColumnsQuery);
    Rows rows{res.get()};
    for (int r = 0; r < rows.size(); ++r) {
      PgTable* t = table_of(rows.oid(r, 0));
      if (t == nullptr) continue;
      t->columns.push_back(PgColumn{rows.text(r, 1), rows.text(r, 2), rows.boolean(r, 3),
                                    static_cast<int>(rows.integer(r, 4))});
    }
  }

  {
    Result res = session.query("indexes", kIndexesQuery);
    Rows rows{res.get()};
    PgIndex* current = nullptr;
    uint32_t current_oid = 0;
    for (int r = 0; r < rows.size(); ++r) {
      PgTable* t = table_of(rows.oid(r, 0));
      if (t == nullptr) continue;
      uint32_t index_oid = rows.oid(r, 1);
      if (current == nullptr || index_oid != current_oid) {
        PgIndex ix;
        ix.oid = index_oid;
        ix.name = rows.text(r, 2);
        ix.table = t->name;
        ix.definition = rows.text(r, 3);
        ix.unique = rows.boolean(r, 4);
        ix.primary = rows.boolean(r, 5);
        ix.valid = rows.boolean(r, 6);
        ix.size_bytes = rows.integer(r, 7);
        ix.idx_scan = rows.integer(r, 8);
        t->indexes.push_back(std::move(ix));
        current = &t->indexes.back();
        current_oid = index_oid;
      }
      int64_t key_count = rows.integer(r, 9);
      int64_t position = rows.integer(r, 10);
      (position <= key_count ? current->columns : current->included).push_back(index_column(rows, r));
    }
  }

  {
    Result res = session.query("column statistics", kStatsQuery);
    Rows rows{res.get()};
    for (int r = 0; r < rows.size(); ++r) {
      PgTable* t = table_of(rows.oid(r, 0));
      if (t == nullptr) continue;
      PgColumnStats s;
      s.column = rows.text(r, 1);
      s.inherited = rows.boolean(r, 2);
      s.null_frac = rows.number(r, 3);
      s.n_distinct = rows.number(r, 4);
      if (!rows.null(r, 5)) s.correlation = rows.number(r, 5);
      s.avg_width = static_cast<int>(rows.integer(r, 6));
      t->stats.push_back(std::move(s));
    }
  }

  session.query("the end of the snapshot", "COMMIT");
  return catalog;
}

const PgTable* find_table(const PgCatalog& catalog, std::string_view qualified_or_bare_name) {
  std::size_t dot = qualified_or_bare_name.find('.');
  if (dot != std::string_view::npos) {
    std::string_view schema = qualified_or_bare_name.substr(0, dot);
    std::string_view name = qualified_or_bare_name.substr(dot + 1);
    for (const PgTable& t : catalog.tables) {
      if (t.schema == schema && t.name == name) return &t;
    }
    return nullptr;
  }
  const PgTable* only = nullptr;
  int matches = 0;
  for (const PgTable& t : catalog.tables) {
    if (t.name != qualified_or_bare_name) continue;
    if (t.schema == "public") return &t;
    only = &t;
    ++matches;
  }
  return matches == 1 ? only : nullptr;
}

}  // namespace sluice::schema
