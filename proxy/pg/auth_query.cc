#include "proxy/pg/auth_query.h"

#include <libpq-fe.h>

#include <memory>

namespace sluice::proxy::pg {

namespace {
struct AuthQueryWork {
  uv_work_t req;
  common::TargetUrl target;
  std::string query;
  std::string user;
  double connect_timeout_s;
  std::function<void(const AuthQueryResult&)> done;
  AuthQueryResult result;
};

void run(uv_work_t* req) {
  auto* w = static_cast<AuthQueryWork*>(req->data);
  std::string port = std::to_string(w->target.port);
  std::string timeout = std::to_string(std::max(1, int(w->connect_timeout_s)));
  std::string dbname = w->target.dbname.empty() ? "postgres" : w->target.dbname;
  const char* keys[] = {"host", "port", "user", "password", "dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {w->target.host.c_str(), port.c_str(), w->target.user.c_str(), w->target.password.c_str(),
                          dbname.c_str(), timeout.c_str(), "sluice auth_query", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 0);
  if (PQstatus(conn) != CONNECTION_OK) {
    w->result.error = std::string("auth_query connection as \"") + w->target.user + "\" failed: " + PQerrorMessage(conn);
    while (!w->result.error.empty() && w->result.error.back() == '\n') w->result.error.pop_back();
    PQfinish(conn);
    return;
  }
  const char* params[] = {w->user.c_str()};
  PGresult* res = PQexecParams(conn, w->query.c_str(), 1, nullptr, params, nullptr, nullptr, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    w->result.error = std::string("auth_query failed: ") + PQresultErrorMessage(res);
    while (!w->result.error.empty() && w->result.error.back() == '\n') w->result.error.pop_back();
  } else if (PQntuples(res) > 0 && PQnfields(res) >= 2 && !PQgetisnull(res, 0, 1)) {
    w->result.found = true;
    w->result.stored = PQgetvalue(res, 0, 1);
  }
  PQclear(res);
  PQfinish(conn);
}

void after(uv_work_t* req, int) {
  std::unique_ptr<AuthQueryWork> w(static_cast<AuthQueryWork*>(req->data));
  w->done(w->result);
}
}  // namespace

void run_auth_query(uv_loop_t* loop, const common::TargetUrl& target, const std::string& query,
                    const std::string& user, double connect_timeout_s,
                    std::function<void(const AuthQueryResult&)> done) {
  auto* w = new AuthQueryWork;
  w->req.data = w;
  w->target = target;
  w->query = query;
  w->user = user;
  w->connect_timeout_s = connect_timeout_s;
  w->done = std::move(done);
  uv_queue_work(loop, &w->req, &run, &after);
}

}  // namespace sluice::proxy::pg
