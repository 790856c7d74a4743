// object_store conveniences and the persistent form of an attribute list.
#include "server/core/object_store.hpp"

#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmipd::core {


store_result<void> object_store::put(stored_object o) {
  std::vector<write_op> w;
  w.push_back(write_op::insert(std::move(o)));
  return commit(std::move(w));
}
store_result<void> object_store::update(stored_object o) {
  std::vector<write_op> w;
  w.push_back(write_op::update(std::move(o)));
  return commit(std::move(w));
}
store_result<void> object_store::erase(stored_object o) {
  std::vector<write_op> w;
  w.push_back(write_op::erase(std::move(o)));
  return commit(std::move(w));
}

namespace {
constexpr auto u32(kmip::spec::tag t) { return static_cast<std::uint32_t>(t); }
}  // namespace

common::secure_bytes encode_attributes(const std::vector<kmip::model::attribute>& attributes) {
  kmip::ttlv::tree t;
  t.begin_structure(kmip::spec::tag::attributes);
  for (const auto& a : attributes) {
    t.begin_structure(kmip::spec::tag::attribute);
    t.add_text(kmip::spec::tag::attribute_name, a.name);
    if (a.index) t.add_integer(kmip::spec::tag::attribute_index, *a.index);
    if (a.has_value()) t.add_copy(a.value_item());
    t.end_structure();
  }
  t.end_structure();
  auto bytes = kmip::ttlv::encode(t);
  return bytes ? std::move(*bytes) : common::secure_bytes{};
}

store_result<std::vector<kmip::model::attribute>> decode_attributes(std::span<const std::uint8_t> bytes) {
  kmip::ttlv::decode_limits limits;
  limits.max_message_size = 64u << 20;
  limits.max_items = 1u << 22;
  auto t = kmip::ttlv::decode(bytes, limits);
  if (!t) return common::unexpected(store_error{store_errc::corrupt, "attribute list: " + t.error().message()});
  auto root = t->root();
  if (!root.is(kmip::spec::tag::attributes))
    return common::unexpected(store_error{store_errc::corrupt, "attribute list: not an Attributes structure"});
  std::vector<kmip::model::attribute> out;
  for (auto item : root.children()) {
    kmip::model::attribute a;
    for (auto f : item.children()) {
      if (f.tag() == u32(kmip::spec::tag::attribute_name) && f.type() == kmip::ttlv::item_type::text_string)
        a.name = std::string(f.as_text());
      else if (f.tag() == u32(kmip::spec::tag::attribute_index) && f.type() == kmip::ttlv::item_type::integer)
        a.index = f.as_integer();
      else if (f.tag() == u32(kmip::spec::tag::attribute_value))
        a.value.add_copy(f);
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace kmipd::core
