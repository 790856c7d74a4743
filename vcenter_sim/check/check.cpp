// The vCenter-compatibility checks (check.hpp; docs/checks.md describes each: what it sends, what it expects,
// why vCenter needs it, and the evidence in reference/vcenter-kmip.md).
#include "vcenter_sim/check/check.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "common/hex.hpp"
#include "kmip/client/connection.hpp"
#include "kmip/ttlv/reader.hpp"
#include "kmip/ttlv/text.hpp"
#include "vcenter_sim/check/tls_probe.hpp"
#include "vcenter_sim/conversation.hpp"

namespace vcenter_sim::check {

namespace model = kmip::model;
namespace spec = kmip::spec;
namespace conv = vcenter_sim::conversation;
using reports::verdict;
using steady = std::chrono::steady_clock;

const std::vector<check_info>& all_checks() {
  static const std::vector<check_info> table = {
      {"VC-TLS-01", "TLS 1.2 with ECDHE-GCM suites", "7.0, 8.0"},
      {"VC-TLS-02", "TLS 1.2 with AES128-SHA256 (vCenter 7.0.3's suite)", "7.0"},
      {"VC-TLS-03", "TLS 1.3", "8.0 U3"},
      {"VC-TLS-04", "TLS 1.0 and 1.1 refused", "6.5-8.0"},
      {"VC-CERT-01", "client certificate without Extended Key Usage", "6.5-8.0"},
      {"VC-CERT-02", "the KMS's own certificate as client certificate", "6.5-8.0"},
      {"VC-CERT-03", "a connection without client certificate", "6.5-8.0"},
      {"VC-CONN-01", "a bare TLS connection that sends nothing", "6.5-8.0"},
      {"VC-DV-01", "empty Discover Versions at 1.1 first on every connection", "6.5-8.0"},
      {"VC-BATCH-01", "Unique Batch Item IDs echoed", "6.5-8.0"},
      {"VC-QUERY-01", "Query Server Information", "6.5-8.0"},
      {"VC-CREATE-01", "vCenter's exact Create", "6.5-8.0"},
      {"VC-TAG-01", "GetAttributes of absent x- attributes", "7.0, 8.0"},
      {"VC-TAG-02", "3-item AddAttribute batch of x- attributes", "7.0, 8.0"},
      {"VC-TAG-03", "re-tagging an already tagged key", "7.0, 8.0"},
      {"VC-GET-01", "Get before Activate", "6.5-8.0"},
      {"VC-GET-02", "Get's key block: Raw, 32 bytes, nothing embedded", "6.5-8.0"},
      {"VC-STATE-01", "State Pre-Active, Activate, State Active", "6.5-8.0"},
      {"VC-REVOKE-01", "a revoked key seen through State and Get", "6.5-8.0"},
      {"VC-DESTROY-01", "a destroyed key seen through Get", "6.5-8.0"},
      {"VC-AUTH-01", "Username/Password credential accepted", "8.0"},
      {"VC-AUTH-02", "wrong password refused as an authentication failure", "8.0"},
      {"VC-CONC-01", "parallel connections like vCenter's", "7.0, 8.0"},
      {"VC-ROBUST-01", "a malformed message, then normal service", "6.5-8.0"},
      {"VC-LAT-01", "response latency under the health poll", "6.5-8.0"},
      {"VC-SCALE-01", "many keys with the same x-Name", "7.0, 8.0"},
      {"VC-PERSIST-01", "keys survive a KMS restart", "6.5-8.0"},
      {"VC-CLUSTER-01", "a key created on one node is served by the other", "6.5-8.0"},
  };
  return table;
}

std::string_view case_id(const reports::case_result& c) {
  std::string_view n = c.name;
  return n.substr(0, n.find(' '));
}

namespace {

constexpr std::string_view check_x_name = "kmip-harness-check";

// ---- rendering evidence -----------------------------------------------------------------------------------------

std::string render(std::span<const std::uint8_t> bytes) {
  auto tree = kmip::ttlv::decode_message(bytes);
  if (tree) return kmip::ttlv::to_text(tree->root());
  const std::size_t shown = std::min<std::size_t>(bytes.size(), 64);
  return "(not a KMIP message: " + tree.error().message() + ") " + std::to_string(bytes.size()) + " bytes: " +
         common::to_hex(bytes.first(shown)) + (shown < bytes.size() ? "..." : "");
}

std::string describe(const model::response_batch_item& item) {
  std::string s(spec::name_of(item.result_status));
  if (item.result_reason) s += ", " + std::string(spec::name_of(*item.result_reason));
  if (item.result_message) s += ": " + *item.result_message;
  return s;
}

std::string version_text(spec::protocol_version v) { return std::to_string(v.major) + "." + std::to_string(v.minor); }

// ---- one check's report -----------------------------------------------------------------------------------------

// Builds one case: steps in order, evidence attached to the current (last) step.
class recorder {
 public:
  explicit recorder(reports::case_result& c) : c_(c) {}
  void step(std::string name) { c_.steps.push_back({std::move(name), verdict::pass, 0, {}, {}}); }
  void evidence(reports::evidence e) {
    if (c_.steps.empty()) step("exchange");
    c_.steps.back().evidence.push_back(std::move(e));
  }
  // Decides the current step.
  void set(verdict v, std::string detail) {
    if (c_.steps.empty()) step("check");
    c_.steps.back().verdict = v;
    c_.steps.back().detail = std::move(detail);
  }
  void pass(std::string d) { set(verdict::pass, std::move(d)); }
  void warn(std::string d) { set(verdict::warn, std::move(d)); }
  void fail(std::string d) { set(verdict::fail, std::move(d)); }
  void skip(std::string d) { set(verdict::skip, std::move(d)); }

 private:
  reports::case_result& c_;
};

// The case's verdict: the worst of its steps (FAIL over WARN over PASS; SKIP only when nothing else ran), its
// message the deciding step's detail.
void conclude(reports::case_result& c) {
  auto rank = [](verdict v) { return v == verdict::fail ? 3 : v == verdict::warn ? 2 : v == verdict::pass ? 1 : 0; };
  c.verdict = verdict::skip;
  for (const auto& s : c.steps)
    if (rank(s.verdict) > rank(c.verdict)) c.verdict = s.verdict;
  if (c.steps.empty()) c.message = "the check ran no step";
  // A PASS is summed up by its last step (what was finally shown); anything else by the step that decided it.
  if (c.verdict == verdict::pass) c.message = c.steps.back().detail;
  else if (const auto* s = c.deciding_step()) c.message = s->detail;
}

// ---- KMIP over the wire -----------------------------------------------------------------------------------------

// What did not work in an exchange: the transport, or the KMS answered with a failure.
struct failure {
  std::string message;
  std::optional<spec::result_reason> reason;  // the KMS's Result Reason, when it answered
  bool answered = false;
};

struct context {
  const check_options& o;
  kmip::net::tls_context_ptr tls;  // null when the TLS files could not be loaded
  std::string tls_error;
  kms_server kms;                  // may move after a restart
};

// One KMIP connection of one check. Sends vCenter's messages and records each exchange as evidence.
class kms_session {
 public:
  kms_session(context& cx, recorder& rec, kms_server server, const client_identity* identity = nullptr)
      : cx_(cx), rec_(rec), server_(std::move(server)), identity_(identity) {}
  ~kms_session() { close(); }

