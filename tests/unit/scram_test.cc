#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "proxy/pg/auth/base64.h"
#include "proxy/pg/auth/scram_client.h"
#include "proxy/pg/auth/scram_secret.h"
#include "proxy/pg/auth/scram_server.h"

namespace sluice::proxy::pg::auth {
namespace {

// RFC 7677 section 3 test vector.
constexpr std::string_view kRfcClientNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kRfcServerNoncePart = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kRfcSaltB64 = "W22ZaJ0SNY7soEsUEjb6gQ==";
constexpr std::string_view kRfcClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kRfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kRfcClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kRfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
// The same password/salt/iterations as a pg_authid secret (computed independently).
constexpr std::string_view kPencilSecret =
    "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
    "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
    "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";

std::string rfc_salt() { return base64_decode(kRfcSaltB64).value(); }

ScramSecret pencil_secret() { return make_scram_secret("pencil", rfc_salt(), 4096); }

// ---------------------------------------------------------------------------------------------
// base64

TEST(Base64, Rfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base64, BinaryRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 7) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(part)).value(), part);
  }
}

TEST(Base64, RejectsInvalid) {
  for (std::string_view bad : {"Z", "Zg", "Zg=", "Zm9", "Zg==Zg==", "Z===", "====", "Zm9v\n",
                               " Zm9v", "Zm-v", "Zm_v", "Zm9v=", "Z=g=", "=Zm9",
                               "Zh==", "Zm9=", "Zm+="}) {  // last three: non-canonical
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4)).has_value());
}

// ---------------------------------------------------------------------------------------------
// Secrets

TEST(ScramSecret, MakeMatchesIndependentComputation) {
  EXPECT_EQ(format_scram_secret(pencil_secret()), kPencilSecret);
}

TEST(ScramSecret, ParseRoundTrip) {
  const auto parsed = parse_scram_secret(kPencilSecret);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->iterations, 4096);
  EXPECT_EQ(parsed->salt, rfc_salt());
  EXPECT_EQ(*parsed, pencil_secret());
  EXPECT_EQ(format_scram_secret(*parsed), kPencilSecret);

  const ScramSecret other = make_scram_secret("x", std::string("\0\x01\xff,$:", 6), 1);
  EXPECT_EQ(parse_scram_secret(format_scram_secret(other)), other);
}

TEST(ScramSecret, ParseRejectsGarbage) {
  const std::string good(kPencilSecret);
  const std::vector<std::string> bad = {
      "",
      "SCRAM-SHA-256",
      "SCRAM-SHA-256$",
      "SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
      "md53175bce1d3201d16594cebf9d7eb3f9d",
      "postgres",
      good.substr(0, good.size() - 1),                  // truncated
      good + "A",                                       // trailing junk
      good + "$x",                                      // extra section
      "scram-sha-256" + good.substr(13),                // wrong case prefix
      "SCRAM-SHA-256$0:" + good.substr(19),             // zero iterations
      "SCRAM-SHA-256$-1:" + good.substr(19),            // negative iterations
      "SCRAM-SHA-256$+4096:" + good.substr(19),         // sign
      "SCRAM-SHA-256$99999999999:" + good.substr(19),   // overflow
      "SCRAM-SHA-256$:" + good.substr(19),              // empty iterations
      "SCRAM-SHA-256$4096:$" + good.substr(44),         // empty salt
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ=$" + good.substr(44),  // bad salt base64
      "SCRAM-SHA-256$4096W22ZaJ0SNY7soEsUEjb6gQ==$" + good.substr(44),  // missing ':'
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQx",  // short key
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=:",
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:",
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$:",
  };
  for (const auto& s : bad) EXPECT_FALSE(parse_scram_secret(s).has_value()) << s;
}

