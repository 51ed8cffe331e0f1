// The PostgreSQL rules: each one a small function with a stable kebab-case id, a default
// severity, a one-line description and the safe way to do what the statement wanted. The
// registry lists them in a fixed order (docs/lint.md documents each).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "schema/lint/finding.h"
#include "schema/lint/pg_migration.h"

namespace sluice::schema::lint {

// A finding still tied to the statement it came from (for ignore directives).
struct RuleHit {
  Finding finding;
  std::size_t statement = 0;
};

struct PgRule;

// Hands a rule what it checks and collects what it finds.
class RuleEmitter {
 public:
  RuleEmitter(const PgMigration& migration, const PgRule& rule, std::vector<RuleHit>& out)
      : migration_(migration), rule_(rule), out_(out) {}

  const PgMigration& migration() const { return migration_; }
  const PgLintOptions& options() const { return migration_.options(); }
  const std::vector<PgStatement>& statements() const { return migration_.statements(); }

  // A finding at `location` (a byte offset in the file; -1: the statement's start) with the
  // rule's id, default severity and safe alternative filled in. The reference stays valid until
  // the next emit().
  Finding& emit(std::size_t statement, int64_t location, std::string message);

 private:
  const PgMigration& migration_;
  const PgRule& rule_;
  std::vector<RuleHit>& out_;
};

struct PgRule {
  std::string_view id;
  Severity severity;
  std::string_view summary;           // what it catches, one line
  std::string_view safe_alternative;  // the safe way, one or two sentences
  void (*check)(RuleEmitter&);
};

// Every PostgreSQL rule, in documentation order.
std::span<const PgRule> pg_rules();
const PgRule* find_pg_rule(std::string_view id);

// Runs every rule over the migration.
std::vector<RuleHit> run_pg_rules(const PgMigration& migration);

}  // namespace sluice::schema::lint
