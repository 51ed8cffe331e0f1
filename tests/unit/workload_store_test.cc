// The RocksDB workload store, on a real database in a temporary directory: exact round trips,
// replace and delete, reopen, the directory lock, bad values skipped, and error messages.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "workload/workload_store.h"

namespace sluice::workload {
namespace {

constexpr int64_t kBase = 1'764'061'200'000;  // an hour boundary
constexpr int64_t kMinute = MinuteSeries::kMinuteMs;

// A fresh directory under /tmp, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sluice-store-test-XXXXXX";
    const char* made = mkdtemp(tmpl);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void record(WorkloadTable& t, uint64_t fp, double ms, int64_t at, std::string_view sqlstate = {},
            const QuerySample* sample = nullptr, std::string_view user = "app") {
  QueryEvent e;
  e.key = QueryKeyRef(fp, "shop", user);
  e.normalized_text = "SELECT * FROM orders WHERE customer_id = $1";
  e.total_ms = ms;
  e.wait_ms = ms * 0.1;
  e.server_ms = ms * 0.8;
  e.rows = 3;
  e.sqlstate = sqlstate;
  e.bytes_in = 64;
  e.bytes_out = 2048;
  e.at_ms = at;
  e.sample = sample;
  t.record(e);
}

// A table with spread latencies, errors, samples (one with a NULL and non-UTF-8 bytes), a pool
// and, with a small cap, evictions into the other row.
WorkloadTable make_table(int64_t at, unsigned seed, std::size_t cap = 20) {
  WorkloadTable t(cap);
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> ms(0.5, 1.2);
  static const QuerySample s1{"SELECT * FROM orders WHERE customer_id = 42", {std::string("42")}, 400.25,
                              kBase + 5, false};
  static const QuerySample s2{"UPDATE t SET a = $1 WHERE id = $2",
                              {std::string("x\"y\n\xc3\xa9\xff", 7), std::nullopt}, 900, kBase + 7, false};
  for (int i = 0; i < 1500; ++i) record(t, 1 + uint64_t(i % 30), ms(rng), at + i, i % 13 == 0 ? "23505" : "");
  record(t, 1, 400.25, at + 5, "40P01", &s1);
  record(t, 0xfedcba9876543210ULL, 900, at + 7, "40001", &s2, "batch");
  PoolStats& p = t.pool(PoolKey{"shop", "app"});
  p.record_acquire(1.5, at);
  p.record_acquire(0, at + 1);
  p.record_query(3.25, true, 10, 20, at + 2);
  p.record_transaction(at + 3);
  p.observe(3, 1, 2, 4, 1000);
  p.observe(5, 0, 1, 4, 500);
  return t;
}

void expect_same_stats(const QueryStats& got, const QueryStats& want) {
  EXPECT_EQ(got.normalized_text, want.normalized_text);
  EXPECT_EQ(got.calls, want.calls);
  EXPECT_EQ(got.total_ms, want.total_ms);
  EXPECT_EQ(got.min_ms, want.min_ms);
  EXPECT_EQ(got.max_ms, want.max_ms);
  EXPECT_EQ(got.wait_ms, want.wait_ms);
  EXPECT_EQ(got.server_ms, want.server_ms);
  EXPECT_EQ(got.rows, want.rows);
  EXPECT_EQ(got.error_calls, want.error_calls);
  EXPECT_EQ(got.errors, want.errors);
  EXPECT_EQ(got.bytes_in, want.bytes_in);
  EXPECT_EQ(got.bytes_out, want.bytes_out);
  EXPECT_EQ(got.first_seen_ms, want.first_seen_ms);
  EXPECT_EQ(got.last_seen_ms, want.last_seen_ms);
  EXPECT_TRUE(got.latency.same_distribution(want.latency));
  for (double q : {0.5, 0.95, 0.99}) EXPECT_EQ(got.quantile_ms(q), want.quantile_ms(q)) << "q=" << q;
  ASSERT_EQ(got.sample == nullptr, want.sample == nullptr);
  if (got.sample) {
    EXPECT_EQ(*got.sample, *want.sample);
  }
}

void expect_same_pool(const PoolStats& got, const PoolStats& want) {
  EXPECT_EQ(got.transactions, want.transactions);
  EXPECT_EQ(got.queries, want.queries);
  EXPECT_EQ(got.errors, want.errors);
  EXPECT_EQ(got.acquisitions, want.acquisitions);
  EXPECT_EQ(got.waits, want.waits);
  EXPECT_EQ(got.wait_ms, want.wait_ms);
  EXPECT_EQ(got.max_wait_ms, want.max_wait_ms);
  EXPECT_EQ(got.server_ms, want.server_ms);
  EXPECT_EQ(got.bytes_in, want.bytes_in);
  EXPECT_EQ(got.bytes_out, want.bytes_out);
  EXPECT_EQ(got.first_seen_ms, want.first_seen_ms);
  EXPECT_EQ(got.last_seen_ms, want.last_seen_ms);
  EXPECT_TRUE(got.wait_latency.same_distribution(want.wait_latency));
  EXPECT_EQ(got.active_clients, want.active_clients);
  EXPECT_EQ(got.waiting_clients, want.waiting_clients);
  EXPECT_EQ(got.servers_in_use, want.servers_in_use);
  EXPECT_EQ(got.servers_open, want.servers_open);
}

void expect_same_table(const WorkloadTable& got, const WorkloadTable& want) {
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [key, stats] : want.entries()) {
    const QueryStats* g = got.find(key);
    ASSERT_NE(g, nullptr) << key.fingerprint;
    expect_same_stats(*g, stats);
  }
  expect_same_stats(got.other(), want.other());
  EXPECT_EQ(got.evictions(), want.evictions());
  EXPECT_EQ(got.total_calls(), want.total_calls());
  ASSERT_EQ(got.pools().size(), want.pools().size());
  for (const auto& [key, stats] : want.pools()) {
    auto it = got.pools().find(key);
    ASSERT_NE(it, got.pools().end()) << key.database << "/" << key.user;
    expect_same_pool(it->second, stats);
  }
}

using Tables = std::vector<std::pair<int64_t, const WorkloadTable*>>;

WorkloadStore::Batch batch(Tables minutes, Tables hours = {}, const WorkloadTable* totals = nullptr,
                           std::vector<int64_t> delete_minutes = {}, std::vector<int64_t> delete_hours = {}) {
  WorkloadStore::Batch b;
  b.minutes = std::move(minutes);
  b.hours = std::move(hours);
  b.totals = totals;
  b.delete_minutes = std::move(delete_minutes);
  b.delete_hours = std::move(delete_hours);
  return b;
}

WorkloadStore::Loaded load_all(const WorkloadStore& store) {
  return store.load(MinuteSeries::Options{}, WorkloadTable::kDefaultMaxEntries, RecordPolicy{});
}

// Writes a raw value under key, with the store closed.
void put_raw(const std::string& dir, std::string_view key, const std::string& value) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, value).ok());
  ASSERT_TRUE(db->Close().ok());
}

