// Host: VM registry and key cache.
#include "esxi_sim/host.hpp"

#include "esxi_sim/sealed_stream.hpp"

namespace esxi_sim {

result<vm*> host::create_vm(const std::filesystem::path& datastore, const vm_spec& spec) {
  if (vms_.count(spec.name)) return fail(errc::invalid_argument, "", "a VM named '" + spec.name + "' is registered");
  auto v = vm::create(datastore, spec, keys_, random_, &helper_);
  if (!v) return common::unexpected<error>{v.error()};
  vm* p = v->get();
  vms_.emplace(spec.name, std::move(*v));
  return p;
}

result<vm*> host::register_vm(const std::filesystem::path& vm_dir) {
  auto v = vm::open(vm_dir, &helper_);
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
  if (key_persistence_) keys_.clear_deks();
  else keys_.clear();
}

result<void> host::enable_encryption_mode(const std::string& host_key_id) {
  const auto* k = keys_.kek(host_key_id);
  if (!k || k->size() != 32) {
    return fail(errc::locked, "", "host key '" + host_key_id + "' is not in the host key cache (or not AES-256)");
  }
  crypto_safe_ = true;
  host_key_id_ = host_key_id;
  return {};
}

result<void> host::write_core_dump(const std::filesystem::path& p) {
  if (!crypto_safe_) {
    return fail(errc::bad_state, p.string(), "host is not in encryption mode; a core dump would be written in clear");
  }
  const auto* k = keys_.kek(host_key_id_);
  if (!k) return fail(errc::locked, p.string(), "host key '" + host_key_id_ + "' is not in the host key cache");
  common::secure_bytes dump;
  const std::string head = "esxi_sim host core dump\nhost=" + name_ + "\n";
  dump.insert(dump.end(), head.begin(), head.end());
  for (auto& [vm_name, v] : vms_) {
    const std::string line = "vm=" + vm_name + " state=" + std::to_string(static_cast<int>(v->state())) + "\n";
    dump.insert(dump.end(), line.begin(), line.end());
    if (auto st = v->running_state()) dump.insert(dump.end(), st->begin(), st->end());
  }
  return write_sealed_file(p, sealed_kind::host_core_dump, *k, dump, random_);
}

result<void> host::write_vm_core_dump(const std::string& vm_name, const std::filesystem::path& p) {
  vm* v = find(vm_name);
  if (!v) return fail(errc::not_found, "", "no VM named '" + vm_name + "' on host " + name_);
  return v->write_core_dump(p, keys_, random_);
}

}  // namespace esxi_sim