  common::expected<void, failure> open(bool preamble = true) {
    kmip::client::connection_options co;
    co.host = server_.host;
    co.port = server_.port;
    co.tls.ca_files = cx_.o.ca_files;
    const client_identity& id = identity_ ? *identity_ : cx_.o.identity;
    co.tls.cert_file = id.cert_file;
    co.tls.key_file = id.key_file;
    co.tls.protocol.allow_aes128_sha256 = true;  // vCenter's ClientHello offers it (W1), beside ECDHE
    co.connect_timeout = cx_.o.connect_timeout;
    co.io_timeout = cx_.o.io_timeout;
    co.close_timeout = std::min(cx_.o.io_timeout, std::chrono::milliseconds{1000});
    kmip::net::tls_context_ptr tls = cx_.tls;
    if (identity_) {
      auto ctx = kmip::net::make_client_context(co.tls);
      if (!ctx) return common::unexpected{failure{"client certificate: " + ctx.error().message, {}, false}};
      tls = *ctx;
    }
    if (!tls) return common::unexpected{failure{"TLS configuration: " + cx_.tls_error, {}, false}};
    conn_.emplace(co, tls);
    if (auto c = conn_->connect(); !c)
      return common::unexpected{failure{c.error().to_string(), {}, false}};
    if (!preamble) return {};
    auto r = send(conv::message({conv::discover_versions()}), "Discover Versions (connection preamble)");
    if (!r) return common::unexpected{std::move(r).error()};
    if (r->batch_items.front().result_status != spec::result_status::success)
      return common::unexpected{failure{"the connection's first Discover Versions failed: " + describe(r->batch_items.front()),
                                        r->batch_items.front().result_reason, true}};
    return {};
  }

  // Sends a message and decodes the answer; a transport failure or an undecodable answer is a failure. Checks that
  // the answer has one item per request item.
  common::expected<model::response_message, failure> send(const model::request_message& m, std::string title) {
    if (!conn_ || !conn_->is_open()) return common::unexpected{failure{"not connected", {}, false}};
    auto bytes = model::to_bytes(m);
    if (!bytes) return common::unexpected{failure{"cannot encode the request: " + bytes.error().to_string(), {}, false}};
    reports::evidence e{std::move(title), render(*bytes), {}};
    auto answer = conn_->exchange(*bytes);
    if (!answer) {
      e.response = "(no answer: " + answer.error().to_string() + ")";
      rec_.evidence(std::move(e));
      return common::unexpected{failure{"no answer from the KMS: " + answer.error().to_string(), {}, false}};
    }
    e.response = render(*answer);
    rec_.evidence(std::move(e));
    auto response = model::response_from_bytes(*answer);
    if (!response)
      return common::unexpected{failure{"the KMS answered something that is not a KMIP response: " + response.error().to_string(), {}, false}};
    if (response->batch_items.size() != m.batch_items.size())
      return common::unexpected{failure{"a request of " + std::to_string(m.batch_items.size()) + " batch items got " +
                                            std::to_string(response->batch_items.size()) + " answers", {}, false}};
    return std::move(*response);
  }

  // One item in one message; its typed payload on Success.
  template <class Response>
  common::expected<Response, failure> call(model::request_batch_item item, std::string title, bool credential = false,
                                           std::optional<std::string> password = std::nullopt) {
    std::optional<model::authentication> auth;
    if (credential && cx_.o.username)
      auth = conv::username_password(*cx_.o.username, password ? password : cx_.o.password);
    auto r = send(conv::message({std::move(item)}, auth), std::move(title));
    if (!r) return common::unexpected{std::move(r).error()};
    auto& out = r->batch_items.front();
    if (out.result_status != spec::result_status::success)
      return common::unexpected{failure{describe(out), out.result_reason, true}};
    if (out.payload)
      if (auto* p = std::get_if<Response>(&*out.payload)) return std::move(*p);
    return common::unexpected{failure{"the response payload is not the operation's", {}, true}};
  }

  void close() {
    if (conn_) conn_->close();
    conn_.reset();
  }

