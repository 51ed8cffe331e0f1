// Micro benchmarks of query analysis on the per-query path: a fingerprint cache hit (every
// repeated query), a miss (a new text: parse, fingerprint, normalize, describe), and the
// lexer fallback used for text the parser rejects. A miss comes in two costs: a text whose
// shape is known (only constants differ) and a text of a new shape (a real parse).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sql/fingerprint_cache.h"
#include "sql/pg_fingerprint.h"
#include "sql/statement_info.h"

namespace sql = sluice::sql;

namespace {

// About 100 bytes each, distinct texts.
std::vector<std::string> hundred_byte_queries(int n) {
  std::vector<std::string> out;
  char buf[160];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf,
                  "SELECT abalance, bid, filler FROM pgbench_accounts WHERE aid = %d AND bid IN (1, 2, 3) LIMIT %d",
                  i, i % 7);
    out.emplace_back(buf);
  }
  return out;
}

void BM_FingerprintCacheHit(benchmark::State& state) {
  const std::vector<std::string> queries = hundred_byte_queries(1000);
  sql::FingerprintCache cache;
  for (const std::string& q : queries) cache.get(q);
  std::size_t i = 0;
  for (auto _ : state) {
    const sql::QueryAnalysis& a = cache.get(queries[i]);
    benchmark::DoNotOptimize(a.fingerprint.id);
    if (++i == queries.size()) i = 0;
  }
  state.counters["bytes_per_query"] = static_cast<double>(queries[0].size());
  state.counters["hit_ratio"] =
      static_cast<double>(cache.counters().hits) / static_cast<double>(cache.counters().hits + cache.counters().misses);
}
BENCHMARK(BM_FingerprintCacheHit);

// Every text new, but only its constants differ (SQL written with literals): answered from the
// shape table by our lexer, no parse; plus insertion (and, past 10,000 texts, an eviction).
void BM_FingerprintCacheMissSameShape(benchmark::State& state) {
  sql::FingerprintCache cache;
  char buf[160];
  long n = 0;
  for (auto _ : state) {
    std::snprintf(buf, sizeof buf,
                  "SELECT abalance, bid FROM pgbench_accounts WHERE aid = %ld AND bid IN (1, 2, 3) ORDER BY aid",
                  n++);
    const sql::QueryAnalysis& a = cache.get(buf);
    benchmark::DoNotOptimize(a.fingerprint.id);
  }
  state.counters["shape_hit_ratio"] =
      static_cast<double>(cache.counters().shape_hits) / static_cast<double>(cache.counters().misses);
}
BENCHMARK(BM_FingerprintCacheMissSameShape);

// Every text of a new shape (another table name each time): the full analysis by libpg_query.
void BM_FingerprintCacheMissNewShape(benchmark::State& state) {
  sql::FingerprintCache cache;
  char buf[160];
  long n = 0;
  for (auto _ : state) {
    std::snprintf(buf, sizeof buf,
                  "SELECT abalance, bid FROM pgbench_accounts_%ld WHERE aid = 7 AND bid IN (1, 2, 3) ORDER BY aid", n++);
    const sql::QueryAnalysis& a = cache.get(buf);
    benchmark::DoNotOptimize(a.fingerprint.id);
  }
  state.counters["shape_hit_ratio"] =
      static_cast<double>(cache.counters().shape_hits) / static_cast<double>(cache.counters().misses);
}
BENCHMARK(BM_FingerprintCacheMissNewShape);

// The same analysis without the cache, on fresh texts: what a miss costs beyond the cache.
void BM_AnalyzePostgresFresh(benchmark::State& state) {
  char buf[160];
  long n = 0;
  for (auto _ : state) {
    std::snprintf(buf, sizeof buf,
                  "SELECT abalance, bid FROM pgbench_accounts WHERE aid = %ld AND bid IN (1, 2, 3) ORDER BY aid",
                  n++);
    benchmark::DoNotOptimize(sql::analyze_postgres(buf).fingerprint.id);
  }
}
BENCHMARK(BM_AnalyzePostgresFresh);

void BM_FingerprintPostgres(benchmark::State& state) {
  const std::string q = hundred_byte_queries(1)[0];
  for (auto _ : state) benchmark::DoNotOptimize(sql::fingerprint_postgres(q).id);
}
BENCHMARK(BM_FingerprintPostgres);

void BM_DescribePostgres(benchmark::State& state) {
  const std::string q = hundred_byte_queries(1)[0];
  for (auto _ : state) benchmark::DoNotOptimize(sql::describe_postgres(q).kind);
}
BENCHMARK(BM_DescribePostgres);

void BM_FingerprintLexerFallback(benchmark::State& state) {
  const std::string q = "SELEC abalance, bid FROM pgbench_accounts WHERE aid = 12345 AND bid IN (1, 2, 3) ORDER BY aid";
  for (auto _ : state) benchmark::DoNotOptimize(sql::fingerprint_by_lexer(q).id);
}
BENCHMARK(BM_FingerprintLexerFallback);

// An unparseable text through the whole miss path: one failed parse, then the lexer twice.
void BM_AnalyzeUnparseable(benchmark::State& state) {
  const std::string q = "SELEC abalance, bid FROM pgbench_accounts WHERE aid = 12345 AND bid IN (1, 2, 3) ORDER BY aid";
  for (auto _ : state) benchmark::DoNotOptimize(sql::analyze_postgres(q).fingerprint.id);
}
BENCHMARK(BM_AnalyzeUnparseable);

}  // namespace