TEST(ScramSecret, MatchesSecretsMadeByPostgres15) {
  // rolpassword values from a real PostgreSQL 15 (CREATE ROLE ... PASSWORD '...' with
  // password_encryption = scram-sha-256). Re-deriving with the same salt must give the same text.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"pencil",
       "SCRAM-SHA-256$4096:cUqZY7b8hfMw4YAsNPDfgg==$"
       "/LyW2B7aJfeKAjP5R6kg+6U+ETZjsvqBMKFPFQkhjnc=:"
       "+vh05jCo4UvQiIjBEL/chze5qFkFuHl4VLfHxyWiE1c="},
      {"p@ss w0rd!$:,=",
       "SCRAM-SHA-256$4096:Gw5J5VMwTD67G0/Ajt3GKw==$"
       "eE7nHHVChHqstk/WICSyidt5507nHYYSprcDOI3ihAQ=:"
       "sMuU29w402E+MeYF0gUTHftSfMqLnbLxETnnjNiHJyc="},
  };
  for (const auto& [password, pg_secret] : cases) {
    const auto parsed = parse_scram_secret(pg_secret);
    ASSERT_TRUE(parsed.has_value()) << pg_secret;
    EXPECT_EQ(format_scram_secret(*parsed), pg_secret);
    EXPECT_EQ(make_scram_secret(password, parsed->salt, parsed->iterations), *parsed) << password;

    // And a full exchange against the PostgreSQL-made secret.
    ScramServer server(*parsed);
    ScramClient client(password);
    const auto sf = server.handle_client_first(client.client_first_message());
    ASSERT_TRUE(sf.ok) << sf.message;
    const auto cf = client.handle_server_first(sf.message);
    ASSERT_TRUE(cf.ok) << cf.message;
    const auto fin = server.handle_client_final(cf.message);
    ASSERT_TRUE(fin.ok) << fin.message;
    EXPECT_TRUE(client.verify_server_final(fin.message)) << client.error();
  }
}

TEST(ScramSecret, MakeWithInvalidIterationsIsInvalid) {
  const ScramSecret s = make_scram_secret("pencil", "salt", 0);
  EXPECT_EQ(s.iterations, 0);
  EXPECT_FALSE(parse_scram_secret(format_scram_secret(s)).has_value());
}

// ---------------------------------------------------------------------------------------------
// RFC 7677 vector, both sides

TEST(ScramRfc7677, ClientProducesExactMessages) {
  ScramClient client("pencil", std::string(kRfcClientNonce), "user");
  EXPECT_EQ(client.client_first_message(), kRfcClientFirst);
  const auto final_step = client.handle_server_first(kRfcServerFirst);
  ASSERT_TRUE(final_step.ok) << final_step.message;
  EXPECT_EQ(final_step.message, kRfcClientFinal);
  EXPECT_TRUE(client.verify_server_final(kRfcServerFinal)) << client.error();
}

TEST(ScramRfc7677, ServerProducesExactMessages) {
  ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
  const auto first = server.handle_client_first(kRfcClientFirst);
  ASSERT_TRUE(first.ok) << first.message;
  EXPECT_EQ(first.message, kRfcServerFirst);
  const auto final_step = server.handle_client_final(kRfcClientFinal);
  ASSERT_TRUE(final_step.ok) << final_step.message;
  EXPECT_EQ(final_step.message, kRfcServerFinal);
  EXPECT_TRUE(server.authenticated());
}

TEST(ScramRfc7677, ServerRecoversClientKey) {
  ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
  ASSERT_TRUE(server.handle_client_first(kRfcClientFirst).ok);
  ASSERT_TRUE(server.handle_client_final(kRfcClientFinal).ok);
  EXPECT_EQ(base64_encode(std::span<const uint8_t>(server.client_key())),
            "pg/JI9Z+hkSpLRa5btpe9GVrDHJcSEN0viVTVXaZbos=");
}

TEST(ScramRfc7677, PassThroughClientReproducesVector) {
  const ScramSecret secret = pencil_secret();
  ScramServer server(secret, std::string(kRfcServerNoncePart));
  ASSERT_TRUE(server.handle_client_first(kRfcClientFirst).ok);
  ASSERT_TRUE(server.handle_client_final(kRfcClientFinal).ok);

  ScramClient client(server.client_key(), secret.server_key, std::string(kRfcClientNonce), "user");
  EXPECT_EQ(client.client_first_message(), kRfcClientFirst);
  const auto final_step = client.handle_server_first(kRfcServerFirst);
  ASSERT_TRUE(final_step.ok) << final_step.message;
  EXPECT_EQ(final_step.message, kRfcClientFinal);
  EXPECT_TRUE(client.verify_server_final(kRfcServerFinal));
}

// ---------------------------------------------------------------------------------------------
// Client and server talking to each other

struct Outcome {
  bool server_ok = false;
  bool client_ok = false;
  std::string server_reason;
};

Outcome run(ScramClient& client, ScramServer& server) {
  Outcome out;
  const std::string cf = client.client_first_message();
  const auto sf = server.handle_client_first(cf);
  if (!sf.ok) {
    out.server_reason = sf.message;
    return out;
  }
  const auto cfin = client.handle_server_first(sf.message);
  if (!cfin.ok) return out;
  const auto sfin = server.handle_client_final(cfin.message);
  out.server_ok = sfin.ok;
  if (!sfin.ok) {
    out.server_reason = sfin.message;
    return out;
  }
  out.client_ok = client.verify_server_final(sfin.message);
  return out;
}

