#include "schema/lint/pg_trace.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/target_url.h"
#include "schema/lint/live_tables.h"
#include "schema/lint/migration_file.h"
#include "schema/lint/pg_live_catalog.h"
#include "schema/lint/pg_parse.h"

namespace sluice::schema::lint {

namespace {

struct Relation {
  std::string name;  // schema-qualified unless in public
  char relkind = 'r';
  std::string relfilenode;
};
using Snapshot = std::map<std::string, Relation>;  // by oid

struct PgResult {
  PGresult* r;
  explicit PgResult(PGresult* res) : r(res) {}
  ~PgResult() { PQclear(r); }
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  bool ok() const {
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
  }
  std::string error() const {
    const char* primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string m = primary != nullptr ? primary : PQresultErrorMessage(r);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    if (state != nullptr) m += " (SQLSTATE " + std::string(state) + ")";
    return m;
  }
  std::string get(int row, int col) const { return PQgetvalue(r, row, col); }
};

std::string lower_prefix(std::string_view text, std::size_t n) {
  std::string out;
  for (char c : text.substr(0, std::min(n, text.size()))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class Tracer {
 public:
  Tracer(PGconn* conn, LintResult& result, const LintConfig& config) : conn_(conn), result_(result), config_(config) {}

  void begin() {
    must("BEGIN");
    must("SET LOCAL lock_timeout = '10s'");
    initial_ = snapshot();
  }
  void rollback() { PgResult r(PQexec(conn_, "ROLLBACK")); }
  bool stopped() const { return stopped_; }

  void statement(const MigrationFile& file, const StatementSpan& span, const PgStatement& st) {
    std::string text = file.text().substr(span.begin, span.end - span.begin);
    Finding base;
    base.where = file.location(span.begin);
    base.statement = file.excerpt(span);
    base.table = st.table.display();
    switch (st.kind) {
      case PgKind::Begin: case PgKind::Commit: case PgKind::Rollback: case PgKind::Savepoint:
      case PgKind::OtherTransaction:
        return;  // the trace is one transaction
      default:
        break;
    }
    if (std::string why = not_in_transaction(st, text); !why.empty()) {
      Finding f = base;
      f.rule = "trace-not-transactional";
      f.severity = Severity::Notice;
      f.message = why + " cannot run inside a transaction block: not traced (run it on its own, outside BEGIN/COMMIT)";
      emit(std::move(f));
      return;
    }
    if (st.node_type == "CopyStmt") {
      Finding f = base;
      f.rule = "trace-not-transactional";
      f.severity = Severity::Notice;
      f.message = "COPY is not traced (it needs data from the client or the server's files)";
      emit(std::move(f));
      return;
    }
    Snapshot before = snapshot();
    PgResult r(PQexec(conn_, text.c_str()));
    if (!r.ok()) {
      Finding f = base;
      f.rule = "trace-error";
      f.severity = Severity::Error;
      f.message = "the statement failed on the scratch database: " + r.error() + "; the trace stopped here";
      emit(std::move(f));
      stopped_ = true;
      return;
    }
    Snapshot after = snapshot();
    report_locks(base, after);
    report_rewrites(base, before, after);
  }

 private:
  void must(const char* sql) {
    PgResult r(PQexec(conn_, sql));
    if (!r.ok()) throw LiveContextError(std::string("--trace: ") + sql + " failed: " + r.error());
  }

  Snapshot snapshot() {
    PgResult r(PQexec(conn_,
                      "SELECT c.oid::text, CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END || c.relname, "
                      "c.relkind::text, c.relfilenode::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                      "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' "
                      "AND n.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'm', 'i', 'p', 'I')"));
    if (!r.ok()) throw LiveContextError("--trace: reading pg_class failed: " + r.error());
    Snapshot s;
    for (int row = 0; row < PQntuples(r.r); ++row) {
      s[r.get(row, 0)] = Relation{r.get(row, 1), r.get(row, 2).empty() ? 'r' : r.get(row, 2)[0], r.get(row, 3)};
    }
    return s;
  }

  void report_locks(const Finding& base, const Snapshot& names) {
    PgResult r(PQexec(conn_,
                      "SELECT relation::text, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' "
                      "AND granted"));
    if (!r.ok()) throw LiveContextError("--trace: reading pg_locks failed: " + r.error());
    // New (relation, mode) pairs on relations that existed before the trace.
    std::map<std::string, LockMode> strongest;  // by name
    std::vector<std::string> notes;
    for (int row = 0; row < PQntuples(r.r); ++row) {
      std::string oid = r.get(row, 0);
      if (initial_.count(oid) == 0) continue;
      auto name = names.find(oid);
      if (name == names.end()) continue;
      LockMode mode = lock_mode_from_pg(r.get(row, 1));
      if (mode == LockMode::None || !held_.insert({oid, mode}).second) continue;
      std::string label = name->second.name + (name->second.relkind == 'i' || name->second.relkind == 'I' ? " (index)" : "");
      notes.push_back("pg_locks: " + std::string(to_string(mode)) + " on " + label);
      if (name->second.relkind != 'i' && name->second.relkind != 'I') {
        LockMode& m = strongest[name->second.name];
        m = std::max(m, mode);
      }
    }
    for (const auto& [table, mode] : strongest) {
      LockMode& m = held_by_table_[table];
      m = std::max(m, mode);
    }
    Finding f = base;
    f.rule = "trace-lock";
    if (notes.empty()) {
      // pg_locks lists a mode once per transaction: a lock an earlier statement took hides this one's.
      auto held = held_by_table_.find(base.table);
      if (held == held_by_table_.end()) return;
      f.severity = Severity::Notice;
      f.lock = to_string(held->second);
      f.blocks = blocks(held->second);
      f.message = "traced: no new lock; " + std::string(to_string(held->second)) + " on " + base.table +
                  " is already held since an earlier statement of the trace (trace this statement on its own to see "
                  "its lock)";
      emit(std::move(f));
      return;
    }
    std::sort(notes.begin(), notes.end());
    // The main table's lock when it took one, else the strongest on any table.
    LockMode mode = LockMode::None;
    std::string table;
    if (auto it = strongest.find(base.table); it != strongest.end()) {
      mode = it->second;
      table = it->first;
    } else {
      for (const auto& [t, m] : strongest) {
        if (m > mode) {
          mode = m;
          table = t;
        }
      }
    }
    if (mode == LockMode::None) {
      f.message = "traced: took locks on indexes only";
      f.severity = Severity::Notice;
    } else {
      f.table = table;
      f.lock = to_string(mode);
      f.blocks = blocks(mode);
      f.severity = mode >= LockMode::Share ? Severity::Warning : Severity::Notice;
      f.message = "traced: took " + std::string(to_string(mode)) + " on " + table + " (blocks " + blocks(mode) +
                  " until the transaction ends)";
    }
    f.notes = std::move(notes);
    emit(std::move(f));
  }

  void report_rewrites(const Finding& base, const Snapshot& before, const Snapshot& after) {
    std::vector<std::string> tables, indexes;
    for (const auto& [oid, rel] : before) {
      if (initial_.count(oid) == 0) continue;
      auto it = after.find(oid);
      if (it == after.end() || it->second.relfilenode == rel.relfilenode || rel.relfilenode == "0") continue;
      std::string change = rel.name + " (relfilenode " + rel.relfilenode + " -> " + it->second.relfilenode + ")";
      (rel.relkind == 'i' || rel.relkind == 'I' ? indexes : tables).push_back(change);
    }
    if (tables.empty() && indexes.empty()) return;
    Finding f = base;
    f.rule = "trace-rewrite";
    f.severity = Severity::Warning;
    f.rewrites_table = !tables.empty();
    if (!tables.empty()) {
      f.message = "traced: rewrote " + tables.front() + (tables.size() > 1 ? " and " + std::to_string(tables.size() - 1) + " more" : "");
      for (std::size_t i = 1; i < tables.size(); ++i) f.notes.push_back("also rewrote " + tables[i]);
      std::string name = tables.front().substr(0, tables.front().find(" (relfilenode"));
      f.table = name;
    } else {
      f.message = "traced: rebuilt " + std::to_string(indexes.size()) + (indexes.size() == 1 ? " index" : " indexes");
    }
    for (const std::string& i : indexes) f.notes.push_back("index rebuilt: " + i);
    emit(std::move(f));
  }

  void emit(Finding f) {
    if (config_.exclude_rules.count(f.rule) != 0) return;
    if (auto it = config_.severity.find(f.rule); it != config_.severity.end()) f.severity = it->second;
    result_.findings.push_back(std::move(f));
  }

  PGconn* conn_;
  LintResult& result_;
  const LintConfig& config_;
  Snapshot initial_;
  std::set<std::pair<std::string, LockMode>> held_;
  std::map<std::string, LockMode> held_by_table_;  // strongest mode held so far, by table name
  bool stopped_ = false;
};

}  // namespace

std::string not_in_transaction(const PgStatement& st, std::string_view text) {
  switch (st.kind) {
    case PgKind::CreateIndex:
      if (st.concurrent) return "CREATE INDEX CONCURRENTLY";
      break;
    case PgKind::Drop:
      if (st.concurrent) return "DROP INDEX CONCURRENTLY";
      break;
    case PgKind::Reindex:
      if (st.concurrent) return "REINDEX CONCURRENTLY";
      if (st.reindex_target == "database" || st.reindex_target == "system") return "REINDEX " + lower_prefix(st.reindex_target, 20);
      break;
    case PgKind::Vacuum: {
      std::string head = lower_prefix(text, 7);
      if (head.rfind("vacuum", 0) == 0) return "VACUUM";
      break;
    }
    case PgKind::DropDatabase:
      return "DROP DATABASE";
    case PgKind::AlterTable:
      for (const PgAlterCmd& cmd : st.cmds) {
        if (cmd.concurrent) return "DETACH PARTITION CONCURRENTLY";
      }
      break;
    default:
      break;
  }
  if (st.node_type == "CreatedbStmt") return "CREATE DATABASE";
  if (st.node_type == "AlterSystemStmt") return "ALTER SYSTEM";
  if (st.node_type == "CreateTableSpaceStmt") return "CREATE TABLESPACE";
  if (st.node_type == "DropTableSpaceStmt") return "DROP TABLESPACE";
  return "";
}

void add_trace(LintResult& result, const std::vector<std::string>& paths, const std::string& db_url,
               const LintOptions& options) {
  PgLiveCatalog catalog(db_url);  // connects, or throws with a clear message
  Tracer tracer(catalog.connection(), result, options.config);
  tracer.begin();
  try {
    for (const std::string& path : expand_paths(paths)) {
      if (options.config.path_excluded(path)) continue;
      std::ifstream in(path, std::ios::binary);
      if (!in) continue;
      std::stringstream buffer;
      buffer << in.rdbuf();
      MigrationFile file(path, buffer.str());
      PgParseTree tree;
      if (parse_pg_file(file, tree)) continue;  // lint_paths reports the parse error
      for (std::size_t i = 0; i < tree.statements.size() && !tracer.stopped(); ++i) {
        const StatementSpan& span = file.statements()[i];
        PgStatement st = describe_pg_statement(*tree.statements[i], span.begin, span.end);
        tracer.statement(file, span, st);
      }
      if (tracer.stopped()) break;
    }
  } catch (...) {
    tracer.rollback();
    throw;
  }
  tracer.rollback();
}

}  // namespace sluice::schema::lint
