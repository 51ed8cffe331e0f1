// The per-worker cache in front of query analysis: query text -> fingerprint and statement
// info, so that a query seen before costs one hash and one comparison instead of a parse.
//
// One cache per worker thread, no locks. Two tables, each bounded by entry count, each with
// CLOCK (second chance) replacement: an entry hit since the hand last passed survives one
// more round.
//  - texts: the raw query text -> its analysis. Every lookup starts here.
//  - shapes: the query's shape (postgres_shape(): its tokens with the constants taken out)
//    -> the analysis of the first text of that shape. A new text that only differs from a
//    known one in its constants (SQL written with literals instead of parameters) is then
//    answered by our lexer, about 1 us, instead of three parses by libpg_query, about 40 us.
//    Such a text is stored in the text table only when it comes again soon (an array of
//    recent hashes, 4 x capacity slots), so a stream of one-off literals does not churn it.
// Keys are whole strings: a 64-bit hash only finds the slot, the stored key decides, so two
// keys with the same hash never share an entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sql/query_analysis.h"

namespace sluice::sql {

struct FingerprintCacheCounters {
  uint64_t hits = 0;         // text found
  uint64_t misses = 0;       // text not found (shape_hits + parses)
  uint64_t shape_hits = 0;   // misses answered from a text of the same shape, without parsing
  uint64_t evictions = 0;    // texts replaced to make room
};

// XXH3 (64 bits) of the raw text: the cache's default hash.
uint64_t hash_query_text(std::string_view query) noexcept;

class FingerprintCache {
 public:
  using HashFunction = uint64_t (*)(std::string_view) noexcept;
  using AnalyzeFunction = QueryAnalysis (*)(std::string_view) noexcept;
  // Writes the text's shape and returns true, or returns false when its analysis may not be
  // shared with other texts of the same shape.
  using ShapeFunction = bool (*)(std::string_view, std::string&) noexcept;

  static constexpr std::size_t kDefaultCapacity = 10000;

  // capacity: most texts kept, and most shapes (at least 1). hash, analyze and shape can be
  // replaced, for tests (a hash that collides on purpose) or another dialect; shape may be
  // null (no sharing). Only analyses made by the parser (fingerprint.parsed and
  // statement.parsed) are shared by shape.
  explicit FingerprintCache(std::size_t capacity = kDefaultCapacity, HashFunction hash = &hash_query_text,
                            AnalyzeFunction analyze = &analyze_postgres, ShapeFunction shape = &postgres_shape);

  FingerprintCache(const FingerprintCache&) = delete;
  FingerprintCache& operator=(const FingerprintCache&) = delete;

  // The analysis of `query`: cached, or computed now and cached. The reference stays valid
  // until the next call to get() or clear() on this cache.
  const QueryAnalysis& get(std::string_view query);

  // The cached analysis of this exact text, or null; counts nothing and does not mark the
  // entry used.
  const QueryAnalysis* peek(std::string_view query) const noexcept;

  // Forgets every text and shape; the counters keep counting.
  void clear() noexcept;

  std::size_t size() const noexcept { return texts_.size(); }
  std::size_t shape_count() const noexcept { return shapes_.size(); }
  std::size_t capacity() const noexcept { return texts_.capacity(); }
  const FingerprintCacheCounters& counters() const noexcept { return counters_; }

 private:
  // String key -> analysis, open addressing over a power-of-two slot array at least twice
  // the capacity (linear probing, backward-shift deletion), CLOCK over the entries.
  class Table {
   public:
    explicit Table(std::size_t capacity);

    // Index of the entry for key, or -1.
    std::ptrdiff_t find(uint64_t hash, std::string_view key) const noexcept;
    void touch(std::size_t index) noexcept { entries_[index].referenced = true; }
    QueryAnalysis& value(std::size_t index) noexcept { return entries_[index].value; }
    const QueryAnalysis& value(std::size_t index) const noexcept { return entries_[index].value; }
    // Adds an entry (the key must be absent), replacing one when full; returns its index.
    std::size_t insert(uint64_t hash, std::string key, QueryAnalysis value, bool& evicted);
    void clear() noexcept;
    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }

   private:
    struct Entry {
      uint64_t hash = 0;
      std::string key;
      QueryAnalysis value;
      bool referenced = false;
    };
    // The top 32 bits of the hash (to pass over most other keys without touching their
    // entry) and the entry's index + 1 (0: empty).
    struct Slot {
      uint32_t tag = 0;
      uint32_t entry = 0;
    };

    static uint32_t tag_of(uint64_t hash) noexcept { return static_cast<uint32_t>(hash >> 32); }
    std::size_t home_of(uint64_t hash) const noexcept { return static_cast<std::size_t>(hash) & mask_; }
    std::size_t take_victim() noexcept;
    void unlink(std::size_t index) noexcept;
    void link(std::size_t index) noexcept;

    std::size_t capacity_;
    std::vector<Entry> entries_;
    std::vector<Slot> slots_;
    std::size_t mask_;
    std::size_t hand_ = 0;
  };

  HashFunction hash_;
  AnalyzeFunction analyze_;
  ShapeFunction shape_;
  Table texts_;
  Table shapes_;
  std::string shape_buffer_;  // reused across misses
  // Hashes of texts answered from the shape table and not stored (at least 4 x capacity
  // slots, two per hash): a text is stored on its second recent sighting.
  std::vector<uint64_t> recent_texts_;
  FingerprintCacheCounters counters_;
};

}  // namespace sluice::sql
