// A compact description of one PostgreSQL statement, read from libpg_query's JSON parse tree:
// what kind it is, the table it acts on, the columns, constraints and sub-commands it carries,
// and the options that matter to locking (CONCURRENTLY, IF [NOT] EXISTS, NOT VALID, USING INDEX).
// The rules read this, never the JSON. Names are as PostgreSQL stores them (unquoted identifiers
// are already lower-cased by the parser; types are the internal names: int4, varchar, bpchar).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sluice::schema::lint {

// Table-level lock modes, weakest to strongest (the numbers are PostgreSQL's).
enum class LockMode {
  None = 0,
  AccessShare = 1,
  RowShare = 2,
  RowExclusive = 3,
  ShareUpdateExclusive = 4,
  Share = 5,
  ShareRowExclusive = 6,
  Exclusive = 7,
  AccessExclusive = 8,
};
const char* to_string(LockMode mode);  // "ACCESS EXCLUSIVE"
const char* blocks(LockMode mode);     // "reads and writes", "writes", ...

struct QualifiedName {
  std::string schema;  // "" when not given
  std::string name;
  int64_t location = -1;  // byte offset in the file, -1 when unknown

  bool empty() const { return name.empty(); }
  std::string display() const { return schema.empty() ? name : schema + "." + name; }
  // Same relation: names equal, and schemas equal when both are given.
  bool same(const QualifiedName& other) const {
    return name == other.name && (schema.empty() || other.schema.empty() || schema == other.schema);
  }
};

struct PgType {
  std::string name;              // last part, as stored: int4, varchar, bpchar, text, serial, json
  std::string schema;            // "pg_catalog" for SQL-standard spellings (integer -> pg_catalog.int4)
  std::vector<int64_t> modifiers;  // varchar(20) -> {20}; numeric(10,2) -> {10, 2}
  bool array = false;
  int64_t location = -1;

  bool empty() const { return name.empty(); }
  std::string display() const;  // "varchar(20)", "int4[]"
};

// How an expression's value may change between rows (PostgreSQL's function volatility).
// Unknown: it calls a function this linter does not know (user functions are VOLATILE unless
// declared otherwise).
enum class Volatility { Immutable, Stable, Volatile, Unknown };

struct PgConstraint {
  enum class Kind { PrimaryKey, Unique, Check, ForeignKey, Exclusion, NotNull, Null, Default, Identity, Generated, Other };
  Kind kind = Kind::Other;
  std::string name;
  std::vector<std::string> columns;  // keys / fk_attrs (empty for a column constraint: the column)
  QualifiedName ref_table;           // FOREIGN KEY ... REFERENCES
  std::vector<std::string> ref_columns;
  bool not_valid = false;       // NOT VALID
  std::string using_index;      // PRIMARY KEY / UNIQUE USING INDEX name
  std::string not_null_column;  // CHECK (col IS NOT NULL): col
  bool has_expression = false;  // DEFAULT / CHECK / GENERATED expression present
  bool null_default = false;    // DEFAULT NULL
  Volatility volatility = Volatility::Immutable;  // of the expression
  std::string volatile_function;                  // the first volatile or unknown function called
  int64_t location = -1;
};

struct PgColumn {
  std::string name;
  PgType type;
  std::vector<PgConstraint> constraints;
  int64_t location = -1;

  const PgConstraint* find(PgConstraint::Kind kind) const;
  bool not_null() const;  // NOT NULL or PRIMARY KEY
};

enum class AlterKind {
  AddColumn,
  DropColumn,
  AlterColumnType,
  SetNotNull,
  DropNotNull,
  SetDefault,
  DropDefault,
  AddConstraint,
  ValidateConstraint,
  DropConstraint,
  AddIdentity,
  SetIdentity,
  DropIdentity,
  SetTablespace,
  SetLogged,
  SetUnlogged,
  AttachPartition,
  DetachPartition,
  SetStatistics,
  SetOptions,
  EnableDisableTrigger,
  Other,
};

struct PgAlterCmd {
  AlterKind kind = AlterKind::Other;
  std::string subtype;  // libpg_query's name, e.g. "AT_AddColumn"
  std::string name;     // the column or constraint named by the command
  std::optional<PgColumn> column;          // ADD COLUMN; ALTER COLUMN TYPE (type only)
  std::optional<PgConstraint> constraint;  // ADD CONSTRAINT, ADD IDENTITY
  bool missing_ok = false;  // ADD COLUMN IF NOT EXISTS, DROP COLUMN / CONSTRAINT IF EXISTS
  bool has_using = false;   // ALTER COLUMN TYPE ... USING
  bool concurrent = false;  // DETACH PARTITION ... CONCURRENTLY
};

enum class PgKind {
  Begin,
  Commit,
  Rollback,
  Savepoint,
  OtherTransaction,  // RELEASE, ROLLBACK TO, PREPARE TRANSACTION, ...
  Set,               // SET / SET LOCAL / RESET
  CreateTable,
  CreateTableAs,
  AlterTable,
  CreateIndex,
  Drop,
  DropDatabase,
  Rename,
  Truncate,
  Vacuum,
  Cluster,
  Reindex,
  Lock,
  RefreshMatView,
  CreateTrigger,
  Other,
};

struct PgStatement {
  PgKind kind = PgKind::Other;
  std::string node_type;  // "AlterTableStmt"
  std::size_t begin = 0, end = 0;  // byte span in the file
  QualifiedName table;             // the relation acted on, when there is one

  bool if_not_exists = false;  // CREATE ... IF NOT EXISTS
  bool missing_ok = false;     // DROP / ALTER ... IF EXISTS
  bool concurrent = false;     // CONCURRENTLY
  bool cascade = false;        // DROP ... CASCADE

  // CREATE TABLE
  std::vector<PgColumn> columns;
  std::vector<PgConstraint> constraints;  // table constraints
  // ALTER TABLE (also ALTER INDEX / VIEW ...: alter_object says which)
  std::vector<PgAlterCmd> cmds;
  std::string alter_object;  // "table", "index", "view", "materialized view", "foreign table", ...
  // CREATE INDEX
  std::string index_name;
  std::vector<std::string> index_columns;  // plain columns in order; "" for an expression
  bool unique = false;
  // DROP (objects named), TRUNCATE / VACUUM / LOCK (relations)
  std::string object_type;  // DROP: "table", "index", "view", "type", ...; RENAME: what is renamed
  std::vector<QualifiedName> objects;
  // RENAME
  std::string old_name, new_name;  // column or constraint renames: the old and new names
  // SET / RESET
  std::string setting;  // lower-cased name
  std::string value;    // "" for RESET / SET ... TO DEFAULT
  bool is_local = false;
  bool reset = false;  // RESET, or SET ... TO DEFAULT
  // VACUUM
  bool full = false;
  // LOCK TABLE
  LockMode lock_mode = LockMode::None;
  // REINDEX: "table", "index", "schema", "database", "system"
  std::string reindex_target;
  // Identifiers this statement defines (for the length check), with their locations.
  std::vector<QualifiedName> defined_names;
};

// Describes one statement: `node` is the {"TypeName": {...}} object of one parsed statement.
PgStatement describe_pg_statement(const nlohmann::json& node, std::size_t begin, std::size_t end);

// The volatility of an expression tree (a DEFAULT or GENERATED expression); `function` gets the
// first volatile or unknown function's name.
Volatility expression_volatility(const nlohmann::json& expr, std::string& function);

}  // namespace sluice::schema::lint
