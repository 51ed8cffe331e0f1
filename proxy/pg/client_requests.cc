// ClientSession, client -> server: the client's messages taken apart into requests, each pushed
// on the request queue with the reply it expects, and forwarded (or answered here: Parse and
// Close of statements the server already has, Sync with nothing outstanding).
#include "proxy/pg/client_session.h"

#include <spdlog/spdlog.h>

#include "common/logging.h"
#include "proxy/pg/codec/frontend_messages.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/pg_service.h"
#include "proxy/pg/server_connection.h"

namespace sluice::proxy::pg {

void ClientSession::push(PendingRequest::Kind kind, std::string server_statement, std::string client_statement) {
  PendingRequest& r = queue_.emplace_back();
  r.kind = kind;
  if (!server_statement.empty()) r.server_statement = std::move(server_statement);
  if (!client_statement.empty()) r.client_statement = std::move(client_statement);
  if (kind == PendingRequest::Kind::SyntheticParseComplete || kind == PendingRequest::Kind::SyntheticCloseComplete)
    emit_synthetic();
}

void ClientSession::emit_synthetic() {
  while (!queue_.empty()) {
    auto k = queue_.front().kind;
    if (k == PendingRequest::Kind::SyntheticParseComplete) {
      if (conn_) write_parse_complete(conn_->out_buffer());
    } else if (k == PendingRequest::Kind::SyntheticCloseComplete) {
      if (conn_) write_close_complete(conn_->out_buffer());
    } else {
      return;
    }
    queue_.pop_front();
  }
}

void ClientSession::ensure_prepared(const ClientStatement& st) {
  if (server_->statements().has(st.server_name)) return;
  write_parse(server_->out(), st.server_name, st.query, st.param_types_raw, st.param_count);
  server_->statements().add(st.server_name);
  push(PendingRequest::Kind::InjectedParse, st.server_name);
}

std::size_t ClientSession::process_messages(std::string_view data) {
  std::size_t consumed = 0;
  const std::size_t max = service_.config().limits.max_message_size;
  while (phase_ == Phase::Ready) {
    FrameResult fr = next_frame(data.substr(consumed), max);
    if (fr.status == FrameStatus::Incomplete) break;
    if (fr.status == FrameStatus::TooLarge) {
      terminate("08P01", "message of " + std::to_string(fr.needed) + " bytes exceeds max_message_size (" +
                             std::to_string(max) + " bytes)");
      return data.size();
    }
    if (fr.status == FrameStatus::Malformed) {
      protocol_error("invalid message length");
      return data.size();
    }
    if (!server_) {
      if (fr.frame.type == fe::kTerminate) {
        close_session("client terminated");
        return data.size();
      }
      if (std::size_t used = answer_without_server(data.substr(consumed), fr.frame)) {
        consumed += used;
        continue;
      }
      if (!acquire_server()) break;
      if (phase_ != Phase::Ready) return data.size();
    }
    std::string_view raw = data.substr(consumed, fr.frame.total);
    consumed += fr.frame.total;
    if (!handle_frame(fr.frame, raw)) return data.size();
  }
  if (server_) {
    server_->flush();
    if (server_ && server_->congested() && conn_) conn_->pause_reading();
  }
  return consumed;
}

std::size_t ClientSession::answer_without_server(std::string_view data, const Frame& first) {
  if (!transaction_pooling_ || waiting || !conn_) return 0;
  if (first.type != fe::kParse && first.type != fe::kClose) return 0;
  FrameResult next = next_frame(data.substr(first.total), service_.config().limits.max_message_size);
  if (next.status != FrameStatus::Complete || next.frame.type != fe::kSync) return 0;
  auto& out = conn_->out_buffer();
  if (first.type == fe::kParse) {
    auto m = decode_parse(first.body);
    if (!m || m->statement.empty() || statements_.find(m->statement)) return 0;
    if (!pool_entry_->known_statements.count(server_statement_name(m->query, m->param_types_raw))) return 0;
    statements_.add(m->statement, m->query, m->param_types_raw, m->param_count);
    observer_.on_parse(m->statement, m->query);
    write_parse_complete(out);
  } else {
    auto m = decode_describe_or_close(first.body);
    if (!m || m->kind != 'S' || m->name.empty()) return 0;
    statements_.remove(m->name);
    observer_.on_close('S', m->name);
    write_close_complete(out);
  }
  write_ready_for_query(out, kTxIdle);
  return first.total + next.frame.total;
}

bool ClientSession::handle_frame(const Frame& f, std::string_view raw) {
  using K = PendingRequest::Kind;
  SLUICE_TRACE("client {} -> '{}' ({} bytes), queue {}", id_, f.type, raw.size(), queue_.size());
  std::string& out = server_->out();
  observer_.add_bytes_in(raw.size());
  switch (f.type) {
    case fe::kQuery:
      out.append(raw);
      push(K::Query);
      if (observer_.enabled()) {
        auto text = decode_query(f.body);
        observer_.start_query(queue_.back(), text ? *text : std::string_view(), arrival_ns_);
      }
      return true;
    case fe::kParse: {
      auto m = decode_parse(f.body);
      if (!m) {
        protocol_error("malformed Parse message");
        return false;
      }
      if (transaction_pooling_ && !m->statement.empty()) {
        if (statements_.find(m->statement)) {
          reject_duplicate_statement(m->statement);
          return true;
        }
        observer_.on_parse(m->statement, m->query);
        const ClientStatement& st = statements_.add(m->statement, m->query, m->param_types_raw, m->param_count);
        if (server_->statements().has(st.server_name)) {
          push(K::SyntheticParseComplete);
        } else {
          write_parse(out, st.server_name, st.query, st.param_types_raw, st.param_count);
          server_->statements().add(st.server_name);
          push(K::Parse, st.server_name, std::string(m->statement));
        }
        return true;
      }
      observer_.on_parse(m->statement, m->query);
      out.append(raw);
      push(K::Parse);
      return true;
    }
    case fe::kBind: {
      auto m = decode_bind(f.body);
      if (!m) {
        protocol_error("malformed Bind message");
        return false;
      }
      observer_.on_bind(m->portal, m->statement, m->rest);
      if (transaction_pooling_ && !m->statement.empty()) {
        if (const ClientStatement* st = statements_.find(m->statement)) {
          ensure_prepared(*st);
          MessageWriter(out).begin(fe::kBind).cstr(m->portal).cstr(st->server_name).bytes(m->rest).end();
          push(K::Bind);
          return true;
        }
      }
      out.append(raw);
      push(K::Bind);
      return true;
    }
    case fe::kDescribe: {
      auto m = decode_describe_or_close(f.body);
      if (!m) {
        protocol_error("malformed Describe message");
        return false;
      }
      if (m->kind == 'S' && transaction_pooling_ && !m->name.empty()) {
        if (const ClientStatement* st = statements_.find(m->name)) {
          ensure_prepared(*st);
          MessageWriter(out).begin(fe::kDescribe).int8('S').cstr(st->server_name).end();
          push(K::DescribeStatement);
          return true;
        }
      }
      out.append(raw);
      push(m->kind == 'S' ? K::DescribeStatement : K::DescribePortal);
      return true;
    }
    case fe::kClose: {
      auto m = decode_describe_or_close(f.body);
      if (!m) {
        protocol_error("malformed Close message");
        return false;
      }
      observer_.on_close(m->kind, m->name);
      if (m->kind == 'S' && transaction_pooling_ && !m->name.empty()) {
        statements_.remove(m->name);
        push(K::SyntheticCloseComplete);
        return true;
      }
      out.append(raw);
      push(K::Close);
      return true;
    }
    case fe::kExecute:
      out.append(raw);
      push(K::Execute);
      if (observer_.enabled()) {
        // Execute: portal name, then the row limit.
        std::string_view portal = f.body.substr(0, f.body.find('\0'));
        observer_.start_execute(queue_.back(), portal, arrival_ns_);
      }
      return true;
    case fe::kSync:
      out.append(raw);
      push(K::Sync);
      return true;
    case fe::kFlush:
      out.append(raw);
      return true;
    case fe::kFunctionCall:
      out.append(raw);
      push(K::FunctionCall);
      return true;
    case fe::kCopyData:
      out.append(raw);
      return true;
    case fe::kCopyDone:
    case fe::kCopyFail:
      out.append(raw);
      in_copy_in_ = false;
      return true;
    case fe::kTerminate:
      close_session("client terminated");
      return false;
    default:
      protocol_error(std::string("unknown or unexpected message type '") +
                     (std::isprint(static_cast<unsigned char>(f.type)) ? std::string(1, f.type) : std::string("?")) +
                     "'");
      return false;
  }
}

void ClientSession::reject_duplicate_statement(std::string_view name) {
  // The server must fail this point of the stream itself, so that it skips to the next Sync
  // and aborts an open transaction exactly as a real duplicate would.
  using K = PendingRequest::Kind;
  std::string clean;
  for (char c : name)
    if (c != '$' && c != '\'') clean.push_back(c);
  std::string sql = "DO $sluice$BEGIN RAISE EXCEPTION USING ERRCODE = '42P05', MESSAGE = 'prepared statement \"" +
                    clean + "\" already exists'; END$sluice$";
  std::string& out = server_->out();
  write_parse(out, "", sql, "", 0);
  push(K::InjectedParse);
  MessageWriter(out).begin(fe::kBind).cstr("").cstr("").int16(0).int16(0).int16(0).end();
  push(K::InjectedBind);
  MessageWriter(out).begin(fe::kExecute).cstr("").int32(0).end();
  push(K::Execute);
}

}  // namespace sluice::proxy::pg
