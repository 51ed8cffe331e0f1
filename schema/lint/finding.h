// What `sluice lint` reports: one Finding per problem (or per verdict, for MySQL ALTERs) in a
// migration file, with where it is, what lock it takes and what it blocks, whether the table
// is rewritten or scanned, and the safe way to do it. Plain data, shared by the PostgreSQL
// rules, the MySQL online-DDL classifier, live context and the output formats.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::schema::lint {

enum class Severity { Notice, Warning, Error };

// "notice", "warning", "error".
const char* to_string(Severity s);

struct SourceLocation {
  std::string file;
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

struct Finding {
  std::string rule;  // stable kebab-case id, e.g. "require-concurrent-index-creation"
  Severity severity = Severity::Warning;
  SourceLocation where;
  std::string statement;  // the statement's SQL text, whitespace-trimmed (cut to ~200 bytes)
  std::string message;    // what is wrong, one sentence
  std::string lock;       // lock taken, e.g. "ACCESS EXCLUSIVE" (PostgreSQL) or "SHARED" (MySQL); may be empty
  std::string blocks;     // what the lock blocks: "reads and writes", "writes", "nothing"
  bool rewrites_table = false;
  bool scans_table = false;
  std::string table;      // the main table concerned (schema-qualified when given), may be empty
  std::string column;     // the column concerned, when there is one
  std::string safe_alternative;  // how to do it safely
  std::vector<std::string> notes;  // extra context (live table size, traffic, queries broken, ...)
  // The table is created earlier in the same migration (or by this statement): live context
  // does not look it up.
  bool table_is_new = false;
};

// A file (or statement) that could not be parsed: exit status 2.
struct ParseError {
  SourceLocation where;
  std::string message;  // the parser's message
};

struct LintResult {
  std::vector<Finding> findings;
  std::vector<ParseError> errors;
};

}  // namespace sluice::schema::lint
