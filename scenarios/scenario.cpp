// Names of the scenario enumerations as the YAML writes them, and placeholder binding for loop bodies.
#include "scenarios/scenario.hpp"

#include <type_traits>

namespace scenarios {

std::string source_location::to_string() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string_view to_string(kms_profile p) {
  switch (p) {
    case kms_profile::vcenter_6_7: return "vcenter-6.7";
    case kms_profile::vcenter_7_0: return "vcenter-7.0";
    case kms_profile::vcenter_8_0: return "vcenter-8.0";
  }
  return "?";
}

std::string_view to_string(vm_state s) {
  switch (s) {
    case vm_state::powered_on: return "powered_on";
    case vm_state::powered_off: return "powered_off";
    case vm_state::suspended: return "suspended";
    case vm_state::locked: return "locked";
  }
  return "?";
}

std::string_view to_string(key_state s) {
  switch (s) {
    case key_state::available: return "available";
    case key_state::KeyStateMissingInCache: return "KeyStateMissingInCache";
    case key_state::KeyStateClusterInvalid: return "KeyStateClusterInvalid";
    case key_state::KeyStateClusterUnreachable: return "KeyStateClusterUnreachable";
    case key_state::KeyStateMissingInKMS: return "KeyStateMissingInKMS";
    case key_state::KeyStateNotActiveOrEnabled: return "KeyStateNotActiveOrEnabled";
    case key_state::WrappingKeyMissingInKMS: return "WrappingKeyMissingInKMS";
  }
  return "?";
}

std::string_view to_string(data_state s) { return s == data_state::intact ? "intact" : "unreadable"; }

std::string_view to_string(host_crypto_state s) {
  switch (s) {
    case host_crypto_state::incapable: return "incapable";
    case host_crypto_state::prepared: return "prepared";
    case host_crypto_state::safe: return "safe";
  }
  return "?";
}

std::string_view to_string(revocation_reason r) {
  switch (r) {
    case revocation_reason::unspecified: return "unspecified";
    case revocation_reason::key_compromise: return "key_compromise";
    case revocation_reason::ca_compromise: return "ca_compromise";
    case revocation_reason::affiliation_changed: return "affiliation_changed";
    case revocation_reason::superseded: return "superseded";
    case revocation_reason::cessation_of_operation: return "cessation_of_operation";
    case revocation_reason::privilege_withdrawn: return "privilege_withdrawn";
  }
  return "?";
}

namespace {

constexpr std::string_view action_names[] = {
    "encrypt_vm", "enable_host_encryption", "power_on", "power_off", "suspend", "resume", "reboot_host",
    "register_vm", "snapshot", "consolidate", "shallow_rekey", "deep_rekey", "vmotion", "clone",
    "guest_write", "guest_read", "advance_clock", "core_dump", "verify", "revoke_key", "destroy_key",
    "kms_stop", "kms_start", "kms_restart", "partition", "heal", "repeat", "for_each"};
static_assert(std::size(action_names) == std::variant_size_v<action>);

void bind_in_place(std::string& s, const binding& b) { s = bind(s, b); }
void bind_in_place(std::optional<std::string>& s, const binding& b) {
  if (s) *s = bind(*s, b);
}

}  // namespace

std::string_view action_name(const action& a) { return action_names[a.index()]; }

const host_spec* scenario::find_host(std::string_view n) const {
  for (const auto& h : hosts)
    if (h.name == n) return &h;
  return nullptr;
}

const vm_spec* scenario::find_vm(std::string_view n) const {
  for (const auto& v : vms)
    if (v.name == n) return &v;
  return nullptr;
}

std::string bind(std::string_view text, const binding& b) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    if (text[pos] == '{') {
      const auto close = text.find('}', pos);
      if (close != std::string_view::npos) {
        const auto name = text.substr(pos + 1, close - pos - 1);
        if (name == "vm" && b.vm) { out += *b.vm; pos = close + 1; continue; }
        if (name == "host" && b.host) { out += *b.host; pos = close + 1; continue; }
        if (name == "i" && b.i) { out += std::to_string(*b.i); pos = close + 1; continue; }
      }
    }
    out += text[pos++];
  }
  return out;
}

step bind(const step& s, const binding& b) {
  step r = s;
  bind_in_place(r.name, b);
  bind_in_place(r.expect.vm, b);
  bind_in_place(r.expect.host, b);
  std::visit(
      [&](auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, repeat>) {
          binding inner = b;
          inner.i.reset();  // the loop binds its own {i}
          for (auto& x : a.steps) x = bind(x, inner);
        } else if constexpr (std::is_same_v<A, for_each>) {
          binding inner = b;
          inner.i.reset();
          (a.over == loop_over::vms ? inner.vm : inner.host).reset();
          for (auto& x : a.steps) x = bind(x, inner);
        } else {
          if constexpr (requires { a.vm; }) bind_in_place(a.vm, b);
          if constexpr (requires { a.host; }) bind_in_place(a.host, b);
          if constexpr (requires { a.to; }) bind_in_place(a.to, b);
          if constexpr (requires { a.as; }) bind_in_place(a.as, b);
          if constexpr (requires { a.server; }) bind_in_place(a.server, b);
          if constexpr (requires { a.name; }) bind_in_place(a.name, b);
          if constexpr (requires { a.key; }) {
            bind_in_place(a.key.vm, b);
            bind_in_place(a.key.host, b);
          }
        }
      },
      r.what);
  return r;
}

std::size_t expanded_step_count(const std::vector<step>& steps) {
  std::size_t n = 0;
  for (const auto& s : steps) {
    if (const auto* r = std::get_if<repeat>(&s.what))
      n += std::size_t{r->count} * expanded_step_count(r->steps);
    else if (const auto* f = std::get_if<for_each>(&s.what))
      n += f->names.size() * expanded_step_count(f->steps);
    else
      ++n;
  }
  return n;
}

}  // namespace scenarios
