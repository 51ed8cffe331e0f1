// A worker's io_uring: the receives and sends of its established connections, batched into
// one io_uring_enter per loop iteration. Each connection keeps one multishot receive armed that
// takes its buffer from a ring of buffers shared by the whole worker (no memory per idle
// connection), and at most one send in flight. libuv keeps everything else (accept, connect,
// timers, cross-thread posts): the worker watches libuv's epoll descriptor through this ring,
// so it blocks in one place (Worker::run_uring).
#pragma once

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::proxy::net {

class UringIo {
 public:
  // What a completion's user_data names: the low two bits say which operation, the rest is the
  // owner's address (a Connection) or nothing.
  enum Tag : uint64_t { kRecv = 0, kSend = 1, kBackendPoll = 2, kIgnore = 3 };
  static constexpr uint64_t kTagMask = 3;
  static uint64_t user_data(const void* owner, Tag tag) { return reinterpret_cast<uint64_t>(owner) | tag; }

  // Sets up a ring and its receive buffers on the calling thread, which must be the only one to
  // use it, and checks with a socket pair that multishot receives work. nullptr, with the
  // kernel's reason in *why_not, when anything is refused (old kernel, seccomp).
  static std::unique_ptr<UringIo> create(std::string* why_not);
  ~UringIo();
  UringIo(const UringIo&) = delete;
  UringIo& operator=(const UringIo&) = delete;

  // Queue operations; they reach the kernel with the next submit.
  void recv_multishot(int fd, uint64_t user_data);
  void send(int fd, const char* data, std::size_t len, uint64_t user_data);
  void cancel(uint64_t target_user_data);
  void poll_in(int fd, uint64_t user_data);
  // Hands queued operations to the kernel now (a send that must go before its socket closes).
  void submit();

  // Submits what is queued and waits up to timeout_ms (-1: no limit) for a completion.
  void submit_and_wait(int timeout_ms);
  // Calls fn(user_data, res, flags) for each completion, taking it off the queue before the
  // call, until the queue is empty (completions that arrive meanwhile included).
  template <typename Fn>
  void reap(Fn&& fn) {
    io_uring_cqe* cqe;
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      uint64_t ud = cqe->user_data;
      int res = cqe->res;
      unsigned flags = cqe->flags;
      io_uring_cqe_seen(&ring_, cqe);
      fn(ud, res, flags);
    }
  }

  // The bytes a receive completion delivered, and giving its buffer back afterwards.
  std::string_view received(int res, unsigned flags) const;
  void give_back(unsigned flags);

  // The result of the first queued (not yet reaped) completion for user_data, if there is one.
  bool find_completion(uint64_t user_data, int* res) const;

  // Cancels the multishot receive `recv_user_data` and waits until its last completion is
  // queued. Bytes it took that are still queued (not yet reaped) are appended to *taken; the
  // reap loop later gives their buffers back. For handing a socket to another worker.
  void cancel_recv_now(uint64_t recv_user_data, std::string* taken);

 private:
  UringIo() = default;
  io_uring_sqe* sqe();
  bool setup(std::string* why_not);
  bool self_test(std::string* why_not);

  io_uring ring_{};
  bool ring_ready_ = false;
  io_uring_buf_ring* buf_ring_ = nullptr;
  std::size_t buf_ring_bytes_ = 0;
  char* buffers_ = nullptr;
};

}  // namespace sluice::proxy::net
