#!/usr/bin/env python3
"""Prints the layer lists of the long built-in workloads (stdlib only).

    python3 tools/gen_workloads.py resnet50|mobilenet|vgg16

The committed workloads/*.yaml files hold this output under a hand-written header;
regenerate the layers with this script when the convention changes.
"""
def resnet50():
    L=[]
    def add(d): L.append(d)
    add("  - {name: conv1, type: conv2d, filters: 64, kernel: 7, stride: 2, padding: [3, 3, 3, 3]}")
    add("  - {name: bn1, type: batchnorm}")
    add("  - {name: relu, type: relu}")
    add("  - {name: maxpool, type: maxpool, kernel: 3, stride: 2, padding: 1}")
    prev="maxpool"
    for li,(blocks,width) in enumerate([(3,64),(4,128),(6,256),(3,512)],1):
        for b in range(blocks):
            p=f"layer{li}.{b}"
            stride=2 if (b==0 and li>1) else 1
            add(f"  - {{name: {p}.conv1, type: conv2d, filters: {width}, kernel: 1, inputs: [{prev}]}}")
            add(f"  - {{name: {p}.bn1, type: batchnorm}}")
            add(f"  - {{name: {p}.relu1, type: relu}}")
            add(f"  - {{name: {p}.conv2, type: conv2d, filters: {width}, kernel: 3, stride: {stride}, padding: 1}}")
            add(f"  - {{name: {p}.bn2, type: batchnorm}}")
            add(f"  - {{name: {p}.relu2, type: relu}}")
            add(f"  - {{name: {p}.conv3, type: conv2d, filters: {width*4}, kernel: 1}}")
            add(f"  - {{name: {p}.bn3, type: batchnorm}}")
            short=prev
            if b==0:
                add(f"  - {{name: {p}.downsample.0, type: conv2d, filters: {width*4}, kernel: 1, stride: {stride}, inputs: [{prev}]}}")
                add(f"  - {{name: {p}.downsample.1, type: batchnorm}}")
                short=f"{p}.downsample.1"
            add(f"  - {{name: {p}.add, type: add, inputs: [{p}.bn3, {short}]}}")
            add(f"  - {{name: {p}.relu3, type: relu}}")
            prev=f"{p}.relu3"
    add("  - {name: avgpool, type: global_avgpool}")
    add("  - {name: flatten, type: flatten}")
    add("  - {name: fc, type: dense, units: 1000, bias: true}")  # torchvision ends at the logits
    return L


def mobilenet():
    L=[]
    L.append("  - {name: conv1, type: conv2d, filters: 32, kernel: 3, stride: 2, padding: same}")
    L.append("  - {name: conv1_bn, type: batchnorm}")
    L.append("  - {name: conv1_relu, type: relu6}")
    # (stride of the depthwise layer, pointwise filters) per block, Table 1
    blocks=[(1,64),(2,128),(1,128),(2,256),(1,256),(2,512),(1,512),(1,512),(1,512),(1,512),(1,512),(2,1024),(1,1024)]
    for i,(s,f) in enumerate(blocks,1):
        note = "  # the paper's table says s2; it is s1 (the map stays 7x7)" if i==13 else ""
        L.append(f"  - {{name: conv_dw_{i}, type: depthwise_conv2d, kernel: 3, stride: {s}, padding: same}}{note}")
        L.append(f"  - {{name: conv_dw_{i}_bn, type: batchnorm}}")
        L.append(f"  - {{name: conv_dw_{i}_relu, type: relu6}}")
        L.append(f"  - {{name: conv_pw_{i}, type: conv2d, filters: {f}, kernel: 1}}")
        L.append(f"  - {{name: conv_pw_{i}_bn, type: batchnorm}}")
        L.append(f"  - {{name: conv_pw_{i}_relu, type: relu6}}")
    L.append("  - {name: avgpool, type: global_avgpool}")
    L.append("  - {name: fc, type: dense, units: 1000, bias: true}")
    L.append("  - {name: softmax, type: softmax}")
    return L

def vgg16():
    L=[]
    cfg=[64,64,'M',128,128,'M',256,256,256,'M',512,512,512,'M',512,512,512,'M']
    b,c,p=1,1,1
    for v in cfg:
        if v=='M':
            L.append(f"  - {{name: pool{p}, type: maxpool, kernel: 2, stride: 2}}"); p+=1; b+=1; c=1
        else:
            L.append(f"  - {{name: conv{b}_{c}, type: conv2d, filters: {v}, kernel: 3, padding: same, bias: true}}")
            L.append(f"  - {{name: conv{b}_{c}_relu, type: relu}}"); c+=1
    L.append("  - {name: flatten, type: flatten}")
    L.append("  - {name: fc6, type: dense, units: 4096, bias: true}")
    L.append("  - {name: fc6_relu, type: relu}")
    L.append("  - {name: fc7, type: dense, units: 4096, bias: true}")
    L.append("  - {name: fc7_relu, type: relu}")
    L.append("  - {name: fc8, type: dense, units: 1000, bias: true}")
    L.append("  - {name: softmax, type: softmax}")
    return L
import sys
print("\n".join({"resnet50":resnet50,"mobilenet":mobilenet,"vgg16":vgg16}[sys.argv[1]]()))
