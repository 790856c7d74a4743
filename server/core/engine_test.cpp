// Engine behaviour through the typed API and handle_bytes: lifecycle table, Locate, Re-key links, key wrapping,
// permissions, batches, malformed input, and the audit never holding key material.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

#include "kmip/model/message.hpp"
#include "kmip/spec/spec.hpp"
#include "kmip/ttlv/text.hpp"
#include "server/core/credentials.hpp"
#include "server/core/group_sync.hpp"
#include "server/core/key_wrap.hpp"
#include "server/core/memory_store.hpp"
#include "server/core/test_support.hpp"

namespace kmipd::core {
namespace {

namespace model = kmip::model;
using kmip::spec::result_reason;
using kmip::spec::result_status;
using kmip::spec::state;
using testing::fixture;

constexpr kmip::spec::protocol_version v11{1, 1}, v14{1, 4}, v21{2, 1};

model::create_request aes(std::int32_t bits = 256, std::vector<model::attribute> extra = {}) {
  model::create_request c;
  c.template_attribute.attributes = {
      model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::aes),
      model::attr::cryptographic_length(bits),
      model::attr::cryptographic_usage_mask(kmip::spec::cryptographic_usage_mask::encrypt |
                                            kmip::spec::cryptographic_usage_mask::decrypt |
                                            kmip::spec::cryptographic_usage_mask::wrap_key)};
  for (auto& a : extra) c.template_attribute.attributes.push_back(std::move(a));
  return c;
}

std::string create(fixture& f, model::create_request c = aes(), kmip::spec::protocol_version pv = v11,
                   const std::string& who = "alice") {
  auto r = f.one(std::move(c), pv, who);
  EXPECT_EQ(r.result_status, result_status::success) << r.result_message.value_or("");
  return r.payload ? std::get<model::create_response>(*r.payload).unique_identifier : std::string{};
}

template <class Request>
Request on(const std::string& id) {
  Request r;
  r.unique_identifier = id;
  return r;
}

state state_of(fixture& f, const std::string& id) {
  model::get_attributes_request g = on<model::get_attributes_request>(id);
  g.attribute_references = {{"State"}};
  auto r = f.one(g);
  const auto& attrs = std::get<model::get_attributes_response>(*r.payload).attributes;
  return attrs.at(0).enum_value<state>().value();
}

common::secure_bytes material_of(const model::response_batch_item& r) {
  const auto& k = std::get<model::symmetric_key>(std::get<model::get_response>(*r.payload).object);
  return *k.key_block.raw_key_material();
}

model::revoke_request revoke_req(const std::string& id, kmip::spec::revocation_reason_code code) {
  auto r = on<model::revoke_request>(id);
  r.revocation_reason.code = code;
  return r;
}

// ---- create, discover, query --------------------------------------------------------------------------------
TEST(Engine, CreateSetsAttributesAndPreActive) {
  fixture f;
  for (int bits : {128, 192, 256}) {
    auto id = create(f, aes(bits));
    auto g = f.one(on<model::get_request>(id));
    ASSERT_EQ(g.result_status, result_status::success);
    EXPECT_EQ(material_of(g).size(), static_cast<std::size_t>(bits / 8));
    EXPECT_EQ(state_of(f, id), state::pre_active);  // and Get on Pre-Active succeeded
  }
  auto all = f.one(on<model::get_attributes_request>(create(f)));
  const auto& attrs = std::get<model::get_attributes_response>(*all.payload).attributes;
  for (const char* n : {"Unique Identifier", "Object Type", "Cryptographic Algorithm", "Cryptographic Length",
                        "Cryptographic Usage Mask", "State", "Initial Date", "Last Change Date"})
    EXPECT_NE(model::find_attribute(attrs, n), nullptr) << n;
  model::create_request des;
  des.template_attribute.attributes = {model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::triple_des),
                                       model::attr::cryptographic_length(168)};
  EXPECT_EQ(material_of(f.one(on<model::get_request>(create(f, des)))).size(), 24u);
  EXPECT_EQ(f.one(aes(100)).result_reason, result_reason::invalid_field);
  model::create_request none;
  EXPECT_EQ(f.one(none).result_reason, result_reason::invalid_field);
}

TEST(Engine, CreateWithPastActivationDateIsActive) {
  fixture f;
  auto id = create(f, aes(256, {model::attr::activation_date({f.clock->now() - 10})}));
  EXPECT_EQ(state_of(f, id), state::active);
  auto later = create(f, aes(256, {model::attr::activation_date({f.clock->now() + 100})}));
  EXPECT_EQ(state_of(f, later), state::pre_active);
  f.clock->advance(100);
  EXPECT_EQ(state_of(f, later), state::active);  // the clock drives the State
  f.one(model::add_attribute_request{later, model::attr::date("Deactivation Date", {f.clock->now() + 5}), {}});
  f.clock->advance(5);
  EXPECT_EQ(state_of(f, later), state::deactivated);
}

TEST(Engine, DiscoverVersionsAndQuery) {
  fixture f;
  auto r = f.one(model::discover_versions_request{});
  const auto& all = std::get<model::discover_versions_response>(*r.payload).protocol_versions;
  ASSERT_EQ(all.size(), 7u);
  EXPECT_EQ(all.front(), v21);
  EXPECT_EQ(all.back(), (kmip::spec::protocol_version{1, 0}));
  model::discover_versions_request some;
  some.protocol_versions = {{1, 2}, {3, 0}, {1, 1}};
  auto s = f.one(some);
  EXPECT_EQ(std::get<model::discover_versions_response>(*s.payload).protocol_versions,
            (std::vector<kmip::spec::protocol_version>{{1, 2}, {1, 1}}));

  model::query_request q;
  q.query_functions = {kmip::spec::query_function::query_operations, kmip::spec::query_function::query_objects,
                       kmip::spec::query_function::query_server_information};
  auto a = f.one(q);
  const auto& info = std::get<model::query_response>(*a.payload);
  EXPECT_EQ(info.vendor_identification, "kmip-harness kmipd 0.1.0");
  EXPECT_NE(std::find(info.operations.begin(), info.operations.end(), kmip::spec::operation::create), info.operations.end());
  EXPECT_EQ(std::find(info.operations.begin(), info.operations.end(), kmip::spec::operation::set_attribute),
            info.operations.end());  // 2.0 and later only
}

