// The operations of kmipd: one file per operation (operations/<name>.cpp, each citing the spec section it
// implements), one signature, and one dispatch table (operations.cpp). Adding an operation touches its file,
// its declaration below and one row of the table.
//
// An operation reads and writes objects only through its operation_context, which resolves identifiers
// (ID Placeholder included), applies the clock-driven lifecycle, enforces the policy, and records what each
// write replaced so that a batch can be undone. Operations never throw (std::bad_alloc aside, which the
// engine catches); failures are op_error values carrying the KMIP Result Reason.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "kmip/model/message.hpp"
#include "server/core/engine.hpp"
#include "server/core/object_store.hpp"

namespace kmipd::core {

struct op_error {
  op_error() = default;
  op_error(kmip::spec::result_reason r, std::string m) : reason(r), message(std::move(m)) {}
  kmip::spec::result_reason reason = kmip::spec::result_reason::general_failure;
  std::string message;  // for the Result Message: never key material
};

using op_result = common::expected<kmip::model::response_payload, op_error>;
template <class T>
using op_expected = common::expected<T, op_error>;

inline common::unexpected<op_error> fail(kmip::spec::result_reason r, std::string m) {
  return common::unexpected(op_error{r, std::move(m)});
}

class operation_context {
 public:
  operation_context(object_store& store, const clock& clk, common::random_source& random,
                    const kmip::model::attribute& random_number_generator, const engine_options& options,
                    std::string identity, const request_context& request, kmip::spec::version version,
                    std::optional<std::string>& id_placeholder, std::vector<write_op>& undo_log)
      : store_(store), clock_(clk), random_(random), random_number_generator_(random_number_generator),
        options_(options), identity_(std::move(identity)), request_(request), version_(version),
        id_placeholder_(id_placeholder), undo_log_(undo_log) {}

  kmip::spec::version version() const { return version_; }
  const std::string& identity() const { return identity_; }
  const engine_options& options() const { return options_; }
  std::int64_t now() const { return clock_.now(); }
  common::random_source& random() { return random_; }
  // The Random Number Generator attribute describing random() (environment.hpp).
  const kmip::model::attribute& random_number_generator() const { return random_number_generator_; }
  object_store& store() { return store_; }
  kmip::spec::operation operation = kmip::spec::operation::discover_versions;

  // The object this item acted on, for the audit and for the ID Placeholder.
  std::string object_id;
  void set_placeholder(const std::string& id) { id_placeholder_ = id; }

  // Resolves the request's Unique Identifier (absent or ID Placeholder: the placeholder), reads the object,
  // brings its State up to date and checks that the caller may perform `operation` on it.
  // Item Not Found when there is no such object; Permission Denied when it is another's.
  op_expected<stored_object> load(const std::optional<kmip::model::unique_identifier>& id);
  op_expected<stored_object> load(std::string_view id, kmip::spec::operation as);
  // Whether the caller may perform `op` on an object owned by `owner`.
  bool may(kmip::spec::operation op, std::string_view owner) const;

  // Applies the writes atomically and remembers how to undo them.
  op_expected<void> commit(std::vector<write_op> writes);

  // A fresh Unique Identifier (a UUID from the injected random source).
  std::string new_id();

  // The reason a version can carry: 2.x-only reasons fall back to their 1.x counterpart.
  kmip::spec::result_reason reason(kmip::spec::result_reason v1, kmip::spec::result_reason v2) const {
    return version_ >= kmip::spec::version::v2_0 ? v2 : v1;
  }
  // Wrong Key Lifecycle State in 2.x; Permission Denied in 1.x (the OASIS SKLC-M-3 cases expect it).
  kmip::spec::result_reason wrong_state() const {
    return reason(kmip::spec::result_reason::permission_denied, kmip::spec::result_reason::wrong_key_lifecycle_state);
  }

