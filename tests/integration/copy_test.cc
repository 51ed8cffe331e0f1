// COPY FROM STDIN and COPY TO STDOUT through the proxy, in both pool modes, including bad data and
// a COPY the client aborts.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

constexpr auto kWait = std::chrono::seconds(30);

std::string row_text(int i) { return std::to_string(i) + "\tvalue " + std::to_string(i) + "\n"; }

// Sends the rows in chunks of about 64 rows per CopyData message, then ends the COPY.
::testing::AssertionResult send_copy_rows(PGconn* c, const std::vector<std::string>& rows, const char* fail = nullptr) {
  std::string chunk;
  for (size_t i = 0; i < rows.size(); ++i) {
    chunk += rows[i];
    if (i % 64 == 63 || i + 1 == rows.size()) {
      if (PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) != 1) {
        return ::testing::AssertionFailure() << "PQputCopyData: " << PQerrorMessage(c);
      }
      chunk.clear();
    }
  }
  if (PQputCopyEnd(c, fail) != 1) return ::testing::AssertionFailure() << "PQputCopyEnd: " << PQerrorMessage(c);
  return ::testing::AssertionSuccess();
}

// Reads every row of a COPY OUT (bounded in time); false on timeout or error.
::testing::AssertionResult read_copy_rows(PGconn* c, std::vector<std::string>* rows) {
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (true) {
    char* buf = nullptr;
    int n = PQgetCopyData(c, &buf, /*async=*/1);
    if (n > 0) {
      rows->emplace_back(buf, static_cast<size_t>(n));
      PQfreemem(buf);
      continue;
    }
    if (n == -1) return ::testing::AssertionSuccess();  // COPY done; the final result follows
    if (n == -2) return ::testing::AssertionFailure() << "PQgetCopyData: " << PQerrorMessage(c);
    if (std::chrono::steady_clock::now() >= deadline) return ::testing::AssertionFailure() << "COPY OUT timed out";
    wait_readable(c, std::chrono::milliseconds(100));
    if (PQconsumeInput(c) != 1) return ::testing::AssertionFailure() << "PQconsumeInput: " << PQerrorMessage(c);
  }
}

PgResultPtr final_result(PGconn* c) {
  bool timed_out = false;
  PgResultPtr r = get_result_within(c, kWait, &timed_out);
  EXPECT_FALSE(timed_out) << "no result after the COPY";
  PgResultPtr end = get_result_within(c, kWait, &timed_out);
  EXPECT_EQ(end, nullptr) << "unexpected extra result " << describe_result(end.get());
  return r;
}

class CopyTest : public PoolModeTest {
 protected:
  std::string make_table(PGconn* c) {
    std::string t = unique_name("copy_t");
    auto r = pg_exec(c, "CREATE TABLE " + t + " (id int PRIMARY KEY, v text)");
    EXPECT_TRUE(ResultIs(r, PGRES_COMMAND_OK));
    return t;
  }
};

