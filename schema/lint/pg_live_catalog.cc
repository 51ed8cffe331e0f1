#include "schema/lint/pg_live_catalog.h"

#include <cstdio>
#include <cstdlib>

#include "common/target_url.h"

namespace sluice::schema::lint {

struct PgLiveCatalog::Result {
  PGresult* res = nullptr;
  ~Result() { PQclear(res); }
  int rows() const { return PQntuples(res); }
  std::string text(int row, int col) const { return PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col); }
  int64_t integer(int row, int col) const { return std::strtoll(PQgetvalue(res, row, col), nullptr, 10); }
  double number(int row, int col) const { return std::strtod(PQgetvalue(res, row, col), nullptr); }
  bool null(int row, int col) const { return PQgetisnull(res, row, col) != 0; }
};

namespace {

std::string trim_message(std::string m) {
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

std::pair<std::string, std::string> split_name(const std::string& name) {
  std::size_t dot = name.find('.');
  if (dot == std::string::npos) return {"", name};
  return {name.substr(0, dot), name.substr(dot + 1)};
}

// The relation by stored name: in the given schema, or the first the search path finds.
constexpr const char* kRelationOid =
    "(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    " WHERE c.relname = $2 AND (CASE WHEN $1 = '' THEN pg_table_is_visible(c.oid) ELSE n.nspname = $1 END) "
    " LIMIT 1)";

}  // namespace

PgLiveCatalog::PgLiveCatalog(const std::string& url) : url_masked_(common::mask_url_password(url)) {
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), "10", "sluice lint", nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    std::string message = conn_ != nullptr ? trim_message(PQerrorMessage(conn_)) : "out of memory";
    PQfinish(conn_);
    conn_ = nullptr;
    throw LiveContextError("cannot connect to " + url_masked_ + ": " + message);
  }
  exec("SET statement_timeout = '30s'", {});
}

PgLiveCatalog::~PgLiveCatalog() { PQfinish(conn_); }

std::unique_ptr<PgLiveCatalog::Result> PgLiveCatalog::exec(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  auto r = std::make_unique<Result>();
  r->res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  ExecStatusType st = PQresultStatus(r->res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    throw LiveContextError("query on " + url_masked_ + " failed: " + trim_message(PQerrorMessage(conn_)));
  }
  return r;
}

LiveTable PgLiveCatalog::table(const std::string& name) {
  LiveTable t;
  t.name = name;
  auto [schema, rel] = split_name(name);
  auto r = exec(std::string("SELECT c.oid, c.relkind, c.reltuples::bigint, pg_table_size(c.oid), "
                            "pg_total_relation_size(c.oid), quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
                            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ") +
                    kRelationOid,
                {schema, rel});
  if (r->rows() == 0) return t;
  t.found = true;
  std::string oid = r->text(0, 0);
  t.relkind = r->text(0, 1).empty() ? 'r' : r->text(0, 1)[0];
  int64_t reltuples = r->integer(0, 2);
  t.table_bytes = r->integer(0, 3);
  t.total_bytes = r->integer(0, 4);
  std::string quoted = r->text(0, 5);
  if (t.relkind == 'r' || t.relkind == 'm' || t.relkind == 'p') {
    if (reltuples < 0 || t.table_bytes < 64LL * 1024 * 1024 || t.relkind == 'p') {
      auto c = exec("SELECT count(*) FROM " + quoted, {});
      t.rows = c->integer(0, 0);
      t.rows_exact = true;
    } else {
      t.rows = reltuples;
    }
    auto ix = exec("SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                   "WHERE x.indrelid = $1::oid ORDER BY 2 DESC, 1",
                   {oid});
    for (int row = 0; row < ix->rows(); ++row) t.indexes.emplace_back(ix->text(row, 0), ix->integer(row, 1));
  } else {
    t.rows = reltuples;
  }
  return t;
}

std::vector<BlockingSession> PgLiveCatalog::conflicting_locks(const std::string& name, LockMode mode) {
  auto [schema, rel] = split_name(name);
  auto r = exec(std::string("SELECT l.pid, l.mode, COALESCE(EXTRACT(EPOCH FROM now() - a.xact_start), 0)::float8, "
                            "COALESCE(a.state, ''), left(COALESCE(a.query, ''), 120) "
                            "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
                            "WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid() "
                            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                            "AND l.relation = ") +
                    kRelationOid + " ORDER BY 3 DESC, 1",
                {schema, rel});
  std::vector<BlockingSession> out;
  for (int row = 0; row < r->rows(); ++row) {
    if (!locks_conflict(mode, lock_mode_from_pg(r->text(row, 1)))) continue;
    out.push_back(BlockingSession{static_cast<int>(r->integer(row, 0)), r->text(row, 1), r->number(row, 2),
                                  r->text(row, 3), r->text(row, 4)});
  }
  return out;
}

std::vector<BlockingSession> PgLiveCatalog::long_transactions(int64_t seconds) {
  auto r = exec("SELECT pid, EXTRACT(EPOCH FROM now() - xact_start)::float8, COALESCE(state, ''), "
                "left(COALESCE(query, ''), 120) FROM pg_stat_activity "
                "WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database() "
                "AND now() - xact_start > make_interval(secs => $1::float8) ORDER BY xact_start",
                {std::to_string(seconds)});
  std::vector<BlockingSession> out;
  for (int row = 0; row < r->rows(); ++row) {
    out.push_back(BlockingSession{static_cast<int>(r->integer(row, 0)), "", r->number(row, 1), r->text(row, 2),
                                  r->text(row, 3)});
  }
  return out;
}

std::string describe(const BlockingSession& s) {
  std::string out = "pid " + std::to_string(s.pid) + " (";
  if (!s.mode.empty()) out += s.mode + ", ";
  char buf[48];
  std::snprintf(buf, sizeof buf, "transaction open %.0f s", s.xact_seconds);
  out += buf;
  if (!s.state.empty()) out += ", " + s.state;
  out += ")";
  if (!s.query.empty()) out += ": " + s.query;
  return out;
}

}  // namespace sluice::schema::lint
