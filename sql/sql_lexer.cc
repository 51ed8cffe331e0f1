#include "sql/sql_lexer.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace sluice::sql {
namespace {

constexpr std::array<std::string_view, 158> kKeywords = {
    "ABORT", "ALL", "ALTER", "ANALYSE", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "ASYMMETRIC",
    "BEGIN", "BETWEEN", "BOTH", "BY", "CALL", "CASE", "CAST", "CHECK", "CHECKPOINT", "CLOSE",
    "CLUSTER", "COLLATE", "COLUMN", "COMMENT", "COMMIT", "CONCURRENTLY", "CONFLICT", "CONSTRAINT",
    "COPY", "CREATE", "CROSS", "CUBE", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
    "CURRENT_USER", "DEALLOCATE", "DECLARE", "DEFAULT", "DELETE", "DESC", "DISCARD", "DISTINCT", "DO",
    "DROP", "ELSE", "END", "EXCEPT", "EXECUTE", "EXISTS", "EXPLAIN", "FALSE", "FETCH", "FILTER", "FOR",
    "FOREIGN", "FROM", "FULL", "GRANT", "GROUP", "GROUPING", "HAVING", "IF", "ILIKE", "IN", "INDEX",
    "INNER", "INSERT", "INTERSECT", "INTERVAL", "INTO", "IS", "ISNULL", "JOIN", "LATERAL", "LEADING",
    "LEFT", "LIKE", "LIMIT", "LISTEN", "LOAD", "LOCK", "LOCKED", "MATCHED", "MATERIALIZED", "MERGE",
    "MOVE", "NATURAL", "NOT", "NOTHING", "NOTIFY", "NOTNULL", "NOWAIT", "NULL", "NULLS", "OF",
    "OFFSET", "ON", "ONLY", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PREPARE", "PRIMARY",
    "RECURSIVE", "REFERENCES", "REFRESH", "REINDEX", "RELEASE", "RESET", "RETURNING", "REVOKE",
    "RIGHT", "ROLLBACK", "ROLLUP", "ROW", "ROWS", "SAVEPOINT", "SCHEMA", "SELECT", "SEQUENCE",
    "SESSION_USER", "SET", "SETS", "SHARE", "SHOW", "SIMILAR", "SKIP", "SOME", "START", "STDIN", "STDOUT", "SYMMETRIC",
    "TABLE", "TABLESAMPLE", "THEN", "TO", "TRAILING", "TRANSACTION", "TRUE", "TRUNCATE", "UNION",
    "UNIQUE", "UNLISTEN", "UPDATE", "USER", "USING", "VACUUM", "VALUES", "VIEW", "WHEN", "WHERE",
    "WINDOW", "WITH", "WITHIN",
};
static_assert(std::is_sorted(kKeywords.begin(), kKeywords.end()), "kKeywords must stay sorted for binary search");

constexpr std::size_t kLongestKeyword = 17;  // CURRENT_TIMESTAMP

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_high(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || is_high(c); }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c) || c == '$'; }
bool is_tag_char(char c) { return is_ident_start(c) || is_digit(c); }  // dollar-quote tags have no '$'
bool is_op_char(char c) {
  switch (c) {
    case '+': case '-': case '*': case '/': case '<': case '>': case '=': case '~': case '!':
    case '@': case '#': case '%': case '^': case '&': case '|': case '`': case '?':
      return true;
    default:
      return false;
  }
}
// PostgreSQL: an operator of several characters may end in '+' or '-' only if it contains one of these.
bool allows_trailing_sign(char c) {
  switch (c) {
    case '~': case '!': case '@': case '#': case '%': case '^': case '&': case '|': case '`': case '?':
      return true;
    default:
      return false;
  }
}
char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

}  // namespace

bool word_equals(std::string_view word, std::string_view upper_keyword) {
  if (word.size() != upper_keyword.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (upper(word[i]) != upper_keyword[i]) return false;
  }
  return true;
}

bool is_keyword(std::string_view word) {
  if (word.empty() || word.size() > kLongestKeyword) return false;
  std::array<char, kLongestKeyword> buf{};
  for (std::size_t i = 0; i < word.size(); ++i) buf[i] = upper(word[i]);
  return std::binary_search(kKeywords.begin(), kKeywords.end(), std::string_view(buf.data(), word.size()));
}

Token SqlLexer::make(TokenKind kind, std::size_t start, std::size_t end, bool terminated) const {
  return Token{kind, query_.substr(start, end - start), start, terminated};
}

