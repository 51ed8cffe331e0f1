// A libpq connection string or postgres:// URL taken apart (PQconninfoParse), for messages that
// name where a connection goes ("host:port/db") without ever repeating the password.
#pragma once

#include <string>

namespace sluice::schema {

struct PgConninfo {
  bool parsed = false;
  std::string parse_error;  // libpq's message when !parsed (may quote the string: mask it)
  std::string host, port, dbname, user, password;

  // "host:port/db" with libpq's defaults (localhost, 5432, the user's name as the database);
  // "(invalid connection string)" when it did not parse.
  std::string describe() const;
};

PgConninfo parse_pg_conninfo(const std::string& conninfo_or_url);

}  // namespace sluice::schema
