// ClientSession, server -> client: each reply matched to the head of the request queue,
// forwarded or swallowed (replies to what the proxy injected), errors and ReadyForQuery ending
// requests, and each query's timing handed to the observer.
#include "proxy/pg/client_session.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"
#include "common/logging.h"
#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/pg_service.h"
#include "proxy/pg/server_connection.h"

namespace sluice::proxy::pg {

void ClientSession::on_error_from_server(std::string_view raw) {
  using K = PendingRequest::Kind;
  forward_to_client(raw);
  in_copy_in_ = false;
  if (observer_.enabled()) {
    observer_.on_error(decode_error_fields(raw.substr(5)).sqlstate);
    // The query this error ends: the Execute at the head, or the first one the server will now
    // skip (its Parse or Bind failed). Later Executes up to the Sync never ran.
    uint64_t now = common::steady_now_ns();
    bool charged = false;
    for (std::size_t i = 0; i < queue_.size(); ++i) {
      PendingRequest& r = queue_[i];
      if (r.kind == K::Sync || r.kind == K::Query || r.kind == K::InternalQuery) break;
      if (r.kind == K::Execute && r.observed) {
        observer_.finish(r, now);
        charged = true;
        break;
      }
    }
    if (!charged) observer_.clear_reply_state();
  }
  auto drop = [this](const PendingRequest& r) {
    if ((r.kind == K::Parse || r.kind == K::InjectedParse) && !r.server_statement.empty() && server_)
      server_->statements().remove(r.server_statement);
    if (r.kind == K::Parse && !r.client_statement.empty()) {
      const ClientStatement* st = statements_.find(r.client_statement);
      if (st && st->server_name == r.server_statement) statements_.remove(r.client_statement);
    }
  };
  if (!queue_.empty()) {
    drop(queue_.front());
    queue_.pop_front();
  }
  // The server skips everything up to the next Sync.
  while (!queue_.empty() && queue_.front().kind != K::Sync && queue_.front().kind != K::Query &&
         queue_.front().kind != K::InternalQuery) {
    drop(queue_.front());
    queue_.pop_front();
  }
}

void ClientSession::on_server_message(ServerConnection& s, const Frame& f, std::string_view raw) {
  using K = PendingRequest::Kind;
  const char t = f.type;
  SLUICE_TRACE("client {} <- '{}' ({} bytes), queue {} head {}", id_, t, raw.size(), queue_.size(),
               queue_.empty() ? -1 : int(queue_.front().kind));
  const bool internal = !queue_.empty() && queue_.front().kind == K::InternalQuery;
  if (t == be::kNoticeResponse || t == be::kNotification) {
    if (!internal) forward_to_client(raw);
    return;
  }
  if (t == be::kParameterStatus) {
    auto ps = decode_parameter_status(f.body);
    if (ps) s.reported_params().set(ps->name, ps->value);
    if (internal) return;
    if (ps && welcome_sent_) {
      // The client changed a setting itself (SET ...): remember it for the next server.
      wanted_.set(ps->name, ps->value);
      s.requested_params().set(ps->name, ps->value);
    }
    forward_to_client(raw);
    return;
  }
  if (queue_.empty()) {
    if (t == be::kReadyForQuery) {
      if (auto st = decode_ready_for_query(f.body)) tx_status_ = *st;
      s.set_tx_status(tx_status_);
    }
    forward_to_client(raw);
    return;
  }
  PendingRequest& head = queue_.front();
  switch (head.kind) {
    case K::Query:
    case K::FunctionCall:
    case K::InternalQuery:
      if (t == be::kReadyForQuery) {
        auto st = decode_ready_for_query(f.body);
        char status = st ? *st : kTxIdle;
        s.set_tx_status(status);
        if (!internal) observe_ready_for_query(head, status, raw.size());
        queue_.pop_front();
        if (!internal) {
          tx_status_ = status;
          in_copy_in_ = false;
          conn_->write(raw);  // counted by observe_ready_for_query
        }
        emit_synthetic();
        maybe_release_after_ready();
        return;
      }
      if (internal) {
        if (t == be::kErrorResponse)
          spdlog::warn("client {}: setting session parameters failed: {}", id_, decode_error_fields(f.body).message);
        return;
      }
      if (t == be::kCopyInResponse) in_copy_in_ = true;
      if (t == be::kErrorResponse && observer_.enabled())
        observer_.on_error(decode_error_fields(f.body).sqlstate);
      if (t == be::kCommandComplete) {
        observer_.on_command_complete(f.body);
        auto tag = decode_command_complete(f.body);
        if (tag && (*tag == "DISCARD ALL" || *tag == "DEALLOCATE ALL")) {
          s.statements().clear();
          if (*tag == "DISCARD ALL") s.requested_params().clear();
        }
      }
      forward_to_client(raw);
      return;
    case K::Parse:
    case K::InjectedParse:
      if (t == be::kParseComplete) {
        bool swallow = head.kind == K::InjectedParse;
        if (!head.server_statement.empty() && pool_entry_) pool_entry_->known_statements.insert(head.server_statement);
        queue_.pop_front();
        if (!swallow) forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::Bind:
    case K::InjectedBind:
      if (t == be::kBindComplete) {
        bool swallow = head.kind == K::InjectedBind;
        queue_.pop_front();
        if (!swallow) forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::DescribeStatement:
      if (t == be::kParameterDescription) {
        forward_to_client(raw);
        return;
      }
      [[fallthrough]];
    case K::DescribePortal:
      if (t == be::kRowDescription || t == be::kNoData) {
        queue_.pop_front();
        forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::Execute:
      if (t == be::kCommandComplete || t == be::kEmptyQuery || t == be::kPortalSuspended) {
        forward_to_client(raw);
        if (head.observed) {
          if (t == be::kCommandComplete) observer_.on_command_complete(f.body);
          observer_.finish(head, common::steady_now_ns());
        }
        queue_.pop_front();
        emit_synthetic();
        return;
      }
      if (t == be::kErrorResponse) break;
      if (t == be::kCopyInResponse) in_copy_in_ = true;
      forward_to_client(raw);
      return;
    case K::Close:
      if (t == be::kCloseComplete) {
        queue_.pop_front();
        forward_to_client(raw);
        emit_synthetic();
        return;
      }
      break;
    case K::Sync:
      if (t == be::kReadyForQuery) {
        auto st = decode_ready_for_query(f.body);
        tx_status_ = st ? *st : kTxIdle;
        s.set_tx_status(tx_status_);
        observe_ready_for_query(head, tx_status_, raw.size());
        queue_.pop_front();
        conn_->write(raw);  // counted by observe_ready_for_query
        emit_synthetic();
        maybe_release_after_ready();
        return;
      }
      break;
    case K::SyntheticParseComplete:
    case K::SyntheticCloseComplete:
      break;
  }
  if (t == be::kErrorResponse) {
    on_error_from_server(raw);
    return;
  }
  forward_to_client(raw);
}

void ClientSession::observe_ready_for_query(PendingRequest& head, char status, std::size_t bytes) {
  if (!observer_.enabled()) return;
  // The ReadyForQuery goes out right after this: its bytes belong to the query it ends.
  observer_.add_bytes_out(bytes);
  if (head.observed) observer_.finish(head, common::steady_now_ns());
  if (status == kTxIdle) {
    observer_.on_transaction_end();
    observer_.forget_portals();
  }
}

}  // namespace sluice::proxy::pg
