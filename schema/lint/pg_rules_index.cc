// Rules on building, dropping and rebuilding indexes.
#include "schema/lint/pg_rule_checks.h"

namespace sluice::schema::lint::checks {

namespace {

// Whether an index of that name was created earlier in this migration.
bool index_created_before(const RuleEmitter& e, const QualifiedName& index, std::size_t before) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < before; ++i) {
    if (sts[i].kind == PgKind::CreateIndex && sts[i].index_name == index.name) return true;
  }
  return false;
}

}  // namespace

void require_concurrent_index_creation(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::CreateIndex || st.concurrent || is_new(e, st.table, i)) continue;
    Finding& f = e.emit(i, -1,
                        "CREATE " + std::string(st.unique ? "UNIQUE " : "") + "INDEX on " + name(st.table) +
                            " without CONCURRENTLY holds a SHARE lock for the whole build: INSERT, UPDATE and "
                            "DELETE on " + name(st.table) + " wait until it finishes (it reads the whole table)");
    set_lock(f, LockMode::Share);
    f.scans_table = true;
  }
}

void require_concurrent_index_deletion(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Drop || st.object_type != "index" || st.concurrent) continue;
    for (const QualifiedName& index : st.objects) {
      if (index_created_before(e, index, i)) continue;
      Finding& f = e.emit(i, -1,
                          "DROP INDEX " + name(index) +
                              " without CONCURRENTLY takes ACCESS EXCLUSIVE on its table: reads and writes wait, "
                              "and queue behind any long transaction on the table");
      set_lock(f, LockMode::AccessExclusive);
      f.table.clear();
      break;
    }
  }
}

void require_concurrent_reindex(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind != PgKind::Reindex || st.concurrent) continue;
    if (is_new(e, st.table, i) || index_created_before(e, st.table, i)) continue;
    Finding& f = e.emit(i, -1,
                        "REINDEX " + st.reindex_target + " " + name(st.table) +
                            " without CONCURRENTLY locks the table against writes (SHARE) and each index against "
                            "the reads that use it (ACCESS EXCLUSIVE) for the whole rebuild");
    set_lock(f, st.reindex_target == "index" ? LockMode::AccessExclusive : LockMode::Share);
    f.blocks = "writes, and reads that use the index";
    f.scans_table = true;
    if (e.options().pg_version < 12) {
      f.safe_alternative =
          "REINDEX CONCURRENTLY needs PostgreSQL 12: build a new index with CREATE INDEX CONCURRENTLY, DROP INDEX "
          "CONCURRENTLY the old one, and rename the new one.";
    }
  }
}

void concurrently_in_transaction(RuleEmitter& e) {
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    std::string what;
    if (st.kind == PgKind::CreateIndex && st.concurrent) what = "CREATE INDEX CONCURRENTLY";
    else if (st.kind == PgKind::Drop && st.concurrent) what = "DROP INDEX CONCURRENTLY";
    else if (st.kind == PgKind::Reindex && st.concurrent) what = "REINDEX CONCURRENTLY";
    else if (st.kind == PgKind::AlterTable) {
      for (const PgAlterCmd& cmd : st.cmds) {
        if (cmd.kind == AlterKind::DetachPartition && cmd.concurrent) what = "DETACH PARTITION CONCURRENTLY";
      }
    }
    if (what.empty()) continue;
    const StatementContext& ctx = e.migration().context(i);
    if (!ctx.in_transaction) continue;
    std::string why = ctx.explicit_transaction ? "it is inside a BEGIN block"
                                               : "the migration tool is assumed to run the file in a transaction";
    e.emit(i, -1, what + " cannot run inside a transaction block (" + why +
                      "): PostgreSQL rejects it with ERROR 25001 and the migration fails");
  }
}

}  // namespace sluice::schema::lint::checks