std::string open_error(const std::string& dir) {
  try {
    WorkloadStore store(dir);
  } catch (const WorkloadStoreError& e) {
    return e.what();
  }
  return "";
}

TEST(WorkloadStoreTest, KeysSortInTimeOrder) {
  const int64_t times[] = {std::numeric_limits<int64_t>::min(), -kMinute, 0, kMinute, kBase, kBase + kMinute};
  for (std::size_t i = 0; i + 1 < std::size(times); ++i) {
    EXPECT_LT(WorkloadStore::minute_key(times[i]), WorkloadStore::minute_key(times[i + 1])) << times[i];
    EXPECT_LT(WorkloadStore::hour_key(times[i]), WorkloadStore::hour_key(times[i + 1])) << times[i];
  }
  EXPECT_NE(WorkloadStore::minute_key(kBase), WorkloadStore::hour_key(kBase));
}

TEST(WorkloadStoreTest, RoundTripsMinutesHoursAndTotalsExactly) {
  TempDir tmp;
  const WorkloadTable m1 = make_table(kBase, 1), m2 = make_table(kBase + kMinute, 2);
  const WorkloadTable h0 = make_table(kBase - MinuteSeries::kHourMs, 3), totals = make_table(kBase, 4, 100);
  ASSERT_GT(m1.evictions(), 0u);  // the other row is exercised too
  ASSERT_GT(m1.other().calls, 0u);
  WorkloadStore store(tmp.sub("db"));
  EXPECT_EQ(store.dir(), tmp.sub("db"));
  store.write(batch({{kBase, &m1}, {kBase + kMinute, &m2}}, {{kBase - MinuteSeries::kHourMs, &h0}}, &totals));

  const WorkloadStore::Loaded loaded = load_all(store);
  EXPECT_EQ(loaded.minutes, 2u);
  EXPECT_EQ(loaded.hours, 1u);
  EXPECT_EQ(loaded.skipped, 0u);
  ASSERT_EQ(loaded.series.minutes().size(), 2u);
  ASSERT_EQ(loaded.series.hours().size(), 1u);
  expect_same_table(loaded.series.minutes().at(kBase), m1);
  expect_same_table(loaded.series.minutes().at(kBase + kMinute), m2);
  expect_same_table(loaded.series.hours().at(kBase - MinuteSeries::kHourMs), h0);
  expect_same_table(loaded.totals, totals);

  const QueryStats* s = loaded.series.minutes().at(kBase).find(QueryKeyRef(0xfedcba9876543210ULL, "shop", "batch"));
  ASSERT_NE(s, nullptr);
  ASSERT_NE(s->sample, nullptr);
  ASSERT_EQ(s->sample->params.size(), 2u);
  EXPECT_EQ(s->sample->params[0], std::string("x\"y\n\xc3\xa9\xff", 7));  // bytes kept as they were
  EXPECT_EQ(s->sample->params[1], std::nullopt);
  EXPECT_EQ(s->errors.at("40001"), 1u);
}

