#include "sql/column_usage.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace sluice::sql {
namespace {

// "table.column:role" with flags, for compact comparisons: "orders.id:eq", "t.a:range|or",
// "?.x:eq[a,b]" (ambiguous, with candidate tables), "t.c:order#1|desc".
std::string describe(const ColumnUse& u) {
  std::string role;
  switch (u.role) {
    case ColumnRole::Equality: role = "eq"; break;
    case ColumnRole::Range: role = "range"; break;
    case ColumnRole::Join: role = "join"; break;
    case ColumnRole::OrderBy: role = "order#" + std::to_string(u.position); break;
    case ColumnRole::GroupBy: role = "group#" + std::to_string(u.position); break;
  }
  std::string out = (u.table.empty() ? "?" : u.table) + "." + u.column + ":" + role;
  if (u.descending) out += "|desc";
  if (u.in_or) out += "|or";
  if (!u.candidate_tables.empty()) {
    out += "[";
    for (std::size_t i = 0; i < u.candidate_tables.size(); ++i) {
      if (i) out += ",";
      out += u.candidate_tables[i];
    }
    out += "]";
  }
  return out;
}

std::vector<std::string> described(const ColumnUsage& usage) {
  std::vector<std::string> out;
  for (const ColumnUse& u : usage.uses) out.push_back(describe(u));
  return out;
}

struct Case {
  const char* name;
  const char* query;
  std::vector<std::string> uses;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ColumnUsageCases : public ::testing::TestWithParam<Case> {};

TEST_P(ColumnUsageCases, FindsColumnsAndRoles) {
  const Case& c = GetParam();
  ColumnUsage usage = column_usage_postgres(c.query);
  ASSERT_TRUE(usage.parsed) << c.query;
  EXPECT_EQ(described(usage), c.uses) << c.query;
}

const Case kCases[] = {
    {"Equality", "SELECT * FROM orders WHERE customer_id = 42", {"orders.customer_id:eq"}},
    {"EqualityReversed", "SELECT * FROM orders WHERE $1 = customer_id", {"orders.customer_id:eq"}},
    {"EqualityParam", "SELECT * FROM orders WHERE status = $1", {"orders.status:eq"}},
    {"EqualityCastConst", "SELECT * FROM orders WHERE status = 'paid'::text", {"orders.status:eq"}},
    {"RangeOperators",
     "SELECT * FROM orders WHERE a < 1 AND b > $2 AND c <= 3 AND d >= 4",
     {"orders.a:range", "orders.b:range", "orders.c:range", "orders.d:range"}},
    {"RangeAgainstNow", "SELECT * FROM events WHERE created_at > now() - interval '1 day'", {"events.created_at:range"}},
    {"NotEqualIgnored", "SELECT * FROM orders WHERE status <> 'x'", {}},
    {"In", "SELECT * FROM orders WHERE status IN ('a', 'b')", {"orders.status:eq"}},
    {"NotInIgnored", "SELECT * FROM orders WHERE status NOT IN ('a', 'b')", {}},
    {"Any", "SELECT * FROM orders WHERE id = ANY($1)", {"orders.id:eq"}},
    {"AnyArray", "SELECT * FROM orders WHERE id = ANY(ARRAY[1, 2])", {"orders.id:eq"}},
    {"Between", "SELECT * FROM orders WHERE total BETWEEN 10 AND 20", {"orders.total:range"}},
    {"NotBetweenIgnored", "SELECT * FROM orders WHERE total NOT BETWEEN 10 AND 20", {}},
    {"LikePrefix", "SELECT * FROM users WHERE email LIKE 'bob%'", {"users.email:range"}},
    {"LikeLeadingWildcard", "SELECT * FROM users WHERE email LIKE '%bob'", {}},
    {"LikeUnderscoreWildcard", "SELECT * FROM users WHERE email LIKE '_ob'", {}},
    {"IlikeIgnored", "SELECT * FROM users WHERE email ILIKE 'bob%'", {}},
    {"IsNull", "SELECT * FROM jobs WHERE finished_at IS NULL", {"jobs.finished_at:eq"}},
    {"IsNotNullIgnored", "SELECT * FROM jobs WHERE finished_at IS NOT NULL", {}},
    {"FunctionOfColumnIgnored", "SELECT * FROM users WHERE lower(email) = 'a'", {}},
    {"ColumnAgainstExpressionOfColumnIgnored", "SELECT * FROM t WHERE a = b + 1", {}},
    {"Or",
     "SELECT * FROM t WHERE a = 1 AND (b = 2 OR c < 3)",
     {"t.a:eq", "t.b:eq|or", "t.c:range|or"}},
    {"NotIgnored", "SELECT * FROM t WHERE NOT (a = 1)", {}},
    {"QuotedIdentifierKeepsCase", "SELECT * FROM \"Orders\" WHERE \"CustomerId\" = 1", {"Orders.CustomerId:eq"}},
    {"UnquotedFolded", "SELECT * FROM Orders WHERE CustomerId = 1", {"orders.customerid:eq"}},
    {"SchemaQualified", "SELECT * FROM sales.orders WHERE id = 1", {"sales.orders.id:eq"}},
    {"SchemaQualifiedColumn", "SELECT * FROM sales.orders WHERE sales.orders.id = 1 AND orders.x = 2",
     {"sales.orders.id:eq", "sales.orders.x:eq"}},
    {"JoinOnWithAliases",
     "SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id WHERE c.country = 'NL'",
     {"orders.customer_id:join", "customers.id:join", "customers.country:eq"}},
    {"SchemaAlias",
     "SELECT * FROM sales.orders o JOIN public.customers c ON o.customer_id = c.id",
     {"sales.orders.customer_id:join", "public.customers.id:join"}},
    {"ImplicitJoinInWhere",
     "SELECT * FROM orders o, customers c WHERE o.customer_id = c.id AND o.status = $1",
     {"orders.customer_id:join", "customers.id:join", "orders.status:eq"}},
    {"JoinUsing",
     "SELECT * FROM orders JOIN customers USING (customer_id)",
     {"orders.customer_id:join", "customers.customer_id:join"}},
    {"SameRelationNoJoin", "SELECT * FROM t WHERE t.a = t.b", {}},
    {"SelfJoin",
     "SELECT * FROM emp e JOIN emp m ON e.manager_id = m.id",
     {"emp.manager_id:join", "emp.id:join"}},
    {"UnqualifiedTwoTables",
     "SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id WHERE country = 'NL'",
     {"orders.customer_id:join", "customers.id:join", "?.country:eq[orders,customers]"}},
    {"OrderByDesc",
     "SELECT * FROM events WHERE user_id = 1 ORDER BY created_at DESC, id DESC",
     {"events.user_id:eq", "events.created_at:order#0|desc", "events.id:order#1|desc"}},
    {"OrderByMixed",
     "SELECT * FROM events ORDER BY lower(name), created_at",
     {"events.created_at:order#1"}},
    {"OrderByOutputNumberAndAlias",
     "SELECT name AS n, created_at FROM events ORDER BY 2, n DESC",
     {"events.created_at:order#0", "events.name:order#1|desc"}},
    {"GroupBy",
     "SELECT country, city, count(*) FROM customers GROUP BY country, city",
     {"customers.country:group#0", "customers.city:group#1"}},
    {"Distinct", "SELECT DISTINCT country, city FROM customers",
     {"customers.country:group#0", "customers.city:group#1"}},
    {"DistinctOn", "SELECT DISTINCT ON (user_id) * FROM events ORDER BY user_id, at DESC",
     {"events.user_id:group#0", "events.user_id:order#0", "events.at:order#1|desc"}},
    {"ExactDuplicatesRemoved", "SELECT * FROM t WHERE a = 1 AND a = 2", {"t.a:eq"}},
    {"Update", "UPDATE accounts SET balance = balance - 1 WHERE id = $1", {"accounts.id:eq"}},
    {"UpdateFrom",
     "UPDATE accounts a SET x = 1 FROM owners o WHERE a.owner_id = o.id AND o.name = 'z'",
     {"accounts.owner_id:join", "owners.id:join", "owners.name:eq"}},
    {"Delete", "DELETE FROM sessions WHERE expires_at < now()", {"sessions.expires_at:range"}},
    {"DeleteUsing",
     "DELETE FROM items i USING carts c WHERE i.cart_id = c.id AND c.user_id = 5",
     {"items.cart_id:join", "carts.id:join", "carts.user_id:eq"}},
    {"InsertSelect",
     "INSERT INTO archive (id) SELECT id FROM orders WHERE created_at < $1",
     {"orders.created_at:range"}},
    {"InsertValuesNoUses", "INSERT INTO t (a, b) VALUES (1, 2)", {}},
    {"NoFromClause", "SELECT 1", {}},
};

INSTANTIATE_TEST_SUITE_P(ColumnUsage, ColumnUsageCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(ColumnUsage, RoleNames) {
  EXPECT_EQ(to_string(ColumnRole::Equality), "equality");
  EXPECT_EQ(to_string(ColumnRole::Range), "range");
  EXPECT_EQ(to_string(ColumnRole::Join), "join");
  EXPECT_EQ(to_string(ColumnRole::OrderBy), "order-by");
  EXPECT_EQ(to_string(ColumnRole::GroupBy), "group-by");
}

TEST(ColumnUsage, ParseFailureGivesNothing) {
  ColumnUsage usage = column_usage_postgres("SELEC * FROM orders WHERE id = 1");
  EXPECT_FALSE(usage.parsed);
  EXPECT_TRUE(usage.uses.empty());
  EXPECT_TRUE(usage.tables.empty());
  EXPECT_FALSE(column_usage_postgres(std::string("SELECT 1\0 FROM t", 16)).parsed);
}

TEST(ColumnUsage, NonDmlParsesWithoutUses) {
  ColumnUsage usage = column_usage_postgres("CREATE TABLE t (a int)");
  EXPECT_TRUE(usage.parsed);
  EXPECT_TRUE(usage.uses.empty());
}

TEST(ColumnUsage, TablesListedOnceInOrderWithoutCtes) {
  ColumnUsage usage = column_usage_postgres(
      "WITH recent AS (SELECT * FROM orders WHERE created_at > $1) "
      "SELECT * FROM recent r JOIN customers c ON r.customer_id = c.id "
      "JOIN orders o2 ON o2.id = r.id");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(usage.tables, (std::vector<std::string>{"orders", "customers"}));
}

TEST(ColumnUsage, CteAndSubqueryColumnsAreNotTables) {
  ColumnUsage usage = column_usage_postgres(
      "WITH w AS (SELECT * FROM t WHERE a = 1) "
      "SELECT * FROM w, (SELECT * FROM u WHERE b = 2) sq WHERE w.id = sq.id AND w.x = 3");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"t.a:eq", "u.b:eq"}));
  // The WITH query and the subquery are levels of their own, below the outermost one.
  ASSERT_EQ(usage.uses.size(), 2u);
  EXPECT_NE(usage.uses[0].scope, 0);
  EXPECT_NE(usage.uses[1].scope, 0);
  EXPECT_NE(usage.uses[0].scope, usage.uses[1].scope);
}