// Every Query Function, answered for the request's version (server/core/operations/query.cpp says why each answer
// is what it is).
TEST(Engine, QueryAnswersEveryFunctionForTheRequestsVersion) {
  using qf = kmip::spec::query_function;
  using pn = kmip::spec::profile_name;
  fixture f;
  auto ask = [&](std::vector<qf> functions, kmip::spec::protocol_version pv) {
    model::query_request q;
    q.query_functions = std::move(functions);
    auto r = f.one(q, pv);
    EXPECT_EQ(r.result_status, result_status::success) << r.result_message.value_or("");
    return r.payload ? std::get<model::query_response>(*r.payload) : model::query_response{};
  };
  auto profiles = [](const model::query_response& q) {
    std::vector<std::uint32_t> out;
    for (const auto& p : q.profile_information) out.push_back(p.item().find(kmip::spec::tag::profile_name)->as_enumeration());
    return out;
  };
  auto flag = [](const model::query_response& q, kmip::spec::tag t) -> std::optional<bool> {
    if (q.capability_information.size() != 1) return std::nullopt;
    auto x = q.capability_information[0].item().find(t);
    return x ? std::optional<bool>(x->as_boolean()) : std::nullopt;
  };
  constexpr kmip::spec::protocol_version v13{1, 3};

  auto q14 = ask({qf::query_profiles, qf::query_capabilities, qf::query_rngs}, v14);
  EXPECT_EQ(profiles(q14), (std::vector<std::uint32_t>{static_cast<std::uint32_t>(pn::symmetric_key_lifecycle_server_kmip_v1_1),
                                                       static_cast<std::uint32_t>(pn::symmetric_key_foundry_server_kmip_v1_1),
                                                       static_cast<std::uint32_t>(pn::symmetric_key_lifecycle_server_kmip_v1_4),
                                                       static_cast<std::uint32_t>(pn::symmetric_key_foundry_server_kmip_v1_4)}));
  EXPECT_EQ(flag(q14, kmip::spec::tag::streaming_capability), false);
  EXPECT_EQ(flag(q14, kmip::spec::tag::batch_undo_capability), true);
  EXPECT_EQ(flag(q14, kmip::spec::tag::batch_continue_capability), true);
  ASSERT_EQ(q14.capability_information.size(), 1u);
  EXPECT_EQ(q14.capability_information[0].item().find(kmip::spec::tag::destroy_action)->as_enumeration(),
            static_cast<std::uint32_t>(kmip::spec::destroy_action::key_material_deleted));
  ASSERT_EQ(q14.rng_parameters.size(), 1u);
  EXPECT_EQ(q14.rng_parameters[0].item().tag(), static_cast<std::uint32_t>(kmip::spec::tag::rng_parameters));
  EXPECT_TRUE(q14.rng_parameters[0].item().find(kmip::spec::tag::rng_algorithm));
  // On the wire, in the request's version.
  model::response_message m;
  m.header.protocol_version = v14;
  auto item = model::response_batch_item{};
  item.operation = kmip::spec::operation::query;
  item.result_status = result_status::success;
  item.payload = q14;
  m.batch_items = {item};
  auto wire = model::encode(m);
  ASSERT_TRUE(wire);
  const auto text = kmip::ttlv::to_text(wire->root());
  EXPECT_NE(text.find("Symmetric Key Lifecycle Server KMIP v1.4"), std::string::npos) << text;
  EXPECT_NE(text.find("Batch Undo Capability"), std::string::npos);

  // 1.3 has neither the v1.4 profile names nor the batch capabilities.
  auto q13 = ask({qf::query_profiles, qf::query_capabilities}, v13);
  EXPECT_EQ(profiles(q13).size(), 2u);
  EXPECT_EQ(flag(q13, kmip::spec::tag::streaming_capability), false);
  EXPECT_EQ(flag(q13, kmip::spec::tag::batch_undo_capability), std::nullopt);
  // 1.1 has no Query Profiles, Capabilities or RNGs at all; 2.1 claims no profile (none of its cases was run).
  auto q11 = ask({qf::query_profiles, qf::query_capabilities, qf::query_rngs}, v11);
  EXPECT_TRUE(q11.profile_information.empty());
  EXPECT_TRUE(q11.capability_information.empty());
  EXPECT_TRUE(q11.rng_parameters.empty());
  auto q21 = ask({qf::query_profiles, qf::query_storage_protection_masks, qf::query_objects}, v21);
  EXPECT_TRUE(q21.profile_information.empty());
  ASSERT_TRUE(q21.protection_storage_masks);
  EXPECT_EQ(q21.protection_storage_masks->masks,
            (std::vector<std::uint32_t>{static_cast<std::uint32_t>(kmip::spec::protection_storage_mask::software)}));
  EXPECT_EQ(q21.object_types.size(), 2u);
  // What kmipd has none of: an empty answer, still Success.
  auto none = ask({qf::query_application_namespaces, qf::query_extension_list, qf::query_extension_map,
                   qf::query_attestation_types, qf::query_validations, qf::query_client_registration_methods,
                   qf::query_defaults_information},
                  v21);
  EXPECT_TRUE(none.application_namespaces.empty());
  EXPECT_TRUE(none.extension_information.empty());
  EXPECT_TRUE(none.attestation_types.empty());
  EXPECT_TRUE(none.validation_information.empty());
  EXPECT_TRUE(none.client_registration_methods.empty());
  EXPECT_FALSE(none.defaults_information);
  EXPECT_TRUE(none.operations.empty());
}

// ---- lifecycle table ------------------------------------------------------------------------------------------
// Builds an object in each state, then runs each operation on it and compares the result with the spec's.
std::string in_state(fixture& f, state s, kmip::spec::protocol_version pv) {
  auto id = create(f, aes(), pv);
  auto ok = [&](auto req) { EXPECT_EQ(f.one(req, pv).result_status, result_status::success); };
  if (s == state::pre_active) return id;
  if (s == state::compromised || s == state::destroyed_compromised) {
    ok(revoke_req(id, kmip::spec::revocation_reason_code::key_compromise));
    if (s == state::destroyed_compromised) ok(on<model::destroy_request>(id));
    return id;
  }
  ok(on<model::activate_request>(id));
  if (s == state::active) return id;
  ok(revoke_req(id, kmip::spec::revocation_reason_code::cessation_of_operation));
  if (s == state::destroyed) ok(on<model::destroy_request>(id));
  return id;
}

TEST(Engine, LifecycleTable) {
  const state states[] = {state::pre_active, state::active, state::deactivated, state::compromised, state::destroyed,
                          state::destroyed_compromised};
  for (auto pv : {v11, v21}) {
    const auto wrong = pv == v11 ? result_reason::permission_denied : result_reason::wrong_key_lifecycle_state;
    const auto gone = pv == v11 ? result_reason::item_not_found : result_reason::object_destroyed;
    struct row {
      const char* op;
      std::optional<result_reason> expected[6];
    };
    const std::optional<result_reason> ok{};
    const row table[] = {
        //             Pre-Active Active Deactivated Compromised Destroyed Destroyed-Compromised
        {"Get", {ok, ok, ok, ok, gone, gone}},
        {"Activate", {ok, wrong, wrong, wrong, wrong, wrong}},
        {"Revoke(cessation)", {wrong, ok, wrong, wrong, wrong, wrong}},
        {"Revoke(compromise)", {ok, ok, ok, wrong, ok, wrong}},
        {"Destroy", {ok, wrong, ok, ok, wrong, wrong}},
        {"GetAttributes", {ok, ok, ok, ok, ok, ok}},
        {"AddAttribute(x-)", {ok, ok, ok, ok, ok, ok}},
        {"ModifyActivationDate", {ok, wrong, wrong, wrong, wrong, wrong}},
    };
    for (const auto& r : table) {
      for (int i = 0; i < 6; ++i) {
        fixture f;
        auto id = in_state(f, states[i], pv);
        ASSERT_EQ(state_of(f, id), states[i]);
        model::response_batch_item out;
        const std::string op = r.op;
        if (op == "Get") out = f.one(on<model::get_request>(id), pv);
        else if (op == "Activate") out = f.one(on<model::activate_request>(id), pv);
        else if (op == "Revoke(cessation)")
          out = f.one(revoke_req(id, kmip::spec::revocation_reason_code::cessation_of_operation), pv);
        else if (op == "Revoke(compromise)")
          out = f.one(revoke_req(id, kmip::spec::revocation_reason_code::key_compromise), pv);
        else if (op == "Destroy") out = f.one(on<model::destroy_request>(id), pv);
        else if (op == "GetAttributes") out = f.one(on<model::get_attributes_request>(id), pv);
        else if (op == "AddAttribute(x-)")
          out = f.one(model::add_attribute_request{id, model::attr::text("x-Note", "n"), {}}, pv);
        else {
          model::modify_attribute_request m;
          m.unique_identifier = id;
          m.attribute = model::attr::activation_date({f.clock->now() + 50});
          if (states[i] == state::pre_active)  // absent while Pre-Active: add it first
            f.one(model::add_attribute_request{id, model::attr::activation_date({f.clock->now() + 10}), {}}, pv);
          out = f.one(m, pv);
        }
        if (r.expected[i]) {
          EXPECT_EQ(out.result_status, result_status::operation_failed) << op << " in state " << i << " @" << pv.major;
          EXPECT_EQ(out.result_reason, r.expected[i]) << op << " in state " << i << " @" << pv.major;
        } else {
          EXPECT_EQ(out.result_status, result_status::success)
              << op << " in state " << i << " @" << pv.major << ": " << out.result_message.value_or("");
        }
      }
    }
  }
}