 private:
  context& cx_;
  recorder& rec_;
  kms_server server_;
  const client_identity* identity_;
  std::optional<kmip::client::connection> conn_;
};

// Steps every key-based check shares.
common::expected<std::string, failure> create_key(kms_session& l, bool credential = false) {
  auto r = l.call<model::create_response>(conv::create(), "Create", credential);
  if (!r) return common::unexpected{std::move(r).error()};
  if (r->unique_identifier.empty()) return common::unexpected{failure{"Create returned an empty Unique Identifier", {}, true}};
  return std::move(r->unique_identifier);
}

common::expected<spec::state, failure> state_of(kms_session& l, const std::string& id, bool credential = false) {
  auto r = l.call<model::get_attributes_response>(conv::get_attribute(id, "State"), "GetAttributes(State)", credential);
  if (!r) return common::unexpected{std::move(r).error()};
  const auto* a = model::find_attribute(r->attributes, "State");
  auto s = a ? a->enum_value<spec::state>() : std::nullopt;
  if (!s) return common::unexpected{failure{"GetAttributes(State) returned no State", {}, true}};
  return *s;
}

// Opens a session and creates a key; records the step. nullopt (with the case failed) when either fails.
std::optional<std::string> open_and_create(kms_session& l, recorder& rec, std::string_view consequence) {
  rec.step("connect and Create a key");
  if (auto o = l.open(); !o) {
    rec.fail(o.error().message);
    return std::nullopt;
  }
  auto id = create_key(l);
  if (!id) {
    rec.fail("Create failed: " + id.error().message + "; " + std::string(consequence));
    return std::nullopt;
  }
  rec.pass("created key " + *id);
  return *id;
}

probe_options probe_for(const context& cx, const client_identity* id) {
  probe_options p;
  p.host = cx.kms.host;
  p.port = cx.kms.port;
  if (!cx.o.ca_files.empty()) p.ca_file = cx.o.ca_files.front();
  if (id) {
    p.cert_file = id->cert_file;
    p.key_file = id->key_file;
  }
  p.timeout = cx.o.connect_timeout;
  return p;
}

// A TLS handshake with `p`, then a Discover Versions: whether the KMS serves KMIP over that handshake (a TLS 1.3
// server refuses a client certificate only after the handshake). The negotiated protocol and suite, or why not:
// stage refused when the KMS refused what was offered (also after the handshake); otherwise the set-up, TCP or
// timeout failure that says nothing about the KMS's TLS.
common::expected<std::string, probe_error> probe_kmip(const probe_options& p, recorder& rec, std::string title) {
  using stage = probe_error::stage;
  auto after = [&](const probe_error& e, const std::string& negotiated, std::string_view step) {
    return common::unexpected{probe_error{e.where, "handshake " + negotiated + " completed, then " + std::string(step) + ": " + e.message}};
  };
  auto c = tls_probe::connect(p);
  if (!c) return common::unexpected{c.error()};
  const std::string negotiated = (*c)->protocol() + " " + (*c)->cipher();
  auto bytes = model::to_bytes(conv::message({conv::discover_versions()}));
  reports::evidence e{std::move(title) + " over " + negotiated, bytes ? render(*bytes) : "", {}};
  auto done = [&](std::string response) {
    e.response = std::move(response);
    rec.evidence(std::move(e));
  };
  if (!bytes) return common::unexpected{probe_error{stage::setup, "cannot encode Discover Versions"}};
  if (auto w = (*c)->write(*bytes); !w) {
    done("(" + w.error().message + ")");
    return after(w.error(), negotiated, "writing failed");
  }
  auto answer = (*c)->read_message();
  (*c)->close();
  if (!answer) {
    done("(" + answer.error().message + ")");
    return after(answer.error(), negotiated, "no KMIP answer");
  }
  done(render(*answer));
  auto response = model::response_from_bytes(*answer);
  if (!response || response->batch_items.empty() ||
      response->batch_items.front().result_status != spec::result_status::success)
    return common::unexpected{probe_error{
        stage::refused, "handshake " + negotiated + " completed, but Discover Versions was not answered with Success"}};
  return negotiated;
}

// After a check that may have hurt the KMS: does a fresh vCenter connection still get served?
bool still_serving(context& cx, recorder& rec) {
  rec.step("a fresh connection is still served");
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(); !o) {
    rec.fail("the KMS no longer serves new connections: " + o.error().message);
    return false;
  }
  rec.pass("Discover Versions answered on a new connection");
  return true;
}

// ---- the checks -------------------------------------------------------------------------------------------------

// A probe that never reached a handshake says nothing about the KMS's TLS: the check FAILs with the reason (the KMS
// is unreachable, or a local file is wrong). True when the error is the KMS's answer to what was offered.
bool judged(const probe_error& e, recorder& rec) {
  using stage = probe_error::stage;
  switch (e.where) {
    case stage::refused: return true;
    case stage::tcp: rec.fail("the KMS is unreachable: " + e.message); break;
    case stage::timeout: rec.fail("the KMS does not answer: " + e.message + ": vCenter cannot use it"); break;
    case stage::setup: rec.fail("the probe could not be set up: " + e.message); break;
  }
  return false;
}

void tls_12_ecdhe(context& cx, recorder& rec) {
  rec.step("TLS 1.2 handshake offering ECDHE with AES-GCM only, then Discover Versions");
  auto p = probe_for(cx, &cx.o.identity);
  p.min_version = p.max_version = TLS1_2_VERSION;
  p.cipher_list = std::string(kmip::net::default_tls12_ciphers);
  auto r = probe_kmip(p, rec, "Discover Versions");
  if (r) rec.pass("negotiated " + *r);
  else if (!judged(r.error(), rec)) return;
  else
    rec.warn(r.error().message + ": a vCenter that offers only forward-secret suites cannot connect (8.0 U3's TLS profiles "
                         "may restrict TLS 1.2 so [I]); vCenter 7.0.3 can still use AES128-SHA256 (VC-TLS-02)");
}

void tls_12_legacy(context& cx, recorder& rec) {
  rec.step("TLS 1.2 handshake offering AES128-SHA256 only (RSA key exchange), then Discover Versions");
  auto p = probe_for(cx, &cx.o.identity);
  p.min_version = p.max_version = TLS1_2_VERSION;
  p.cipher_list = std::string(kmip::net::vcenter_legacy_cipher);
  auto r = probe_kmip(p, rec, "Discover Versions");
  if (r) rec.pass("negotiated " + *r);
  else if (!judged(r.error(), rec)) return;
  else
    rec.warn(r.error().message +
             ": vCenter 7.0.3 negotiated this suite with PyKMIP (W1); if its ClientHello offers nothing else the "
             "KMS accepts, adding the KMS fails. Whether it also offers ECDHE is not known [I]. (The suite needs an "
             "RSA server certificate.)");
}

void tls_13(context& cx, recorder& rec) {
  rec.step("TLS 1.3 handshake, then Discover Versions");
  auto p = probe_for(cx, &cx.o.identity);
  p.min_version = p.max_version = TLS1_3_VERSION;
  auto r = probe_kmip(p, rec, "Discover Versions");
  if (r) rec.pass("negotiated " + *r);
  else if (!judged(r.error(), rec)) return;
  else
    rec.warn(r.error().message + ": vSphere 8.0 U3's TLS profiles enable TLS 1.3; a vCenter restricted to it cannot "
                         "connect [I: whether the profile governs the KMIP client is unknown]");
}

void tls_old(context& cx, recorder& rec) {
  for (auto [version, name] : {std::pair{TLS1_VERSION, "TLS 1.0"}, std::pair{TLS1_1_VERSION, "TLS 1.1"}}) {
    rec.step(std::string(name) + " handshake (nothing newer offered)");
    auto p = probe_for(cx, &cx.o.identity);
    p.min_version = p.max_version = version;
    p.legacy = true;
    auto c = tls_probe::connect(p);
    if (!c) {
      if (!judged(c.error(), rec)) return;
      rec.pass(std::string(name) + " refused: " + c.error().message);
      continue;
    }
    rec.fail(std::string("the KMS accepted ") + name + " (" + (*c)->cipher() +
             "): key material can travel over a deprecated protocol; vSphere 8.0 disables TLS 1.0/1.1 and so "
             "must the KMS (KMIP profiles require TLS 1.2+)");
    (*c)->close();
  }
}

void cert_variant(context& cx, recorder& rec, const std::optional<client_identity>& id, std::string_view what,
                  std::string_view option, std::string_view consequence) {
  rec.step(std::string("connect with ") + std::string(what) + ", then Discover Versions");
  if (!id) {
    rec.skip("not run: give " + std::string(option) + " to test it");
    return;
  }
  kms_session l(cx, rec, cx.kms, &*id);
  if (auto o = l.open(); !o) {
    rec.fail(o.error().message + ": " + std::string(consequence));
    return;
  }
  rec.pass("served");
}

void cert_none(context& cx, recorder& rec) {
  rec.step("TLS handshake without a client certificate, then Discover Versions");
  auto p = probe_for(cx, nullptr);
  auto r = probe_kmip(p, rec, "Discover Versions");
  if (r)
    rec.warn("the KMS serves KMIP to a client without a certificate (" + *r +
             "): vCenter works, but anyone who reaches the port is served unless a credential is required");
  else if (!judged(r.error(), rec))
    return;
  else
    rec.pass("refused: " + r.error().message);
  still_serving(cx, rec);
}

void bare_connection(context& cx, recorder& rec) {
  rec.step("TLS handshake, no KMIP, close (vCenter's certificate probe and health poll, W1/W2)");
  {
    kms_session l(cx, rec, cx.kms);
    if (auto o = l.open(false); !o) {
      rec.fail(o.error().message);
      return;
    }
    rec.pass("handshake completed; closed without a request");
  }
  still_serving(cx, rec);
}

void discover_versions(context& cx, recorder& rec) {
  rec.step("Discover Versions with an empty payload, 1.1 header, no batch ID, as the connection's first request");
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(false); !o) {
    rec.fail(o.error().message);
    return;
  }
  auto r = l.send(conv::message({conv::discover_versions()}), "Discover Versions");
  const std::string consequence = ": vCenter sends this first on every connection, so every key operation fails";
  if (!r) {
    rec.fail(r.error().message + consequence);
    return;
  }
  const auto& item = r->batch_items.front();
  if (item.result_status != spec::result_status::success) {
    rec.fail("Discover Versions failed: " + describe(item) + consequence);
    return;
  }
  if (r->header.protocol_version != conv::header_version) {
    rec.fail("the response header says KMIP " + version_text(r->header.protocol_version) +
             ", not the request's 1.1: vCenter's reaction was never observed [I: assume it fails]" );
    return;
  }
  const auto* dv = item.payload ? std::get_if<model::discover_versions_response>(&*item.payload) : nullptr;
  std::string listed;
  bool has_1_1 = false;
  if (dv)
    for (const auto& v : dv->protocol_versions) {
      listed += (listed.empty() ? "" : ", ") + version_text(v);
      has_1_1 = has_1_1 || v == conv::header_version;
    }
  if (!has_1_1) {
    rec.fail("the list (" + (listed.empty() ? std::string("empty") : listed) +
             ") does not contain 1.1, the only version vCenter speaks");
    return;
  }
  rec.pass("Success, 1.1 header, versions " + listed);
}

