// Locate (KMIP 1.4 §4.9, 2.1 §6.1.28): the objects the caller may Locate whose attributes match every given
// attribute: an object matches an attribute when one of its instances has the same value (State as computed
// now). Two values of the same Date-Time attribute give a range, inclusive (1.4 §4.9). Results in creation
// order; Offset Items skips, Maximum Items caps, Located Items (1.3+) counts all matches and is returned when the
// request paged (Maximum Items or Offset Items): 1.4 §4.9 lets a server omit it, and the OASIS SKFF-M-5..12-14
// test cases show it omitted. Destroyed objects are found only when the request names a State: the SKFF-M-5..8
// test cases (1.1 and 1.4) Locate after Destroy and expect no identifier. A Storage Status
// Mask without On-line storage finds nothing (kmipd archives nothing). The first result becomes the ID
// Placeholder.
#include <map>

#include "server/core/lifecycle.hpp"
#include "server/core/object_attributes.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core::operations {

using kmip::spec::result_reason;

namespace {

bool matches(const stored_object& o, const std::map<std::string, std::vector<const attribute*>>& wanted) {
  for (const auto& [name, values] : wanted) {
    const auto have = instances(o, name);
    const bool dates = values.size() == 2 && values[0]->date() && values[1]->date();
    if (dates) {
      auto lo = values[0]->date()->seconds, hi = values[1]->date()->seconds;
      if (lo > hi) std::swap(lo, hi);
      bool hit = false;
      for (const auto* a : have)
        if (auto d = a->date(); d && d->seconds >= lo && d->seconds <= hi) hit = true;
      if (!hit) return false;
      continue;
    }
    for (const auto* v : values) {
      bool hit = false;
      for (const auto* a : have) hit = hit || same_value(*a, *v);
      if (!hit) return false;
    }
  }
  return true;
}

}  // namespace

op_result locate(operation_context& ctx, const locate_request& r) {
  if ((r.maximum_items && *r.maximum_items < 0) || (r.offset_items && *r.offset_items < 0))
    return fail(result_reason::invalid_field, "Maximum Items and Offset Items must not be negative");
  locate_response out;
  const bool online = !r.storage_status_mask || (*r.storage_status_mask & kmip::spec::storage_status_mask::on_line_storage);
  std::map<std::string, std::vector<const attribute*>> wanted;
  locate_filter filter;
  for (const auto& a : r.attributes) {
    if (!a.has_value()) return fail(result_reason::invalid_field, "attribute '" + a.name + "' has no value");
    wanted[a.name].push_back(&a);
    if (a.name == "Object Type" && a.enumeration())
      filter.object_type = static_cast<kmip::spec::object_type>(*a.enumeration());
  }
  std::int32_t found = 0;
  if (online) {
    auto ids = ctx.store().locate(filter);
    if (!ids) return fail(result_reason::general_failure, "store: " + ids.error().message);
    std::int32_t skip = r.offset_items.value_or(0);
    for (const auto& id : *ids) {
      auto got = ctx.store().get(id);
      if (!got || !*got) continue;
      auto& o = **got;
      if (!ctx.may(kmip::spec::operation::locate, o.owner)) continue;
      refresh(o, ctx.now());
      if (is_destroyed(state_of(o)) && !wanted.contains("State")) continue;
      if (!matches(o, wanted)) continue;
      ++found;
      if (skip > 0) {
        --skip;
        continue;
      }
      if (r.maximum_items && *r.maximum_items > 0 &&
          out.unique_identifiers.size() >= static_cast<std::size_t>(*r.maximum_items))
        continue;
      out.unique_identifiers.push_back(o.id);
    }
  }
  if (ctx.version() >= kmip::spec::version::v1_3 && (r.maximum_items || r.offset_items)) out.located_items = found;
  if (!out.unique_identifiers.empty()) ctx.set_placeholder(out.unique_identifiers.front());
  return out;
}

}  // namespace kmipd::core::operations
