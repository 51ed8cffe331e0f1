// libpq pipeline mode through the proxy: many extended-protocol queries before one Sync, errors in
// the middle of a pipeline, several Syncs in flight, transactions spanning Syncs.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

constexpr auto kWait = std::chrono::seconds(20);

bool send_params(PGconn* c, const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  return PQsendQueryParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr,
                           0) == 1;
}

bool send_prepared(PGconn* c, const std::string& name, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  return PQsendQueryPrepared(c, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0) ==
         1;
}

// Reads the result of one pipelined query: its result, then the NULL that ends it.
PgResultPtr read_one(PGconn* c) {
  bool timed_out = false;
  PgResultPtr r = get_result_within(c, kWait, &timed_out);
  EXPECT_FALSE(timed_out) << "no result within the time limit";
  if (!r) {
    ADD_FAILURE() << "expected a result, got none: " << PQerrorMessage(c);
    return r;
  }
  if (PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC) return r;  // no NULL follows a sync
  PgResultPtr end = get_result_within(c, kWait, &timed_out);
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(end, nullptr) << "expected the end of this query's results, got " << describe_result(end.get());
  return r;
}

::testing::AssertionResult IsSync(const PgResultPtr& r) { return ResultIs(r, PGRES_PIPELINE_SYNC); }

::testing::AssertionResult IsValue(const PgResultPtr& r, const std::string& value) {
  auto ok = ResultIs(r, PGRES_TUPLES_OK);
  if (!ok) return ok;
  if (PQntuples(r.get()) != 1) return ::testing::AssertionFailure() << PQntuples(r.get()) << " rows";
  std::string got = PQgetvalue(r.get(), 0, 0);
  if (got != value) return ::testing::AssertionFailure() << "value " << got << ", expected " << value;
  return ::testing::AssertionSuccess();
}

class PipelineTest : public PoolModeTest {};

TEST_P(PipelineTest, SeveralQueriesOneSync) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(send_params(c.get(), "SELECT $1::int * 2", {std::to_string(i)}));
  ASSERT_EQ(PQsendPrepare(c.get(), "pipe_stmt", "SELECT $1::text || '!'", 1, nullptr), 1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(send_prepared(c.get(), "pipe_stmt", {"p" + std::to_string(i)}));
  ASSERT_EQ(PQpipelineSync(c.get()), 1);

  for (int i = 0; i < 10; ++i) EXPECT_TRUE(IsValue(read_one(c.get()), std::to_string(i * 2))) << "query " << i;
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(IsValue(read_one(c.get()), "p" + std::to_string(i) + "!")) << "exec " << i;
  EXPECT_TRUE(IsSync(read_one(c.get())));
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1) << PQerrorMessage(c.get());
  // Back to normal mode; the statement prepared in the pipeline is still there.
  EXPECT_EQ(query_value(c, "SELECT 'normal'"), "normal");
  const char* v[1] = {"again"};
  PgResultPtr r(PQexecPrepared(c.get(), "pipe_stmt", 1, v, nullptr, nullptr, 0));
  EXPECT_TRUE(IsValue(r, "again!"));
}

