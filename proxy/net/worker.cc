#include "proxy/net/worker.h"

#include <spdlog/spdlog.h>

namespace sluice::proxy::net {

Worker::Worker(int index) : index_(index), read_buffer_(64 * 1024) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &async_, &Worker::on_async);
  async_.data = this;
  loop_.data = this;
}

Worker::~Worker() {
  join();
  uv_loop_close(&loop_);
}

void Worker::start() {
  thread_ = std::thread([this] { run_here(); });
}

void Worker::run_here() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Close whatever handles remain so the loop can be closed cleanly.
  uv_walk(
      &loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
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
  if (stopping) uv_stop(&loop_);
}

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