TEST(ColumnUsage, UnqualifiedWithOneTableAmongSubqueries) {
  ColumnUsage usage =
      column_usage_postgres("SELECT * FROM orders o, (SELECT 1 AS one) s WHERE status = 'x'");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"?.status:eq[orders]"}));
}

TEST(ColumnUsage, SubqueryLevelsAndCorrelation) {
  ColumnUsage usage = column_usage_postgres(
      "SELECT * FROM customers c WHERE c.country = 'NL' AND EXISTS "
      "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.total > 100)");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"customers.country:eq", "orders.customer_id:join",
                                                        "customers.id:join", "orders.total:range"}));
  EXPECT_EQ(usage.uses[0].scope, 0);
  EXPECT_EQ(usage.uses[1].scope, 1);
  EXPECT_EQ(usage.uses[3].scope, 1);
}

TEST(ColumnUsage, InSubqueryIsSemiJoin) {
  ColumnUsage usage =
      column_usage_postgres("SELECT * FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE vip)");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"orders.customer_id:join", "customers.id:join"}));
  EXPECT_EQ(usage.uses[0].scope, 0);
  EXPECT_EQ(usage.uses[1].scope, 1);
}

TEST(ColumnUsage, UnionBranchesAreSeparateLevels) {
  ColumnUsage usage = column_usage_postgres(
      "SELECT id FROM a WHERE x = 1 UNION ALL SELECT id FROM b WHERE y < 2 ORDER BY id");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"a.x:eq", "b.y:range"}));
  EXPECT_EQ(usage.uses[0].scope, 0);
  EXPECT_EQ(usage.uses[1].scope, 1);
  EXPECT_EQ(usage.tables, (std::vector<std::string>{"a", "b"}));
}

