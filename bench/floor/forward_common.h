// What the two floor forwarders (epoll_forward.cc, uring_forward.cc) share: reading a port
// argument and the loopback address of a port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace floor_forward {

// A TCP port from the command line; exits 2 with "<program>: not a TCP port" otherwise.
inline int parse_port(const char* program, const char* s) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 1 || v > 65535) {
    std::fprintf(stderr, "%s: not a TCP port: '%s'\n", program, s);
    std::exit(2);
  }
  return static_cast<int>(v);
}

inline sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace floor_forward
