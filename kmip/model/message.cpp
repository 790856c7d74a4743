// Messages <-> TTLV trees (1.x §7.1–7.2, 2.1 §8): the header's Protocol Version picks the rules, Batch Count is
// written and checked here, and each batch item's payload is typed through operation_table. This is the one
// translation unit that instantiates the generic codec (codec.hpp) for every described struct.
#include "kmip/model/message.hpp"

#include "kmip/model/codec.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::model {
namespace detail {
namespace {

// The version that introduced an operation, from the spec's Operation table.
spec::version operation_since(spec::operation op) {
  const auto& table = spec::info(spec::enumeration_id::operation);
  const auto* v = spec::find_value(table, static_cast<std::uint32_t>(op));
  return v ? v->since : spec::version::v1_0;
}

std::string operation_name(spec::operation op) {
  const auto name = spec::name_of(op);
  return name.empty() ? hex32(static_cast<std::uint32_t>(op)) : std::string(name);
}

// Discover Versions (1.1) is accepted under any header: it is how a client finds the version to use, and a
// client unsure of the server may well ask it under 1.0.
status check_operation_version(spec::operation op, const context& c) {
  const auto since = operation_since(op);
  if (c.version >= since || op == spec::operation::discover_versions) return ok();
  return failed(error(spec::result_reason::operation_not_supported, {},
                      operation_name(op) + " is not defined in KMIP " + std::string(spec::to_string(c.version)) +
                          " (KMIP " + std::string(spec::to_string(since)) + " and later)"));
}

// Which payload struct a side of operation_row uses.
struct request_side {
  template <class Row>
  using type = typename Row::request;
};
struct response_side {
  template <class Row>
  using type = typename Row::response;
};

}  // namespace

// Request Payload / Response Payload: typed by the batch item's Operation (context::operation), opaque for
// operations outside operation_table. With decode_options::item_errors_in_place a payload that does not
// decode is kept opaque and its error parked in the context for the batch item.
template <class Variant, class Side>
struct payload_codec : by_field_tag {
  static constexpr auto wire_type = ttlv::item_type::structure;

  static status decode(ttlv::item_view i, Variant& v, context& c) {
    if (auto s = expect_type(i, wire_type, c); !s) return s;
    const auto outer_reason = c.reason;
    c.reason = spec::result_reason::invalid_field;
    status st = decode_typed(i, v, c, operation_table{});
    c.reason = outer_reason;
    if (!st && c.options && c.options->item_errors_in_place) {
      c.item_error = st.error();
      c.item_error->prepend(tag_name(i.tag()));
      v = opaque::copy_of(i);
      return ok();
    }
    return st;
  }

  static status encode(const Variant& v, std::uint32_t tag, ttlv::tree& t, context& c) {
    return std::visit([&](const auto& payload) { return encode_one(payload, tag, t, c); }, v);
  }

 private:
  template <class... Rows>
  static status decode_typed(ttlv::item_view i, Variant& v, context& c, operation_list<Rows...>) {
    status st;
    const bool typed = ((c.operation == Rows::operation &&
                         (st = decode_as<typename Side::template type<Rows>>(Rows::operation, i, v, c), true)) ||
                        ...);
    if (!typed) v = opaque::copy_of(i);
    return st;
  }

  template <class Payload>
  static status decode_as(spec::operation op, ttlv::item_view i, Variant& v, context& c) {
    if (auto s = check_operation_version(op, c); !s) return s;
    Payload p;
    if (auto s = decode_fields(i, p, c); !s) return s;
    v = std::move(p);
    return ok();
  }

  // An opaque payload is written as it came, under this side's payload tag.
  static status encode_one(const opaque& p, std::uint32_t tag, ttlv::tree& t, context& c) {
    if (p.empty() || p.item().tag() == tag) return item_codec<opaque>::encode(p, tag, t, c);
    if (auto s = expect_type(p.item(), ttlv::item_type::structure, c); !s) return s;
    add_retagged(t, p.item(), tag);
    return ok();
  }