TEST(WorkloadStoreTest, LoadAppliesCapsAndPolicy) {
  TempDir tmp;
  const WorkloadTable m = make_table(kBase, 1, 100), h = make_table(kBase, 2, 100);
  ASSERT_GT(m.size(), 10u);
  WorkloadStore store(tmp.path());
  store.write(batch({{kBase, &m}}, {{kBase, &h}}, &m));

  MinuteSeries::Options options;
  options.max_entries_per_minute = 10;
  options.max_entries_per_hour = 12;
  options.policy.samples = SampleMode::Off;
  RecordPolicy totals_policy;
  totals_policy.max_text_bytes = 77;
  const WorkloadStore::Loaded loaded = store.load(options, 5, totals_policy);
  const WorkloadTable& minute = loaded.series.minutes().at(kBase);
  EXPECT_LE(minute.size(), 10u);
  EXPECT_EQ(minute.max_entries(), 10u);
  EXPECT_EQ(minute.total_calls(), m.total_calls());  // evicted calls go to the other row
  EXPECT_EQ(minute.policy().samples, SampleMode::Off);
  EXPECT_LE(loaded.series.hours().at(kBase).size(), 12u);
  EXPECT_EQ(loaded.series.hours().at(kBase).total_calls(), h.total_calls());
  EXPECT_LE(loaded.totals.size(), 5u);
  EXPECT_EQ(loaded.totals.total_calls(), m.total_calls());
  EXPECT_EQ(loaded.totals.policy().max_text_bytes, 77u);
}

TEST(WorkloadStoreTest, WritesReplaceAndDelete) {
  TempDir tmp;
  const WorkloadTable a = make_table(kBase, 1), b = make_table(kBase, 2), c = make_table(kBase, 3);
  ASSERT_NE(a.total_calls(), 0u);
  WorkloadStore store(tmp.path());
  store.write(batch({{kBase, &a}, {kBase + kMinute, &a}}, {{kBase, &a}}, &a));
  // Replaced, not merged: b alone, and the totals kept when not given.
  store.write(batch({{kBase, &b}}, {{kBase, &c}}));
  WorkloadStore::Loaded loaded = load_all(store);
  expect_same_table(loaded.series.minutes().at(kBase), b);
  expect_same_table(loaded.series.minutes().at(kBase + kMinute), a);
  expect_same_table(loaded.series.hours().at(kBase), c);
  expect_same_table(loaded.totals, a);

  store.write(batch({}, {}, &c, {kBase}, {kBase}));
  loaded = load_all(store);
  EXPECT_EQ(loaded.minutes, 1u);
  EXPECT_EQ(loaded.hours, 0u);
  EXPECT_EQ(loaded.series.minutes().count(kBase), 0u);
  EXPECT_EQ(loaded.series.minutes().count(kBase + kMinute), 1u);
  EXPECT_TRUE(loaded.series.hours().empty());
  expect_same_table(loaded.totals, c);

  // Written and deleted in one batch: deleted.
  store.write(batch({{kBase + 2 * kMinute, &a}}, {}, nullptr, {kBase + 2 * kMinute}));
  EXPECT_EQ(load_all(store).series.minutes().count(kBase + 2 * kMinute), 0u);
}

