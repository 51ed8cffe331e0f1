#include "sql/statement_info.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {
namespace {

using Tables = std::vector<std::string>;
using K = StatementKind;

struct Case {
  std::string_view query;
  StatementKind kind;
  Tables tables;
};

// Statements PostgreSQL 15 parses.
const Case kParsedCases[] = {
    {"SELECT * FROM t WHERE a = 1", K::Read, {"t"}},
    {"SELECT a.x, b.y FROM a JOIN s.b ON a.id = b.id LEFT JOIN c USING (id)", K::Read, {"a", "s.b", "c"}},
    {"SELECT * FROM orders WHERE customer_id IN (SELECT id FROM customers WHERE region = 'eu')", K::Read,
     {"orders", "customers"}},
    {"SELECT * FROM t1 t JOIN t1 u ON t.id = u.parent", K::Read, {"t1"}},
    {"SELECT * FROM a UNION ALL SELECT * FROM b ORDER BY 1", K::Read, {"a", "b"}},
    {"SELECT * FROM \"Mixed\".\"Case\", Plain", K::Read, {"Mixed.Case", "plain"}},
    {"SELECT 1", K::Read, {}},
    {"VALUES (1), (2)", K::Read, {}},
    {"WITH recent AS (SELECT * FROM events) SELECT * FROM recent JOIN users ON users.id = recent.uid", K::Read,
     {"events", "users"}},
    {"WITH RECURSIVE tree AS (SELECT id FROM nodes WHERE parent IS NULL UNION ALL "
     "SELECT n.id FROM nodes n JOIN tree ON n.parent = tree.id) SELECT * FROM tree",
     K::Read, {"nodes"}},
    {"SELECT * FROM t FOR UPDATE", K::Write, {"t"}},
    {"SELECT * FROM (SELECT * FROM t FOR SHARE) s", K::Write, {"t"}},
    {"SELECT * INTO backup FROM t", K::Write, {"backup", "t"}},
    {"WITH moved AS (DELETE FROM queue WHERE id < 10 RETURNING *) INSERT INTO archive SELECT * FROM moved",
     K::Write, {"queue", "archive"}},
    {"WITH ins AS (INSERT INTO log (msg) VALUES ('x') RETURNING id) SELECT * FROM ins", K::Write, {"log"}},
    {"INSERT INTO public.users (name) VALUES ('a') ON CONFLICT (name) DO NOTHING", K::Write, {"public.users"}},
    {"UPDATE accounts SET balance = balance - 1 FROM branches WHERE accounts.bid = branches.bid", K::Write,
     {"accounts", "branches"}},
    {"DELETE FROM sessions WHERE expires < now()", K::Write, {"sessions"}},
    {"MERGE INTO target t USING source s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v", K::Write,
     {"target", "source"}},
    {"COPY t FROM STDIN", K::Write, {"t"}},
    {"COPY t TO STDOUT", K::Read, {"t"}},
    {"CALL refresh_totals()", K::Write, {}},
    {"CREATE TABLE s.items (id int PRIMARY KEY, name text)", K::Ddl, {"s.items"}},
    {"CREATE INDEX items_name ON items (name)", K::Ddl, {"items"}},
    {"ALTER TABLE items ADD COLUMN price numeric", K::Ddl, {"items"}},
    {"DROP TABLE a, s.b", K::Ddl, {"a", "s.b"}},
    {"TRUNCATE t1, t2", K::Ddl, {"t1", "t2"}},
    {"CREATE VIEW v AS SELECT * FROM t", K::Ddl, {"v", "t"}},
    {"GRANT SELECT ON t TO reader", K::Ddl, {"t"}},
    {"BEGIN", K::TransactionControl, {}},
    {"START TRANSACTION ISOLATION LEVEL SERIALIZABLE", K::TransactionControl, {}},
    {"COMMIT", K::TransactionControl, {}},
    {"ROLLBACK", K::TransactionControl, {}},
    {"SAVEPOINT s1", K::TransactionControl, {}},
    {"RELEASE SAVEPOINT s1", K::TransactionControl, {}},
    {"SET search_path = app", K::Utility, {}},
    {"SHOW work_mem", K::Utility, {}},
    {"EXPLAIN SELECT * FROM t", K::Utility, {"t"}},
    {"VACUUM ANALYZE t", K::Utility, {"t"}},
    {"ANALYZE t", K::Utility, {"t"}},
    {"LISTEN chan", K::Utility, {}},
    {"DISCARD ALL", K::Utility, {}},
    {"SELECT 1 FROM a; UPDATE b SET x = 1; SELECT * FROM a", K::Read, {"a", "b"}},
    {"", K::Unknown, {}},
};

TEST(StatementInfo, KindsAndTablesFromTheParseTree) {
  for (const Case& c : kParsedCases) {
    const StatementInfo info = describe_postgres(c.query);
    EXPECT_TRUE(info.parsed) << c.query;
    EXPECT_EQ(to_string(info.kind), to_string(c.kind)) << c.query;
    EXPECT_EQ(info.tables, c.tables) << c.query;
  }
}

TEST(StatementInfo, LexerFallbackAgreesOnKinds) {
  for (const Case& c : kParsedCases) {
    EXPECT_EQ(to_string(describe_by_lexer(c.query).kind), to_string(c.kind)) << c.query;
  }
}

// Statements PostgreSQL 15 rejects (typos, cut-off text, newer syntax).
const Case kUnparsedCases[] = {
    {"SELEC * FROM t", K::Unknown, {"t"}},
    {"SELECT * FROM t WHERE", K::Read, {"t"}},
    {"SELECT a, b FROM s.t x, u WHERE", K::Read, {"s.t", "u"}},
    {"SELECT extract(year FROM ts) FROM events JOIN users ON", K::Read, {"events", "users"}},
    {"SELECT * FROM t FOR UPDATE OF", K::Write, {"t"}},
    {"SELECT * INTO backup FROM t WHERE", K::Write, {"backup", "t"}},
    {"UPDATE t SET a = WHERE", K::Write, {"t"}},
    {"INSERT INTO s.t (a) VALUES (", K::Write, {"s.t"}},
    {"DELETE FROM \"Q\" WHERE", K::Write, {"Q"}},
    {"WITH x AS (DELETE FROM q RETURNING *) SELECT * FROM x WHERE", K::Write, {"q"}},
    {"WITH x AS (SELECT * FROM q) SELECT * FROM x WHERE", K::Read, {"q"}},
    {"COPY t FROM STDIN WITH (FORMAT", K::Write, {"t"}},
    {"CREATE TABLE IF NOT EXISTS t (", K::Ddl, {"t"}},
    {"DROP TABLE IF EXISTS a, b CASCADE RESTRICT", K::Ddl, {"a", "b"}},
    {"ALTER SYSTEM SET", K::Utility, {}},
    {"BEGIN; SELEC", K::TransactionControl, {}},
    {"PREPARE TRANSACTION", K::TransactionControl, {}},
    {"SET search_path =", K::Utility, {}},
    {"SELECT 'unterminated", K::Read, {}},
};

TEST(StatementInfo, KeywordFallbackForUnparseableStatements) {
  for (const Case& c : kUnparsedCases) {
    const StatementInfo info = describe_postgres(c.query);
    EXPECT_FALSE(info.parsed) << c.query;
    EXPECT_EQ(to_string(info.kind), to_string(c.kind)) << c.query;
    EXPECT_EQ(info.tables, c.tables) << c.query;
  }
}

TEST(StatementInfo, NeverThrowsOnOddInput) {
  for (std::string_view q : {std::string_view("SELECT * FROM t\0", 16), std::string_view(";;;"),
                             std::string_view("(((("), std::string_view("))))"), std::string_view("\xff\xfe"),
                             std::string_view("FROM"), std::string_view("FROM ."), std::string_view("a.")}) {
    const StatementInfo info = describe_postgres(q);
    EXPECT_LE(info.tables.size(), 1u) << q;
  }
}

TEST(StatementInfo, KindNames) {
  EXPECT_EQ(to_string(StatementKind::Read), "read");
  EXPECT_EQ(to_string(StatementKind::TransactionControl), "transaction");
}

}  // namespace
}  // namespace sluice::sql
