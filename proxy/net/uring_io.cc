#include "proxy/net/uring_io.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace sluice::proxy::net {

namespace {

// 256 buffers of 8 KiB per worker (2 MiB). A buffer is held only from a receive's completion
// until the connection has handled those bytes, so the ring runs dry only when more than 256
// receives complete in one batch; the receives that find it empty end with -ENOBUFS and are
// armed again.
constexpr unsigned kBufferCount = 256;
constexpr unsigned kBufferSize = 8192;
constexpr unsigned kBufferGroup = 0;
constexpr unsigned kSqEntries = 1024;
constexpr unsigned kCqEntries = 8192;

std::string errno_text(const char* what, int err) { return std::string(what) + ": " + std::strerror(err); }

}  // namespace

std::unique_ptr<UringIo> UringIo::create(std::string* why_not) {
  std::unique_ptr<UringIo> io(new UringIo());
  if (!io->setup(why_not) || !io->self_test(why_not)) return nullptr;
  return io;
}

bool UringIo::setup(std::string* why_not) {
  // DEFER_TASKRUN: completions are posted only when this thread asks for them, in its one
  // io_uring_enter per loop iteration, rather than by interrupting it.
  const unsigned modes[] = {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0};
  int rc = -EINVAL;
  for (unsigned flags : modes) {
    io_uring_params params{};
    params.flags = flags | IORING_SETUP_CQSIZE;
    params.cq_entries = kCqEntries;
    rc = io_uring_queue_init_params(kSqEntries, &ring_, &params);
    if (rc == 0) break;
  }
  if (rc != 0) {
    *why_not = errno_text("io_uring_setup", -rc);
    return false;
  }
  ring_ready_ = true;

  buf_ring_bytes_ = kBufferCount * sizeof(io_uring_buf);
  void* mem = mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) {
    *why_not = errno_text("mmap of the buffer ring", errno);
    return false;
  }
  buf_ring_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(buf_ring_);
  reg.ring_entries = kBufferCount;
  reg.bgid = kBufferGroup;
  if (int r = io_uring_register_buf_ring(&ring_, &reg, 0); r != 0) {
    munmap(buf_ring_, buf_ring_bytes_);
    buf_ring_ = nullptr;
    *why_not = errno_text("registering receive buffers", -r);
    return false;
  }
  buffers_ = static_cast<char*>(std::aligned_alloc(4096, std::size_t(kBufferCount) * kBufferSize));
  const int mask = io_uring_buf_ring_mask(kBufferCount);
  for (unsigned i = 0; i < kBufferCount; ++i)
    io_uring_buf_ring_add(buf_ring_, buffers_ + std::size_t(i) * kBufferSize, kBufferSize, uint16_t(i), mask, int(i));
  io_uring_buf_ring_advance(buf_ring_, int(kBufferCount));
  return true;
}

// A multishot receive on a socket pair must deliver a byte and stay armed: kernels before 6.0
// and sandboxes that filter io_uring fail here, and the worker then runs on libuv alone.
bool UringIo::self_test(std::string* why_not) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    *why_not = errno_text("socketpair", errno);
    return false;
  }
  const uint64_t ud = user_data(this, kRecv);
  recv_multishot(sv[0], ud);
  bool ok = false;
  std::string detail = "no completion within a second";
  if (::write(sv[1], "x", 1) == 1) {
    __kernel_timespec ts{1, 0};
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    reap([&](uint64_t got, int res, unsigned flags) {
      if (got != ud) return;
      if (res == 1 && (flags & IORING_CQE_F_BUFFER) && (flags & IORING_CQE_F_MORE) && received(res, flags) == "x") {
        ok = true;
      } else {
        detail = res < 0 ? errno_text("multishot receive", -res) : "multishot receive not supported";
      }
      if (flags & IORING_CQE_F_BUFFER) give_back(flags);
    });
  } else {
    detail = errno_text("write", errno);
  }
  std::string ignored;
  cancel_recv_now(ud, &ignored);
  reap([&](uint64_t, int, unsigned flags) {
    if (flags & IORING_CQE_F_BUFFER) give_back(flags);
  });
  ::close(sv[0]);
  ::close(sv[1]);
  if (!ok) *why_not = detail;
  return ok;
}

