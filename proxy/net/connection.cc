#include "proxy/net/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <openssl/err.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

#include "proxy/net/uring_io.h"
#include "proxy/net/worker.h"

namespace sluice::proxy::net {

struct Connection::WriteRequest {
  uv_write_t req;
  Connection* conn;
  std::string data;
};

Connection::Connection(Worker& worker, ConnectionHandler* handler)
    : worker_(worker), handler_(handler), io_(worker.uring()) {
  uv_tcp_init(worker_.loop(), &tcp_);
  tcp_.data = this;
}

Connection::~Connection() {
  if (ssl_) SSL_free(ssl_);  // frees the BIOs too
}

int Connection::accept(uv_stream_t* listener) {
  int rc = uv_accept(listener, reinterpret_cast<uv_stream_t*>(&tcp_));
  if (rc != 0) return rc;
  uv_tcp_nodelay(&tcp_, 1);
  return 0;
}

void Connection::connect(const std::string& host, uint16_t port) {
  connect_port_ = port;
  sockaddr_storage ss{};
  auto* in4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (uv_ip4_addr(host.c_str(), port, in4) == 0) {
    connect_to(reinterpret_cast<sockaddr*>(in4));
    return;
  }
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (uv_ip6_addr(h.c_str(), port, in6) == 0) {
    connect_to(reinterpret_cast<sockaddr*>(in6));
    return;
  }
  resolve_req_.data = this;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(worker_.loop(), &resolve_req_, &Connection::on_resolved_cb, host.c_str(), nullptr, &hints);
  if (rc != 0) {
    if (handler_) handler_->on_connected(*this, rc);
  }
}

void Connection::on_resolved_cb(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto* c = static_cast<Connection*>(req->data);
  if (c->closing_) {
    if (res) uv_freeaddrinfo(res);
    return;
  }
  if (status != 0 || !res) {
    if (res) uv_freeaddrinfo(res);
    if (c->handler_) c->handler_->on_connected(*c, status != 0 ? status : UV_EAI_NONAME);
    return;
  }
  sockaddr_storage ss{};
  std::memcpy(&ss, res->ai_addr, res->ai_addrlen);
  if (ss.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&ss)->sin_port = htons(c->connect_port_);
  if (ss.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port = htons(c->connect_port_);
  uv_freeaddrinfo(res);
  c->connect_to(reinterpret_cast<sockaddr*>(&ss));
}

void Connection::connect_to(const sockaddr* addr) {
  connect_req_.data = this;
  int rc = uv_tcp_connect(&connect_req_, &tcp_, addr, &Connection::on_connect_cb);
  if (rc != 0 && handler_) handler_->on_connected(*this, rc);
}

void Connection::on_connect_cb(uv_connect_t* req, int status) {
  auto* c = static_cast<Connection*>(req->data);
  if (c->closing_) return;
  if (status == 0) {
    uv_tcp_nodelay(&c->tcp_, 1);
    c->start_reading();
  }
  if (c->handler_) c->handler_->on_connected(*c, status);
}

int Connection::fd() {
  if (fd_ < 0) {
    uv_os_fd_t f;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &f) == 0) fd_ = f;
  }
  return fd_;
}

void Connection::start_reading() {
  if (reading_ || closing_) return;
  reading_ = true;
  if (io_) {
    if (!recv_armed_) arm_recv();
    return;
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::on_alloc, &Connection::on_read_cb);
}

