// Rules on adding constraints: validation scans, foreign keys, unique indexes, NOT NULL.
#include <algorithm>

#include "schema/lint/pg_rule_checks.h"

namespace sluice::schema::lint::checks {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// A constraint of a statement together with the table and columns it applies to.
struct ConstraintAt {
  const PgConstraint* constraint;
  QualifiedName table;
  std::vector<std::string> columns;  // the constraint's columns, or the column it is written on
  bool in_add_column = false;        // written on a column that ADD COLUMN adds
  bool in_create_table = false;
};

std::vector<ConstraintAt> constraints_of(const PgStatement& st) {
  std::vector<ConstraintAt> out;
  auto add = [&](const PgConstraint& c, const std::string& column, bool add_column, bool create) {
    ConstraintAt at{&c, st.table, c.columns, add_column, create};
    if (at.columns.empty() && !column.empty()) at.columns = {column};
    out.push_back(std::move(at));
  };
  if (st.kind == PgKind::CreateTable) {
    for (const PgColumn& col : st.columns) {
      for (const PgConstraint& c : col.constraints) add(c, col.name, false, true);
    }
    for (const PgConstraint& c : st.constraints) add(c, "", false, true);
  } else if (st.kind == PgKind::AlterTable) {
    for (const PgAlterCmd& cmd : st.cmds) {
      if (cmd.kind == AlterKind::AddConstraint && cmd.constraint) add(*cmd.constraint, "", false, false);
      if (cmd.kind == AlterKind::AddColumn && cmd.column) {
        for (const PgConstraint& c : cmd.column->constraints) add(c, cmd.column->name, true, false);
      }
    }
  }
  return out;
}

std::string describe(const PgConstraint& c) {
  switch (c.kind) {
    case PgConstraint::Kind::ForeignKey: return "FOREIGN KEY";
    case PgConstraint::Kind::Check: return "CHECK";
    case PgConstraint::Kind::PrimaryKey: return "PRIMARY KEY";
    case PgConstraint::Kind::Unique: return "UNIQUE";
    case PgConstraint::Kind::Exclusion: return "EXCLUDE";
    default: return "constraint";
  }
}

}  // namespace

void constraint_missing_not_valid(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    if (sts[i].kind != PgKind::AlterTable || is_new(e, sts[i].table, i)) continue;
    for (const ConstraintAt& at : constraints_of(sts[i])) {
      const PgConstraint& c = *at.constraint;
      bool fk = c.kind == PgConstraint::Kind::ForeignKey;
      if ((!fk && c.kind != PgConstraint::Kind::Check) || c.not_valid) continue;
      std::string table = name(at.table);
      Finding* f = nullptr;
      if (fk) {
        f = &e.emit(i, c.location,
                    "ADD FOREIGN KEY (" + join(at.columns) + ") REFERENCES " + name(c.ref_table) +
                        " without NOT VALID checks every row of " + table + " while holding SHARE ROW EXCLUSIVE on " +
                        table + " and " + name(c.ref_table) + ": writes to both wait for the whole scan");
        set_lock(*f, LockMode::ShareRowExclusive);
      } else {
        f = &e.emit(i, c.location,
                    "ADD CHECK constraint without NOT VALID scans every row of " + table +
                        " under ACCESS EXCLUSIVE: reads and writes wait for the whole scan");
        set_lock(*f, LockMode::AccessExclusive);
      }
      f->scans_table = true;
      if (at.in_add_column) {
        f->message += " (written on the new column " + at.columns.front() + ")";
        f->safe_alternative =
            "Add the column first, then ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT in a later transaction.";
      }
      if (!at.columns.empty()) f->column = at.columns.front();
    }
  }
}

