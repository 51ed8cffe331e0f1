// What the proxy expects back from the server, in order, for the client messages it forwarded
// (or answered itself). Lets the proxy inject and swallow messages (re-preparing statements on
// a new server, syncing session parameters) while the client sees exactly the replies it asked
// for, pipelined or not. It also tells when a transaction-pooled server is free again.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

namespace sluice::proxy::pg {

struct PendingRequest {
  enum class Kind : uint8_t {
    Query,               // simple query: everything up to ReadyForQuery
    FunctionCall,        // up to ReadyForQuery
    Parse,               // ParseComplete
    InjectedParse,       // ParseComplete swallowed (the proxy re-prepared a statement)
    InjectedBind,        // BindComplete swallowed (the proxy's own statement)
    SyntheticParseComplete,  // answered by the proxy: the server already has the statement
    SyntheticCloseComplete,  // answered by the proxy: statements are shared between clients
    Bind,                // BindComplete
    DescribeStatement,   // ParameterDescription, then RowDescription or NoData
    DescribePortal,      // RowDescription or NoData
    Execute,             // CommandComplete, EmptyQueryResponse, PortalSuspended (rows before it)
    Close,               // CloseComplete
    Sync,                // ReadyForQuery
    InternalQuery,       // the proxy's own simple query (SET ...): everything swallowed up to ReadyForQuery
  };
  Kind kind;
  std::string server_statement;  // Parse / InjectedParse: name prepared on the server
  std::string client_statement;  // Parse: the client's name for it (forgotten if the Parse fails)
  uint64_t started_ns = 0;       // when it was sent (timing)
};

using RequestQueue = std::deque<PendingRequest>;

}  // namespace sluice::proxy::pg
