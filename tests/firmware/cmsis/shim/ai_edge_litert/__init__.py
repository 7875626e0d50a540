"""Stand-in for the `ai_edge_litert` package when only `tflite-micro` is installed (the project's
oracle venv): the CMSIS-NN peer's scripts need nothing from it but the TFLite flatbuffer schema
bindings, which `tflite-micro` ships too. `tests/firmware/vs_cmsis.sh` puts this directory on
PYTHONPATH only when the real package is missing."""