TEST(ColumnUsage, FromSubqueryAndLateral) {
  ColumnUsage usage = column_usage_postgres(
      "SELECT * FROM users u, LATERAL (SELECT * FROM posts p WHERE p.user_id = u.id ORDER BY p.at DESC LIMIT 3) x "
      "WHERE u.active = true");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"posts.user_id:join", "users.id:join",
                                                        "posts.at:order#0|desc", "users.active:eq"}));
}

TEST(ColumnUsage, JoinAgainstSubqueryKeepsTableSide) {
  ColumnUsage usage = column_usage_postgres(
      "SELECT * FROM orders o JOIN (SELECT customer_id FROM vip) v ON o.customer_id = v.customer_id");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"orders.customer_id:join"}));
}

TEST(ColumnUsage, ScalarSubqueryInTargetListAndSet) {
  ColumnUsage usage = column_usage_postgres(
      "UPDATE t SET total = (SELECT sum(v) FROM items WHERE items.t_id = t.id) WHERE t.dirty IS NULL");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage),
            (std::vector<std::string>{"items.t_id:join", "t.id:join", "t.dirty:eq"}));
}

TEST(ColumnUsage, AmbiguousColumnsInJoinCondition) {
  ColumnUsage usage = column_usage_postgres("SELECT * FROM a, b WHERE x = y");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"?.x:join[a,b]", "?.y:join[a,b]"}));
}