  template <class Payload>
  static status encode_one(const Payload& p, std::uint32_t tag, ttlv::tree& t, context& c) {
    constexpr spec::operation op = operation_of<Payload>;
    if (c.operation != op)
      return failed(c, "the payload is for " + operation_name(op) + " but the batch item's Operation is " +
                           (c.operation ? operation_name(*c.operation) : std::string("absent")));
    if (auto s = check_operation_version(op, c); !s) return s;
    return item_codec<Payload>::encode(p, tag, t, c);
  }
};

template <>
struct item_codec<request_payload> : payload_codec<request_payload, request_side> {};
template <>
struct item_codec<response_payload> : payload_codec<response_payload, response_side> {};

namespace {

// What differs between the request and the response side of a message.
template <class Message>
struct message_traits;

template <>
struct message_traits<request_message> {
  using header = request_header;
  using item = request_batch_item;
  static constexpr spec::tag root = spec::tag::request_message;
  static constexpr spec::tag header_tag = spec::tag::request_header;
};

template <>
struct message_traits<response_message> {
  using header = response_header;
  using item = response_batch_item;
  static constexpr spec::tag root = spec::tag::response_message;
  static constexpr spec::tag header_tag = spec::tag::response_header;
};

common::unexpected<error> invalid_message(std::string path, std::string message) {
  return common::unexpected<error>{error(spec::result_reason::invalid_message, std::move(path), std::move(message))};
}

// Reads the header's Protocol Version first: it decides how everything else is read.
result<spec::version> header_version(ttlv::item_view header, std::string_view header_name) {
  auto pv_item = header.find(spec::tag::protocol_version);
  if (!pv_item) return invalid_message(std::string(header_name), "missing required field Protocol Version");
  context c;
  c.reason = spec::result_reason::invalid_message;
  spec::protocol_version pv;
  if (auto s = item_codec<spec::protocol_version>::decode(*pv_item, pv, c); !s) {
    error e = s.error();
    e.prepend("Protocol Version");
    e.prepend(header_name);
    return common::unexpected<error>{std::move(e)};
  }
  auto v = effective_version(pv);
  if (!v)
    return invalid_message(
        std::string(header_name) + "/Protocol Version",
        "protocol version " + std::to_string(pv.major) + "." + std::to_string(pv.minor) + " is not supported");
  return *v;
}

// Batch Count (1.x §6.14) must equal the number of Batch Items that follow.
result<void> check_batch_count(ttlv::item_view header, std::size_t items, std::string_view header_name) {
  auto count = header.find(spec::tag::batch_count);
  const std::string path = std::string(header_name) + "/Batch Count";
  if (!count) return invalid_message(std::string(header_name), "missing required field Batch Count");
  if (count->type() != ttlv::item_type::integer || count->is_placeholder())
    return invalid_message(path, type_mismatch(ttlv::item_type::integer, count->type()));
  if (count->as_integer() < 0 || static_cast<std::size_t>(count->as_integer()) != items)
    return invalid_message(path, "Batch Count is " + std::to_string(count->as_integer()) + " but the message holds " +
                                     std::to_string(items) + " Batch Item(s)");
  return {};
}

// What a batch item says about itself before its payload is read, for errors that concern it.
struct item_identity {
  std::optional<spec::operation> operation;
  std::optional<std::vector<std::uint8_t>> id;
};
item_identity peek_identity(ttlv::item_view item) {
  item_identity who;
  if (item.type() != ttlv::item_type::structure) return who;
  if (auto op = item.find(spec::tag::operation);
      op && op->type() == ttlv::item_type::enumeration && !op->is_placeholder())
    who.operation = static_cast<spec::operation>(op->as_enumeration());
  if (auto id = item.find(spec::tag::unique_batch_item_id);
      id && id->type() == ttlv::item_type::byte_string && !id->is_placeholder())
    who.id = std::vector<std::uint8_t>(id->as_bytes().begin(), id->as_bytes().end());
  return who;
}

void attach_identity(error& e, std::size_t index, const item_identity& who) {
  e.batch_item = index;
  e.operation = who.operation;
  e.unique_batch_item_id = who.id;
}

// The checks decode_options::strict adds once an item has decoded.
result<void> strict_item_checks(const request_batch_item& item, std::size_t count) {
  if (count > 1 && !item.unique_batch_item_id)
    return invalid_message({}, "Unique Batch Item ID is required when Batch Count is above 1");
  return {};
}
result<void> strict_item_checks(const response_batch_item& item, std::size_t) {
  if (item.result_status == spec::result_status::operation_failed && !item.result_reason)
    return invalid_message({}, "Result Reason is required when Result Status is Operation Failed");
  return {};
}

template <class Message>
result<Message> decode_message(const ttlv::tree& tree, const decode_options& options) {
  using traits = message_traits<Message>;
  const std::string root_name = tag_name(traits::root);
  const std::string header_name = tag_name(traits::header_tag);
  if (tree.empty()) return invalid_message({}, "empty message");
  const ttlv::item_view root = tree.root();
  if (!root.is(traits::root) || root.type() != ttlv::item_type::structure)
    return invalid_message({}, "expected " + root_name + ", got " + tag_name(root.tag()) + " (" +
                                   std::string(ttlv::to_string(root.type())) + ")");

  std::optional<ttlv::item_view> header;
  std::vector<ttlv::item_view> items;
  for (auto child : root.children()) {
    if (child.is(traits::header_tag) && !header && items.empty())
      header = child;
    else if (child.is(spec::tag::batch_item) && header)
      items.push_back(child);
    else
      return invalid_message(tag_name(child.tag()), "unexpected here in " + root_name);
  }
  if (!header) return invalid_message({}, "missing required field " + header_name);
  if (header->type() != ttlv::item_type::structure)
    return invalid_message(header_name, type_mismatch(ttlv::item_type::structure, header->type()));
  auto version = header_version(*header, header_name);
  if (!version) return common::unexpected<error>{version.error()};
  context c;
  c.version = *version;
  c.options = &options;
  c.reason = spec::result_reason::invalid_message;

  Message message;
  if (auto s = decode_fields(*header, message.header, c, static_cast<std::uint32_t>(spec::tag::batch_count)); !s)
    return failed_at(s, header_name);
  if (auto s = check_batch_count(*header, items.size(), header_name); !s) return common::unexpected<error>{s.error()};
  if (items.empty()) return invalid_message({}, "missing required field Batch Item");

  message.batch_items.reserve(items.size());
  for (std::size_t n = 0; n < items.size(); ++n) {
    const auto who = peek_identity(items[n]);
    c.operation = who.operation;
    c.item_error.reset();
    auto& item = message.batch_items.emplace_back();
    status s = item_codec<typename traits::item>::decode(items[n], item, c);
    if (s && options.strict) s = strict_item_checks(item, items.size());
    if (!s) {
      error e = s.error();
      e.prepend("Batch Item[" + std::to_string(n) + "]");
      attach_identity(e, n, who);
      return common::unexpected<error>{std::move(e)};
    }
    if (c.item_error) {
      c.item_error->prepend("Batch Item[" + std::to_string(n) + "]");
      attach_identity(*c.item_error, n, who);
      item.decode_error = std::move(c.item_error);
    }
  }
  return message;
}

template <class Message>
result<ttlv::tree> encode_message(const Message& message) {
  using traits = message_traits<Message>;
  const auto& pv = message.header.protocol_version;
  auto version = effective_version(pv);
  if (!version)
    return common::unexpected<error>{error(
        spec::result_reason::general_failure, tag_name(traits::header_tag),
        "protocol version " + std::to_string(pv.major) + "." + std::to_string(pv.minor) + " has no encoding rules")};
  if (message.batch_items.empty())
    return common::unexpected<error>{
        error(spec::result_reason::general_failure, {}, "a message needs at least one Batch Item")};
  context c;
  c.version = *version;
  c.reason = spec::result_reason::general_failure;

  ttlv::tree t;
  t.begin_structure(traits::root);
  t.begin_structure(traits::header_tag);
  if (auto s = encode_fields(message.header, t, c); !s) return failed_at(s, tag_name(traits::header_tag));
  t.add_integer(spec::tag::batch_count, static_cast<std::int32_t>(message.batch_items.size()));
  t.end_structure();
  for (std::size_t n = 0; n < message.batch_items.size(); ++n) {
    const auto& item = message.batch_items[n];
    c.operation = item.operation;
    if (auto s =
            item_codec<typename traits::item>::encode(item, static_cast<std::uint32_t>(spec::tag::batch_item), t, c);
        !s) {
      error e = s.error();
      e.prepend("Batch Item[" + std::to_string(n) + "]");
      e.batch_item = n;
      e.operation = item.operation;
      return common::unexpected<error>{std::move(e)};
    }
  }
  t.end_structure();
  return t;
}

template <class Message>
result<common::secure_bytes> message_to_bytes(const Message& message) {
  auto tree = encode_message(message);
  if (!tree) return common::unexpected<error>{tree.error()};
  auto bytes = ttlv::encode(*tree);
  if (!bytes)
    return common::unexpected<error>{error(spec::result_reason::general_failure, {}, bytes.error().message())};
  return std::move(*bytes);
}

template <class Message>
result<Message> message_from_bytes(std::span<const std::uint8_t> bytes, const decode_options& options,
                                   const ttlv::decode_limits& limits) {
  auto tree = ttlv::decode_message(bytes, limits);
  if (!tree) return invalid_message({}, tree.error().message());
  return decode_message<Message>(*tree, options);
}

}  // namespace
}  // namespace detail

