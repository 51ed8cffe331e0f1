// Our own reader for MySQL / MariaDB migration files: a tokenizer (backticks, '..' and ".."
// strings, #, -- and /* */ comments, /*! versioned comments read as code, DELIMITER lines) and a
// parser for the statements the online-DDL classifier needs: ALTER TABLE (every clause, several
// per statement), CREATE TABLE (columns, keys and engine/row format, so later ALTERs know the
// current definitions), CREATE / DROP INDEX, RENAME TABLE, OPTIMIZE TABLE, DROP TABLE and SET of
// session variables. Every other statement is kept as Other and not looked into.
//
// mysql_tokenizer.cc holds the tokenizer and splitter, mysql_alter_parser.cc the parser.
// Pure: text in, statements out, no I/O. A statement that starts like one of the above but cannot
// be understood becomes a ParseFailure with the byte offset of the token that stopped the parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::schema::lint::mysql {

enum class TokenKind {
  Word,        // keyword or unquoted identifier (also digit-led identifiers like 1st_col)
  Identifier,  // `back quoted` (text holds the name without quotes)
  String,      // 'x', "x", N'x', X'ff', b'01', _utf8mb4'x' (text holds the raw literal)
  Number,      // 42, 3.5, 1e3, 0x1f
  Variable,    // @x, @@session.x, @@x
  Punct,       // ( ) , ; . = and operators
};

struct Token {
  TokenKind kind;
  std::string text;    // Identifier: unquoted name; others: the source text
  std::size_t offset;  // byte offset in the file
  std::size_t end;     // byte offset just past the token
};

// One statement of a file: its tokens (comments dropped) and where it is.
struct SqlStatement {
  std::vector<Token> tokens;
  std::size_t offset = 0;  // first token
  std::size_t end = 0;     // just past the last token
};

// Line and column (both 1-based, column in bytes) of byte offsets in one text.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  std::pair<int, int> locate(std::size_t offset) const;

 private:
  std::vector<std::size_t> line_starts_;
};

struct DataType {
  std::string name;               // upper case: VARCHAR, INT, ENUM, ...
  std::vector<std::string> args;  // (255) -> {"255"}; ENUM('a','b') -> {"'a'", "'b'"}
  bool is_unsigned = false;
  bool zerofill = false;
  std::string charset;    // lower case, "" when not given
  std::string collation;  // lower case, "" when not given
};

enum class Generated { No, Virtual, Stored };

struct ColumnDef {
  std::string name;
  DataType type;
  std::optional<bool> not_null;  // NOT NULL -> true, NULL -> false, neither -> nullopt (nullable)
  bool has_default = false;
  std::string default_text;
  bool auto_increment = false;
  bool primary_key = false;  // inline PRIMARY KEY
  bool unique = false;       // inline UNIQUE [KEY]
  bool has_check = false;    // inline CHECK (...)
  bool references = false;   // inline REFERENCES t(c)
  Generated generated = Generated::No;
  std::string generated_expr;
  bool invisible = false;
  std::string comment;
  bool first = false;   // FIRST
  std::string after;    // AFTER col
};

enum class KeyKind { Index, Unique, Fulltext, Spatial, Primary, Foreign, Check };

struct KeyDef {
  KeyKind kind = KeyKind::Index;
  std::string name;                  // index or constraint name, "" when not given
  std::vector<std::string> columns;  // key parts, without prefix lengths
  std::string ref_table;             // FOREIGN KEY ... REFERENCES
  std::vector<std::string> ref_columns;
};