void foreign_key_locks_both_tables(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    for (const ConstraintAt& at : constraints_of(sts[i])) {
      const PgConstraint& c = *at.constraint;
      if (c.kind != PgConstraint::Kind::ForeignKey || is_new(e, c.ref_table, i)) continue;
      bool referencing_new = at.in_create_table || is_new(e, at.table, i);
      std::string msg;
      if (referencing_new) {
        msg = "the foreign key from new table " + name(at.table) + " takes SHARE ROW EXCLUSIVE on the existing table " +
              name(c.ref_table) + ": writes to " + name(c.ref_table) +
              " wait while it is held, and it queues behind any long transaction there";
      } else {
        msg = "the foreign key from " + name(at.table) + " to " + name(c.ref_table) +
              " takes SHARE ROW EXCLUSIVE on both tables: writes to both wait while it is held" +
              std::string(c.not_valid ? " (briefly: NOT VALID skips the scan)" : " (for the whole validation scan)");
      }
      Finding& f = e.emit(i, c.location, msg);
      set_lock(f, LockMode::ShareRowExclusive);
      if (c.not_valid || referencing_new) f.severity = Severity::Notice;
      f.notes.push_back("referenced table: " + name(c.ref_table));
      if (!at.columns.empty()) f.column = at.columns.front();
    }
  }
}

void foreign_key_missing_index(RuleEmitter& e) {
  const auto& sts = e.statements();
  // Every index the migration creates, as (table, leading columns).
  struct Index {
    QualifiedName table;
    std::vector<std::string> columns;
  };
  std::vector<Index> indexes;
  for (const PgStatement& st : sts) {
    if (st.kind == PgKind::CreateIndex) indexes.push_back({st.table, st.index_columns});
    for (const ConstraintAt& at : constraints_of(st)) {
      const PgConstraint& c = *at.constraint;
      bool keyed = c.kind == PgConstraint::Kind::PrimaryKey || c.kind == PgConstraint::Kind::Unique;
      if (!keyed) continue;
      if (!c.using_index.empty()) {
        for (const PgStatement& other : sts) {
          if (other.kind == PgKind::CreateIndex && other.index_name == c.using_index) {
            indexes.push_back({at.table, other.index_columns});
          }
        }
      } else {
        indexes.push_back({at.table, at.columns});
      }
    }
  }
  auto covered = [&](const QualifiedName& table, const std::vector<std::string>& columns) {
    for (const Index& index : indexes) {
      if (!index.table.same(table) || index.columns.size() < columns.size()) continue;
      std::vector<std::string> lead(index.columns.begin(), index.columns.begin() + static_cast<long>(columns.size()));
      std::vector<std::string> want = columns;
      std::sort(lead.begin(), lead.end());
      std::sort(want.begin(), want.end());
      if (lead == want) return true;
    }
    return false;
  };
  for (std::size_t i = 0; i < sts.size(); ++i) {
    for (const ConstraintAt& at : constraints_of(sts[i])) {
      const PgConstraint& c = *at.constraint;
      if (c.kind != PgConstraint::Kind::ForeignKey || at.columns.empty() || covered(at.table, at.columns)) continue;
      Finding& f = e.emit(i, c.location,
                          "no index on " + name(at.table) + " (" + join(at.columns) + ") for the foreign key to " +
                              name(c.ref_table) + ": every DELETE or key UPDATE on " + name(c.ref_table) +
                              " scans " + name(at.table) + " to check it");
      f.table = name(at.table);
      f.column = at.columns.front();
      f.safe_alternative = "CREATE INDEX CONCURRENTLY ON " + name(at.table) + " (" + join(at.columns) +
                           "), in its own migration outside a transaction block (if the database already has one, "
                           "ignore this with -- sluice:ignore foreign-key-missing-index).";
    }
  }
}