TEST(Engine, RevokeSetsStatesAndDates) {
  fixture f;
  auto id = in_state(f, state::active, v11);
  auto r = revoke_req(id, kmip::spec::revocation_reason_code::key_compromise);
  r.compromise_occurrence_date = model::date_time{f.clock->now() - 3600};
  ASSERT_EQ(f.one(r).result_status, result_status::success);
  auto all = f.one(on<model::get_attributes_request>(id));
  const auto& attrs = std::get<model::get_attributes_response>(*all.payload).attributes;
  EXPECT_EQ(model::find_attribute(attrs, "State")->enum_value<state>(), state::compromised);
  EXPECT_EQ(model::find_attribute(attrs, "Compromise Occurrence Date")->date()->seconds, f.clock->now() - 3600);
  EXPECT_NE(model::find_attribute(attrs, "Compromise Date"), nullptr);
  EXPECT_NE(model::find_attribute(attrs, "Revocation Reason"), nullptr);
}

TEST(Engine, UnknownIdAndUnsupportedOperation) {
  fixture f;
  EXPECT_EQ(f.one(on<model::get_request>("nope")).result_reason, result_reason::item_not_found);
  model::request_batch_item item;
  item.operation = kmip::spec::operation::archive;
  item.payload = model::opaque{};
  auto r = f.send({item});
  EXPECT_EQ(r.batch_items.at(0).result_reason, result_reason::operation_not_supported);
}

// ---- attributes ---------------------------------------------------------------------------------------------
TEST(Engine, CustomAttributesInstancesAndRules) {
  fixture f;
  auto id = create(f);
  for (const char* v : {"a", "b", "c"}) {
    auto r = f.one(model::add_attribute_request{id, model::attr::text("x-Tag", v), {}});
    ASSERT_EQ(r.result_status, result_status::success);
  }
  f.one(model::add_attribute_request{id, model::attr::integer("y-Count", 7), {}});
  model::get_attributes_request g = on<model::get_attributes_request>(id);
  g.attribute_references = {{"x-Tag"}, {"x-Absent"}};
  auto got = f.one(g);
  const auto& tags = std::get<model::get_attributes_response>(*got.payload).attributes;
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[2].index, 2);
  EXPECT_EQ(tags[2].text(), "c");

  model::modify_attribute_request m;
  m.unique_identifier = id;
  m.attribute = model::attr::text("x-Tag", "B");
  m.attribute.index = 1;
  ASSERT_EQ(f.one(m).result_status, result_status::success);
  model::delete_attribute_request d;
  d.unique_identifier = id;
  d.attribute_reference = model::attribute_reference{"x-Tag"};
  d.attribute_index = 0;
  ASSERT_EQ(f.one(d).result_status, result_status::success);
  got = f.one(g);
  const auto& left = std::get<model::get_attributes_response>(*got.payload).attributes;
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].text(), "B");
  EXPECT_EQ(f.one(d).result_reason, result_reason::invalid_field);  // index 0 is gone

  // Standard attributes: read-only ones refused; single-instance ones once.
  EXPECT_EQ(f.one(model::add_attribute_request{id, model::attr::cryptographic_length(128), {}}).result_reason,
            result_reason::permission_denied);
  EXPECT_EQ(f.one(model::add_attribute_request{id, model::attr::state(state::active), {}}).result_reason,
            result_reason::permission_denied);
  ASSERT_EQ(f.one(model::add_attribute_request{id, model::attr::text("Contact Information", "ops"), {}}).result_status,
            result_status::success);
  EXPECT_EQ(f.one(model::add_attribute_request{id, model::attr::text("Contact Information", "x"), {}}).result_reason,
            result_reason::invalid_field);
  EXPECT_EQ(f.one(model::add_attribute_request{id, model::attr::text("Name", "wrong type"), {}}).result_reason,
            result_reason::invalid_field);

  auto list = f.one(on<model::get_attribute_list_request>(id));
  const auto& names = std::get<model::get_attribute_list_response>(*list.payload).attribute_references;
  EXPECT_EQ(std::count_if(names.begin(), names.end(), [](auto& n) { return n.name == "x-Tag"; }), 1);
}

TEST(Engine, SetAttributeIn21) {
  fixture f;
  auto id = create(f, aes(), v21);
  model::set_attribute_request s;
  s.unique_identifier = id;
  s.attribute = model::attr::text("Contact Information", "a");
  EXPECT_EQ(f.one(s, v21).result_status, result_status::success);
  s.attribute = model::attr::text("Contact Information", "b");
  EXPECT_EQ(f.one(s, v21).result_status, result_status::success);
  s.attribute = model::attr::text("x-Multi", "b");
  EXPECT_EQ(f.one(s, v21).result_reason, result_reason::multi_valued_attribute);
  s.attribute = model::attr::cryptographic_length(128);
  EXPECT_EQ(f.one(s, v21).result_reason, result_reason::attribute_read_only);
}

// ---- locate ---------------------------------------------------------------------------------------------------
TEST(Engine, LocateFiltersAndPages) {
  fixture f;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(create(f, aes(i % 2 ? 128 : 256, {model::attr::name("key-" + std::to_string(i))})));
    f.one(model::add_attribute_request{ids.back(), model::attr::text("x-Name", i < 3 ? "vm-a" : "vm-b"), {}});
  }
  f.one(on<model::activate_request>(ids[4]));
  create(f, aes(), v11, "bob");  // invisible to alice
  auto find = [&](std::vector<model::attribute> attrs, std::optional<std::int32_t> max = {},
                  std::optional<std::int32_t> offset = {}) {
    model::locate_request l;
    l.attributes = std::move(attrs);
    l.maximum_items = max;
    l.offset_items = offset;
    auto r = f.one(l, v14);
    EXPECT_EQ(r.result_status, result_status::success);
    return std::get<model::locate_response>(*r.payload);
  };
  EXPECT_EQ(find({}).unique_identifiers, ids);
  EXPECT_FALSE(find({}).located_items);  // omitted unless the request pages (1.4 §4.9, SKFF-M-5-14)
  EXPECT_EQ(find({}, 10).located_items, 5);
  EXPECT_EQ(find({model::attr::text("x-Name", "vm-b")}).unique_identifiers, (std::vector{ids[3], ids[4]}));
  EXPECT_EQ(find({model::attr::name("key-2")}).unique_identifiers, std::vector{ids[2]});
  EXPECT_EQ(find({model::attr::state(state::active)}).unique_identifiers, std::vector{ids[4]});
  EXPECT_EQ(find({model::attr::cryptographic_length(128)}).unique_identifiers, (std::vector{ids[1], ids[3]}));
  EXPECT_EQ(find({model::attr::object_type(kmip::spec::object_type::secret_data)}).unique_identifiers.size(), 0u);
  auto page = find({}, 2, 1);
  EXPECT_EQ(page.unique_identifiers, (std::vector{ids[1], ids[2]}));
  EXPECT_EQ(page.located_items, 5);
  auto t = f.clock->now();
  EXPECT_EQ(find({model::attr::date("Initial Date", {t - 1}), model::attr::date("Initial Date", {t + 1})})
                .unique_identifiers.size(),
            5u);
}

// OASIS SKFF-M-5-14 (and -11): Create, Locate, Get, Destroy, Locate -> the second Locate finds nothing.
TEST(Engine, LocateSkipsDestroyedObjectsUnlessStateIsAsked) {
  fixture f;
  auto id = create(f);
  ASSERT_EQ(f.one(on<model::destroy_request>(id)).result_status, result_status::success);
  model::locate_request l;
  auto r = f.one(l, v14);
  ASSERT_EQ(r.result_status, result_status::success);
  EXPECT_TRUE(std::get<model::locate_response>(*r.payload).unique_identifiers.empty());
  l.attributes = {model::attr::state(state::destroyed)};
  r = f.one(l, v14);
  EXPECT_EQ(std::get<model::locate_response>(*r.payload).unique_identifiers, std::vector{id});
}

