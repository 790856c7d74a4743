// The object store interface: the managed objects of kmipd, one versioned record each, behind one interface
// that SQLite (server/store/sqlite_store.hpp), PostgreSQL (server/store/postgres_store.hpp) and memory
// (memory_store.hpp, for tests) implement.
//
// A record holds the object's attributes exactly as KMIP names them (State, dates, Links, Names, custom x-/y-
// attributes, ...), its owner, and its key material in the clear (common::secure_bytes; a store that persists
// it must protect it at rest). The engine is the only writer of attribute semantics; a store only keeps what it
// is given and filters by the coarse fields of locate_filter.
//
// Writes are atomic per commit(): every write_op in one call lands, or none does; sync() makes them durable. Each record carries a
// version; an update or erase whose version differs from the stored one fails with store_errc::conflict
// (optimistic concurrency, so several kmipd instances can share a PostgreSQL store).
//
// Thread safety: implementations are safe for concurrent use from several threads.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/secure.hpp"
#include "kmip/model/attribute.hpp"
#include "kmip/spec/spec.hpp"

namespace kmipd::core {

enum class store_errc : std::uint8_t {
  not_found,       // update/erase of an id that is not there
  already_exists,  // insert of an id that is there
  conflict,        // version mismatch: someone else wrote the record first
  io,              // the backing file or database failed
  corrupt,         // a record could not be read back (bad encoding, wrong master key, ...)
};

struct store_error {
  store_error() = default;
  store_error(store_errc c, std::string m) : code(c), message(std::move(m)) {}
  store_errc code = store_errc::io;
  std::string message;  // safe to log: never holds key material
};

template <class T>
using store_result = common::expected<T, store_error>;

struct stored_object {
  std::string id;                 // the KMIP Unique Identifier
  std::int64_t version = 0;       // set by the store: 1 after insert, +1 per update
  std::string owner;              // identity that created or registered it
  kmip::spec::object_type object_type = kmip::spec::object_type::symmetric_key;
  std::optional<kmip::spec::secret_data_type> secret_data_type;  // Secret Data only
  std::vector<kmip::model::attribute> attributes;  // every attribute, server-set ones included
  common::secure_bytes key_material;               // Raw key bytes; empty once destroyed
};

struct write_op {
  enum class kind : std::uint8_t { insert, update, erase };
  kind op = kind::insert;
  stored_object object;  // for erase only id and version matter

  static write_op insert(stored_object o) { return {kind::insert, std::move(o)}; }
  static write_op update(stored_object o) { return {kind::update, std::move(o)}; }
  static write_op erase(stored_object o) { return {kind::erase, std::move(o)}; }
};

// Coarse filters a store applies itself; the engine applies attribute predicates (State is computed from the
// clock, dates may be ranges) on the records it then reads.
struct locate_filter {
  std::optional<kmip::spec::object_type> object_type;
  std::optional<std::string> owner;  // nullopt: every owner
};

class object_store {
 public:
  virtual ~object_store() = default;

  // nullopt when no such object.
  virtual store_result<std::optional<stored_object>> get(std::string_view id) = 0;
  // Applies all writes atomically, in order. Versions of updated/erased records must match the stored ones.
  // When it returns the writes are visible; they are durable once a sync() called after it has returned.
  virtual store_result<void> commit(std::vector<write_op> writes) = 0;
  // Returns once every commit() that returned before this call is on stable storage. A store whose commit() is
  // durable when it returns (PostgreSQL, SQLite by default) has nothing to do; one with group commit
  // (sqlite_options::group_commit) shares one fdatasync among the writers that sync together. The engine calls
  // it after leaving its lock and before answering; a decorator must forward it.
  virtual store_result<void> sync() = 0;
  // The non-blocking sync(): calls done() with sync()'s result once every commit() that returned before this
  // call is on stable storage, on whatever thread makes it so (at once, on this thread, when nothing waits).
  // The default calls sync() here; a store with group commit completes from its syncer thread, so that the
  // caller's thread serves others meanwhile. A decorator must forward it.
  virtual void sync_async(std::function<void(store_result<void>)> done) { done(sync()); }
  // Identifiers of matching objects, in creation order.
  virtual store_result<std::vector<std::string>> locate(const locate_filter& filter) = 0;

  // Conveniences over commit().
  store_result<void> put(stored_object o);
  store_result<void> update(stored_object o);
  store_result<void> erase(stored_object o);
};

// The attribute list as bytes (a TTLV Attributes-like structure of 1.x Attribute items) and back: what a
// persistent store writes. Never holds key material.
common::secure_bytes encode_attributes(const std::vector<kmip::model::attribute>& attributes);
store_result<std::vector<kmip::model::attribute>> decode_attributes(std::span<const std::uint8_t> bytes);

}  // namespace kmipd::core
