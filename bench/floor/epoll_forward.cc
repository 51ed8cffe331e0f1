// The floor of a read/write TCP proxy (bench/floor/floor.sh): every accepted client gets its
// own connection to the target (1:1, no pooling, no protocol parsing), and bytes go both ways
// with nonblocking read()/write() on one level-triggered epoll loop in one thread. One 64 KiB
// buffer serves every read; when write() takes less than it was given, the rest waits in a
// small per-direction buffer, the socket is watched for EPOLLOUT and its source stops being
// read until the rest is gone. Per request/response pair that is 2 reads + 2 writes (plus
// the epoll_wait calls, shared by whatever is ready at once).
//
//   epoll_forward <listen_port> <target_port>      both on 127.0.0.1; SIGINT/SIGTERM: exit 0
//
// Build: g++ -std=c++20 -O2 -Wall -Wextra -o epoll_forward epoll_forward.cc
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward_common.h"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Pair;
struct Side {
  int fd = -1;
  Pair* pair = nullptr;
  Side* peer = nullptr;
  std::string out;          // bytes for this socket that write() has not taken yet
  bool read_eof = false;    // read() gave 0: nothing more comes from this socket
  bool shut_wr = false;     // shutdown(SHUT_WR) done: nothing more goes to this socket
  uint32_t events = 0;      // what epoll watches on fd now
};
struct Pair {
  Side side[2];
  bool dead = false;
};

char g_buf[64 * 1024];
int g_epoll = -1;
std::vector<Pair*> g_graveyard;  // closed pairs, freed once the current batch of events is done
char g_listen_tag, g_signal_tag;  // epoll data for the listening socket and the signalfd

void warn(const char* what) { std::fprintf(stderr, "epoll_forward: %s: %s\n", what, std::strerror(errno)); }
[[noreturn]] void fail(const char* what) { warn(what), std::exit(1); }

void kill_pair(Pair* p) {
  if (p->dead) return;
  p->dead = true;
  for (Side& s : p->side) close(s.fd);  // close() also takes the fd out of the epoll set
  g_graveyard.push_back(p);
}

// Read s while its peer has nothing of s's left to write (back-pressure); watch for
// EPOLLOUT while s itself has bytes waiting.
void update(Side* s) {
  uint32_t ev = 0;
  if (!s->read_eof && s->peer->out.empty()) ev |= EPOLLIN;
  if (!s->out.empty()) ev |= EPOLLOUT;
  if (ev == s->events) return;
  epoll_event e{};
  e.events = ev;
  e.data.ptr = s;
  if (epoll_ctl(g_epoll, EPOLL_CTL_MOD, s->fd, &e) != 0) {
    warn("epoll_ctl(MOD)");
    kill_pair(s->pair);
    return;
  }
  s->events = ev;
}

// Everything from s's peer has been written to s and the peer is at EOF: pass the EOF on.
// Once both directions are done, the pair is closed.
void shut_wr(Side* s) {
  if (shutdown(s->fd, SHUT_WR) != 0 && errno != ENOTCONN) warn("shutdown(SHUT_WR)");
  s->shut_wr = true;
  if (s->peer->shut_wr) kill_pair(s->pair);
}

void on_readable(Side* s) {
  Side* p = s->peer;
  ssize_t n = read(s->fd, g_buf, sizeof g_buf);
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) kill_pair(s->pair);  // reset by the other end, mostly
    return;
  }
  if (n == 0) {
    s->read_eof = true;
    update(s);
    if (!s->pair->dead && p->out.empty()) shut_wr(p);
    return;
  }
  ssize_t w = write(p->fd, g_buf, static_cast<size_t>(n));
  if (w < 0) {
    if (errno != EAGAIN && errno != EINTR) {
      kill_pair(s->pair);
      return;
    }
    w = 0;
  }
  if (w < n) {
    p->out.assign(g_buf + w, static_cast<size_t>(n - w));
    update(p);
    if (!s->pair->dead) update(s);
  }
}

