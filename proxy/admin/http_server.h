// The admin HTTP listener: a small blocking HTTP/1.1 server on its own threads that answers GET
// requests from a fixed table of handlers (/metrics, /api/v1/…, /healthz), with an optional
// bearer token. The HTTP library stays inside http_server.cc.
//
// Request handling (handle(), also used by the socket side):
//   - only GET (and HEAD, which is GET without the body): anything else is 405;
//   - with a token, every path but /healthz needs "Authorization: Bearer <token>", else 401
//     with WWW-Authenticate: Bearer (checked before the path, so paths are not revealed);
//   - unknown path: 404; a handler that throws: 500 with the exception's message;
//   - errors have a JSON body {"error": "..."}.
// Handlers run on the server's threads, several at once: they must be thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::proxy::admin {

struct HttpRequest {
  std::string path;                           // decoded, without the query string
  std::map<std::string, std::string> params;  // query parameters (the first of repeated names)

  // The parameter's value, or fallback when absent.
  std::string param(std::string_view name, std::string_view fallback = {}) const;
};

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers

  static HttpReply json(std::string body, int status = 200);
  static HttpReply text(std::string body, std::string content_type = "text/plain; charset=utf-8");
  // status with the body {"error": message}.
  static HttpReply error(int status, std::string_view message);
};

using HttpHandler = std::function<HttpReply(const HttpRequest&)>;
using HttpRoutes = std::map<std::string, HttpHandler, std::less<>>;

class AdminHttpServer {
 public:
  static constexpr std::string_view kHealthPath = "/healthz";

  // token empty: no authentication. When routes has no /healthz, one answering
  // {"status":"ok"} is added. threads: requests served at once.
  AdminHttpServer(std::string host, int port, std::string token, HttpRoutes routes, int threads = 4);
  ~AdminHttpServer();  // stops
  AdminHttpServer(const AdminHttpServer&) = delete;
  AdminHttpServer& operator=(const AdminHttpServer&) = delete;

  // Binds and starts serving on a thread of its own. Throws std::runtime_error
  // "host:port: reason" when the address cannot be bound; std::logic_error when started twice.
  void start();
  // Stops accepting, finishes the requests in progress and joins the threads. Idempotent.
  void stop();
  bool running() const;
  // The bound port (the one picked when constructed with port 0); 0 before start().
  int port() const;

  // The reply for one request; authorization is the Authorization header ("" when absent).
  HttpReply handle(std::string_view method, const HttpRequest& request, std::string_view authorization) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::proxy::admin
