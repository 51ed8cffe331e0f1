// libFuzzer target: the SCRAM server and client parsers on arbitrary messages.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/pg/auth/scram_client.h"
#include "proxy/pg/auth/scram_secret.h"
#include "proxy/pg/auth/scram_server.h"

using namespace sluice::proxy::pg::auth;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static const ScramSecret secret = make_scram_secret("pencil", "saltsaltsalt", 16);
  (void)parse_scram_secret(in);
  auto cut = in.find('\n');
  std::string_view first = in.substr(0, cut);
  std::string_view second = cut == std::string_view::npos ? std::string_view{} : in.substr(cut + 1);
  ScramServer server(secret, "servernonce");
  if (server.handle_client_first(first).ok) (void)server.handle_client_final(second);
  ScramClient client(std::string_view("pencil"), "clientnonce");
  (void)client.client_first_message();
  if (client.handle_server_first(first).ok) (void)client.verify_server_final(second);
  return 0;
}
