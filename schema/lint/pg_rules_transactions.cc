// Rules on timeouts, how long locks are held, and transaction structure.
#include "schema/lint/pg_locks.h"
#include "schema/lint/pg_rule_checks.h"

namespace sluice::schema::lint::checks {

namespace {

// The first table (existing before the migration) the statement locks ACCESS EXCLUSIVE.
const TableLock* exclusive_lock(const RuleEmitter& e, const std::vector<TableLock>& locks, std::size_t i) {
  for (const TableLock& l : locks) {
    if (l.mode == LockMode::AccessExclusive && !is_new(e, l.table, i)) return &l;
  }
  return nullptr;
}

bool is_transaction_control(const PgStatement& st) {
  return st.kind == PgKind::Begin || st.kind == PgKind::Commit || st.kind == PgKind::Rollback ||
         st.kind == PgKind::Savepoint || st.kind == PgKind::OtherTransaction || st.kind == PgKind::Set;
}

void require_timeout(RuleEmitter& e, bool StatementContext::*is_set, const std::string& setting) {
  const auto& sts = e.statements();
  std::size_t first = sts.size();
  std::size_t count = 0;
  QualifiedName table;
  for (std::size_t i = 0; i < sts.size(); ++i) {
    if (e.migration().context(i).*is_set) continue;
    std::vector<TableLock> locks = table_locks(sts[i]);
    const TableLock* l = exclusive_lock(e, locks, i);
    if (l == nullptr) continue;
    if (count++ == 0) {
      first = i;
      table = l->table;
    }
  }
  if (count == 0) return;
  Finding& f = e.emit(first, -1,
                      "takes ACCESS EXCLUSIVE on " + name(table) + " with no " + setting +
                          " set: if a long transaction holds any lock on " + name(table) +
                          ", this waits, and every query on " + name(table) + " queues behind it");
  set_lock(f, LockMode::AccessExclusive);
  f.table = name(table);
  if (count > 1) f.notes.push_back(std::to_string(count - 1) + " more statement(s) after it take ACCESS EXCLUSIVE with no " + setting);
}

}  // namespace

void require_lock_timeout(RuleEmitter& e) { require_timeout(e, &StatementContext::lock_timeout, "lock_timeout"); }

void require_statement_timeout(RuleEmitter& e) {
  require_timeout(e, &StatementContext::statement_timeout, "statement_timeout");
}

void statements_after_access_exclusive(RuleEmitter& e) {
  const auto& sts = e.statements();
  std::optional<std::size_t> reported;  // the lock-taking statement already reported
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const StatementContext& ctx = e.migration().context(i);
    if (!ctx.access_exclusive_since || ctx.access_exclusive_since == reported || is_transaction_control(sts[i])) continue;
    std::size_t since = *ctx.access_exclusive_since;
    std::vector<TableLock> locks = table_locks(sts[since]);
    const TableLock* l = exclusive_lock(e, locks, since);
    std::string table = l != nullptr ? name(l->table) : name(sts[since].table);
    Finding& f = e.emit(i, -1,
                        "runs while the ACCESS EXCLUSIVE lock on " + table + " taken at line " +
                            std::to_string(line_of(e, sts[since].begin)) +
                            " is still held: reads and writes of " + table + " wait until the transaction ends");
    set_lock(f, LockMode::AccessExclusive);
    f.table = table;
    reported = since;
  }
}

void combine_alter_table(RuleEmitter& e) {
  const auto& sts = e.statements();
  std::optional<std::size_t> previous;  // the last ALTER TABLE, with only SETs after it
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind == PgKind::Set) continue;
    bool alter = st.kind == PgKind::AlterTable && st.alter_object == "table" && !is_new(e, st.table, i);
    if (alter) {
      std::vector<TableLock> locks = table_locks(st);
      alter = !locks.empty() && locks.front().mode == LockMode::AccessExclusive;
    }
    if (alter && previous && sts[*previous].table.same(st.table)) {
      Finding& f = e.emit(i, -1,
                          "another ALTER TABLE on " + name(st.table) + " right after the one at line " +
                              std::to_string(line_of(e, sts[*previous].begin)) +
                              ": each takes ACCESS EXCLUSIVE again (and each may rewrite the table)");
      set_lock(f, LockMode::AccessExclusive);
    }
    previous = alter ? std::optional<std::size_t>(i) : std::nullopt;
  }
}

void transaction_nesting(RuleEmitter& e) {
  const auto& sts = e.statements();
  const bool assumed = e.options().assume_in_transaction;
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    const StatementContext& ctx = e.migration().context(i);
    if (st.kind == PgKind::Begin) {
      if (ctx.explicit_transaction) {
        e.emit(i, -1,
               "BEGIN inside a transaction block: PostgreSQL only warns, and the first COMMIT ends the outer "
               "transaction too");
      } else if (assumed) {
        e.emit(i, -1,
               "BEGIN in a file the migration tool runs in a transaction: PostgreSQL only warns, and this file's "
               "COMMIT ends the tool's transaction");
      }
    } else if ((st.kind == PgKind::Commit || st.kind == PgKind::Rollback) && !ctx.explicit_transaction) {
      e.emit(i, -1,
             assumed ? "COMMIT / ROLLBACK without BEGIN ends the transaction the migration tool runs the file in"
                     : "COMMIT / ROLLBACK without a BEGIN before it: there is no transaction to end");
    }
  }
}

void unterminated_transaction(RuleEmitter& e) {
  if (!e.migration().final_context().explicit_transaction) return;
  const auto& sts = e.statements();
  for (std::size_t i = sts.size(); i-- > 0;) {
    if (sts[i].kind != PgKind::Begin) continue;
    e.emit(i, -1,
           "this BEGIN is never committed: the migration's changes and locks stay open until the session ends (and "
           "are then rolled back)");
    return;
  }
}

void missing_if_exists(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (e.migration().context(i).in_transaction) continue;  // a failure rolls everything back
    std::string what;
    switch (st.kind) {
      case PgKind::CreateTable:
        if (!st.if_not_exists) what = "CREATE TABLE " + name(st.table) + " without IF NOT EXISTS";
        break;
      case PgKind::CreateIndex:
        if (!st.if_not_exists && !st.index_name.empty()) what = "CREATE INDEX " + st.index_name + " without IF NOT EXISTS";
        break;
      case PgKind::Drop:
        if (!st.missing_ok) what = "DROP " + st.object_type + " without IF EXISTS";
        break;
      case PgKind::AlterTable:
        if (is_new(e, st.table, i)) break;
        for (const PgAlterCmd& cmd : st.cmds) {
          if (cmd.kind == AlterKind::AddColumn && !cmd.missing_ok) {
            what = "ADD COLUMN " + cmd.name + " without IF NOT EXISTS";
            break;
          }
          if (cmd.kind == AlterKind::DropColumn && !cmd.missing_ok) {
            what = "DROP COLUMN " + cmd.name + " without IF EXISTS";
            break;
          }
        }
        break;
      default: break;
    }
    if (what.empty()) continue;
    e.emit(i, -1, what + " outside a transaction: if the migration fails after this statement, running it again "
                         "stops here");
  }
}

}  // namespace sluice::schema::lint::checks