std::optional<spec::version> effective_version(spec::protocol_version pv) {
  if (pv.major < 1 || pv.minor < 0) return std::nullopt;
  if (auto v = spec::to_version(pv)) return v;
  return pv.major == 1 ? spec::version::v1_4 : spec::version::v2_1;
}

response_batch_item make_failure_item(std::optional<spec::operation> operation, spec::result_reason reason,
                                      std::string message, std::optional<std::vector<std::uint8_t>> id) {
  response_batch_item item;
  item.operation = operation;
  item.unique_batch_item_id = std::move(id);
  item.result_status = spec::result_status::operation_failed;
  item.result_reason = reason;
  item.result_message = std::move(message);
  return item;
}

result<ttlv::tree> encode(const request_message& message) { return detail::encode_message(message); }
result<ttlv::tree> encode(const response_message& message) { return detail::encode_message(message); }

result<request_message> decode_request(const ttlv::tree& tree, const decode_options& options) {
  return detail::decode_message<request_message>(tree, options);
}
result<response_message> decode_response(const ttlv::tree& tree, const decode_options& options) {
  return detail::decode_message<response_message>(tree, options);
}

result<common::secure_bytes> to_bytes(const request_message& message) { return detail::message_to_bytes(message); }
result<common::secure_bytes> to_bytes(const response_message& message) { return detail::message_to_bytes(message); }

result<request_message> request_from_bytes(std::span<const std::uint8_t> bytes, const decode_options& options,
                                           const ttlv::decode_limits& limits) {
  return detail::message_from_bytes<request_message>(bytes, options, limits);
}
result<response_message> response_from_bytes(std::span<const std::uint8_t> bytes, const decode_options& options,
                                             const ttlv::decode_limits& limits) {
  return detail::message_from_bytes<response_message>(bytes, options, limits);
}

}  // namespace kmip::model
