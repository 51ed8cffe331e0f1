#include "common/target_url.h"

#include <gtest/gtest.h>

#include <string>

#include "common/config_error.h"

namespace sluice::common {
namespace {

// The message of the ConfigError that parse_target_url throws for `url` ("" if it does not throw).
std::string parse_error(const std::string& url) {
  try {
    parse_target_url(url);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(TargetUrlTest, ParsesEveryPart) {
  TargetUrl url = parse_target_url("postgres://app:secret@db.example.com:6543/appdb?sslmode=require&application_name=x");
  EXPECT_EQ(url.scheme, "postgres");
  EXPECT_EQ(url.user, "app");
  EXPECT_EQ(url.password, "secret");
  EXPECT_EQ(url.host, "db.example.com");
  EXPECT_EQ(url.port, 6543);
  EXPECT_EQ(url.dbname, "appdb");
  ASSERT_EQ(url.params.size(), 2u);
  EXPECT_EQ(url.params.at("sslmode"), "require");
  EXPECT_EQ(url.params.at("application_name"), "x");
}

TEST(TargetUrlTest, PostgresqlSchemeIsStoredAsPostgres) {
  EXPECT_EQ(parse_target_url("postgresql://u@h/d").scheme, "postgres");
  EXPECT_EQ(parse_target_url("PostgreSQL://u@h/d").scheme, "postgres");
}

TEST(TargetUrlTest, DefaultPortsDependOnScheme) {
  EXPECT_EQ(parse_target_url("postgres://u@h/d").port, 5432);
  EXPECT_EQ(parse_target_url("postgresql://u@h/d").port, 5432);
  TargetUrl my = parse_target_url("mysql://root:pw@10.0.0.5/shop");
  EXPECT_EQ(my.scheme, "mysql");
  EXPECT_EQ(my.port, 3306);
  EXPECT_EQ(my.dbname, "shop");
  EXPECT_EQ(parse_target_url("mysql://root@10.0.0.5:3307/shop").port, 3307);
}

TEST(TargetUrlTest, DatabaseDefaultsToUser) {
  EXPECT_EQ(parse_target_url("postgres://alice:pw@localhost").dbname, "alice");
  EXPECT_EQ(parse_target_url("postgres://alice:pw@localhost/").dbname, "alice");
  EXPECT_EQ(parse_target_url("postgres://alice@localhost:5433?sslmode=disable").dbname, "alice");
  // Neither user nor database: nothing to default to.
  TargetUrl bare = parse_target_url("postgres://localhost");
  EXPECT_EQ(bare.user, "");
  EXPECT_EQ(bare.dbname, "");
  EXPECT_EQ(bare.host, "localhost");
}

TEST(TargetUrlTest, PercentDecodesUserPasswordDatabaseAndParams) {
  TargetUrl url = parse_target_url("postgres://us%65r%20x:p%40ss%3Aw%2Fd%25@h/my%2Fdb?opt%20ion=a%26b%3Dc");
  EXPECT_EQ(url.user, "user x");
  EXPECT_EQ(url.password, "p@ss:w/d%");
  EXPECT_EQ(url.dbname, "my/db");
  EXPECT_EQ(url.params.at("opt ion"), "a&b=c");
}

TEST(TargetUrlTest, PasswordMayContainColonAndUnencodedAt) {
  TargetUrl url = parse_target_url("postgres://app:pa:ss@w@host/db");
  EXPECT_EQ(url.user, "app");
  EXPECT_EQ(url.password, "pa:ss@w");
  EXPECT_EQ(url.host, "host");
}

TEST(TargetUrlTest, EmptyPasswordAfterColon) {
  TargetUrl url = parse_target_url("postgres://app:@host/db");
  EXPECT_EQ(url.user, "app");
  EXPECT_EQ(url.password, "");
}

TEST(TargetUrlTest, Ipv6HostInBrackets) {
  TargetUrl url = parse_target_url("postgres://u:p@[::1]:5433/d");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 5433);
  TargetUrl no_port = parse_target_url("postgres://u@[2001:db8::10]/d");
  EXPECT_EQ(no_port.host, "2001:db8::10");
  EXPECT_EQ(no_port.port, 5432);
}

TEST(TargetUrlTest, SurroundingWhitespaceIsIgnored) {
  TargetUrl url = parse_target_url("  postgres://u@h/d\n");
  EXPECT_EQ(url.host, "h");
  EXPECT_EQ(url.dbname, "d");
}

TEST(TargetUrlTest, EmptyQueryItemsAreSkippedAndLastValueWins) {
  TargetUrl url = parse_target_url("postgres://u@h/d?&a=1&&a=2&b=");
  ASSERT_EQ(url.params.size(), 2u);
  EXPECT_EQ(url.params.at("a"), "2");
  EXPECT_EQ(url.params.at("b"), "");
}

struct BadUrl {
  const char* url;
  const char* reason;  // a part of the expected message
};

class TargetUrlErrorTest : public ::testing::TestWithParam<BadUrl> {};

TEST_P(TargetUrlErrorTest, ThrowsConfigErrorNamingTheUrl) {
  const BadUrl& bad = GetParam();
  std::string message = parse_error(bad.url);
  ASSERT_FALSE(message.empty()) << "no error for " << bad.url;
  EXPECT_EQ(message.rfind("invalid target URL '", 0), 0u) << message;
  EXPECT_NE(message.find(bad.reason), std::string::npos) << "message: " << message << "\nexpected: " << bad.reason;
}

INSTANTIATE_TEST_SUITE_P(
    BadInput, TargetUrlErrorTest,
    ::testing::Values(BadUrl{"", "the URL is empty"},
                      BadUrl{"127.0.0.1:5432/db", "missing scheme"},
                      BadUrl{"http://u@h/d", "unsupported scheme 'http'"},
                      BadUrl{"postgres://u@h:abc/d", "invalid port 'abc'"},
                      BadUrl{"postgres://u@h:0/d", "invalid port '0'"},
                      BadUrl{"postgres://u@h:65536/d", "invalid port '65536'"},
                      BadUrl{"postgres://u@h:/d", "empty port"},
                      BadUrl{"postgres://u@/d", "missing host"},
                      BadUrl{"postgres:///d", "missing host"},
                      BadUrl{"postgres://u@::1/d", "must be written in brackets"},
                      BadUrl{"postgres://u@[::1/d", "missing ']'"},
                      BadUrl{"postgres://u@[::1]x/d", "after IPv6 address"},
                      BadUrl{"postgres://u@[nothost]/d", "invalid IPv6 address"},
                      BadUrl{"postgres://u@h1,h2/d", "multiple hosts are not supported"},
                      BadUrl{"postgres://u%zz@h/d", "bad percent-encoding in user name"},
                      BadUrl{"postgres://u:p%4@h/d", "bad percent-encoding in password"},
                      BadUrl{"postgres://u@h/d%00", "NUL"},
                      BadUrl{"postgres://:pw@h/d", "missing user name"},
                      BadUrl{"postgres://u@h/a/b", "unexpected '/' in database name"},
                      BadUrl{"postgres://u@h/d?sslmode", "has no value"},
                      BadUrl{"postgres://u@h/d?=x", "empty name"},
                      BadUrl{"postgres://u@h/d#frag", "'#' is not allowed"},
                      BadUrl{"postgres://u@h/my db", "space or control character"}));

TEST(TargetUrlTest, ErrorMessagesMaskThePassword) {
  std::string message = parse_error("postgres://app:hunter2@db:99999/x");
  EXPECT_NE(message.find("postgres://app:****@db:99999/x"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;

  // Even when the password holds an unencoded '/', which breaks the parse.
  message = parse_error("postgres://app:se/cret@db/x");
  EXPECT_NE(message.find("percent-encode '/' in a password as %2F"), std::string::npos) << message;
  EXPECT_EQ(message.find("se/cret"), std::string::npos) << message;
  EXPECT_EQ(message.find("'se'"), std::string::npos) << message;
}

TEST(TargetUrlTest, MaskUrlPassword) {
  EXPECT_EQ(mask_url_password("postgres://u:pw@h/d"), "postgres://u:****@h/d");
  EXPECT_EQ(mask_url_password("postgres://u@h:5432/d"), "postgres://u@h:5432/d");
  EXPECT_EQ(mask_url_password("postgres://h:5432/d?x=a@b"), "postgres://h:5432/d?x=a@b");
  EXPECT_EQ(mask_url_password("not a url"), "not a url");
}

TEST(TargetUrlTest, ToStringHidesThePasswordUnlessAsked) {
  TargetUrl url = parse_target_url("postgresql://app:s3cret@127.0.0.1/appdb");
  EXPECT_EQ(to_string(url), "postgres://app:****@127.0.0.1:5432/appdb");
  EXPECT_EQ(to_string(url, true), "postgres://app:s3cret@127.0.0.1:5432/appdb");
}

TEST(TargetUrlTest, ToStringEncodesAndRoundTrips) {
  TargetUrl url;
  url.scheme = "postgres";
  url.user = "us er";
  url.password = "p@ss:/w%rd";
  url.host = "::1";
  url.port = 6000;
  url.dbname = "my/db";
  url.params = {{"application_name", "a&b"}, {"sslmode", "prefer"}};
  std::string text = to_string(url, true);
  EXPECT_EQ(text, "postgres://us%20er:p%40ss%3A%2Fw%25rd@[::1]:6000/my%2Fdb?application_name=a%26b&sslmode=prefer");
  TargetUrl back = parse_target_url(text);
  EXPECT_EQ(back.scheme, url.scheme);
  EXPECT_EQ(back.user, url.user);
  EXPECT_EQ(back.password, url.password);
  EXPECT_EQ(back.host, url.host);
  EXPECT_EQ(back.port, url.port);
  EXPECT_EQ(back.dbname, url.dbname);
  EXPECT_EQ(back.params, url.params);
}

TEST(TargetUrlTest, ToStringWithoutUser) {
  TargetUrl url = parse_target_url("mysql://dbhost/shop");
  EXPECT_EQ(to_string(url), "mysql://dbhost:3306/shop");
}

TEST(TargetUrlTest, DefaultPortForScheme) {
  EXPECT_EQ(default_port_for_scheme("postgres"), 5432);
  EXPECT_EQ(default_port_for_scheme("mysql"), 3306);
  EXPECT_EQ(default_port_for_scheme("redis"), 0);
}

}  // namespace
}  // namespace sluice::common
