// A listening TCP socket on one worker's loop. Every worker binds the same address with
// SO_REUSEPORT so the kernel spreads new connections across workers without a handoff.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <string>

namespace sluice::proxy::net {

class Listener {
 public:
  using AcceptFn = std::function<void(uv_stream_t* server)>;

  Listener(uv_loop_t* loop, AcceptFn on_accept);
  ~Listener();

  // Returns an empty string on success, else the reason. port 0 picks a free port.
  std::string listen(const std::string& host, uint16_t port, int backlog = 1024);
  uint16_t bound_port() const { return port_; }
  void close();

 private:
  static void on_connection(uv_stream_t* server, int status);
  uv_tcp_t* tcp_ = nullptr;
  AcceptFn on_accept_;
  uv_loop_t* loop_;
  uint16_t port_ = 0;
};

}  // namespace sluice::proxy::net