UringIo::~UringIo() {
  if (ring_ready_) io_uring_queue_exit(&ring_);  // cancels whatever is still in flight
  if (buf_ring_) munmap(buf_ring_, buf_ring_bytes_);
  std::free(buffers_);
}

io_uring_sqe* UringIo::sqe() {
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  if (s == nullptr) {  // the submission queue is full: hand it over and take a fresh slot
    io_uring_submit(&ring_);
    s = io_uring_get_sqe(&ring_);
  }
  return s;  // never null after a submit: the kernel has consumed the queue
}

void UringIo::recv_multishot(int fd, uint64_t ud) {
  io_uring_sqe* s = sqe();
  io_uring_prep_recv_multishot(s, fd, nullptr, 0, 0);
  s->flags |= IOSQE_BUFFER_SELECT;
  s->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(s, ud);
}

void UringIo::send(int fd, const char* data, std::size_t len, uint64_t ud) {
  io_uring_sqe* s = sqe();
  io_uring_prep_send(s, fd, data, len, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(s, ud);
}

void UringIo::cancel(uint64_t target) {
  io_uring_sqe* s = sqe();
  io_uring_prep_cancel64(s, target, 0);
  io_uring_sqe_set_data64(s, kIgnore);
}

void UringIo::poll_in(int fd, uint64_t ud) {
  io_uring_sqe* s = sqe();
  io_uring_prep_poll_add(s, fd, POLLIN);
  io_uring_sqe_set_data64(s, ud);
}

void UringIo::submit() { io_uring_submit(&ring_); }

void UringIo::submit_and_wait(int timeout_ms) {
  io_uring_cqe* cqe = nullptr;
  if (timeout_ms < 0) {
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, nullptr, nullptr);
    return;
  }
  __kernel_timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1'000'000LL};
  io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
}

std::string_view UringIo::received(int res, unsigned flags) const {
  unsigned bid = flags >> IORING_CQE_BUFFER_SHIFT;
  return {buffers_ + std::size_t(bid) * kBufferSize, std::size_t(res)};
}

void UringIo::give_back(unsigned flags) {
  unsigned bid = flags >> IORING_CQE_BUFFER_SHIFT;
  io_uring_buf_ring_add(buf_ring_, buffers_ + std::size_t(bid) * kBufferSize, kBufferSize, uint16_t(bid),
                        io_uring_buf_ring_mask(kBufferCount), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

bool UringIo::find_completion(uint64_t ud, int* res) const {
  const unsigned tail = io_uring_smp_load_acquire(ring_.cq.ktail);
  for (unsigned i = *ring_.cq.khead; i != tail; ++i) {
    const io_uring_cqe& c = ring_.cq.cqes[i & ring_.cq.ring_mask];
    if (c.user_data == ud) {
      *res = c.res;
      return true;
    }
  }
  return false;
}

void UringIo::cancel_recv_now(uint64_t recv_ud, std::string* taken) {
  cancel(recv_ud);
  io_uring_submit(&ring_);
  const unsigned head = *ring_.cq.khead;  // nothing is reaped while this runs
  unsigned scanned = head;
  for (;;) {
    const unsigned tail = io_uring_smp_load_acquire(ring_.cq.ktail);
    bool ended = false;
    for (; scanned != tail; ++scanned) {
      const io_uring_cqe& c = ring_.cq.cqes[scanned & ring_.cq.ring_mask];
      if (c.user_data != recv_ud) continue;
      if (c.res > 0 && (c.flags & IORING_CQE_F_BUFFER)) taken->append(received(c.res, c.flags));
      if (!(c.flags & IORING_CQE_F_MORE)) ended = true;
    }
    if (ended) return;
    // Wait for one completion more than are queued now (the kernel counts every queued one).
    int r = io_uring_enter(unsigned(ring_.ring_fd), 0, tail - head + 1, IORING_ENTER_GETEVENTS, nullptr);
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) return;
  }
}

}  // namespace sluice::proxy::net
