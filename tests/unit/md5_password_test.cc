#include "proxy/pg/auth/md5_password.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::proxy::pg::auth {
namespace {

constexpr std::array<uint8_t, 4> kSalt{1, 2, 3, 4};

TEST(Md5Password, Md5HexKnownValues) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("postgrespostgres"), "3175bce1d3201d16594cebf9d7eb3f9d");
}

TEST(Md5Password, StoredHashOfPostgresPostgres) {
  EXPECT_EQ(md5_password_hash("postgres", "postgres"), "md53175bce1d3201d16594cebf9d7eb3f9d");
}

TEST(Md5Password, MatchesHashMadeByPostgres15) {
  // rolpassword of CREATE ROLE md5_user PASSWORD 'postgres' with password_encryption = md5.
  EXPECT_EQ(md5_password_hash("md5_user", "postgres"), "md5807f0498c1247381d8b9f4676ca614a3");
}

TEST(Md5Password, IsMd5Hash) {
  EXPECT_TRUE(is_md5_hash("md53175bce1d3201d16594cebf9d7eb3f9d"));
  EXPECT_FALSE(is_md5_hash("md53175BCE1d3201d16594cebf9d7eb3f9d"));   // uppercase
  EXPECT_FALSE(is_md5_hash("md53175bce1d3201d16594cebf9d7eb3f9"));    // 31 digits
  EXPECT_FALSE(is_md5_hash("md53175bce1d3201d16594cebf9d7eb3f9d0"));  // 33 digits
  EXPECT_FALSE(is_md5_hash("xx53175bce1d3201d16594cebf9d7eb3f9d"));
  EXPECT_FALSE(is_md5_hash("md53175bce1d3201d16594cebf9d7eb3f9g"));
  EXPECT_FALSE(is_md5_hash(""));
  EXPECT_FALSE(is_md5_hash("postgres"));
}

TEST(Md5Password, SaltedResponseKnownValues) {
  // Independently computed: md5("3175bce1d3201d16594cebf9d7eb3f9d" + salt bytes).
  EXPECT_EQ(md5_salted_response("md53175bce1d3201d16594cebf9d7eb3f9d", "postgres", kSalt),
            "md568be9ed08db75f318087ab337aaea044");
  EXPECT_EQ(md5_salted_response("md53175bce1d3201d16594cebf9d7eb3f9d", "postgres",
                                {0xde, 0xad, 0xbe, 0xef}),
            "md58ee245854025535aedb7b15709315318");
}

TEST(Md5Password, SaltedResponseFromPlainPasswordEqualsFromHash) {
  EXPECT_EQ(md5_salted_response("postgres", "postgres", kSalt),
            md5_salted_response("md53175bce1d3201d16594cebf9d7eb3f9d", "postgres", kSalt));
  // When given a hash, the user is not mixed in again.
  EXPECT_EQ(md5_salted_response("md53175bce1d3201d16594cebf9d7eb3f9d", "someone-else", kSalt),
            "md568be9ed08db75f318087ab337aaea044");
}

TEST(Md5Password, VerifyRightAndWrong) {
  const std::string response = md5_salted_response("secret", "alice", kSalt);
  const std::string stored_hash = md5_password_hash("alice", "secret");

  EXPECT_TRUE(md5_verify("secret", "alice", kSalt, response));
  EXPECT_TRUE(md5_verify(stored_hash, "alice", kSalt, response));
  // A NUL terminator left on the PasswordMessage string is tolerated.
  EXPECT_TRUE(md5_verify(stored_hash, "alice", kSalt, response + std::string(1, '\0')));

  EXPECT_FALSE(md5_verify("Secret", "alice", kSalt, response));
  EXPECT_FALSE(md5_verify(md5_password_hash("alice", "wrong"), "alice", kSalt, response));
  EXPECT_FALSE(md5_verify("secret", "bob", kSalt, response));
  EXPECT_FALSE(md5_verify(stored_hash, "alice", {4, 3, 2, 1}, response));
  EXPECT_FALSE(md5_verify(stored_hash, "alice", kSalt, ""));
  EXPECT_FALSE(md5_verify(stored_hash, "alice", kSalt, response.substr(0, 34)));
  EXPECT_FALSE(md5_verify(stored_hash, "alice", kSalt, response + "0"));
  // Replaying the stored hash itself is not a valid response.
  EXPECT_FALSE(md5_verify(stored_hash, "alice", kSalt, stored_hash));
}

TEST(Md5Password, VerifyAgainstScramSecretFails) {
  const std::string scram =
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"
      "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:"
      "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
  const std::string response = md5_salted_response(scram, "alice", kSalt);
  EXPECT_FALSE(md5_verify(scram, "alice", kSalt, response));
}

}  // namespace
}  // namespace sluice::proxy::pg::auth
