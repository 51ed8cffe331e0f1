#include "proxy/proxy_server.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <uv.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/config_loader.h"
#include "common/target_url.h"
#include "common/logging.h"
#include "proxy/admin/admin_http.h"
#include "proxy/net/listener.h"
#include "proxy/observe/workload_merger.h"
#include "proxy/net/worker.h"
#include "proxy/pg/pg_service.h"
#include "proxy/shared_state.h"

namespace sluice::proxy {

struct ProxyServer::Impl {
  std::shared_ptr<const common::Config> config;
  std::string config_path;
  SharedState shared;
  std::vector<std::unique_ptr<net::Worker>> workers;
  std::vector<std::unique_ptr<pg::PgService>> services;
  std::vector<std::vector<std::unique_ptr<net::Listener>>> listeners;  // per worker
  std::unique_ptr<observe::WorkloadMerger> merger;
  std::unique_ptr<admin::AdminHttp> http;
  std::mutex reload_mu;

  uv_loop_t control;
  uv_signal_t sighup, sigterm, sigint;
  uv_timer_t drain_timer;
  uint64_t drain_started_ms = 0;
  bool draining = false;
  bool stopping = false;

  bool setup();
  bool setup_observation();
  std::string reload();
  void start_drain();
  void check_drain();
  void stop_all();
};

ProxyServer::ProxyServer(std::shared_ptr<const common::Config> config, std::string config_path)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->config_path = std::move(config_path);
}

ProxyServer::~ProxyServer() = default;

bool ProxyServer::Impl::setup() {
  const auto& cfg = *config;
  try {
    if (!cfg.tls.client_cert_file.empty() && !cfg.tls.client_key_file.empty())
      shared.client_tls = net::make_server_tls_context(cfg.tls.client_cert_file, cfg.tls.client_key_file);
    if (cfg.tls.server_mode != common::TlsMode::Disable)
      shared.server_tls = net::make_client_tls_context(cfg.tls.server_ca_file);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return false;
  }
  // Default: one worker per two cores. On io_uring a worker spends about 0.018 CPU seconds per
  // 1,000 pooled transactions (make bench, 64 clients), so one core carries some 50,000 a
  // second, and the cores left over go to the server and the clients that often share the
  // machine. More workers each wait for work alone and wake more often: at pgbench -S -c 16 on
  // 2 cores, 2 workers spent about 1.4x the CPU per transaction of 1.
  int n = cfg.workers > 0 ? cfg.workers : int(std::max(1u, std::thread::hardware_concurrency() / 2));
  common::IoBackend io = cfg.io;
  if (io != common::IoBackend::Libuv) {
    std::string why_not;
    if (!net::Worker::uring_available(&why_not)) {
      if (io == common::IoBackend::IoUring) {
        spdlog::error("proxy.io = \"io_uring\", but this kernel refuses it: {}", why_not);
        return false;
      }
      spdlog::info("io_uring is not available ({}): connections use libuv's epoll loop", why_not);
      io = common::IoBackend::Libuv;
    }
  }
  for (int i = 0; i < n; ++i) {
    workers.push_back(std::make_unique<net::Worker>(i, io));
    services.push_back(std::make_unique<pg::PgService>(*workers.back(), shared, config));
    shared.services.push_back(services.back().get());
  }
  if (!setup_observation()) return false;
  listeners.resize(std::size_t(n));
  for (const auto& ep : cfg.listen) {
    uint16_t port = ep.port;
    for (int i = 0; i < n; ++i) {
      pg::PgService* svc = services[std::size_t(i)].get();
      auto l = std::make_unique<net::Listener>(workers[std::size_t(i)]->loop(),
                                               [svc](uv_stream_t* s) { svc->accept_client(s); });
      std::string err = l->listen(ep.host, port);
      if (!err.empty()) {
        spdlog::error("{}", err);
        return false;
      }
      port = l->bound_port();
      listeners[std::size_t(i)].push_back(std::move(l));
    }
    spdlog::info("listening on {}:{}", ep.host, port);
  }
  for (const auto& db : cfg.databases)
    spdlog::info("database {} -> {} ({} pooling, pool_size {})", db.name,
                 common::to_string(db.target, false),
                 db.pool_mode == common::PoolMode::Transaction ? "transaction" : "session", db.pool_size);
  spdlog::info("sluice proxy started: {} workers, I/O on {}", n, io == common::IoBackend::Libuv ? "libuv" : "io_uring");
  return true;
}

bool ProxyServer::Impl::setup_observation() {
  const auto& cfg = *config;
  shared.started_unix_ms = common::unix_now_ms();
  shared.reload = [this] { return reload(); };
  shared.set_current_config(config);
  if (cfg.observe.enabled) {
    observe::WorkloadMerger::Options o;
    o.series.retention_ms = int64_t(cfg.observe.retention_days * 86'400'000.0);
    o.series.hourly_retention_ms = int64_t(cfg.observe.hourly_retention_days * 86'400'000.0);
    o.series.max_entries_per_minute = std::size_t(cfg.observe.max_fingerprints_per_minute);
    o.series.max_entries_per_hour = std::size_t(cfg.observe.max_fingerprints);
    o.series.policy = services.front()->recorder()->policy();
    o.totals_max_entries = std::size_t(cfg.observe.max_fingerprints);
    o.flush_interval_ms = int64_t(cfg.observe.flush_interval * 1000);
    o.data_dir = cfg.data_dir;
    auto collect = [this](const observe::WorkloadMerger::Deliver& deliver) -> std::size_t {
      for (auto& svc : services) {
        pg::PgService* s = svc.get();
        s->worker().post([s, deliver] { deliver(s->take_workload()); });
      }
      return services.size();
    };
    try {
      merger = std::make_unique<observe::WorkloadMerger>(o, collect);
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return false;
    }
    shared.merger = merger.get();
  }
  if (cfg.admin.http_listen) {
    try {
      http = std::make_unique<admin::AdminHttp>(shared, *cfg.admin.http_listen, cfg.admin.http_token,
                                                std::size_t(cfg.admin.metrics_top_n));
    } catch (const std::exception& e) {
      spdlog::error("admin HTTP listener: {}", e.what());
      return false;
    }
  }
  return true;
}