TEST(ColumnUsage, ExplainIsWalked) {
  ColumnUsage usage = column_usage_postgres("EXPLAIN SELECT * FROM t WHERE a = 1");
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"t.a:eq"}));
}

TEST(ColumnUsage, DeepNestingDoesNotCrash) {
  std::string q = "SELECT * FROM t WHERE ";
  for (int i = 0; i < 200; ++i) q += "(a = 1 OR ";
  q += "b = 2";
  for (int i = 0; i < 200; ++i) q += ")";
  ColumnUsage usage = column_usage_postgres(q);
  ASSERT_TRUE(usage.parsed);
  EXPECT_EQ(described(usage), (std::vector<std::string>{"t.a:eq|or", "t.b:eq|or"}));
}

}  // namespace
}  // namespace sluice::sql

namespace sluice::sql {
namespace {

TEST(ColumnUsageUpdated, SetTargetsOfAnUpdateInOrder) {
  ColumnUsage u = column_usage_postgres("UPDATE orders SET status = 'x', total = total + 1, status = 'y' WHERE id = 3");
  EXPECT_EQ(u.updated_columns, (std::vector<std::string>{"status", "total"}));
  EXPECT_TRUE(column_usage_postgres("SELECT status FROM orders WHERE id = 1").updated_columns.empty());
  EXPECT_TRUE(column_usage_postgres("INSERT INTO orders (status) VALUES ('a')").updated_columns.empty());
}

}  // namespace
}  // namespace sluice::sql