// ---- re-key ---------------------------------------------------------------------------------------------------
TEST(Engine, ReKeyLinksBothWays) {
  fixture f;
  auto old = create(f, aes(256, {model::attr::name("kek"), model::attr::text("x-Vendor", "VMware")}));
  f.one(on<model::activate_request>(old));
  auto req = on<model::re_key_request>(old);
  req.offset = model::interval{3600};
  auto r = f.one(req);
  ASSERT_EQ(r.result_status, result_status::success) << r.result_message.value_or("");
  auto fresh = std::get<model::re_key_response>(*r.payload).unique_identifier;
  EXPECT_NE(fresh, old);
  auto attrs_of = [&](const std::string& id) {
    return std::get<model::get_attributes_response>(*f.one(on<model::get_attributes_request>(id)).payload).attributes;
  };
  auto n = attrs_of(fresh), o = attrs_of(old);
  ASSERT_NE(model::find_attribute(n, "Link"), nullptr);
  EXPECT_EQ(model::find_attribute(n, "Link")->link_value()->type, kmip::spec::link_type::replaced_object_link);
  EXPECT_EQ(model::find_attribute(n, "Link")->link_value()->linked_object_identifier, old);
  EXPECT_EQ(model::find_attribute(o, "Link")->link_value()->type, kmip::spec::link_type::replacement_object_link);
  EXPECT_EQ(model::find_attribute(o, "Link")->link_value()->linked_object_identifier, fresh);
  EXPECT_EQ(model::find_attribute(n, "Name")->name_value()->value, "kek");
  EXPECT_EQ(model::find_attribute(o, "Name"), nullptr);
  EXPECT_EQ(model::find_attribute(n, "x-Vendor")->text(), "VMware");
  EXPECT_EQ(model::find_attribute(n, "Activation Date")->date()->seconds, f.clock->now() + 3600);
  EXPECT_EQ(state_of(f, fresh), state::pre_active);
  EXPECT_NE(material_of(f.one(on<model::get_request>(fresh))), material_of(f.one(on<model::get_request>(old))));
}

// ---- get: formats and wrapping ------------------------------------------------------------------------------
TEST(Engine, GetTransparentAndWrapped) {
  fixture f;
  auto key = create(f);
  auto kek = create(f);
  const auto plain = material_of(f.one(on<model::get_request>(key)));
  const auto kek_bytes = material_of(f.one(on<model::get_request>(kek)));

  auto t = on<model::get_request>(key);
  t.key_format_type = kmip::spec::key_format_type::transparent_symmetric_key;
  auto tr = f.one(t);
  ASSERT_EQ(tr.result_status, result_status::success);
  const auto& tk = std::get<model::symmetric_key>(std::get<model::get_response>(*tr.payload).object);
  const auto& mat = std::get<model::opaque>(std::get<model::key_value>(*tk.key_block.key_value).key_material);
  auto bytes = mat.item().find(kmip::spec::tag::key)->as_bytes();
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), plain.begin(), plain.end()));

  auto w = on<model::get_request>(key);
  model::key_wrapping_specification spec;
  spec.wrapping_method = kmip::spec::wrapping_method::encrypt;
  spec.encryption_key_information = model::key_information{kek, {}, {}};
  spec.encoding_option = kmip::spec::encoding_option::no_encoding;
  w.key_wrapping_specification = spec;
  EXPECT_EQ(f.one(w).result_reason, result_reason::permission_denied);  // the KEK is not Active yet (1.x)
  f.one(on<model::activate_request>(kek));
  for (auto mode : {kmip::spec::block_cipher_mode::nistkeywrap, kmip::spec::block_cipher_mode::aeskeywrappadding}) {
    model::opaque params;
    params.tree.begin_structure(kmip::spec::tag::cryptographic_parameters);
    params.tree.add_enum(kmip::spec::tag::block_cipher_mode, mode);
    params.tree.end_structure();
    w.key_wrapping_specification->encryption_key_information->cryptographic_parameters = params;
    auto wr = f.one(w);
    ASSERT_EQ(wr.result_status, result_status::success) << wr.result_message.value_or("");
    const auto& wk = std::get<model::symmetric_key>(std::get<model::get_response>(*wr.payload).object);
    ASSERT_TRUE(wk.key_block.key_wrapping_data);
    const auto& wrapped = std::get<common::secure_bytes>(*wk.key_block.key_value);
    auto back = aes_key_unwrap(kek_bytes, wrapped,
                               mode == kmip::spec::block_cipher_mode::nistkeywrap ? aes_wrap_mode::rfc3394
                                                                                   : aes_wrap_mode::rfc5649);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, plain);
  }
  w.key_wrapping_specification->encryption_key_information->unique_identifier = "missing";
  EXPECT_EQ(f.one(w).result_reason, result_reason::item_not_found);
}

TEST(Engine, RegisterSymmetricKeyAndSecretData) {
  fixture f;
  const std::vector<std::uint8_t> bytes(16, 0xAB);
  model::register_request r;
  r.object = model::symmetric_key::raw(kmip::spec::cryptographic_algorithm::aes, bytes);
  auto out = f.one(r);
  ASSERT_EQ(out.result_status, result_status::success) << out.result_message.value_or("");
  auto id = std::get<model::register_response>(*out.payload).unique_identifier;
  auto got = material_of(f.one(on<model::get_request>(id)));
  EXPECT_TRUE(std::equal(got.begin(), got.end(), bytes.begin(), bytes.end()));

  model::register_request s;
  s.object_type = kmip::spec::object_type::secret_data;
  model::secret_data sd;
  sd.key_block.key_format_type = kmip::spec::key_format_type::opaque;
  model::key_value kv;
  kv.key_material = common::secure_bytes{'p', 'w'};
  sd.key_block.key_value = kv;
  s.object = sd;
  auto so = f.one(s);
  ASSERT_EQ(so.result_status, result_status::success) << so.result_message.value_or("");
  auto sg = f.one(on<model::get_request>(std::get<model::register_response>(*so.payload).unique_identifier));
  EXPECT_EQ(sg.result_status, result_status::success);
}

// ---- permissions ----------------------------------------------------------------------------------------------
TEST(Engine, OtherIdentitiesAreRefusedUnlessGranted) {
  engine_options o;
  o.policy = policy({access_grant{"auditor", {kmip::spec::operation::get_attributes}}}, {"admin"});
  fixture f(o);
  auto id = create(f);
  EXPECT_EQ(f.one(on<model::get_request>(id), v11, "bob").result_reason, result_reason::permission_denied);
  EXPECT_EQ(f.one(on<model::destroy_request>(id), v11, "bob").result_reason, result_reason::permission_denied);
  EXPECT_EQ(f.one(on<model::get_attributes_request>(id), v11, "auditor").result_status, result_status::success);
  EXPECT_EQ(f.one(on<model::get_request>(id), v11, "auditor").result_reason, result_reason::permission_denied);
  EXPECT_EQ(f.one(on<model::get_request>(id), v11, "admin").result_status, result_status::success);
  auto l = f.one(model::locate_request{}, v11, "bob");
  EXPECT_TRUE(std::get<model::locate_response>(*l.payload).unique_identifiers.empty());
}