TEST_P(CopyTest, CopyFromStdinTenThousandRows) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::string t = make_table(c.get());
  std::vector<std::string> rows;
  for (int i = 1; i <= 10000; ++i) rows.push_back(row_text(i));
  rows[41] = "42\ttab\\there, backslash \\\\ and \\N inside\n";  // COPY text escapes
  rows[42] = "43\t\\N\n";                                          // NULL
  auto start = pg_exec(c, "COPY " + t + " (id, v) FROM STDIN");
  ASSERT_TRUE(ResultIs(start, PGRES_COPY_IN));
  ASSERT_TRUE(send_copy_rows(c.get(), rows));
  auto done = final_result(c.get());
  ASSERT_TRUE(ResultIs(done, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdTuples(done.get()), "10000");
  EXPECT_STREQ(PQcmdStatus(done.get()), "COPY 10000");
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "10000");
  EXPECT_EQ(query_value(c, "SELECT sum(id) FROM " + t), "50005000");
  EXPECT_EQ(query_value(c, "SELECT v FROM " + t + " WHERE id = 9999"), "value 9999");
  EXPECT_EQ(query_value(c, "SELECT v FROM " + t + " WHERE id = 42"), "tab\there, backslash \\ and N inside");
  EXPECT_EQ(query_value(c, "SELECT v IS NULL FROM " + t + " WHERE id = 43"), "t");
  // Another client sees the committed rows.
  auto other = connect();
  ASSERT_TRUE(ConnectionOk(other));
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "10000");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(CopyTest, CopyToStdoutReturnsEveryRow) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  auto start = pg_exec(c, "COPY (SELECT i, 'value ' || i FROM generate_series(1, 10000) i ORDER BY i) TO STDOUT");
  ASSERT_TRUE(ResultIs(start, PGRES_COPY_OUT));
  std::vector<std::string> rows;
  ASSERT_TRUE(read_copy_rows(c.get(), &rows));
  auto done = final_result(c.get());
  ASSERT_TRUE(ResultIs(done, PGRES_COMMAND_OK));
  EXPECT_STREQ(PQcmdStatus(done.get()), "COPY 10000");
  ASSERT_EQ(rows.size(), 10000u);
  for (int i = 1; i <= 10000; ++i) ASSERT_EQ(rows[i - 1], row_text(i)) << "row " << i;

  // CSV with a header, from a table.
  std::string t = make_table(c.get());
  ASSERT_TRUE(ResultIs(pg_exec(c, "INSERT INTO " + t + " VALUES (1, 'a,b'), (2, 'q\"uote'), (3, NULL)"),
                       PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(c, "COPY " + t + " TO STDOUT (FORMAT csv, HEADER)"), PGRES_COPY_OUT));
  rows.clear();
  ASSERT_TRUE(read_copy_rows(c.get(), &rows));
  EXPECT_TRUE(ResultIs(final_result(c.get()), PGRES_COMMAND_OK));
  std::vector<std::string> expected = {"id,v\n", "1,\"a,b\"\n", "2,\"q\"\"uote\"\n", "3,\n"};
  EXPECT_EQ(rows, expected);

  // Binary format starts with the PGCOPY signature.
  ASSERT_TRUE(ResultIs(pg_exec(c, "COPY " + t + " TO STDOUT (FORMAT binary)"), PGRES_COPY_OUT));
  rows.clear();
  ASSERT_TRUE(read_copy_rows(c.get(), &rows));
  EXPECT_TRUE(ResultIs(final_result(c.get()), PGRES_COMMAND_OK));
  std::string all;
  for (const auto& r : rows) all += r;
  ASSERT_GE(all.size(), 11u);
  EXPECT_EQ(all.substr(0, 11), std::string("PGCOPY\n\377\r\n\0", 11));
  EXPECT_EQ(query_value(c, "SELECT 'usable'"), "usable");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(CopyTest, BadDataFailsTheWholeCopy) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::string t = make_table(c.get());
  std::vector<std::string> rows;
  for (int i = 1; i <= 2000; ++i) rows.push_back(row_text(i));
  rows[999] = "not_a_number\toops\n";
  ASSERT_TRUE(ResultIs(pg_exec(c, "COPY " + t + " FROM STDIN"), PGRES_COPY_IN));
  ASSERT_TRUE(send_copy_rows(c.get(), rows));
  auto done = final_result(c.get());
  ASSERT_TRUE(ResultHasSqlstate(done, "22P02"));
  const char* ctx = PQresultErrorField(done.get(), PG_DIAG_CONTEXT);
  ASSERT_NE(ctx, nullptr);
  EXPECT_NE(std::string(ctx).find("line 1000"), std::string::npos) << ctx;
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "0");
  // Duplicate key: a constraint error during COPY.
  rows.assign({row_text(1), row_text(2), row_text(1)});
  ASSERT_TRUE(ResultIs(pg_exec(c, "COPY " + t + " FROM STDIN"), PGRES_COPY_IN));
  ASSERT_TRUE(send_copy_rows(c.get(), rows));
  EXPECT_TRUE(ResultHasSqlstate(final_result(c.get()), "23505"));
  // The connection is fine and a good COPY works afterwards.
  rows.assign({row_text(7), row_text(8)});
  ASSERT_TRUE(ResultIs(pg_exec(c, "COPY " + t + " FROM STDIN"), PGRES_COPY_IN));
  ASSERT_TRUE(send_copy_rows(c.get(), rows));
  EXPECT_TRUE(ResultIs(final_result(c.get()), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(c, "SELECT sum(id) FROM " + t), "15");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(CopyTest, ClientAbortsCopy) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::string t = make_table(c.get());
  std::vector<std::string> rows;
  for (int i = 1; i <= 500; ++i) rows.push_back(row_text(i));
  ASSERT_TRUE(ResultIs(pg_exec(c, "COPY " + t + " FROM STDIN"), PGRES_COPY_IN));
  ASSERT_TRUE(send_copy_rows(c.get(), rows, "client gave up"));
  auto done = final_result(c.get());
  ASSERT_TRUE(ResultHasSqlstate(done, "57014"));
  EXPECT_NE(std::string(PQresultErrorMessage(done.get())).find("client gave up"), std::string::npos)
      << PQresultErrorMessage(done.get());
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "0");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(CopyTest, CopyInsideTransactionBlock) {
  auto c = connect();
  auto other = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_TRUE(ConnectionOk(other));
  std::string t = make_table(c.get());
  std::vector<std::string> rows;
  for (int i = 1; i <= 300; ++i) rows.push_back(row_text(i));
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(c, "COPY " + t + " FROM STDIN"), PGRES_COPY_IN));
  ASSERT_TRUE(send_copy_rows(c.get(), rows));
  ASSERT_TRUE(ResultIs(final_result(c.get()), PGRES_COMMAND_OK));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "300");
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "0");
  ASSERT_TRUE(ResultIs(pg_exec(c, "ROLLBACK"), PGRES_COMMAND_OK));
  EXPECT_EQ(query_value(c, "SELECT count(*) FROM " + t), "0");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(CopyTest);

}  // namespace
}  // namespace sluice::testing