void Connection::pause_reading() {
  if (paused_ || closing_) return;
  paused_ = true;
  if (io_) {
    reading_ = false;
    if (recv_armed_) io_->cancel(UringIo::user_data(this, UringIo::kRecv));
    return;
  }
  if (reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
}

void Connection::resume_reading() {
  if (!paused_ || closing_) return;
  paused_ = false;
  if (!held_input_.empty() && !held_scheduled_) {
    held_scheduled_ = true;
    worker_.deliver_later(this);
  }
  start_reading();
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  buf->base = c->worker_.read_buffer();
  buf->len = c->worker_.read_buffer_size();
}

void Connection::on_read_cb(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (c->closing_) return;
  if (n > 0) {
    c->deliver(std::string_view(buf->base, std::size_t(n)));
    return;
  }
  if (n == 0) return;
  c->fail(n == UV_EOF ? "connection closed by peer" : uv_strerror(int(n)));
}

void Connection::deliver(std::string_view data) {
  if (ssl_) {
    deliver_ciphertext(data.data(), data.size());
  } else if (handler_) {
    handler_->on_read(*this, data);
  }
}

void Connection::fail(std::string_view reason) {
  if (closing_) return;
  ConnectionHandler* h = handler_;
  close();
  if (h && !close_reported_) {
    close_reported_ = true;
    h->on_closed(*this, reason);
  }
}

void Connection::flush() {
  if (closing_ || out_.empty()) return;
  if (ssl_) {
    if (!tls_handshake_done_) return;  // sent once the handshake completes
    std::size_t off = 0;
    while (off < out_.size()) {
      int w = SSL_write(ssl_, out_.data() + off, int(out_.size() - off));
      if (w <= 0) {
        fail("TLS write failed");
        return;
      }
      off += std::size_t(w);
    }
    out_.clear();
    pump_tls_output();
    return;
  }
  if (io_) {
    if (send_busy_) {
      queued_.append(out_);
    } else {
      send_buf_.swap(out_);  // out_ takes send_buf_'s spare capacity
      send_off_ = 0;
      start_send();
    }
    out_.clear();
    note_pending();
    return;
  }
  send_wire(out_);
  out_.clear();
}

void Connection::send_wire(std::string_view data) {
  if (data.empty() || closing_) return;
  if (io_) {
    if (send_busy_) {
      queued_.append(data);
    } else {
      send_buf_.assign(data);
      send_off_ = 0;
      start_send();
    }
    note_pending();
    return;
  }
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp_);
  std::size_t off = 0;
  if (in_flight_ == 0) {
    uv_buf_t b = uv_buf_init(const_cast<char*>(data.data()), unsigned(data.size()));
    int w = uv_try_write(stream, &b, 1);
    if (w > 0) off = std::size_t(w);
    else if (w < 0 && w != UV_EAGAIN) {
      fail(uv_strerror(w));
      return;
    }
  }
  if (off == data.size()) return;
  auto* wr = new WriteRequest;
  wr->conn = this;
  wr->data.assign(data.data() + off, data.size() - off);
  wr->req.data = wr;
  uv_buf_t b = uv_buf_init(wr->data.data(), unsigned(wr->data.size()));
  in_flight_ += wr->data.size();
  int rc = uv_write(&wr->req, stream, &b, 1, &Connection::on_write_cb);
  if (rc != 0) {
    in_flight_ -= wr->data.size();
    delete wr;
    fail(uv_strerror(rc));
    return;
  }
  if (in_flight_ > kHighWatermark) was_congested_ = true;
}

void Connection::on_write_cb(uv_write_t* req, int status) {
  auto* wr = static_cast<WriteRequest*>(req->data);
  Connection* c = wr->conn;
  c->in_flight_ -= wr->data.size();
  delete wr;
  if (c->closing_) return;
  if (status != 0) {
    c->fail(uv_strerror(status));
    return;
  }
  if (c->was_congested_ && c->in_flight_ < kLowWatermark) {
    c->was_congested_ = false;
    if (c->handler_) c->handler_->on_drained(*c);
  }
}

DetachedSocket Connection::detach_socket() {
  DetachedSocket d;
  if (closing_ || in_flight_ != 0 || !out_.empty()) return d;
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&tcp_), &fd) != 0) return d;
  int copy = ::dup(fd);
  if (copy < 0) return d;
  if (io_) {
    // Bytes read and not yet handled, and those the kernel may already have taken for the
    // receive being cancelled, travel with the socket.
    d.pending_input = std::move(held_input_);
    held_input_.clear();
    if (recv_armed_) io_->cancel_recv_now(UringIo::user_data(this, UringIo::kRecv), &d.pending_input);
  }
  d.fd = copy;
  d.ssl = ssl_;
  d.tls_handshake_done = tls_handshake_done_;
  ssl_ = nullptr;  // the adopter owns it now
  rbio_ = wbio_ = nullptr;
  close();
  return d;
}