TEST(Engine, CredentialCheckHook) {
  engine_options o;
  o.check_credential = [](const model::username_password& c, const request_context&)
      -> common::expected<std::string, std::string> {
    if (c.password == "secret") return c.username;
    return common::unexpected(std::string("bad password"));
  };
  fixture f(o);
  model::request_message m;
  m.header.authentication = model::authentication{{model::credential::from_username_password("carol", "secret")}, {}};
  m.batch_items = {model::make_request_item(aes())};
  auto r = f.eng->handle(m, {"cert-cn", "", "test"});
  ASSERT_EQ(r.batch_items.at(0).result_status, result_status::success);
  EXPECT_EQ(f.audit->records().back().identity, "carol");
  m.header.authentication->credentials[0] = model::credential::from_username_password("carol", "wrong");
  r = f.eng->handle(m, {"cert-cn", "", "test"});
  EXPECT_EQ(r.batch_items.at(0).result_reason, result_reason::authentication_not_successful);
}

// kms.toml's password hashes (credentials.hpp) in the engine: the username is the identity; a wrong password, an
// unknown user, or no credential where one is required is Authentication Not Successful, audited under the
// certificate's identity; no audit record holds the password.
TEST(Engine, ConfiguredCredentials) {
  auto hash = hash_password("vc-Passw0rd", 1000);
  ASSERT_TRUE(hash) << hash.error();
  engine_options o;
  o.check_credential = make_credential_check({{"vcenter", *hash}});
  o.require_credential = true;
  fixture f(o);
  const auto send = [&](std::optional<model::credential> c) {
    model::request_message m;
    if (c) m.header.authentication = model::authentication{{std::move(*c)}, {}};
    m.batch_items = {model::make_request_item(aes())};
    return f.eng->handle(m, {"cert-cn", "127.0.0.1:1", "tls"}).batch_items.at(0);
  };
  EXPECT_EQ(send(model::credential::from_username_password("vcenter", "vc-Passw0rd")).result_status,
            result_status::success);
  EXPECT_EQ(f.audit->records().back().identity, "vcenter");
  for (auto c : {std::optional(model::credential::from_username_password("vcenter", "vc-passw0rd")),
                 std::optional(model::credential::from_username_password("root", "vc-Passw0rd")),
                 std::optional<model::credential>()}) {
    const auto r = send(c);
    EXPECT_EQ(r.result_status, result_status::operation_failed);
    EXPECT_EQ(r.result_reason, result_reason::authentication_not_successful);
    EXPECT_EQ(f.audit->records().back().identity, "cert-cn");
    EXPECT_EQ(f.audit->records().back().result_reason, "Authentication Not Successful");
    if (r.result_message) {
      EXPECT_EQ(r.result_message->find("assw0rd"), std::string::npos) << *r.result_message;
    }
  }
  for (const auto& rec : f.audit->records()) EXPECT_EQ(to_json_line(rec).find("assw0rd"), std::string::npos);
}

// ---- batches --------------------------------------------------------------------------------------------------
TEST(Engine, BatchContinuationOptions) {
  using opt = kmip::spec::batch_error_continuation_option;
  for (auto option : {opt::stop, opt::continue_, opt::undo}) {
    fixture f;
    model::request_message m;
    m.header.protocol_version = v11;
    m.header.batch_error_continuation_option = option;
    m.batch_items = {model::make_request_item(aes(), std::vector<std::uint8_t>{1}),
                     model::make_request_item(on<model::get_request>("missing"), std::vector<std::uint8_t>{2}),
                     model::make_request_item(aes(), std::vector<std::uint8_t>{3})};
    auto r = f.eng->handle(m, {"alice", "", "test"});
    const auto located = [&] {
      return std::get<model::locate_response>(*f.one(model::locate_request{}).payload).unique_identifiers.size();
    };
    if (option == opt::continue_) {
      ASSERT_EQ(r.batch_items.size(), 3u);
      EXPECT_EQ(r.batch_items[2].result_status, result_status::success);
      EXPECT_EQ(r.batch_items[2].unique_batch_item_id, (std::vector<std::uint8_t>{3}));
      EXPECT_EQ(located(), 2u);
    } else {
      ASSERT_EQ(r.batch_items.size(), 2u);
      EXPECT_EQ(r.batch_items[1].result_reason, result_reason::item_not_found);
      EXPECT_EQ(r.batch_items[0].result_status,
                option == opt::undo ? result_status::operation_undone : result_status::success);
      EXPECT_EQ(located(), option == opt::undo ? 0u : 1u);
    }
  }
}

TEST(Engine, IdPlaceholderChainsBatchItems) {
  fixture f;
  auto r = f.send({model::make_request_item(aes(), std::vector<std::uint8_t>{1}),
                   model::make_request_item(model::activate_request{}, std::vector<std::uint8_t>{2}),
                   model::make_request_item(model::get_request{}, std::vector<std::uint8_t>{3})});
  ASSERT_EQ(r.batch_items.size(), 3u);
  for (const auto& i : r.batch_items) EXPECT_EQ(i.result_status, result_status::success) << i.result_message.value_or("");
}

TEST(Engine, MaximumResponseSize) {
  fixture f;
  auto id = create(f);
  model::request_message m;
  m.header.maximum_response_size = 64;
  m.batch_items = {model::make_request_item(on<model::get_request>(id))};
  auto r = f.eng->handle(m, {"alice", "", "test"});
  EXPECT_EQ(r.batch_items.at(0).result_reason, result_reason::response_too_large);
}

