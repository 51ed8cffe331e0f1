// The PostgreSQL codec: framing, startup packets, frontend and backend decoders, the writer.
#include <gtest/gtest.h>

#include <string>

#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/frontend_messages.h"
#include "proxy/pg/codec/message_framer.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/codec/protocol.h"
#include "proxy/pg/codec/startup_packet.h"

namespace sluice::proxy::pg {
namespace {

std::string be32(uint32_t v) {
  return std::string{char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

TEST(MessageFramer, SplitsCompleteAndIncompleteMessages) {
  std::string buf;
  write_query(buf, "SELECT 1");
  write_sync(buf);
  auto r = next_frame(buf, 1024);
  ASSERT_EQ(r.status, FrameStatus::Complete);
  EXPECT_EQ(r.frame.type, 'Q');
  EXPECT_EQ(r.frame.body, std::string_view("SELECT 1\0", 9));
  EXPECT_EQ(r.frame.total, 14u);
  auto r2 = next_frame(std::string_view(buf).substr(r.frame.total), 1024);
  ASSERT_EQ(r2.status, FrameStatus::Complete);
  EXPECT_EQ(r2.frame.type, 'S');
  EXPECT_TRUE(r2.frame.body.empty());
  for (std::size_t cut = 0; cut < 14; ++cut)
    EXPECT_EQ(next_frame(std::string_view(buf).substr(0, cut), 1024).status, FrameStatus::Incomplete) << cut;
}

TEST(MessageFramer, RejectsBadAndOversizedLengths) {
  std::string bad = "Q" + be32(3);
  EXPECT_EQ(next_frame(bad, 1024).status, FrameStatus::Malformed);
  std::string big = "Q" + be32(5000);
  auto r = next_frame(big, 1024);
  EXPECT_EQ(r.status, FrameStatus::TooLarge);
  EXPECT_EQ(r.needed, 5001u);
}

TEST(StartupPacket, DecodesStartupMessageParameters) {
  std::string buf;
  write_startup_message(buf, {{"user", "alice"}, {"database", "shop"}, {"application_name", "app"}});
  auto p = decode_startup_packet(buf);
  ASSERT_EQ(p.kind, StartupPacket::Kind::Startup);
  EXPECT_EQ(p.consumed, buf.size());
  ASSERT_NE(p.param("user"), nullptr);
  EXPECT_EQ(*p.param("user"), "alice");
  EXPECT_EQ(*p.param("database"), "shop");
  EXPECT_EQ(*p.param("application_name"), "app");
  EXPECT_EQ(p.param("options"), nullptr);
}

TEST(StartupPacket, RecognizesSslGssAndCancel) {
  std::string ssl;
  write_ssl_request(ssl);
  EXPECT_EQ(decode_startup_packet(ssl).kind, StartupPacket::Kind::SslRequest);
  std::string gss = be32(8) + be32(uint32_t(kGssEncRequestCode));
  EXPECT_EQ(decode_startup_packet(gss).kind, StartupPacket::Kind::GssEncRequest);
  std::string cancel;
  write_cancel_request(cancel, 1234, -99);
  auto p = decode_startup_packet(cancel);
  ASSERT_EQ(p.kind, StartupPacket::Kind::CancelRequest);
  EXPECT_EQ(p.cancel_pid, 1234);
  EXPECT_EQ(p.cancel_secret, -99);
}

TEST(StartupPacket, RejectsMalformedPackets) {
  EXPECT_EQ(decode_startup_packet(be32(4)).kind, StartupPacket::Kind::Invalid);
  EXPECT_EQ(decode_startup_packet(be32(20000)).kind, StartupPacket::Kind::Invalid);
  std::string v2 = be32(8) + be32(0x00020000);
  auto p = decode_startup_packet(v2);
  EXPECT_EQ(p.kind, StartupPacket::Kind::Invalid);
  EXPECT_NE(p.error.find("unsupported frontend protocol 2.0"), std::string::npos);
  std::string unterminated = be32(14) + be32(uint32_t(kProtocolV3)) + std::string("user\0x", 6);
  EXPECT_EQ(decode_startup_packet(unterminated).kind, StartupPacket::Kind::Invalid);
  std::string partial = be32(100) + be32(uint32_t(kProtocolV3));
  EXPECT_EQ(decode_startup_packet(partial).kind, StartupPacket::Kind::Incomplete);
}

TEST(FrontendMessages, DecodesParseBindDescribeClose) {
  std::string buf;
  std::string types = be32(23) + be32(25);
  write_parse(buf, "stmt1", "SELECT $1, $2", types, 2);
  auto f = next_frame(buf, 1 << 20);
  ASSERT_EQ(f.status, FrameStatus::Complete);
  auto parse = decode_parse(f.frame.body);
  ASSERT_TRUE(parse);
  EXPECT_EQ(parse->statement, "stmt1");
  EXPECT_EQ(parse->query, "SELECT $1, $2");
  EXPECT_EQ(parse->param_count, 2);
  EXPECT_EQ(parse->param_types_raw, types);

  std::string bind_body = std::string("portal\0stmt1\0", 13) + std::string("\0\0\0\0\0\0", 6);
  auto bind = decode_bind(bind_body);
  ASSERT_TRUE(bind);
  EXPECT_EQ(bind->portal, "portal");
  EXPECT_EQ(bind->statement, "stmt1");
  EXPECT_EQ(bind->rest.size(), 6u);

  const std::string describe_body("Sname\0", 6);
  auto d = decode_describe_or_close(describe_body);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->kind, 'S');
  EXPECT_EQ(d->name, "name");
  EXPECT_FALSE(decode_describe_or_close(std::string("Xname\0", 6)));
  EXPECT_FALSE(decode_describe_or_close(std::string("Sname", 5)));
  EXPECT_FALSE(decode_parse(std::string("s\0q\0\0\2", 6)));  // 2 parameter types announced, none given
}

TEST(FrontendMessages, DecodesSaslInitialResponse) {
  std::string buf;
  write_sasl_initial_response(buf, "SCRAM-SHA-256", "n,,n=,r=abc");
  auto f = next_frame(buf, 1024);
  auto m = decode_sasl_initial_response(f.frame.body);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(m->data, "n,,n=,r=abc");
  EXPECT_FALSE(decode_sasl_initial_response(std::string("SCRAM\0\0\0\0\x50xx", 11)));
}

TEST(BackendMessages, CommandTagRowsAndErrorFields) {
  EXPECT_EQ(rows_from_command_tag("SELECT 5"), 5);
  EXPECT_EQ(rows_from_command_tag("INSERT 0 3"), 3);
  EXPECT_EQ(rows_from_command_tag("COPY 10000"), 10000);
  EXPECT_EQ(rows_from_command_tag("BEGIN"), 0);
  EXPECT_EQ(rows_from_command_tag("DISCARD ALL"), 0);

  std::string buf;
  ErrorFields e;
  e.severity = "FATAL";
  e.sqlstate = "28P01";
  e.message = "password authentication failed";
  e.detail = "details";
  write_error_response(buf, e);
  auto f = next_frame(buf, 1024);
  ASSERT_EQ(f.frame.type, 'E');
  ErrorFields back = decode_error_fields(f.frame.body);
  EXPECT_EQ(back.severity, "FATAL");
  EXPECT_EQ(back.sqlstate, "28P01");
  EXPECT_EQ(back.message, "password authentication failed");
  EXPECT_EQ(back.detail, "details");
}

TEST(BackendMessages, DecodesAuthParameterStatusKeyAndReady) {
  std::string buf;
  uint8_t salt[4] = {1, 2, 3, 4};
  write_auth_md5(buf, salt);
  write_parameter_status(buf, "TimeZone", "UTC");
  write_backend_key_data(buf, 42, 7);
  write_ready_for_query(buf, 'T');
  std::string_view rest = buf;
  auto f1 = next_frame(rest, 1024);
  auto a = decode_auth_request(f1.frame.body);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->code, int32_t(AuthCode::Md5Password));
  EXPECT_EQ(a->data, std::string("\1\2\3\4", 4));
  rest.remove_prefix(f1.frame.total);
  auto f2 = next_frame(rest, 1024);
  auto ps = decode_parameter_status(f2.frame.body);
  ASSERT_TRUE(ps);
  EXPECT_EQ(ps->name, "TimeZone");
  EXPECT_EQ(ps->value, "UTC");
  rest.remove_prefix(f2.frame.total);
  auto f3 = next_frame(rest, 1024);
  auto k = decode_backend_key_data(f3.frame.body);
  ASSERT_TRUE(k);
  EXPECT_EQ(k->pid, 42);
  EXPECT_EQ(k->secret, 7);
  rest.remove_prefix(f3.frame.total);
  auto f4 = next_frame(rest, 1024);
  EXPECT_EQ(decode_ready_for_query(f4.frame.body), 'T');
  EXPECT_FALSE(decode_backend_key_data("abc"));
}

}  // namespace
}  // namespace sluice::proxy::pg
