// vCenter's KMIP conversation (reference/vcenter-kmip.md §2), one fresh connection per task, failover in order.
#include "vcenter_sim/key_provider.hpp"

#include <algorithm>
#include <thread>

#include "kmip/client/connection.hpp"
#include "kmip/client/typed.hpp"
#include "vcenter_sim/conversation.hpp"

namespace vcenter_sim {

namespace model = kmip::model;
namespace spec = kmip::spec;

namespace {

// A transport failure (try the next server) as opposed to a KMIP answer (the KMS spoke; do not fail over).
struct task_failure {
  bool transport = true;
  kms_error error;
};

}  // namespace

// One connection of one task. Sends typed messages as bytes it encodes itself, so that what is recorded is exactly
// what went on the wire.
class key_provider::session {
 public:
  session(key_provider& kp, std::size_t server, std::uint64_t id, kmip::client::connection conn)
      : kp_(kp), server_(server), id_(id), conn_(std::move(conn)) {}

  // Sends `items` in one message (the caller numbers their batch IDs); `credential` adds the profile's
  // Authentication when configured. A transport failure is reported as such, a decoded response as it came.
  common::expected<model::response_message, task_failure> send(std::vector<model::request_batch_item> items,
                                                               bool credential) {
    const auto& o = kp_.options_;
    std::optional<model::authentication> auth;
    if (credential && sends_credentials(o.profile) && o.username)
      auth = conversation::username_password(*o.username, o.password);
    const std::size_t count = items.size();
    auto m = conversation::message(std::move(items), auth);
    auto bytes = model::to_bytes(m);
    if (!bytes) return fail(false, key_state::cluster_unreachable, "cannot encode the request: " + bytes.error().to_string());
    wire_event e;
    e.what = wire_event::kind::request;
    e.connection = id_;
    e.server = server_;
    e.request = *bytes;
    auto answer = conn_.exchange(*bytes);
    if (!answer) {
      e.error = answer.error().to_string();
      kp_.record(e);
      return fail(true, key_state::cluster_unreachable, server_name() + ": " + answer.error().to_string());
    }
    auto response = model::response_from_bytes(*answer);
    if (!response) {
      e.error = "undecodable response: " + response.error().to_string();
      kp_.record(e);
      return fail(true, key_state::cluster_unreachable, server_name() + ": " + e.error);
    }
    e.response = *response;
    kp_.record(e);
    if (response->batch_items.size() != count)
      return fail(true, key_state::cluster_unreachable,
                  server_name() + ": a request of " + std::to_string(count) + " batch items got " +
                      std::to_string(response->batch_items.size()) + " answers");
    return std::move(*response);
  }

  // One request payload as a batch of one with ID QLKC 1; the typed response payload, or the KMS's failure.
  template <class Request>
  common::expected<kmip::client::response_for<Request>, task_failure> call(Request r, bool credential) {
    auto response = send({model::make_request_item(std::move(r), batch_id(1))}, credential);
    if (!response) return common::unexpected{std::move(response).error()};
    auto& item = response->batch_items.front();
    if (item.result_status != spec::result_status::success) {
      task_failure f{false, kms_error(key_state::cluster_unreachable, describe(item))};
      f.error.reason = item.result_reason;
      return common::unexpected{std::move(f)};
    }
    using Response = kmip::client::response_for<Request>;
    if (item.payload)
      if (auto* p = std::get_if<Response>(&*item.payload)) return std::move(*p);
    return fail(true, key_state::cluster_unreachable, server_name() + ": the response is not the operation's");
  }

  // The connection's first message: an empty Discover Versions, 1.1 header, no batch ID (§1).
  common::expected<void, task_failure> preamble() {
    auto r = send({conversation::discover_versions()}, false);
    if (!r) return common::unexpected{std::move(r).error()};
    if (r->batch_items.front().result_status != spec::result_status::success)
      return fail(true, key_state::cluster_unreachable, server_name() + ": Discover Versions failed: " +
                                                            describe(r->batch_items.front()));
    return {};
  }