void batch_ids(context& cx, recorder& rec) {
  rec.step("Discover Versions with batch ID QLKC 1 (the Add-KMS connection test and the health poll)");
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(); !o) {
    rec.fail(o.error().message);
    return;
  }
  auto r = l.send(conv::message({conv::discover_versions(true)}), "Discover Versions (QLKC 1)");
  if (!r) {
    rec.fail(r.error().message);
    return;
  }
  const auto& id = r->batch_items.front().unique_batch_item_id;
  if (!id || *id != conv::batch_id(1)) {
    rec.fail(std::string(id ? "the response item's Unique Batch Item ID is " + common::to_hex(*id)
                            : "the response item carries no Unique Batch Item ID") +
             ", not the request's QLKC 1: vCenter matches answers to requests by it, so its requests fail");
    return;
  }
  rec.pass("QLKC 1 echoed");
}

void query(context& cx, recorder& rec) {
  rec.step("Query with Query Server Information only (the Add-KMS vendor lookup)");
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(); !o) {
    rec.fail(o.error().message);
    return;
  }
  auto r = l.call<model::query_response>(conv::query_server_information(), "Query(Query Server Information)");
  if (!r) {
    rec.warn("Query failed (" + r.error().message +
             "): vCenter shows no vendor for the KMS; what else it does then is not known [I]");
    return;
  }
  if (!r->vendor_identification || r->vendor_identification->empty()) {
    rec.warn("no Vendor Identification: vCenter shows no vendor for the KMS");
    return;
  }
  rec.pass("Vendor Identification \"" + *r->vendor_identification + "\"");
}

void create(context& cx, recorder& rec) {
  rec.step("Create: Symmetric Key, AES, Encrypt|Decrypt, 256, no Name (W1 s51)");
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(); !o) {
    rec.fail(o.error().message);
    return;
  }
  auto r = l.call<model::create_response>(conv::create(), "Create");
  if (!r) {
    rec.fail("Create failed: " + r.error().message + ": VM encryption and host encryption mode fail");
    return;
  }
  if (r->unique_identifier.empty()) {
    rec.fail("empty Unique Identifier: vCenter cannot record the key; VM encryption fails");
    return;
  }
  if (r->object_type != spec::object_type::symmetric_key) {
    rec.fail("Object Type " + std::string(spec::name_of(r->object_type)) + " instead of Symmetric Key");
    return;
  }
  rec.pass("Unique Identifier \"" + r->unique_identifier + "\"");
}

// The tagging checks concern the profiles that tag keys (7.0 and later, §2.2 [I]).
bool tags_here(const context& cx, recorder& rec) {
  if (tags_keys(cx.o.profile)) return true;
  rec.step("x- attribute tagging");
  rec.skip("not run: " + std::string(to_string(cx.o.profile)) + " does not tag keys (tagging appears in 7.0.x)");
  return false;
}

void tag_absent(context& cx, recorder& rec) {
  if (!tags_here(cx, rec)) return;
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "nothing to tag");
  if (!id) return;
  for (const auto& [name, value] : conv::product_tags(cx.o.profile)) {
    rec.step("GetAttributes(" + name + ") of a key that does not have it");
    auto r = l.call<model::get_attributes_response>(conv::get_attribute(*id, name), "GetAttributes(" + name + ")");
    if (!r) {
      rec.warn("failed (" + r.error().message +
               "): vCenter checks each x- attribute before adding it; with an error it does not tag the key, so "
               "the KMS's key list does not show which vCenter, VM or host uses it [I: the reaction is unknown]");
      return;
    }
    if (!r->attributes.empty()) {
      rec.warn("Success, but with " + std::to_string(r->attributes.size()) +
               " attributes for a name the key does not have: vCenter then skips tagging it");
      return;
    }
    rec.pass("Success with no attribute");
  }
}

