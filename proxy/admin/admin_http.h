// The admin HTTP listener as the proxy runs it: the routes (/metrics, /api/v1/queries,
// /api/v1/pools, /api/v1/workload, /healthz) answered from the merger's totals and series and
// from the live state gathered from the workers. The server itself is http_server.h.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/config.h"

namespace sluice::proxy {
struct SharedState;
}

namespace sluice::proxy::admin {

class AdminHttpServer;

class AdminHttp {
 public:
  AdminHttp(SharedState& shared, const common::Endpoint& listen, std::string token, std::size_t metrics_top_n);
  ~AdminHttp();
  // Binds (throws "host:port: reason") and serves on its own threads.
  void start();
  void stop();
  int port() const;

 private:
  SharedState& shared_;
  std::size_t top_n_;
  std::string host_;
  std::unique_ptr<AdminHttpServer> server_;
};

}  // namespace sluice::proxy::admin
