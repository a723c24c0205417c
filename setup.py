"""Build and install mmsniper.

One native extension, ``mmsniper._ext``, is built from ``csrc/`` in mmcv's
layout:

- ``csrc/common/``: device-agnostic helpers and (``common/cuda/``) kernels;
- ``csrc/pytorch/*.cpp``: device-dispatching entry points;
- ``csrc/pytorch/cpu/*.cpp``: CPU implementations;
- ``csrc/pytorch/cuda/*.{cu,cpp}``: CUDA launchers and registrations;
- ``csrc/pytorch/pybind.cpp``: the single pybind11 module.

Environment switches:

- ``MMSNIPER_WITH_OPS=0``: build without the extension (every op then falls
  back to its pure numpy reference, slower but identical in results);
- ``FORCE_CUDA=1``: build the CUDA sources even when no GPU is visible;
- ``TORCH_CUDA_ARCH_LIST``: honoured as in torch; no ``-gencode`` flag is
  hard-coded here;
- ``MAX_JOBS``: parallel compile jobs (torch's ninja builder reads it).
"""
import glob
import os
import os.path as osp

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))


def readme() -> str:
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        return f.read()


def get_version() -> str:
    with open(osp.join(ROOT, 'mmsniper', 'version.py'), encoding='utf-8') as f:
        exec(compile(f.read(), 'version.py', 'exec'))
    return locals()['__version__']


def parse_requirements(fname: str) -> list:
    """Parse a requirements file, following ``-r`` includes.

    Comments and blank lines are skipped; version specifiers and platform
    markers are kept as written.
    """
    path = osp.join(ROOT, fname)
    reqs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('-r '):
                sub = osp.join(osp.dirname(fname), line[3:].strip())
                reqs.extend(parse_requirements(sub))
            else:
                reqs.append(line)
    return reqs


def get_extensions() -> list:
    """Return the list of native extensions to build (possibly empty)."""
    if os.getenv('MMSNIPER_WITH_OPS', '1') == '0':
        print('MMSNIPER_WITH_OPS=0: building mmsniper without mmsniper._ext')
        return []
    import torch
    from torch.utils.cpp_extension import CppExtension, CUDAExtension

    csrc = 'csrc'
    define_macros = []
    # no -std flag: torch's BuildExtension adds the standard its headers
    # need (c++17 for older torch, c++20 for torch >= 2.13; torch 2.14
    # refuses c++17 with '#error C++20 or later compatible compiler')
    extra_compile_args = {'cxx': ['-O3']}
    sources = sorted(
        glob.glob(osp.join(csrc, 'pytorch', '*.cpp')) +
        glob.glob(osp.join(csrc, 'pytorch', 'cpu', '*.cpp')))
    include_dirs = [osp.abspath(osp.join(csrc, 'common'))]

    with_cuda = (torch.cuda.is_available()
                 or os.getenv('FORCE_CUDA', '0') == '1')
    if with_cuda:
        print('Compiling mmsniper._ext with CUDA')
        define_macros.append(('MMSNIPER_WITH_CUDA', None))
        sources += sorted(
            glob.glob(osp.join(csrc, 'pytorch', 'cuda', '*.cu')) +
            glob.glob(osp.join(csrc, 'pytorch', 'cuda', '*.cpp')))
        include_dirs.append(osp.abspath(osp.join(csrc, 'common', 'cuda')))
        extra_compile_args['nvcc'] = ['-O3']
        ext_cls = CUDAExtension
    else:
        print('Compiling mmsniper._ext only with CPU')
        ext_cls = CppExtension
    return [
        ext_cls(
            name='mmsniper._ext',
            sources=sources,
            include_dirs=include_dirs,
            define_macros=define_macros,
            extra_compile_args=extra_compile_args)
    ]


def get_cmdclass() -> dict:
    if os.getenv('MMSNIPER_WITH_OPS', '1') == '0':
        return {}
    from torch.utils.cpp_extension import BuildExtension
    return {'build_ext': BuildExtension.with_options(use_ninja=True)}


if __name__ == '__main__':
    setup(
        name='mmsniper',
        version=get_version(),
        description='SNIPER and AutoFocus for MMDetection 3.x',
        long_description=readme(),
        long_description_content_type='text/markdown',
        license='Apache License 2.0',
        packages=find_packages(exclude=('configs', 'tools', 'demo', 'tests')),
        include_package_data=True,
        python_requires='>=3.9',
        install_requires=parse_requirements('requirements/runtime.txt'),
        extras_require={
            'all': parse_requirements('requirements.txt'),
            'tests': parse_requirements('requirements/tests.txt'),
            'build': parse_requirements('requirements/build.txt'),
            'optional': parse_requirements('requirements/optional.txt'),
        },
        ext_modules=get_extensions(),
        cmdclass=get_cmdclass(),
        zip_safe=False)
