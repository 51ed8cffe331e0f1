#include "sql/sql_lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {
namespace {

struct Expected {
  TokenKind kind;
  std::string_view text;
};

void expect_tokens(std::string_view query, const std::vector<Expected>& expected) {
  const std::vector<Token> tokens = tokenize(query);
  ASSERT_EQ(tokens.size(), expected.size()) << query;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(tokens[i].kind, expected[i].kind) << query << " token " << i;
    EXPECT_EQ(tokens[i].text, expected[i].text) << query << " token " << i;
    EXPECT_EQ(query.substr(tokens[i].offset, tokens[i].text.size()), tokens[i].text);
  }
}

using K = TokenKind;

TEST(SqlLexer, WordsNumbersOperatorsPunctuation) {
  expect_tokens("SELECT a.b, 42, 3.14, .5, 1e-3 FROM t WHERE x>=1;",
                {{K::Word, "SELECT"}, {K::Word, "a"}, {K::Punctuation, "."}, {K::Word, "b"}, {K::Punctuation, ","},
                 {K::Number, "42"}, {K::Punctuation, ","}, {K::Number, "3.14"}, {K::Punctuation, ","},
                 {K::Number, ".5"}, {K::Punctuation, ","}, {K::Number, "1e-3"}, {K::Word, "FROM"}, {K::Word, "t"},
                 {K::Word, "WHERE"}, {K::Word, "x"}, {K::Operator, ">="}, {K::Number, "1"}, {K::Punctuation, ";"}});
}

TEST(SqlLexer, Strings) {
  expect_tokens("'it''s' E'a\\'b' B'01' X'ff' N'n' U&'u' $$d'o$$ $f$x$$y$f$",
                {{K::String, "'it''s'"}, {K::String, "E'a\\'b'"}, {K::String, "B'01'"}, {K::String, "X'ff'"},
                 {K::String, "N'n'"}, {K::String, "U&'u'"}, {K::String, "$$d'o$$"}, {K::String, "$f$x$$y$f$"}});
}

TEST(SqlLexer, StandardStringsDoNotEscapeWithBackslash) {
  expect_tokens("'a\\' b", {{K::String, "'a\\'"}, {K::Word, "b"}});
}

TEST(SqlLexer, QuotedIdentifiersParametersCasts) {
  expect_tokens("\"My \"\"T\"\".x\" $1 $23 a::int U&\"q\"",
                {{K::QuotedIdentifier, "\"My \"\"T\"\".x\""}, {K::Parameter, "$1"}, {K::Parameter, "$23"},
                 {K::Word, "a"}, {K::Punctuation, "::"}, {K::Word, "int"}, {K::QuotedIdentifier, "U&\"q\""}});
}

TEST(SqlLexer, Comments) {
  expect_tokens("a -- x\n/* b /* c */ d */ e",
                {{K::Word, "a"}, {K::Comment, "-- x"}, {K::Comment, "/* b /* c */ d */"}, {K::Word, "e"}});
  expect_tokens("a+-- x\nb", {{K::Word, "a"}, {K::Operator, "+"}, {K::Comment, "-- x"}, {K::Word, "b"}});
}

TEST(SqlLexer, OperatorsFollowPostgresRulesForTrailingSigns) {
  expect_tokens("a=-1", {{K::Word, "a"}, {K::Operator, "="}, {K::Operator, "-"}, {K::Number, "1"}});
  expect_tokens("a @- b", {{K::Word, "a"}, {K::Operator, "@-"}, {K::Word, "b"}});
  expect_tokens("j->>'k'", {{K::Word, "j"}, {K::Operator, "->>"}, {K::String, "'k'"}});
}

TEST(SqlLexer, UnterminatedTokensRunToTheEnd) {
  for (std::string_view q : {"'abc", "E'abc\\", "\"abc", "$$abc", "$t$abc$t", "/* abc /* */"}) {
    const std::vector<Token> tokens = tokenize(q);
    ASSERT_EQ(tokens.size(), 1u) << q;
    EXPECT_FALSE(tokens[0].terminated) << q;
    EXPECT_EQ(tokens[0].text, q);
  }
}

TEST(SqlLexer, UnknownBytesAreOtherTokens) {
  expect_tokens("a \\ $ b", {{K::Word, "a"}, {K::Other, "\\"}, {K::Other, "$"}, {K::Word, "b"}});
  expect_tokens(std::string_view("a\0b", 3), {{K::Word, "a"}, {K::Other, std::string_view("\0", 1)}, {K::Word, "b"}});
}

TEST(SqlLexer, Keywords) {
  EXPECT_TRUE(is_keyword("select"));
  EXPECT_TRUE(is_keyword("SeLeCt"));
  EXPECT_TRUE(is_keyword("CURRENT_TIMESTAMP"));
  EXPECT_FALSE(is_keyword("users"));
  EXPECT_FALSE(is_keyword(""));
  EXPECT_FALSE(is_keyword("a_very_long_identifier_name"));
  EXPECT_TRUE(word_equals("from", "FROM"));
  EXPECT_FALSE(word_equals("fro", "FROM"));
}

}  // namespace
}  // namespace sluice::sql