// One tagging batch and its read-back; the verdict of the step it records. False when it did not pass.
bool tag_batch(kms_session& l, recorder& rec, const std::string& id, const conv::tag_list& tags, std::string_view round) {
  rec.step(std::string(round) + ": one message of " + std::to_string(tags.size()) + " AddAttribute items");
  auto r = l.send(conv::message(conv::add_attributes(id, tags)), "AddAttribute x" + std::to_string(tags.size()));
  const std::string consequence =
      ": vCenter tolerates it (W1: PyKMIP refused every batch and encryption completed), but the KMS's key list "
      "does not show which vCenter, VM or host uses the key";
  if (!r) {
    rec.warn(r.error().message + consequence);
    return false;
  }
  for (std::size_t i = 0; i < tags.size(); ++i) {
    const auto& item = r->batch_items[i];
    if (item.result_status != spec::result_status::success) {
      rec.warn("item " + std::to_string(i + 1) + " (" + tags[i].first + "): " + describe(item) + consequence);
      return false;
    }
    if (item.unique_batch_item_id != conv::batch_id(static_cast<std::uint32_t>(i + 1))) {
      rec.warn("item " + std::to_string(i + 1) + " does not echo its batch ID" + consequence);
      return false;
    }
    const auto* p = item.payload ? std::get_if<model::add_attribute_response>(&*item.payload) : nullptr;
    if (!p || p->unique_identifier != id || !p->attribute || p->attribute->name != tags[i].first) {
      rec.warn("item " + std::to_string(i + 1) + " does not echo the Unique Identifier and the Attribute" + consequence);
      return false;
    }
  }
  rec.pass("three Successes, each echoing its batch ID, the Unique Identifier and the Attribute");
  rec.step(std::string(round) + ": read back with GetAttributes");
  for (const auto& [name, value] : tags) {
    auto g = l.call<model::get_attributes_response>(conv::get_attribute(id, name), "GetAttributes(" + name + ")");
    if (!g) {
      rec.warn("GetAttributes(" + name + ") failed: " + g.error().message + consequence);
      return false;
    }
    bool found = false;
    for (const auto& a : g->attributes) found = found || (a.name == name && a.text() == value);
    if (!found) {
      rec.warn(name + " does not read back as \"" + value + "\"" + consequence);
      return false;
    }
  }
  rec.pass("every value reads back");
  return true;
}

void tag_add(context& cx, recorder& rec) {
  if (!tags_here(cx, rec)) return;
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "nothing to tag");
  if (!id) return;
  tag_batch(l, rec, *id, conv::product_tags(cx.o.profile), "product tags");
}

void tag_again(context& cx, recorder& rec) {
  if (!tags_here(cx, rec)) return;
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "nothing to tag");
  if (!id) return;
  if (!tag_batch(l, rec, *id, conv::identity_tags("42-check-vm", "Virtual Machine", std::string(check_x_name)),
                 "first tagging"))
    return;
  // The VM was renamed, or the key is reused by a clone: the same names again, on a tagged key.
  rec.step("second tagging of the same names: one message of 3 AddAttribute items");
  auto again = conv::identity_tags("42-check-vm", "Virtual Machine", std::string(check_x_name) + "-renamed");
  auto r = l.send(conv::message(conv::add_attributes(*id, again)), "AddAttribute x3 (already tagged)");
  if (!r) {
    rec.warn(r.error().message);
    return;
  }
  std::string refused;
  for (const auto& item : r->batch_items)
    if (item.result_status != spec::result_status::success) refused += (refused.empty() ? "" : "; ") + describe(item);
  if (refused.empty()) {
    rec.pass("AddAttribute added second instances (the attributes are multi-instance)");
    return;
  }
  model::modify_attribute_request m;
  m.unique_identifier = *id;
  m.attribute = model::attr::text("x-Name", again[2].second);
  auto mod = l.call<model::modify_attribute_response>(model::make_request_item(std::move(m), conv::batch_id(1)),
                                                     "Modify Attribute(x-Name)");
  rec.warn("AddAttribute on an already tagged key refused (" + refused + "); Modify Attribute " +
           (mod ? std::string("works") : "fails too (" + mod.error().message + ")") +
           ": vCenter's reaction was never observed [I]; a renamed VM's key may keep its old name on the KMS");
}

void get_pre_active(context& cx, recorder& rec) {
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "VM encryption fails");
  if (!id) return;
  rec.step("Get of the new, Pre-Active key (vCenter Gets before it Activates, W1/W4)");
  auto g = l.call<model::get_response>(conv::get(*id), "Get");
  if (!g) {
    rec.fail("Get refused: " + g.error().message + ": VM encryption fails (vCenter fetches the new key before "
                                                   "activating it)");
    return;
  }
  rec.pass("served");
}

void get_key_block(context& cx, recorder& rec) {
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "VM encryption fails");
  if (!id) return;
  rec.step("Get with the Unique Identifier only");
  auto g = l.call<model::get_response>(conv::get(*id), "Get");
  if (!g) {
    rec.fail("Get failed: " + g.error().message);
    return;
  }
  const auto* sym = std::get_if<model::symmetric_key>(&g->object);
  if (!sym) {
    rec.fail("the object is not a Symmetric Key: ESXi cannot use it; VM encryption fails");
    return;
  }
  const auto& kb = sym->key_block;
  const auto* kv = kb.key_value ? std::get_if<model::key_value>(&*kb.key_value) : nullptr;
  const auto* material = kv ? std::get_if<common::secure_bytes>(&kv->key_material) : nullptr;
  std::string problems;
  auto add = [&](std::string p) { problems += (problems.empty() ? "" : "; ") + std::move(p); };
  if (kb.key_format_type != spec::key_format_type::raw)
    add("Key Format Type " + std::string(spec::name_of(kb.key_format_type)) + ", not Raw");
  if (!material) add("no plain Key Material byte string");
  else if (material->size() != 32) add("Key Material of " + std::to_string(material->size()) + " bytes, not 32");
  if (kb.cryptographic_algorithm != spec::cryptographic_algorithm::aes) add("Cryptographic Algorithm is not AES");
  if (kb.cryptographic_length != 256) add("Cryptographic Length is not 256");
  if (!problems.empty()) {
    rec.fail(problems + ": ESXi needs a raw 256-bit AES key to wrap its DEKs; VM encryption fails");
    return;
  }
  if (!kv->attributes.empty()) {
    rec.warn(std::to_string(kv->attributes.size()) +
             " attributes embedded in the Key Value: KMIP 1.x clients have choked on them (Cosmian had to strip "
             "them); vCenter's reaction is not known [I]");
    return;
  }
  rec.pass("Raw, 32 bytes, AES, 256, nothing embedded in the Key Value");
}

void state_flow(context& cx, recorder& rec) {
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "VM encryption fails");
  if (!id) return;
  const std::string consequence = ": vCenter uses only Active keys and activates a Pre-Active one (V-states); "
                                  "VM encryption fails";
  rec.step("GetAttributes(State) right after Create");
  auto s = state_of(l, *id);
  if (!s) {
    rec.fail(s.error().message + consequence);
    return;
  }
  if (*s == spec::state::active) {
    rec.pass("Active already (the KMS activates on Create; vCenter then skips Activate)");
    return;
  }
  if (*s != spec::state::pre_active) {
    rec.fail("State " + std::string(spec::name_of(*s)) + consequence);
    return;
  }
  rec.pass("Pre-Active");
  rec.step("Activate, then GetAttributes(State)");
  if (auto a = l.call<model::activate_response>(conv::activate(*id), "Activate"); !a) {
    rec.fail("Activate failed: " + a.error().message + consequence);
    return;
  }
  s = state_of(l, *id);
  if (!s || *s != spec::state::active) {
    rec.fail((s ? "State " + std::string(spec::name_of(*s)) : s.error().message) + " after Activate" + consequence);
    return;
  }
  rec.pass("Active");
}