enum class AlterOpKind {
  AddColumn,          // column
  DropColumn,         // name
  ModifyColumn,       // MODIFY / CHANGE: name (old), column (new definition; its name is the new name)
  RenameColumn,       // name -> new_name
  SetDefault,         // ALTER COLUMN name SET DEFAULT
  DropDefault,        // ALTER COLUMN name DROP DEFAULT
  ColumnVisibility,   // ALTER COLUMN name SET VISIBLE / INVISIBLE (MySQL)
  AddKey,             // key (index, unique, fulltext, spatial, primary, foreign, check)
  DropIndex,          // name
  DropPrimaryKey,
  DropForeignKey,     // name
  DropConstraint,     // DROP CHECK name / DROP CONSTRAINT name
  RenameIndex,        // name -> new_name
  IndexVisibility,    // ALTER INDEX name VISIBLE / INVISIBLE / IGNORED / NOT IGNORED
  RenameTable,        // RENAME [TO|AS] new_name
  ConvertCharset,     // CONVERT TO CHARACTER SET value
  TableOption,        // option = value (ENGINE, ROW_FORMAT, AUTO_INCREMENT, COMMENT, ...)
  Force,              // FORCE
  OrderBy,            // ORDER BY ...
  Partition,          // option: ADD / DROP / TRUNCATE / COALESCE / REORGANIZE / ... / PARTITION BY / REMOVE
  DisableEnableKeys,  // DISABLE KEYS / ENABLE KEYS
  Tablespace,         // DISCARD / IMPORT TABLESPACE
  SystemVersioning,   // ADD / DROP SYSTEM VERSIONING (MariaDB)
};

struct AlterOp {
  AlterOpKind kind;
  std::size_t offset = 0;  // first token of the clause
  std::string text;        // the clause as written
  std::string name;
  std::string new_name;
  ColumnDef column;
  KeyDef key;
  std::string option;  // upper case
  std::string value;   // as written, unquoted
};

struct AlterTable {
  enum class Source { AlterTable, CreateIndex, DropIndex };
  Source source = Source::AlterTable;
  std::string table;  // as written, unquoted: "db.t" or "t"
  std::size_t table_offset = 0;
  std::vector<AlterOp> ops;
  std::optional<std::string> algorithm;  // upper case: DEFAULT, INSTANT, NOCOPY, INPLACE, COPY
  std::optional<std::string> lock;       // upper case: DEFAULT, NONE, SHARED, EXCLUSIVE
  bool online = false;                   // ALTER ONLINE TABLE (MariaDB: LOCK=NONE)
  bool wait_clause = false;              // WAIT n / NOWAIT (MariaDB): a bounded metadata-lock wait
};

struct CreateTable {
  std::string table;
  std::vector<ColumnDef> columns;
  std::vector<KeyDef> keys;
  std::string engine;      // as written, "" when not given
  std::string row_format;  // upper case
  std::string charset;     // lower case table default
  std::string like;        // CREATE TABLE t LIKE other
  bool partitioned = false;
  bool temporary = false;
  bool as_select = false;
};

struct SetVariable {
  std::string name;   // lower case, without @@ and scope: "foreign_key_checks"
  std::string value;  // as written, unquoted
};

enum class StatementKind { AlterTable, CreateTable, RenameTable, OptimizeTable, DropTable, Set, Other };

struct Statement {
  StatementKind kind = StatementKind::Other;
  std::size_t offset = 0;
  std::size_t end = 0;
  AlterTable alter;
  CreateTable create;
  std::vector<std::pair<std::string, std::string>> renames;  // RENAME TABLE a TO b, ...
  std::vector<std::string> tables;                            // OPTIMIZE / DROP TABLE
  std::vector<SetVariable> sets;
};

struct ParseFailure {
  std::size_t offset = 0;  // where the parser stopped
  std::string message;
};

struct ParsedFile {
  std::vector<Statement> statements;  // in file order
  std::vector<ParseFailure> failures;
  std::vector<std::pair<std::size_t, std::size_t>> comments;  // [begin, end) of each comment
};

// All tokens of a text (comments dropped; /*! ... */ read as code). A string, quoted identifier
// or comment that does not end stops the tokenizer: *failure says where it started.
std::vector<Token> tokenize_mysql(std::string_view text, ParseFailure* failure = nullptr);

// Splits a file into statements at ';' (or the delimiter set by a DELIMITER line). comments, when
// given, receives the [begin, end) byte spans of the comments (not the /*! executable */ ones).
std::vector<SqlStatement> split_mysql_statements(std::string_view text, ParseFailure* failure = nullptr,
                                                std::vector<std::pair<std::size_t, std::size_t>>* comments = nullptr);

// Splits and parses a whole file. Statements that fail go to failures; parsing goes on with the next.
ParsedFile parse_mysql_file(std::string_view text);

// Upper-cased ASCII copy.
std::string upper_ascii(std::string_view s);
std::string lower_ascii(std::string_view s);

}  // namespace sluice::schema::lint::mysql
