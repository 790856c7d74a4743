#include "vcenter_sim/test_kms.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>

#include "kmip/client/typed.hpp"
#include "kmip/net/testing/fixtures.hpp"
#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/core/memory_store.hpp"
#include "server/net/server.hpp"

namespace vcenter_sim::testing {

namespace fixtures = kmip::net::testing;
using namespace std::chrono_literals;

struct test_kms::impl {
  std::shared_ptr<kmipd::core::engine> engine;
  kmip::net::tls_context_ptr tls;
  struct listener {
    std::uint16_t port = 0;
    std::unique_ptr<kmipd::net::server> server;
  };
  std::vector<listener> listeners;

  void listen(listener& l) {
    kmipd::net::server_options o;
    o.kmip = {true, "127.0.0.1", l.port, tls};
    o.http = {false, "127.0.0.1", 0, nullptr};
    o.threads = 1;
    o.handshake_timeout = 5s;
    o.idle_timeout = 5s;
    auto e = engine;
    auto s = kmipd::net::server::start(o, [e](std::span<const std::uint8_t> req, const kmipd::core::request_context& ctx) {
      return e->handle_bytes(req, ctx);
    });
    if (!s) {
      ADD_FAILURE() << s.error().message;
      return;
    }
    l.server = std::move(*s);
    l.port = l.server->kmip_port();
  }
};

test_kms::test_kms(std::uint64_t seed) : impl_(std::make_unique<impl>()) {
  kmipd::core::environment env{std::make_shared<kmipd::core::manual_clock>(),
                               std::make_shared<common::seeded_random>(seed),
                               std::make_shared<kmipd::core::memory_audit_sink>()};
  impl_->engine = std::make_shared<kmipd::core::engine>(kmipd::core::engine_options{},
                                                        std::make_unique<kmipd::core::memory_store>(), env);
  auto ctx = kmip::net::make_server_context(fixtures::server_options(fixtures::shared_pki()));
  if (!ctx) ADD_FAILURE() << ctx.error().message;
  impl_->tls = ctx ? *ctx : nullptr;
  static std::atomic<int> counter{0};
  datastore_ = std::filesystem::temp_directory_path() /
               ("vcenter_sim-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(datastore_);
  std::filesystem::create_directories(datastore_);
}

test_kms::~test_kms() {
  for (auto& l : impl_->listeners)
    if (l.server) l.server->shutdown(1000ms);
  std::error_code ec;
  std::filesystem::remove_all(datastore_, ec);
}

std::size_t test_kms::start_listener(std::uint16_t port) {
  impl_->listeners.push_back({port, nullptr});
  impl_->listen(impl_->listeners.back());
  return impl_->listeners.size() - 1;
}

void test_kms::stop(std::size_t i) {
  auto& l = impl_->listeners.at(i);
  if (l.server) l.server->shutdown(1000ms);
  l.server.reset();
}

void test_kms::restart(std::size_t i) {
  auto& l = impl_->listeners.at(i);
  if (!l.server) impl_->listen(l);
}

std::uint16_t test_kms::port(std::size_t i) const { return impl_->listeners.at(i).port; }

key_provider_options test_kms::provider(vcenter_sim::profile p, std::vector<std::size_t> indices) const {
  key_provider_options o;
  o.name = "kmipd-cluster";
  for (auto i : indices) o.servers.push_back({"kms-" + std::to_string(i), "127.0.0.1", port(i)});
  o.tls = fixtures::client_options(fixtures::shared_pki());
  o.profile = p;
  o.connect_timeout = 2000ms;
  o.io_timeout = 5000ms;
  return o;
}

namespace {
template <class F>
auto admin(std::uint16_t port, F f) {
  kmip::client::connection_options o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = fixtures::client_options(fixtures::shared_pki());
  o.connect_timeout = 2000ms;
  o.io_timeout = 5000ms;
  kmip::client::client c{kmip::client::connection(o)};
  if (auto r = c.conn().connect(); !r) ADD_FAILURE() << r.error().to_string();
  kmip::client::typed_client t(c);
  auto out = f(t);
  c.conn().close();
  return out;
}
}  // namespace

bool test_kms::revoke(const std::string& id) {
  return admin(port(0), [&](kmip::client::typed_client& t) {
    auto r = t.revoke(id, kmip::spec::revocation_reason_code::cessation_of_operation, "kill switch");
    if (!r) ADD_FAILURE() << r.error().to_string();
    return r.has_value();
  });
}

bool test_kms::destroy(const std::string& id) {
  return admin(port(0), [&](kmip::client::typed_client& t) {
    auto r = t.destroy(id);
    if (!r) ADD_FAILURE() << r.error().to_string();
    return r.has_value();
  });
}

std::optional<kmip::spec::state> test_kms::state(const std::string& id) {
  return admin(port(0), [&](kmip::client::typed_client& t) -> std::optional<kmip::spec::state> {
    auto r = t.get_attributes(id, {"State"});
    if (!r) return std::nullopt;
    auto* a = kmip::model::find_attribute(*r, "State");
    return a ? a->enum_value<kmip::spec::state>() : std::nullopt;
  });
}

}  // namespace vcenter_sim::testing
