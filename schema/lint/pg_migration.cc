#include "schema/lint/pg_migration.h"

#include <cctype>

#include "schema/lint/pg_locks.h"

namespace sluice::schema::lint {

namespace {

// "0", "0ms", "0s": the timeout is off.
bool timeout_value_set(const std::string& value) {
  if (value.empty()) return false;
  std::size_t digits = 0;
  while (digits < value.size() && (value[digits] == '0' || value[digits] == ' ')) ++digits;
  if (digits == value.size()) return false;
  return !(std::isdigit(static_cast<unsigned char>(value[digits])) == 0 && digits > 0);
}

struct TimeoutState {
  bool session = false;                  // SET / SET SESSION
  std::optional<bool> local;             // SET LOCAL in the current transaction
  bool value() const { return local.value_or(session); }
};

}  // namespace

PgMigration::PgMigration(const MigrationFile& file, const PgParseTree& tree, PgLintOptions options)
    : file_(&file), options_(options) {
  const std::vector<StatementSpan>& spans = file.statements();
  statements_.reserve(tree.statements.size());
  for (std::size_t i = 0; i < tree.statements.size() && i < spans.size(); ++i) {
    statements_.push_back(describe_pg_statement(*tree.statements[i], spans[i].begin, spans[i].end));
  }

  TimeoutState lock_timeout, statement_timeout;
  bool explicit_tx = false;
  std::optional<std::size_t> exclusive_since;
  contexts_.reserve(statements_.size());
  auto current = [&] {
    StatementContext c;
    c.explicit_transaction = explicit_tx;
    c.in_transaction = explicit_tx || options_.assume_in_transaction;
    c.lock_timeout = lock_timeout.value();
    c.statement_timeout = statement_timeout.value();
    c.access_exclusive_since = exclusive_since;
    return c;
  };
  auto end_transaction = [&] {
    explicit_tx = false;
    lock_timeout.local.reset();
    statement_timeout.local.reset();
    exclusive_since.reset();
  };

  for (std::size_t i = 0; i < statements_.size(); ++i) {
    const PgStatement& st = statements_[i];
    contexts_.push_back(current());
    switch (st.kind) {
      case PgKind::Begin: explicit_tx = true; break;
      case PgKind::Commit:
      case PgKind::Rollback: end_transaction(); break;
      case PgKind::Set: {
        TimeoutState* t = st.setting == "lock_timeout"        ? &lock_timeout
                          : st.setting == "statement_timeout" ? &statement_timeout
                                                              : nullptr;
        if (t == nullptr) break;
        bool on = !st.reset && timeout_value_set(st.value);
        if (st.is_local) {
          // SET LOCAL outside a transaction block has no effect.
          if (explicit_tx || options_.assume_in_transaction) t->local = on;
        } else {
          t->session = on;
          t->local.reset();
        }
        break;
      }
      case PgKind::CreateTable:
      case PgKind::CreateTableAs:
        created_.emplace_back(st.table, i);
        for (const PgColumn& c : st.columns) columns_.push_back(KnownColumn{st.table, c, i});
        break;
      case PgKind::AlterTable:
        for (const PgAlterCmd& cmd : st.cmds) {
          if (!cmd.column) continue;
          if (cmd.kind == AlterKind::AddColumn) {
            columns_.push_back(KnownColumn{st.table, *cmd.column, i});
          } else if (cmd.kind == AlterKind::AlterColumnType) {
            PgColumn c = *cmd.column;
            if (const PgColumn* before = known_column(st.table, cmd.name, i)) {
              PgColumn merged = *before;
              merged.type = c.type;
              c = merged;
            }
            columns_.push_back(KnownColumn{st.table, c, i});
          }
        }
        break;
      default: break;
    }
    // Stays in force until the transaction ends (only inside one).
    bool in_tx = explicit_tx || options_.assume_in_transaction;
    if (in_tx && !exclusive_since && st.kind != PgKind::Begin) {
      for (const TableLock& l : table_locks(st)) {
        if (l.mode == LockMode::AccessExclusive && !created_before(l.table, i)) {
          exclusive_since = i;
          break;
        }
      }
    }
  }
  final_ = current();
}

bool PgMigration::created_before(const QualifiedName& table, std::size_t index) const {
  for (const auto& [name, at] : created_) {
    if (at < index && name.same(table)) return true;
  }
  return false;
}

const PgColumn* PgMigration::known_column(const QualifiedName& table, const std::string& column,
                                          std::size_t index) const {
  const PgColumn* found = nullptr;
  for (const KnownColumn& k : columns_) {
    if (k.defined_at < index && k.table.same(table) && k.column.name == column) found = &k.column;
  }
  return found;
}

}  // namespace sluice::schema::lint
