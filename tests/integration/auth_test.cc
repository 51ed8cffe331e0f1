// Client authentication through the proxy (SCRAM, md5, trust; users list, stored secrets and
// auth_query pass-through) and the proxy's own logins to PostgreSQL (md5 and SCRAM pg_hba lines).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/proxy_test.h"
#include "tests/integration/raw_wire_helpers.h"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;
using wire::connect_verbose;
using wire::contains;
using wire::error_text;

// The first authentication request the proxy sends to a raw client: its code (0 ok, 5 md5,
// 10 SASL) and the rest of the body; code -1 when something else came.
struct AuthRequest {
  int code = -1;
  std::string data;
  std::string seen;  // for failure messages
};

AuthRequest first_auth_request(uint16_t port, const std::string& user) {
  AuthRequest a;
  wire::RawConn c(port);
  if (!c.ok()) {
    a.seen = "connect failed: " + c.error();
    return a;
  }
  c.send_all(wire::startup_packet({{"user", user}, {"database", "testdb"}}));
  bool closed = false;
  auto msgs = c.read_until('R', 10s, &closed);
  a.seen = wire::describe_messages(msgs);
  for (const auto& m : msgs) {
    if (m.type == 'R' && m.body.size() >= 4) {
      a.code = int(wire::read_be32(m.body.data()));
      a.data = m.body.substr(4);
      break;
    }
  }
  return a;
}

// Success when a login failed with "password authentication failed" and SQLSTATE 28P01.
::testing::AssertionResult FailedWith28P01(const PgConnPtr& c) {
  if (PQstatus(c.get()) == CONNECTION_OK) return ::testing::AssertionFailure() << "the login succeeded";
  std::string msg = error_text(c);
  if (!contains(msg, "28P01") || !contains(msg, "password authentication failed")) {
    return ::testing::AssertionFailure() << "expected 28P01 password authentication failed, got: " << msg;
  }
  return ::testing::AssertionSuccess();
}

class AuthTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "proxy authentication settings";
  }
  PgConnPtr verbose(const std::string& user, const std::string& password) {
    return connect_verbose(conninfo(user, password));
  }
  // Logs in and checks who the server thinks we are (this needs a server login in every mode).
  void expect_login_as(const std::string& user, const std::string& password) {
    auto c = verbose(user, password);
    ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
    EXPECT_EQ(query_value(c, "SELECT current_user"), user);
    EXPECT_EQ(query_value(c, "SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND usename = '" +
                                 user + "'"),
              "1");
  }
};

// ---- SCRAM against the [users] list -----------------------------------------------------------

class AuthScramTest : public AuthTest, public ::testing::WithParamInterface<PoolMode> {};

TEST_P(AuthScramTest, ProxyAsksForScram) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 2));
  AuthRequest a = first_auth_request(port(), "scram_user");
  ASSERT_EQ(a.code, 10) << a.seen;  // AuthenticationSASL
  EXPECT_TRUE(contains(a.data, "SCRAM-SHA-256")) << a.data;
}

TEST_P(AuthScramTest, RightPasswordLogsIn) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 2));
  ASSERT_NO_FATAL_FAILURE(expect_login_as("scram_user", "scram_pass"));
  auto c = connect("scram_user", "scram_pass");
  ASSERT_TRUE(ConnectionOk(c));
  EXPECT_EQ(PQconnectionUsedPassword(c.get()), 1);
  EXPECT_EQ(query_value(c, "SELECT 40 + 2"), "42");
}

TEST_P(AuthScramTest, WrongPasswordFailsWith28P01) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 2));
  auto bad = verbose("scram_user", "not_the_password");
  EXPECT_TRUE(FailedWith28P01(bad));
  EXPECT_TRUE(contains(error_text(bad), "\"scram_user\"")) << error_text(bad);
  auto empty = verbose("scram_user", "x");
  EXPECT_TRUE(FailedWith28P01(empty));
  // The proxy keeps serving after failed logins.
  auto good = verbose("scram_user", "scram_pass");
  ASSERT_TRUE(ConnectionOk(good));
  EXPECT_EQ(query_value(good, "SELECT 1"), "1");
}

TEST_P(AuthScramTest, UnknownUserFails) {
  ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 2));
  auto c = verbose("nobody_such_user", "whatever");
  EXPECT_TRUE(FailedWith28P01(c));
  // trust_user exists on the server but is not in the proxy's users list.
  auto t = verbose("trust_user", "anything");
  EXPECT_TRUE(FailedWith28P01(t));
}