bool SqlLexer::next(Token& token) {
  const std::size_t n = query_.size();
  while (pos_ < n && is_space(query_[pos_])) ++pos_;
  if (pos_ >= n) return false;

  const std::size_t start = pos_;
  const char c = query_[start];
  const char c1 = start + 1 < n ? query_[start + 1] : '\0';
  const char c2 = start + 2 < n ? query_[start + 2] : '\0';

  if (c == '-' && c1 == '-') {
    std::size_t end = query_.find('\n', start);
    if (end == std::string_view::npos) end = n;
    token = make(TokenKind::Comment, start, end);
  } else if (c == '/' && c1 == '*') {
    // Block comments nest in PostgreSQL.
    std::size_t i = start + 2;
    int depth = 1;
    while (i < n && depth > 0) {
      if (query_[i] == '/' && i + 1 < n && query_[i + 1] == '*') {
        ++depth;
        i += 2;
      } else if (query_[i] == '*' && i + 1 < n && query_[i + 1] == '/') {
        --depth;
        i += 2;
      } else {
        ++i;
      }
    }
    token = make(TokenKind::Comment, start, std::min(i, n), depth == 0);
  } else if (c == '\'') {
    token = lex_quoted(start, start + 1, '\'', false, TokenKind::String);
  } else if (c == '"') {
    token = lex_quoted(start, start + 1, '"', false, TokenKind::QuotedIdentifier);
  } else if ((c == 'e' || c == 'E') && c1 == '\'') {
    token = lex_quoted(start, start + 2, '\'', true, TokenKind::String);
  } else if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && c1 == '\'') {
    token = lex_quoted(start, start + 2, '\'', false, TokenKind::String);
  } else if ((c == 'u' || c == 'U') && c1 == '&' && (c2 == '\'' || c2 == '"')) {
    token = lex_quoted(start, start + 3, c2, false, c2 == '\'' ? TokenKind::String : TokenKind::QuotedIdentifier);
  } else if (is_ident_start(c)) {
    std::size_t i = start + 1;
    while (i < n && is_ident_char(query_[i])) ++i;
    token = make(TokenKind::Word, start, i);
  } else if (c == '$' && is_digit(c1)) {
    std::size_t i = start + 1;
    while (i < n && is_digit(query_[i])) ++i;
    token = make(TokenKind::Parameter, start, i);
  } else if (c == '$') {
    // $$...$$ or $tag$...$tag$; the tag does not start with a digit (that is a parameter).
    std::size_t i = start + 1;
    while (i < n && is_tag_char(query_[i])) ++i;
    if (i < n && query_[i] == '$') {
      token = lex_dollar_quoted(start, i);
    } else {
      token = make(TokenKind::Other, start, start + 1);
    }
  } else if (is_digit(c) || (c == '.' && is_digit(c1))) {
    token = lex_number(start);
  } else if (c == ':' && c1 == ':') {
    token = make(TokenKind::Punctuation, start, start + 2);
  } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || c == ';' || c == '.' || c == ':') {
    token = make(TokenKind::Punctuation, start, start + 1);
  } else if (is_op_char(c)) {
    token = lex_operator(start);
  } else {
    token = make(TokenKind::Other, start, start + 1);
  }
  pos_ = token.offset + token.text.size();
  return true;
}

Token SqlLexer::lex_quoted(std::size_t start, std::size_t body, char quote, bool backslash_escapes,
                           TokenKind kind) {
  const std::size_t n = query_.size();
  std::size_t i = body;
  while (i < n) {
    const char ch = query_[i];
    if (backslash_escapes && ch == '\\') {
      i += 2;
      continue;
    }
    if (ch == quote) {
      if (i + 1 < n && query_[i + 1] == quote) {  // doubled quote inside
        i += 2;
        continue;
      }
      return make(kind, start, i + 1);
    }
    ++i;
  }
  return make(kind, start, n, false);
}

Token SqlLexer::lex_dollar_quoted(std::size_t start, std::size_t tag_end) {
  const std::string_view tag = query_.substr(start, tag_end + 1 - start);  // "$tag$" or "$$"
  const std::size_t close = query_.find(tag, tag_end + 1);
  if (close == std::string_view::npos) return make(TokenKind::String, start, query_.size(), false);
  return make(TokenKind::String, start, close + tag.size());
}

Token SqlLexer::lex_number(std::size_t start) {
  const std::size_t n = query_.size();
  std::size_t i = start;
  while (i < n && is_digit(query_[i])) ++i;
  // A fraction, but not the ".." of a range such as 1..10.
  if (i < n && query_[i] == '.' && !(i + 1 < n && query_[i + 1] == '.')) {
    ++i;
    while (i < n && is_digit(query_[i])) ++i;
  }
  if (i < n && (query_[i] == 'e' || query_[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < n && (query_[j] == '+' || query_[j] == '-')) ++j;
    if (j < n && is_digit(query_[j])) {
      while (j < n && is_digit(query_[j])) ++j;
      i = j;
    }
  }
  return make(TokenKind::Number, start, i);
}

Token SqlLexer::lex_operator(std::size_t start) {
  const std::size_t n = query_.size();
  std::size_t i = start;
  bool special = false;
  while (i < n && is_op_char(query_[i])) {
    // A comment start ends the operator (but not at its first character: "--" and "/*" were
    // already taken as comments by next()).
    if (i > start && i + 1 < n &&
        ((query_[i] == '-' && query_[i + 1] == '-') || (query_[i] == '/' && query_[i + 1] == '*'))) {
      break;
    }
    special = special || allows_trailing_sign(query_[i]);
    ++i;
  }
  if (!special) {
    while (i - start > 1 && (query_[i - 1] == '+' || query_[i - 1] == '-')) --i;
  }
  return make(TokenKind::Operator, start, i);
}

std::vector<Token> tokenize(std::string_view query) {
  std::vector<Token> tokens;
  SqlLexer lexer(query);
  Token token{};
  while (lexer.next(token)) tokens.push_back(token);
  return tokens;
}

}  // namespace sluice::sql