std::string ProxyServer::Impl::reload() {
  std::lock_guard lock(reload_mu);
  if (config_path.empty()) {
    spdlog::warn("reload: started without a config file, nothing to reload");
    return "started without a config file (-c), nothing to reload";
  }
  std::shared_ptr<const common::Config> next;
  try {
    next = std::make_shared<const common::Config>(common::load_config_file(config_path));
  } catch (const std::exception& e) {
    spdlog::error("reload failed, keeping the running configuration: {}", e.what());
    return std::string("reload failed, keeping the running configuration: ") + e.what();
  }
  common::set_log_level(next->log_level);
  config = next;
  shared.set_current_config(next);
  for (auto& svc : services) {
    pg::PgService* s = svc.get();
    s->worker().post([s, next] { s->apply_config(next); });
  }
  spdlog::info("configuration reloaded from {}", config_path);
  return {};
}

void ProxyServer::Impl::start_drain() {
  if (draining) return;
  draining = true;
  drain_started_ms = uv_now(&control);
  spdlog::info("SIGTERM: no new connections; waiting for clients to finish (shutdown_timeout {}s)",
               config->timeouts.shutdown_timeout);
  for (std::size_t i = 0; i < services.size(); ++i) {
    pg::PgService* s = services[i].get();
    auto* ls = &listeners[i];
    s->worker().post([s, ls] {
      for (auto& l : *ls) l->close();
      s->begin_drain();
    });
  }
  uv_timer_start(
      &drain_timer, [](uv_timer_t* t) { static_cast<Impl*>(t->data)->check_drain(); }, 100, 100);
}

void ProxyServer::Impl::check_drain() {
  int open = shared.open_sessions.load();
  double waited = double(uv_now(&control) - drain_started_ms) / 1000.0;
  double limit = config->timeouts.shutdown_timeout;
  if (open == 0) {
    spdlog::info("all clients gone, stopping");
    stop_all();
  } else if (limit > 0 && waited >= limit) {
    spdlog::warn("shutdown_timeout reached with {} clients still connected, stopping", open);
    stop_all();
  }
}

void ProxyServer::Impl::stop_all() {
  if (stopping) return;
  stopping = true;
  for (std::size_t i = 0; i < services.size(); ++i) {
    pg::PgService* s = services[i].get();
    auto* ls = &listeners[i];
    s->worker().post([s, ls] {
      for (auto& l : *ls) l->close();
      s->stop_fast();
    });
  }
  if (http) http->stop();
  // The last statistics, while the workers still run (their loops answer the collection).
  if (merger) merger->stop();
  for (auto& w : workers) w->stop();
  uv_stop(&control);
}

int ProxyServer::run() {
  Impl& m = *impl_;
  signal(SIGPIPE, SIG_IGN);
  uv_loop_init(&m.control);
  if (!m.setup()) {
    // The loops never ran: run each once here so it closes its handles and frees its memory.
    for (auto& w : m.workers) {
      w->stop();
      w->run_here();
    }
    uv_loop_close(&m.control);
    return 1;
  }
  for (auto& w : m.workers) w->start();
  if (m.merger) m.merger->start();
  if (m.http) {
    try {
      m.http->start();
    } catch (const std::exception& e) {
      spdlog::error("admin HTTP listener: {}", e.what());
      m.stop_all();
      for (auto& w : m.workers) w->join();
      return 1;
    }
  }

  m.sighup.data = m.sigterm.data = m.sigint.data = &m;
  m.drain_timer.data = &m;
  uv_timer_init(&m.control, &m.drain_timer);
  uv_signal_init(&m.control, &m.sighup);
  uv_signal_init(&m.control, &m.sigterm);
  uv_signal_init(&m.control, &m.sigint);
  uv_signal_start(
      &m.sighup, [](uv_signal_t* h, int) { static_cast<Impl*>(h->data)->reload(); }, SIGHUP);
  uv_signal_start(
      &m.sigterm,
      [](uv_signal_t* h, int) {
        auto* impl = static_cast<Impl*>(h->data);
        if (impl->draining) {
          spdlog::info("second SIGTERM: stopping now");
          impl->stop_all();
        } else {
          impl->start_drain();
        }
      },
      SIGTERM);
  uv_signal_start(
      &m.sigint,
      [](uv_signal_t* h, int) {
        spdlog::info("SIGINT: stopping now");
        static_cast<Impl*>(h->data)->stop_all();
      },
      SIGINT);
  uv_run(&m.control, UV_RUN_DEFAULT);

  for (auto& w : m.workers) w->join();
  // Workers are stopped: release their objects on this thread.
  m.listeners.clear();
  m.shared.services.clear();
  m.services.clear();
  m.workers.clear();
  uv_walk(
      &m.control,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(&m.control, UV_RUN_DEFAULT);
  uv_loop_close(&m.control);
  spdlog::info("sluice proxy stopped");
  return 0;
}

}  // namespace sluice::proxy