Connection* Connection::adopt(Worker& worker, ConnectionHandler* handler, DetachedSocket socket) {
  auto* c = new Connection(worker, handler);
  if (uv_tcp_open(&c->tcp_, socket.fd) != 0) {
    ::close(socket.fd);
    if (socket.ssl) SSL_free(socket.ssl);
    c->handler_ = nullptr;
    c->close();
    return nullptr;
  }
  c->ssl_ = socket.ssl;
  if (c->ssl_) {
    c->rbio_ = SSL_get_rbio(c->ssl_);
    c->wbio_ = SSL_get_wbio(c->ssl_);
  }
  c->tls_handshake_done_ = socket.tls_handshake_done;
  c->start_reading();
  if (!socket.pending_input.empty()) {
    c->held_input_ = std::move(socket.pending_input);
    c->held_scheduled_ = true;
    worker.deliver_later(c);
  }
  return c;
}

void Connection::close() {
  if (closing_) return;
  closing_ = true;
  handler_ = nullptr;
  reading_ = false;
  if (held_scheduled_) worker_.forget(this);
  if (io_ && (recv_armed_ || send_busy_)) {
    // A reply written just before closing (an error) is handed to the kernel now, as libuv's
    // immediate write would have; what the socket cannot take at once is dropped, as there.
    // The handle closes when the last completion naming this object has arrived.
    if (send_busy_) {
      io_->submit();
      send_rest_now();
    }
    if (recv_armed_) io_->cancel(UringIo::user_data(this, UringIo::kRecv));
    if (send_busy_) io_->cancel(UringIo::user_data(this, UringIo::kSend));
    waiting_to_close_ = true;
    worker_.note_uring_closing(+1);
    return;
  }
  finish_close();
}

void Connection::finish_close() {
  if (handle_closed_) return;
  handle_closed_ = true;
  if (waiting_to_close_) worker_.note_uring_closing(-1);
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::on_close_cb);
}

void Connection::on_close_cb(uv_handle_t* h) { delete static_cast<Connection*>(h->data); }

