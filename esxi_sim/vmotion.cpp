// vMotion steps (vmotion.hpp). The destination keeps received state in `incoming_` until it resumes the VM.
#include "esxi_sim/vmotion.hpp"

#include <map>

#include "esxi_sim/sealed_stream.hpp"

namespace esxi_sim {

// The steps reach into the hosts' registries without widening host's public interface.
class vmotion_access {
 public:
  static std::map<std::string, std::unique_ptr<vm>>& vms(host& h) { return h.vms_; }
  static auto& incoming(host& h) { return h.incoming_; }
};

namespace {

constexpr std::string_view stream_label = "esxi_sim.vmotion.v1";

std::vector<std::uint8_t> stream_aad(const migration_spec& spec, std::uint64_t len) {
  std::vector<std::uint8_t> aad(stream_label.begin(), stream_label.end());
  for (const std::string* f : {&spec.vm_name, &spec.source_host, &spec.destination_host}) {
    const auto n = static_cast<std::uint32_t>(f->size());
    for (int s = 24; s >= 0; s -= 8) aad.push_back(static_cast<std::uint8_t>(n >> s));
    aad.insert(aad.end(), f->begin(), f->end());
  }
  for (int i = 0; i < 8; ++i) aad.push_back(static_cast<std::uint8_t>(len >> (8 * i)));
  return aad;
}

}  // namespace

result<migration_spec> make_migration_spec(common::random_source& vcenter_random, host& source,
                                           const host& destination, const std::string& vm_name) {
  vm* v = source.find(vm_name);
  if (!v) return fail(errc::not_found, "", "no VM named '" + vm_name + "' on host " + source.name());
  migration_spec spec;
  spec.vm_name = vm_name;
  spec.vm_dir = v->dir();
  spec.source_host = source.name();
  spec.destination_host = destination.name();
  spec.key.resize(32);
  vcenter_random.fill(spec.key);
  vcenter_random.fill(spec.nonce);
  return spec;
}

result<std::vector<std::uint8_t>> vmotion_send(host& source, const migration_spec& spec) {
  vm* v = source.find(spec.vm_name);
  if (!v) return fail(errc::not_found, "", "no VM named '" + spec.vm_name + "' on host " + source.name());
  auto state = v->running_state();
  if (!state) return common::unexpected<error>{state.error()};
  auto sealed = gcm_seal(spec.key, spec.nonce, stream_aad(spec, state->size()), *state);
  if (!sealed) return common::unexpected<error>{sealed.error()};
  std::vector<std::uint8_t> stream(8);
  for (int i = 0; i < 8; ++i) stream[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(state->size() >> (8 * i));
  stream.insert(stream.end(), sealed->begin(), sealed->end());
  return stream;
}

result<void> vmotion_receive(host& destination, const migration_spec& spec, std::span<const std::uint8_t> stream) {
  if (destination.find(spec.vm_name) || vmotion_access::incoming(destination).count(spec.vm_name)) {
    return fail(errc::invalid_argument, "", "a VM named '" + spec.vm_name + "' is registered on " + destination.name());
  }
  auto v = vm::open(spec.vm_dir, &destination.helper());
  if (!v) return common::unexpected<error>{v.error()};
  if (auto r = (*v)->check_keys(destination.keys()); !r) return r;  // the destination needs the VM's KEK
  if (stream.size() < 8) return fail(errc::corrupt, "", "migration stream is truncated");
  std::uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len |= std::uint64_t{stream[static_cast<std::size_t>(i)]} << (8 * i);
  auto state = gcm_open(spec.key, spec.nonce, stream_aad(spec, len), stream.subspan(8), len,
                        "vMotion stream " + spec.source_host + " -> " + spec.destination_host);
  if (!state) return common::unexpected<error>{state.error()};
  auto& slot = vmotion_access::incoming(destination)[spec.vm_name];
  slot.v = std::move(*v);
  slot.state = std::move(*state);
  return {};
}

result<void> vmotion_release(host& source, const migration_spec& spec) {
  vm* v = source.find(spec.vm_name);
  if (!v) return fail(errc::not_found, "", "no VM named '" + spec.vm_name + "' on host " + source.name());
  if (auto r = v->release(); !r) return r;
  source.unregister_vm(spec.vm_name);
  return {};
}

result<vm*> vmotion_resume(host& destination, const migration_spec& spec) {
  auto& staged = vmotion_access::incoming(destination);
  auto it = staged.find(spec.vm_name);
  if (it == staged.end()) return fail(errc::bad_state, "", "no received migration of '" + spec.vm_name + "'");
  auto in = std::move(it->second);
  staged.erase(it);
  if (auto r = in.v->resume_from(destination.keys(), in.state); !r) return common::unexpected<error>{r.error()};
  vm* p = in.v.get();
  vmotion_access::vms(destination).emplace(spec.vm_name, std::move(in.v));
  return p;
}

result<vm*> vmotion(host& source, host& destination, const migration_spec& spec,
                    const std::function<void(std::vector<std::uint8_t>&)>& on_the_wire) {
  auto stream = vmotion_send(source, spec);
  if (!stream) return common::unexpected<error>{stream.error()};
  if (on_the_wire) on_the_wire(*stream);
  if (auto r = vmotion_receive(destination, spec, *stream); !r) return common::unexpected<error>{r.error()};
  if (auto r = vmotion_release(source, spec); !r) return common::unexpected<error>{r.error()};
  return vmotion_resume(destination, spec);
}

}  // namespace esxi_sim
