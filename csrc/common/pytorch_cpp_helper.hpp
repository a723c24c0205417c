// Copyright (c) mmsniper contributors. All rights reserved.
// Input checks shared by every op (mmcv's pytorch_cpp_helper.hpp, compact).
#ifndef MMSNIPER_PYTORCH_CPP_HELPER_HPP
#define MMSNIPER_PYTORCH_CPP_HELPER_HPP
#include <torch/extension.h>

#include <vector>

#define CHECK_CUDA(x) \
  TORCH_CHECK(x.device().is_cuda(), #x " must be a CUDA tensor")
#define CHECK_CPU(x) \
  TORCH_CHECK(!x.device().is_cuda(), #x " must be a CPU tensor")
#define CHECK_CONTIGUOUS(x) \
  TORCH_CHECK(x.is_contiguous(), #x " must be contiguous")
#define CHECK_CUDA_INPUT(x) \
  CHECK_CUDA(x);            \
  CHECK_CONTIGUOUS(x)
#define CHECK_CPU_INPUT(x) \
  CHECK_CPU(x);            \
  CHECK_CONTIGUOUS(x)

#endif  // MMSNIPER_PYTORCH_CPP_HELPER_HPP
