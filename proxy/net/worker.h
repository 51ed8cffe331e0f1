// A worker thread: one libuv loop that owns its connections, pools and timers, and (unless the
// kernel refuses or the config says libuv) an io_uring that carries its connections' reads and
// writes. Other threads talk to it only through post(), which is never on the per-message path.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"

namespace sluice::proxy::net {

class Connection;
class UringIo;

class Worker {
 public:
  // io: Auto and IoUring set up a ring on the worker's thread when it starts (falling back to
  // libuv if that fails there); Libuv never does.
  explicit Worker(int index, common::IoBackend io = common::IoBackend::Libuv);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int index() const { return index_; }
  uv_loop_t* loop() { return &loop_; }

  // Runs the loop on a new thread (start) or on the calling thread (run_here).
  void start();
  void run_here();
  void join();

  // Thread-safe: runs `task` on this worker's loop thread soon.
  void post(std::function<void()> task);
  // Thread-safe: makes the loop stop after closing every handle.
  void stop();

  // Per-loop scratch buffer for reads; valid only inside a read callback.
  char* read_buffer() { return read_buffer_.data(); }
  std::size_t read_buffer_size() const { return read_buffer_.size(); }
  std::string& tls_plaintext() { return tls_plaintext_; }

  // Every `interval_ms` the callback runs on this loop (janitor duties).
  void every(uint64_t interval_ms, std::function<void()> fn);

  // On this worker's thread only: runs fn once after delay_ms (admin commands that wait).
  void after(uint64_t delay_ms, std::function<void()> fn);

  // Monotonic milliseconds, cached by libuv per loop iteration (cheap).
  uint64_t now_ms() { return uv_now(&loop_); }

  // The ring this worker's connections use, or nullptr when it runs on libuv alone.
  UringIo* uring() { return uring_.get(); }

  // fn runs after each batch of I/O callbacks (freeing what they retired).
  void on_batch_end(std::function<void()> fn) { batch_end_.push_back(std::move(fn)); }
  // c->deliver_held_input() runs at the end of this batch; forget() undoes it (c is closing).
  void deliver_later(Connection* c) { held_.push_back(c); }
  void forget(Connection* c);
  // Connections waiting for their last io_uring completions before they close (+1 / -1).
  void note_uring_closing(int delta) { uring_closing_ += delta; }

  // Whether this machine's kernel lets a worker use io_uring; the reason when it does not.
  static bool uring_available(std::string* why_not);

 private:
  static void on_async(uv_async_t* a);
  static void on_timer(uv_timer_t* t);
  static void on_check(uv_check_t* c);
  void drain_tasks();
  void end_batch();
  void run_uring();
  void dispatch(uint64_t user_data, int res, unsigned flags);

  int index_;
  common::IoBackend io_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_check_t check_;
  std::unique_ptr<UringIo> uring_;
  bool stop_requested_ = false;  // loop thread only
  bool uv_due_ = true;             // libuv has events or timers to run
  bool backend_poll_armed_ = false;
  int uring_closing_ = 0;
  std::vector<std::function<void()>> batch_end_;
  std::vector<Connection*> held_;
  std::mutex tasks_mu_;
  std::vector<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
  std::vector<char> read_buffer_;
  std::string tls_plaintext_;
  struct Timer {
    uv_timer_t handle;
    std::function<void()> fn;
  };
  std::vector<std::unique_ptr<Timer>> timers_;
};

}  // namespace sluice::proxy::net
