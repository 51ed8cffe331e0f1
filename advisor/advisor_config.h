// The sidecar's settings: the [advisor] section of sluice.toml (the same file as the proxy's, or
// a file of its own). Unknown keys are errors with file:line:column; the proxy's own sections are
// accepted and only [admin] is read (its http_listen and http_token are the default workload
// source when [advisor] names no proxies).
//
//   [advisor]
//   target = "postgres://advisor:secret@db.internal:5432/app"   # required: the database to advise
//   proxies = ["http://10.0.0.5:6480", "http://10.0.0.6:6480"]   # admin HTTP of each proxy
//   proxy_token = "..."                # bearer token (default: [admin] http_token)
//   out_dir = "/var/lib/sluice/advisor" # reports, actions.json, audit.log
//   interval = 3600                    # seconds between runs
//   window_days = 7                    # workload window
//   budget = 0.25                      # fraction of the database size (or budget_bytes = 10737418240)
//   validate = false                   # build and time indexes on validate_target (or the target)
//   validate_target = ""
//   mode = "advise"                    # advise | supervised | autonomous
//   autonomous_window = "02:00-05:00"  # UTC; autonomous creates indexes only inside it
//   autonomous_max_index_bytes = 1073741824
//   audit_log = ""                     # default: <out_dir>/audit.log
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "advisor/trust_ladder.h"
#include "advisor/workload_pull.h"

namespace sluice::advisor {

struct AdvisorConfig {
  std::string source;  // the file
  std::string target;
  std::vector<WorkloadSource> proxies;
  std::string out_dir = "sluice-advisor";
  double interval_s = 3600;
  double window_days = 7;
  double budget_fraction = 0.25;
  std::optional<int64_t> budget_bytes;
  bool validate = false;
  std::string validate_target;
  TrustLevel mode = TrustLevel::Advise;
  std::optional<TimeWindow> autonomous_window;
  int64_t autonomous_max_index_bytes = 1LL << 30;
  std::string audit_log;  // resolved: never empty after loading
};

// Throws common::ConfigError ("file:line:column: what is wrong") on any problem.
AdvisorConfig load_advisor_config(const std::string& path);

}  // namespace sluice::advisor
