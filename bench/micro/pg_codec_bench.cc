// Micro benchmarks of the PostgreSQL codec on the per-message path: framing a burst of
// messages, decoding the messages the proxy looks inside, encoding replies.
#include <benchmark/benchmark.h>

#include <string>

#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/frontend_messages.h"
#include "proxy/pg/codec/message_framer.h"
#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/codec/startup_packet.h"

namespace pg = sluice::proxy::pg;

namespace {

std::string extended_burst() {
  std::string buf;
  pg::write_parse(buf, "", "SELECT abalance FROM pgbench_accounts WHERE aid = $1", "", 0);
  pg::MessageWriter(buf).begin('B').cstr("").cstr("").int16(0).int16(1).int32(5).bytes("12345").int16(0).end();
  pg::MessageWriter(buf).begin('D').int8('P').cstr("").end();
  pg::MessageWriter(buf).begin('E').cstr("").int32(0).end();
  pg::write_sync(buf);
  return buf;
}

void BM_FrameExtendedBurst(benchmark::State& state) {
  const std::string buf = extended_burst();
  for (auto _ : state) {
    std::string_view rest = buf;
    int n = 0;
    while (!rest.empty()) {
      auto r = pg::next_frame(rest, 1 << 20);
      if (r.status != pg::FrameStatus::Complete) break;
      rest.remove_prefix(r.frame.total);
      ++n;
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * 5);
}
BENCHMARK(BM_FrameExtendedBurst);

void BM_DecodeParseAndBind(benchmark::State& state) {
  const std::string buf = extended_burst();
  auto parse = pg::next_frame(buf, 1 << 20);
  auto bind = pg::next_frame(std::string_view(buf).substr(parse.frame.total), 1 << 20);
  for (auto _ : state) {
    auto p = pg::decode_parse(parse.frame.body);
    auto b = pg::decode_bind(bind.frame.body);
    benchmark::DoNotOptimize(p);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_DecodeParseAndBind);

void BM_DecodeCommandCompleteAndReady(benchmark::State& state) {
  std::string buf;
  pg::write_command_complete(buf, "SELECT 1");
  pg::write_ready_for_query(buf, 'I');
  auto cc = pg::next_frame(buf, 1 << 20);
  auto z = pg::next_frame(std::string_view(buf).substr(cc.frame.total), 1 << 20);
  for (auto _ : state) {
    auto tag = pg::decode_command_complete(cc.frame.body);
    int64_t rows = tag ? pg::rows_from_command_tag(*tag) : -1;
    auto st = pg::decode_ready_for_query(z.frame.body);
    benchmark::DoNotOptimize(rows);
    benchmark::DoNotOptimize(st);
  }
}
BENCHMARK(BM_DecodeCommandCompleteAndReady);

void BM_DecodeStartupPacket(benchmark::State& state) {
  std::string buf;
  pg::write_startup_message(buf, {{"user", "app"}, {"database", "shop"}, {"application_name", "web-1"},
                                  {"client_encoding", "UTF8"}, {"DateStyle", "ISO"}});
  for (auto _ : state) {
    auto p = pg::decode_startup_packet(buf);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_DecodeStartupPacket);

void BM_EncodeReadyForQuery(benchmark::State& state) {
  std::string out;
  out.reserve(4096);
  for (auto _ : state) {
    out.clear();
    pg::write_parse_complete(out);
    pg::write_ready_for_query(out, 'I');
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_EncodeReadyForQuery);

}  // namespace