TEST_P(AuthScramTest, ServerSideMd5AndScramLogins) {
  // md5_user's pg_hba line is md5, scram_user's is scram-sha-256: the proxy logs in both ways.
  ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 2));
  ASSERT_NO_FATAL_FAILURE(expect_login_as("md5_user", "md5_pass"));
  ASSERT_NO_FATAL_FAILURE(expect_login_as("scram_user", "scram_pass"));
  auto bad = verbose("md5_user", "wrong");
  EXPECT_TRUE(FailedWith28P01(bad));
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(AuthScramTest);

// ---- md5 ----------------------------------------------------------------------------------------

TEST_F(AuthTest, Md5AuthTypeAsksForMd5) {
  ProxyOptions o;
  o.auth_type = "md5";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  AuthRequest a = first_auth_request(port(), "scram_user");
  ASSERT_EQ(a.code, 5) << a.seen;  // AuthenticationMD5Password
  EXPECT_EQ(a.data.size(), 4u);    // the salt
}

TEST_F(AuthTest, Md5AuthTypeSuccessAndFailure) {
  ProxyOptions o;
  o.auth_type = "md5";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 4, o));
  ASSERT_NO_FATAL_FAILURE(expect_login_as("md5_user", "md5_pass"));
  // A SCRAM user on the server still logs in through md5 toward the proxy.
  ASSERT_NO_FATAL_FAILURE(expect_login_as("scram_user", "scram_pass"));
  EXPECT_TRUE(FailedWith28P01(verbose("md5_user", "md5_pass_wrong")));
  EXPECT_TRUE(FailedWith28P01(verbose("scram_user", "SCRAM_PASS")));
  EXPECT_TRUE(FailedWith28P01(verbose("no_such_user", "md5_pass")));
}

TEST_F(AuthTest, Md5WrongResponseGets28P01OnTheWire) {
  ProxyOptions o;
  o.auth_type = "md5";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  wire::RawConn c(port());
  ASSERT_TRUE(c.ok()) << c.error();
  ASSERT_TRUE(c.send_all(wire::startup_packet({{"user", "md5_user"}, {"database", "testdb"}})));
  auto msgs = c.read_until('R', 10s);
  ASSERT_FALSE(msgs.empty()) << wire::describe_messages(msgs);
  ASSERT_EQ(msgs.back().type, 'R');
  ASSERT_EQ(wire::read_be32(msgs.back().body.data()), 5u);
  // A well-formed but wrong md5 answer.
  ASSERT_TRUE(c.send_all(wire::message('p', "md5" + std::string(32, '0') + std::string(1, '\0'))));
  wire::ReadResult r = c.read_until_closed(10s);
  EXPECT_TRUE(wire::rejected_with(r, "28P01", "password authentication failed for user \"md5_user\""));
}

// A users list holding md5 hashes (as PgBouncer's userlist does): the client proves the password
// with md5 and the proxy logs in to the server with the hash alone.
TEST_F(AuthTest, StoredMd5HashInUsersList) {
  std::string hash = pg().query_value("SELECT rolpassword FROM pg_authid WHERE rolname = 'md5_user'", "postgres");
  ASSERT_EQ(hash.rfind("md5", 0), 0u) << hash;
  ProxyOptions o;
  o.default_users = false;
  o.users = {{"postgres", PgServer::kSuperuserPassword}, {"md5_user", hash}};
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  AuthRequest a = first_auth_request(port(), "md5_user");
  EXPECT_EQ(a.code, 5) << "a stored md5 hash can only be checked with md5: " << a.seen;
  ASSERT_NO_FATAL_FAILURE(expect_login_as("md5_user", "md5_pass"));
  EXPECT_TRUE(FailedWith28P01(verbose("md5_user", "nope")));
}

// A users list holding the server's SCRAM secret: the client logs in with SCRAM and the proxy
// reuses the client's proof keys to log in to the server.
TEST_F(AuthTest, StoredScramSecretInUsersList) {
  std::string secret =
      pg().query_value("SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_user'", "postgres");
  ASSERT_EQ(secret.rfind("SCRAM-SHA-256$", 0), 0u) << secret;
  ProxyOptions o;
  o.default_users = false;
  o.users = {{"postgres", PgServer::kSuperuserPassword}, {"scram_user", secret}};
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 4, o));
  EXPECT_TRUE(FailedWith28P01(verbose("scram_user", "wrong")));
  ASSERT_NO_FATAL_FAILURE(expect_login_as("scram_user", "scram_pass"));
  // A second session needs a second server connection, made with the remembered keys.
  auto a = verbose("scram_user", "scram_pass");
  auto b = verbose("scram_user", "scram_pass");
  ASSERT_TRUE(ConnectionOk(a));
  ASSERT_TRUE(ConnectionOk(b));
  EXPECT_NE(query_value(a, "SELECT pg_backend_pid()"), query_value(b, "SELECT pg_backend_pid()"));
}

