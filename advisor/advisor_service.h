// The sidecar: `sluice advisor -c sluice.toml` runs the advisor every interval, pulling from the
// configured proxies, writes each run to OUT/runs/<run id>/ and the latest to OUT/, and climbs
// the trust ladder (advisor/trust_ladder.h): supervised queues suggestions for approval,
// autonomous creates validated ones inside its window. Every step goes to the audit log.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "advisor/advisor_config.h"
#include "advisor/advisor_report.h"
#include "advisor/advisor_run.h"

namespace sluice::advisor {

// One run of the schedule at now_ms: advise, write, audit, queue / create. Throws
// std::runtime_error when the run itself fails (the loop logs it and tries again next time).
AdvisorReport sidecar_tick(const AdvisorConfig& config, int64_t now_ms, const ProgressFn& progress = {});

// Runs ticks every config.interval_s until stop becomes true (checked every 100 ms). Returns 0,
// or 1 when the first run failed and once is set.
int run_sidecar(const AdvisorConfig& config, const std::atomic<bool>& stop, bool once);

}  // namespace sluice::advisor
