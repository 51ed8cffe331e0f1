// The floor of a TCP proxy on io_uring (bench/floor/floor.sh): the same job as
// epoll_forward.cc (1:1 forwarding, no pooling, no parsing), one thread, one ring, no SQPOLL.
// Each socket has one recv in flight into its own 64 KiB buffer. When it completes with n
// bytes, two SQEs go in: a send of those n bytes to the peer (MSG_WAITALL: the kernel itself
// finishes a short send; IOSQE_CQE_SKIP_SUCCESS: no CQE unless it fails) linked
// (IOSQE_IO_LINK) to the next recv into the same buffer, which therefore starts only once the
// buffer has been sent. Every SQE prepared while handling a batch of CQEs goes to the kernel in
// the next io_uring_submit_and_wait(1): one io_uring_enter per loop iteration.
//
//   uring_forward <listen_port> <target_port> [defer|coop|plain]
//     defer (default): IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
//     coop: IORING_SETUP_COOP_TASKRUN; plain: no setup flags
//   A mode the kernel refuses falls back to the next one; the mode in use goes to stderr.
//   SIGINT/SIGTERM: exit 0.
//
// Build: g++ -std=c++20 -O2 -Wall -Wextra -o uring_forward uring_forward.cc -luring
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

namespace {

constexpr uint64_t kAccept = 1, kSignal = 2;  // user_data; a Side* (| 1 for its send) otherwise
constexpr size_t kBuf = 64 * 1024;

struct Pair;
struct Side {
  int fd = -1;
  Pair* pair = nullptr;
  Side* peer = nullptr;
  bool recv_busy = false;  // a recv on fd is in flight (perhaps still behind its linked send)
  bool eof = false;        // recv gave 0 and the EOF was passed on: no more recvs
  alignas(64) char buf[kBuf];
};
struct Pair {
  Side side[2];
  bool failed = false;
};

io_uring g_ring;

void warn(const char* what, int err) { std::fprintf(stderr, "uring_forward: %s: %s\n", what, std::strerror(err)); }
[[noreturn]] void fail(const char* what, int err) {
  warn(what, err);
  std::exit(1);
}

// n free SQEs, submitting what is queued when the SQ is too full (a linked pair must not be
// split over two submissions).
io_uring_sqe* sqes(unsigned n) {
  if (io_uring_sq_space_left(&g_ring) < n) {
    int r = io_uring_submit(&g_ring);
    if (r < 0) fail("io_uring_submit", -r);
  }
  io_uring_sqe* sqe = io_uring_get_sqe(&g_ring);
  if (sqe == nullptr) fail("io_uring_get_sqe", EBUSY);
  return sqe;
}

void arm_recv(Side* s) {
  io_uring_sqe* sqe = sqes(1);
  io_uring_prep_recv(sqe, s->fd, s->buf, kBuf, 0);
  io_uring_sqe_set_data64(sqe, reinterpret_cast<uint64_t>(s));
  s->recv_busy = true;
}

void arm_accept(int lfd) {
  io_uring_sqe* sqe = sqes(1);
  io_uring_prep_multishot_accept(sqe, lfd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, kAccept);
}

// Closes and frees the pair once no recv of it is in flight (a send in flight always has
// its linked recv behind it, so no CQE can name the pair afterwards).
void maybe_free(Pair* p) {
  if (p->side[0].recv_busy || p->side[1].recv_busy) return;
  close(p->side[0].fd);
  close(p->side[1].fd);
  delete p;
}

// A reset, a failed send: wake the recvs still in flight (they complete with 0), then free.
void fail_pair(Pair* p) {
  if (!p->failed) {
    p->failed = true;
    for (Side& s : p->side) shutdown(s.fd, SHUT_RDWR);
  }
  maybe_free(p);
}

void on_recv(Side* s, int res) {
  s->recv_busy = false;
  Pair* p = s->pair;
  if (p->failed || res < 0) {  // -ECANCELED when the send linked before it failed
    fail_pair(p);
    return;
  }
  if (res == 0) {  // EOF from s: every byte s sent is already sent on, so pass the EOF on
    s->eof = true;
    if (shutdown(s->peer->fd, SHUT_WR) != 0 && errno != ENOTCONN) warn("shutdown(SHUT_WR)", errno);
    if (s->peer->eof) maybe_free(p);
    return;
  }
  io_uring_sqe* send = sqes(2);
  io_uring_prep_send(send, s->peer->fd, s->buf, static_cast<size_t>(res), MSG_WAITALL);
  io_uring_sqe_set_data64(send, reinterpret_cast<uint64_t>(s) | 1);
  io_uring_sqe_set_flags(send, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS);
  arm_recv(s);
}

void on_accept(int lfd, const sockaddr_in& target, int res, unsigned flags) {
  if (!(flags & IORING_CQE_F_MORE)) arm_accept(lfd);  // the multishot accept ended: re-arm
  if (res < 0) {
    if (res == -EINVAL) fail("multishot accept", -res);
    warn("accept", -res);
    return;
  }
  // A blocking connect, as in epoll_forward: on loopback it is done before it returns.
  int t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (t < 0 || connect(t, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
    warn(t < 0 ? "socket" : "connect to the target", errno);
    if (t >= 0) close(t);
    close(res);
    return;
  }
  int one = 1;
  for (int fd : {res, t})
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) warn("setsockopt(TCP_NODELAY)", errno);
  auto* p = new Pair;
  p->side[0].fd = res;
  p->side[1].fd = t;
  for (int i = 0; i < 2; ++i) {
    p->side[i].pair = p;
    p->side[i].peer = &p->side[1 - i];
    arm_recv(&p->side[i]);
  }
}

// Sets up the ring in the mode asked for, or the next one the kernel accepts.
const char* setup_ring(const char* mode) {
  struct Mode { const char* name; unsigned flags; };
  static const Mode modes[] = {
      {"defer", IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN},
      {"coop", IORING_SETUP_COOP_TASKRUN},
      {"plain", 0},
  };
  int first = -1;
  for (int i = 0; i < 3; ++i)
    if (std::strcmp(mode, modes[i].name) == 0) first = i;
  if (first < 0) {
    std::fprintf(stderr, "uring_forward: mode must be defer, coop or plain (got '%s')\n", mode);
    std::exit(2);
  }
  for (int i = first; i < 3; ++i) {
    io_uring_params params{};
    params.flags = modes[i].flags;
    int r = io_uring_queue_init_params(256, &g_ring, &params);
    if (r == 0) return modes[i].name;
    warn(i + 1 < 3 ? "io_uring_queue_init_params (trying the next mode)" : "io_uring_queue_init_params", -r);
    std::fprintf(stderr, "uring_forward: the kernel refused mode %s\n", modes[i].name);
  }
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s <listen_port> <target_port> [defer|coop|plain]  (both on 127.0.0.1)\n", argv[0]);
    return 2;
  }
  const sockaddr_in listen_addr = floor_forward::loopback(floor_forward::parse_port("uring_forward", argv[1]));
  const sockaddr_in target = floor_forward::loopback(floor_forward::parse_port("uring_forward", argv[2]));
  std::signal(SIGPIPE, SIG_IGN);  // io_uring sends already use MSG_NOSIGNAL; this is for safety

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) fail("sigprocmask", errno);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  if (sfd < 0) fail("signalfd", errno);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) fail("socket", errno);
  int one = 1;
  if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) fail("setsockopt(SO_REUSEADDR)", errno);
  if (bind(lfd, reinterpret_cast<const sockaddr*>(&listen_addr), sizeof listen_addr) != 0) {
    std::string what = std::string("bind 127.0.0.1:") + argv[1];
    fail(what.c_str(), errno);
  }
  if (listen(lfd, 1024) != 0) fail("listen", errno);

  const char* mode = setup_ring(argc == 4 ? argv[3] : "defer");
  std::fprintf(stderr, "uring_forward: io_uring mode %s\n", mode);

  signalfd_siginfo info;
  io_uring_sqe* sqe = sqes(1);
  io_uring_prep_read(sqe, sfd, &info, sizeof info, 0);
  io_uring_sqe_set_data64(sqe, kSignal);
  arm_accept(lfd);

  for (bool stop = false; !stop;) {
    int r = io_uring_submit_and_wait(&g_ring, 1);
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) fail("io_uring_submit_and_wait", -r);
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&g_ring, head, cqe) {
      ++seen;
      uint64_t d = cqe->user_data;
      if (d == kAccept) on_accept(lfd, target, cqe->res, cqe->flags);
      else if (d == kSignal) stop = true;
      else if (d & 1) fail_pair(reinterpret_cast<Side*>(d & ~uint64_t{1})->pair);  // only failed sends post a CQE
      else on_recv(reinterpret_cast<Side*>(d), cqe->res);
    }
    io_uring_cq_advance(&g_ring, seen);
  }
  io_uring_queue_exit(&g_ring);
  close(lfd);
  close(sfd);
  return 0;
}
