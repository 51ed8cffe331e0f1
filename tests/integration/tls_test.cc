// TLS on both legs: client -> proxy (tls.client_mode with the fixture's certificate) and
// proxy -> PostgreSQL (tls.server_mode), checked on the client (PQsslInUse) and on the server
// (pg_stat_ssl).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/free_port.h"
#include "tests/fixtures/proxy_test.h"
#include "tests/integration/raw_wire_helpers.h"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;
using wire::contains;
using wire::error_text;

class TlsTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "proxy TLS settings";
  }
  void start_with_tls(PoolMode mode, std::map<std::string, std::string> tls) {
    ProxyOptions o;
    o.tls = std::move(tls);
    ASSERT_NO_FATAL_FAILURE(start_proxy(mode, 4, o));
  }
  std::string verify_full() const {
    return "sslmode=verify-full sslrootcert=" + conninfo_quote(pg().cert_path());
  }
  // pg_stat_ssl.ssl of a backend, read on PostgreSQL directly and joined with pg_stat_activity.
  std::string backend_ssl(const std::string& pid, const std::string& user) const {
    return pg().query_value("SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.pid = " +
                            pid + " AND a.usename = '" + user + "'");
  }
};

// ---- client -> proxy ------------------------------------------------------------------------

TEST_F(TlsTest, ClientRequireAcceptsTls) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(PoolMode::Transaction, {{"client_mode", toml_string("require")}}));
  auto c = connect("scram_user", "scram_pass", "sslmode=require");
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  EXPECT_STREQ(PQsslAttribute(c.get(), "library"), "OpenSSL");
  const char* proto = PQsslAttribute(c.get(), "protocol");
  ASSERT_NE(proto, nullptr);
  EXPECT_TRUE(contains(proto, "TLS")) << proto;
  EXPECT_EQ(query_value(c, "SELECT current_user"), "scram_user");
  auto r = pg_exec(c, "SELECT string_agg(i::text, ',') FROM generate_series(1, 2000) i");
  ASSERT_TRUE(ResultIs(r, PGRES_TUPLES_OK));
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0)).size(), 8892u);  // a result bigger than one TLS record
  // The fixture's certificate is for 127.0.0.1: full verification works through the proxy too.
  auto v = connect("scram_user", "scram_pass", verify_full());
  ASSERT_TRUE(ConnectionOk(v)) << proxy_log();
  EXPECT_EQ(PQsslInUse(v.get()), 1);
  EXPECT_EQ(query_value(v, "SELECT 7 * 6"), "42");
}

TEST_F(TlsTest, ClientRequireRefusesPlaintext) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(PoolMode::Transaction, {{"client_mode", toml_string("require")}}));
  auto c = wire::connect_verbose(conninfo("scram_user", "scram_pass", "sslmode=disable"));
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD);
  EXPECT_TRUE(contains(error_text(c), "TLS is required")) << error_text(c);
  // sslmode=prefer upgrades, so it is let in.
  auto p = connect("scram_user", "scram_pass", "sslmode=prefer");
  ASSERT_TRUE(ConnectionOk(p));
  EXPECT_EQ(PQsslInUse(p.get()), 1);
  EXPECT_EQ(query_value(p, "SELECT 1"), "1");
}

TEST_F(TlsTest, ClientDisableRefusesTls) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(PoolMode::Transaction, {{"client_mode", toml_string("disable")}}));
  // The proxy answers 'N' to an SSLRequest.
  {
    wire::RawConn raw(port());
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.send_all(wire::ssl_request()));
    EXPECT_EQ(raw.read_byte(5000ms), int('N'));
  }
  auto req = connect("scram_user", "scram_pass", "sslmode=require");
  EXPECT_EQ(PQstatus(req.get()), CONNECTION_BAD);
  EXPECT_TRUE(contains(error_text(req), "SSL")) << error_text(req);
  auto pref = connect("scram_user", "scram_pass", "sslmode=prefer");
  ASSERT_TRUE(ConnectionOk(pref)) << proxy_log();
  EXPECT_EQ(PQsslInUse(pref.get()), 0);
  EXPECT_EQ(query_value(pref, "SELECT current_user"), "scram_user");
}

TEST_F(TlsTest, ClientPreferOffersTls) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(PoolMode::Session, {}));  // default: prefer with the cert
  auto pref = connect("scram_user", "scram_pass", "sslmode=prefer");
  ASSERT_TRUE(ConnectionOk(pref));
  EXPECT_EQ(PQsslInUse(pref.get()), 1);
  auto plain = connect("scram_user", "scram_pass", "sslmode=disable");
  ASSERT_TRUE(ConnectionOk(plain));
  EXPECT_EQ(PQsslInUse(plain.get()), 0);
  EXPECT_EQ(query_value(pref, "SELECT 1"), query_value(plain, "SELECT 1"));
}

