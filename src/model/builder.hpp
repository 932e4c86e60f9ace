// The model builder both loaders of layer keys share (src/model/workload.cpp for YAML
// workloads, src/model/layer_line.cpp for the one-line form): a layer's keys checked and read
// into a Layer, branch names resolved, and every layer's output shape (NHWC) inferred as it
// is added (src/model/builder.cpp). Private to the model layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "convroof/model.hpp"
#include "yaml_reader.hpp"

namespace convroof::loader {

using convroof::kMaxDimension;  // model.hpp

// A warning (a model note) for an NHWC input shape that reads like NCHW, as [1, 3, 224, 224] does.
void warn_if_nchw(const Shape& shape, const Location& where, std::vector<std::string>& notes);

// One key=value of a layer, from a YAML mapping or from the one-line form. For the
// one-line form, `value` was parsed from the value text alone, so nested marks are
// offsets into that text and `at()` adds the field's column.
struct Field {
  std::string key;
  yaml::Node value;
  Location where;     // the key
  Location value_at;  // the value
};

class LayerFields {
 public:
  LayerFields(std::vector<Field> fields, Location where, bool one_line)
      : fields_(std::move(fields)), where_(std::move(where)), one_line_(one_line) {}

  const Field* find(std::string_view key) const {
    for (const auto& field : fields_)
      if (field.key == key) return &field;
    return nullptr;
  }
  const std::vector<Field>& all() const { return fields_; }
  const Location& where() const { return where_; }
  // Where `node` (the field's value or an item in it) is in the file.
  Location at(const Field& field, const yaml::Node& node) const;

 private:
  std::vector<Field> fields_;
  Location where_;
  bool one_line_;
};

struct ModelBuilder {
  Model model;
  std::string file;
  std::optional<std::int64_t> batch_override;   // --batch, which lumped layers cannot follow
  std::map<std::string, std::size_t> index_of;  // layer name -> index
  std::map<std::string, Location> defined_at;

  const Shape& shape_of(int index) const { return index < 0 ? model.input_shape : model.layers[index].output_shape; }
  std::string producer_name(int index) const { return index < 0 ? "input" : model.layers[index].name; }

  // The layer's output shape from its input shapes and parameters (and conv2d's op class from
  // its groups and kernel); throws an Error at the layer when the shapes do not fit.
  void infer(Layer& layer) const;
  // Checks one layer's keys, reads them into a Layer (`repeat` copies of it), resolves its
  // inputs and infers its shape; `position` names it in errors ("layer 3").
  void add_layer(const LayerFields& fields, const std::string& position);
};

}  // namespace convroof::loader