std::string Connection::peer_address() const {
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&tcp_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char ip[INET6_ADDRSTRLEN] = {0};
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

// ---- io_uring -------------------------------------------------------------------------------

void Connection::on_uring_completion(uint64_t user_data, int res, unsigned flags) {
  auto* c = reinterpret_cast<Connection*>(user_data & ~UringIo::kTagMask);
  if ((user_data & UringIo::kTagMask) == UringIo::kRecv) {
    c->on_recv_completion(res, flags);
  } else {
    c->on_send_completion(res);
  }
}

void Connection::arm_recv() {
  io_->recv_multishot(fd(), UringIo::user_data(this, UringIo::kRecv));
  recv_armed_ = true;
}

void Connection::hold(std::string_view data) {
  held_input_.append(data);
  if (reading_ && !held_scheduled_) {
    held_scheduled_ = true;
    worker_.deliver_later(this);
  }
}

void Connection::on_recv_completion(int res, unsigned flags) {
  if (!(flags & IORING_CQE_F_MORE)) recv_armed_ = false;
  if (res > 0) {
    std::string_view data = io_->received(res, flags);
    if (!closing_) {
      // In order: straight to the handler unless earlier bytes are still held back.
      if (reading_ && held_input_.empty()) {
        deliver(data);
      } else {
        hold(data);
      }
    }
    io_->give_back(flags);
  } else if (flags & IORING_CQE_F_BUFFER) {
    io_->give_back(flags);
  }
  if (closing_) {
    if (!recv_armed_ && !send_busy_) finish_close();
    return;
  }
  if (res == 0) {
    if (held_input_.empty()) {
      fail("connection closed by peer");
    } else {
      eof_held_ = true;  // reported after the held bytes
    }
    return;
  }
  if (res < 0 && res != -ENOBUFS && res != -ECANCELED) {
    fail(std::strerror(-res));
    return;
  }
  // The receive ended (cancelled by a pause, or the buffer ring ran dry): arm it again if wanted.
  if (!recv_armed_ && reading_) arm_recv();
}

void Connection::deliver_held_input() {
  held_scheduled_ = false;
  if (closing_ || !reading_ || held_input_.empty()) return;
  std::string data;
  data.swap(held_input_);
  deliver(data);
  if (eof_held_ && !closing_ && held_input_.empty()) fail("connection closed by peer");
}

// Closing with bytes queued behind a send: once that send is done (usually at the submit just
// made), the rest goes out with one nonblocking send, as libuv's immediate write would have.
void Connection::send_rest_now() {
  int res = 0;
  if (queued_.empty() || !io_->find_completion(UringIo::user_data(this, UringIo::kSend), &res) || res < 0) return;
  std::size_t done = std::min(send_buf_.size(), send_off_ + std::size_t(res));
  std::string rest = send_buf_.substr(done);
  rest += queued_;
  queued_.clear();
  if (::send(fd(), rest.data(), rest.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
    spdlog::debug("send before close: {}", std::strerror(errno));
}

void Connection::start_send() {
  io_->send(fd(), send_buf_.data() + send_off_, send_buf_.size() - send_off_,
            UringIo::user_data(this, UringIo::kSend));
  send_busy_ = true;
}

void Connection::note_pending() {
  in_flight_ = (send_buf_.size() - send_off_) + queued_.size();
  if (pending_bytes() > kHighWatermark) was_congested_ = true;
}

void Connection::on_send_completion(int res) {
  send_busy_ = false;
  if (closing_) {
    if (!recv_armed_) finish_close();
    return;
  }
  if (res < 0) {
    fail(std::strerror(-res));
    return;
  }
  send_off_ += std::size_t(res);
  if (send_off_ < send_buf_.size()) {  // a short send: the rest goes next
    start_send();
  } else {
    send_buf_.clear();
    send_off_ = 0;
    if (!queued_.empty()) {
      send_buf_.swap(queued_);
      start_send();
    }
  }
  note_pending();
  if (was_congested_ && in_flight_ < kLowWatermark) {
    was_congested_ = false;
    if (handler_) handler_->on_drained(*this);
  }
}

// ---- TLS -------------------------------------------------------------------------------------

void Connection::start_tls_server(SSL_CTX* ctx) {
  ssl_ = SSL_new(ctx);
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_, rbio_, wbio_);
  SSL_set_accept_state(ssl_);
}

void Connection::start_tls_client(SSL_CTX* ctx, const std::string& server_name) {
  ssl_ = SSL_new(ctx);
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl_, rbio_, wbio_);
  SSL_set_connect_state(ssl_);
  if (!server_name.empty()) {
    SSL_set_tlsext_host_name(ssl_, server_name.c_str());
    SSL_set1_host(ssl_, server_name.c_str());
  }
  SSL_do_handshake(ssl_);
  pump_tls_output();
}

void Connection::pump_tls_output() {
  char buf[16384];
  tls_wire_.clear();
  while (BIO_ctrl_pending(wbio_) > 0) {
    int n = BIO_read(wbio_, buf, sizeof(buf));
    if (n <= 0) break;
    tls_wire_.append(buf, std::size_t(n));
  }
  send_wire(tls_wire_);
}

void Connection::deliver_ciphertext(const char* data, std::size_t len) {
  BIO_write(rbio_, data, int(len));
  if (!tls_handshake_done_) {
    int rc = SSL_do_handshake(ssl_);
    pump_tls_output();
    if (closing_) return;
    if (rc == 1) {
      tls_handshake_done_ = true;
      if (handler_) handler_->on_tls_ready(*this, true, {});
      if (closing_) return;
      flush();
    } else {
      int err = SSL_get_error(ssl_, rc);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
        char msg[256];
        unsigned long e = ERR_get_error();
        ERR_error_string_n(e, msg, sizeof(msg));
        ConnectionHandler* h = handler_;
        std::string reason = std::string("TLS handshake failed: ") + (e ? msg : "protocol error");
        ERR_clear_error();
        if (h) h->on_tls_ready(*this, false, reason);
        fail(reason);
        return;
      }
      return;
    }
  }
  std::string& plain = worker_.tls_plaintext();
  plain.clear();
  char buf[16384];
  while (true) {
    int n = SSL_read(ssl_, buf, sizeof(buf));
    if (n > 0) {
      plain.append(buf, std::size_t(n));
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
    if (err == SSL_ERROR_ZERO_RETURN) {
      if (!plain.empty() && handler_) handler_->on_read(*this, plain);
      fail("TLS connection closed by peer");
      return;
    }
    ERR_clear_error();
    fail("TLS read failed");
    return;
  }
  pump_tls_output();  // renegotiation / session tickets
  if (!plain.empty() && handler_ && !closing_) {
    std::string copy;
    copy.swap(plain);  // the handler may trigger another TLS read on this worker
    handler_->on_read(*this, copy);
    copy.clear();
    plain.swap(copy);
  }
}

}  // namespace sluice::proxy::net
