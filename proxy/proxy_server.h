// The running proxy: worker threads (one libuv loop each), their listeners, and the control
// loop on the main thread that handles signals: SIGHUP reloads, SIGTERM drains, SIGINT stops.
#pragma once

#include <memory>
#include <string>

#include "common/config.h"

namespace sluice::proxy {

class ProxyServer {
 public:
  // `config_path` empty: started from the command line (SIGHUP then has nothing to reload).
  ProxyServer(std::shared_ptr<const common::Config> config, std::string config_path);
  ~ProxyServer();
  // Blocks until the proxy stops. Returns the process exit code.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::proxy
