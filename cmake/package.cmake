# The Debian package: `bash scripts/dev.sh package` (cmake --build build --target package)
# writes build/convroof_<version>_<arch>.deb. It holds the install component "convroof": the
# binary, the built-in specs and workloads, the man page, the bash and zsh completions, README
# and docs.
# Its run-time dependencies are read off the binary by dpkg-shlibdeps.
# The package and install targets, and cpack, take what is built and do not build `all` first:
# the package test's cpack did, relinking binaries that the tests beside it under ctest -j were
# running. Build, then package, as scripts/dev.sh does.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME convroof)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "roofline and Iron-Law analysis of convolutional networks")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "convroof explains why depthwise-separable convolutions cut FLOPs 8-9x but time far less: per layer\n"
    "FLOPs, bytes moved, arithmetic intensity and the Iron Law T = D/BW + O/(R*eta) + L on built-in or\n"
    "custom hardware, for built-in, YAML or ONNX models, with a verdict.")
set(CPACK_PACKAGE_CONTACT "The convroof authors <convroof@localhost>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL convroof)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS bash-completion)
include(CPack)
