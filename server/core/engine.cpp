// The engine: decode, authenticate, run each batch item through the dispatch table with the Batch Error
// Continuation Option, audit, encode (KMIP 1.4 §6–7, 2.1 §8–9).
#include "server/core/engine.hpp"

#include <future>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "kmip/ttlv/reader.hpp"
#include "server/core/audit.hpp"
#include "server/core/faults.hpp"
#include "server/core/operations/operations.hpp"

namespace kmipd::core {

using kmip::spec::result_reason;
using kmip::spec::result_status;
namespace model = kmip::model;

struct engine::impl {
  engine_options options;
  std::unique_ptr<object_store> store;
  environment env;
  kmip::model::attribute random_number_generator;  // describes env.random, for new objects
  // Messages whose items only read (read_only_message) run together under a shared lock; any other message runs
  // alone. One message at a time is what makes Batch Error Continuation Option Undo exact and an update's
  // read-modify-write safe; readers need neither, and a KEK fetch storm is all readers.
  std::shared_mutex mutex;

  // Audit records of the message being processed: emitted once it is done, so that a read-only attempt that
  // must be redone under the exclusive lock (read_only_view) is audited once.
  void audit(std::vector<audit_record>& out, const request_context& ctx, const std::string& identity,
             std::string_view operation, const std::string& object_id, const model::response_batch_item& item) {
    audit_record r;
    r.time = env.clock->now();
    r.identity = identity;
    r.peer_address = ctx.peer_address;
    r.transport = ctx.transport;
    r.operation = std::string(operation);
    r.object_id = object_id;
    r.result_status = std::string(kmip::spec::name_of(item.result_status));
    if (item.result_reason) r.result_reason = std::string(kmip::spec::name_of(*item.result_reason));
    out.push_back(std::move(r));
  }
  model::response_message process(const model::request_message& request, const request_context& ctx,
                                   object_store& st, std::vector<audit_record>& audits);
  // The response as bytes (the fault personalities applied), or a minimal General Failure when it cannot be
  // encoded in its version; empty when even that fails.
  common::secure_bytes encode(const model::response_message& response);
  static void undo(object_store& st, std::vector<write_op>& log) {
    for (auto it = log.rbegin(); it != log.rend(); ++it) {
      std::vector<write_op> w;
      w.push_back(std::move(*it));
      (void)st.commit(std::move(w));  // best effort: the item that failed already reports the failure
    }
    log.clear();
  }
};

namespace {

model::response_batch_item failure(const model::request_batch_item& item, result_reason reason, std::string message) {
  return model::make_failure_item(item.operation, reason, std::move(message), item.unique_batch_item_id);
}

}  // namespace

namespace {

// The store as a message under the shared lock sees it: reads pass through, a write is refused and remembered,
// and the engine then redoes the whole message under the exclusive lock. (Get writes only when it clears Fresh
// on an object's first Get; nothing is written before that refusal, so the redo starts from a clean state.)
class read_only_view final : public object_store {
 public:
  explicit read_only_view(object_store& inner) : inner_(inner) {}
  store_result<std::optional<stored_object>> get(std::string_view id) override { return inner_.get(id); }
  store_result<void> commit(std::vector<write_op>) override {
    refused_ = true;
    return common::unexpected{store_error{store_errc::io, "a write under the shared lock (redone exclusively)"}};
  }
  store_result<std::vector<std::string>> locate(const locate_filter& f) override { return inner_.locate(f); }
  store_result<void> sync() override { return inner_.sync(); }
  void sync_async(std::function<void(store_result<void>)> done) override { inner_.sync_async(std::move(done)); }
  bool refused() const { return refused_; }