// ---- trust --------------------------------------------------------------------------------------

TEST_F(AuthTest, TrustNeedsNoPassword) {
  ProxyOptions o;
  o.auth_type = "trust";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Transaction, 2, o));
  AuthRequest a = first_auth_request(port(), "scram_user");
  EXPECT_EQ(a.code, 0) << "trust answers AuthenticationOk at once: " << a.seen;
  // No password at all, and a wrong one: both accepted by the proxy; the proxy itself logs in to
  // the server with the password from its users list.
  auto none = connect_verbose(conninfo("scram_user", ""));
  ASSERT_TRUE(ConnectionOk(none)) << proxy_log();
  EXPECT_EQ(PQconnectionUsedPassword(none.get()), 0);
  EXPECT_EQ(query_value(none, "SELECT current_user"), "scram_user");
  auto wrong = connect_verbose(conninfo("md5_user", "not_checked"));
  ASSERT_TRUE(ConnectionOk(wrong));
  EXPECT_EQ(query_value(wrong, "SELECT current_user"), "md5_user");
}

TEST_F(AuthTest, TrustUnknownUserStillFailsAtTheServer) {
  ProxyOptions o;
  o.auth_type = "trust";
  ASSERT_NO_FATAL_FAILURE(start_proxy(PoolMode::Session, 2, o));
  auto c = connect_verbose(conninfo("no_such_role_here", ""));
  EXPECT_NE(PQstatus(c.get()), CONNECTION_OK) << "a session for a role the server does not know";
  auto good = connect("scram_user", "");
  ASSERT_TRUE(ConnectionOk(good));
  EXPECT_EQ(query_value(good, "SELECT 1"), "1");
}

// ---- pass-through: no users list, secrets come from auth_query ---------------------------------

class AuthPassThroughTest : public AuthTest, public ::testing::WithParamInterface<PoolMode> {
 protected:
  void start() {
    ProxyOptions o;
    o.default_users = false;  // no [users.*] at all: auth.query (the default) is used
    ASSERT_NO_FATAL_FAILURE(start_proxy(GetParam(), 4, o));
  }
};

TEST_P(AuthPassThroughTest, ScramUserWithServerPassword) {
  ASSERT_NO_FATAL_FAILURE(start());
  AuthRequest a = first_auth_request(port(), "scram_user");
  EXPECT_EQ(a.code, 10) << a.seen;
  ASSERT_NO_FATAL_FAILURE(expect_login_as("scram_user", "scram_pass"));
  EXPECT_TRUE(FailedWith28P01(verbose("scram_user", "scram_pass_wrong")));
  // Two transactions at once need two server connections, both made without the plain password.
  auto c1 = verbose("scram_user", "scram_pass");
  auto c2 = verbose("scram_user", "scram_pass");
  ASSERT_TRUE(ConnectionOk(c1));
  ASSERT_TRUE(ConnectionOk(c2));
  ASSERT_TRUE(ResultIs(pg_exec(c1, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(c2, "BEGIN"), PGRES_COMMAND_OK));
  std::string p1 = query_value(c1, "SELECT pg_backend_pid()");
  std::string p2 = query_value(c2, "SELECT pg_backend_pid()");
  EXPECT_NE(p1, p2);
  EXPECT_TRUE(ResultIs(pg_exec(c1, "COMMIT"), PGRES_COMMAND_OK));
  EXPECT_TRUE(ResultIs(pg_exec(c2, "COMMIT"), PGRES_COMMAND_OK));
}

TEST_P(AuthPassThroughTest, Md5UserWithServerPassword) {
  ASSERT_NO_FATAL_FAILURE(start());
  // pg_shadow has only an md5 hash for md5_user: the proxy must ask the client for md5.
  AuthRequest a = first_auth_request(port(), "md5_user");
  EXPECT_EQ(a.code, 5) << a.seen;
  ASSERT_NO_FATAL_FAILURE(expect_login_as("md5_user", "md5_pass"));
  EXPECT_TRUE(FailedWith28P01(verbose("md5_user", "md5_wrong")));
  // Again after a failure (the cached secret must not be spoiled).
  ASSERT_NO_FATAL_FAILURE(expect_login_as("md5_user", "md5_pass"));
}

TEST_P(AuthPassThroughTest, UnknownUserFails) {
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_TRUE(FailedWith28P01(verbose("not_a_role_anywhere", "pw")));
  ASSERT_NO_FATAL_FAILURE(expect_login_as("scram_user", "scram_pass"));
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(AuthPassThroughTest);

}  // namespace
}  // namespace sluice::testing