  void close() { conn_.close(); }
  std::string server_name() const { return kp_.options_.servers[server_].name; }
  std::size_t server() const { return server_; }

  static std::string describe(const model::response_batch_item& item) {
    std::string s(spec::name_of(item.result_status));
    if (item.result_reason) s += ", " + std::string(spec::name_of(*item.result_reason));
    if (item.result_message) s += ": " + *item.result_message;
    return s;
  }
  static common::unexpected<task_failure> fail(bool transport, key_state s, std::string m) {
    return common::unexpected{task_failure{transport, kms_error(s, std::move(m))}};
  }

 private:
  key_provider& kp_;
  std::size_t server_;
  std::uint64_t id_;
  kmip::client::connection conn_;
};

namespace {
// A task's verdict inside with_session: a value, or a failure saying whether to fail over.
template <class T>
using task_result = common::expected<T, task_failure>;
}  // namespace

key_provider::key_provider(key_provider_options options) : options_(std::move(options)) {
  for (const auto& s : options_.servers) statuses_.push_back({s.name, false, {}, {}});
  auto ctx = kmip::net::make_client_context(options_.tls);
  if (ctx)
    tls_ = *ctx;
  else
    tls_error_ = ctx.error().message;
}

void key_provider::set_recorder(wire_recorder r) {
  std::lock_guard lock(mutex_);
  recorder_ = std::move(r);
}

void key_provider::record(const wire_event& e) {
  std::lock_guard lock(mutex_);
  if (recorder_) recorder_(e);
}

std::uint64_t key_provider::next_connection() {
  std::lock_guard lock(mutex_);
  return ++connections_;
}

void key_provider::set_status(std::size_t server, bool reachable, std::string error) {
  std::lock_guard lock(mutex_);
  statuses_[server].reachable = reachable;
  statuses_[server].last_error = std::move(error);
}

std::vector<server_status> key_provider::statuses() const {
  std::lock_guard lock(mutex_);
  return statuses_;
}

std::vector<std::uint8_t> key_provider::batch_id(std::uint32_t n) { return conversation::batch_id(n); }

namespace {

// Runs `task` on server `i`: connect, preamble, task, close. Shared by with_session and the per-server flows.
template <class T, class Task>
task_result<T> on_server(key_provider& kp, const key_provider_options& o, const kmip::net::tls_context_ptr& tls,
                         std::size_t i, std::uint64_t id, const Task& task,
                         const std::function<void(const wire_event&)>& record,
                         const std::function<void(std::size_t, bool, std::string)>& status) {
  kmip::client::connection_options co;
  co.host = o.servers[i].host;
  co.port = o.servers[i].port;
  co.tls = o.tls;
  co.connect_timeout = o.connect_timeout;
  co.io_timeout = o.io_timeout;
  co.close_timeout = std::min(o.io_timeout, std::chrono::milliseconds{1000});
  co.busy_poll = o.busy_poll;
  kmip::client::connection conn(co, tls);
  wire_event e;
  e.connection = id;
  e.server = i;
  if (auto c = conn.connect(); !c) {
    e.what = wire_event::kind::connect_failed;
    e.error = c.error().to_string();
    record(e);
    status(i, false, e.error);
    return common::unexpected{task_failure{
        true, kms_error(key_state::cluster_unreachable, o.servers[i].name + ": " + c.error().to_string())}};
  }
  e.what = wire_event::kind::connected;
  record(e);
  key_provider::session s(kp, i, id, std::move(conn));
  if (auto p = s.preamble(); !p) {
    status(i, false, p.error().error.message);
    return common::unexpected{std::move(p).error()};
  }
  auto r = task(s);
  if (!r && r.error().transport) {
    status(i, false, r.error().error.message);
  } else {
    status(i, true, {});
  }
  s.close();
  return r;
}

}  // namespace

template <class T>
kms_result<T> key_provider::with_session(const std::function<kms_result<T>(session&)>& task) {
  if (!tls_) return common::unexpected{kms_error(key_state::cluster_unreachable, "TLS configuration: " + tls_error_)};
  if (options_.servers.empty()) return common::unexpected{kms_error(key_state::cluster_unreachable, "no KMS configured")};
  std::string errors;
  for (std::size_t i = 0; i < options_.servers.size(); ++i) {
    // The task reports KMS answers as kms_error; a transport failure inside it is flagged by on_server's
    // session (task_failure) and the task re-runs on the next server.
    std::optional<kms_error> answered;
    auto r = on_server<T>(
        *this, options_, tls_, i, next_connection(),
        [&](session& s) -> task_result<T> {
          auto v = task(s);
          if (v) {
            if constexpr (std::is_void_v<T>)
              return {};
            else
              return std::move(*v);
          }
          const bool transport = v.error().state == key_state::cluster_unreachable;
          return common::unexpected{task_failure{transport, std::move(v).error()}};
        },
        [this](const wire_event& e) { record(e); },
        [this](std::size_t s, bool ok, std::string err) { set_status(s, ok, std::move(err)); });
    if (r) {
      if constexpr (std::is_void_v<T>)
        return {};
      else
        return std::move(*r);
    }
    if (!r.error().transport) return common::unexpected{std::move(r).error().error};
    if (!errors.empty()) errors += "; ";
    errors += r.error().error.message;
  }
  return common::unexpected{kms_error(key_state::cluster_unreachable, "no KMS of cluster " + options_.name +
                                                                          " answered: " + errors)};
}

namespace {
// A session-level failure turned into the kms_error a task returns (transport failures stay cluster_unreachable
// so that with_session fails over).
kms_error as_kms_error(task_failure f, key_state when_answered) {
  if (!f.transport && f.error.state == key_state::cluster_unreachable) f.error.state = when_answered;
  return std::move(f.error);
}
}  // namespace

kms_result<void> key_provider::add_kms() {
  if (!tls_) return common::unexpected{kms_error(key_state::cluster_unreachable, "TLS configuration: " + tls_error_)};
  std::size_t ok = 0;
  std::string errors;
  for (std::size_t i = 0; i < options_.servers.size(); ++i) {
    auto rec = [this](const wire_event& e) { record(e); };
    auto st = [this](std::size_t s, bool up, std::string err) { set_status(s, up, std::move(err)); };
    // Connection test: DV (preamble), then DV with batch ID QLKC 1.
    auto test = on_server<bool>(*this, options_, tls_, i, next_connection(), [](session& s) -> task_result<bool> {
      auto r = s.send({conversation::discover_versions(true)}, false);
      if (!r) return common::unexpected{std::move(r).error()};
      return r->batch_items.front().result_status == spec::result_status::success;
    }, rec, st);
    // Vendor lookup: DV, then Query(Query Server Information).
    std::string vendor;
    auto query = on_server<bool>(*this, options_, tls_, i, next_connection(), [&](session& s) -> task_result<bool> {
      model::query_request q;
      q.query_functions = {spec::query_function::query_server_information};
      auto r = s.call(std::move(q), false);
      if (!r) return common::unexpected{std::move(r).error()};
      vendor = r->vendor_identification.value_or("");
      return true;
    }, rec, st);
    if (test && *test && query) {
      ++ok;
      std::lock_guard lock(mutex_);
      statuses_[i].vendor_identification = vendor;
    } else {
      if (!errors.empty()) errors += "; ";
      errors += !test ? test.error().error.message : !query ? query.error().error.message : options_.servers[i].name + ": Discover Versions failed";
    }
  }
  if (ok == 0) return common::unexpected{kms_error(key_state::cluster_unreachable, "no KMS answered: " + errors)};
  return {};
}

kms_result<void> key_provider::health_check() {
  if (!tls_) return common::unexpected{kms_error(key_state::cluster_unreachable, "TLS configuration: " + tls_error_)};
  std::size_t ok = 0;
  std::string errors;
  for (std::size_t i = 0; i < options_.servers.size(); ++i) {
    // The bare TLS connection that carries no KMIP (certificate probe, §2.1 #1).
    {
      kmip::client::connection_options co;
      co.host = options_.servers[i].host;
      co.port = options_.servers[i].port;
      co.tls = options_.tls;
      co.connect_timeout = options_.connect_timeout;
      co.close_timeout = std::min(options_.io_timeout, std::chrono::milliseconds{1000});
      kmip::client::connection bare(co, tls_);
      wire_event e;
      e.connection = next_connection();
      e.server = i;
      if (auto c = bare.connect(); c) {
        e.what = wire_event::kind::bare_connection;
        bare.close();
      } else {
        e.what = wire_event::kind::connect_failed;
        e.error = c.error().to_string();
      }
      record(e);
    }
    auto r = on_server<bool>(*this, options_, tls_, i, next_connection(), [](session& s) -> task_result<bool> {
      auto dv = s.send({conversation::discover_versions(true)}, false);
      if (!dv) return common::unexpected{std::move(dv).error()};
      return dv->batch_items.front().result_status == spec::result_status::success;
    }, [this](const wire_event& e) { record(e); }, [this](std::size_t s, bool up, std::string err) { set_status(s, up, std::move(err)); });
    if (r && *r) {
      ++ok;
    } else {
      if (!errors.empty()) errors += "; ";
      errors += r ? options_.servers[i].name + ": Discover Versions failed" : r.error().error.message;
    }
  }
  if (ok == 0) return common::unexpected{kms_error(key_state::cluster_unreachable, "no KMS answered: " + errors)};
  return {};
}

kms_result<std::string> key_provider::create_key() {
  return with_session<std::string>([](session& s) -> kms_result<std::string> {
    auto r = s.call(conversation::create_kek(), true);
    if (!r) {
      auto e = as_kms_error(std::move(r).error(), key_state::missing_in_kms);
      e.message = "Create failed: " + e.message;
      return common::unexpected{std::move(e)};
    }
    if (r->unique_identifier.empty())
      return common::unexpected{kms_error(key_state::missing_in_kms, "Create returned an empty Unique Identifier")};
    return std::move(r->unique_identifier);
  });
}

kms_result<void> key_provider::tag(const std::string& id, const std::vector<std::pair<std::string, std::string>>& attrs) {
  if (!tags_keys(options_.profile)) return {};
  return with_session<void>([&](session& s) -> kms_result<void> {
    conversation::tag_list absent;
    for (const auto& [name, value] : attrs) {
      model::get_attributes_request g;
      g.unique_identifier = id;
      g.attribute_references = {{name}};
      auto r = s.call(std::move(g), false);
      if (!r) {
        auto e = as_kms_error(std::move(r).error(), key_state::missing_in_kms);
        e.message = "GetAttributes(" + name + ") failed: " + e.message;
        return common::unexpected{std::move(e)};
      }
      // [I] A present attribute is left as it is (what vCenter does then was never observed).
      if (model::find_attribute(r->attributes, name)) continue;
      absent.emplace_back(name, value);
    }
    if (absent.empty()) return {};
    auto r = s.send(conversation::add_attributes(id, absent), false);
    if (!r) return common::unexpected{as_kms_error(std::move(r).error(), key_state::missing_in_kms)};
    std::string failures;
    for (const auto& item : r->batch_items)
      if (item.result_status != spec::result_status::success) failures += (failures.empty() ? "" : "; ") + session::describe(item);
    if (!failures.empty())
      return common::unexpected{kms_error(key_state::available, "AddAttribute refused (non-fatal): " + failures)};
    return {};
  });
}

kms_result<void> key_provider::tag_product(const std::string& id) {
  return tag(id, conversation::product_tags(options_.profile));
}

kms_result<void> key_provider::tag_identity(const std::string& id, const key_tags& t) {
  return tag(id, conversation::identity_tags(t.identifier, t.component, t.name));
}

namespace {

// Get, then GetAttributes(State), then Activate when Pre-Active and `activate`.
kms_result<fetched_key> fetch_on(key_provider::session& s, const std::string& id, bool activate) {
  model::get_request g;
  g.unique_identifier = id;
  auto got = s.call(std::move(g), true);
  if (!got) {
    auto e = as_kms_error(std::move(got).error(), key_state::missing_in_kms);
    e.message = "Get " + id + " failed: " + e.message;
    return common::unexpected{std::move(e)};
  }
  fetched_key k;
  k.id = id;
  const auto* sym = std::get_if<model::symmetric_key>(&got->object);
  const common::secure_bytes* material = sym ? sym->key_block.raw_key_material() : nullptr;
  if (!material || material->size() != 32)
    return common::unexpected{kms_error(key_state::not_active_or_enabled,
                                        "Get " + id + " did not return a raw 32-byte AES key")};
  k.material = *material;

  model::get_attributes_request ga;
  ga.unique_identifier = id;
  ga.attribute_references = {{"State"}};
  auto st = s.call(std::move(ga), true);
  if (!st) {
    auto e = as_kms_error(std::move(st).error(), key_state::not_active_or_enabled);
    e.message = "GetAttributes(State) of " + id + " failed: " + e.message;
    return common::unexpected{std::move(e)};
  }
  const auto* state_attr = model::find_attribute(st->attributes, "State");
  auto state = state_attr ? state_attr->enum_value<spec::state>() : std::nullopt;
  if (!state)
    return common::unexpected{kms_error(key_state::not_active_or_enabled, "the KMS did not return the State of " + id)};
  k.state = *state;
  if (k.state == spec::state::pre_active && activate) {
    model::activate_request a;
    a.unique_identifier = id;
    auto r = s.call(std::move(a), true);
    if (!r) {
      auto e = as_kms_error(std::move(r).error(), key_state::not_active_or_enabled);
      e.message = "Activate " + id + " failed: " + e.message;
      return common::unexpected{std::move(e)};
    }
    k.state = spec::state::active;
  }
  return k;
}

}  // namespace

kms_result<fetched_key> key_provider::fetch_key(const std::string& id) {
  auto k = with_session<fetched_key>([&](session& s) { return fetch_on(s, id, true); });
  if (!k) return k;
  if (k->state != spec::state::active)
    return common::unexpected{kms_error(key_state::not_active_or_enabled,
                                        "key " + id + " is " + std::string(spec::name_of(k->state)) + " on the KMS")};
  return k;
}

kms_result<fetched_key> key_provider::generate_key(const key_tags& tags) {
  auto id = create_key();
  if (!id) return common::unexpected{std::move(id).error()};
  (void)tag_product(*id);  // non-fatal (W1)
  auto k = fetch_key(*id);
  if (!k) return k;
  (void)tag_identity(*id, tags);
  return k;
}

key_state key_provider::key_status(const std::string& id) {
  auto k = with_session<fetched_key>([&](session& s) { return fetch_on(s, id, false); });
  if (!k) return k.error().state;
  return k->state == spec::state::active ? key_state::available : key_state::not_active_or_enabled;
}

void key_provider::run_parallel(std::vector<std::function<void()>> tasks) {
  const std::size_t width = std::max(1u, options_.max_parallel_connections);
  for (std::size_t start = 0; start < tasks.size(); start += width) {
    std::vector<std::jthread> threads;
    for (std::size_t i = start; i < std::min(tasks.size(), start + width); ++i) threads.emplace_back(tasks[i]);
  }
}

}  // namespace vcenter_sim
