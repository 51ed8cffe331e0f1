#include "advisor/advisor_service.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "advisor/audit_log.h"
#include "advisor/report_files.h"
#include "advisor/trust_ladder.h"
#include "common/clock.h"

namespace sluice::advisor {

AdvisorReport sidecar_tick(const AdvisorConfig& config, int64_t now_ms, const ProgressFn& progress) {
  RunOptions options;
  options.sources = config.proxies;
  options.target = config.target;
  options.window_ms = static_cast<int64_t>(config.window_days * 86'400'000.0);
  options.budget_fraction = config.budget_fraction;
  options.budget_bytes = config.budget_bytes;
  options.validate = config.validate;
  options.validate_target = config.validate_target;
  options.mode = std::string(to_string(config.mode));
  AdvisorReport report = run_advisor(options, progress);

  namespace fs = std::filesystem;
  const std::string run_dir = (fs::path(config.out_dir) / "runs" / report.run_id).string();
  write_report_files(report, run_dir);
  write_report_files(report, config.out_dir);

  AuditLog audit(config.audit_log);
  AuditEntry entry;
  entry.at_ms = now_ms;
  entry.action = "report";
  entry.level = std::string(to_string(config.mode));
  entry.actor = "advisor";
  entry.outcome = "ok";
  entry.detail = run_dir;
  entry.evidence = {{"run_id", report.run_id},
                    {"suggestions", report.suggestions.size()},
                    {"drops", report.drops.size()},
                    {"queries_advised", report.queries_advised},
                    {"workload_cost_before", report.workload_cost_before},
                    {"workload_cost_after", report.workload_cost_after}};
  audit.append(entry);

  if (config.mode == TrustLevel::Advise) return report;

  ActionQueue queue((fs::path(config.out_dir) / "actions.json").string());
  for (const auto& id : queue.enqueue(report)) {
    AuditEntry q;
    q.at_ms = now_ms;
    q.action = "queue";
    q.level = entry.level;
    q.actor = "advisor";
    q.suggestion = id;
    q.statement = queue.find(id)->create_statement;
    q.outcome = "ok";
    q.evidence = queue.find(id)->evidence;
    audit.append(q);
  }
  if (config.mode == TrustLevel::Autonomous) {
    const bool in_window = config.autonomous_window && config.autonomous_window->contains(now_ms);
    for (auto& action : queue.actions()) {
      if (action.status != "pending") continue;
      const bool validated = action.evidence.value("kept_by_validation", false);
      const int64_t size = action.evidence.value("size_bytes", int64_t{0});
      if (!validated || size > config.autonomous_max_index_bytes) continue;  // waits for a person
      if (!in_window) {
        spdlog::info("advisor: {} waits for the autonomous window", action.id);
        continue;
      }
      if (create_index(config.target, action, TrustLevel::Autonomous, "advisor", audit)) {
        spdlog::info("advisor: created {} ({})", action.id, action.create_statement);
      } else {
        spdlog::warn("advisor: could not create {}: {}", action.id, action.detail);
      }
    }
  }
  queue.save();
  return report;
}

int run_sidecar(const AdvisorConfig& config, const std::atomic<bool>& stop, bool once) {
  auto progress = [](const std::string& line) { spdlog::info("advisor: {}", line); };
  while (!stop.load()) {
    try {
      AdvisorReport report = sidecar_tick(config, common::unix_now_ms(), progress);
      spdlog::info("advisor: run {}: {} suggestions, {} drop candidates; report in {}", report.run_id,
                   report.suggestions.size(), report.drops.size(), config.out_dir);
    } catch (const std::exception& e) {
      spdlog::error("advisor: run failed: {}", e.what());
      if (once) return 1;
    }
    if (once) return 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(config.interval_s);
    while (!stop.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return 0;
}

}  // namespace sluice::advisor
