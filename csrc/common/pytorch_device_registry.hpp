// Copyright (c) mmsniper contributors. All rights reserved.
// Per-device implementation registry, a compact take on mmcv's
// pytorch_device_registry.hpp.
//
//   // pytorch/<op>.cpp: device-agnostic entry point
//   Ret op_impl(Args...) { return DISPATCH_DEVICE_IMPL(op_impl, args...); }
//   // pytorch/cpu/<op>.cpp and pytorch/cuda/cudabind.cpp
//   REGISTER_DEVICE_IMPL(op_impl, CPU, op_cpu);
//   REGISTER_DEVICE_IMPL(op_impl, CUDA, op_cuda);
//
// The registry of one entry point is a function-local static of a template
// keyed by the entry point's address, so every translation unit sees the same
// instance. Dispatch picks the device of the tensor arguments, checks that
// they all live on that device, and fails with a message naming the op and
// the device when no implementation was compiled for it.
#ifndef MMSNIPER_PYTORCH_DEVICE_REGISTRY_HPP
#define MMSNIPER_PYTORCH_DEVICE_REGISTRY_HPP
#include <torch/extension.h>

#include <array>
#include <string>
#include <type_traits>

template <typename F, F f>
class DeviceRegistry;

template <typename Ret, typename... Args, Ret (*f)(Args...)>
class DeviceRegistry<Ret (*)(Args...), f> {
 public:
  using FunctionType = Ret (*)(Args...);
  static constexpr int kMaxDeviceTypes =
      static_cast<int>(c10::DeviceType::COMPILE_TIME_MAX_DEVICE_TYPES);

  void Register(c10::DeviceType device, FunctionType function) {
    funcs_[static_cast<int>(device)] = function;
  }

  FunctionType Find(c10::DeviceType device) const {
    return funcs_[static_cast<int>(device)];
  }

  static DeviceRegistry& instance() {
    static DeviceRegistry inst;
    return inst;
  }

 private:
  DeviceRegistry() { funcs_.fill(nullptr); }
  std::array<FunctionType, kMaxDeviceTypes> funcs_;
};

namespace mmsniper_registry_detail {

// Device of the first tensor argument; every other tensor must match it.
inline void collect_device(c10::optional<c10::Device>& dev, const char*) {}

template <typename T, typename... Rest>
void collect_device(c10::optional<c10::Device>& dev, const char* name,
                    const T& arg, const Rest&... rest) {
  if constexpr (std::is_same<std::decay_t<T>, at::Tensor>::value) {
    if (arg.defined()) {
      if (!dev.has_value()) {
        dev = arg.device();
      } else {
        TORCH_CHECK(dev.value() == arg.device(), name,
                    ": all tensors must be on one device, got ",
                    dev.value(), " and ", arg.device());
      }
    }
  }
  collect_device(dev, name, rest...);
}

}  // namespace mmsniper_registry_detail

template <typename R, typename... Args>
auto Dispatch(const R& registry, const char* name, Args&&... args) {
  c10::optional<c10::Device> dev;
  mmsniper_registry_detail::collect_device(dev, name, args...);
  TORCH_CHECK(dev.has_value(), name, ": no tensor argument to dispatch on");
  auto f = registry.Find(dev.value().type());
  TORCH_CHECK(f != nullptr, name, ": no implementation for device ",
              c10::DeviceTypeName(dev.value().type()),
              " (was mmsniper._ext built with it?)");
  return f(std::forward<Args>(args)...);
}

#define DEVICE_REGISTRY(key) DeviceRegistry<decltype(&(key)), key>::instance()

#define REGISTER_DEVICE_IMPL(key, device, value)                    \
  struct key##_##device##_registerer {                              \
    key##_##device##_registerer() {                                 \
      DEVICE_REGISTRY(key).Register(at::k##device, value);          \
    }                                                               \
  };                                                                \
  static key##_##device##_registerer _##key##_##device##_registerer;

#define DISPATCH_DEVICE_IMPL(key, ...) \
  Dispatch(DEVICE_REGISTRY(key), #key, __VA_ARGS__)

#endif  // MMSNIPER_PYTORCH_DEVICE_REGISTRY_HPP
