// A worker thread: one libuv loop that owns its connections, pools and timers.
// Other threads talk to it only through post(), which is never on the per-message path.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice::proxy::net {

class Worker {
 public:
  explicit Worker(int index);
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

 private:
  static void on_async(uv_async_t* a);
  static void on_timer(uv_timer_t* t);
  void drain_tasks();

  int index_;
  uv_loop_t loop_;
  uv_async_t async_;
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
