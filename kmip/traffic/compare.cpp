// The masking rule table and the response comparison of the OASIS test-case runner (compare.hpp).
#include "kmip/traffic/compare.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "kmip/encoding/xml.hpp"

namespace kmip::traffic {
namespace {

using spec::tag;
using enum rule_action;

// Every field a response may legitimately differ in. "SKLC 4.7.1 #n" is the n-th Variable Item of the
// Symmetric Key Lifecycle Profile v1.0 §4.7.1 (identical lists in the SKFF profile and KMIP Profiles v1.4).
// `$UNIQUE_IDENTIFIER_n` texts (SKLC 4.7.1 #1-3, #10) and `$NOW±k` Date-Times are not rows: they are the
// test case's own placeholders, bound or compared within compare_options::date_tolerance wherever they occur.
constexpr std::array rules{
    comparison_rule{tag::time_stamp, {}, tag::response_header, any_value, "SKLC 4.7.1 #6 TimeStamp"},
    comparison_rule{tag::unique_batch_item_id, {}, {}, any_value, "SKLC 4.7.1 #4 UniqueBatchItemIdentifier"},
    comparison_rule{tag::asynchronous_correlation_value, {}, {}, any_value,
                    "SKLC 4.7.1 #5 AsynchronousCorrelationValue"},
    comparison_rule{tag::key_material, {}, {}, any_value,
                    "SKLC 4.7.1 #7 key material of server-generated objects, wrapped keys"},
    comparison_rule{tag::data, {}, {}, any_value, "SKLC 4.7.1 #8 output of cryptographic operations"},
    comparison_rule{tag::signature_data, {}, {}, any_value, "SKLC 4.7.1 #8 output of cryptographic operations"},
    comparison_rule{tag::mac_data, {}, {}, any_value, "SKLC 4.7.1 #8 output of cryptographic operations"},
    comparison_rule{tag::iv_counter_nonce, {}, {}, any_value, "SKLC 4.7.1 #8 output of cryptographic operations"},
    comparison_rule{tag::nonce_value, {}, {}, any_value, "SKLC 4.7.1 #8 random output of the server"},
    // SKLC 4.7.1 #9: server-set dates (the 1.x Attribute form and the 2.x tag form).
    comparison_rule{tag::attribute_value, "Activation Date", {}, any_value, "SKLC 4.7.1 #9a ActivationDate"},
    comparison_rule{tag::attribute_value, "Archive Date", {}, any_value, "SKLC 4.7.1 #9b ArchiveDate"},
    comparison_rule{tag::attribute_value, "Compromise Date", {}, any_value, "SKLC 4.7.1 #9c CompromiseDate"},
    comparison_rule{tag::attribute_value, "Compromise Occurrence Date", {}, any_value,
                    "SKLC 4.7.1 #9d CompromiseOccurrenceDate"},
    comparison_rule{tag::attribute_value, "Deactivation Date", {}, any_value, "SKLC 4.7.1 #9e DeactivationDate"},
    comparison_rule{tag::attribute_value, "Destroy Date", {}, any_value, "SKLC 4.7.1 #9f DestroyDate"},
    comparison_rule{tag::attribute_value, "Initial Date", {}, any_value, "SKLC 4.7.1 #9g InitialDate"},
    comparison_rule{tag::attribute_value, "Last Change Date", {}, any_value, "SKLC 4.7.1 #9h LastChangeDate"},
    comparison_rule{tag::attribute_value, "Protect Stop Date", {}, any_value, "SKLC 4.7.1 #9 ProtectStopDate"},
    comparison_rule{tag::attribute_value, "Process Start Date", {}, any_value, "SKLC 4.7.1 #9 ProcessStartDate"},
    comparison_rule{tag::attribute_value, "Original Creation Date", {}, any_value,
                    "SKLC 4.7.1 #9l OriginalCreationDate"},
    comparison_rule{tag::activation_date, {}, {}, any_value, "SKLC 4.7.1 #9a ActivationDate (2.x form)"},
    comparison_rule{tag::archive_date, {}, {}, any_value, "SKLC 4.7.1 #9b ArchiveDate (2.x form)"},
    comparison_rule{tag::compromise_date, {}, {}, any_value, "SKLC 4.7.1 #9c CompromiseDate (2.x form)"},
    comparison_rule{tag::compromise_occurrence_date, {}, {}, any_value,
                    "SKLC 4.7.1 #9d CompromiseOccurrenceDate (2.x form)"},
    comparison_rule{tag::deactivation_date, {}, {}, any_value, "SKLC 4.7.1 #9e DeactivationDate (2.x form)"},
    comparison_rule{tag::destroy_date, {}, {}, any_value, "SKLC 4.7.1 #9f DestroyDate (2.x form)"},
    comparison_rule{tag::initial_date, {}, {}, any_value, "SKLC 4.7.1 #9g InitialDate (2.x form)"},
    comparison_rule{tag::last_change_date, {}, {}, any_value, "SKLC 4.7.1 #9h LastChangeDate (2.x form)"},
    comparison_rule{tag::original_creation_date, {}, {}, any_value,
                    "SKLC 4.7.1 #9l OriginalCreationDate (2.x form)"},
    comparison_rule{tag::linked_object_identifier, {}, {}, any_value, "SKLC 4.7.1 #10 LinkedObjectIdentifier"},
    // Not in the variation list, but a fact about the server rather than about the object's behaviour: KMIP 1.4
    // §3.44 "SHALL be set by the server depending on which random number generator was used", so a conforming
    // server reports its own generator, not the reference server's ANSI X9.31 one the 1.4 SKFF cases show.
    comparison_rule{tag::attribute_value, "Random Number Generator", {}, any_value,
                    "KMIP 1.4 §3.44 the server reports the generator it used (a vendor fact)"},
    comparison_rule{tag::random_number_generator, {}, {}, any_value,
                    "KMIP 2.1 §4.46 the server reports the generator it used (a vendor fact; 2.x form)"},
    comparison_rule{tag::digest_value, {}, {}, any_value, "SKLC 4.7.1 #11, #13b DigestValue"},
    comparison_rule{tag::hashing_algorithm, "Digest", {}, any_value,
                    "SKLC 4.7.1 #13a HashingAlgorithm the server selects for a Digest"},
    comparison_rule{tag::hashing_algorithm, {}, tag::digest, any_value,
                    "SKLC 4.7.1 #13a HashingAlgorithm the server selects for a Digest (2.x form)"},
    comparison_rule{tag::key_format_type, "Digest", {}, any_value,
                    "SKLC 4.7.1 #12 KeyFormatType the server selected for the object"},
    comparison_rule{tag::key_format_type, {}, tag::digest, any_value,
                    "SKLC 4.7.1 #12 KeyFormatType the server selected for the object (2.x form)"},
    comparison_rule{tag::attribute, {}, tag::response_payload, may_be_extra,
                    "SKLC 4.7.1 #19 additional attributes beyond those noted, #21 y- attributes"},
    comparison_rule{tag::attribute, {}, {}, unordered, "KMIP 1.x §2.1.1: attributes form a set, not a list"},
    comparison_rule{tag::attribute_name, {}, tag::response_payload, may_be_extra,
                    "SKLC 4.7.1 #19 additional attributes (Get Attribute List)"},
    comparison_rule{tag::attribute_name, {}, tag::response_payload, unordered,
                    "Get Attribute List returns a set of names (KMIP 1.4 §4.13)"},
    comparison_rule{tag::object_group, {}, {}, may_be_extra, "SKLC 4.7.1 #20 Object Group values"},
    comparison_rule{tag::message_extension, {}, {}, may_be_extra, "SKLC 4.7.1 #22 Message Extensions"},
    comparison_rule{tag::template_attribute, {}, tag::response_payload, may_be_absent,
                    "SKLC 4.7.1 #23 optional Template-Attribute in responses"},
    comparison_rule{tag::template_attribute, {}, tag::response_payload, may_be_extra,
                    "SKLC 4.7.1 #23 optional Template-Attribute in responses"},
    comparison_rule{tag::attribute_index, {}, {}, may_be_absent, "SKLC 4.7.1 #24 AttributeIndex 0 (1.1+)"},
    comparison_rule{tag::attribute_index, {}, {}, may_be_extra, "SKLC 4.7.1 #24 AttributeIndex 0 (1.1+)"},
    comparison_rule{tag::result_message, {}, {}, any_value, "SKLC 4.7.1 #25 ResultMessage text"},
    comparison_rule{tag::result_message, {}, {}, may_be_absent, "SKLC 4.7.1 #25 ResultMessage optional"},
    comparison_rule{tag::result_message, {}, {}, may_be_extra, "SKLC 4.7.1 #25 ResultMessage optional"},
    comparison_rule{tag::protocol_version, {}, tag::response_payload, may_be_extra,
                    "SKLC 4.7.1 #26 Discover Versions may list more versions"},
    comparison_rule{tag::vendor_identification, {}, {}, any_value, "SKLC 4.7.1 #27 VendorIdentification"},
    comparison_rule{tag::server_information, {}, {}, any_value, "SKLC 4.7.1 #27 vendor-specific server data"},
};

// Where an item sits: its parent's tag and the name of the attribute it belongs to (inherited downwards).
struct context {
  std::uint32_t parent = 0;
  std::string_view attribute;
};

bool applies(const comparison_rule& r, std::uint32_t item_tag, const context& c, rule_action a) {
  if (r.action != a || static_cast<std::uint32_t>(r.tag) != item_tag) return false;
  if (r.parent != tag{} && static_cast<std::uint32_t>(r.parent) != c.parent) return false;
  if (!r.attribute.empty() && r.attribute != c.attribute) return false;
  return true;
}

bool has_rule(std::uint32_t item_tag, const context& c, rule_action a, const compare_options& o) {
  auto fits = [&](const auto& r) { return applies(r, item_tag, c, a); };
  return std::any_of(rules.begin(), rules.end(), fits) ||
         std::any_of(o.extra_rules.begin(), o.extra_rules.end(), fits);
}

// An Attribute Index may be absent or extra only when it is 0 (SKLC 4.7.1 #24).
bool may_differ_in_presence(ttlv::item_view item, const context& c, rule_action a, const compare_options& o) {
  if (!has_rule(item.tag(), c, a, o)) return false;
  if (item.is(tag::attribute_index))
    return !item.is_placeholder() && item.type() == ttlv::item_type::integer && item.as_integer() == 0;
  return true;
}

std::string tag_name(std::uint32_t t) {
  if (const auto* info = spec::find_tag(t)) return std::string(info->name);
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%06X", t);
  return buf;
}

std::string_view attribute_name_of(ttlv::item_view attribute) {
  if (auto n = attribute.find(tag::attribute_name); n && n->type() == ttlv::item_type::text_string &&
                                                    !n->is_placeholder())
    return n->as_text();
  return {};
}

bool in_key_material(std::string_view path) { return path.find("Key Material") != std::string_view::npos; }

class comparer {
 public:
  comparer(std::size_t index, bindings& b, const compare_options& o, std::vector<mismatch>& out)
      : index_(index), b_(b), o_(o), out_(out) {}

