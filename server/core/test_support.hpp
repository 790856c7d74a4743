// PRIVATE to the server/core tests: an engine over a memory store with a manual clock, a seeded random source
// and an in-memory audit, plus small request builders.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/core/memory_store.hpp"

namespace kmipd::core::testing {

struct fixture {
  std::shared_ptr<manual_clock> clock = std::make_shared<manual_clock>(1700000000);
  std::shared_ptr<common::seeded_random> random = std::make_shared<common::seeded_random>(42);
  std::shared_ptr<memory_audit_sink> audit = std::make_shared<memory_audit_sink>();
  std::unique_ptr<engine> eng;

  explicit fixture(engine_options options = {}, std::unique_ptr<object_store> store = nullptr) {
    if (!store) store = std::make_unique<memory_store>();
    eng = std::make_unique<engine>(std::move(options), std::move(store), environment{clock, random, audit});
  }

  kmip::model::response_message send(std::vector<kmip::model::request_batch_item> items,
                                     kmip::spec::protocol_version pv = {1, 1}, const std::string& who = "alice") {
    kmip::model::request_message m;
    m.header.protocol_version = pv;
    m.batch_items = std::move(items);
    return eng->handle(m, {who, "127.0.0.1:1", "test"});
  }
  template <class Payload>
  kmip::model::response_batch_item one(Payload p, kmip::spec::protocol_version pv = {1, 1},
                                       const std::string& who = "alice") {
    auto r = send({kmip::model::make_request_item(std::move(p))}, pv, who);
    return r.batch_items.empty() ? kmip::model::response_batch_item{} : r.batch_items.front();
  }
};

}  // namespace kmipd::core::testing
