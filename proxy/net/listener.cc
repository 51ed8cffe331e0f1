#include "proxy/net/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::proxy::net {

Listener::Listener(uv_loop_t* loop, AcceptFn on_accept) : on_accept_(std::move(on_accept)), loop_(loop) {}

Listener::~Listener() { close(); }

std::string Listener::listen(const std::string& host_in, uint16_t port, int backlog) {
  std::string host = host_in;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (uv_ip4_addr(host.c_str(), port, in4) == 0) {
    len = sizeof(sockaddr_in);
  } else if (uv_ip6_addr(host.c_str(), port, in6) == 0) {
    len = sizeof(sockaddr_in6);
  } else {
    return "cannot listen on '" + host_in + "': not a numeric IP address";
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  if (ss.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    std::string err = std::strerror(errno);
    ::close(fd);
    return "cannot listen on " + host_in + ":" + std::to_string(port) + ": " + err;
  }
  sockaddr_storage bound{};
  socklen_t blen = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  port_ = bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                                     : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  tcp_ = new uv_tcp_t;
  uv_tcp_init(loop_, tcp_);
  tcp_->data = this;
  if (int rc = uv_tcp_open(tcp_, fd); rc != 0) {
    ::close(fd);
    close();
    return std::string("uv_tcp_open: ") + uv_strerror(rc);
  }
  if (int rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp_), backlog, &Listener::on_connection); rc != 0) {
    close();
    return "cannot listen on " + host_in + ":" + std::to_string(port) + ": " + uv_strerror(rc);
  }
  return {};
}

void Listener::on_connection(uv_stream_t* server, int status) {
  auto* self = static_cast<Listener*>(server->data);
  if (status < 0) {
    spdlog::warn("accept failed: {}", uv_strerror(status));
    return;
  }
  if (self) self->on_accept_(server);
}

void Listener::close() {
  if (!tcp_) return;
  tcp_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(tcp_), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  tcp_ = nullptr;
}

}  // namespace sluice::proxy::net