 private:
  object_store& inner_;
  bool refused_ = false;
};

// Operations that only read the store (Get may write once, see read_only_view).
bool read_only_message(const model::request_message& request) {
  using kmip::spec::operation;
  for (const auto& item : request.batch_items) {
    switch (item.operation) {
      case operation::get:
      case operation::get_attributes:
      case operation::get_attribute_list:
      case operation::locate:
      case operation::discover_versions:
      case operation::query:
      case operation::check:
        continue;
      default:
        return false;
    }
  }
  return !request.batch_items.empty();
}

}  // namespace

model::response_message engine::impl::process(const model::request_message& request, const request_context& ctx,
                                              object_store& st, std::vector<audit_record>& audits) {
  model::response_message response;
  response.header.protocol_version = request.header.protocol_version;
  response.header.time_stamp = model::date_time{env.clock->now()};
  response.header.client_correlation_value = request.header.client_correlation_value;
  auto version = model::effective_version(request.header.protocol_version);
  if (!version) {
    response.header.protocol_version = {1, 0};
    version = kmip::spec::version::v1_0;
  }
  if (*version < kmip::spec::version::v1_4) response.header.client_correlation_value.reset();

  // Identity: a checked Username/Password credential replaces the transport identity.
  std::string identity = ctx.identity;
  std::optional<std::string> auth_failure;
  const model::username_password* credential = nullptr;
  if (request.header.authentication)
    for (const auto& c : request.header.authentication->credentials)
      if ((credential = c.as_username_password())) break;
  if (options.check_credential && credential) {
    auto who = options.check_credential(*credential, ctx);
    if (who) identity = *who;
    else auth_failure = who.error();
  } else if (options.check_credential && options.require_credential) {
    auth_failure = "a Username/Password credential is required";
  }

  const auto continuation =
      request.header.batch_error_continuation_option.value_or(kmip::spec::batch_error_continuation_option::stop);
  std::optional<std::string> placeholder;
  std::vector<write_op> undo_log;
  std::size_t first_of_batch = 0;
  bool failed = false;
  for (const auto& request_item : request.batch_items) {
    // Test-only fault personalities (faults.hpp) may rewrite the item or answer it; without any, nothing is copied.
    std::optional<model::request_batch_item> rewritten;
    std::optional<model::response_batch_item> faulted;
    if (options.faults.any()) {
      rewritten = request_item;
      faulted = fault_before_item(options.faults, *rewritten, st);
    }
    const auto& item = rewritten ? *rewritten : request_item;
    operation_context octx(st, *env.clock, *env.random, random_number_generator, options, identity, ctx,
                           *version, placeholder, undo_log);
    octx.operation = item.operation;
    model::response_batch_item out;
    if (auth_failure) {
      out = failure(item, result_reason::authentication_not_successful, *auth_failure);
    } else if (item.decode_error) {
      out = failure(item, item.decode_error->reason, item.decode_error->to_string());
    } else if (faulted) {
      out = std::move(*faulted);
    } else if (const auto* entry = find_operation(item.operation)) {
      auto result = entry->handle(octx, item.payload);
      if (result) {
        out.operation = item.operation;
        out.unique_batch_item_id = item.unique_batch_item_id;
        out.payload = std::move(*result);
      } else {
        out = failure(item, result.error().reason, std::move(result.error().message));
      }
    } else {
      out = failure(item, result_reason::operation_not_supported,
                    "operation " + std::string(kmip::spec::name_of(item.operation)) + " is not supported by kmipd");
    }
    if (options.faults.any()) fault_after_item(options.faults, out);
    audit(audits, ctx, identity, kmip::spec::name_of(item.operation), octx.object_id, out);
    const bool item_failed = out.result_status != result_status::success;
    response.batch_items.push_back(std::move(out));
    if (!item_failed) continue;
    failed = true;
    if (continuation == kmip::spec::batch_error_continuation_option::continue_) continue;
    if (continuation == kmip::spec::batch_error_continuation_option::undo) {
      undo(st, undo_log);
      for (std::size_t i = first_of_batch; i + 1 < response.batch_items.size(); ++i) {
        auto& done = response.batch_items[i];
        if (done.result_status != result_status::success) continue;
        done.result_status = result_status::operation_undone;
        done.payload.reset();
      }
    }
    break;  // Stop and Undo: the remaining items are not processed and not returned (1.4 Table 366)
  }
  (void)failed;
  fault_after_message(options.faults, response);

  if (request.header.maximum_response_size) {
    auto bytes = model::to_bytes(response);
    if (bytes && bytes->size() > static_cast<std::size_t>(std::max(0, *request.header.maximum_response_size))) {
      for (auto& item : response.batch_items) {
        item = model::make_failure_item(item.operation, result_reason::response_too_large,
                                        "the response exceeds the Maximum Response Size of " +
                                            std::to_string(*request.header.maximum_response_size) + " bytes",
                                        item.unique_batch_item_id);
      }
    }
  }
  return response;
}

engine::engine(engine_options options, std::unique_ptr<object_store> store, environment env)
    : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->store = std::move(store);
  impl_->env = std::move(env);
  impl_->random_number_generator = core::random_number_generator(*impl_->env.random);
}

engine::~engine() = default;

