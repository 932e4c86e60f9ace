// TEMPORARY (branch h-onnx): `tflite_op_types` is declared in convroof/model.hpp and defined by
// src/model/tflite.cpp's operator table on another branch; until that lands, this stub lets
// `convroof workloads kinds` link. The coordinator deletes this file (and its CMakeLists.txt
// line) at merge.
#include "convroof/model.hpp"

namespace convroof {

std::vector<std::string_view> tflite_op_types(LayerOp) { return {}; }

}  // namespace convroof