void constraint_without_using_index(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    if (sts[i].kind != PgKind::AlterTable || is_new(e, sts[i].table, i)) continue;
    for (const ConstraintAt& at : constraints_of(sts[i])) {
      const PgConstraint& c = *at.constraint;
      bool keyed = c.kind == PgConstraint::Kind::PrimaryKey || c.kind == PgConstraint::Kind::Unique;
      if (!(keyed && c.using_index.empty()) && c.kind != PgConstraint::Kind::Exclusion) continue;
      std::string table = name(at.table);
      std::string msg = "ADD " + describe(c) + (at.columns.empty() ? "" : " (" + join(at.columns) + ")") +
                        " builds its index under ACCESS EXCLUSIVE on " + table +
                        ": reads and writes wait for the whole index build";
      if (c.kind == PgConstraint::Kind::PrimaryKey) msg += ", and it also makes the key columns NOT NULL (a scan)";
      Finding& f = e.emit(i, c.location, msg);
      set_lock(f, LockMode::AccessExclusive);
      f.scans_table = true;
      if (!at.columns.empty()) f.column = at.columns.front();
      if (c.kind == PgConstraint::Kind::Exclusion) {
        f.safe_alternative =
            "An EXCLUDE constraint cannot use an existing index: add it at a quiet time with a lock_timeout, or "
            "enforce the rule another way.";
      } else if (!at.columns.empty()) {
        f.safe_alternative = "CREATE UNIQUE INDEX CONCURRENTLY " + at.table.name + "_idx ON " + table + " (" +
                             join(at.columns) + "); then ALTER TABLE " + table + " ADD CONSTRAINT ... " +
                             describe(c) + " USING INDEX " + at.table.name + "_idx (a brief lock).";
      }
    }
  }
}

void set_not_null_scans_table(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::AlterTable || is_new(e, st.table, i)) continue;
    for (const PgAlterCmd& cmd : st.cmds) {
      if (cmd.kind != AlterKind::SetNotNull) continue;
      // PostgreSQL 12+ skips the scan when a validated CHECK (col IS NOT NULL) exists.
      bool proven = false;
      if (e.options().pg_version >= 12) {
        std::vector<std::string> pending;  // NOT VALID checks on the column, by name
        for (std::size_t j = 0; j <= i && !proven; ++j) {
          const PgStatement& prev = sts[j];
          if (prev.kind != PgKind::AlterTable || !prev.table.same(st.table)) continue;
          for (const PgAlterCmd& p : prev.cmds) {
            if (j == i && &p == &cmd) break;
            if (p.kind == AlterKind::AddConstraint && p.constraint && p.constraint->not_null_column == cmd.name) {
              if (!p.constraint->not_valid) proven = true;
              else pending.push_back(p.constraint->name);
            }
            if (p.kind == AlterKind::ValidateConstraint &&
                std::find(pending.begin(), pending.end(), p.name) != pending.end()) {
              proven = true;
            }
          }
        }
      }
      if (proven) continue;
      Finding& f = e.emit(i, -1,
                          "SET NOT NULL on " + name(st.table) + "." + cmd.name + " scans the whole table under "
                          "ACCESS EXCLUSIVE to look for NULLs: reads and writes wait for the scan");
      set_lock(f, LockMode::AccessExclusive);
      f.scans_table = true;
      f.column = cmd.name;
      if (e.options().pg_version < 12) {
        f.safe_alternative =
            "Before PostgreSQL 12 SET NOT NULL always scans: keep a validated CHECK (" + cmd.name +
            " IS NOT NULL) (ADD ... NOT VALID, then VALIDATE CONSTRAINT) instead, or run it at a quiet time.";
      } else {
        f.safe_alternative = "ALTER TABLE " + name(st.table) + " ADD CONSTRAINT " + cmd.name + "_not_null CHECK (" +
                             cmd.name + " IS NOT NULL) NOT VALID; ALTER TABLE " + name(st.table) +
                             " VALIDATE CONSTRAINT " + cmd.name + "_not_null; then SET NOT NULL skips the scan; "
                             "drop the CHECK afterwards.";
      }
    }
  }
}

}  // namespace sluice::schema::lint::checks