object_store& engine::store() noexcept { return *impl_->store; }

namespace {

// The answer to every item of `request` when something went wrong outside the operations: General Failure.
model::response_message general_failure(const model::request_message& request, const environment& env,
                                        const std::string& message) {
  model::response_message r;
  r.header.protocol_version = request.header.protocol_version;
  try {
    r.header.time_stamp = model::date_time{env.clock->now()};
    for (const auto& item : request.batch_items)
      r.batch_items.push_back(failure(item, result_reason::general_failure, message));
  } catch (...) {
  }
  return r;
}

// What a message waits for between processing and its answer: the store's sync, then its audit records.
struct pending_answer {
  model::response_message response;
  std::vector<audit_record> audits;
  // Each item's operation and ID, to answer General Failure when the sync fails (not the payloads: a Register's
  // would hold key material).
  std::vector<std::pair<kmip::spec::operation, std::optional<std::vector<std::uint8_t>>>> items;
  std::function<void(model::response_message)> done;
};

}  // namespace

void engine::handle_async(const model::request_message& request, const request_context& ctx,
                          std::function<void(model::response_message)> done) noexcept {
  std::shared_ptr<pending_answer> p;
  try {
    p = std::make_shared<pending_answer>();
    bool processed = false;
    if (read_only_message(request)) {
      std::shared_lock lock(impl_->mutex);
      read_only_view view(*impl_->store);
      p->response = impl_->process(request, ctx, view, p->audits);
      processed = !view.refused();
    }
    if (!processed) {
      p->audits.clear();
      std::unique_lock lock(impl_->mutex);
      p->response = impl_->process(request, ctx, *impl_->store, p->audits);
    }
    for (const auto& item : request.batch_items) p->items.emplace_back(item.operation, item.unique_batch_item_id);
  } catch (...) {
    done(general_failure(request, impl_->env, "internal error"));
    return;
  }
  p->done = std::move(done);
  // Outside the lock, so that concurrent writers share one sync (group commit); before answering, so that
  // nothing is acknowledged, or read, before it is durable. At once when nothing was written meanwhile; else
  // this thread goes on (a session serves other connections) and the store's syncer thread completes it.
  impl_->store->sync_async([p, &env = impl_->env](store_result<void> synced) {
    try {
      if (!synced) {
        p->response.batch_items.clear();
        for (auto& [operation, id] : p->items)
          p->response.batch_items.push_back(model::make_failure_item(operation, result_reason::general_failure,
                                                                     synced.error().message, std::move(id)));
        for (auto& a : p->audits) {
          a.result_status = std::string(kmip::spec::name_of(kmip::spec::result_status::operation_failed));
          a.result_reason = std::string(kmip::spec::name_of(result_reason::general_failure));
        }
      }
      // The audit records of a mutation are on disk before its answer (the sink's fsync policy).
      env.audit->record_async(std::move(p->audits), [p] { p->done(std::move(p->response)); });
    } catch (...) {
      p->done(model::response_message{});  // out of memory: an empty answer rather than none
    }
  });
}

model::response_message engine::handle(const model::request_message& request, const request_context& ctx) noexcept {
  std::promise<model::response_message> answer;
  auto future = answer.get_future();
  handle_async(request, ctx, [&answer](model::response_message r) { answer.set_value(std::move(r)); });
  try {
    return future.get();
  } catch (...) {
    return general_failure(request, impl_->env, "internal error");
  }
}

