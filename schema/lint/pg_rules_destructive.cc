// Rules on renames and statements that destroy data or rewrite a table outright.
#include "schema/lint/pg_rule_checks.h"

namespace sluice::schema::lint::checks {

void rename_table(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Rename || is_new(e, st.table, i)) continue;
    if (st.object_type != "table" && st.object_type != "view" && st.object_type != "materialized view") continue;
    Finding& f = e.emit(i, -1,
                        "RENAME of " + st.object_type + " " + name(st.table) + " to " + st.new_name +
                            " breaks every query and client still using " + name(st.table) +
                            " (ACCESS EXCLUSIVE, brief)");
    set_lock(f, LockMode::AccessExclusive);
  }
}

void rename_column(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Rename || st.object_type != "column" || is_new(e, st.table, i)) continue;
    Finding& f = e.emit(i, -1,
                        "RENAME COLUMN " + name(st.table) + "." + st.old_name + " to " + st.new_name +
                            " breaks every query still using " + st.old_name + " (ACCESS EXCLUSIVE, brief)");
    set_lock(f, LockMode::AccessExclusive);
    f.column = st.old_name;
  }
}

void drop_table(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Drop || st.object_type != "table") continue;
    for (const QualifiedName& t : st.objects) {
      if (is_new(e, t, i)) continue;
      Finding& f = e.emit(i, -1,
                          "DROP TABLE " + name(t) + " deletes its data and breaks every query still using it "
                          "(ACCESS EXCLUSIVE)" + std::string(st.cascade ? "; CASCADE also drops what depends on it" : ""));
      set_lock(f, LockMode::AccessExclusive);
      f.table = name(t);
    }
  }
}

void drop_column(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::AlterTable || is_new(e, st.table, i)) continue;
    for (const PgAlterCmd& cmd : st.cmds) {
      if (cmd.kind != AlterKind::DropColumn) continue;
      Finding& f = e.emit(i, -1,
                          "DROP COLUMN " + name(st.table) + "." + cmd.name +
                              " breaks every query still naming it (ACCESS EXCLUSIVE, brief; the table is not "
                              "rewritten)");
      set_lock(f, LockMode::AccessExclusive);
      f.column = cmd.name;
    }
  }
}

void drop_database(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    if (sts[i].kind != PgKind::DropDatabase) continue;
    Finding& f = e.emit(i, -1, "DROP DATABASE " + sts[i].table.name + " deletes a whole database");
    f.table.clear();
  }
}

void truncate_table(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Truncate) continue;
    for (const QualifiedName& t : st.objects) {
      if (is_new(e, t, i)) continue;
      Finding& f = e.emit(i, -1,
                          "TRUNCATE " + name(t) + " deletes every row under ACCESS EXCLUSIVE: reads and writes wait");
      set_lock(f, LockMode::AccessExclusive);
      f.table = name(t);
    }
  }
}

void vacuum_full(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Vacuum || !st.full) continue;
    if (!st.table.empty() && is_new(e, st.table, i)) continue;
    std::string target = st.table.empty() ? "every table in the database" : name(st.table);
    Finding& f = e.emit(i, -1,
                        "VACUUM FULL rewrites " + target + " under ACCESS EXCLUSIVE: reads and writes wait for the "
                        "whole rewrite");
    set_lock(f, LockMode::AccessExclusive);
    f.rewrites_table = true;
  }
}

void cluster_table(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Cluster) continue;
    if (!st.table.empty() && is_new(e, st.table, i)) continue;
    std::string target = st.table.empty() ? "every clustered table" : name(st.table);
    Finding& f = e.emit(i, -1,
                        "CLUSTER rewrites " + target + " in index order under ACCESS EXCLUSIVE: reads and writes "
                        "wait for the whole rewrite");
    set_lock(f, LockMode::AccessExclusive);
    f.rewrites_table = true;
  }
}

}  // namespace sluice::schema::lint::checks
