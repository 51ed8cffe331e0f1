#include "proxy/shared_state.h"

namespace sluice::proxy {

std::shared_ptr<pool::PoolCapacity> SharedState::capacity_for(const std::string& key, int pool_size, int workers) {
  std::lock_guard<std::mutex> lock(capacity_mu_);
  auto& slot = capacities_[key];
  if (!slot) {
    slot = std::make_shared<pool::PoolCapacity>(workers);
    slot->max.store(pool_size);
  }
  return slot;
}

void SharedState::set_capacity(const std::string& key, int pool_size) {
  std::lock_guard<std::mutex> lock(capacity_mu_);
  auto it = capacities_.find(key);
  if (it != capacities_.end()) it->second->max.store(pool_size);
}

}  // namespace sluice::proxy