TEST(ScramExchange, RightPasswordSucceeds) {
  ScramServer server(make_scram_secret("correct horse", "0123456789abcdef", 4096));
  ScramClient client("correct horse");
  const Outcome o = run(client, server);
  EXPECT_TRUE(o.server_ok) << o.server_reason;
  EXPECT_TRUE(o.client_ok) << client.error();
  EXPECT_TRUE(server.authenticated());
}

TEST(ScramExchange, RandomNoncesDiffer) {
  ScramClient a("p");
  ScramClient b("p");
  EXPECT_NE(a.client_first_message(), b.client_first_message());
  EXPECT_EQ(a.client_first_message().size(), std::string("n,,n=,r=").size() + 24);
}

TEST(ScramExchange, WrongPasswordFails) {
  ScramServer server(make_scram_secret("correct horse", "0123456789abcdef", 4096));
  ScramClient client("battery staple");
  const Outcome o = run(client, server);
  EXPECT_FALSE(o.server_ok);
  EXPECT_EQ(o.server_reason, "password authentication failed");
  EXPECT_FALSE(server.authenticated());
  // Terminal: nothing more is accepted.
  EXPECT_FALSE(server.handle_client_final("c=biws,r=x,p=AAAA").ok);
}

TEST(ScramExchange, ServerWithoutTheSecretIsDetectedByClient) {
  // A server that knows StoredKey but not the right ServerKey cannot produce the signature.
  ScramSecret secret = make_scram_secret("pw", "saltsaltsaltsalt", 4096);
  secret.server_key[0] ^= 1;
  ScramServer server(secret);
  ScramClient client("pw");
  const Outcome o = run(client, server);
  EXPECT_TRUE(o.server_ok);
  EXPECT_FALSE(o.client_ok);
  EXPECT_FALSE(client.error().empty());
}

TEST(ScramExchange, PassThroughWithRecoveredClientKey) {
  const ScramSecret secret = make_scram_secret("s3cr3t", "NaCl-NaCl-NaCl!!", 4096);

  // The client logs in to the proxy (proxy = server 1).
  ScramServer front(secret);
  ScramClient user_client("s3cr3t");
  const Outcome o1 = run(user_client, front);
  ASSERT_TRUE(o1.server_ok && o1.client_ok) << o1.server_reason;

  // The proxy logs in to the real server (server 2, same pg_authid secret) without the password.
  ScramServer backend(secret);
  ScramClient proxy_client(front.client_key(), secret.server_key);
  const Outcome o2 = run(proxy_client, backend);
  EXPECT_TRUE(o2.server_ok) << o2.server_reason;
  EXPECT_TRUE(o2.client_ok) << proxy_client.error();
  EXPECT_EQ(backend.client_key(), front.client_key());
}

TEST(ScramExchange, PassThroughWithWrongKeyFails) {
  const ScramSecret secret = make_scram_secret("s3cr3t", "NaCl-NaCl-NaCl!!", 4096);
  ScramServer backend(secret);
  std::array<uint8_t, 32> bogus{};
  bogus.fill(0x42);
  ScramClient proxy_client(bogus, secret.server_key);
  const Outcome o = run(proxy_client, backend);
  EXPECT_FALSE(o.server_ok);
}