// ---- bytes in ---------------------------------------------------------------------------------------------------
TEST(Engine, MalformedAndTruncatedBytesGetInvalidMessage) {
  fixture f;
  model::request_message m;
  m.header.protocol_version = v14;
  m.batch_items = {model::make_request_item(aes())};
  auto good = model::to_bytes(m);
  ASSERT_TRUE(good);
  for (std::size_t cut : {std::size_t{0}, std::size_t{7}, std::size_t{8}, good->size() / 2, good->size() - 1}) {
    std::vector<std::uint8_t> bad(good->begin(), good->begin() + static_cast<std::ptrdiff_t>(cut));
    auto out = f.eng->handle_bytes(bad, {"alice", "", "test"});
    auto r = model::response_from_bytes(out);
    ASSERT_TRUE(r) << cut;
    ASSERT_EQ(r->batch_items.size(), 1u);
    EXPECT_EQ(r->batch_items[0].result_reason, result_reason::invalid_message) << cut;
    // Answered in the request's version once its header's Protocol Version is readable (56 bytes in).
    EXPECT_EQ(r->header.protocol_version, (cut >= 56 ? v14 : kmip::spec::protocol_version{1, 0})) << cut;
  }
  ASSERT_GT(good->size() / 2, 56u);
  // A readable header with a version no rules apply to (major 0): 1.0.
  auto v9 = *good;
  v9[35] = 0;
  v9.resize(v9.size() - 1);
  auto r9 = model::response_from_bytes(f.eng->handle_bytes(v9, {"alice", "", "test"}));
  ASSERT_TRUE(r9);
  EXPECT_EQ(r9->header.protocol_version, (kmip::spec::protocol_version{1, 0}));
  std::vector<std::uint8_t> junk(40, 0xFF);
  auto r = model::response_from_bytes(f.eng->handle_bytes(junk, {}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header.protocol_version, (kmip::spec::protocol_version{1, 0}));
  auto ok = model::response_from_bytes(f.eng->handle_bytes(*good, {"alice", "", "test"}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->header.protocol_version, v14);
  EXPECT_EQ(ok->header.time_stamp.seconds, f.clock->now());
}

// ---- audit ----------------------------------------------------------------------------------------------------
TEST(Engine, AuditRecordsEveryItemAndNoKeyMaterial) {
  fixture f;
  std::vector<common::secure_bytes> keys;
  for (int i = 0; i < 8; ++i) {
    auto id = create(f);
    keys.push_back(material_of(f.one(on<model::get_request>(id))));
    f.one(on<model::get_request>("missing-" + std::to_string(i)));
  }
  auto records = f.audit->records();
  EXPECT_EQ(records.size(), 24u);
  EXPECT_EQ(records.at(0).operation, "Create");
  EXPECT_EQ(records.at(2).result_reason, "Item Not Found");
  std::string all;
  for (const auto& l : f.audit->lines()) all += l;
  for (const auto& k : keys) {
    std::string raw(k.begin(), k.end());
    EXPECT_EQ(all.find(raw), std::string::npos);
    static constexpr char hex[] = "0123456789abcdef";
    std::string h;
    for (auto b : k) { h += hex[b >> 4]; h += hex[b & 15]; }
    EXPECT_EQ(all.find(h), std::string::npos);
  }
}


// ---- server-set attributes: Digest, Fresh, Lease Time, RNG, Sensitive/Extractable, Original Creation Date --------
std::vector<model::attribute> attributes_of(fixture& f, const std::string& id, kmip::spec::protocol_version pv = v14,
                                            std::vector<model::attribute_reference> names = {}) {
  auto g = on<model::get_attributes_request>(id);
  g.attribute_references = std::move(names);
  auto r = f.one(g, pv);
  EXPECT_EQ(r.result_status, result_status::success) << r.result_message.value_or("");
  return r.payload ? std::get<model::get_attributes_response>(*r.payload).attributes : std::vector<model::attribute>{};
}

std::vector<std::string> attribute_list(fixture& f, const std::string& id, kmip::spec::protocol_version pv) {
  auto r = f.one(on<model::get_attribute_list_request>(id), pv);
  std::vector<std::string> out;
  if (r.payload)
    for (const auto& a : std::get<model::get_attribute_list_response>(*r.payload).attribute_references)
      out.push_back(a.name);
  return out;
}

std::vector<std::uint8_t> sha256(std::span<const std::uint8_t> in) {
  std::vector<std::uint8_t> md(EVP_MAX_MD_SIZE);
  unsigned int n = 0;
  EXPECT_EQ(EVP_Digest(in.data(), in.size(), md.data(), &n, EVP_sha256(), nullptr), 1);
  md.resize(n);
  return md;
}

// The Digest Value of the object's Digest, checking Hashing Algorithm SHA-256 and the Key Format Type.
std::vector<std::uint8_t> digest_of(const std::vector<model::attribute>& attrs, kmip::spec::key_format_type kft) {
  const auto* d = model::find_attribute(attrs, "Digest");
  if (!d) {
    ADD_FAILURE() << "no Digest";
    return {};
  }
  auto v = d->value_item();
  EXPECT_EQ(v.find(kmip::spec::tag::hashing_algorithm)->as_enumeration(),
            static_cast<std::uint32_t>(kmip::spec::hashing_algorithm::sha_256));
  EXPECT_EQ(v.find(kmip::spec::tag::key_format_type)->as_enumeration(), static_cast<std::uint32_t>(kft));
  auto b = v.find(kmip::spec::tag::digest_value)->as_bytes();
  return {b.begin(), b.end()};
}

std::size_t instances_count(const std::vector<model::attribute>& attrs, std::string_view name) {
  return static_cast<std::size_t>(std::count_if(attrs.begin(), attrs.end(), [&](const auto& a) { return a.name == name; }));
}

std::optional<bool> flag(const std::vector<model::attribute>& attrs, std::string_view name) {
  const auto* a = model::find_attribute(attrs, name);
  return a ? a->boolean() : std::nullopt;
}

TEST(ServerSetAttributes, CreateSetsEveryOne) {
  fixture f;
  auto id = create(f, aes(), v14);
  auto attrs = attributes_of(f, id);
  EXPECT_EQ(flag(attrs, "Fresh"), true);
  EXPECT_EQ(model::find_attribute(attrs, "Lease Time")->interval()->seconds, 0xFFFFFFFFu);  // no lease limit
  EXPECT_EQ(flag(attrs, "Sensitive"), false);
  EXPECT_EQ(flag(attrs, "Always Sensitive"), false);
  EXPECT_EQ(flag(attrs, "Extractable"), true);
  EXPECT_EQ(flag(attrs, "Never Extractable"), false);
  EXPECT_EQ(model::find_attribute(attrs, "Original Creation Date")->date(),
            model::find_attribute(attrs, "Initial Date")->date());  // 1.4 §3.43
  const auto* rng = model::find_attribute(attrs, "Random Number Generator");
  ASSERT_NE(rng, nullptr);  // seeded_random: details unknown, so Unspecified (1.4 §3.44)
  EXPECT_EQ(rng->value_item().find(kmip::spec::tag::rng_algorithm)->as_enumeration(),
            static_cast<std::uint32_t>(kmip::spec::rng_algorithm::unspecified));
  // Digest: SHA-256 over the Raw key, checked with OpenSSL against the key Get returns.
  const auto material = material_of(f.one(on<model::get_request>(id), v14));
  EXPECT_EQ(digest_of(attrs, kmip::spec::key_format_type::raw), sha256(material));
  EXPECT_EQ(model::find_attribute(attrs, "Digest")->index.value_or(0), 0);

  engine_options o;
  o.lease_time = 3600;
  fixture g(o);
  EXPECT_EQ(model::find_attribute(attributes_of(g, create(g)), "Lease Time")->interval()->seconds, 3600u);
}

TEST(ServerSetAttributes, ResponsesShowOnlyWhatTheVersionHas) {
  fixture f;
  auto id = create(f, aes(), v11);  // stored whatever the request's version
  auto has = [](const std::vector<model::attribute>& a, const char* n) { return model::find_attribute(a, n) != nullptr; };
  auto a10 = attributes_of(f, id, {1, 0});
  EXPECT_TRUE(has(a10, "Digest"));
  EXPECT_TRUE(has(a10, "Lease Time"));
  EXPECT_FALSE(has(a10, "Fresh"));  // 1.1
  auto a11 = attributes_of(f, id, v11);
  EXPECT_TRUE(has(a11, "Fresh"));
  EXPECT_FALSE(has(a11, "Original Creation Date"));  // 1.2
  EXPECT_TRUE(has(attributes_of(f, id, {1, 2}), "Original Creation Date"));
  auto a12 = attributes_of(f, id, {1, 2});
  EXPECT_FALSE(has(a12, "Random Number Generator"));  // 1.3
  auto a13 = attributes_of(f, id, {1, 3});
  EXPECT_TRUE(has(a13, "Random Number Generator"));
  for (const char* n : {"Sensitive", "Always Sensitive", "Extractable", "Never Extractable"}) {  // 1.4
    EXPECT_FALSE(has(a13, n)) << n;
    EXPECT_TRUE(has(attributes_of(f, id, v14), n)) << n;
    EXPECT_TRUE(has(attributes_of(f, id, v21), n)) << n;
    EXPECT_TRUE(attributes_of(f, id, v11, {{n}}).empty()) << n;  // named explicitly: still not in 1.1
  }
  auto l11 = attribute_list(f, id, v11), l14 = attribute_list(f, id, v14);
  auto listed = [](const std::vector<std::string>& l, const char* n) { return std::count(l.begin(), l.end(), n) == 1; };
  for (const char* n : {"Digest", "Fresh", "Lease Time"}) {
    EXPECT_TRUE(listed(l11, n)) << n;
    EXPECT_TRUE(listed(l14, n)) << n;
  }
  for (const char* n : {"Random Number Generator", "Sensitive", "Always Sensitive", "Extractable",
                        "Never Extractable", "Original Creation Date"}) {
    EXPECT_FALSE(listed(l11, n)) << n;
    EXPECT_TRUE(listed(l14, n)) << n;
  }
  // A 1.1 client cannot set a 1.4 attribute either.
  EXPECT_EQ(f.one(model::add_attribute_request{id, model::attr::boolean("Sensitive", true), {}}, v11).result_reason,
            result_reason::invalid_field);
  EXPECT_EQ(f.one(aes(256, {model::attr::boolean("Extractable", false)}), v11).result_reason,
            result_reason::invalid_field);
}

TEST(ServerSetAttributes, DigestOfRegisteredObjectsUsesTheirKeyFormatType) {
  fixture f;
  const std::vector<std::uint8_t> key(16, 0x5A);
  auto register_id = [&](model::register_request r) {
    auto out = f.one(std::move(r), v14);
    EXPECT_EQ(out.result_status, result_status::success) << out.result_message.value_or("");
    return out.payload ? std::get<model::register_response>(*out.payload).unique_identifier : std::string{};
  };
  model::register_request raw;
  raw.object = model::symmetric_key::raw(kmip::spec::cryptographic_algorithm::aes, key);
  auto raw_attrs = attributes_of(f, register_id(raw));
  EXPECT_EQ(digest_of(raw_attrs, kmip::spec::key_format_type::raw), sha256(key));
  // A client-registered key: kmipd did not generate it, so no Random Number Generator or Original Creation Date.
  EXPECT_EQ(model::find_attribute(raw_attrs, "Random Number Generator"), nullptr);
  EXPECT_EQ(model::find_attribute(raw_attrs, "Original Creation Date"), nullptr);
  EXPECT_EQ(flag(raw_attrs, "Fresh"), true);

  // Transparent Symmetric Key: the Key Material is a structure, so the digest is over its TTLV encoding
  // (1.4 §3.17): 42 00 43 | 01 | 00 00 00 18 | 42 00 3F | 08 | 00 00 00 10 | key.
  model::register_request tr;
  model::symmetric_key sk;
  sk.key_block.key_format_type = kmip::spec::key_format_type::transparent_symmetric_key;
  sk.key_block.cryptographic_algorithm = kmip::spec::cryptographic_algorithm::aes;
  sk.key_block.cryptographic_length = 128;
  model::opaque km;
  km.tree.begin_structure(kmip::spec::tag::key_material);
  km.tree.add_bytes(kmip::spec::tag::key, key);
  km.tree.end_structure();
  model::key_value kv;
  kv.key_material = km;
  sk.key_block.key_value = kv;
  tr.object = sk;
  std::vector<std::uint8_t> encoded{0x42, 0x00, 0x43, 0x01, 0, 0, 0, 0x18, 0x42, 0x00, 0x3F, 0x08, 0, 0, 0, 0x10};
  for (auto b : key) encoded.push_back(b);
  EXPECT_EQ(digest_of(attributes_of(f, register_id(tr)), kmip::spec::key_format_type::transparent_symmetric_key),
            sha256(encoded));

  model::register_request s;
  s.object_type = kmip::spec::object_type::secret_data;
  model::secret_data sd;
  sd.key_block.key_format_type = kmip::spec::key_format_type::opaque;
  model::key_value skv;
  skv.key_material = common::secure_bytes{'p', 'w'};
  sd.key_block.key_value = skv;
  s.object = sd;
  EXPECT_EQ(digest_of(attributes_of(f, register_id(s)), kmip::spec::key_format_type::opaque),
            sha256(std::vector<std::uint8_t>{'p', 'w'}));
}

TEST(ServerSetAttributes, DigestIsStaticAndSurvivesDestroy) {
  fixture f;
  auto id = create(f, aes(), v14);
  const auto before = digest_of(attributes_of(f, id), kmip::spec::key_format_type::raw);
  ASSERT_EQ(f.one(on<model::destroy_request>(id), v14).result_status, result_status::success);
  auto after = attributes_of(f, id);
  ASSERT_EQ(model::find_attribute(after, "State")->enum_value<state>(), state::destroyed);
  // 1.4 §3.17: digests are static; the material is gone but its digest stays (as the OASIS SKLC-O-1-14 shows).
  EXPECT_EQ(digest_of(after, kmip::spec::key_format_type::raw), before);
  // Client cannot add, change or delete it.
  auto d = model::find_attribute(after, "Digest");
  EXPECT_EQ(f.one(model::add_attribute_request{id, *d, {}}, v14).result_reason, result_reason::permission_denied);
}

TEST(ServerSetAttributes, FreshTurnsFalseWhenServed) {
  fixture f;
  auto id = create(f, aes(), v14);
  const auto changed = model::find_attribute(attributes_of(f, id), "Last Change Date")->date();
  f.clock->advance(10);
  EXPECT_EQ(flag(attributes_of(f, id), "Fresh"), true);  // reading attributes does not serve the object
  ASSERT_EQ(f.one(on<model::get_request>(id), v14).result_status, result_status::success);
  auto attrs = attributes_of(f, id);
  EXPECT_EQ(flag(attrs, "Fresh"), false);
  EXPECT_EQ(model::find_attribute(attrs, "Last Change Date")->date(), changed);  // Get is not a change (§3.38)
  EXPECT_EQ(f.one(model::modify_attribute_request{id, {}, model::attr::boolean("Fresh", true), {}}, v14).result_reason,
            result_reason::permission_denied);
}

TEST(ServerSetAttributes, SensitiveAndExtractableKeepTheirHistory) {
  fixture f;
  auto id = create(f, aes(256, {model::attr::boolean("Sensitive", true)}), v14);
  EXPECT_EQ(flag(attributes_of(f, id), "Always Sensitive"), true);
  EXPECT_EQ(f.one(on<model::get_request>(id), v14).result_reason, result_reason::sensitive);
  EXPECT_EQ(f.one(on<model::get_request>(id), v11).result_reason, result_reason::permission_denied);
  auto set = [&](const std::string& key, const char* name, bool v) {
    auto r = f.one(model::modify_attribute_request{key, {}, model::attr::boolean(name, v), {}}, v14);
    EXPECT_EQ(r.result_status, result_status::success) << r.result_message.value_or("");
  };
  set(id, "Sensitive", false);
  EXPECT_EQ(flag(attributes_of(f, id), "Always Sensitive"), false);
  set(id, "Sensitive", true);
  EXPECT_EQ(flag(attributes_of(f, id), "Always Sensitive"), false);  // it has been False once
  model::delete_attribute_request del;
  del.unique_identifier = id;
  del.attribute_reference = model::attribute_reference{"Sensitive"};
  EXPECT_EQ(f.one(del, v14).result_reason, result_reason::permission_denied);  // not deletable (§3.48)

  auto locked = create(f, aes(256, {model::attr::boolean("Extractable", false)}), v14);
  EXPECT_EQ(flag(attributes_of(f, locked), "Never Extractable"), true);
  EXPECT_EQ(f.one(on<model::get_request>(locked), v14).result_reason, result_reason::not_extractable);
  set(locked, "Extractable", true);
  EXPECT_EQ(flag(attributes_of(f, locked), "Never Extractable"), false);
  EXPECT_EQ(f.one(on<model::get_request>(locked), v14).result_status, result_status::success);
  set(locked, "Extractable", false);
  EXPECT_EQ(flag(attributes_of(f, locked), "Never Extractable"), false);  // it has been True once
  EXPECT_EQ(model::find_attribute(attributes_of(f, locked), "Always Sensitive")->boolean(), false);
}

TEST(ServerSetAttributes, ReKeyGivesTheNewKeyItsOwn) {
  fixture f;
  auto old = create(f, aes(256, {model::attr::boolean("Sensitive", false)}), v14);
  ASSERT_EQ(f.one(on<model::get_request>(old), v14).result_status, result_status::success);  // old: Fresh False
  f.clock->advance(100);
  auto r = f.one(on<model::re_key_request>(old), v14);
  ASSERT_EQ(r.result_status, result_status::success) << r.result_message.value_or("");
  auto id = std::get<model::re_key_response>(*r.payload).unique_identifier;
  auto n = attributes_of(f, id), o = attributes_of(f, old);
  EXPECT_EQ(flag(n, "Fresh"), true);
  EXPECT_EQ(model::find_attribute(n, "Original Creation Date")->date()->seconds, f.clock->now());
  EXPECT_NE(model::find_attribute(n, "Original Creation Date")->date(),
            model::find_attribute(o, "Original Creation Date")->date());
  EXPECT_EQ(instances_count(n, "Digest"), 1u);
  EXPECT_NE(digest_of(n, kmip::spec::key_format_type::raw), digest_of(o, kmip::spec::key_format_type::raw));
  EXPECT_EQ(digest_of(n, kmip::spec::key_format_type::raw), sha256(material_of(f.one(on<model::get_request>(id), v14))));
  EXPECT_NE(model::find_attribute(n, "Random Number Generator"), nullptr);
}

TEST(ServerSetAttributes, RandomNumberGeneratorInATemplateMustMatch) {
  fixture f;
  auto rng = [](kmip::spec::rng_algorithm a) {
    kmip::model::attribute x;
    x.name = "Random Number Generator";
    x.value.begin_structure(kmip::spec::tag::attribute_value);
    x.value.add_enum(kmip::spec::tag::rng_algorithm, a);
    x.value.end_structure();
    return x;
  };
  EXPECT_EQ(f.one(aes(256, {rng(kmip::spec::rng_algorithm::unspecified)}), v14).result_status, result_status::success);
  EXPECT_EQ(f.one(aes(256, {rng(kmip::spec::rng_algorithm::ansi_x9_31)}), v14).result_reason,
            result_reason::invalid_field);  // 1.4 §3.44: the server cannot use that generator

  // OpenSSL's DRBG describes itself (CTR-DRBG with AES-256 unless openssl.cnf says otherwise).
  auto ossl = random_number_generator(openssl_random{});
  EXPECT_EQ(ossl.value_item().find(kmip::spec::tag::rng_algorithm)->as_enumeration(),
            static_cast<std::uint32_t>(kmip::spec::rng_algorithm::drbg));
  EXPECT_TRUE(ossl.value_item().find(kmip::spec::tag::drbg_algorithm));
}

TEST(ServerSetAttributes, RecordsFromBeforeGetDefaultsOnRead) {
  fixture f;
  // A record as an earlier kmipd stored it: none of the attributes above.
  stored_object old;
  old.id = "legacy-1";
  old.owner = "alice";
  old.key_material = common::secure_bytes(32, 0x11);
  old.attributes = {model::attr::text("Unique Identifier", old.id),
                    model::attr::object_type(kmip::spec::object_type::symmetric_key),
                    model::attr::cryptographic_algorithm(kmip::spec::cryptographic_algorithm::aes),
                    model::attr::cryptographic_length(256), model::attr::state(state::pre_active)};
  std::vector<write_op> w;
  w.push_back(write_op::insert(old));
  ASSERT_TRUE(f.eng->store().commit(std::move(w)));
  auto attrs = attributes_of(f, "legacy-1");
  EXPECT_EQ(digest_of(attrs, kmip::spec::key_format_type::raw), sha256(old.key_material));
  EXPECT_EQ(flag(attrs, "Sensitive"), false);
  EXPECT_EQ(flag(attrs, "Extractable"), true);
  EXPECT_EQ(flag(attrs, "Always Sensitive"), false);  // history unknown: not claimed
  EXPECT_EQ(flag(attrs, "Never Extractable"), false);
  for (const char* n : {"Fresh", "Random Number Generator", "Original Creation Date"})
    EXPECT_EQ(model::find_attribute(attrs, n), nullptr) << n;  // unknowable for an old record
}

// ---- durability: the answer waits for the store's sync ------------------------------------------------------

// A memory store with SQLite's group commit: commits are visible at once and durable after a sync of the group,
// whose sync function the test holds at a gate and makes succeed or fail.
class held_sync_store final : public object_store {
 public:
  store_result<std::optional<stored_object>> get(std::string_view id) override { return inner_.get(id); }
  store_result<void> commit(std::vector<write_op> writes) override {
    auto r = inner_.commit(std::move(writes));
    if (r) group_.wrote();
    return r;
  }
  store_result<std::vector<std::string>> locate(const locate_filter& f) override { return inner_.locate(f); }
  store_result<void> sync() override { return result(group_.sync()); }
  void sync_async(std::function<void(store_result<void>)> done) override {
    group_.sync_async([done = std::move(done)](bool ok) { done(result(ok)); });
  }

  void succeed(bool ok) { ok_ = ok; }
  bool await_sync_entered() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  std::uint64_t syncs() const { return group_.syncs(); }

 private:
  static store_result<void> result(bool ok) {
    if (ok) return {};
    return common::unexpected{store_error{store_errc::io, "test store: the sync failed"}};
  }
  bool run_sync() {
    std::unique_lock lock(mutex_);
    entered_ = true;
    changed_.notify_all();
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return open_; });
    return ok_;
  }
  memory_store inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false, open_ = false;
  std::atomic<bool> ok_{true};
  group_sync group_{[this] { return run_sync(); }};  // last: its syncer thread stops before the rest goes
};