  void item(ttlv::item_view e, ttlv::item_view a, const context& c, const std::string& path) {
    if (e.type() != a.type() || e.tag() != a.tag()) return report(path, e, a, c);
    if (has_rule(e.tag(), c, any_value, o_)) return;
    if (e.type() == ttlv::item_type::structure) return structure(e, a, c, path);
    leaf(e, a, path, c);
  }

 private:
  void report(const std::string& path, std::optional<ttlv::item_view> e, std::optional<ttlv::item_view> a,
              const context& c) {
    auto text = [&](std::optional<ttlv::item_view> v) -> std::string {
      if (!v) return "(absent)";
      if (in_key_material(path) || v->is(tag::key_material)) return "(key material, redacted)";
      return describe(*v);
    };
    out_.push_back({index_, path, text(e), text(a), e ? e->tag() : a ? a->tag() : 0u, std::string(c.attribute)});
  }

  void leaf(ttlv::item_view e, ttlv::item_view a, const std::string& path, const context& c) {
    if (a.is_placeholder()) return report(path, e, a, c);
    if (e.is_placeholder()) {
      auto offset = now_offset(e.placeholder_text());
      if (offset && e.type() == ttlv::item_type::date_time) {
        auto diff = a.as_date_time() - (o_.now + *offset);
        if (diff > o_.date_tolerance || diff < -o_.date_tolerance) report(path, e, a, c);
      }
      return;  // other placeholders ($KEY_MATERIAL, $DATA, ...) stand for values the test case lets vary
    }
    if (e.type() == ttlv::item_type::text_string) {
      if (auto n = unique_identifier_index(e.as_text())) {
        if (auto bound = b_.unique_identifier(*n)) {
          if (*bound != a.as_text()) report(path, e, a, c);
        } else {
          b_.bind_unique_identifier(*n, std::string(a.as_text()));
        }
        return;
      }
    }
    const auto& en = e.owner().at(e.index());
    const auto& an = a.owner().at(a.index());
    switch (e.type()) {
      case ttlv::item_type::text_string:
      case ttlv::item_type::byte_string:
      case ttlv::item_type::big_integer: {
        auto x = e.owner().data(en);
        auto y = a.owner().data(an);
        if (!std::equal(x.begin(), x.end(), y.begin(), y.end())) report(path, e, a, c);
        return;
      }
      default:
        if (en.scalar != an.scalar) report(path, e, a, c);
    }
  }

