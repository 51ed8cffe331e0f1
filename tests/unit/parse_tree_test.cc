#include "sql/parse_tree.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::sql::parse_tree {
namespace {

TEST(ParseTree, ReadsTheTreeAndItsFields) {
  const Json tree = parse_postgres("SELECT a FROM t WHERE b = 'x' LIMIT 5");
  ASSERT_FALSE(tree.is_discarded());
  const Json* stmts = array_field(tree, "stmts");
  ASSERT_NE(stmts, nullptr);
  ASSERT_EQ(stmts->size(), 1u);
  const Json* select = as(*field((*stmts)[0], "stmt"), "SelectStmt");
  ASSERT_NE(select, nullptr);
  EXPECT_TRUE(string_field_is(*select, "limitOption", "LIMIT_OPTION_COUNT"));
  const Json* from = array_field(*select, "fromClause");
  ASSERT_NE(from, nullptr);
  EXPECT_EQ(*string_field(unwrap((*from)[0], "RangeVar"), "relname"), "t");
  EXPECT_TRUE(bool_field(unwrap((*from)[0], "RangeVar"), "inh"));
  EXPECT_GT(int_field(unwrap((*from)[0], "RangeVar"), "location"), 0);
  // Absent fields and fields of another type read as nothing.
  EXPECT_EQ(field(*select, "no_such_field"), nullptr);
  EXPECT_EQ(string_field(*select, "fromClause"), nullptr);
  EXPECT_EQ(int_field(*select, "limitOption"), 0);
  EXPECT_EQ(as(*select, "RangeVar"), nullptr);
  EXPECT_EQ(field(Json::array(), "x"), nullptr);
}

TEST(ParseTree, SaysWhyThereIsNoTree) {
  ExplainedParse bad = parse_postgres_explained("SELECT FROM WHERE ;;; x y z");
  EXPECT_TRUE(bad.tree.is_discarded());
  EXPECT_NE(bad.error.find("syntax error"), std::string::npos) << bad.error;
  EXPECT_GT(bad.cursor, 0);

  // A NUL byte would cut the text for libpg_query: refused, pointing at it (in characters).
  const std::string with_nul = std::string("SELECT 'é', 1") + '\0' + "2";
  ExplainedParse nul = parse_postgres_explained(with_nul);
  EXPECT_TRUE(nul.tree.is_discarded());
  EXPECT_EQ(nul.error, "NUL byte in the text");
  EXPECT_EQ(nul.cursor, 14);  // 13 characters before it ('é' is two bytes, one character)
  EXPECT_TRUE(parse_postgres(with_nul).is_discarded());

  ExplainedParse good = parse_postgres_explained("SELECT 1");
  EXPECT_TRUE(good.error.empty());
  EXPECT_FALSE(good.tree.is_discarded());
}

}  // namespace
}  // namespace sluice::sql::parse_tree