TEST_F(TlsTest, ClientTlsHandshakeGarbageDoesNotHurtTheProxy) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(PoolMode::Transaction, {{"client_mode", toml_string("require")}}));
  {
    wire::RawConn raw(port());
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.send_all(wire::ssl_request()));
    ASSERT_EQ(raw.read_byte(5000ms), int('S'));
    // Not a TLS ClientHello.
    raw.send_all(std::string(300, 'G'));
    wire::ReadResult r = raw.read_until_closed(10s);
    EXPECT_TRUE(r.closed) << r.describe();
  }
  auto c = connect("scram_user", "scram_pass", "sslmode=require");
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  EXPECT_EQ(query_value(c, "SELECT 1"), "1");
}

// ---- proxy -> server ------------------------------------------------------------------------

class TlsServerTest : public TlsTest, public ::testing::WithParamInterface<PoolMode> {};

TEST_P(TlsServerTest, ServerRequireUsesTls) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(GetParam(), {{"server_mode", toml_string("require")}}));
  auto c = connect("scram_user", "scram_pass");
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  EXPECT_EQ(PQsslInUse(c.get()), 0);  // the client leg is plaintext here
  ASSERT_TRUE(ResultIs(pg_exec(c, "BEGIN"), PGRES_COMMAND_OK));
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  // Seen from PostgreSQL: the proxy's backend for this client is encrypted.
  EXPECT_EQ(backend_ssl(pid, "scram_user"), "t");
  EXPECT_EQ(query_value(c, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
  ASSERT_TRUE(ResultIs(pg_exec(c, "COMMIT"), PGRES_COMMAND_OK));
  // Every server connection the proxy opened for this user (md5_user too) is encrypted.
  auto m = connect("md5_user", "md5_pass");
  ASSERT_TRUE(ConnectionOk(m));
  std::string mpid = query_value(m, "SELECT pg_backend_pid()");
  EXPECT_EQ(backend_ssl(mpid, "md5_user"), "t");
  EXPECT_EQ(pg().query_value("SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                             "WHERE a.usename IN ('scram_user', 'md5_user') AND NOT s.ssl"),
            "0");
}

TEST_P(TlsServerTest, ServerRequireWithCaVerification) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(
      GetParam(), {{"server_mode", toml_string("require")}, {"server_ca", toml_string(pg().cert_path())}}));
  auto c = connect("scram_user", "scram_pass", "sslmode=require");
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  EXPECT_EQ(PQsslInUse(c.get()), 1);  // both legs encrypted
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  EXPECT_EQ(backend_ssl(pid, "scram_user"), "t");
}

TEST_P(TlsServerTest, ServerDisableIsPlaintext) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(GetParam(), {{"server_mode", toml_string("disable")}}));
  auto c = connect("scram_user", "scram_pass", "sslmode=require");
  ASSERT_TRUE(ConnectionOk(c));
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  EXPECT_EQ(backend_ssl(pid, "scram_user"), "f");
}

TEST_P(TlsServerTest, ServerPreferUsesTlsWhenOffered) {
  ASSERT_NO_FATAL_FAILURE(start_with_tls(GetParam(), {{"server_mode", toml_string("prefer")}}));
  auto c = connect("scram_user", "scram_pass");
  ASSERT_TRUE(ConnectionOk(c)) << proxy_log();
  std::string pid = query_value(c, "SELECT pg_backend_pid()");
  EXPECT_EQ(backend_ssl(pid, "scram_user"), "t");
}

SLUICE_INSTANTIATE_BOTH_POOL_MODES(TlsServerTest);

// A server without TLS: server_mode=require must fail the login, prefer falls back to plaintext.
TEST_F(TlsTest, ServerRequireAgainstPlaintextServerFails) {
  PgServer plain({.max_connections = 20, .shared_buffers = "16MB", .ssl = false, .extra_conf = ""});
  ASSERT_TRUE(plain.start());
  ASSERT_EQ(plain.query_value("SHOW ssl"), "off");
  for (const char* mode : {"require", "prefer"}) {
    SCOPED_TRACE(mode);
    ProxyOptions o;
    o.tls["server_mode"] = toml_string(mode);
    // This server has no certificate of its own: the client leg uses the shared server's.
    o.tls["client_cert"] = toml_string(pg().cert_path());
    o.tls["client_key"] = toml_string(pg().key_path());
    ProxyProcess proxy;
    uint16_t listen = free_port();
    ASSERT_TRUE(proxy.start(proxy_toml(plain, PoolMode::Session, 2, listen, o), listen));
    std::string ci = "host=127.0.0.1 port=" + std::to_string(listen) +
                     " user=scram_user password=scram_pass dbname=testdb sslmode=disable connect_timeout=15";
    auto c = wire::connect_verbose(ci);
    if (std::string(mode) == "require") {
      EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD) << proxy.with_log("server_mode=require reached a plaintext server");
      EXPECT_TRUE(contains(error_text(c), "TLS")) << error_text(c);
    } else {
      ASSERT_TRUE(ConnectionOk(c)) << proxy.with_log("");
      std::string pid = query_value(c, "SELECT pg_backend_pid()");
      EXPECT_EQ(plain.query_value("SELECT ssl FROM pg_stat_ssl WHERE pid = " + pid), "f");
    }
    c.reset();
    EXPECT_TRUE(proxy.stop());
  }
  EXPECT_TRUE(plain.stop());
}

}  // namespace
}  // namespace sluice::testing