namespace {

// The Protocol Version at the start of a request whose TTLV as a whole does not decode (truncated, a bad length
// further on): Request Message, Request Header and Protocol Version are structures that open the message, and
// Major and Minor are its first two Integers, so they sit at fixed offsets. nullopt if those bytes do not say so.
std::optional<kmip::spec::protocol_version> version_at_start(std::span<const std::uint8_t> b) {
  auto u32 = [&](std::size_t at) {
    return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
  };
  // An item header: 3-byte tag, 1-byte type, 4-byte length.
  auto is = [&](std::size_t at, kmip::spec::tag t, kmip::ttlv::item_type type) {
    return (u32(at) >> 8) == static_cast<std::uint32_t>(t) && b[at + 3] == static_cast<std::uint8_t>(type);
  };
  constexpr std::size_t end_of_minor = 56;
  if (b.size() < end_of_minor) return std::nullopt;
  using kmip::ttlv::item_type;
  if (!is(0, kmip::spec::tag::request_message, item_type::structure) ||
      !is(8, kmip::spec::tag::request_header, item_type::structure) ||
      !is(16, kmip::spec::tag::protocol_version, item_type::structure) ||
      !is(24, kmip::spec::tag::protocol_version_major, item_type::integer) || u32(28) != 4 ||
      !is(40, kmip::spec::tag::protocol_version_minor, item_type::integer) || u32(44) != 4)
    return std::nullopt;
  return kmip::spec::protocol_version{static_cast<std::int32_t>(u32(32)), static_cast<std::int32_t>(u32(48))};
}

// The protocol version of a message the model could not decode, if its header can still be read: from the decoded
// tree, else from the message's first bytes; 1.0 when neither says, or the version is not one kmipd speaks.
kmip::spec::protocol_version sniff_version(std::span<const std::uint8_t> bytes, const kmip::ttlv::decode_limits& limits) {
  auto known = [](kmip::spec::protocol_version v) {
    return model::effective_version(v) ? v : kmip::spec::protocol_version{1, 0};
  };
  auto tree = kmip::ttlv::decode_message(bytes, limits);
  if (!tree) {
    const auto v = version_at_start(bytes);
    return v ? known(*v) : kmip::spec::protocol_version{1, 0};
  }
  auto header = tree->root().find(kmip::spec::tag::request_header);
  if (!header) return {1, 0};
  auto pv = header->find(kmip::spec::tag::protocol_version);
  if (!pv) return {1, 0};
  auto major = pv->find(kmip::spec::tag::protocol_version_major);
  auto minor = pv->find(kmip::spec::tag::protocol_version_minor);
  if (!major || !minor || major->type() != kmip::ttlv::item_type::integer ||
      minor->type() != kmip::ttlv::item_type::integer)
    return {1, 0};
  return known({major->as_integer(), minor->as_integer()});
}

}  // namespace

common::secure_bytes engine::impl::encode(const model::response_message& response) {
  auto bytes = model::to_bytes(response);
  if (bytes) {
    fault_after_encoding(options.faults, *bytes);
    return std::move(*bytes);
  }
  // The response could not be encoded in the request's version: say so in a minimal response.
  model::response_message fallback;
  fallback.header.protocol_version = response.header.protocol_version;
  fallback.header.time_stamp = response.header.time_stamp;
  for (const auto& item : response.batch_items)
    fallback.batch_items.push_back(model::make_failure_item(item.operation, result_reason::general_failure,
                                                            "response encoding failed: " + bytes.error().to_string(),
                                                            item.unique_batch_item_id));
  if (auto b = model::to_bytes(fallback)) return std::move(*b);
  return {};
}

void engine::handle_bytes_async(std::span<const std::uint8_t> request, const request_context& ctx,
                                std::function<void(common::secure_bytes)> done) noexcept {
  auto encoded = [this, done](model::response_message response) {
    common::secure_bytes bytes;
    try {
      bytes = impl_->encode(response);
    } catch (...) {
    }
    done(std::move(bytes));
  };
  try {
    model::decode_options options;
    options.item_errors_in_place = true;
    auto decoded = model::request_from_bytes(request, options, impl_->options.limits);
    if (decoded) return handle_async(*decoded, ctx, std::move(encoded));
    fault_on_undecodable(impl_->options.faults);
    const auto& e = decoded.error();
    model::response_message response;
    response.header.protocol_version = sniff_version(request, impl_->options.limits);
    response.header.time_stamp = model::date_time{impl_->env.clock->now()};
    auto item = model::make_failure_item(e.operation, e.reason, e.to_string(), e.unique_batch_item_id);
    response.batch_items.push_back(item);
    std::vector<audit_record> audits;
    impl_->audit(audits, ctx, ctx.identity, e.operation ? kmip::spec::name_of(*e.operation) : "-", "", item);
    auto answer = std::make_shared<model::response_message>(std::move(response));
    impl_->env.audit->record_async(std::move(audits), [answer, encoded] { encoded(std::move(*answer)); });
  } catch (...) {
    done({});
  }
}

common::secure_bytes engine::handle_bytes(std::span<const std::uint8_t> request, const request_context& ctx) noexcept {
  std::promise<common::secure_bytes> answer;
  auto future = answer.get_future();
  handle_bytes_async(request, ctx, [&answer](common::secure_bytes r) { answer.set_value(std::move(r)); });
  try {
    return future.get();
  } catch (...) {
    return {};
  }
}

}  // namespace kmipd::core
