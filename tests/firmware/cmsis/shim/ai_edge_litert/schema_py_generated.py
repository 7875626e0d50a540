"""The TFLite schema bindings (flatc-generated) as shipped in the `tflite-micro` wheel."""
from tflite_micro.tensorflow.lite.micro.python.schema_py_generated import *  # noqa: F401,F403
