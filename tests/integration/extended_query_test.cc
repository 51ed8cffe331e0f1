// Extended query protocol (Parse/Bind/Describe/Execute/Sync with the unnamed statement) through the
// proxy, in both pool modes: text and binary parameters and results, NULLs, errors, async sends.
#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

constexpr Oid kInt4Oid = 23;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kByteaOid = 17;
constexpr Oid kBoolOid = 16;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

uint32_t be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

uint64_t be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

class ExtendedQueryTest : public PoolModeTest {};

TEST_P(ExtendedQueryTest, TextParameters) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  auto r = pg_exec_params(c.get(), "SELECT $1::int + $2::int AS sum, upper($3) AS up, length($4)",
                          {"2", "3", "hello", ""});
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "5");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "HELLO");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 2), "0");
  EXPECT_STREQ(PQfname(r.get(), 0), "sum");
  EXPECT_EQ(PQftype(r.get(), 0), kInt4Oid);
  EXPECT_EQ(PQftype(r.get(), 1), kTextOid);
  // Quotes, backslashes and non-ASCII go through untouched: no SQL text is built from them.
  std::string tricky = "it's a \"test\" \\ ; DROP TABLE x; -- \xc3\xa9\xe2\x82\xac";
  auto e = pg_exec_params(c.get(), "SELECT $1::text, octet_length($1)", {tricky});
  ASSERT_TRUE(ResultIs(e, PGRES_TUPLES_OK));
  EXPECT_EQ(std::string(PQgetvalue(e.get(), 0, 0)), tricky);
  EXPECT_EQ(std::string(PQgetvalue(e.get(), 0, 1)), std::to_string(tricky.size()));
}

TEST_P(ExtendedQueryTest, NullParameters) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  const char* values[2] = {nullptr, "x"};
  PgResultPtr r(PQexecParams(c.get(), "SELECT $1::text IS NULL, $2::text IS NULL, $1::int", 2, nullptr, values,
                             nullptr, nullptr, 0));
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "t");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 1), "f");
  EXPECT_TRUE(PQgetisnull(r.get(), 0, 2));
}

TEST_P(ExtendedQueryTest, BinaryParametersAndResults) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  uint32_t n = htonl(static_cast<uint32_t>(-123456));
  std::string blob("\x00\x01\xff\x00\x7f binary", 12);
  const char* values[3] = {reinterpret_cast<const char*>(&n), blob.data(), "77"};
  int lengths[3] = {4, static_cast<int>(blob.size()), 0};
  int formats[3] = {1, 1, 0};
  Oid types[3] = {kInt4Oid, kByteaOid, kInt8Oid};
  PgResultPtr r(PQexecParams(c.get(), "SELECT $1 * 2, $2, length($2), $3 + 1, true, 1.5::float8", 3, types, values,
                             lengths, formats, /*resultFormat=*/1));
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  for (int col = 0; col < 6; ++col) EXPECT_EQ(PQfformat(r.get(), col), 1) << "column " << col;
  ASSERT_EQ(PQgetlength(r.get(), 0, 0), 4);
  EXPECT_EQ(static_cast<int32_t>(be32(PQgetvalue(r.get(), 0, 0))), -246912);
  ASSERT_EQ(PQgetlength(r.get(), 0, 1), static_cast<int>(blob.size()));
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 1), blob.size()), blob);
  EXPECT_EQ(static_cast<int32_t>(be32(PQgetvalue(r.get(), 0, 2))), static_cast<int32_t>(blob.size()));
  ASSERT_EQ(PQgetlength(r.get(), 0, 3), 8);
  EXPECT_EQ(be64(PQgetvalue(r.get(), 0, 3)), 78u);
  EXPECT_EQ(PQftype(r.get(), 4), kBoolOid);
  ASSERT_EQ(PQgetlength(r.get(), 0, 4), 1);
  EXPECT_EQ(PQgetvalue(r.get(), 0, 4)[0], 1);
  EXPECT_EQ(PQftype(r.get(), 5), kFloat8Oid);
  uint64_t bits = be64(PQgetvalue(r.get(), 0, 5));
  double d;
  std::memcpy(&d, &bits, 8);
  EXPECT_EQ(d, 1.5);
}

TEST_P(ExtendedQueryTest, ParameterErrorsKeepConnectionUsable) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_TRUE(ResultHasSqlstate(pg_exec_params(c.get(), "SELECT $1::int", {"abc"}), "22P02"));
  // Parse error of the statement itself.
  EXPECT_TRUE(ResultHasSqlstate(pg_exec_params(c.get(), "SELEC $1", {"1"}), "42601"));
  // Wrong number of parameters for the statement: the server refuses the Bind.
  EXPECT_TRUE(ResultHasSqlstate(pg_exec_params(c.get(), "SELECT $1::int + $2::int", {"1"}), "08P01"));
  // Runtime error during Execute.
  EXPECT_TRUE(ResultHasSqlstate(pg_exec_params(c.get(), "SELECT 1 / $1::int", {"0"}), "22012"));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  auto ok = pg_exec_params(c.get(), "SELECT $1::int * 3", {"14"});
  ASSERT_TRUE(ResultIs(ok, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(ok.get(), 0, 0), "42");
}

