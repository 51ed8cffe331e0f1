#include "sql/pg_fingerprint.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "sql/query_analysis.h"

namespace sluice::sql {
namespace {

uint64_t id_of(std::string_view query) { return fingerprint_postgres(query).id; }

TEST(PgFingerprint, SameForDifferentConstants) {
  const Fingerprint a = fingerprint_postgres("SELECT * FROM t WHERE a = 1");
  const Fingerprint b = fingerprint_postgres("SELECT * FROM t WHERE a = 42");
  EXPECT_TRUE(a.parsed);
  EXPECT_TRUE(b.parsed);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(id_of("SELECT * FROM t WHERE name = 'alice'"), id_of("SELECT * FROM t WHERE name = 'bob'"));
}

TEST(PgFingerprint, SameForInListLengths) {
  EXPECT_EQ(id_of("SELECT * FROM t WHERE a IN (1, 2)"), id_of("SELECT * FROM t WHERE a IN (1, 2, 3, 4)"));
}

TEST(PgFingerprint, SameForWhitespaceCaseAndComments) {
  EXPECT_EQ(id_of("SELECT * FROM t WHERE a = 1"), id_of("select *\n  from T   where A = 7 -- why\n"));
}

TEST(PgFingerprint, DifferentForDifferentStructure) {
  const uint64_t base = id_of("SELECT * FROM t WHERE a = 1");
  EXPECT_NE(base, id_of("SELECT * FROM t WHERE b = 1"));         // column
  EXPECT_NE(base, id_of("SELECT * FROM u WHERE a = 1"));         // table
  EXPECT_NE(base, id_of("SELECT * FROM t WHERE a > 1"));         // operator
  EXPECT_NE(base, id_of("SELECT a FROM t WHERE a = 1"));         // target list
  EXPECT_NE(base, id_of("SELECT * FROM t WHERE a = 1 AND b = 2"));
  EXPECT_NE(base, id_of("DELETE FROM t WHERE a = 1"));
}

TEST(PgFingerprint, NormalizedText) {
  EXPECT_EQ(fingerprint_postgres("SELECT * FROM t WHERE a = 1").normalized, "SELECT * FROM t WHERE a = $1");
  EXPECT_EQ(fingerprint_postgres("SELECT * FROM t WHERE name = 'x' AND b = 2.5").normalized,
            "SELECT * FROM t WHERE name = $1 AND b = $2");
  // Parameters already in the text keep their numbers; constants are numbered after them.
  EXPECT_EQ(fingerprint_postgres("SELECT * FROM t WHERE a = $1 AND b = 5").normalized,
            "SELECT * FROM t WHERE a = $1 AND b = $2");
}

TEST(PgFingerprint, UnparseableQueriesStillGetAStableFingerprint) {
  const Fingerprint a = fingerprint_postgres("SELEC 1");
  EXPECT_FALSE(a.parsed);
  EXPECT_NE(a.id, 0u);
  EXPECT_EQ(a.id, fingerprint_postgres("SELEC 1").id);  // stable
  EXPECT_EQ(a.id, fingerprint_postgres("SELEC 2").id);  // constants do not matter
  EXPECT_EQ(a.id, fingerprint_postgres("selec   'two'").id);
  EXPECT_NE(a.id, fingerprint_postgres("SELEC 1 FROM u").id);
  EXPECT_EQ(a.normalized, "SELEC $1");

  const Fingerprint u = fingerprint_postgres("SELECT 'unterminated");
  EXPECT_FALSE(u.parsed);
  EXPECT_EQ(u.id, fingerprint_postgres("SELECT 'another unterminated text").id);
  EXPECT_EQ(u.normalized, "SELECT $1");
}

TEST(PgFingerprint, QueriesThatCannotReachTheParserGoToTheLexer) {
  const Fingerprint nul = fingerprint_postgres(std::string_view("SELECT 1\0 FROM t", 16));
  EXPECT_FALSE(nul.parsed);
  EXPECT_NE(nul.id, 0u);
  for (std::string_view odd : {std::string_view(""), std::string_view("/* only a comment"), std::string_view(";;;"),
                               std::string_view("\xff\xfe\x01 $$ ' \" \\"), std::string_view("$1 $ $a $$")}) {
    const Fingerprint fp = fingerprint_postgres(odd);  // must not crash or throw
    EXPECT_EQ(fp.id, fingerprint_postgres(odd).id) << odd;
  }
}

TEST(PgFingerprint, LongQueryIsFingerprinted) {
  std::string query = "SELECT * FROM t WHERE a IN (";
  for (int i = 0; i < 5000; ++i) query += std::to_string(i) + ",";
  query += "5000)";
  const Fingerprint fp = fingerprint_postgres(query);
  EXPECT_TRUE(fp.parsed);
  EXPECT_EQ(fp.id, id_of("SELECT * FROM t WHERE a IN (7)"));
}

// ---------------------------------------------------------------------------------------------
// The lexer fallback on its own.

struct NormalizeCase {
  std::string_view query;
  std::string_view normalized;
};

TEST(PgFingerprintLexer, NormalizedText) {
  const NormalizeCase cases[] = {
      {"SELEC * FROM t WHERE a = 1", "SELEC * FROM t WHERE a = $1"},
      {"select  a,b from t where x in (1, 2, 3)", "SELECT a, b FROM t WHERE x IN ($1 /*, ... */)"},
      {"select a from t where x in ('one')", "SELECT a FROM t WHERE x IN ($1)"},
      {"SELEC E'it''s\\'', $$body$$, $tag$x$tag$, -5, 1.5e3, .5", "SELEC $1, $2, $3, $4, $5, $6"},
      {"SELEC B'101', X'ff', N'n', U&'u'", "SELEC $1, $2, $3, $4"},
      {"SELEC a - 1, a=-1", "SELEC a - $1, a = $2"},
      {"SELEC f(x)::int, a.b[1], \"Q\".c", "SELEC f(x)::int, a.b[$1], \"Q\".c"},
      {"SELEC 1 -- line comment\n /* block /* nested */ */ + 2", "SELEC $1 + $2"},
      {"SELEC $1, 'x', $3", "SELEC $1, $4, $3"},
      {"SELECT 'unterminated", "SELECT $1"},
      {"", ""},
  };
  for (const NormalizeCase& c : cases) {
    const Fingerprint fp = fingerprint_by_lexer(c.query);
    EXPECT_FALSE(fp.parsed);
    EXPECT_EQ(fp.normalized, c.normalized) << c.query;
  }
}

TEST(PgFingerprintLexer, ConstantsDoNotChangeTheId) {
  const uint64_t id = fingerprint_by_lexer("SELEC * FROM t WHERE a = 1 AND b = 'x'").id;
  EXPECT_EQ(id, fingerprint_by_lexer("SELEC * FROM t WHERE a = 99.5 AND b = E'y\\n'").id);
  EXPECT_EQ(id, fingerprint_by_lexer("SELEC * FROM t WHERE a = -3 AND b = $$z$$").id);
  EXPECT_EQ(id, fingerprint_by_lexer("SELEC * FROM t WHERE a = $1 AND b = $2").id);
}

TEST(PgFingerprintLexer, InListsCollapse) {
  const uint64_t id = fingerprint_by_lexer("SELEC * FROM t WHERE a IN (1, 2)").id;
  EXPECT_EQ(id, fingerprint_by_lexer("SELEC * FROM t WHERE a IN (1, 2, 3, 4)").id);
  EXPECT_EQ(id, fingerprint_by_lexer("SELEC * FROM t WHERE a IN (-1)").id);
  EXPECT_EQ(id, fingerprint_by_lexer("SELEC * FROM t WHERE a in ('x', $2)").id);
  // A list that is not all constants keeps its shape.
  EXPECT_NE(id, fingerprint_by_lexer("SELEC * FROM t WHERE a IN (1, b)").id);
  EXPECT_NE(id, fingerprint_by_lexer("SELEC * FROM t WHERE a IN (SELECT 1)").id);
}

TEST(PgFingerprintLexer, CaseWhitespaceAndCommentsDoNotMatter) {
  const uint64_t id = fingerprint_by_lexer("SELEC a FROM T WHERE b = 1").id;
  EXPECT_EQ(id, fingerprint_by_lexer("selec A\n\tfrom t /* c */ where B=2 -- d").id);
  // Quoted identifiers keep their case, as in PostgreSQL.
  EXPECT_NE(id, fingerprint_by_lexer("SELEC \"A\" FROM T WHERE b = 1").id);
}

TEST(PgFingerprintLexer, StructureChangesTheId) {
  const uint64_t id = fingerprint_by_lexer("SELEC a FROM t WHERE b = 1").id;
  EXPECT_NE(id, fingerprint_by_lexer("SELEC a FROM u WHERE b = 1").id);
  EXPECT_NE(id, fingerprint_by_lexer("SELEC a FROM t WHERE c = 1").id);
  EXPECT_NE(id, fingerprint_by_lexer("SELEC a FROM t WHERE b < 1").id);
  // A subtraction is not a negative constant.
  EXPECT_NE(fingerprint_by_lexer("SELEC a - 1").id, fingerprint_by_lexer("SELEC a 1").id);
}

TEST(PgFingerprintLexer, SignBeforeACastIsNotPartOfTheConstant) {
  // PostgreSQL reads -1::int as -(1::int): another tree than 1::int.
  EXPECT_NE(fingerprint_by_lexer("SELEC -1::int").id, fingerprint_by_lexer("SELEC 1::int").id);
  EXPECT_EQ(fingerprint_by_lexer("SELECT -1, 2").id, fingerprint_by_lexer("SELECT 1, 2").id);
  // A unary plus stays an operator in PostgreSQL's tree.
  EXPECT_NE(fingerprint_by_lexer("SELECT +1").id, fingerprint_by_lexer("SELECT 1").id);
}

// ---------------------------------------------------------------------------------------------
// Shapes: texts that differ only in constants.

TEST(PgFingerprintShape, WhichTextsHaveAShape) {
  std::string shape;
  for (std::string_view q : {"SELECT 1", "select * from t where a = 1", "(SELECT 1) UNION (SELECT 2)",
                             "WITH x AS (SELECT 1) SELECT * FROM x", "INSERT INTO t VALUES (1)",
                             "UPDATE t SET a = 1", "DELETE FROM t", "VALUES (1)", "TABLE t",
                             "MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE", "SELECT 1; SELECT 2"}) {
    EXPECT_TRUE(postgres_shape(q, shape)) << q;
    EXPECT_FALSE(shape.empty()) << q;
  }
  for (std::string_view q : {"", "-- nothing", "COPY t FROM '/tmp/a'", "SET a = 1", "PREPARE TRANSACTION 'x'",
                             "COMMENT ON TABLE t IS 'x'", "SELECT 1; COPY t FROM '/tmp/a'", "CALL p(1)",
                             "EXPLAIN SELECT 1", "BEGIN"}) {
    EXPECT_FALSE(postgres_shape(q, shape)) << q;
    EXPECT_TRUE(shape.empty()) << q;
  }
}

// The promise the fingerprint cache builds on: texts of one shape have one fingerprint id,
// kind and tables. Checked over templates filled with constants spelled in every way.
TEST(PgFingerprintShape, SameShapeMeansSameAnalysis) {
  const std::vector<std::string> templates = {
      "SELECT * FROM t WHERE a = # AND b IN (#, #)",
      "select a, # from s.t where c > # order by a limit # offset #",
      "INSERT INTO t (a, b) VALUES (#, #) RETURNING id",
      "UPDATE t SET a = # WHERE id = # AND b <> # OR c IS NULL",
      "DELETE FROM t WHERE id IN (#)",
      "WITH x AS (SELECT * FROM t WHERE a = #) SELECT * FROM x WHERE b = # FOR UPDATE",
      "SELECT # - #, #::int, # + a, CASE WHEN a THEN # ELSE # END FROM t",
      "SELECT a FROM t WHERE b = ANY(ARRAY[#, #]) AND c BETWEEN # AND #",
      "SELECT (#)::int, -(#), #::text, x[#] FROM t",  // -(1) folds into a constant, -('1') does not
      "SELECT # || # FROM t WHERE (a, b) IN ((#, #), (#, #))",
  };
  const std::vector<std::string> constants = {"1",     "42",      "-3",   "+4",   "1.5e3", "'x'",
                                              "E'y\\n'", "$$z$$", "$1", "B'01'", "N'n'",  "-1.5"};
  struct Variant {
    std::string text;
    std::string shape;
    QueryAnalysis analysis;
  };
  std::vector<Variant> variants;
  for (const std::string& t : templates) {
    for (std::size_t i = 0; i < constants.size(); ++i) {
      std::string text;
      std::size_t k = i;
      for (char c : t) {
        if (c == '#') {
          text += constants[k % constants.size()];
          k += 3;
        } else {
          text += c;
        }
      }
      Variant v{text, {}, analyze_postgres(text)};
      ASSERT_TRUE(postgres_shape(text, v.shape)) << text;
      ASSERT_TRUE(v.analysis.fingerprint.parsed) << text;
      variants.push_back(std::move(v));
    }
  }
  std::size_t same_shape_pairs = 0;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    for (std::size_t j = i + 1; j < variants.size(); ++j) {
      if (variants[i].shape != variants[j].shape) continue;
      ++same_shape_pairs;
      EXPECT_EQ(variants[i].analysis.fingerprint.id, variants[j].analysis.fingerprint.id)
          << variants[i].text << "\n" << variants[j].text;
      EXPECT_EQ(variants[i].analysis.statement.kind, variants[j].analysis.statement.kind);
      EXPECT_EQ(variants[i].analysis.statement.tables, variants[j].analysis.statement.tables);
    }
  }
  EXPECT_GT(same_shape_pairs, templates.size());
}

// And the shapes do group texts: constants of one kind (numbers, strings, parameters) in the
// same places give one shape, whatever their values and spelling.
TEST(PgFingerprintShape, ConstantsOfOneKindGiveOneShape) {
  const std::vector<std::vector<std::string>> families = {
      {"SELECT * FROM t WHERE a = 1 AND b IN (1, 2)", "select * from T where A = -42 and B in (7)",
       "SELECT * FROM t WHERE a = 1.5e3 /* x */ AND b IN ($1, 'x', -3)"},
      {"UPDATE t SET a = 'x' WHERE id = $1", "UPDATE t SET a = E'y\\n' WHERE id = $7", "UPDATE t SET a = $$z$$ WHERE id = $2"},
      {"INSERT INTO t VALUES (1, 'a')", "INSERT INTO t VALUES (-2, B'01')", "INSERT INTO t VALUES (99999999999999999999, U&'u')"},
  };
  for (const std::vector<std::string>& family : families) {
    std::string first;
    ASSERT_TRUE(postgres_shape(family[0], first));
    for (const std::string& q : family) {
      std::string shape;
      ASSERT_TRUE(postgres_shape(q, shape));
      EXPECT_EQ(shape, first) << q;
    }
  }
  std::string a, b;
  ASSERT_TRUE(postgres_shape("SELECT * FROM t WHERE a = 1", a));
  ASSERT_TRUE(postgres_shape("SELECT * FROM t WHERE a = '1'", b));
  EXPECT_NE(a, b);  // kinds differ
}

}  // namespace
}  // namespace sluice::sql
