// Test fixtures shared by kmip_net_test and kmip_client_test; see fixtures.hpp.
#include "kmip/net/testing/fixtures.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>

#include "kmip/ttlv/tree.hpp"
#include "kmip/ttlv/writer.hpp"

namespace kmip::net::testing {
namespace {

using spec::tag;

struct pki_store {
  std::mutex mutex;
  std::optional<tests::pki::temp_dir> dir;
  std::map<tests::pki::key_type, tests::pki::files> sets;
};

pki_store& store() {
  static pki_store s;  // destroyed at exit, removing the directory
  return s;
}

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "test PKI: %s\n", why.c_str());
  std::abort();
}

void add_header(ttlv::tree& t, spec::protocol_version version) {
  t.begin_structure(tag::response_header);
  t.begin_structure(tag::protocol_version);
  t.add_integer(tag::protocol_version_major, version.major);
  t.add_integer(tag::protocol_version_minor, version.minor);
  t.end_structure();
  t.add_date_time(tag::time_stamp, 1700000000);
  t.add_integer(tag::batch_count, 1);
  t.end_structure();
}

common::secure_bytes encode_or_die(const ttlv::tree& t) {
  auto bytes = ttlv::encode(t);
  if (!bytes) die("cannot encode a canned message: " + bytes.error().message());
  return std::move(*bytes);
}

}  // namespace

const tests::pki::files& shared_pki(tests::pki::key_type type) {
  pki_store& s = store();
  std::lock_guard lock(s.mutex);
  if (auto it = s.sets.find(type); it != s.sets.end()) return it->second;
  if (!s.dir) {
    auto dir = tests::pki::temp_dir::create("kmip-net-pki");
    if (!dir) die(dir.error());
    s.dir.emplace(std::move(*dir));
  }
  auto files = tests::pki::generate(s.dir->path() / std::string(tests::pki::to_string(type)), type);
  if (!files) die(files.error());
  return s.sets.emplace(type, std::move(*files)).first->second;
}

client_tls_options client_options(const tests::pki::files& pki) {
  client_tls_options o;
  o.ca_files = {pki.ca_cert.string()};
  o.cert_file = pki.client_cert.string();
  o.key_file = pki.client_key.string();
  return o;
}

server_tls_options server_options(const tests::pki::files& pki) {
  server_tls_options o;
  o.cert_file = pki.server_cert.string();
  o.key_file = pki.server_key.string();
  o.client_ca_files = {pki.ca_cert.string()};
  return o;
}

common::secure_bytes discover_versions_request(spec::protocol_version version) {
  ttlv::tree t;
  t.begin_structure(tag::request_message);
  t.begin_structure(tag::request_header);
  t.begin_structure(tag::protocol_version);
  t.add_integer(tag::protocol_version_major, version.major);
  t.add_integer(tag::protocol_version_minor, version.minor);
  t.end_structure();
  t.add_integer(tag::batch_count, 1);
  t.end_structure();
  t.begin_structure(tag::batch_item);
  t.add_enum(tag::operation, spec::operation::discover_versions);
  t.begin_structure(tag::request_payload);
  t.end_structure();
  t.end_structure();
  t.end_structure();
  return encode_or_die(t);
}

common::secure_bytes discover_versions_response(const std::vector<spec::protocol_version>& versions,
                                                spec::protocol_version version) {
  ttlv::tree t;
  t.begin_structure(tag::response_message);
  add_header(t, version);
  t.begin_structure(tag::batch_item);
  t.add_enum(tag::operation, spec::operation::discover_versions);
  t.add_enum(tag::result_status, spec::result_status::success);
  t.begin_structure(tag::response_payload);
  for (const spec::protocol_version& v : versions) {
    t.begin_structure(tag::protocol_version);
    t.add_integer(tag::protocol_version_major, v.major);
    t.add_integer(tag::protocol_version_minor, v.minor);
    t.end_structure();
  }
  t.end_structure();
  t.end_structure();
  t.end_structure();
  return encode_or_die(t);
}

common::secure_bytes failure_response(spec::operation op, spec::result_reason reason, std::string_view message) {
  ttlv::tree t;
  t.begin_structure(tag::response_message);
  add_header(t, {1, 1});
  t.begin_structure(tag::batch_item);
  t.add_enum(tag::operation, op);
  t.add_enum(tag::result_status, spec::result_status::operation_failed);
  t.add_enum(tag::result_reason, reason);
  t.add_text(tag::result_message, message);
  t.end_structure();
  t.end_structure();
  return encode_or_die(t);
}

}  // namespace kmip::net::testing