TEST_P(ExtendedQueryTest, DmlRowCountsAndTransactions) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::string t = unique_name("eq_dml");
  ASSERT_TRUE(ResultIs(pg_exec(c, "CREATE TABLE " + t + " (id int, v text)"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  for (int i = 0; i < 20; ++i) {
    auto r = pg_exec_params(c.get(), "INSERT INTO " + t + " VALUES ($1, $2)", {std::to_string(i), "v" + std::to_string(i)});
    ASSERT_TRUE(ResultIs(r, PGRES_COMMAND_OK));
    ASSERT_STREQ(PQcmdTuples(r.get()), "1");
  }
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  ASSERT_TRUE(ResultIs(pg_exec(c, "COMMIT"), PGRES_COMMAND_OK));
  auto upd = pg_exec_params(c.get(), "UPDATE " + t + " SET v = $1 WHERE id < $2", {"low", "5"});
  ASSERT_TRUE(ResultIs(upd, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdTuples(upd.get()), "5");
  auto cnt = pg_exec_params(c.get(), "SELECT count(*) FROM " + t + " WHERE v = $1", {"low"});
  ASSERT_TRUE(ResultIs(cnt, PGRES_TUPLES_OK));
  EXPECT_STREQ(PQgetvalue(cnt.get(), 0, 0), "5");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(ExtendedQueryTest, SendQueryParamsAsync) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  const char* values[1] = {"5000"};
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT i, i * 2 FROM generate_series(1, $1::int) i", 1, nullptr, values,
                              nullptr, nullptr, 0),
            1)
      << PQerrorMessage(c.get());
  bool timed_out = false;
  auto results = get_all_results(c.get(), std::chrono::seconds(20), &timed_out);
  ASSERT_FALSE(timed_out);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(ResultIs(results[0], PGRES_TUPLES_OK));
  ASSERT_EQ(PQntuples(results[0].get()), 5000);
  EXPECT_STREQ(PQgetvalue(results[0].get(), 4999, 1), "10000");

  // Row by row.
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT i FROM generate_series(1, $1::int) i", 1, nullptr, values, nullptr,
                              nullptr, 0),
            1);
  ASSERT_EQ(PQsetSingleRowMode(c.get()), 1);
  int rows = 0;
  long long sum = 0;
  bool saw_final = false;
  for (int guard = 0; guard < 6000; ++guard) {
    auto r = get_result_within(c.get(), std::chrono::seconds(20), &timed_out);
    ASSERT_FALSE(timed_out);
    if (!r) break;
    if (PQresultStatus(r.get()) == PGRES_SINGLE_TUPLE) {
      ++rows;
      sum += std::stoll(PQgetvalue(r.get(), 0, 0));
    } else {
      ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
      EXPECT_EQ(PQntuples(r.get()), 0);
      saw_final = true;
    }
  }
  EXPECT_EQ(rows, 5000);
  EXPECT_EQ(sum, 5000LL * 5001 / 2);
  EXPECT_TRUE(saw_final);

  // An async error, then the connection goes on.
  const char* zero[1] = {"0"};
  ASSERT_EQ(PQsendQueryParams(c.get(), "SELECT 1 / $1::int", 1, nullptr, zero, nullptr, nullptr, 0), 1);
  results = get_all_results(c.get(), std::chrono::seconds(20), &timed_out);
  ASSERT_FALSE(timed_out);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(ResultHasSqlstate(results[0], "22012"));
  EXPECT_EQ(query_value(c, "SELECT 'ok'"), "ok");
}

TEST_P(ExtendedQueryTest, ResultMetadataForManyTypes) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  PgResultPtr r(PQexecParams(c.get(),
                             "SELECT 1::int4 AS a, 2::int8 AS b, 'x'::text AS c, 1.25::numeric AS d, "
                             "'\\x0102'::bytea AS e, now() AS f, '{1,2}'::int[] AS g, '{\"k\": 1}'::jsonb AS h",
                             0, nullptr, nullptr, nullptr, nullptr, 0));
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  ASSERT_EQ(PQnfields(r.get()), 8);
  const char* names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  for (int i = 0; i < 8; ++i) EXPECT_STREQ(PQfname(r.get(), i), names[i]);
  EXPECT_EQ(PQftype(r.get(), 0), kInt4Oid);
  EXPECT_EQ(PQftype(r.get(), 1), kInt8Oid);
  EXPECT_EQ(PQftype(r.get(), 2), kTextOid);
  EXPECT_EQ(PQftype(r.get(), 3), kNumericOid);
  EXPECT_EQ(PQftype(r.get(), 4), kByteaOid);
  EXPECT_EQ(PQftype(r.get(), 5), 1184u);  // timestamptz
  EXPECT_EQ(PQftype(r.get(), 6), 1007u);  // int4[]
  EXPECT_EQ(PQftype(r.get(), 7), 3802u);  // jsonb
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 4), "\\x0102");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 6), "{1,2}");
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 7), "{\"k\": 1}");
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(ExtendedQueryTest);

}  // namespace
}  // namespace sluice::testing
