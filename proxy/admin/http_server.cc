// The admin HTTP listener on cpp-httplib (see http_server.h). Every request goes through one
// pre-routing hook that calls handle(), so httplib's own router and file serving are never used.
#include "proxy/admin/http_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

namespace sluice::proxy::admin {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "Bearer <token>" (the scheme is case-insensitive), compared in constant time.
bool bearer_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() || !iequals(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return false;
  }
  const std::string_view given = trim(authorization.substr(kScheme.size()));
  return given.size() == token.size() && CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

std::string endpoint_text(const std::string& host, int port) {
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

// Why binding host:port failed, from errno of the failed bind, or the resolver's own error.
std::string bind_failure_reason(const std::string& host, int bind_errno) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* result = nullptr;
  const int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), "0", &hints, &result);
  if (rc != 0) return std::string("cannot resolve host: ") + gai_strerror(rc);
  freeaddrinfo(result);
  return bind_errno != 0 ? std::strerror(bind_errno) : "cannot bind";
}

// SO_REUSEADDR (a restart may bind while old connections are in TIME_WAIT) but not httplib's
// default SO_REUSEPORT, which would let a second process bind the same port without an error.
void listen_socket_options(int sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  fcntl(sock, F_SETFD, FD_CLOEXEC);
}

// The error body for replies httplib makes itself, before any handler runs.
std::string library_error_message(int status) {
  switch (status) {
    case 400:
      return "bad request";
    case 413:
      return "request too large";
    case 414:
      return "URI too long";
    default:
      return "HTTP error " + std::to_string(status);
  }
}

}  // namespace

std::string HttpRequest::param(std::string_view name, std::string_view fallback) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string(fallback) : it->second;
}

HttpReply HttpReply::json(std::string body, int status) {
  HttpReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpReply HttpReply::text(std::string body, std::string content_type) {
  HttpReply r;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

HttpReply HttpReply::error(int status, std::string_view message) {
  const nlohmann::json body{{"error", message}};
  return json(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
}

struct AdminHttpServer::Impl {
  std::string host;
  int requested_port;
  std::string token;
  HttpRoutes routes;
  int threads;
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> listen_done{false};
  std::atomic<int> bound_port{0};
  bool started = false;
};

AdminHttpServer::AdminHttpServer(std::string host, int port, std::string token, HttpRoutes routes, int threads)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->requested_port = port;
  impl_->token = std::move(token);
  impl_->routes = std::move(routes);
  impl_->threads = threads > 0 ? threads : 1;
  if (impl_->routes.find(kHealthPath) == impl_->routes.end()) {
    impl_->routes.emplace(std::string(kHealthPath),
                          [](const HttpRequest&) { return HttpReply::json(R"({"status":"ok"})"); });
  }
}

AdminHttpServer::~AdminHttpServer() { stop(); }

HttpReply AdminHttpServer::handle(std::string_view method, const HttpRequest& request,
                                  std::string_view authorization) const {
  if (method != "GET" && method != "HEAD") {
    HttpReply r = HttpReply::error(405, "method not allowed: only GET");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (!impl_->token.empty() && request.path != kHealthPath && !bearer_matches(authorization, impl_->token)) {
    HttpReply r = HttpReply::error(401, authorization.empty() ? "authorization required" : "invalid token");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  auto it = impl_->routes.find(request.path);
  if (it == impl_->routes.end()) return HttpReply::error(404, "not found: " + request.path);
  try {
    return it->second(request);
  } catch (const std::exception& e) {
    spdlog::warn("admin http: GET {}: {}", request.path, e.what());
    return HttpReply::error(500, e.what());
  } catch (...) {
    spdlog::warn("admin http: GET {}: unknown exception", request.path);
    return HttpReply::error(500, "unknown error");
  }
}

void AdminHttpServer::start() {
  Impl& m = *impl_;
  if (m.started) throw std::logic_error("admin http server started twice");
  m.server.new_task_queue = [n = m.threads] { return new httplib::ThreadPool(std::size_t(n)); };
  m.server.set_socket_options(listen_socket_options);
  // An idle keep-alive connection holds one of the few threads: let it go soon.
  m.server.set_keep_alive_timeout(2);
  m.server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    HttpRequest request;
    request.path = req.path;
    for (const auto& [name, value] : req.params) request.params.emplace(name, value);
    const HttpReply reply = handle(req.method, request, req.get_header_value("Authorization"));
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name.c_str(), value);
    res.set_content(reply.body, reply.content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  });
  // httplib's own errors (malformed request, URI too long, …) get a JSON body too.
  m.server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const HttpReply reply = HttpReply::error(res.status, library_error_message(res.status));
    res.set_content(reply.body, reply.content_type.c_str());
    return httplib::Server::HandlerResponse::Handled;
  }));

  errno = 0;
  int port = m.requested_port;
  if (port == 0) {
    port = m.server.bind_to_any_port(m.host);
  } else if (!m.server.bind_to_port(m.host, port)) {
    port = -1;
  }
  if (port < 0) {
    const int bind_errno = errno;
    throw std::runtime_error(endpoint_text(m.host, m.requested_port) + ": " + bind_failure_reason(m.host, bind_errno));
  }
  m.started = true;
  m.bound_port = port;
  m.thread = std::thread([&m] {
    if (!m.server.listen_after_bind()) spdlog::error("admin http: listening socket failed");
    m.listen_done = true;
  });
  // stop() only closes a server that is running: wait for the thread to get there.
  while (!m.server.is_running() && !m.listen_done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void AdminHttpServer::stop() {
  Impl& m = *impl_;
  if (!m.thread.joinable()) return;
  m.server.stop();
  m.thread.join();
}

bool AdminHttpServer::running() const { return impl_->server.is_running(); }

int AdminHttpServer::port() const { return impl_->bound_port; }

}  // namespace sluice::proxy::admin
