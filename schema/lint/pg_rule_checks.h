// Internal to the PostgreSQL rules: the check functions the registry (pg_rules.cc) lists, one
// per rule, grouped in files by theme, and small helpers they share.
#pragma once

#include <string>

#include "schema/lint/pg_rules.h"

namespace sluice::schema::lint::checks {

// Fills lock and what it blocks.
void set_lock(Finding& f, LockMode mode);
// "t", or "s.t".
inline std::string name(const QualifiedName& q) { return q.display(); }
// Whether `table` was created earlier in this migration (lock rules do not apply to it).
inline bool is_new(const RuleEmitter& e, const QualifiedName& table, std::size_t index) {
  return e.migration().created_before(table, index);
}
// 1-based line of a byte offset in the file.
int line_of(const RuleEmitter& e, std::size_t offset);

// pg_rules_index.cc
void require_concurrent_index_creation(RuleEmitter& e);
void require_concurrent_index_deletion(RuleEmitter& e);
void require_concurrent_reindex(RuleEmitter& e);
void concurrently_in_transaction(RuleEmitter& e);
// pg_rules_constraints.cc
void constraint_missing_not_valid(RuleEmitter& e);
void foreign_key_locks_both_tables(RuleEmitter& e);
void foreign_key_missing_index(RuleEmitter& e);
void constraint_without_using_index(RuleEmitter& e);
void set_not_null_scans_table(RuleEmitter& e);
// pg_rules_columns.cc
void add_column_volatile_default(RuleEmitter& e);
void add_column_stored_generated(RuleEmitter& e);
void add_column_identity(RuleEmitter& e);
void add_column_not_null_without_default(RuleEmitter& e);
void alter_column_type_rewrites(RuleEmitter& e);
// pg_rules_destructive.cc
void rename_table(RuleEmitter& e);
void rename_column(RuleEmitter& e);
void drop_table(RuleEmitter& e);
void drop_column(RuleEmitter& e);
void drop_database(RuleEmitter& e);
void truncate_table(RuleEmitter& e);
void vacuum_full(RuleEmitter& e);
void cluster_table(RuleEmitter& e);
// pg_rules_transactions.cc
void require_lock_timeout(RuleEmitter& e);
void require_statement_timeout(RuleEmitter& e);
void statements_after_access_exclusive(RuleEmitter& e);
void combine_alter_table(RuleEmitter& e);
void transaction_nesting(RuleEmitter& e);
void unterminated_transaction(RuleEmitter& e);
void missing_if_exists(RuleEmitter& e);
// pg_rules_style.cc
void prefer_bigint_over_int(RuleEmitter& e);
void prefer_identity_over_serial(RuleEmitter& e);
void prefer_timestamptz(RuleEmitter& e);
void prefer_text_over_char(RuleEmitter& e);
void prefer_text_over_varchar(RuleEmitter& e);
void prefer_jsonb(RuleEmitter& e);
void identifier_too_long(RuleEmitter& e);

}  // namespace sluice::schema::lint::checks
