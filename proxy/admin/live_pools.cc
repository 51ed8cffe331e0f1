// Adds up the workers' rows of the live pool table (see live_pools.h).
#include "proxy/admin/live_pools.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace sluice::proxy::admin {

std::vector<observe::PoolLive> sum_live_pools(const std::vector<observe::PoolLive>& rows) {
  std::map<std::pair<std::string, std::string>, observe::PoolLive> pools;
  for (const observe::PoolLive& row : rows) {
    auto [it, inserted] = pools.try_emplace({row.database, row.user}, row);
    if (inserted) continue;
    observe::PoolLive& sum = it->second;
    if (sum.pool_mode.empty()) sum.pool_mode = row.pool_mode;
    sum.pool_size = std::max(sum.pool_size, row.pool_size);
    sum.cl_active += row.cl_active;
    sum.cl_waiting += row.cl_waiting;
    sum.cl_idle += row.cl_idle;
    sum.sv_active += row.sv_active;
    sum.sv_idle += row.sv_idle;
    sum.sv_login += row.sv_login;
    sum.maxwait_ms = std::max(sum.maxwait_ms, row.maxwait_ms);
    sum.paused = sum.paused || row.paused;
  }
  std::vector<observe::PoolLive> out;
  out.reserve(pools.size());
  for (auto& [key, pool] : pools) out.push_back(std::move(pool));
  return out;
}

}  // namespace sluice::proxy::admin
