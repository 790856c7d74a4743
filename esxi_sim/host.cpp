// Host: VM registry and key cache.
#include "esxi_sim/host.hpp"

namespace esxi_sim {

result<vm*> host::create_vm(const std::filesystem::path& datastore, const vm_spec& spec) {
  if (vms_.count(spec.name)) return fail(errc::invalid_argument, "", "a VM named '" + spec.name + "' is registered");
  auto v = vm::create(datastore, spec, keys_, random_);
  if (!v) return common::unexpected<error>{v.error()};
  vm* p = v->get();
  vms_.emplace(spec.name, std::move(*v));
  return p;
}

result<vm*> host::register_vm(const std::filesystem::path& vm_dir) {
  auto v = vm::open(vm_dir);
  if (!v) return common::unexpected<error>{v.error()};
  const std::string name = (*v)->descriptor().name;
  if (vms_.count(name)) return fail(errc::invalid_argument, vm_dir.string(), "a VM named '" + name + "' is registered");
  vm* p = v->get();
  vms_.emplace(name, std::move(*v));
  return p;
}

void host::unregister_vm(const std::string& name) {
  auto it = vms_.find(name);
  if (it == vms_.end()) return;
  keys_.evict_dek(it->second->dir().string());
  vms_.erase(it);
}

vm* host::find(const std::string& name) {
  auto it = vms_.find(name);
  return it == vms_.end() ? nullptr : it->second.get();
}

void host::reboot() {
  for (auto& [name, v] : vms_) v->drop();
  keys_.clear();
}

}  // namespace esxi_sim