  // Matches the children of two structures. Ordered tags: each expected child takes the next actual child
  // with its tag. Unordered tags: the first unused actual child with the tag that compares equal, else the
  // first with the same Attribute Name. Actual children left over must be allowed extras.
  void structure(ttlv::item_view e, ttlv::item_view a, const context& c, const std::string& path) {
    std::vector<ttlv::item_view> ex(e.children().begin(), e.children().end());
    std::vector<ttlv::item_view> ac(a.children().begin(), a.children().end());
    std::vector<bool> used(ac.size(), false);
    context inner{e.tag(), c.attribute};
    if (e.is(tag::attribute)) inner.attribute = attribute_name_of(e);
    std::size_t cursor = 0;
    for (std::size_t i = 0; i < ex.size(); ++i) {
      std::string child_path = path + " / " + tag_name(ex[i].tag());
      std::size_t same = 0, total = 0;
      for (std::size_t k = 0; k < ex.size(); ++k)
        if (ex[k].tag() == ex[i].tag()) {
          if (k < i) ++same;
          ++total;
        }
      if (total > 1) child_path += "[" + std::to_string(same) + "]";
      std::optional<std::size_t> match;
      if (has_rule(ex[i].tag(), inner, unordered, o_)) {
        match = find_unordered(ex[i], ac, used, inner);
      } else {
        for (std::size_t k = cursor; k < ac.size(); ++k)
          if (!used[k] && ac[k].tag() == ex[i].tag()) {
            match = k;
            cursor = k + 1;
            break;
          }
      }
      if (!match) {
        if (!may_differ_in_presence(ex[i], inner, may_be_absent, o_)) report(child_path, ex[i], std::nullopt, inner);
        continue;
      }
      used[*match] = true;
      item(ex[i], ac[*match], inner, child_path);
    }
    for (std::size_t k = 0; k < ac.size(); ++k)
      if (!used[k] && !may_differ_in_presence(ac[k], inner, may_be_extra, o_))
        report(path + " / " + tag_name(ac[k].tag()) + " (unexpected)", std::nullopt, ac[k], inner);
  }

