#include "schema/lint/pg_locks.h"

#include <algorithm>

namespace sluice::schema::lint {

namespace {

void add(std::vector<TableLock>& out, const QualifiedName& table, LockMode mode) {
  if (table.empty() || mode == LockMode::None) return;
  for (TableLock& l : out) {
    if (l.table.same(table)) {
      l.mode = std::max(l.mode, mode);
      return;
    }
  }
  out.push_back(TableLock{table, mode});
}

void add_foreign_keys(std::vector<TableLock>& out, const std::vector<PgConstraint>& constraints) {
  for (const PgConstraint& c : constraints) {
    if (c.kind == PgConstraint::Kind::ForeignKey) add(out, c.ref_table, LockMode::ShareRowExclusive);
  }
}

}  // namespace

LockMode alter_cmd_lock(const PgAlterCmd& cmd) {
  switch (cmd.kind) {
    case AlterKind::AddConstraint:
      if (cmd.constraint && cmd.constraint->kind == PgConstraint::Kind::ForeignKey) return LockMode::ShareRowExclusive;
      return LockMode::AccessExclusive;
    case AlterKind::ValidateConstraint:
    case AlterKind::AttachPartition:
    case AlterKind::SetStatistics:
    case AlterKind::SetOptions: return LockMode::ShareUpdateExclusive;
    case AlterKind::DetachPartition:
      return cmd.concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
    case AlterKind::EnableDisableTrigger: return LockMode::ShareRowExclusive;
    default: return LockMode::AccessExclusive;
  }
}

std::vector<TableLock> table_locks(const PgStatement& st) {
  std::vector<TableLock> out;
  switch (st.kind) {
    case PgKind::CreateTable: add_foreign_keys(out, st.constraints);
      for (const PgColumn& c : st.columns) add_foreign_keys(out, c.constraints);
      break;
    case PgKind::AlterTable: {
      LockMode mode = LockMode::None;
      for (const PgAlterCmd& cmd : st.cmds) mode = std::max(mode, alter_cmd_lock(cmd));
      add(out, st.table, mode);
      for (const PgAlterCmd& cmd : st.cmds) {
        if (cmd.constraint) add_foreign_keys(out, {*cmd.constraint});
        if (cmd.column) add_foreign_keys(out, cmd.column->constraints);
      }
      break;
    }
    case PgKind::CreateIndex:
      add(out, st.table, st.concurrent ? LockMode::ShareUpdateExclusive : LockMode::Share);
      break;
    case PgKind::Drop:
      if (st.object_type == "table" || st.object_type == "index" || st.object_type == "view" ||
          st.object_type == "materialized view" || st.object_type == "foreign table" || st.object_type == "sequence") {
        LockMode mode = st.concurrent ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive;
        for (const QualifiedName& o : st.objects) add(out, o, mode);
      }
      break;
    case PgKind::Rename:
      add(out, st.table, st.object_type == "index" ? LockMode::ShareUpdateExclusive : LockMode::AccessExclusive);
      break;
    case PgKind::Truncate:
      for (const QualifiedName& o : st.objects) add(out, o, LockMode::AccessExclusive);
      break;
    case PgKind::Vacuum:
      for (const QualifiedName& o : st.objects) {
        add(out, o, st.full ? LockMode::AccessExclusive : LockMode::ShareUpdateExclusive);
      }
      break;
    case PgKind::Cluster: add(out, st.table, LockMode::AccessExclusive); break;
    case PgKind::Reindex:
      add(out, st.table, st.concurrent ? LockMode::ShareUpdateExclusive
                                       : (st.reindex_target == "index" ? LockMode::AccessExclusive : LockMode::Share));
      break;
    case PgKind::Lock:
      for (const QualifiedName& o : st.objects) add(out, o, st.lock_mode);
      break;
    case PgKind::RefreshMatView:
      add(out, st.table, st.concurrent ? LockMode::Exclusive : LockMode::AccessExclusive);
      break;
    case PgKind::CreateTrigger: add(out, st.table, LockMode::ShareRowExclusive); break;
    default: break;
  }
  return out;
}

}  // namespace sluice::schema::lint
