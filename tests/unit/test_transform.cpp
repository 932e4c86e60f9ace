// Tests of src/model/transform.cpp. Stub: to be written.
#include <catch2/catch.hpp>
