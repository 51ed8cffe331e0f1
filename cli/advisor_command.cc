#include "cli/advisor_command.h"

#include <csignal>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "advisor/advisor_config.h"
#include "advisor/advisor_run.h"
#include "advisor/advisor_service.h"
#include "advisor/audit_log.h"
#include "advisor/report_files.h"
#include "advisor/report_format.h"
#include "advisor/trust_ladder.h"
#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/config_error.h"
#include "common/logging.h"

namespace sluice::cli {

namespace {

namespace fs = std::filesystem;
using advisor::report_format::fmt_bytes;

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

struct AdvisorArgs {
  std::string config_file;
  bool once = false;
  std::vector<std::string> proxies;
  std::vector<std::string> workload_files;
  std::string token;
  std::string target;
  std::string out = "sluice-advisor";
  double budget = 0.25;
  int64_t budget_bytes = -1;
  double window_days = 7;
  bool validate = false;
  std::string validate_target;
  std::size_t max_queries = 5000;
  std::string log_level = "info";
  std::string action_id;  // approve / undo
};

void print_summary(const advisor::AdvisorReport& r, const std::string& out) {
  double saved = r.workload_cost_before > 0 ? 100.0 * (1.0 - r.workload_cost_after / r.workload_cost_before) : 0;
  std::printf("advised %llu queries (%llu calls) on %s: %zu index suggestion(s) using %s of a %s budget, estimated "
              "workload cost -%.1f%%; %zu drop candidate(s); %llu what-if calls (%llu cached) in %.1f s\n",
              static_cast<unsigned long long>(r.queries_advised), static_cast<unsigned long long>(r.total_calls),
              r.target.c_str(), r.suggestions.size(), fmt_bytes(r.used_bytes).c_str(),
              fmt_bytes(r.budget_bytes).c_str(), saved, r.drops.size(),
              static_cast<unsigned long long>(r.whatif_calls), static_cast<unsigned long long>(r.whatif_cache_hits),
              r.wall_ms / 1000.0);
  for (const auto& s : r.suggestions) {
    std::printf("  [%s] %s\n", s.id.c_str(), s.create_statement.c_str());
    std::printf("             %s\n", s.reason.c_str());
    if (s.validation.ran) std::printf("             validation: %s\n", s.validation.verdict.c_str());
  }
  for (const auto& d : r.drops) std::printf("  drop? %s (%s, %s)\n", d.index.c_str(), d.reason.c_str(), fmt_bytes(d.size_bytes).c_str());
  for (const auto& w : r.warnings) std::printf("  warning: %s\n", w.c_str());
  std::printf("report: %s\n", (fs::path(out) / "report.html").string().c_str());
}

int run_once_without_file(const AdvisorArgs& a) {
  if (a.target.empty()) {
    std::cerr << "sluice advisor: --target postgres://user@host:5432/db is required (or -c sluice.toml)\n";
    return 2;
  }
  if (a.proxies.empty() && a.workload_files.empty()) {
    std::cerr << "sluice advisor: give --proxy http://host:port (the proxy's admin HTTP) or --workload FILE\n";
    return 2;
  }
  advisor::RunOptions options;
  for (const auto& p : a.proxies) options.sources.push_back({p, a.token});
  for (const auto& f : a.workload_files) options.sources.push_back({f, ""});
  options.target = a.target;
  options.window_ms = static_cast<int64_t>(a.window_days * 86'400'000.0);
  options.budget_fraction = a.budget;
  if (a.budget_bytes >= 0) options.budget_bytes = a.budget_bytes;
  options.validate = a.validate;
  options.validate_target = a.validate_target;
  options.max_queries = a.max_queries;
  try {
    advisor::AdvisorReport report =
        advisor::run_advisor(options, [](const std::string& line) { std::fprintf(stderr, "advisor: %s\n", line.c_str()); });
    advisor::write_report_files(report, a.out);
    advisor::AuditLog((fs::path(a.out) / "audit.log").string())
        .append({0, "report", "advise", advisor::current_user_actor(), "", "", "ok", a.out,
                 {{"run_id", report.run_id}, {"suggestions", report.suggestions.size()}}});
    print_summary(report, a.out);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sluice advisor: " << e.what() << "\n";
    return 1;
  }
}

// approve / undo / actions read the sidecar's folder and target from the config file.
int run_action(const AdvisorArgs& a, const std::string& verb) {
  if (a.config_file.empty()) {
    std::cerr << "sluice advisor " << verb << ": -c sluice.toml is required (it names the target and out_dir)\n";
    return 2;
  }
  advisor::AdvisorConfig config;
  try {
    config = advisor::load_advisor_config(a.config_file);
  } catch (const std::exception& e) {
    std::cerr << "sluice advisor: " << e.what() << "\n";
    return 2;
  }
  try {
    advisor::ActionQueue queue((fs::path(config.out_dir) / "actions.json").string());
    advisor::AuditLog audit(config.audit_log);
    if (verb == "actions") {
      if (queue.actions().empty()) std::printf("no queued actions in %s\n", config.out_dir.c_str());
      for (const auto& q : queue.actions()) {
        std::printf("%s  %-8s  %s%s%s\n", q.id.c_str(), q.status.c_str(), q.create_statement.c_str(),
                    q.detail.empty() ? "" : "  -- ", q.detail.c_str());
      }
      return 0;
    }
    advisor::QueuedAction* action = queue.find(a.action_id);
    if (action == nullptr) {
      std::cerr << "sluice advisor " << verb << ": no suggestion " << a.action_id << " in "
                << (fs::path(config.out_dir) / "actions.json").string()
                << " (suggestions are queued when mode is supervised or autonomous; see `sluice advisor actions`)\n";
      return 1;
    }
    const std::string actor = advisor::current_user_actor();
    bool ok = false;
    if (verb == "approve") {
      if (action->status == "created") {
        std::printf("%s is already created\n", action->id.c_str());
        return 0;
      }
      advisor::AuditEntry approval{0, "approve", std::string(advisor::to_string(config.mode)), actor, action->id,
                                   action->create_statement, "ok", "", action->evidence};
      audit.append(approval);
      std::printf("creating %s: %s\n", action->id.c_str(), action->create_statement.c_str());
      ok = advisor::create_index(config.target, *action, advisor::TrustLevel::Supervised, actor, audit);
    } else {
      if (action->status != "created") {
        std::cerr << "sluice advisor undo: " << action->id << " is " << action->status
                  << ", not created: nothing to undo\n";
        return 1;
      }
      std::printf("dropping %s: %s\n", action->id.c_str(), action->drop_statement.c_str());
      ok = advisor::drop_created_index(config.target, *action, advisor::TrustLevel::Supervised, actor, audit);
    }
    queue.save();
    if (!ok) {
      std::cerr << "sluice advisor " << verb << ": " << action->detail << "\n";
      return 1;
    }
    std::printf("done; recorded in %s\n", config.audit_log.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sluice advisor " << verb << ": " << e.what() << "\n";
    return 1;
  }
}

int run_with_file(const AdvisorArgs& a) {
  advisor::AdvisorConfig config;
  try {
    config = advisor::load_advisor_config(a.config_file);
  } catch (const std::exception& e) {
    std::cerr << "sluice advisor: " << e.what() << "\n";
    return 2;
  }
  if (a.once) {
    try {
      advisor::AdvisorReport report = advisor::sidecar_tick(
          config, common::unix_now_ms(), [](const std::string& line) { std::fprintf(stderr, "advisor: %s\n", line.c_str()); });
      print_summary(report, config.out_dir);
      return 0;
    } catch (const std::exception& e) {
      std::cerr << "sluice advisor: " << e.what() << "\n";
      return 1;
    }
  }
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  spdlog::info("advisor: every {} s, {} proxy source(s), target {}, mode {}, reports in {}", config.interval_s,
               config.proxies.size(), advisor::describe_target(config.target), advisor::to_string(config.mode),
               config.out_dir);
  return advisor::run_sidecar(config, g_stop, false);
}

}  // namespace

void add_advisor_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<AdvisorArgs>();
  CLI::App* cmd = app.add_subcommand("advisor", "Index advice from the recorded workload: once, or as a sidecar");
  cmd->require_subcommand(0, 1);
  cmd->add_option("-c,--config", args->config_file, "sluice.toml with an [advisor] section (runs as a sidecar)");
  cmd->add_flag("--once", args->once, "Run once and exit");
  cmd->add_option("--proxy", args->proxies, "A proxy's admin HTTP address, http://host:port (repeatable)");
  cmd->add_option("--workload", args->workload_files, "A workload JSON exported from /api/v1/workload (repeatable)");
  cmd->add_option("--token", args->token, "Bearer token of the proxies' admin HTTP")->envname("SLUICE_ADMIN_TOKEN");
  cmd->add_option("--target", args->target, "The database to advise, postgres://user@host:5432/db (direct, not the proxy)");
  cmd->add_option("--out", args->out, "Folder for report.html, report.md, report.json")->capture_default_str();
  cmd->add_option("--budget", args->budget, "Storage budget for new indexes, as a fraction of the database size")
      ->capture_default_str()
      ->check(CLI::Range(0.0001, 10.0));
  cmd->add_option("--budget-bytes", args->budget_bytes, "Storage budget in bytes (instead of --budget)");
  cmd->add_option("--window-days", args->window_days, "Workload window")->capture_default_str();
  cmd->add_flag("--validate", args->validate, "Build each suggestion CONCURRENTLY and time the queries before and after");
  cmd->add_option("--validate-target", args->validate_target, "A scratch copy to validate on instead of the target");
  cmd->add_option("--max-queries", args->max_queries, "Advise at most this many queries (most total time first)")
      ->capture_default_str();
  cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn, error")->capture_default_str();

