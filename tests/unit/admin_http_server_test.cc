// The admin HTTP listener over real loopback sockets: bearer token required, accepted and
// refused, /healthz open, 404, 500 from a throwing handler, 405, query parameters, bind errors,
// stop; and the same rules through handle() without sockets.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "proxy/admin/http_server.h"

namespace sluice::proxy::admin {
namespace {

using json = nlohmann::json;

constexpr const char* kToken = "s3cret-token";

HttpRoutes test_routes() {
  HttpRoutes routes;
  routes["/metrics"] = [](const HttpRequest&) {
    return HttpReply::text("sluice_up 1\n", "text/plain; version=0.0.4; charset=utf-8");
  };
  routes["/api/v1/queries"] = [](const HttpRequest& r) {
    return HttpReply::json(
        json{{"limit", r.param("limit", "20")}, {"order_by", r.param("order_by", "total_time")}}.dump());
  };
  routes["/boom"] = [](const HttpRequest&) -> HttpReply { throw std::runtime_error("kaput \"quoted\""); };
  return routes;
}

httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// True when reply holds a whole HTTP response (headers and Content-Length bytes of body).
bool complete_response(const std::string& reply) {
  const std::size_t head_end = reply.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::size_t length_at = reply.find("Content-Length: ");
  const std::size_t length = length_at < head_end ? std::stoul(reply.substr(length_at + 16)) : 0;
  return reply.size() >= head_end + 4 + length;
}

// Sends raw bytes to 127.0.0.1:port and returns the response.
std::string raw_exchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      send(fd, request.data(), request.size(), 0) == ssize_t(request.size())) {
    timeval timeout{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buf[4096];
    for (ssize_t n; !complete_response(reply) && (n = recv(fd, buf, sizeof buf, 0)) > 0;)
      reply.append(buf, std::size_t(n));
  }
  close(fd);
  return reply;
}

class AdminHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    ASSERT_GT(server_.port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    client_->set_connection_timeout(5);
    client_->set_read_timeout(5);
  }

  static std::string error_of(const httplib::Result& res) {
    return json::parse(res->body).at("error").get<std::string>();
  }

  AdminHttpServer server_{"127.0.0.1", 0, kToken, test_routes()};
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(AdminHttpServerTest, TokenIsRequired) {
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(error_of(res), "authorization required");

  res = client_->Get("/metrics", bearer("wrong"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(error_of(res), "invalid token");

  res = client_->Get("/metrics", httplib::Headers{{"Authorization", std::string("Basic ") + kToken}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  res = client_->Get("/metrics", bearer(std::string(kToken) + "x"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);

  // Unknown paths do not tell themselves apart without the token.
  res = client_->Get("/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
}

TEST_F(AdminHttpServerTest, TokenIsAccepted) {
  auto res = client_->Get("/metrics", bearer(kToken));
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "sluice_up 1\n");
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");

  // The scheme is case-insensitive.
  res = client_->Get("/metrics", httplib::Headers{{"Authorization", std::string("bearer ") + kToken}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(AdminHttpServerTest, HealthzNeedsNoToken) {
  auto res = client_->Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body), (json{{"status", "ok"}}));

  res = client_->Head("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(res->body.empty());
}

TEST_F(AdminHttpServerTest, UnknownPathIs404) {
  auto res = client_->Get("/api/v1/nothing", bearer(kToken));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(error_of(res), "not found: /api/v1/nothing");
  res = client_->Get("/metrics/", bearer(kToken));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(AdminHttpServerTest, ThrowingHandlerIs500WithTheMessage) {
  auto res = client_->Get("/boom", bearer(kToken));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(error_of(res), "kaput \"quoted\"");
  // The server is still fine afterwards.
  res = client_->Get("/metrics", bearer(kToken));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST_F(AdminHttpServerTest, OnlyGet) {
  auto res = client_->Post("/metrics", bearer(kToken), "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD");
  res = client_->Delete("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

TEST_F(AdminHttpServerTest, MalformedRequestsGetAJsonError) {
  const std::string reply = raw_exchange(server_.port(), "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400 ")) << reply;
  EXPECT_NE(reply.find(R"({"error":"bad request"})"), std::string::npos) << reply;
}

TEST_F(AdminHttpServerTest, QueryParametersReachTheHandler) {
  auto res = client_->Get("/api/v1/queries?limit=5&order_by=p99&limit=7", bearer(kToken));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body), (json{{"limit", "5"}, {"order_by", "p99"}}));
  res = client_->Get("/api/v1/queries", bearer(kToken));
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body), (json{{"limit", "20"}, {"order_by", "total_time"}}));
}

TEST_F(AdminHttpServerTest, ServesClientsInParallel) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", server_.port());
      for (int i = 0; i < 25; ++i) {
        auto res = c.Get("/metrics", bearer(kToken));
        if (res && res->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 100);
}

TEST_F(AdminHttpServerTest, StopClosesTheListener) {
  EXPECT_TRUE(server_.running());
  server_.stop();
  EXPECT_FALSE(server_.running());
  server_.stop();  // idempotent
  httplib::Client c("127.0.0.1", server_.port());
  c.set_connection_timeout(1);
  EXPECT_FALSE(c.Get("/healthz"));
}

TEST(AdminHttpServerBindTest, PortInUseThrowsWithTheAddress) {
  AdminHttpServer first("127.0.0.1", 0, "", {});
  first.start();
  AdminHttpServer second("127.0.0.1", first.port(), "", {});
  try {
    second.start();
    FAIL() << "second bind succeeded";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("127.0.0.1:" + std::to_string(first.port()) + ": ", 0), 0u) << what;
    EXPECT_NE(what.find("in use"), std::string::npos) << what;
  }
  EXPECT_THROW(first.start(), std::logic_error);
}

TEST(AdminHttpServerBindTest, WithoutTokenEverythingIsOpen) {
  AdminHttpServer server("127.0.0.1", 0, "", test_routes());
  server.start();
  httplib::Client c("127.0.0.1", server.port());
  auto res = c.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}  // the destructor stops the server

TEST(AdminHttpServerHandleTest, RulesWithoutSockets) {
  HttpRoutes routes = test_routes();
  routes["/healthz"] = [](const HttpRequest&) { return HttpReply::text("custom"); };
  const AdminHttpServer server("127.0.0.1", 0, "tok", routes);
  HttpRequest r;
  r.path = "/metrics";
  EXPECT_EQ(server.handle("GET", r, "").status, 401);
  EXPECT_EQ(server.handle("GET", r, "Bearer tok").status, 200);
  EXPECT_EQ(server.handle("GET", r, "Bearer  tok ").status, 200);  // spaces around the token
  EXPECT_EQ(server.handle("GET", r, "Bearer").status, 401);
  EXPECT_EQ(server.handle("GET", r, "Bearer tok2").status, 401);
  EXPECT_EQ(server.handle("GET", r, "Bearertok").status, 401);
  EXPECT_EQ(server.handle("HEAD", r, "Bearer tok").status, 200);
  EXPECT_EQ(server.handle("PUT", r, "Bearer tok").status, 405);
  r.path = "/healthz";
  const HttpReply health = server.handle("GET", r, "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "custom");  // the caller's own /healthz replaces the built-in one
  r.path = "/missing";
  EXPECT_EQ(server.handle("GET", r, "Bearer tok").status, 404);
  r.path = "/boom";
  const HttpReply boom = server.handle("GET", r, "Bearer tok");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(json::parse(boom.body)["error"], "kaput \"quoted\"");
}

}  // namespace
}  // namespace sluice::proxy::admin
