#include "sql/fingerprint_cache.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {
namespace {

// A stand-in for the parser: the analysis records the text it was made from, so a lookup
// that returned another text's entry is caught.
int g_analyze_calls = 0;
QueryAnalysis echo_analysis(std::string_view query) noexcept {
  ++g_analyze_calls;
  QueryAnalysis a;
  a.fingerprint.normalized = std::string(query);
  a.fingerprint.id = query.size();
  return a;
}

uint64_t same_hash_for_all(std::string_view) noexcept { return 42; }
// Few distinct homes, long probe runs that wrap around the table's end, distinct tags.
uint64_t five_homes(std::string_view q) noexcept {
  return (hash_query_text(q) & 0xffffffff00000000ULL) | ((q.size() * 7 + 13) % 5 + 0xfffffff0ULL);
}

class FingerprintCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { g_analyze_calls = 0; }
};

std::vector<std::string> texts(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("SELECT * FROM t" + std::to_string(i) + " WHERE a = " + std::to_string(i));
  return out;
}

// Every cached text is found, and nothing else: the number of texts present equals size().
void expect_consistent(const FingerprintCache& cache, const std::vector<std::string>& all) {
  std::size_t present = 0;
  for (const std::string& t : all) {
    if (const QueryAnalysis* a = cache.peek(t)) {
      ++present;
      EXPECT_EQ(a->fingerprint.normalized, t);
    }
  }
  EXPECT_EQ(present, cache.size());
}

TEST_F(FingerprintCacheTest, HitsAndMisses) {
  FingerprintCache cache(4, &hash_query_text, &echo_analysis);
  EXPECT_EQ(cache.get("SELECT 1").fingerprint.normalized, "SELECT 1");
  EXPECT_EQ(cache.get("SELECT 1").fingerprint.normalized, "SELECT 1");
  EXPECT_EQ(cache.get("SELECT 2").fingerprint.normalized, "SELECT 2");
  EXPECT_EQ(cache.get("SELECT 1").fingerprint.normalized, "SELECT 1");
  EXPECT_EQ(cache.counters().hits, 2u);
  EXPECT_EQ(cache.counters().misses, 2u);
  EXPECT_EQ(cache.counters().evictions, 0u);
  EXPECT_EQ(g_analyze_calls, 2);
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(FingerprintCacheTest, PeekCountsNothing) {
  FingerprintCache cache(4, &hash_query_text, &echo_analysis);
  EXPECT_EQ(cache.peek("SELECT 1"), nullptr);
  cache.get("SELECT 1");
  ASSERT_NE(cache.peek("SELECT 1"), nullptr);
  EXPECT_EQ(cache.counters().hits, 0u);
  EXPECT_EQ(cache.counters().misses, 1u);
}

TEST_F(FingerprintCacheTest, EvictsAtCapacity) {
  const std::vector<std::string> all = texts(10);
  FingerprintCache cache(4, &hash_query_text, &echo_analysis);
  for (const std::string& t : all) cache.get(t);
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache.counters().misses, 10u);
  EXPECT_EQ(cache.counters().evictions, 6u);
  expect_consistent(cache, all);
}

TEST_F(FingerprintCacheTest, ClockGivesHitEntriesASecondChance) {
  FingerprintCache cache(3, &hash_query_text, &echo_analysis);
  cache.get("a");
  cache.get("b");
  cache.get("c");
  cache.get("a");  // hit: marked
  cache.get("d");  // the hand passes a (clears its mark) and takes b
  EXPECT_NE(cache.peek("a"), nullptr);
  EXPECT_EQ(cache.peek("b"), nullptr);
  EXPECT_NE(cache.peek("c"), nullptr);
  EXPECT_NE(cache.peek("d"), nullptr);
  cache.get("e");  // the hand is at c, unmarked
  EXPECT_EQ(cache.peek("c"), nullptr);
  EXPECT_NE(cache.peek("a"), nullptr);
  EXPECT_EQ(cache.counters().evictions, 2u);
}

TEST_F(FingerprintCacheTest, TextsWithTheSameHashKeepTheirOwnEntries) {
  const std::vector<std::string> all = texts(200);
  FingerprintCache cache(16, &same_hash_for_all, &echo_analysis);
  // Two texts only: both fit, every later lookup is a hit on the right one.
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(cache.get(all[0]).fingerprint.normalized, all[0]);
    EXPECT_EQ(cache.get(all[1]).fingerprint.normalized, all[1]);
  }
  EXPECT_EQ(cache.counters().misses, 2u);
  EXPECT_EQ(cache.counters().hits, 4u);
  // Many texts through one probe chain, with evictions.
  for (int round = 0; round < 3; ++round) {
    for (const std::string& t : all) EXPECT_EQ(cache.get(t).fingerprint.normalized, t);
  }
  EXPECT_EQ(cache.size(), 16u);
  expect_consistent(cache, all);
}

