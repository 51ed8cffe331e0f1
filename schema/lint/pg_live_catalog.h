// What a PostgreSQL database says about the tables a migration touches (`sluice lint --db`):
// row counts and sizes from the catalog, and, for the pre-flight, the sessions whose locks or
// long transactions an ALTER would queue behind. Read with libpq; every query is read-only.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "schema/lint/live_tables.h"

namespace sluice::schema::lint {

// Connection and query failures; the message names the URL with its password masked.
class LiveContextError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Another session that holds a lock on a table, or a transaction open for long.
struct BlockingSession {
  int pid = 0;
  std::string mode;        // pg_locks.mode, "" for a long transaction without a lock on the table
  double xact_seconds = 0; // how long its transaction has been open (0 when none)
  std::string state;       // pg_stat_activity.state
  std::string query;       // its current or last query, cut to 120 bytes
};

class PgLiveCatalog {
 public:
  // Connects (connect_timeout 10 s). Throws LiveContextError.
  explicit PgLiveCatalog(const std::string& url);
  ~PgLiveCatalog();
  PgLiveCatalog(const PgLiveCatalog&) = delete;
  PgLiveCatalog& operator=(const PgLiveCatalog&) = delete;

  PGconn* connection() const { return conn_; }

  // Size of the relation named `name` ("t" or "schema.t", names as stored; without a schema, the
  // one the search path finds). found = false when there is none. Rows: count(*) when the
  // table is under 64 MB or was never analyzed, else pg_class.reltuples.
  LiveTable table(const std::string& name);

  // Sessions other than ours holding a granted lock on the table whose mode conflicts with `mode`.
  std::vector<BlockingSession> conflicting_locks(const std::string& name, LockMode mode);
  // Transactions in this database (other than ours) open for more than `seconds`.
  std::vector<BlockingSession> long_transactions(int64_t seconds);

 private:
  struct Result;
  std::unique_ptr<Result> exec(const std::string& sql, const std::vector<std::string>& params);

  PGconn* conn_ = nullptr;
  std::string url_masked_;
};

// "pid 4711 (AccessShareLock, transaction open 95 s, idle in transaction): SELECT ..."
std::string describe(const BlockingSession& s);

}  // namespace sluice::schema::lint