TEST(WorkloadStoreTest, ReopensWithEverythingAfterDestruction) {
  TempDir tmp;
  const WorkloadTable m = make_table(kBase, 1), t = make_table(kBase, 2);
  {
    WorkloadStore store(tmp.path());
    EXPECT_TRUE(load_all(store).series.minutes().empty());  // new store: nothing yet
    store.write(batch({{kBase, &m}}, {}, &t));
    EXPECT_GT(store.disk_bytes(), 0u);
  }
  WorkloadStore again(tmp.path());
  const WorkloadStore::Loaded loaded = load_all(again);
  EXPECT_EQ(loaded.minutes, 1u);
  expect_same_table(loaded.series.minutes().at(kBase), m);
  expect_same_table(loaded.totals, t);
}

TEST(WorkloadStoreTest, SecondOpenOfTheSameDirectoryThrows) {
  TempDir tmp;
  {
    WorkloadStore first(tmp.path());
    const std::string message = open_error(tmp.path());
    EXPECT_NE(message.find(tmp.path()), std::string::npos) << message;
    EXPECT_NE(message.find("lock"), std::string::npos) << message;
    EXPECT_NE(message.find("in use"), std::string::npos) << message;
  }
  EXPECT_EQ(open_error(tmp.path()), "");  // free again once the first is gone
}

TEST(WorkloadStoreTest, BadValuesAreSkippedAndCounted) {
  TempDir tmp;
  const WorkloadTable m = make_table(kBase, 1);
  {
    WorkloadStore store(tmp.path());
    store.write(batch({{kBase, &m}, {kBase + kMinute, &m}}, {{kBase, &m}}, &m));
  }
  const std::vector<uint8_t> wrong_shape = nlohmann::json::to_cbor(nlohmann::json{{"queries", 5}});
  put_raw(tmp.path(), WorkloadStore::minute_key(kBase + kMinute), "not CBOR \xff\x00");
  put_raw(tmp.path(), WorkloadStore::hour_key(kBase), std::string(wrong_shape.begin(), wrong_shape.end()));
  put_raw(tmp.path(), "v1/zzz", "from nowhere");

  WorkloadStore store(tmp.path());
  const WorkloadStore::Loaded loaded = load_all(store);
  EXPECT_EQ(loaded.skipped, 3u);
  EXPECT_EQ(loaded.minutes, 1u);
  EXPECT_EQ(loaded.hours, 0u);
  ASSERT_EQ(loaded.series.minutes().size(), 1u);
  expect_same_table(loaded.series.minutes().at(kBase), m);
  expect_same_table(loaded.totals, m);
}

TEST(WorkloadStoreTest, NewerFormatIsRefused) {
  TempDir tmp;
  { WorkloadStore store(tmp.path()); }
  put_raw(tmp.path(), WorkloadStore::kVersionKey, std::to_string(WorkloadStore::kFormatVersion + 1));
  const std::string message = open_error(tmp.path());
  EXPECT_NE(message.find(tmp.path()), std::string::npos) << message;
  EXPECT_NE(message.find("newer"), std::string::npos) << message;
}

TEST(WorkloadStoreTest, OtherDatabaseIsRefused) {
  TempDir tmp;
  put_raw(tmp.path(), "something", "else");
  const std::string message = open_error(tmp.path());
  EXPECT_NE(message.find("not a workload store"), std::string::npos) << message;
}

TEST(WorkloadStoreTest, UncreatableDirectoryErrorNamesThePath) {
  TempDir tmp;
  std::ofstream(tmp.sub("file")) << "a file, not a directory";
  const std::string dir = tmp.sub("file") + "/store";
  const std::string message = open_error(dir);
  EXPECT_NE(message.find(dir), std::string::npos) << message;
  EXPECT_NE(message.find("cannot create"), std::string::npos) << message;
}

TEST(WorkloadStoreTest, ReadOnlyDirectoryErrorNamesThePath) {
  if (geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir tmp;
  ASSERT_EQ(chmod(tmp.path().c_str(), 0500), 0);
  const std::string message = open_error(tmp.path());
  EXPECT_NE(message.find(tmp.path()), std::string::npos) << message;
  EXPECT_NE(message.find("ermission denied"), std::string::npos) << message;
}

}  // namespace
}  // namespace sluice::workload
