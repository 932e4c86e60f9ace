// Model transforms (to-dwsep, to-standard) and the chained one-line form. Every expected
// number is worked out by hand in the comment next to it: a conv writes N·Ho·Wo·K outputs
// of (C/g)·kh·kw MACs each, and has kh·kw·(C/g)·K params.
#include <catch2/catch.hpp>

#include "convroof/cost.hpp"
#include "convroof/transform.hpp"

using namespace convroof;

namespace {

// Every layer reads tensors of the shapes its producers write, and only earlier layers.
void check_consistent(const Model& model) {
  INFO("model " << model.name);
  for (std::size_t index = 0; index < model.layers.size(); ++index) {
    const Layer& layer = model.layers[index];
    INFO("layer " << index << " " << layer.name);
    REQUIRE(layer.inputs.size() == layer.input_shapes.size());
    for (std::size_t i = 0; i < layer.inputs.size(); ++i) {
      const int source = layer.inputs[i];
      REQUIRE(source >= -1);
      REQUIRE(source < static_cast<int>(index));
      CHECK(layer.input_shapes[i] == (source < 0 ? model.input_shape : model.layers[source].output_shape));
    }
  }
}

std::uint64_t total_macs(const Model& model) {
  std::uint64_t macs = 0;
  for (const auto& layer : model.layers) macs += count_ops(layer).macs;
  return macs;
}

std::size_t count_direction(const std::vector<ConvPair>& pairs, Transform direction) {
  std::size_t count = 0;
  for (const auto& pair : pairs) count += pair.direction == direction ? 1 : 0;
  return count;
}

// A pair's two models read the same input shape and write the same output shape, and each
// is a consistent chain on its own.
void check_pair(const ConvPair& pair) {
  INFO(pair.label);
  check_consistent(pair.before);
  check_consistent(pair.after);
  REQUIRE(!pair.before.layers.empty());
  REQUIRE(!pair.after.layers.empty());
  CHECK(pair.before.input_shape == pair.after.input_shape);
  CHECK(pair.before.layers.back().output_shape == pair.after.layers.back().output_shape);
  CHECK(pair.before.layers.size() == pair.layers.size());
  CHECK(pair.before.name == pair.after.name);
}

int index_of(const Model& model, const std::string& name) {
  for (std::size_t i = 0; i < model.layers.size(); ++i)
    if (model.layers[i].name == name) return static_cast<int>(i);
  FAIL("no layer " << name << " in " << model.name);
  return -1;
}

Model yaml_model(const std::string& layers, const std::string& input = "[1, 8, 8, 16]") {
  return parse_workload(
      "schema: convroof.workload/1\nname: t\ninput: {shape: " + input + ", layout: NHWC}\nlayers:\n" + layers, "t.yaml",
      std::nullopt);
}

}  // namespace

TEST_CASE("transform: names come from the kTransforms table", "[transform]") {
  CHECK(choice_names(kTransforms) == std::vector<std::string>{"none", "to-dwsep", "to-standard"});
  for (const auto& info : kTransforms) {
    CHECK(transform_name(info.value) == info.name);
    CHECK(parse_choice(kTransforms, info.name) == info.value);
  }
  CHECK_FALSE(parse_choice(kTransforms, "to_dwsep").has_value());
  CHECK_FALSE(parse_choice(kTransforms, "").has_value());
}

