// The online-DDL rules of InnoDB: for each ALTER TABLE, which algorithm the server uses
// (INSTANT: metadata only; INPLACE: no table copy, with or without rebuilding the clustered index
// (MariaDB names the no-rebuild case NOCOPY); COPY: a new table filled row by row), the lock it
// needs (NONE: reads and writes go on; SHARED: reads only; EXCLUSIVE: nothing) and whether an
// explicit ALGORITHM= / LOCK= clause makes the server refuse the statement.
//
// Two flavors: MariaDB 10.11 (the default; the rules were checked against a real 10.11 server,
// see tests/integration/mysql_online_ddl_test.cc) and MySQL 8.0 (8.0.29 or later, from the
// "Online DDL Operations" table of the MySQL 8.0 manual).
//
// SchemaModel follows CREATE TABLE and ALTER TABLE statements through a migration so that a later
// MODIFY can be compared with the column's current definition; when a table or column is unknown
// the classifier assumes the usual case and says so (OpVerdict::assumption).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "schema/lint/mysql_alter_parser.h"

namespace sluice::schema::lint::mysql {

enum class Flavor { MariaDB, MySQL8 };

enum class Algorithm { Instant, Inplace, Copy };
enum class LockLevel { None, Shared, Exclusive };

// "INSTANT", "INPLACE", "COPY"; "NONE", "SHARED", "EXCLUSIVE"; "mariadb", "mysql8".
const char* to_string(Algorithm a);
const char* to_string(LockLevel l);
const char* to_string(Flavor f);
// "mariadb" / "mariadb10.11" / "mysql" / "mysql8": nullopt for anything else.
std::optional<Flavor> parse_flavor(const std::string& name);

// The name a server would print for an algorithm, with MariaDB's NOCOPY for INPLACE without rebuild.
std::string algorithm_name(Algorithm a, bool rebuild, Flavor flavor);

struct TableModel {
  std::string name;
  std::string engine = "InnoDB";  // as last seen
  bool engine_known = false;
  std::string row_format;         // upper case, "" = server default (DYNAMIC)
  std::string charset;            // table default, lower case, "" = unknown
  bool partitioned = false;
  std::vector<ColumnDef> columns;  // in table order
  std::vector<KeyDef> keys;
  bool created_in_file = false;    // CREATE TABLE seen earlier in the same file (empty table)

  const ColumnDef* column(const std::string& name) const;
  bool has_fulltext() const;
  bool has_primary_key() const;
  bool in_primary_key(const std::string& column) const;
  bool in_key(const std::string& column, KeyKind kind) const;
  bool in_any_index(const std::string& column) const;  // any key but FOREIGN / CHECK
  bool innodb() const;
};

// Tables by lower-cased name (without the schema), updated statement by statement.
class SchemaModel {
 public:
  const TableModel* find(const std::string& table) const;
  void apply(const CreateTable& create);
  void apply(const AlterTable& alter);
  void rename(const std::string& from, const std::string& to);
  void drop(const std::string& table);

 private:
  static std::string key_of(const std::string& table);
  std::map<std::string, TableModel> tables_;
};

struct OnlineDdlOptions {
  Flavor flavor = Flavor::MariaDB;
  bool foreign_key_checks = true;      // SET foreign_key_checks = 0 in the file turns it off
  std::string default_charset = "utf8mb4";  // for columns whose character set is not known
  std::optional<std::string> session_algorithm;  // MariaDB SET alter_algorithm = '...'
};

// One clause of an ALTER.
struct OpVerdict {
  const AlterOp* op = nullptr;
  Algorithm algorithm = Algorithm::Instant;
  bool rebuild = false;           // INPLACE rebuilds the clustered index (the whole table)
  LockLevel lock = LockLevel::None;
  bool scans = false;             // reads the whole table (index build, validation)
  bool instant_column = false;    // ADD/DROP/reorder COLUMN done instantly: rebuilds when the ALTER is not instant
  bool rebuilt_by_others = false; // instant alone, rebuilt here because of the other clauses
  std::string reason;             // why, one phrase: "changes the column type INT -> BIGINT"
  std::string assumption;         // "" when certain; else what was assumed
};

struct AlterVerdict {
  Algorithm algorithm = Algorithm::Instant;
  bool rebuild = false;
  LockLevel lock = LockLevel::None;
  bool scans = false;
  std::vector<OpVerdict> ops;
  // The ALTER as it is, without its ALGORITHM / LOCK clauses.
  Algorithm natural_algorithm = Algorithm::Instant;
  bool natural_rebuild = false;
  LockLevel natural_lock = LockLevel::None;
  bool refused = false;           // an explicit ALGORITHM= / LOCK= cannot be honoured
  std::string refusal;            // the server's reason, in our words
  bool combination_penalty = false;  // instant column changes rebuild because of the other clauses
  bool uncertain = false;         // some op verdict rests on an assumption
};

OpVerdict classify_op(const AlterOp& op, const AlterTable& alter, const TableModel* table, const OnlineDdlOptions& options);

// table: the current definition when known (nullptr otherwise).
AlterVerdict classify_alter(const AlterTable& alter, const TableModel* table, const OnlineDdlOptions& options);

// OPTIMIZE TABLE on InnoDB: a rebuild (INPLACE, LOCK=NONE), or COPY with a FULLTEXT index.
AlterVerdict classify_optimize(const TableModel* table, const OnlineDdlOptions& options);

}  // namespace sluice::schema::lint::mysql
