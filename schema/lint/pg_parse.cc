#include "schema/lint/pg_parse.h"

#include <pg_query.h>

#include <algorithm>
#include <cctype>

#include "sql/sql_lexer.h"

namespace sluice::schema::lint {

namespace {

// Owns a parse result and frees it on every path.
class ParseResult {
 public:
  explicit ParseResult(const std::string& text) : r_(pg_query_parse(text.c_str())) {}
  ~ParseResult() { pg_query_free_parse_result(r_); }
  ParseResult(const ParseResult&) = delete;
  ParseResult& operator=(const ParseResult&) = delete;
  const PgQueryParseResult& get() const { return r_; }

 private:
  PgQueryParseResult r_;
};

std::size_t as_offset(const nlohmann::json& node, const char* key, std::size_t fallback) {
  auto it = node.find(key);
  if (it == node.end() || !it->is_number_integer()) return fallback;
  return static_cast<std::size_t>(std::max<int64_t>(0, it->get<int64_t>()));
}

}  // namespace

std::optional<ParseError> parse_pg_file(MigrationFile& file, PgParseTree& out) {
  const std::string& text = file.text();
  ParseResult result(text);
  if (result.get().error != nullptr) {
    const PgQueryError& e = *result.get().error;
    std::size_t offset = e.cursorpos > 0 ? byte_offset_of_char(text, e.cursorpos) : 0;
    return ParseError{file.location(offset), e.message != nullptr ? e.message : "syntax error"};
  }
  try {
    out.tree = nlohmann::json::parse(result.get().parse_tree);
  } catch (const nlohmann::json::exception& e) {
    return ParseError{file.location(0), std::string("cannot read libpg_query's parse tree: ") + e.what()};
  }

  // Comments (for directives and to find where each statement really starts).
  std::vector<sql::Token> tokens = sql::tokenize(text);
  std::vector<CommentSpan> comments;
  std::vector<std::size_t> code_offsets;  // offsets of tokens that are not comments nor ';'
  std::vector<std::size_t> code_ends;     // where each of them ends
  code_offsets.reserve(tokens.size());
  code_ends.reserve(tokens.size());
  for (const sql::Token& t : tokens) {
    if (t.kind == sql::TokenKind::Comment) {
      comments.push_back(CommentSpan{t.offset, t.text});
    } else if (!(t.kind == sql::TokenKind::Punctuation && t.text == ";")) {
      code_offsets.push_back(t.offset);
      code_ends.push_back(t.offset + t.text.size());
    }
  }

  std::vector<StatementSpan> spans;
  out.statements.clear();
  auto stmts = out.tree.find("stmts");
  if (stmts != out.tree.end() && stmts->is_array()) {
    for (const nlohmann::json& raw : *stmts) {
      auto node = raw.find("stmt");
      if (node == raw.end()) continue;
      std::size_t location = std::min(as_offset(raw, "stmt_location", 0), text.size());
      std::size_t length = as_offset(raw, "stmt_len", text.size() - location);  // 0/absent: to the end
      if (length == 0) length = text.size() - location;
      std::size_t end = std::min(location + length, text.size());
      auto first = std::lower_bound(code_offsets.begin(), code_offsets.end(), location);
      auto last = std::lower_bound(code_offsets.begin(), code_offsets.end(), end);
      std::size_t begin = location;
      if (first != code_offsets.end() && *first < end) {
        begin = *first;
        end = code_ends[static_cast<std::size_t>(last - code_offsets.begin()) - 1];
      }
      spans.push_back(StatementSpan{begin, end, {}});
      out.statements.push_back(&*node);
    }
  }
  file.set_statements(std::move(spans), find_ignore_directives(file.lines(), comments));
  return std::nullopt;
}

}  // namespace sluice::schema::lint