void on_writable(Side* s) {
  ssize_t w = write(s->fd, s->out.data(), s->out.size());
  if (w < 0) {
    if (errno != EAGAIN && errno != EINTR) kill_pair(s->pair);
    return;
  }
  s->out.erase(0, static_cast<size_t>(w));
  if (!s->out.empty()) return;
  update(s);
  if (!s->pair->dead) update(s->peer);
  if (!s->pair->dead && s->peer->read_eof) shut_wr(s);
}

void accept_all(int lfd, const sockaddr_in& target) {
  for (;;) {
    int c = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) warn("accept4");
      return;
    }
    // A blocking connect: on loopback it is done before it returns, and it keeps this short.
    int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (t < 0 || connect(t, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
      warn(t < 0 ? "socket" : "connect to the target");
      if (t >= 0) close(t);
      close(c);
      continue;
    }
    if (fcntl(t, F_SETFL, O_NONBLOCK) != 0) warn("fcntl(O_NONBLOCK)");
    int one = 1;
    for (int fd : {c, t})
      if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) warn("setsockopt(TCP_NODELAY)");
    auto* p = new Pair;
    p->side[0].fd = c;
    p->side[1].fd = t;
    for (int i = 0; i < 2; ++i) {
      Side& s = p->side[i];
      s.pair = p;
      s.peer = &p->side[1 - i];
      s.events = EPOLLIN;
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.ptr = &s;
      if (epoll_ctl(g_epoll, EPOLL_CTL_ADD, s.fd, &e) != 0) {
        warn("epoll_ctl(ADD)");
        kill_pair(p);
        break;
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <listen_port> <target_port>  (both on 127.0.0.1)\n", argv[0]);
    return 2;
  }
  const sockaddr_in listen_addr = floor_forward::loopback(floor_forward::parse_port("epoll_forward", argv[1]));
  const sockaddr_in target = floor_forward::loopback(floor_forward::parse_port("epoll_forward", argv[2]));
  std::signal(SIGPIPE, SIG_IGN);  // a write() to a reset peer fails with EPIPE instead

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) fail("sigprocmask");
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) fail("signalfd");

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) fail("socket");
  int one = 1;
  if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) fail("setsockopt(SO_REUSEADDR)");
  if (bind(lfd, reinterpret_cast<const sockaddr*>(&listen_addr), sizeof listen_addr) != 0) {
    std::string what = std::string("bind 127.0.0.1:") + argv[1];
    fail(what.c_str());
  }
  if (listen(lfd, 1024) != 0) fail("listen");

  g_epoll = epoll_create1(EPOLL_CLOEXEC);
  if (g_epoll < 0) fail("epoll_create1");
  epoll_event e{};
  e.events = EPOLLIN;
  e.data.ptr = &g_listen_tag;
  if (epoll_ctl(g_epoll, EPOLL_CTL_ADD, lfd, &e) != 0) fail("epoll_ctl(ADD) of the listening socket");
  e.data.ptr = &g_signal_tag;
  if (epoll_ctl(g_epoll, EPOLL_CTL_ADD, sfd, &e) != 0) fail("epoll_ctl(ADD) of the signalfd");

  epoll_event events[256];
  for (bool stop = false; !stop;) {
    int n = epoll_wait(g_epoll, events, 256, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &g_signal_tag) stop = true;
      if (tag == &g_listen_tag) accept_all(lfd, target);
      if (tag == &g_signal_tag || tag == &g_listen_tag) continue;
      auto* s = static_cast<Side*>(tag);
      uint32_t ev = events[i].events;
      if (s->pair->dead) continue;
      if (ev & EPOLLERR) kill_pair(s->pair);
      if (!s->pair->dead && (ev & EPOLLOUT)) on_writable(s);
      // EPOLLHUP alone: read() tells EOF from reset. Never read while the peer still holds
      // bytes from s (that would reorder them).
      if (!s->pair->dead && (ev & (EPOLLIN | EPOLLHUP)) && !s->read_eof && s->peer->out.empty()) on_readable(s);
    }
    for (Pair* p : g_graveyard) delete p;
    g_graveyard.clear();
  }
  close(lfd);
  close(g_epoll);
  return 0;
}
