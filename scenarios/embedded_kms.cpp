// The embedded kmipd: see embedded_kms.hpp.
#include "scenarios/embedded_kms.hpp"

#include <chrono>
#include <system_error>

#include "common/random.hpp"
#include "pki/pki.hpp"
#include "server/core/audit.hpp"
#include "server/core/engine.hpp"
#include "server/core/environment.hpp"
#include "server/net/server.hpp"
#include "server/store/sqlite_store.hpp"

namespace scenarios {
namespace {

using namespace std::chrono_literals;
using status = common::expected<void, std::string>;

class embedded_kms final : public kms_backend {
 public:
  embedded_kms(const embedded_pki& pki, std::filesystem::path work) : pki_(pki), work_(std::move(work)) {}
  ~embedded_kms() override {
    for (auto& l : listeners_)
      if (l.server) l.server->shutdown(500ms);
    listeners_.clear();
    engines_.clear();
    std::error_code ec;
    std::filesystem::remove_all(work_, ec);
  }

  status init(const std::vector<std::string>& servers, bool shared, std::uint64_t seed) {
    std::error_code ec;
    std::filesystem::create_directories(work_, ec);
    if (ec) return common::unexpected<std::string>("cannot create " + work_.string() + ": " + ec.message());
    kmip::net::server_tls_options so;
    so.cert_file = pki_.server_cert.string();
    so.key_file = pki_.server_key.string();
    so.client_ca_files = {pki_.ca_cert.string()};
    auto ctx = kmip::net::make_server_context(so);
    if (!ctx) return common::unexpected<std::string>("embedded kmipd TLS: " + ctx.error().message);
    tls_ = *ctx;
    const std::size_t n_engines = shared ? 1 : servers.size();
    for (std::size_t i = 0; i < n_engines; ++i) {
      kmipd::store::sqlite_options o;
      o.database = work_ / ("kmipd-" + std::to_string(i) + ".sqlite");
      o.master_key = work_ / ("kmipd-" + std::to_string(i) + ".key");
      auto store = kmipd::store::sqlite_store::open(o);
      if (!store) return common::unexpected<std::string>("embedded kmipd store: " + store.error().message);
      kmipd::core::environment env{std::make_shared<kmipd::core::system_clock>(),
                                   std::make_shared<common::seeded_random>(seed + i),
                                   std::make_shared<kmipd::core::memory_audit_sink>()};
      engines_.push_back(std::make_shared<kmipd::core::engine>(kmipd::core::engine_options{}, std::move(*store), env));
    }
    for (std::size_t i = 0; i < servers.size(); ++i) {
      listeners_.push_back({servers[i], shared ? 0 : i, 0, nullptr, false});
      if (auto r = listen(listeners_.back()); !r) return r;
    }
    return {};
  }

  std::vector<kms_endpoint> endpoints() const override {
    std::vector<kms_endpoint> out;
    for (const auto& l : listeners_) out.push_back({l.name, "127.0.0.1", l.port});
    return out;
  }
  kmip::net::client_tls_options tls() const override {
    kmip::net::client_tls_options o;
    o.ca_files = {pki_.ca_cert.string()};
    o.cert_file = pki_.client_cert.string();
    o.key_file = pki_.client_key.string();
    return o;
  }
  std::string describe() const override {
    std::string s = "embedded kmipd on 127.0.0.1 (";
    for (std::size_t i = 0; i < listeners_.size(); ++i)
      s += (i ? ", " : "") + listeners_[i].name + ":" + std::to_string(listeners_[i].port);
    s += "; " + std::to_string(engines_.size()) + " engine(s), SQLite)";
    return s;
  }
  bool controllable(std::string&) const override { return true; }
  status stop(std::size_t i) override {
    if (i >= listeners_.size()) return common::unexpected<std::string>("no such server");
    close(listeners_[i]);
    return {};
  }
  status start(std::size_t i) override {
    if (i >= listeners_.size()) return common::unexpected<std::string>("no such server");
    listeners_[i].partitioned = false;
    return listeners_[i].server ? status{} : listen(listeners_[i]);
  }
  status partition(std::size_t i) override {
    if (i >= listeners_.size()) return common::unexpected<std::string>("no such server");
    listeners_[i].partitioned = true;
    close(listeners_[i]);
    return {};
  }
  status heal(std::size_t i) override {
    if (i >= listeners_.size()) return common::unexpected<std::string>("no such server");
    if (!listeners_[i].partitioned) return {};
    return start(i);
  }

 private:
  struct listener {
    std::string name;
    std::size_t engine = 0;
    std::uint16_t port = 0;  // 0 until first started; then kept so a restart listens on the same port
    std::unique_ptr<kmipd::net::server> server;
    bool partitioned = false;
  };

  status listen(listener& l) {
    kmipd::net::server_options o;
    o.kmip = {true, "127.0.0.1", l.port, tls_};
    o.http = {false, "127.0.0.1", 0, nullptr};
    o.threads = 1;
    o.handshake_timeout = 5s;
    o.idle_timeout = 5s;
    auto e = engines_.at(l.engine);
    auto s = kmipd::net::server::start(o, [e](std::span<const std::uint8_t> req, const kmipd::core::request_context& ctx) {
      return e->handle_bytes(req, ctx);
    });
    if (!s) return common::unexpected<std::string>("embedded kmipd " + l.name + ": " + s.error().message);
    l.server = std::move(*s);
    l.port = l.server->kmip_port();
    return {};
  }
  static void close(listener& l) {
    if (l.server) l.server->shutdown(500ms);
    l.server.reset();
  }

  embedded_pki pki_;
  std::filesystem::path work_;
  kmip::net::tls_context_ptr tls_;
  std::vector<std::shared_ptr<kmipd::core::engine>> engines_;
  std::vector<listener> listeners_;
};

}  // namespace

common::expected<embedded_pki, std::string> make_embedded_pki(const std::filesystem::path& dir) {
  kmiph::pki::kms_set_options o;
  o.force = true;
  auto set = kmiph::pki::write_kms_set(dir, o);
  if (!set) return common::unexpected<std::string>("certificates for the embedded kmipd: " + set.error());
  return embedded_pki{dir, set->ca_cert, set->server_cert, set->server_key, set->vcenter_cert, set->vcenter_key};
}

common::expected<std::unique_ptr<kms_backend>, std::string> start_embedded_kms(
    const embedded_pki& pki, const std::vector<std::string>& servers, bool shared_store, std::uint64_t seed,
    const std::filesystem::path& work_dir) {
  auto k = std::make_unique<embedded_kms>(pki, work_dir);
  if (auto r = k->init(servers, shared_store, seed); !r) return common::unexpected<std::string>(r.error());
  return std::unique_ptr<kms_backend>(std::move(k));
}

kms_factory embedded_kms_factory(embedded_pki pki, std::filesystem::path work_root) {
  auto counter = std::make_shared<int>(0);
  return [pki = std::move(pki), work_root = std::move(work_root), counter](
             const std::vector<std::string>& servers, bool shared, std::uint64_t seed) {
    return start_embedded_kms(pki, servers, shared, seed, work_root / ("kms-" + std::to_string((*counter)++)));
  };
}

}  // namespace scenarios