TEST_CASE("transform: blog_conv is one standard conv, split into depthwise + pointwise", "[transform]") {
  Model conv = resolve_workload("blog_conv", std::nullopt);
  auto pairs = find_pairs(conv);
  REQUIRE(pairs.size() == 1);
  const ConvPair& pair = pairs.front();
  check_pair(pair);
  CHECK(pair.direction == Transform::to_dwsep);
  CHECK(pair.layers == std::vector<int>{0});
  CHECK(pair.label == "conv (3x3 s1, 128->128, 224x224)");
  CHECK(pair.before.name == "blog_conv:conv");
  CHECK(pair.before.origin == conv.origin);
  CHECK(pair.before.reference == conv.reference);
  CHECK(pair.before.input_shape == Shape{1, 224, 224, 128});
  REQUIRE(pair.before.layers.size() == 1);
  CHECK(pair.before.layers.front().inputs == std::vector<int>{-1});

  REQUIRE(pair.after.layers.size() == 2);
  const Layer& dw = pair.after.layers[0];
  const Layer& pw = pair.after.layers[1];
  CHECK(dw.name == "conv/dw");
  CHECK(dw.op == LayerOp::depthwise_conv2d);
  CHECK(dw.op_class == OpClass::depthwise);
  CHECK(dw.groups == 128);
  CHECK(dw.filters == 128);
  CHECK(dw.kernel == std::array<std::int64_t, 2>{3, 3});
  CHECK(dw.padding == std::array<std::int64_t, 4>{1, 1, 1, 1});  // 'same' 3x3 s1: 2 in total, 1 each side
  CHECK(dw.inputs == std::vector<int>{-1});
  CHECK(dw.output_shape == Shape{1, 224, 224, 128});
  CHECK(dw.where.line == conv.layers.front().where.line);
  CHECK(pw.name == "conv/pw");
  CHECK(pw.op == LayerOp::conv2d);
  CHECK(pw.op_class == OpClass::pointwise);
  CHECK(pw.kernel == std::array<std::int64_t, 2>{1, 1});
  CHECK(pw.padding == std::array<std::int64_t, 4>{0, 0, 0, 0});
  CHECK(pw.filters == 128);
  CHECK(pw.inputs == std::vector<int>{0});
  CHECK(pw.output_shape == Shape{1, 224, 224, 128});

  // dw: 224·224 = 50,176 pixels × 128 channels × 9 taps = 57,802,752 MACs; params 9·128 = 1,152.
  // pw: 50,176 × 128 × 128 = 822,083,584 MACs; params 128·128 = 16,384.
  CHECK(count_ops(dw).macs == 57'802'752);
  CHECK(count_ops(dw).params == 1'152);
  CHECK(count_ops(pw).macs == 822'083'584);
  CHECK(count_ops(pw).params == 16'384);

  // The whole model: the same two layers, wired input -> dw -> pw, name unchanged.
  Model separable = apply_transform(conv, Transform::to_dwsep);
  check_consistent(separable);
  CHECK(separable.name == "blog_conv");
  REQUIRE(separable.layers.size() == 2);
  CHECK(separable.layers[1].inputs == std::vector<int>{0});
  // 57,802,752 + 822,083,584 = 879,886,336.
  CHECK(total_macs(separable) == 879'886'336);
  // Nothing to do in the other direction, and `none` is the identity.
  CHECK(apply_transform(conv, Transform::to_standard).layers.size() == 1);
  CHECK(apply_transform(conv, Transform::none).layers.size() == 1);
}

TEST_CASE("transform: blog_dwsep is one depthwise + pointwise pair, merged into a 3x3 conv", "[transform]") {
  Model dwsep = resolve_workload("blog_dwsep", std::nullopt);
  auto pairs = find_pairs(dwsep);
  REQUIRE(pairs.size() == 1);
  const ConvPair& pair = pairs.front();
  check_pair(pair);
  CHECK(pair.direction == Transform::to_standard);
  CHECK(pair.layers == std::vector<int>{0, 1});
  CHECK(pair.label == "depthwise+pointwise (3x3 s1, 128->128, 224x224)");
  CHECK(pair.before.name == "blog_dwsep:depthwise");
  REQUIRE(pair.after.layers.size() == 1);
  const Layer& standard = pair.after.layers.front();
  CHECK(standard.name == "depthwise+pointwise");
  CHECK(standard.op == LayerOp::conv2d);
  CHECK(standard.op_class == OpClass::standard);
  CHECK(standard.groups == 1);
  CHECK(standard.filters == 128);
  CHECK(standard.kernel == std::array<std::int64_t, 2>{3, 3});
  CHECK(standard.padding == std::array<std::int64_t, 4>{1, 1, 1, 1});
  CHECK(standard.input_shapes == std::vector<Shape>{{1, 224, 224, 128}});
  CHECK(standard.output_shape == Shape{1, 224, 224, 128});
  // 50,176 pixels × 128 filters × (128·9 = 1,152) = 7,398,752,256 MACs; params 9·128·128 = 147,456.
  CHECK(count_ops(standard).macs == 7'398'752'256ULL);
  CHECK(count_ops(standard).params == 147'456);

  Model merged = apply_transform(dwsep, Transform::to_standard);
  check_consistent(merged);
  REQUIRE(merged.layers.size() == 1);
  CHECK(total_macs(merged) == 7'398'752'256ULL);
}

TEST_CASE("transform: round trips give back the layer counts, shapes and MACs", "[transform]") {
  Model conv = resolve_workload("blog_conv", std::nullopt);
  Model back = apply_transform(apply_transform(conv, Transform::to_dwsep), Transform::to_standard);
  check_consistent(back);
  REQUIRE(back.layers.size() == 1);
  CHECK(back.layers.front().name == "conv/dw+conv/pw");
  CHECK(back.layers.front().op_class == OpClass::standard);
  CHECK(back.layers.front().input_shapes == conv.layers.front().input_shapes);
  CHECK(back.layers.front().output_shape == conv.layers.front().output_shape);
  CHECK(total_macs(back) == total_macs(conv));  // 7,398,752,256

  // ResNet-50 split and merged again: the same 175 layers, one for one.
  Model resnet = resolve_workload("resnet50", std::nullopt);
  Model again = apply_transform(apply_transform(resnet, Transform::to_dwsep), Transform::to_standard);
  check_consistent(again);
  REQUIRE(again.layers.size() == resnet.layers.size());
  for (std::size_t i = 0; i < resnet.layers.size(); ++i) {
    INFO(resnet.layers[i].name);
    CHECK(again.layers[i].op_class == resnet.layers[i].op_class);
    CHECK(again.layers[i].inputs == resnet.layers[i].inputs);
    CHECK(again.layers[i].output_shape == resnet.layers[i].output_shape);
    CHECK(count_ops(again.layers[i]).macs == count_ops(resnet.layers[i]).macs);
  }
}

TEST_CASE("transform: mobilenet_v1 has conv1 and 13 depthwise + bn + relu6 + pointwise blocks", "[transform]") {
  Model mobilenet = resolve_workload("mobilenet_v1", std::nullopt);
  REQUIRE(mobilenet.layers.size() == 84);  // conv1 + bn + relu6, 13 × 6, avgpool, fc, softmax
  auto pairs = find_pairs(mobilenet);
  REQUIRE(pairs.size() == 14);
  CHECK(count_direction(pairs, Transform::to_dwsep) == 1);
  CHECK(count_direction(pairs, Transform::to_standard) == 13);
  // conv1: 3x3 stride 2 on 224x224x3 to 32.
  CHECK(pairs[0].direction == Transform::to_dwsep);
  CHECK(pairs[0].label == "conv1 (3x3 s2, 3->32, 224x224)");
  // Block 1: conv_dw_1 (index 3), its bn and relu6, conv_pw_1 (index 6): 32 -> 64 on 112x112.
  CHECK(pairs[1].layers == std::vector<int>{3, 4, 5, 6});
  CHECK(pairs[1].label == "conv_dw_1+conv_pw_1 (3x3 s1, 32->64, 112x112)");
  CHECK(pairs[1].before.layers.size() == 4);
  REQUIRE(pairs[1].after.layers.size() == 1);
  // 112·112 = 12,544 pixels × 64 filters × (32·9 = 288) = 231,211,008 MACs, instead of
  // dw 12,544·32·9 = 3,612,672 + pw 12,544·32·64 = 25,690,112.
  CHECK(total_macs(pairs[1].after) == 231'211'008);
  CHECK(total_macs(pairs[1].before) == 3'612'672 + 25'690'112);
  for (const auto& pair : pairs) check_pair(pair);

  // The whole model: each block's 4 layers become 1, so 84 − 13·3 = 45 layers.
  Model standard = apply_transform(mobilenet, Transform::to_standard);
  check_consistent(standard);
  CHECK(standard.name == mobilenet.name);
  REQUIRE(standard.layers.size() == 45);
  // global_avgpool [1,1,1,1024] -> dense 1000 -> softmax: [1, 1, 1, 1000], as before.
  CHECK(standard.layers.back().output_shape == Shape{1, 1, 1, 1000});
  CHECK(standard.layers.back().output_shape == mobilenet.layers.back().output_shape);
  CHECK(standard.layers[0].name == "conv1");
  CHECK(standard.layers[3].name == "conv_dw_1+conv_pw_1");
  CHECK(standard.layers[4].name == "conv_pw_1_bn");  // the pointwise's own bn and relu6 stay
  CHECK(standard.layers[4].inputs == std::vector<int>{3});

  // MACs: the original minus each block's before plus its after (from the blocks)...
  std::uint64_t expected = total_macs(mobilenet);
  for (const auto& pair : pairs)
    if (pair.direction == Transform::to_standard)
      expected = expected - total_macs(pair.before) + total_macs(pair.after);
  CHECK(total_macs(standard) == expected);
  // ... and by hand, Ho·Wo·K·C·9 per merged block:
  //   112²·64·32·9 = 231,211,008      56²·128·64·9 = 231,211,008     56²·128·128·9 = 462,422,016
  //   28²·256·128·9 = 231,211,008     28²·256·256·9 = 462,422,016    14²·512·256·9 = 231,211,008
  //   14²·512·512·9 = 462,422,016 ×5  7²·1024·512·9 = 231,211,008    7²·1024·1024·9 = 462,422,016
  //   sum 4,855,431,168; + conv1 112²·32·27 = 10,838,016; + fc 1024·1000 = 1,024,000.
  CHECK(total_macs(standard) == 4'867'293'184ULL);

  // to-dwsep splits only conv1 (85 layers); then the only blocks left are 14 pairs.
  Model separable = apply_transform(mobilenet, Transform::to_dwsep);
  check_consistent(separable);
  CHECK(separable.layers.size() == 85);
  auto left = find_pairs(separable);
  CHECK(left.size() == 14);
  CHECK(count_direction(left, Transform::to_standard) == 14);
  // conv1/dw + conv1/pw: 3x3 s2 on 3 channels, then 3 -> 32, with conv1's bn and relu6 after.
  CHECK(left.front().label == "conv1/dw+conv1/pw (3x3 s2, 3->32, 224x224)");
  // And to-standard leaves no pair behind: only standard convs remain as blocks.
  auto merged_pairs = find_pairs(standard);
  CHECK(count_direction(merged_pairs, Transform::to_standard) == 0);
  CHECK(count_direction(merged_pairs, Transform::to_dwsep) == 14);
}

TEST_CASE("transform: resnet50 split into depthwise + pointwise keeps every residual add consistent", "[transform]") {
  Model resnet = resolve_workload("resnet50", std::nullopt);
  REQUIRE(resnet.layers.size() == 175);
  // conv1 (7x7 s2) and the 3 + 4 + 6 + 3 = 16 bottleneck 3x3 convs are the standard convs.
  auto pairs = find_pairs(resnet);
  CHECK(pairs.size() == 17);
  CHECK(count_direction(pairs, Transform::to_dwsep) == 17);
  CHECK(pairs.front().label == "conv1 (7x7 s2, 3->64, 224x224)");
  for (const auto& pair : pairs) check_pair(pair);

  Model separable = apply_transform(resnet, Transform::to_dwsep);
  check_consistent(separable);
  REQUIRE(separable.layers.size() == 175 + 17);
  CHECK(separable.layers.back().output_shape == resnet.layers.back().output_shape);
  CHECK(separable.layers.back().output_shape == Shape{1, 1000});  // flatten -> fc 1000
  // The residual adds read the same layers (by name) as before, with matching shapes.
  std::size_t adds = 0;
  for (const auto& layer : resnet.layers) {
    if (layer.op != LayerOp::add) continue;
    ++adds;
    const Layer& moved = separable.layers[static_cast<std::size_t>(index_of(separable, layer.name))];
    REQUIRE(moved.inputs.size() == layer.inputs.size());
    for (std::size_t i = 0; i < layer.inputs.size(); ++i) {
      CHECK(separable.layers[static_cast<std::size_t>(moved.inputs[i])].name == resnet.layers[layer.inputs[i]].name);
      CHECK(moved.input_shapes[i] == moved.output_shape);
    }
  }
  CHECK(adds == 16);
  // layer1.0.conv2 (3x3, 64 -> 64 on 56x56) became dw + pw, read by the unchanged bn2.
  const int pw = index_of(separable, "layer1.0.conv2/pw");
  CHECK(separable.layers[static_cast<std::size_t>(pw) - 1].name == "layer1.0.conv2/dw");
  CHECK(separable.layers[static_cast<std::size_t>(pw) + 1].name == "layer1.0.bn2");
  CHECK(separable.layers[static_cast<std::size_t>(pw) + 1].inputs == std::vector<int>{pw});
  // Its MACs: 56·56 = 3,136 pixels: dw 3,136·64·9 = 1,806,336; pw 3,136·64·64 = 12,845,056.
  CHECK(count_ops(separable.layers[static_cast<std::size_t>(pw) - 1]).macs == 1'806'336);
  CHECK(count_ops(separable.layers[static_cast<std::size_t>(pw)]).macs == 12'845'056);
  // The split model's blocks are the 17 new pairs, nothing else.
  auto left = find_pairs(separable);
  CHECK(left.size() == 17);
  CHECK(count_direction(left, Transform::to_standard) == 17);
}

TEST_CASE("transform: a depthwise or chain layer read elsewhere is not a pair", "[transform]") {
  // dw is read by pw and by the add: its output must exist, so no merge.
  Model branch = yaml_model(R"(  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: pw, type: conv2d, filters: 16, kernel: 1}
  - {name: sum, type: add, inputs: [pw, dw]}
)");
  CHECK(find_pairs(branch).empty());
  CHECK(apply_transform(branch, Transform::to_standard).layers.size() == 3);

  // The relu between them is read twice (by pw and by the concat).
  Model chain = yaml_model(R"(  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: act, type: relu}
  - {name: pw, type: conv2d, filters: 16, kernel: 1}
  - {name: cat, type: concat, inputs: [pw, act]}
)");
  CHECK(find_pairs(chain).empty());

  // A chain through softmax (which mixes channels) or ending in a strided pointwise is not a
  // pair; a depthwise that is the model's output has no pointwise after it.
  CHECK(find_pairs(yaml_model(R"(  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: sm, type: softmax}
  - {name: pw, type: conv2d, filters: 16, kernel: 1}
)"))
            .empty());
  CHECK(find_pairs(yaml_model(R"(  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: pw, type: conv2d, filters: 16, kernel: 1, stride: 2}
)"))
            .empty());
  CHECK(find_pairs(yaml_model("  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}\n")).empty());
  // A pointwise reading the depthwise and another tensor cannot be one (a 1x1 conv has one input),
  // and a dw -> add -> pw chain stops at the add.
  CHECK(find_pairs(yaml_model(R"(  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: sum, type: add, inputs: [dw, input]}
  - {name: pw, type: conv2d, filters: 16, kernel: 1}
)"))
            .empty());
}

TEST_CASE("transform: pairs whose layers are not adjacent, with a branch listed between", "[transform]") {
  // input 8x8x16 -> dw (3x3 same) -> bn -> pw (16 -> 32); a side 1x1 conv on the input to 32
  // is listed between bn and pw; the add reads pw and the side conv.
  Model model = yaml_model(R"(  - {name: dw, type: depthwise_conv2d, kernel: 3, padding: same}
  - {name: bn, type: batchnorm}
  - {name: side, type: conv2d, filters: 32, kernel: 1, inputs: [input]}
  - {name: pw, type: conv2d, filters: 32, kernel: 1, inputs: [bn]}
  - {name: sum, type: add, inputs: [pw, side]}
)");
  auto pairs = find_pairs(model);
  REQUIRE(pairs.size() == 1);
  CHECK(pairs.front().layers == std::vector<int>{0, 1, 3});
  CHECK(pairs.front().label == "dw+pw (3x3 s1, 16->32, 8x8)");
  check_pair(pairs.front());
  Model merged = apply_transform(model, Transform::to_standard);
  check_consistent(merged);
  // dw+pw, side, sum: the merged conv stands where dw stood; sum reads it and side.
  REQUIRE(merged.layers.size() == 3);
  CHECK(merged.layers[0].name == "dw+pw");
  CHECK(merged.layers[1].name == "side");
  CHECK(merged.layers[2].inputs == std::vector<int>{0, 1});
  CHECK(merged.layers[2].output_shape == Shape{1, 8, 8, 32});
  // 8·8 = 64 pixels × 32 filters × (16·9 = 144) = 294,912 MACs; side 64·32·16 = 32,768.
  CHECK(total_macs(merged) == 294'912 + 32'768);
}

TEST_CASE("transform: dtype, bias, dilation, 1x1 depthwise and grouped layers", "[transform]") {
  // int8 3x3 conv with bias, dilation 2, stride 2 on 9x9x4 to 8: valid, dilated kernel 5:
  // floor((9 − 5)/2) + 1 = 3, so 3x3x8 out.
  Model conv = yaml_model(
      "  - {name: c, type: conv2d, filters: 8, kernel: 3, stride: 2, dilation: 2, bias: true, dtype: int8}\n",
      "[1, 9, 9, 4]");
  Model split = apply_transform(conv, Transform::to_dwsep);
  check_consistent(split);
  REQUIRE(split.layers.size() == 2);
  const Layer& dw = split.layers[0];
  const Layer& pw = split.layers[1];
  CHECK(dw.dtype == Precision::int8);
  CHECK(pw.dtype == Precision::int8);
  CHECK(dw.dilation == std::array<std::int64_t, 2>{2, 2});
  CHECK(dw.stride == std::array<std::int64_t, 2>{2, 2});
  CHECK_FALSE(dw.bias);
  CHECK(pw.bias);
  CHECK(dw.output_shape == Shape{1, 3, 3, 4});
  CHECK(pw.output_shape == Shape{1, 3, 3, 8});
  // dw params 9·4 = 36; pw 4·8 + 8 biases = 40. MACs: dw 9 pixels·4·9 = 324, pw 9·4·8 = 288.
  CHECK(count_ops(dw).params == 36);
  CHECK(count_ops(pw).params == 40);
  CHECK(count_ops(dw).macs == 324);
  CHECK(count_ops(pw).macs == 288);
  // Back again: one conv with the original's bias, dilation and 3x3x8 output.
  Model back = apply_transform(split, Transform::to_standard);
  REQUIRE(back.layers.size() == 1);
  CHECK(back.layers.front().bias);
  CHECK(back.layers.front().dilation == std::array<std::int64_t, 2>{2, 2});
  CHECK(back.layers.front().output_shape == Shape{1, 3, 3, 8});
  CHECK(count_ops(back.layers.front()).macs == count_ops(conv.layers.front()).macs);  // 9·8·36 = 2,592

  // A 1x1 depthwise (as conv2d groups=C) + pointwise merges into a pointwise conv; a grouped
  // conv (groups 2 of 8) and a pointwise are not standard convs and stay.
  Model small = yaml_model(R"(  - {name: dw, type: conv2d, filters: 16, kernel: 1, groups: 16}
  - {name: pw, type: conv2d, filters: 8, kernel: 1}
  - {name: grouped, type: conv2d, filters: 8, kernel: 3, groups: 2, padding: same}
)");
  auto pairs = find_pairs(small);
  REQUIRE(pairs.size() == 1);
  CHECK(pairs.front().after.layers.front().op_class == OpClass::pointwise);
  CHECK(apply_transform(small, Transform::to_dwsep).layers.size() == 3);

  // Non-square kernel and stride: the label gives both.
  Model tall = yaml_model("  - {name: t, type: conv2d, filters: 4, kernel: [3, 1], stride: [2, 1]}\n");
  REQUIRE(find_pairs(tall).size() == 1);
  CHECK(find_pairs(tall).front().label == "t (3x1 s2x1, 16->4, 8x8)");
}

TEST_CASE("transform: parse_layer_lines chains one-line layers", "[transform][loaders]") {
  const std::vector<std::string> lines{"depthwise_conv2d kernel=3 padding=same input=56x56x64",
                                       "conv2d filters=128 kernel=1"};
  Model model = parse_layer_lines(lines, std::nullopt);
  check_consistent(model);
  REQUIRE(model.layers.size() == 2);
  CHECK(model.input_shape == Shape{1, 56, 56, 64});
  CHECK(model.layers[0].name == "depthwise_conv2d_0");
  CHECK(model.layers[1].name == "conv2d_1");
  CHECK(model.layers[1].inputs == std::vector<int>{0});
  CHECK(model.layers[1].input_shapes == std::vector<Shape>{{1, 56, 56, 64}});
  CHECK(model.layers[1].output_shape == Shape{1, 56, 56, 128});
  CHECK(model.layers[1].where.file == "--layer");
  CHECK(model.layers[1].where.line == 2);
  CHECK(model.name == "depthwise_conv2d_0..conv2d_1");
  CHECK(model.reference == "depthwise_conv2d kernel=3 padding=same input=56x56x64 | conv2d filters=128 kernel=1");
  CHECK(model.origin == "--layer");
  // The chain is a pair: 56·56 = 3,136 pixels × 128 × (64·9 = 576) = 231,211,008 MACs merged.
  auto pairs = find_pairs(model);
  REQUIRE(pairs.size() == 1);
  CHECK(total_macs(pairs.front().after) == 231'211'008);

  // --batch sets N of the first line's input; the chain follows.
  Model batched = parse_layer_lines(lines, 8);
  CHECK(batched.layers[1].output_shape == Shape{8, 56, 56, 128});

  // Two lines of one type get distinct default names.
  Model twice = parse_layer_lines({"relu input=4x4x2", "relu"}, std::nullopt);
  CHECK(twice.layers[0].name == "relu_0");
  CHECK(twice.layers[1].name == "relu_1");
  CHECK(twice.name == "relu_0..relu_1");
}

TEST_CASE("transform: parse_layer_lines errors name the --layer they are in", "[transform][loaders]") {
  auto formatted = [](const std::vector<std::string>& lines) -> std::string {
    try {
      parse_layer_lines(lines, std::nullopt);
    } catch (const Error& error) {
      return error.formatted();
    }
    return "no error";
  };
  // input= on the second line: the token "input=…" starts at column 29 of
  // "conv2d filters=128 kernel=1 input=56x56x64" (28 characters before it).
  CHECK(formatted(
            {"depthwise_conv2d kernel=3 padding=same input=56x56x64", "conv2d filters=128 kernel=1 input=56x56x64"}) ==
        "--layer:2:29: error: input= goes on the first --layer only; later layers read the previous layer's output");
  CHECK_THROWS_AS(parse_layer_lines({"relu input=4", "relu input=4"}, std::nullopt), Error);
  // Errors of later lines carry their line number; the first line needs input=.
  CHECK_THAT(formatted({"relu input=4x4x2", "conv2d filters=2 kernal=3"}),
             Catch::StartsWith("--layer:2:18: error: unknown key 'kernal'"));
  CHECK_THAT(formatted({"relu input=4x4x2", "conv2d filters=x kernel=3"}), Catch::StartsWith("--layer:2:"));
  CHECK_THAT(formatted({"relu input=4x4x2", ""}), Catch::StartsWith("--layer:2:1: error: empty layer"));
  CHECK_THAT(formatted({"relu", "relu"}), Catch::Contains("needs an input shape"));
  // Explicit names must differ.
  CHECK_THAT(formatted({"relu name=a input=4x4x2", "relu name=a"}),
             Catch::StartsWith("--layer:2:1: error: duplicate layer name 'a'"));
  CHECK_THAT(formatted({}), Catch::Contains("no layer given"));
}

TEST_CASE("transform: one line through parse_layer_lines is parse_layer_line", "[transform][loaders]") {
  for (const std::string line : {"conv2d filters=128 kernel=3 padding=same input=224x224x128",
                                 "depthwise_conv2d name=dw kernel=3 stride=2 input=15x15x8",
                                 "relu repeat=3 input=4x4x2", "lumped flops=4GFLOP bytes=100MB"}) {
    INFO(line);
    Model one = parse_layer_line(line, std::nullopt);
    Model many = parse_layer_lines({line}, std::nullopt);
    CHECK(one.name == many.name);
    CHECK(one.reference == many.reference);
    CHECK(one.origin == many.origin);
    CHECK(one.input_shape == many.input_shape);
    REQUIRE(one.layers.size() == many.layers.size());
    for (std::size_t i = 0; i < one.layers.size(); ++i) {
      CHECK(one.layers[i].name == many.layers[i].name);
      CHECK(one.layers[i].inputs == many.layers[i].inputs);
      CHECK(one.layers[i].output_shape == many.layers[i].output_shape);
    }
  }
  // "relu repeat=3" is 3 layers but one line: the model is named after the first.
  CHECK(parse_layer_lines({"relu repeat=3 input=4x4x2"}, std::nullopt).name == "relu_0_1");
  // Errors are the same, at line 1.
  for (const std::string line : {"conv2d filters=x kernel=3 input=8x8x4", "conv2d kernel=3 input=8x8x4",
                                 "filters=3 conv2d", "conv2d filters=4 kernel=3 input=8x8", "conv2d filters=4"}) {
    INFO(line);
    std::string single, chained;
    try {
      parse_layer_line(line, std::nullopt);
    } catch (const Error& error) {
      single = error.formatted();
    }
    try {
      parse_layer_lines({line}, std::nullopt);
    } catch (const Error& error) {
      chained = error.formatted();
    }
    CHECK_THAT(single, Catch::StartsWith("--layer:1:"));
    CHECK(single == chained);
  }
}