  CLI::App* approve = cmd->add_subcommand("approve", "Create a queued suggestion now (supervised mode)");
  approve->add_option("id", args->action_id, "Suggestion id (8 hex digits)")->required();
  CLI::App* undo = cmd->add_subcommand("undo", "Drop an index the advisor created");
  undo->add_option("id", args->action_id, "Suggestion id (8 hex digits)")->required();
  cmd->add_subcommand("actions", "List queued suggestions and what became of them");
  for (CLI::App* sub : {approve, undo}) {
    sub->add_option("-c,--config", args->config_file, "sluice.toml with an [advisor] section");
  }
  cmd->get_subcommand("actions")->add_option("-c,--config", args->config_file, "sluice.toml with an [advisor] section");

  cmd->callback([cmd, args, &exit_code] {
    common::setup_logging(args->log_level);
    for (const char* verb : {"approve", "undo", "actions"}) {
      if (cmd->got_subcommand(verb)) {
        exit_code = run_action(*args, verb);
        return;
      }
    }
    if (!args->config_file.empty()) {
      exit_code = run_with_file(*args);
      return;
    }
    if (!args->once) {
      std::cerr << "sluice advisor: give -c sluice.toml (sidecar) or --once with --proxy/--workload and --target\n";
      exit_code = 2;
      return;
    }
    exit_code = run_once_without_file(*args);
  });
}

}  // namespace sluice::cli