TEST_F(FingerprintCacheTest, PrefixesAndEqualLengthsAreDifferentKeys) {
  FingerprintCache cache(8, &same_hash_for_all, &echo_analysis);
  EXPECT_EQ(cache.get("SELECT 1").fingerprint.normalized, "SELECT 1");
  EXPECT_EQ(cache.get("SELECT 1 ").fingerprint.normalized, "SELECT 1 ");
  EXPECT_EQ(cache.get("SELECT 2").fingerprint.normalized, "SELECT 2");
  EXPECT_EQ(cache.get("").fingerprint.normalized, "");
  EXPECT_EQ(cache.counters().misses, 4u);
}

TEST_F(FingerprintCacheTest, RandomWorkloadStaysConsistent) {
  const std::vector<std::string> all = texts(100);
  for (FingerprintCache::HashFunction hash : {&hash_query_text, &five_homes, &same_hash_for_all}) {
    FingerprintCache cache(32, hash, &echo_analysis);
    std::mt19937 rng(7);
    // Skewed: a few texts repeat often, the rest rarely.
    std::vector<double> weights;
    for (int i = 0; i < 100; ++i) weights.push_back(i < 10 ? 20.0 : 1.0);
    std::discrete_distribution<int> pick(weights.begin(), weights.end());
    uint64_t gets = 0;
    for (int i = 0; i < 5000; ++i) {
      const std::string& t = all[static_cast<std::size_t>(pick(rng))];
      ASSERT_EQ(cache.get(t).fingerprint.normalized, t);
      ++gets;
      ASSERT_LE(cache.size(), 32u);
      if (i % 250 == 0) expect_consistent(cache, all);
    }
    expect_consistent(cache, all);
    EXPECT_EQ(cache.counters().hits + cache.counters().misses, gets);
    EXPECT_EQ(cache.counters().misses - cache.size(), cache.counters().evictions);
    EXPECT_GT(cache.counters().hits, gets / 2);  // the hot texts stay
  }
}

TEST_F(FingerprintCacheTest, ClearEmptiesButKeepsCounters) {
  FingerprintCache cache(4, &hash_query_text, &echo_analysis);
  cache.get("SELECT 1");
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.peek("SELECT 1"), nullptr);
  cache.get("SELECT 1");
  EXPECT_EQ(cache.counters().misses, 2u);
}

TEST_F(FingerprintCacheTest, CapacityAtLeastOne) {
  FingerprintCache cache(0, &hash_query_text, &echo_analysis);
  EXPECT_EQ(cache.capacity(), 1u);
  cache.get("a");
  cache.get("b");
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.get("b").fingerprint.normalized, "b");
  EXPECT_EQ(cache.counters().evictions, 1u);
}

TEST_F(FingerprintCacheTest, DefaultAnalyzerIsPostgres) {
  FingerprintCache cache;
  EXPECT_EQ(cache.capacity(), FingerprintCache::kDefaultCapacity);
  const QueryAnalysis& a = cache.get("SELECT * FROM t WHERE a = 1");
  const uint64_t id = a.fingerprint.id;
  EXPECT_TRUE(a.fingerprint.parsed);
  EXPECT_EQ(a.fingerprint.normalized, "SELECT * FROM t WHERE a = $1");
  EXPECT_EQ(a.statement.kind, StatementKind::Read);
  EXPECT_EQ(a.statement.tables, std::vector<std::string>{"t"});
  EXPECT_EQ(cache.get("SELECT * FROM t WHERE a = 2").fingerprint.id, id);  // another text, same fingerprint
  EXPECT_EQ(cache.get("SELECT * FROM t WHERE a = 1").fingerprint.id, id);
  EXPECT_EQ(cache.counters().misses, 2u);
  EXPECT_EQ(cache.counters().hits, 1u);

  const QueryAnalysis& bad = cache.get("SELEC 1");
  EXPECT_FALSE(bad.fingerprint.parsed);
  EXPECT_FALSE(bad.statement.parsed);
  EXPECT_EQ(bad.fingerprint.id, fingerprint_by_lexer("SELEC 2").id);
}

int g_postgres_calls = 0;
QueryAnalysis counting_postgres(std::string_view query) noexcept {
  ++g_postgres_calls;
  return analyze_postgres(query);
}