common::expected<void, failure> activate_key(kms_session& l, const std::string& id) {
  auto a = l.call<model::activate_response>(conv::activate(id), "Activate");
  if (!a) return common::unexpected{std::move(a).error()};
  return {};
}

void revoke(context& cx, recorder& rec) {
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "nothing to revoke");
  if (!id) return;
  if (auto a = activate_key(l, *id); !a) {
    rec.fail("Activate failed: " + a.error().message);
    return;
  }
  rec.step("Revoke (Cessation of Operation), as the KMS administrator's kill switch");
  model::revoke_request rv;
  rv.unique_identifier = *id;
  rv.revocation_reason.code = spec::revocation_reason_code::cessation_of_operation;
  if (auto r = l.call<model::revoke_response>(model::make_request_item(std::move(rv), conv::batch_id(1)), "Revoke"); !r) {
    rec.skip("the KMS refused Revoke to vCenter's identity (" + r.error().message +
             "); revoke a key as the KMS administrator and check its State by hand");
    return;
  }
  rec.pass("revoked");
  rec.step("GetAttributes(State) and Get of the revoked key");
  auto s = state_of(l, *id);
  auto g = l.call<model::get_response>(conv::get(*id), "Get");
  const std::string get_text = g ? "Get still serves it" : "Get answers " + g.error().message;
  if (!s) {
    rec.fail("State unreadable: " + s.error().message);
    return;
  }
  if (*s != spec::state::deactivated && *s != spec::state::compromised) {
    rec.fail("State " + std::string(spec::name_of(*s)) +
             " after Revoke: vCenter keeps using the key, so the kill switch does not lock VMs (V-states)");
    return;
  }
  if (!g && !g.error().answered) {
    rec.fail("Get of a revoked key broke the exchange: " + g.error().message);
    return;
  }
  rec.pass("State " + std::string(spec::name_of(*s)) + "; " + get_text +
           ": vCenter reports the key not active, and VMs needing it lock (KeyStateNotActiveOrEnabled)");
}

void destroy(context& cx, recorder& rec) {
  kms_session l(cx, rec, cx.kms);
  auto id = open_and_create(l, rec, "nothing to destroy");
  if (!id) return;
  rec.step("Destroy the Pre-Active key");
  model::destroy_request d;
  d.unique_identifier = *id;
  if (auto r = l.call<model::destroy_response>(model::make_request_item(std::move(d), conv::batch_id(1)), "Destroy"); !r) {
    rec.skip("the KMS refused Destroy to vCenter's identity (" + r.error().message +
             "); destroy a key as the KMS administrator and Get it by hand");
    return;
  }
  rec.pass("destroyed");
  rec.step("Get of the destroyed key");
  auto g = l.call<model::get_response>(conv::get(*id), "Get");
  if (g) {
    rec.fail("Get still returns the key after Destroy: key material the administrator destroyed is still served");
    return;
  }
  if (!g.error().answered) {
    rec.fail("Get of a destroyed key broke the exchange: " + g.error().message);
    return;
  }
  rec.pass("well-formed failure (" + g.error().message + "): vCenter reports the key missing in the KMS");
}

void auth_right(context& cx, recorder& rec) {
  rec.step("Create, Get, GetAttributes(State), Activate with the Username/Password credential (W4)");
  if (!cx.o.username) {
    rec.skip("not run: give --username and --password-file (vCenter sends a credential only when one is configured)");
    return;
  }
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(); !o) {
    rec.fail(o.error().message);
    return;
  }
  auto id = create_key(l, true);
  if (!id) {
    rec.fail("Create with the credential failed: " + id.error().message + ": key generation fails (KB1)");
    return;
  }
  auto g = l.call<model::get_response>(conv::get(*id), "Get", true);
  auto s = g ? state_of(l, *id, true) : common::expected<spec::state, failure>(common::unexpected{g.error()});
  if (!g || !s) {
    rec.fail((g ? s.error().message : g.error().message) + ": fetching keys with the credential fails");
    return;
  }
  rec.pass("served with the credential");
}

void auth_wrong(context& cx, recorder& rec) {
  rec.step("Create with a wrong password");
  if (!cx.o.username) {
    rec.skip("not run: give --username and --password-file");
    return;
  }
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(); !o) {
    rec.fail(o.error().message);
    return;
  }
  auto r = l.call<model::create_response>(conv::create(), "Create (wrong password)", true,
                                          std::string("kmip-harness-wrong-password"));
  if (r) {
    rec.warn("a wrong password was accepted: the KMS ignores the credential (identity comes from the certificate)");
    return;
  }
  if (!r.error().answered) {
    rec.fail("a wrong password broke the exchange: " + r.error().message);
    return;
  }
  if (r.error().reason != spec::result_reason::authentication_not_successful) {
    rec.warn("refused, but as " + r.error().message +
             " rather than Authentication Not Successful: vCenter's log will not say the password is wrong");
    return;
  }
  rec.pass("Authentication Not Successful");
}

key_provider_options provider_options(const context& cx, const std::vector<kms_server>& servers) {
  key_provider_options p;
  p.servers = servers;
  p.tls.ca_files = cx.o.ca_files;
  p.tls.cert_file = cx.o.identity.cert_file;
  p.tls.key_file = cx.o.identity.key_file;
  p.tls.protocol.allow_aes128_sha256 = true;
  p.username = cx.o.username;
  p.password = cx.o.password;
  p.profile = cx.o.profile;
  p.connect_timeout = cx.o.connect_timeout;
  p.io_timeout = cx.o.io_timeout;
  p.max_parallel_connections = std::max(1u, cx.o.parallel_tasks);
  return p;
}

// Records up to `limit` of the provider's exchanges as evidence of the current step.
void record_provider(key_provider& kp, recorder& rec, std::mutex& m, std::size_t limit) {
  auto count = std::make_shared<std::size_t>(0);
  kp.set_recorder([&rec, &m, count, limit](const wire_event& e) {
    std::lock_guard lock(m);
    if (e.what != wire_event::kind::request || (*count)++ >= limit) return;
    std::string response = e.error.empty() ? "" : "(" + e.error + ")";
    if (e.response)
      if (auto b = model::to_bytes(*e.response)) response = render(*b);
    rec.evidence({"connection " + std::to_string(e.connection), render(e.request), std::move(response)});
  });
}

