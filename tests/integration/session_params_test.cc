// Session parameters through the proxy. Clients set them at connect time (application_name,
// options='-c ...', client_encoding in the conninfo; DateStyle and TimeZone as startup parameters,
// which libpq takes from PGDATESTYLE/PGTZ), and each client must keep seeing its own values, even
// in transaction mode when clients with different settings share one server connection.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"

namespace sluice::testing {
namespace {

struct ClientSettings {
  std::string application_name;
  std::string datestyle;  // sent as the "datestyle" startup parameter
  std::string timezone;   // sent as the "timezone" startup parameter
  std::string extra;      // more conninfo
};

void setup_schema() {
  PgServer& pg = shared_pg();
  pg.exec("CREATE SCHEMA IF NOT EXISTS myschema");
  pg.exec("GRANT USAGE ON SCHEMA myschema TO scram_user");
  pg.exec("CREATE TABLE IF NOT EXISTS myschema.sp_marker (v text)");
  pg.exec("GRANT SELECT ON myschema.sp_marker TO scram_user");
  pg.exec("TRUNCATE myschema.sp_marker; INSERT INTO myschema.sp_marker VALUES ('from myschema')");
}

class SessionParamsTest : public PoolModeTest {
 protected:
  static void SetUpTestSuite() { setup_schema(); }

  PgConnPtr connect_with(const ClientSettings& s) {
    // libpq reads PGDATESTYLE / PGTZ while connecting and sends them in the startup packet.
    ScopedEnv env({{"PGDATESTYLE", s.datestyle}, {"PGTZ", s.timezone}});
    return connect("scram_user", "scram_pass",
                   "application_name=" + conninfo_quote(s.application_name) + " " + s.extra);
  }
};

TEST_P(SessionParamsTest, StartupParametersAreVisibleInEveryTransaction) {
  ClientSettings s{"sluice_params_app", "SQL, DMY", "Asia/Tokyo",
                   "client_encoding=LATIN1 options=" +
                       conninfo_quote("-c intervalstyle=iso_8601 -c search_path=myschema,public")};
  auto c = connect_with(s);
  ASSERT_TRUE(ConnectionOk(c));
  // A second client with server defaults, used in between so transaction-mode clients move around.
  auto plain = connect();
  ASSERT_TRUE(ConnectionOk(plain));

  // What the proxy reported at login (ParameterStatus) must be the client's values.
  EXPECT_STREQ(PQparameterStatus(c.get(), "application_name"), "sluice_params_app");
  EXPECT_STREQ(PQparameterStatus(c.get(), "client_encoding"), "LATIN1");
  EXPECT_STREQ(PQparameterStatus(c.get(), "DateStyle"), "SQL, DMY");
  EXPECT_STREQ(PQparameterStatus(c.get(), "TimeZone"), "Asia/Tokyo");
  EXPECT_STREQ(PQparameterStatus(c.get(), "IntervalStyle"), "iso_8601");
  EXPECT_EQ(PQclientEncoding(c.get()), pg_char_to_encoding("LATIN1"));
  ASSERT_NE(PQparameterStatus(c.get(), "server_version"), nullptr);
  EXPECT_EQ(std::string(PQparameterStatus(c.get(), "server_version")).substr(0, 3), "15.");

  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    EXPECT_EQ(query_value(c, "SHOW application_name"), "sluice_params_app");
    EXPECT_EQ(query_value(c, "SHOW intervalstyle"), "iso_8601");
    EXPECT_EQ(query_value(c, "SHOW search_path"), "myschema,public");
    EXPECT_EQ(query_value(c, "SHOW client_encoding"), "LATIN1");
    EXPECT_EQ(query_value(c, "SHOW DateStyle"), "SQL, DMY");
    EXPECT_EQ(query_value(c, "SHOW TimeZone"), "Asia/Tokyo");
    // The settings take effect, not just show.
    auto marker = pg_exec(c, "SELECT v FROM sp_marker");  // found through search_path
    EXPECT_TRUE(ResultIs(marker, PGRES_TUPLES_OK));
    if (PQresultStatus(marker.get()) == PGRES_TUPLES_OK) {
      EXPECT_STREQ(PQgetvalue(marker.get(), 0, 0), "from myschema");
    }
    EXPECT_EQ(query_value(c, "SELECT interval '1 day 2 hours'"), "P1DT2H");
    EXPECT_EQ(query_value(c, "SELECT timestamptz '2020-01-02 03:04:05+00'"), "02/01/2020 12:04:05 JST");
    EXPECT_EQ(query_value(c, "SELECT chr(233)"), "\xe9");  // LATIN1 byte, not UTF-8
    // Meanwhile the plain client sees the server defaults.
    EXPECT_EQ(query_value(plain, "SHOW TimeZone"), "UTC");
    EXPECT_EQ(query_value(plain, "SHOW DateStyle"), "ISO, MDY");
    EXPECT_EQ(query_value(plain, "SHOW intervalstyle"), "postgres");
    EXPECT_EQ(query_value(plain, "SHOW client_encoding"), "UTF8");
    EXPECT_EQ(query_value(plain, "SELECT chr(233)"), "\xc3\xa9");
    EXPECT_EQ(query_value(plain, "SHOW search_path"), "\"$user\", public");
    EXPECT_NE(query_value(plain, "SHOW application_name"), "sluice_params_app");
  }
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(SessionParamsTest);

// Transaction mode with a pool of 1 and one worker: two clients with different settings take turns
// on the same server connection and each sees only its own values.
class SharedConnectionParamsTest : public ProxyTest {
 protected:
  static void SetUpTestSuite() { setup_schema(); }
  void SetUp() override {
    ProxyTest::SetUp();
    ProxyOptions one_worker;
    one_worker.workers = 1;
    ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 1, one_worker));
  }
  PgConnPtr connect_with(const ClientSettings& s) {
    ScopedEnv env({{"PGDATESTYLE", s.datestyle}, {"PGTZ", s.timezone}});
    return connect("scram_user", "scram_pass", "application_name=" + conninfo_quote(s.application_name) + " " + s.extra);
  }
};

