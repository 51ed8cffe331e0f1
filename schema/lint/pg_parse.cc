#include "schema/lint/pg_parse.h"

#include <algorithm>
#include <cctype>

#include "sql/parse_tree.h"
#include "sql/sql_lexer.h"

namespace sluice::schema::lint {

namespace {

std::size_t as_offset(const nlohmann::json& node, const char* key, std::size_t fallback) {
  auto it = node.find(key);
  if (it == node.end() || !it->is_number_integer()) return fallback;
  return static_cast<std::size_t>(std::max<int64_t>(0, it->get<int64_t>()));
}

}  // namespace

std::optional<ParseError> parse_pg_file(MigrationFile& file, PgParseTree& out) {
  const std::string& text = file.text();
  sql::parse_tree::ExplainedParse parsed = sql::parse_tree::parse_postgres_explained(text);
  if (!parsed.error.empty()) {
    std::size_t offset = parsed.cursor > 0 ? byte_offset_of_char(text, parsed.cursor) : 0;
    return ParseError{file.location(offset), parsed.error};
  }
  out.tree = std::move(parsed.tree);

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
