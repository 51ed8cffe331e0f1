// Runs one command of the SQL admin console (database "sluice"): parses it, gathers what it
// needs (live state from the workers, totals from the merger, the configuration), and answers
// with the PostgreSQL protocol bytes of the result (RowDescription, DataRows, CommandComplete,
// or an ErrorResponse), without the ReadyForQuery, which the session adds.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace sluice::proxy {
struct SharedState;
}

namespace sluice::proxy::admin {

// Called on a worker thread; `done` runs once, on some worker thread (maybe later: SHOW POOLS
// asks every worker, PAUSE waits until the paused pools' servers are released).
void run_admin_command(SharedState& shared, std::string_view sql, std::function<void(std::string)> done);

}  // namespace sluice::proxy::admin
