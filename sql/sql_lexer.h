// A small SQL lexer of our own for the PostgreSQL dialect: it splits query text into tokens
// (words, quoted identifiers, string and number constants, parameters, operators, punctuation,
// comments) without understanding grammar. It is what the fallback fingerprint and the
// keyword-based statement kind use when libpg_query cannot parse a query, so it never fails:
// an unterminated string or comment simply runs to the end of the text.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace sluice::sql {

enum class TokenKind {
  Word,              // keyword or unquoted identifier: select, t, my_table
  QuotedIdentifier,  // "My Table", U&"d\0061t\+000061"
  String,            // 'x', E'x\n', B'101', X'ff', N'x', U&'x', $$x$$, $tag$x$tag$
  Number,            // 42, 3.14, .5, 1e-3
  Parameter,         // $1
  Operator,          // = <> >= || ->> ~* - + ...
  Punctuation,       // ( ) [ ] , ; . : ::
  Comment,           // -- to end of line, /* nested */
  Other,             // any byte the lexer does not know (e.g. a stray backslash)
};

struct Token {
  TokenKind kind;
  std::string_view text;  // a view into the lexed query
  std::size_t offset;     // byte offset of text in the query
  bool terminated = true; // false for a string, quoted identifier or comment cut by the end
};

// Pull-style lexer: call next() until it returns false. Whitespace is skipped; comments are
// returned as tokens so a caller may keep or drop them.
class SqlLexer {
 public:
  explicit SqlLexer(std::string_view query) : query_(query) {}

  bool next(Token& token);

 private:
  Token lex_quoted(std::size_t start, std::size_t body, char quote, bool backslash_escapes, TokenKind kind);
  Token lex_dollar_quoted(std::size_t start, std::size_t tag_end);
  Token lex_number(std::size_t start);
  Token lex_operator(std::size_t start);
  Token make(TokenKind kind, std::size_t start, std::size_t end, bool terminated = true) const;

  std::string_view query_;
  std::size_t pos_ = 0;
};

// All tokens of a query, comments included.
std::vector<Token> tokenize(std::string_view query);

// True for the words PostgreSQL reserves or that commonly start and shape statements
// (SELECT, FROM, WHERE, IN, ...). Case-insensitive. Used to tell keywords from identifiers
// in the fallback paths: upper-case them in normalized text, recognise a unary minus.
bool is_keyword(std::string_view word);

// ASCII case-insensitive comparison of a word against an upper-case keyword.
bool word_equals(std::string_view word, std::string_view upper_keyword);

}  // namespace sluice::sql
