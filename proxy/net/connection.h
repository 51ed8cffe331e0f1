// One TCP connection on a worker's libuv loop, optionally wrapped in TLS (OpenSSL memory BIOs).
// Writes are buffered in out_buffer() and sent by flush(), so a burst of forwarded messages
// costs one syscall. The object frees itself after close(); owners must drop their pointer then.
#pragma once

#include <openssl/ssl.h>
#include <uv.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::proxy::net {

class Worker;
class Connection;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Plaintext bytes arrived; `data` is only valid during the call.
  virtual void on_read(Connection& c, std::string_view data) = 0;
  // The peer went away or an I/O error happened. No more callbacks follow.
  virtual void on_closed(Connection& c, std::string_view reason) = 0;
  // Outgoing connect finished (status 0) or failed (libuv error code).
  virtual void on_connected(Connection&, int /*status*/) {}
  // TLS handshake finished.
  virtual void on_tls_ready(Connection&, bool /*ok*/, std::string_view /*error*/) {}
  // Pending writes fell below the low watermark after having been above the high one.
  virtual void on_drained(Connection&) {}
};

// A socket (and its TLS state) taken out of one worker's loop to be adopted by another.
struct DetachedSocket {
  int fd = -1;
  SSL* ssl = nullptr;
  bool tls_handshake_done = false;
};

class Connection {
 public:
  static constexpr std::size_t kHighWatermark = 1 << 20;
  static constexpr std::size_t kLowWatermark = 256 << 10;

  Connection(Worker& worker, ConnectionHandler* handler);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int accept(uv_stream_t* listener);
  // Asynchronous; the result arrives through on_connected.
  void connect(const std::string& host, uint16_t port);

  void set_handler(ConnectionHandler* h) { handler_ = h; }
  std::string& out_buffer() { return out_; }
  void write(std::string_view data) { out_.append(data.data(), data.size()); }
  void flush();

  void start_tls_server(SSL_CTX* ctx);
  void start_tls_client(SSL_CTX* ctx, const std::string& server_name);
  bool is_tls() const { return ssl_ != nullptr; }

  void pause_reading();
  void resume_reading();
  bool reading_paused() const { return paused_; }
  // Bytes handed to the kernel queue but not yet written, plus unflushed bytes.
  std::size_t pending_bytes() const { return in_flight_ + out_.size(); }
  bool congested() const { return pending_bytes() > kHighWatermark; }

  // Hands the socket over (for another worker's loop) and closes this handle. fd is -1 when it
  // cannot move now (writes still queued).
  DetachedSocket detach_socket();
  // Wraps a detached socket on `worker`'s loop and starts reading. nullptr on failure (fd closed).
  static Connection* adopt(Worker& worker, ConnectionHandler* handler, DetachedSocket socket);

  // Idempotent. The handler gets no callbacks after this; memory is freed asynchronously.
  void close();
  bool closed() const { return closing_; }

  std::string peer_address() const;
  Worker& worker() { return worker_; }

 private:
  ~Connection();
  struct WriteRequest;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read_cb(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void on_write_cb(uv_write_t* req, int status);
  static void on_close_cb(uv_handle_t* h);
  static void on_connect_cb(uv_connect_t* req, int status);
  static void on_resolved_cb(uv_getaddrinfo_t* req, int status, struct addrinfo* res);

  void start_reading();
  void deliver_ciphertext(const char* data, std::size_t len);
  void send_wire(std::string_view data);
  void pump_tls_output();
  void fail(std::string_view reason);
  void connect_to(const struct sockaddr* addr);

  Worker& worker_;
  ConnectionHandler* handler_;
  uv_tcp_t tcp_;
  uv_connect_t connect_req_;
  uv_getaddrinfo_t resolve_req_;
  uint16_t connect_port_ = 0;
  std::string out_;
  std::size_t in_flight_ = 0;
  bool was_congested_ = false;
  bool paused_ = false;
  bool reading_ = false;
  bool closing_ = false;
  bool close_reported_ = false;

  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // ciphertext from the network into OpenSSL
  BIO* wbio_ = nullptr;  // ciphertext from OpenSSL to the network
  bool tls_handshake_done_ = false;
  std::string tls_wire_;
};

}  // namespace sluice::proxy::net
