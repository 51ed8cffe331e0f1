// Rules on adding columns and changing their types: rewrites and failures on existing rows.
#include "schema/lint/pg_rule_checks.h"
#include "schema/lint/pg_types.h"

namespace sluice::schema::lint::checks {

namespace {

// Calls fn(statement index, statement, ADD COLUMN command) for each column added to a table
// that existed before the migration.
template <typename Fn>
void for_each_added_column(RuleEmitter& e, Fn fn) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::AlterTable || is_new(e, st.table, i)) continue;
    for (const PgAlterCmd& cmd : st.cmds) {
      if (cmd.kind == AlterKind::AddColumn && cmd.column) fn(i, st, *cmd.column);
    }
  }
}

Finding& rewrite_finding(RuleEmitter& e, std::size_t i, const PgStatement& st, const PgColumn& col,
                         const std::string& why) {
  Finding& f = e.emit(i, col.location,
                      "ADD COLUMN " + col.name + " " + why + ", so it rewrites all of " + name(st.table) +
                          " under ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite");
  set_lock(f, LockMode::AccessExclusive);
  f.rewrites_table = true;
  f.column = col.name;
  return f;
}

}  // namespace

void add_column_volatile_default(RuleEmitter& e) {
  const int version = e.options().pg_version;
  for_each_added_column(e, [&](std::size_t i, const PgStatement& st, const PgColumn& col) {
    if (is_serial(col.type)) {
      rewrite_finding(e, i, st, col, "has type " + col.type.name + ", whose nextval() default is volatile");
      return;
    }
    const PgConstraint* def = col.find(PgConstraint::Kind::Default);
    if (def == nullptr || def->null_default) return;
    if (def->volatility == Volatility::Volatile) {
      rewrite_finding(e, i, st, col,
                      "has a volatile default (" + def->volatile_function + "()): every existing row needs its own "
                      "value");
    } else if (version < 11) {
      Finding& f = rewrite_finding(e, i, st, col,
                                   "has a DEFAULT, and before PostgreSQL 11 (this migration targets " +
                                       std::to_string(version) + ") any non-NULL default is written into every row");
      f.safe_alternative =
          "Upgrade to PostgreSQL 11+, or add the column without a default, SET DEFAULT afterwards, and backfill in "
          "batches.";
    } else if (def->volatility == Volatility::Unknown) {
      Finding& f = rewrite_finding(e, i, st, col,
                                   "has a default calling " + def->volatile_function +
                                       "(), which is not a known built-in: if it is VOLATILE (the default for "
                                       "CREATE FUNCTION)");
      f.severity = Severity::Warning;
      f.notes.push_back("declare the function STABLE or IMMUTABLE if it is, and this goes away");
    }
  });
}

void add_column_stored_generated(RuleEmitter& e) {
  for_each_added_column(e, [&](std::size_t i, const PgStatement& st, const PgColumn& col) {
    if (col.find(PgConstraint::Kind::Generated) == nullptr) return;
    rewrite_finding(e, i, st, col, "is GENERATED ALWAYS AS (...) STORED: the value is computed and stored for every row");
  });
}

void add_column_identity(RuleEmitter& e) {
  for_each_added_column(e, [&](std::size_t i, const PgStatement& st, const PgColumn& col) {
    if (col.find(PgConstraint::Kind::Identity) == nullptr) return;
    rewrite_finding(e, i, st, col, "is an identity column: every existing row gets a value from the sequence");
  });
}

void add_column_not_null_without_default(RuleEmitter& e) {
  for_each_added_column(e, [&](std::size_t i, const PgStatement& st, const PgColumn& col) {
    if (col.find(PgConstraint::Kind::NotNull) == nullptr && col.find(PgConstraint::Kind::PrimaryKey) == nullptr) return;
    const PgConstraint* def = col.find(PgConstraint::Kind::Default);
    if ((def != nullptr && !def->null_default) || col.find(PgConstraint::Kind::Identity) != nullptr ||
        col.find(PgConstraint::Kind::Generated) != nullptr || is_serial(col.type)) {
      return;
    }
    Finding& f = e.emit(i, col.location,
                        "ADD COLUMN " + col.name + " NOT NULL without a DEFAULT fails as soon as " + name(st.table) +
                            " has a row (ERROR 23502: column contains null values)");
    set_lock(f, LockMode::AccessExclusive);
    f.column = col.name;
  });
}

void alter_column_type_rewrites(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::AlterTable || is_new(e, st.table, i)) continue;
    for (const PgAlterCmd& cmd : st.cmds) {
      if (cmd.kind != AlterKind::AlterColumnType || !cmd.column) continue;
      const PgColumn* before = e.migration().known_column(st.table, cmd.name, i);
      const PgType* old_type = before != nullptr ? &before->type : nullptr;
      const PgType& new_type = cmd.column->type;
      TypeChange change = classify_type_change(old_type, new_type, cmd.has_using);
      if (change == TypeChange::NoRewrite) continue;
      std::string what = "ALTER COLUMN " + cmd.name + " TYPE " + new_type.display();
      if (old_type != nullptr) what += " (from " + old_type->display() + ")";
      Finding* f = nullptr;
      if (change == TypeChange::Rewrite) {
        f = &e.emit(i, cmd.column->location,
                    what + (cmd.has_using ? " with USING" : "") + " rewrites all of " + name(st.table) +
                        " and rebuilds its indexes under ACCESS EXCLUSIVE: reads and writes wait for the rewrite");
      } else {
        f = &e.emit(i, cmd.column->location,
                    what + " rewrites all of " + name(st.table) +
                        " under ACCESS EXCLUSIVE unless the current type is binary coercible to it (varchar(n) -> "
                        "text or a longer varchar, numeric(p,s) -> numeric(p2>=p,s), a higher timestamp precision): "
                        "the column's current type is not in this migration");
        f->severity = Severity::Warning;
        f->notes.push_back("--db (live context) can settle this from the catalog");
      }
      set_lock(*f, LockMode::AccessExclusive);
      f->rewrites_table = true;
      f->column = cmd.name;
    }
  }
}

}  // namespace sluice::schema::lint::checks