void concurrency(context& cx, recorder& rec) {
  const unsigned n = std::max(2u, cx.o.parallel_tasks);
  rec.step(std::to_string(n) + " vCenter key generations at once (Create, tag, Get, State, Activate, tag), VM and "
           "host keys, each on its own connections, batch ID QLKC 1 on every message (W1 s51-s58)");
  key_provider kp(provider_options(cx, {cx.kms}));
  std::mutex m;
  record_provider(kp, rec, m, 12);
  std::vector<std::optional<kms_result<fetched_key>>> results(n);
  std::vector<std::function<void()>> tasks;
  for (unsigned i = 0; i < n; ++i)
    tasks.push_back([&, i] {
      key_tags t{"42-check-" + std::to_string(i), i % 2 ? "ESXi Server" : "Virtual Machine",
                 std::string(check_x_name) + "-" + std::to_string(i)};
      results[i] = kp.generate_key(t);
    });
  kp.run_parallel(std::move(tasks));
  kp.set_recorder({});
  std::set<std::string> ids;
  for (unsigned i = 0; i < n; ++i) {
    if (!results[i] || !*results[i]) {
      rec.fail("flow " + std::to_string(i + 1) + " failed: " + (results[i] ? results[i]->error().message : "did not run") +
               ": concurrent VM encryptions fail");
      return;
    }
    ids.insert((*results[i])->id);
  }
  if (ids.size() != n) {
    rec.fail("parallel Creates returned the same Unique Identifier twice: two VMs would share a key");
    return;
  }
  rec.pass(std::to_string(n) + " keys generated at once, all distinct and Active");
}

void robustness(context& cx, recorder& rec) {
  rec.step("a message whose header says Request Message but whose body is not TTLV");
  auto p = probe_for(cx, &cx.o.identity);
  auto c = tls_probe::connect(p);
  if (!c) {
    rec.fail("cannot connect: " + c.error().message);
    return;
  }
  // A Request Message structure of 16 bytes holding one item with tag 0x000000: not a KMIP tag.
  const std::vector<std::uint8_t> garbage = {0x42, 0x00, 0x78, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x07,
                                             0x00, 0x00, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x00, 0x00};
  reports::evidence e{"malformed Request Message", render(garbage), {}};
  if (auto w = (*c)->write(garbage); !w) {
    e.response = "(" + w.error().message + ")";
    rec.evidence(std::move(e));
    rec.pass("the KMS closed the connection: " + w.error().message);
  } else {
    auto answer = (*c)->read_message();
    e.response = answer ? render(*answer) : "(" + answer.error().message + ")";
    rec.evidence(std::move(e));
    if (answer) {
      auto r = model::response_from_bytes(*answer);
      if (r && !r->batch_items.empty() && r->batch_items.front().result_status != spec::result_status::success)
        rec.pass("a well-formed error: " + describe(r->batch_items.front()));
      else
        rec.warn("the answer to a malformed message is not a well-formed KMIP error");
    } else if (answer.error().where == probe_error::stage::timeout) {
      rec.warn("no answer and no close within the timeout: vCenter's request hangs until its own timeout");
    } else {
      rec.pass("no answer, the connection closed (" + answer.error().message + ")");
    }
  }
  (*c)->close();
  still_serving(cx, rec);
}

void latency(context& cx, recorder& rec) {
  const unsigned n = std::max(1u, cx.o.latency_polls);
  rec.step(std::to_string(n) + " health polls: bare TLS connection, then Discover Versions and Discover Versions "
           "(QLKC 1) on a new connection");
  key_provider kp(provider_options(cx, {cx.kms}));
  std::mutex m;
  record_provider(kp, rec, m, 4);
  std::vector<double> ms;
  for (unsigned i = 0; i < n; ++i) {
    const auto t0 = steady::now();
    auto r = kp.health_check();
    ms.push_back(std::chrono::duration<double, std::milli>(steady::now() - t0).count());
    if (!r) {
      kp.set_recorder({});
      rec.fail("health poll " + std::to_string(i + 1) + " failed: " + r.error().message +
               ": vCenter shows the KMS as not connected");
      return;
    }
  }
  kp.set_recorder({});
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
  char text[160];
  std::snprintf(text, sizeof text, "p50 %.1f ms, p99 %.1f ms, max %.1f ms (budget %lld ms)", pct(0.5), pct(0.99),
                ms.back(), static_cast<long long>(cx.o.latency_budget.count()));
  if (pct(0.99) > static_cast<double>(cx.o.latency_budget.count())) {
    rec.warn(std::string(text) + ": a slow KMS risks vCenter's unknown timeouts [I]; the KMS status may flap");
    return;
  }
  rec.pass(text);
}

void scale(context& cx, recorder& rec) {
  if (!tags_here(cx, rec)) return;
  const unsigned n = std::max(2u, cx.o.scale_keys);
  const std::string name = std::string(check_x_name) + "-duplicate";
  rec.step("create " + std::to_string(n) + " keys tagged with the same x-Name \"" + name +
           "\" (VM names repeat; vCenter never destroys keys)");
  key_provider kp(provider_options(cx, {cx.kms}));
  std::mutex m;
  record_provider(kp, rec, m, 8);
  unsigned refused = 0;
  std::string first_refusal;
  for (unsigned i = 0; i < n; ++i) {
    auto id = kp.create_key();
    if (!id) {
      kp.set_recorder({});
      rec.fail("Create " + std::to_string(i + 1) + " of " + std::to_string(n) + " failed: " + id.error().message +
               ": new VMs cannot be encrypted");
      return;
    }
    if (auto t = kp.tag_identity(*id, {"42-check-scale-" + std::to_string(i), "Virtual Machine", name}); !t) {
      if (refused++ == 0) first_refusal = "key " + std::to_string(i + 1) + ": " + t.error().message;
    }
  }
  kp.set_recorder({});
  if (refused == n) {
    rec.warn("no key could be tagged (" + first_refusal + "): see VC-TAG-02");
    return;
  }
  if (refused) {
    rec.warn(std::to_string(refused) + " of " + std::to_string(n) + " keys could not be tagged with a duplicate x-Name (" +
             first_refusal + "): the KMS treats x-Name as unique, so keys of VMs sharing a name stay untagged");
    return;
  }
  rec.pass(std::to_string(n) + " keys created and tagged with one x-Name");
}

