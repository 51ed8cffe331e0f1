// One migration file as text: byte offsets to line:column, the statements' spans, and the
// `-- sluice:ignore` directives written in its comments. Dialect-neutral: the PostgreSQL parser
// (pg_parse.h) fills in the spans; the ignore directives are attached to them here.
//
// Directives (in `--` or `/* */` comments, rule ids separated by spaces or commas):
//   -- sluice:ignore rule-a, rule-b   the statement that follows (or, written on the line where a
//                                     statement ends, that statement); no rule id = every rule
//   -- sluice:ignore-file rule-a      the whole file; no rule id = every rule
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "schema/lint/finding.h"

namespace sluice::schema::lint {

// Byte offset -> 1-based line and column (column in bytes).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  int line_of(std::size_t offset) const;
  int column_of(std::size_t offset) const;

 private:
  std::vector<std::size_t> starts_;  // byte offset where each line starts
};

// Offset in bytes of a 1-based character position (libpg_query reports cursorpos in characters
// of the UTF-8 text). Positions past the end give text.size().
std::size_t byte_offset_of_char(std::string_view text, int char_position);

// A set of rule ids, or every rule.
struct RuleSet {
  bool all = false;
  std::set<std::string> ids;
  bool contains(std::string_view rule) const { return all || ids.count(std::string(rule)) != 0; }
  bool empty() const { return !all && ids.empty(); }
};

struct IgnoreDirective {
  std::size_t offset = 0;  // of the comment
  int line = 1;
  bool file_level = false;
  RuleSet rules;
};

// A comment as a lexer of the dialect found it (so `'-- sluice:ignore'` inside a string does not
// count): its offset in the file and its text, delimiters included.
struct CommentSpan {
  std::size_t offset = 0;
  std::string_view text;
};

// The directives among the comments.
std::vector<IgnoreDirective> find_ignore_directives(const LineIndex& lines, const std::vector<CommentSpan>& comments);

struct StatementSpan {
  std::size_t begin = 0;  // first byte of the statement (after leading blanks and comments)
  std::size_t end = 0;    // one past its last byte (before the ';')
  RuleSet ignored;        // rules ignored for this statement by directives
};

class MigrationFile {
 public:
  MigrationFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  const LineIndex& lines() const { return lines_; }

  SourceLocation location(std::size_t offset) const;
  // The statement's text, trimmed, cut to about 200 bytes on a UTF-8 boundary.
  std::string excerpt(const StatementSpan& span) const;

  // Spans in text order; set_statements attaches the ignore directives to them.
  void set_statements(std::vector<StatementSpan> spans, const std::vector<IgnoreDirective>& directives);
  const std::vector<StatementSpan>& statements() const { return statements_; }
  const RuleSet& ignored_in_file() const { return file_ignored_; }

  // Whether `rule` is ignored at statement `index` (or in the whole file).
  bool is_ignored(std::string_view rule, std::size_t index) const;

 private:
  std::string path_;
  std::string text_;
  LineIndex lines_;
  std::vector<StatementSpan> statements_;
  RuleSet file_ignored_;
};

}  // namespace sluice::schema::lint