TEST_F(SharedConnectionParamsTest, TwoTimeZonesOnPoolOfOne) {
  auto a = connect_with({"client_a", "ISO, MDY", "UTC", ""});
  auto b = connect_with({"client_b", "SQL, DMY", "Asia/Tokyo", ""});
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto ra = query_rows(a, "SELECT current_setting('TimeZone'), current_setting('application_name'), "
                            "timestamptz '2020-01-02 03:04:05+00', pg_backend_pid()");
    auto rb = query_rows(b, "SELECT current_setting('TimeZone'), current_setting('application_name'), "
                            "timestamptz '2020-01-02 03:04:05+00', pg_backend_pid()");
    ASSERT_EQ(ra.size(), 1u);
    ASSERT_EQ(rb.size(), 1u);
    EXPECT_EQ(ra[0][0], "UTC");
    EXPECT_EQ(rb[0][0], "Asia/Tokyo");
    EXPECT_EQ(ra[0][1], "client_a");
    EXPECT_EQ(rb[0][1], "client_b");
    EXPECT_EQ(ra[0][2], "2020-01-02 03:04:05+00");
    EXPECT_EQ(rb[0][2], "02/01/2020 12:04:05 JST");
    if (!direct()) {
      EXPECT_EQ(ra[0][3], rb[0][3]) << "a pool of 1 should put both on one server connection";
    }
  }
}

TEST_F(SharedConnectionParamsTest, SetOfReportedParameterSticksToTheClient) {
  auto a = connect_with({"client_a", "ISO, MDY", "UTC", ""});
  auto b = connect_with({"client_b", "ISO, MDY", "Asia/Tokyo", ""});
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  // SET outside a transaction block, by each client, on the shared server connection.
  ASSERT_TRUE(ResultIs(pg_exec(a, "SET TimeZone = 'Europe/Paris'"), PGRES_COMMAND_OK));
  EXPECT_STREQ(PQparameterStatus(a.get(), "TimeZone"), "Europe/Paris");
  ASSERT_TRUE(ResultIs(pg_exec(b, "SET application_name = 'renamed_b'"), PGRES_COMMAND_OK));
  EXPECT_STREQ(PQparameterStatus(b.get(), "application_name"), "renamed_b");
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    EXPECT_EQ(query_value(a, "SHOW TimeZone"), "Europe/Paris");
    EXPECT_EQ(query_value(b, "SHOW TimeZone"), "Asia/Tokyo");
    EXPECT_EQ(query_value(a, "SHOW application_name"), "client_a");
    EXPECT_EQ(query_value(b, "SHOW application_name"), "renamed_b");
  }
  EXPECT_STREQ(PQparameterStatus(b.get(), "TimeZone"), "Asia/Tokyo");
  EXPECT_STREQ(PQparameterStatus(a.get(), "application_name"), "client_a");
}

}  // namespace
}  // namespace sluice::testing
