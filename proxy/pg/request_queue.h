// What the proxy expects back from the server, in order, for the client messages it forwarded
// (or answered itself). Lets the proxy inject and swallow messages (re-preparing statements on
// a new server, syncing session parameters) while the client sees exactly the replies it asked
// for, pipelined or not. It also tells when a transaction-pooled server is free again.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
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
  Kind kind = Kind::Query;
  std::string server_statement;  // Parse / InjectedParse: name prepared on the server
  std::string client_statement;  // Parse: the client's name for it (forgotten if the Parse fails)
  uint64_t started_ns = 0;       // when the bytes carrying it were read (steady clock)
  // Observation (Query and Execute only, when observation is on): see query_observer.h.
  bool observed = false;
  uint64_t fingerprint = 0;
  uint64_t wait_ns = 0;   // of which the client waited for a server
  uint64_t bytes_in = 0;  // client bytes of this query
  std::shared_ptr<const std::string> text;  // the statement's text as the client sent it
  std::string raw_params;                   // the Bind parameters, still encoded
};

using RequestQueue = std::deque<PendingRequest>;

}  // namespace sluice::proxy::pg