void persistence(context& cx, recorder& rec) {
  rec.step("Create and Activate a key, read it");
  if (!cx.o.restart) {
    rec.skip("not run: give --restart-cmd (a command that restarts the KMS) to test it");
    return;
  }
  std::string id;
  common::secure_bytes before;
  {
    kms_session l(cx, rec, cx.kms);
    if (auto o = l.open(); !o) {
      rec.fail(o.error().message);
      return;
    }
    auto k = create_key(l);
    if (!k) {
      rec.fail("Create failed: " + k.error().message);
      return;
    }
    id = *k;
    if (auto a = activate_key(l, id); !a) {
      rec.fail("Activate failed: " + a.error().message);
      return;
    }
    auto g = l.call<model::get_response>(conv::get(id), "Get");
    const auto* sym = g ? std::get_if<model::symmetric_key>(&g->object) : nullptr;
    const auto* mat = sym ? sym->key_block.raw_key_material() : nullptr;
    if (!mat) {
      rec.fail("Get did not return raw key material" + (g ? std::string() : ": " + g.error().message));
      return;
    }
    before = *mat;
  }
  rec.pass("key " + id + " Active");
  rec.step("restart the KMS");
  auto moved = cx.o.restart();
  if (!moved) {
    rec.fail("the restart failed: " + moved.error());
    return;
  }
  cx.kms = *moved;
  rec.pass("restarted; listening on " + cx.kms.host + ":" + std::to_string(cx.kms.port));
  rec.step("Get and GetAttributes(State) of the same key after the restart");
  kms_session l(cx, rec, cx.kms);
  if (auto o = l.open(); !o) {
    rec.fail("after the restart: " + o.error().message);
    return;
  }
  auto g = l.call<model::get_response>(conv::get(id), "Get");
  const auto* sym = g ? std::get_if<model::symmetric_key>(&g->object) : nullptr;
  const auto* mat = sym ? sym->key_block.raw_key_material() : nullptr;
  const std::string consequence = ": VMs lock after a host reboot (\"Key " + id + " not found\", P#660)";
  if (!g) {
    rec.fail("Get failed: " + g.error().message + consequence);
    return;
  }
  if (!mat || *mat != before) {
    rec.fail("the key material changed across the restart" + consequence);
    return;
  }
  auto s = state_of(l, id);
  if (!s || *s != spec::state::active) {
    rec.fail("State after the restart: " + (s ? std::string(spec::name_of(*s)) : s.error().message) + consequence);
    return;
  }
  rec.pass("same material, still Active");
}

void cluster(context& cx, recorder& rec) {
  rec.step("Create on the first KMS");
  if (!cx.o.second_kms) {
    rec.skip("not run: give --kms a second time (a second node of the same cluster) to test it");
    return;
  }
  kms_session a(cx, rec, cx.kms);
  if (auto o = a.open(); !o) {
    rec.fail(o.error().message);
    return;
  }
  auto id = create_key(a);
  if (!id) {
    rec.fail("Create failed: " + id.error().message);
    return;
  }
  a.close();
  rec.pass("key " + *id);
  rec.step("Get, GetAttributes(State) and Activate on the second KMS");
  kms_session b(cx, rec, *cx.o.second_kms);
  if (auto o = b.open(); !o) {
    rec.fail(o.error().message);
    return;
  }
  const std::string consequence = ": when the first KMS is down, vCenter fails over and finds no key; VMs lock";
  auto g = b.call<model::get_response>(conv::get(*id), "Get");
  if (!g) {
    rec.fail("Get on the second KMS failed: " + g.error().message + consequence);
    return;
  }
  auto s = state_of(b, *id);
  if (!s) {
    rec.fail("GetAttributes(State) on the second KMS failed: " + s.error().message + consequence);
    return;
  }
  if (auto act = activate_key(b, *id); !act) {
    rec.fail("Activate on the second KMS failed: " + act.error().message + consequence);
    return;
  }
  rec.pass("served by the second KMS at once");
}

using check_fn = void (*)(context&, recorder&);

check_fn function_of(std::string_view id) {
  static const std::vector<std::pair<std::string_view, check_fn>> table = {
      {"VC-TLS-01", tls_12_ecdhe},
      {"VC-TLS-02", tls_12_legacy},
      {"VC-TLS-03", tls_13},
      {"VC-TLS-04", tls_old},
      {"VC-CERT-01",
       [](context& cx, recorder& rec) {
         cert_variant(cx, rec, cx.o.no_eku_identity, "a client certificate without Extended Key Usage",
                      "--cert-no-eku and --key-no-eku",
                      "vCenter 6.5's generated certificate had no EKU (P#234): adding the KMS fails");
       }},
      {"VC-CERT-02",
       [](context& cx, recorder& rec) {
         cert_variant(cx, rec, cx.o.kms_own_identity, "the KMS's own certificate and key",
                      "--cert-kms-own and --key-kms-own",
                      "vCenter's \"KMS certificate and private key\" trust flow uploads exactly that (P#717, C1): "
                      "adding the KMS that way fails");
       }},
      {"VC-CERT-03", cert_none},
      {"VC-CONN-01", bare_connection},
      {"VC-DV-01", discover_versions},
      {"VC-BATCH-01", batch_ids},
      {"VC-QUERY-01", query},
      {"VC-CREATE-01", create},
      {"VC-TAG-01", tag_absent},
      {"VC-TAG-02", tag_add},
      {"VC-TAG-03", tag_again},
      {"VC-GET-01", get_pre_active},
      {"VC-GET-02", get_key_block},
      {"VC-STATE-01", state_flow},
      {"VC-REVOKE-01", revoke},
      {"VC-DESTROY-01", destroy},
      {"VC-AUTH-01", auth_right},
      {"VC-AUTH-02", auth_wrong},
      {"VC-CONC-01", concurrency},
      {"VC-ROBUST-01", robustness},
      {"VC-LAT-01", latency},
      {"VC-SCALE-01", scale},
      {"VC-PERSIST-01", persistence},
      {"VC-CLUSTER-01", cluster},
  };
  for (const auto& [k, f] : table)
    if (k == id) return f;
  return nullptr;
}

}  // namespace

reports::run run_checks(const check_options& options) {
  reports::run run;
  run.tool = reports::tool_kind::check;
  run.title = "kmip-harness check --kms " + options.kms.host + ":" + std::to_string(options.kms.port);
  run.started = std::chrono::system_clock::now();
  run.environment = {{"KMS", options.kms.host + ":" + std::to_string(options.kms.port)},
                     {"profile", std::string(to_string(options.profile))}};
  if (options.second_kms)
    run.environment.emplace_back("second KMS", options.second_kms->host + ":" + std::to_string(options.second_kms->port));
  const auto t0 = steady::now();

  context cx{options, nullptr, {}, options.kms};
  kmip::net::client_tls_options tls;
  tls.ca_files = options.ca_files;
  tls.cert_file = options.identity.cert_file;
  tls.key_file = options.identity.key_file;
  tls.protocol.allow_aes128_sha256 = true;
  if (auto ctx = kmip::net::make_client_context(tls)) cx.tls = *ctx;
  else cx.tls_error = ctx.error().message;

  reports::suite_result suite;
  suite.name = "vCenter compatibility (" + std::string(to_string(options.profile)) + ")";
  for (const auto& info : all_checks()) {
    reports::case_result c;
    c.name = std::string(info.id) + " " + std::string(info.title) + " (vSphere " + std::string(info.versions) + ")";
    const auto c0 = steady::now();
    recorder rec(c);
    try {
      if (auto f = function_of(info.id)) f(cx, rec);
    } catch (const std::exception& e) {
      rec.step("internal error");
      rec.fail(std::string("the check stopped on an internal error: ") + e.what());
    }
    conclude(c);
    c.duration_s = std::chrono::duration<double>(steady::now() - c0).count();
    if (options.progress) options.progress(c);
    suite.cases.push_back(std::move(c));
  }
  run.suites.push_back(std::move(suite));
  run.duration_s = std::chrono::duration<double>(steady::now() - t0).count();
  return run;
}

}  // namespace vcenter_sim::check