  std::optional<std::size_t> find_unordered(ttlv::item_view e, const std::vector<ttlv::item_view>& ac,
                                            const std::vector<bool>& used, const context& c) {
    std::optional<std::size_t> same_name;
    for (std::size_t k = 0; k < ac.size(); ++k) {
      if (used[k] || ac[k].tag() != e.tag()) continue;
      bindings trial = b_;
      std::vector<mismatch> scratch;
      comparer probe(index_, trial, o_, scratch);
      probe.item(e, ac[k], c, "");
      if (scratch.empty()) return k;
      if (!same_name && e.is(tag::attribute) && attribute_name_of(e) == attribute_name_of(ac[k])) same_name = k;
    }
    return same_name;
  }

  std::size_t index_;
  bindings& b_;
  const compare_options& o_;
  std::vector<mismatch>& out_;
};

}  // namespace

std::span<const comparison_rule> comparison_rules() { return rules; }

std::string describe(ttlv::item_view item) {
  encoding::write_options w;
  w.indent = 0;
  w.redact_key_material = true;
  auto s = encoding::to_xml(item, w);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void compare_response(ttlv::item_view expected, ttlv::item_view actual, std::size_t request_index,
                      bindings& b, const compare_options& options, std::vector<mismatch>& out) {
  comparer c(request_index, b, options, out);
  c.item(expected, actual, {}, "Response " + std::to_string(request_index));
}

void compare_items(ttlv::item_view expected, ttlv::item_view actual, std::size_t request_index,
                   const std::string& path, bindings& b, const compare_options& options,
                   std::vector<mismatch>& out) {
  comparer c(request_index, b, options, out);
  c.item(expected, actual, {}, path);
}

}  // namespace kmip::traffic
