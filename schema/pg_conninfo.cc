#include "schema/pg_conninfo.h"

#include <libpq-fe.h>

#include <string_view>

namespace sluice::schema {

PgConninfo parse_pg_conninfo(const std::string& conninfo_or_url) {
  PgConninfo c;
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo_or_url.c_str(), &err);
  if (options == nullptr) {
    c.parse_error = err != nullptr ? err : "out of memory";
    while (!c.parse_error.empty() && c.parse_error.back() == '\n') c.parse_error.pop_back();
    if (err != nullptr) PQfreemem(err);
    return c;
  }
  c.parsed = true;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view k = o->keyword;
    if (k == "host" || (k == "hostaddr" && c.host.empty())) c.host = o->val;
    if (k == "port") c.port = o->val;
    if (k == "dbname") c.dbname = o->val;
    if (k == "user") c.user = o->val;
    if (k == "password") c.password = o->val;
  }
  PQconninfoFree(options);
  return c;
}

std::string PgConninfo::describe() const {
  if (!parsed) return "(invalid connection string)";
  return (host.empty() ? "localhost" : host) + ":" + (port.empty() ? "5432" : port) + "/" +
         (dbname.empty() ? user : dbname);
}

}  // namespace sluice::schema