TEST(ScramExchange, ServerAcceptsYFlag) {
  // "y,," = client supports channel binding but thinks the server does not: fine for us.
  ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
  const auto sf = server.handle_client_first("y,,n=,r=abc");
  ASSERT_TRUE(sf.ok) << sf.message;
  // The c= must then be base64("y,,") = "eSws"; the biws of "n,," does not match.
  ScramServer server2(pencil_secret(), std::string(kRfcServerNoncePart));
  ASSERT_TRUE(server2.handle_client_first("y,,n=,r=abc").ok);
  const auto bad = server2.handle_client_final(
      "c=biws,r=abc%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_FALSE(bad.ok);
}

TEST(ScramExchange, ServerIgnoresUsernameAndAcceptsExtensions) {
  ScramServer server(pencil_secret(), "SRV");
  const auto sf = server.handle_client_first("n,,n=some=2Cone,r=CLI,x=ext");
  ASSERT_TRUE(sf.ok) << sf.message;
  EXPECT_EQ(sf.message, "r=CLISRV,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
}

// ---------------------------------------------------------------------------------------------
// Malformed input: server side

ScramServer::Step first_step(std::string_view msg) {
  ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
  return server.handle_client_first(msg);
}

TEST(ScramServerMalformed, ClientFirst) {
  const std::vector<std::string> bad = {
      "",
      ",",
      ",,",
      "n",
      "n,",
      "n,,",
      "n,,n=user",
      "n,,n=user,",
      "n,,n=user,r=",
      "n,,r=abc",
      "n,,n=user,x=abc",
      "x,,n=user,r=abc",
      "nn,,n=user,r=abc",
      "n,,n=user,r=abc,",
      "n,,n=user,r=abc,garbage",
      "n,,n=user,r=ab c",
      std::string("n,,n=user,r=ab\0c", 16),
      "n,,n=user,r=ab\x7f",
      "n,x,n=user,r=abc",
      "n,,m=ext,n=user,r=abc",
      "p=tls-server-end-point,,n=user,r=abc",
      "n,a=admin,n=user,r=abc",
      "\xff\xfe\xfd",
  };
  for (const auto& m : bad) {
    const auto step = first_step(m);
    EXPECT_FALSE(step.ok) << m;
    EXPECT_FALSE(step.message.empty()) << m;
  }
}

TEST(ScramServerMalformed, ChannelBindingReasonIsClear) {
  const auto step = first_step("p=tls-server-end-point,,n=,r=abc");
  EXPECT_FALSE(step.ok);
  EXPECT_NE(step.message.find("channel binding"), std::string::npos) << step.message;
}

TEST(ScramServerMalformed, ClientFinal) {
  const std::string nonce = std::string(kRfcClientNonce) + std::string(kRfcServerNoncePart);
  const std::string good(kRfcClientFinal);
  const std::vector<std::string> bad = {
      "",
      ",",
      ",,",
      "c=biws",
      "c=biws,r=" + nonce,
      "c=biws,r=" + nonce + ",",
      "c=biws,r=" + nonce + ",p=",
      "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",    // no padding
      "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=x",  // junk
      "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgs",                // short
      "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=y",  // p= not last
      "c=biws,r=" + nonce + ",p=!!!!",
      "c=bad!,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      "c=eSws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",  // wrong binding
      "c=,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",  // nonce
      "r=" + nonce + ",c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",  // order
      "c=biws,r=" + nonce + ",garbage,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
      "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVR=",  // non-canonical
      "c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVA=",  // wrong proof
      "c=biws,r=" + nonce + ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",  // wrong proof
      good.substr(0, good.size() - 2),  // truncated
      good.substr(0, 10),
  };
  for (const auto& m : bad) {
    ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
    ASSERT_TRUE(server.handle_client_first(kRfcClientFirst).ok);
    const auto step = server.handle_client_final(m);
    EXPECT_FALSE(step.ok) << m;
    EXPECT_FALSE(step.message.empty()) << m;
    EXPECT_FALSE(server.authenticated()) << m;
  }
}

TEST(ScramServerMalformed, OutOfOrderCalls) {
  {
    ScramServer server(pencil_secret());
    EXPECT_FALSE(server.handle_client_final(kRfcClientFinal).ok);
    EXPECT_FALSE(server.handle_client_first(kRfcClientFirst).ok);  // failure is terminal
  }
  {
    ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
    ASSERT_TRUE(server.handle_client_first(kRfcClientFirst).ok);
    EXPECT_FALSE(server.handle_client_first(kRfcClientFirst).ok);
  }
  {
    ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
    ASSERT_TRUE(server.handle_client_first(kRfcClientFirst).ok);
    ASSERT_TRUE(server.handle_client_final(kRfcClientFinal).ok);
    EXPECT_FALSE(server.handle_client_final(kRfcClientFinal).ok);
  }
}

TEST(ScramServerMalformed, InvalidSecret) {
  ScramServer server(ScramSecret{}, "x");
  EXPECT_FALSE(server.handle_client_first(kRfcClientFirst).ok);
}

TEST(ScramServerMalformed, EveryPrefixOfValidMessagesFailsCleanly) {
  const std::string cf(kRfcClientFirst);
  for (size_t n = 0; n < cf.size(); ++n) {
    // "n,,n=user,r=" + a shorter nonce is still a valid message; the rest must fail.
    const auto step = first_step(cf.substr(0, n));
    if (n <= std::string("n,,n=user,r=").size()) {
      EXPECT_FALSE(step.ok) << n;
    }
  }
  const std::string fin(kRfcClientFinal);
  for (size_t n = 0; n < fin.size(); ++n) {
    ScramServer server(pencil_secret(), std::string(kRfcServerNoncePart));
    ASSERT_TRUE(server.handle_client_first(kRfcClientFirst).ok);
    EXPECT_FALSE(server.handle_client_final(fin.substr(0, n)).ok) << n;
  }
}

// ---------------------------------------------------------------------------------------------
// Malformed input: client side

ScramClient::Step client_step(std::string_view server_first) {
  ScramClient client("pencil", std::string(kRfcClientNonce), "user");
  client.client_first_message();
  return client.handle_server_first(server_first);
}

TEST(ScramClientMalformed, ServerFirst) {
  const std::string n = std::string(kRfcClientNonce) + "SRV";
  const std::vector<std::string> bad = {
      "",
      ",",
      ",,",
      "r=" + n,
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=-1",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999999999",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096x",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,junk",
      "r=" + n + ",s=,i=4096",
      "r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096",
      "r=" + n + ",s=***,i=4096",
      "r=" + std::string(kRfcClientNonce) + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // not extended
      "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "r=rOprNGfwEbeRWgbNEkq,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",  // prefix of ours
      "r=,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "m=ext,r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      "s=W22ZaJ0SNY7soEsUEjb6gQ==,r=" + n + ",i=4096",
      "e=other-error",
  };
  for (const auto& m : bad) {
    const auto step = client_step(m);
    EXPECT_FALSE(step.ok) << m;
    EXPECT_FALSE(step.message.empty()) << m;
  }
}

TEST(ScramClientMalformed, IterationCountLimits) {
  // 10,000,000 is accepted syntactically (not run here: it would take seconds); 1 works.
  const std::string n = std::string(kRfcClientNonce) + "SRV";
  EXPECT_TRUE(client_step("r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1").ok);
  EXPECT_FALSE(client_step("r=" + n + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=10000001").ok);
}

TEST(ScramClientMalformed, ServerFinal) {
  const std::vector<std::string> bad = {
      "",
      "v=",
      "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4",    // no padding
      "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=",   // non-canonical base64
      "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G8=",   // wrong signature
      "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",   // wrong signature
      "v=6rriTRBi23WpRR/wtup+mMhUZUn/",                   // truncated
      "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,",  // trailing comma
      "x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
      "e=invalid-proof",
      "e=",
  };
  for (const auto& m : bad) {
    ScramClient client("pencil", std::string(kRfcClientNonce), "user");
    client.client_first_message();
    ASSERT_TRUE(client.handle_server_first(kRfcServerFirst).ok);
    EXPECT_FALSE(client.verify_server_final(m)) << m;
    EXPECT_FALSE(client.error().empty()) << m;
  }
}

TEST(ScramClientMalformed, ServerErrorIsReported) {
  ScramClient client("pencil", std::string(kRfcClientNonce), "user");
  client.client_first_message();
  ASSERT_TRUE(client.handle_server_first(kRfcServerFirst).ok);
  EXPECT_FALSE(client.verify_server_final("e=invalid-proof"));
  EXPECT_NE(client.error().find("invalid-proof"), std::string::npos) << client.error();
}

TEST(ScramClientMalformed, OutOfOrderCalls) {
  {
    ScramClient client("pencil");
    EXPECT_FALSE(client.handle_server_first(kRfcServerFirst).ok);  // no client-first yet
    EXPECT_FALSE(client.verify_server_final(kRfcServerFinal));
  }
  {
    ScramClient client("pencil", std::string(kRfcClientNonce), "user");
    client.client_first_message();
    EXPECT_FALSE(client.verify_server_final(kRfcServerFinal));  // before server-first
  }
  {
    ScramClient client("pencil", std::string(kRfcClientNonce), "user");
    EXPECT_EQ(client.client_first_message(), client.client_first_message());
    ASSERT_TRUE(client.handle_server_first(kRfcServerFirst).ok);
    EXPECT_FALSE(client.handle_server_first(kRfcServerFirst).ok);
  }
}

TEST(ScramClient, UsernameIsEscaped) {
  ScramClient client("pw", "abc", "a,b=c");
  EXPECT_EQ(client.client_first_message(), "n,,n=a=2Cb=3Dc,r=abc");
  ScramClient empty_user("pw", "abc");
  EXPECT_EQ(empty_user.client_first_message(), "n,,n=,r=abc");
}

TEST(ScramClient, InvalidNonceSeedIsEncoded) {
  ScramClient client("pw", "a,b");
  EXPECT_EQ(client.client_first_message(), "n,,n=,r=" + base64_encode(std::string_view("a,b")));
}

}  // namespace
}  // namespace sluice::proxy::pg::auth