TEST_P(PipelineTest, ErrorInTheMiddleAbortsUntilSync) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  std::string t = unique_name("pl_err");
  ASSERT_TRUE(ResultIs(pg_exec(c, "CREATE TABLE " + t + " (v int)"), PGRES_COMMAND_OK));
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_TRUE(send_params(c.get(), "INSERT INTO " + t + " VALUES ($1::int)", {"1"}));
  ASSERT_TRUE(send_params(c.get(), "SELECT 1 / $1::int", {"0"}));
  ASSERT_TRUE(send_params(c.get(), "INSERT INTO " + t + " VALUES ($1::int)", {"2"}));
  ASSERT_TRUE(send_params(c.get(), "SELECT $1::int", {"3"}));
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  ASSERT_TRUE(send_params(c.get(), "INSERT INTO " + t + " VALUES ($1::int)", {"10"}));
  ASSERT_TRUE(send_params(c.get(), "SELECT count(*) FROM " + t, {}));
  ASSERT_EQ(PQpipelineSync(c.get()), 1);

  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultHasSqlstate(read_one(c.get()), "22012"));
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_PIPELINE_ABORTED));
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_PIPELINE_ABORTED));
  EXPECT_TRUE(IsSync(read_one(c.get())));
  // After the sync the pipeline works again. Everything before the failed sync was one implicit
  // transaction, so the first INSERT was rolled back: only the row 10 exists.
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  EXPECT_TRUE(IsValue(read_one(c.get()), "1"));
  EXPECT_TRUE(IsSync(read_one(c.get())));
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1) << PQerrorMessage(c.get());
  EXPECT_EQ(query_value(c, "SELECT string_agg(v::text, ',') FROM " + t), "10");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(PipelineTest, ManySyncsInFlightFromTwoClients) {
  auto a = connect();
  auto b = connect();
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  constexpr int kSegments = 8;
  constexpr int kPerSegment = 5;
  for (PGconn* c : {a.get(), b.get()}) {
    ASSERT_EQ(PQenterPipelineMode(c), 1);
    for (int s = 0; s < kSegments; ++s) {
      for (int q = 0; q < kPerSegment; ++q) {
        // Segment 3 of each client fails at its second query.
        if (s == 3 && q == 1) {
          ASSERT_TRUE(send_params(c, "SELECT 1 / $1::int", {"0"}));
        } else {
          ASSERT_TRUE(send_params(c, "SELECT $1::int", {std::to_string(s * 100 + q + (c == b.get() ? 10000 : 0))}));
        }
      }
      ASSERT_EQ(PQpipelineSync(c), 1);
    }
  }
  for (PGconn* c : {a.get(), b.get()}) {
    int base = c == b.get() ? 10000 : 0;
    for (int s = 0; s < kSegments; ++s) {
      for (int q = 0; q < kPerSegment; ++q) {
        PgResultPtr r = read_one(c);
        if (s == 3 && q == 1) {
          EXPECT_TRUE(ResultHasSqlstate(r, "22012"));
        } else if (s == 3 && q > 1) {
          EXPECT_TRUE(ResultIs(r, PGRES_PIPELINE_ABORTED));
        } else {
          EXPECT_TRUE(IsValue(r, std::to_string(s * 100 + q + base))) << "segment " << s << " query " << q;
        }
      }
      EXPECT_TRUE(IsSync(read_one(c))) << "segment " << s;
    }
    ASSERT_EQ(PQexitPipelineMode(c), 1) << PQerrorMessage(c);
    EXPECT_EQ(query_value(c, "SELECT 'done'"), "done");
  }
}

TEST_P(PipelineTest, ExplicitTransactionSpansSyncs) {
  auto c = connect();
  auto other = connect();
  ASSERT_TRUE(ConnectionOk(c));
  ASSERT_TRUE(ConnectionOk(other));
  std::string t = unique_name("pl_txn");
  ASSERT_TRUE(ResultIs(pg_exec(c, "CREATE TABLE " + t + " (v int)"), PGRES_COMMAND_OK));
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_TRUE(send_params(c.get(), "BEGIN", {}));
  ASSERT_TRUE(send_params(c.get(), "INSERT INTO " + t + " VALUES ($1::int)", {"1"}));
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  EXPECT_TRUE(IsSync(read_one(c.get())));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_INTRANS);
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "0");

  ASSERT_TRUE(send_params(c.get(), "INSERT INTO " + t + " VALUES ($1::int)", {"2"}));
  ASSERT_TRUE(send_params(c.get(), "SELECT count(*) FROM " + t, {}));
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  EXPECT_TRUE(IsValue(read_one(c.get()), "2"));
  EXPECT_TRUE(IsSync(read_one(c.get())));
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "0");

  ASSERT_TRUE(send_params(c.get(), "COMMIT", {}));
  ASSERT_EQ(PQpipelineSync(c.get()), 1);
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  EXPECT_TRUE(IsSync(read_one(c.get())));
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1);
  EXPECT_EQ(query_value(other, "SELECT count(*) FROM " + t), "2");
  EXPECT_TRUE(ResultIs(pg_exec(c, "DROP TABLE " + t), PGRES_COMMAND_OK));
}

TEST_P(PipelineTest, HundredsOfQueriesWithPeriodicSyncs) {
  auto c = connect();
  ASSERT_TRUE(ConnectionOk(c));
  constexpr int kQueries = 300;
  constexpr int kSyncEvery = 50;
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  ASSERT_EQ(PQsendPrepare(c.get(), "sq", "SELECT $1::int + 1", 1, nullptr), 1);
  for (int i = 0; i < kQueries; ++i) {
    ASSERT_TRUE(send_prepared(c.get(), "sq", {std::to_string(i)}));
    if ((i + 1) % kSyncEvery == 0) {
      ASSERT_EQ(PQpipelineSync(c.get()), 1);
    }
  }
  EXPECT_TRUE(ResultIs(read_one(c.get()), PGRES_COMMAND_OK));
  for (int i = 0; i < kQueries; ++i) {
    ASSERT_TRUE(IsValue(read_one(c.get()), std::to_string(i + 1))) << "query " << i;
    if ((i + 1) % kSyncEvery == 0) {
      ASSERT_TRUE(IsSync(read_one(c.get()))) << "after query " << i;
    }
  }
  ASSERT_EQ(PQexitPipelineMode(c.get()), 1) << PQerrorMessage(c.get());
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(PipelineTest);

}  // namespace
}  // namespace sluice::testing