 private:
  object_store& store_;
  const clock& clock_;
  common::random_source& random_;
  const kmip::model::attribute& random_number_generator_;
  const engine_options& options_;
  std::string identity_;
  const request_context& request_;
  kmip::spec::version version_;
  std::optional<std::string>& id_placeholder_;
  std::vector<write_op>& undo_log_;
};

// Checks and applies the client's template attributes, then finish_new_object sets the ones the server sets on
// every new object (docs/kmipd-engine.md, "Server-set attributes"): Unique Identifier, Object Type, Initial
// Date, Last Change Date, State from the dates, Digest of the key material in `digest_format` (1.4 §3.17),
// Fresh True (§3.34), Lease Time (§3.20), Sensitive False and Extractable True unless given (§3.48, §3.50),
// Always Sensitive and Never Extractable (§3.49, §3.51); for a key the server generated (Create, Re-key) also
// Original Creation Date = Initial Date (§3.43) and Random Number Generator (§3.44). Every attribute is
// stored whatever the request's version; responses show only those the version has (exists_in).
// REQUIRES for finish_new_object: o.key_material set. Shared by Create, Register and Re-key.
op_expected<void> apply_template(operation_context& ctx, stored_object& o,
                                 std::span<const kmip::model::attribute> attributes);
enum class key_origin : std::uint8_t { generated, registered };
// Fails (Invalid Field) when a generated key's template asks for a Random Number Generator other than
// random()'s (§3.44).
op_expected<void> finish_new_object(operation_context& ctx, stored_object& o, key_origin origin,
                                    kmip::spec::key_format_type digest_format = kmip::spec::key_format_type::raw);
// The key size in bytes for the object's Cryptographic Algorithm and Length (the Symmetric Key profiles:
// AES 128/192/256, 3DES 112/168/192, Camellia 128/192/256, ChaCha20 256, HMAC-* any multiple of 8 bits
// from 8 to 4096); Invalid Field naming what is missing or unsupported.
op_expected<std::size_t> symmetric_key_bytes(operation_context& ctx, const stored_object& o);
// Fills o.key_material with n bytes from the injected random source (3DES gets odd parity).
void generate_key_material(operation_context& ctx, stored_object& o, std::size_t n);
// Last Change Date = now (1.4 §3.38).
void touch(operation_context& ctx, stored_object& o);

namespace operations {
using namespace kmip::model;
op_result discover_versions(operation_context& ctx, const discover_versions_request& r);
op_result query(operation_context& ctx, const query_request& r);
op_result create(operation_context& ctx, const create_request& r);
op_result register_(operation_context& ctx, const register_request& r);
op_result re_key(operation_context& ctx, const re_key_request& r);
op_result locate(operation_context& ctx, const locate_request& r);
op_result check(operation_context& ctx, const check_request& r);
op_result get(operation_context& ctx, const get_request& r);
op_result get_attributes(operation_context& ctx, const get_attributes_request& r);
op_result get_attribute_list(operation_context& ctx, const get_attribute_list_request& r);
op_result add_attribute(operation_context& ctx, const add_attribute_request& r);
op_result modify_attribute(operation_context& ctx, const modify_attribute_request& r);
op_result delete_attribute(operation_context& ctx, const delete_attribute_request& r);
op_result set_attribute(operation_context& ctx, const set_attribute_request& r);
op_result activate(operation_context& ctx, const activate_request& r);
op_result revoke(operation_context& ctx, const revoke_request& r);
op_result destroy(operation_context& ctx, const destroy_request& r);
}  // namespace operations

// ---- the dispatch table -----------------------------------------------------------------------------------
struct operation_entry {
  kmip::spec::operation operation;
  op_result (*handle)(operation_context& ctx, const kmip::model::request_payload& payload);
};

// Every operation kmipd implements, in the order Query Operations lists them.
std::span<const operation_entry> operation_table();
const operation_entry* find_operation(kmip::spec::operation op);

}  // namespace kmipd::core
