#include "proxy/net/worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "proxy/net/connection.h"
#include "proxy/net/uring_io.h"

namespace sluice::proxy::net {

Worker::Worker(int index, common::IoBackend io) : index_(index), io_(io), read_buffer_(64 * 1024) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, &Worker::on_async);
  async_.data = this;
  loop_.data = this;
  uv_check_init(&loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, &Worker::on_check);
  uv_unref(reinterpret_cast<uv_handle_t*>(&check_));
}

bool Worker::uring_available(std::string* why_not) { return UringIo::create(why_not) != nullptr; }

Worker::~Worker() {
  join();
  uv_loop_close(&loop_);
}

void Worker::start() {
  thread_ = std::thread([this] { run_here(); });
}

void Worker::run_here() {
  if (io_ != common::IoBackend::Libuv) {
    std::string why_not;
    uring_ = UringIo::create(&why_not);  // on this thread: the ring accepts only its creator
    if (!uring_) spdlog::warn("worker {}: io_uring refused ({}): using libuv", index_, why_not);
  }
  if (uring_) {
    run_uring();
  } else {
    uv_run(&loop_, UV_RUN_DEFAULT);
  }
  // Close whatever handles remain so the loop can be closed cleanly.
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uring_.reset();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    tasks_.push_back(std::move(task));
  }
  uv_async_send(&async_);
}

void Worker::stop() {
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    stopping_ = true;
  }
  uv_async_send(&async_);
}

void Worker::on_async(uv_async_t* a) { static_cast<Worker*>(a->data)->drain_tasks(); }

void Worker::drain_tasks() {
  std::vector<std::function<void()>> tasks;
  bool stopping;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    tasks.swap(tasks_);
    stopping = stopping_;
  }
  for (auto& t : tasks) t();
  if (stopping) {
    stop_requested_ = true;
    uv_stop(&loop_);
  }
}

// One io_uring_enter per iteration: it hands over the sends and receives the last batch
// queued and waits for completions, libuv's epoll descriptor among them (a one-shot poll), or
// until libuv's next timer. libuv runs only when its descriptor is ready or a timer is due.
void Worker::run_uring() {
  while (!stop_requested_) {
    if (uv_due_ || uv_backend_timeout(&loop_) == 0) {
      uv_due_ = false;
      uv_run(&loop_, UV_RUN_NOWAIT);
      if (stop_requested_) break;
    }
    if (!backend_poll_armed_) {
      uring_->poll_in(uv_backend_fd(&loop_), UringIo::user_data(nullptr, UringIo::kBackendPoll));
      backend_poll_armed_ = true;
    }
    uv_update_time(&loop_);
    uring_->submit_and_wait(uv_backend_timeout(&loop_));
    uv_update_time(&loop_);
    uring_->reap([this](uint64_t ud, int res, unsigned flags) { dispatch(ud, res, flags); });
    end_batch();
  }
  // Connections closed just before the stop free themselves after their last completions:
  // let those arrive (for at most a second) before the handles are closed below.
  for (int i = 0; i < 100 && uring_closing_ > 0; ++i) {
    uring_->submit_and_wait(10);
    uring_->reap([this](uint64_t ud, int res, unsigned flags) { dispatch(ud, res, flags); });
  }
}

void Worker::dispatch(uint64_t ud, int res, unsigned flags) {
  switch (ud & UringIo::kTagMask) {
    case UringIo::kRecv:
    case UringIo::kSend:
      Connection::on_uring_completion(ud, res, flags);
      break;
    case UringIo::kBackendPoll:
      backend_poll_armed_ = false;
      uv_due_ = true;
      break;
    default:
      break;  // a cancel's own completion
  }
}

void Worker::on_check(uv_check_t* c) { static_cast<Worker*>(c->data)->end_batch(); }

void Worker::end_batch() {
  while (!held_.empty()) {
    std::vector<Connection*> held;
    held.swap(held_);
    for (Connection* c : held) c->deliver_held_input();
  }
  for (auto& fn : batch_end_) fn();
}

void Worker::forget(Connection* c) { held_.erase(std::remove(held_.begin(), held_.end(), c), held_.end()); }

void Worker::every(uint64_t interval_ms, std::function<void()> fn) {
  auto t = std::make_unique<Timer>();
  t->fn = std::move(fn);
  uv_timer_init(&loop_, &t->handle);
  t->handle.data = t.get();
  uv_timer_start(&t->handle, &Worker::on_timer, interval_ms, interval_ms);
  uv_unref(reinterpret_cast<uv_handle_t*>(&t->handle));
  timers_.push_back(std::move(t));
}

void Worker::on_timer(uv_timer_t* t) { static_cast<Timer*>(t->data)->fn(); }

void Worker::after(uint64_t delay_ms, std::function<void()> fn) {
  struct OneShot {
    uv_timer_t handle;
    std::function<void()> fn;
  };
  auto* t = new OneShot{{}, std::move(fn)};
  uv_timer_init(&loop_, &t->handle);
  t->handle.data = t;
  uv_timer_start(
      &t->handle,
      [](uv_timer_t* h) {
        auto* self = static_cast<OneShot*>(h->data);
        std::function<void()> f = std::move(self->fn);
        uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* c) { delete static_cast<OneShot*>(c->data); });
        f();
      },
      delay_ms, 0);
}

}  // namespace sluice::proxy::net