class FingerprintCacheShapeTest : public ::testing::Test {
 protected:
  void SetUp() override { g_postgres_calls = 0; }
  FingerprintCache cache{100, &hash_query_text, &counting_postgres};
};

TEST_F(FingerprintCacheShapeTest, TextsDifferingInConstantsShareOneParse) {
  const uint64_t id = cache.get("SELECT * FROM t WHERE a = 1 AND b IN (1, 2)").fingerprint.id;
  for (std::string_view q : {"select * from t where a = 42 and b in (3)", "SELECT * FROM t WHERE a = 1e3 AND b IN (4, 5, 6)",
                             "SELECT * FROM t /* c */ WHERE a = -7 AND b IN ($1, $2, 'x')"}) {
    const QueryAnalysis& a = cache.get(q);
    EXPECT_EQ(a.fingerprint.id, id) << q;
    EXPECT_TRUE(a.fingerprint.parsed);
    EXPECT_EQ(a.fingerprint.normalized, "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)");  // the first text's
    EXPECT_EQ(a.statement.kind, StatementKind::Read);
    EXPECT_EQ(a.statement.tables, std::vector<std::string>{"t"});
  }
  EXPECT_EQ(g_postgres_calls, 1);
  EXPECT_EQ(cache.counters().misses, 4u);
  EXPECT_EQ(cache.counters().shape_hits, 3u);
  EXPECT_EQ(cache.size(), 1u);  // texts answered by their shape are not stored on first sight
  EXPECT_EQ(cache.shape_count(), 1u);
}

TEST_F(FingerprintCacheShapeTest, ShapeAnsweredTextIsStoredWhenItComesAgain) {
  cache.get("SELECT * FROM t WHERE a = 1");
  EXPECT_EQ(cache.size(), 1u);
  cache.get("SELECT * FROM t WHERE a = 2");  // shape hit, one-off so far
  EXPECT_EQ(cache.size(), 1u);
  cache.get("SELECT * FROM t WHERE a = 2");  // again: now worth a text entry
  EXPECT_EQ(cache.size(), 2u);
  const uint64_t hits = cache.counters().hits;
  EXPECT_EQ(cache.get("SELECT * FROM t WHERE a = 2").fingerprint.normalized, "SELECT * FROM t WHERE a = $1");
  EXPECT_EQ(cache.counters().hits, hits + 1);
  EXPECT_EQ(g_postgres_calls, 1);
}

TEST_F(FingerprintCacheShapeTest, OtherStructureIsParsedAgain) {
  cache.get("SELECT * FROM t WHERE a = 1");
  cache.get("SELECT * FROM t WHERE b = 1");
  cache.get("SELECT * FROM u WHERE a = 1");
  cache.get("SELECT 1::int");
  cache.get("SELECT -1::int");
  EXPECT_EQ(g_postgres_calls, 5);
  EXPECT_NE(cache.get("SELECT 2::int").fingerprint.id, cache.get("SELECT -2::int").fingerprint.id);
  EXPECT_EQ(g_postgres_calls, 5);
}

TEST_F(FingerprintCacheShapeTest, UtilityAndUnparsedTextsAreNotShared) {
  for (std::string_view q : {"COPY t FROM '/tmp/a'", "COPY t FROM '/tmp/b'", "SET work_mem = 1", "SET work_mem = 2",
                             "SELEC 1", "SELEC 2", "SELECT 'bad", "SELECT 'worse"}) {
    cache.get(q);
  }
  EXPECT_EQ(g_postgres_calls, 8);
  EXPECT_EQ(cache.counters().shape_hits, 0u);
}

TEST_F(FingerprintCacheShapeTest, NoShapeFunctionNoSharing) {
  FingerprintCache plain(100, &hash_query_text, &counting_postgres, nullptr);
  plain.get("SELECT * FROM t WHERE a = 1");
  plain.get("SELECT * FROM t WHERE a = 2");
  EXPECT_EQ(g_postgres_calls, 2);
  EXPECT_EQ(plain.shape_count(), 0u);
}

TEST_F(FingerprintCacheShapeTest, ShapesAreBoundedToo) {
  FingerprintCache small(4, &hash_query_text, &counting_postgres);
  for (int i = 0; i < 20; ++i) small.get("SELECT * FROM t" + std::to_string(i) + " WHERE a = 1");
  EXPECT_EQ(small.size(), 4u);
  EXPECT_EQ(small.shape_count(), 4u);
  EXPECT_EQ(small.get("SELECT * FROM t19 WHERE a = 2").fingerprint.id, small.get("SELECT * FROM t19 WHERE a = 1").fingerprint.id);
  EXPECT_EQ(g_postgres_calls, 20);
}

}  // namespace
}  // namespace sluice::sql
