"""Zoo models of the `state` family (imported by make_zoo.py): none are built here.

The family's ops cannot come out of TensorFlow 2.21's converter:

- SVDF: no converter path emits it (Keras has no SVDF layer, no composite-op fusion makes one).
- UNIDIRECTIONAL_SEQUENCE_LSTM: Keras 3's `layers.LSTM` (the only Keras in the zoo venv; the
  legacy `tf_keras`, whose LSTM the converter fuses, is not installed) converts to a WHILE
  loop over its cell, not to the fused op, and int8 calibration of that float model crashed
  the converter (segmentation fault) when tried.

So tests/scripts/make_state_models.py writes the family's zoo models directly as flatbuffers
(SVDF and LSTM, seeded weights, TFLM-valid quantization) and cuts real ones out of TFLM's
keyword_scrambled.tflite; TFLM's trained_lstm_int8.tflite (a converted Keras 2 LSTM) is in the
shared-model suite. make_goldens.py feeds the 200 golden samples to one TFLM interpreter in
sequence and kiln's harness runs one model instance, so every golden set is a 200-call
sequence test of the state.
"""
