#include "sql/fingerprint_cache.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <utility>

namespace sluice::sql {
namespace {

// Entry indexes are stored as uint32_t + 1 in the slots.
constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

std::size_t slot_count_for(std::size_t capacity) {
  std::size_t n = 8;
  while (n < capacity * 2) n *= 2;
  return n;
}

}  // namespace

uint64_t hash_query_text(std::string_view query) noexcept { return XXH3_64bits(query.data(), query.size()); }

// ---------------------------------------------------------------------------------------------

FingerprintCache::FingerprintCache(std::size_t capacity, HashFunction hash, AnalyzeFunction analyze,
                                   ShapeFunction shape)
    : hash_(hash != nullptr ? hash : &hash_query_text),
      analyze_(analyze != nullptr ? analyze : &analyze_postgres),
      shape_(shape),
      texts_(capacity),
      shapes_(capacity) {
  std::size_t slots = 1024;
  while (slots < 4 * capacity) slots *= 2;
  recent_texts_.assign(slots, 0);
}

const QueryAnalysis& FingerprintCache::get(std::string_view query) {
  const uint64_t hash = hash_(query);
  // The recent-texts slot is read only after a miss and the shape lexer (a few hundred ns):
  // fetched now, its cache miss (the array is 4 x capacity hashes) overlaps that work. In the
  // profile of pgbench -S (a new text per query) that load was most of get()'s own time.
  const std::size_t recent = static_cast<std::size_t>(hash) & (recent_texts_.size() - 1);
  __builtin_prefetch(&recent_texts_[recent]);
  if (const std::ptrdiff_t found = texts_.find(hash, query); found >= 0) {
    texts_.touch(static_cast<std::size_t>(found));
    ++counters_.hits;
    return texts_.value(static_cast<std::size_t>(found));
  }
  ++counters_.misses;

  QueryAnalysis analysis;
  bool shared = false;
  const bool shareable = shape_ != nullptr && shape_(query, shape_buffer_);
  const uint64_t shape_hash = shareable ? hash_(shape_buffer_) : 0;
  if (shareable) {
    if (const std::ptrdiff_t found = shapes_.find(shape_hash, shape_buffer_); found >= 0) {
      shapes_.touch(static_cast<std::size_t>(found));
      ++counters_.shape_hits;
      // Texts that differ only in constants (pgbench -S, ORMs writing literals) mostly come
      // once: answer from the shape without copying the analysis or storing the text, unless
      // this exact text was seen recently (then it is worth a text entry).
      // Two slots per hash (i and i ^ 1); a new hash replaces the one not matched last time.
      const std::size_t i = recent;
      if (recent_texts_[i] != hash && recent_texts_[i ^ 1] != hash) {
        recent_texts_[i ^ 1] = recent_texts_[i];
        recent_texts_[i] = hash;
        return shapes_.value(static_cast<std::size_t>(found));
      }
      analysis = shapes_.value(static_cast<std::size_t>(found));
      shared = true;
    }
  }
  if (!shared) {
    analysis = analyze_(query);
    if (shareable && analysis.fingerprint.parsed && analysis.statement.parsed) {
      bool ignored = false;
      shapes_.insert(shape_hash, shape_buffer_, analysis, ignored);
    }
  }
  bool evicted = false;
  const std::size_t index = texts_.insert(hash, std::string(query), std::move(analysis), evicted);
  if (evicted) ++counters_.evictions;
  return texts_.value(index);
}

const QueryAnalysis* FingerprintCache::peek(std::string_view query) const noexcept {
  const std::ptrdiff_t found = texts_.find(hash_(query), query);
  return found >= 0 ? &texts_.value(static_cast<std::size_t>(found)) : nullptr;
}

void FingerprintCache::clear() noexcept {
  texts_.clear();
  shapes_.clear();
}

// ---------------------------------------------------------------------------------------------

FingerprintCache::Table::Table(std::size_t capacity)
    : capacity_(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)),
      slots_(slot_count_for(capacity_)),
      mask_(slots_.size() - 1) {}

std::ptrdiff_t FingerprintCache::Table::find(uint64_t hash, std::string_view key) const noexcept {
  const uint32_t tag = tag_of(hash);
  // Terminates: at most half the slots are ever used.
  for (std::size_t pos = home_of(hash);; pos = (pos + 1) & mask_) {
    const Slot& slot = slots_[pos];
    if (slot.entry == 0) return -1;
    if (slot.tag == tag) {
      const Entry& entry = entries_[slot.entry - 1];
      if (entry.hash == hash && entry.key == key) return static_cast<std::ptrdiff_t>(slot.entry - 1);
    }
  }
}

std::size_t FingerprintCache::Table::insert(uint64_t hash, std::string key, QueryAnalysis value, bool& evicted) {
  // Everything that may throw happens before the table changes.
  std::size_t index;
  if (entries_.size() < capacity_) {
    entries_.emplace_back();
    index = entries_.size() - 1;
    evicted = false;
  } else {
    index = take_victim();
    evicted = true;
  }
  Entry& entry = entries_[index];
  entry.hash = hash;
  entry.key = std::move(key);
  entry.value = std::move(value);
  // New entries start unmarked: one that is never hit again goes at the hand's next pass,
  // so a burst of one-off texts cannot push out the ones that repeat.
  entry.referenced = false;
  link(index);
  return index;
}

void FingerprintCache::Table::clear() noexcept {
  entries_.clear();
  std::fill(slots_.begin(), slots_.end(), Slot{});
  hand_ = 0;
}

// CLOCK: the hand clears the mark of entries hit since its last pass and takes the first
// unmarked one. At most one full turn passes before it finds one.
std::size_t FingerprintCache::Table::take_victim() noexcept {
  for (;;) {
    const std::size_t index = hand_;
    hand_ = hand_ + 1 == entries_.size() ? 0 : hand_ + 1;
    Entry& entry = entries_[index];
    if (entry.referenced) {
      entry.referenced = false;
      continue;
    }
    unlink(index);
    return index;
  }
}

void FingerprintCache::Table::link(std::size_t index) noexcept {
  const uint64_t hash = entries_[index].hash;
  std::size_t pos = home_of(hash);
  while (slots_[pos].entry != 0) pos = (pos + 1) & mask_;
  slots_[pos] = Slot{tag_of(hash), static_cast<uint32_t>(index + 1)};
}

// Removes an entry's slot and closes the gap (backward-shift deletion), so that no probe
// sequence is cut short and no tombstones pile up.
void FingerprintCache::Table::unlink(std::size_t index) noexcept {
  std::size_t hole = home_of(entries_[index].hash);
  while (slots_[hole].entry != index + 1) hole = (hole + 1) & mask_;
  for (std::size_t pos = (hole + 1) & mask_; slots_[pos].entry != 0; pos = (pos + 1) & mask_) {
    const std::size_t home = home_of(entries_[slots_[pos].entry - 1].hash);
    // The slot at pos may move back into the hole unless its home lies cyclically in (hole, pos].
    const bool home_after_hole = hole <= pos ? (hole < home && home <= pos) : (hole < home || home <= pos);
    if (!home_after_hole) {
      slots_[hole] = slots_[pos];
      hole = pos;
    }
  }
  slots_[hole] = Slot{};
}

}  // namespace sluice::sql
