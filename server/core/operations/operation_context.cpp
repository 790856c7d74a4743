// operation_context: object access for operations (identifiers, lifecycle refresh, policy, undo log), and the
// attribute set-up shared by Create, Register and Re-key (KMIP 1.4 §4.1 "the server SHALL set ...").
#include "server/core/operations/operations.hpp"

#include <algorithm>
#include <cstdio>

#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"

namespace kmipd::core {

using kmip::spec::result_reason;

bool operation_context::may(kmip::spec::operation op, std::string_view owner) const {
  return options_.policy.allows(identity_, op, owner);
}

op_expected<stored_object> operation_context::load(const std::optional<kmip::model::unique_identifier>& id) {
  std::string text;
  if (!id || std::holds_alternative<kmip::spec::unique_identifier>(*id)) {
    if (id && std::get<kmip::spec::unique_identifier>(*id) != kmip::spec::unique_identifier::id_placeholder)
      return fail(reason(result_reason::invalid_field, result_reason::invalid_field),
                  "only the ID Placeholder is supported as a Unique Identifier enumeration");
    if (!id_placeholder_)
      return fail(result_reason::invalid_field, "no Unique Identifier and no ID Placeholder from an earlier batch item");
    text = *id_placeholder_;
  } else if (const auto* s = std::get_if<std::string>(&*id)) {
    text = *s;
  } else {
    return fail(result_reason::invalid_field, "batch-item-index Unique Identifiers are not supported");
  }
  return load(text, operation);
}

op_expected<stored_object> operation_context::load(std::string_view id, kmip::spec::operation as) {
  object_id = std::string(id);
  auto got = store_.get(id);
  if (!got) return fail(result_reason::general_failure, "store: " + got.error().message);
  if (!*got) return fail(result_reason::item_not_found, "no object with Unique Identifier " + std::string(id));
  stored_object o = std::move(**got);
  if (!may(as, o.owner))
    return fail(result_reason::permission_denied, "object " + std::string(id) + " belongs to another identity");
  refresh(o, now());
  complete_legacy_attributes(o);
  return o;
}

op_expected<void> operation_context::commit(std::vector<write_op> writes) {
  // Undo ops, each valid against the store as it is right after its write (replayed in reverse).
  std::vector<write_op> undo;
  for (const auto& w : writes) {
    switch (w.op) {
      case write_op::kind::insert: {
        stored_object o;
        o.id = w.object.id;
        o.version = 1;
        undo.push_back(write_op::erase(std::move(o)));
        break;
      }
      case write_op::kind::update: {
        auto before = store_.get(w.object.id);
        if (!before || !*before) break;  // commit below reports the problem
        auto o = std::move(**before);
        o.version = w.object.version + 1;
        undo.push_back(write_op::update(std::move(o)));
        break;
      }
      case write_op::kind::erase: {
        auto before = store_.get(w.object.id);
        if (!before || !*before) break;
        undo.push_back(write_op::insert(std::move(**before)));
        break;
      }
    }
  }
  auto r = store_.commit(std::move(writes));
  if (!r) {
    const auto why = r.error().code == store_errc::conflict ? "the object changed meanwhile; retry" : r.error().message;
    return fail(result_reason::general_failure, "store: " + why);
  }
  for (auto& u : undo) undo_log_.push_back(std::move(u));
  return {};
}

std::string operation_context::new_id() {
  std::uint8_t b[16];
  random_.fill(b);
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // RFC 9562 version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

op_expected<void> apply_template(operation_context& ctx, stored_object& o,
                                 std::span<const kmip::model::attribute> attributes) {
  std::vector<std::string> seen_single;
  for (const auto& a : attributes) {
    const auto* rule = find_rule(a.name);
    if (!rule || !exists_in(a.name, ctx.version()))
      return fail(ctx.reason(result_reason::invalid_field, result_reason::unsupported_attribute),
                  "attribute '" + a.name + "' is not supported");
    if (rule->access == client_access::server_only)
      return fail(ctx.reason(result_reason::invalid_field, result_reason::attribute_read_only),
                  "attribute '" + a.name + "' is set by the server");
    if (!a.has_value()) return fail(result_reason::invalid_field, "attribute '" + a.name + "' has no value");
    if (auto t = kmip::model::attribute_value_type(a.name); t && *t != a.value_item().type())
      return fail(ctx.reason(result_reason::invalid_field, result_reason::invalid_attribute_value),
                  "attribute '" + a.name + "' has a value of the wrong type");
    if (rule->multi_instance) {
      kmip::model::attribute copy = a;
      add_instance(o, std::move(copy));
    } else {
      if (std::find(seen_single.begin(), seen_single.end(), a.name) != seen_single.end())
        return fail(ctx.reason(result_reason::invalid_field, result_reason::attribute_single_valued),
                    "attribute '" + a.name + "' given more than once");
      seen_single.push_back(a.name);
      set_single(o, a);
    }
  }
  return {};
}

namespace {

// Whether the random source described by `ours` matches the client's Random Number Generator: every field the
// client gives is present in ours with the same value (1.4 §3.44 "matches").
bool rng_matches(const kmip::model::attribute& ours, const kmip::model::attribute& wanted) {
  if (!wanted.has_value() || wanted.value_item().type() != kmip::ttlv::item_type::structure) return false;
  for (auto field : wanted.value_item().children()) {
    auto have = ours.value_item().find(field.tag());
    if (!have) return false;
    kmip::ttlv::tree a, b;
    a.add_copy(field);
    b.add_copy(*have);
    if (!(a == b)) return false;
  }
  return true;
}

}  // namespace

op_expected<void> finish_new_object(operation_context& ctx, stored_object& o, key_origin origin,
                                    kmip::spec::key_format_type digest_format) {
  using namespace kmip::model;
  const auto now = ctx.now();
  if (origin == key_origin::generated) {
    if (const auto* wanted = find_instance(o, "Random Number Generator");
        wanted && !rng_matches(ctx.random_number_generator(), *wanted))
      return fail(result_reason::invalid_field,
                  "the server cannot generate keys with the requested Random Number Generator");
    set_single(o, ctx.random_number_generator());
    set_date(o, "Original Creation Date", now);  // = Initial Date (1.4 §3.43)
  }
  o.owner = ctx.identity();
  set_single(o, attr::text("Unique Identifier", o.id));
  set_single(o, attr::object_type(o.object_type));
  set_date(o, "Initial Date", now);
  set_date(o, "Last Change Date", now);
  set_initial_state(o, now);
  remove_instances(o, "Digest", std::nullopt);
  add_instance(o, digest_attribute(o.key_material, digest_format));
  set_single(o, attr::boolean("Fresh", true));
  set_single(o, attr::interval("Lease Time", interval{ctx.options().lease_time}));
  if (!find_instance(o, "Sensitive")) set_single(o, attr::boolean("Sensitive", false));
  if (!find_instance(o, "Extractable")) set_single(o, attr::boolean("Extractable", true));
  remove_instances(o, "Always Sensitive", std::nullopt);
  remove_instances(o, "Never Extractable", std::nullopt);
  track_sensitivity(o);
  return {};
}

}  // namespace kmipd::core