model::request_message request_of(model::request_batch_item item) {
  model::request_message m;
  m.header.protocol_version = {1, 1};
  m.batch_items.push_back(std::move(item));
  return m;
}

// A Create is not answered before its sync, and a Locate that already sees it is not answered before that sync
// either: nothing is read by another client before it is durable.
TEST(EngineDurability, CreateAndAReadOfItWaitForTheSameSync) {
  auto owned = std::make_unique<held_sync_store>();
  held_sync_store& store = *owned;
  fixture f({}, std::move(owned));
  std::promise<model::response_message> created, located;
  auto created_answer = created.get_future();
  auto located_answer = located.get_future();
  const request_context ctx{"alice", "127.0.0.1:1", "test"};
  f.eng->handle_async(request_of(model::make_request_item(aes())), ctx,
                      [&](model::response_message r) { created.set_value(std::move(r)); });
  ASSERT_TRUE(store.await_sync_entered());
  f.eng->handle_async(request_of(model::make_request_item(model::locate_request{})), ctx,
                      [&](model::response_message r) { located.set_value(std::move(r)); });
  EXPECT_EQ(created_answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_EQ(located_answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_TRUE(f.audit->records().empty());  // audited once durable, before the answer
  store.open();
  ASSERT_EQ(created_answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(located_answer.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto c = created_answer.get();
  auto l = located_answer.get();
  ASSERT_EQ(c.batch_items.size(), 1u);
  ASSERT_EQ(c.batch_items[0].result_status, result_status::success);
  ASSERT_EQ(l.batch_items.size(), 1u);
  ASSERT_EQ(l.batch_items[0].result_status, result_status::success);
  EXPECT_EQ(std::get<model::locate_response>(*l.batch_items[0].payload).unique_identifiers.size(), 1u);
  EXPECT_EQ(store.syncs(), 1u);
  EXPECT_EQ(f.audit->records().size(), 2u);
}

// A failed sync answers that message General Failure (audited as failed), and every later message too, reads
// included, without another sync.
TEST(EngineDurability, AFailedSyncFailsThatRequestAndEveryLaterOne) {
  auto owned = std::make_unique<held_sync_store>();
  held_sync_store& store = *owned;
  store.succeed(false);
  store.open();
  fixture f({}, std::move(owned));
  auto first = f.one(aes());
  EXPECT_EQ(first.result_status, result_status::operation_failed);
  EXPECT_EQ(first.result_reason, result_reason::general_failure);
  auto second = f.one(aes());
  EXPECT_EQ(second.result_reason, result_reason::general_failure);
  auto read = f.one(model::locate_request{});
  EXPECT_EQ(read.result_reason, result_reason::general_failure);
  EXPECT_EQ(store.syncs(), 1u);
  auto audits = f.audit->records();
  ASSERT_EQ(audits.size(), 3u);
  for (const auto& a : audits) {
    EXPECT_EQ(a.result_status, "Operation Failed") << a.operation;
    EXPECT_EQ(a.result_reason.value_or(""), "General Failure") << a.operation;
  }
}

}  // namespace
}  // namespace kmipd::core
